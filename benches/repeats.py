#!/usr/bin/env python3
"""Resends for `tonle bench http`: the first 60,000 transactions of a native JSON Lines file, with a copy of the
transaction sent 500 originals earlier (about 750 requests, 0.15 s at 5,000 requests/s) after every second
one from the 500th on: a switch resending what it got no answer for. 89,750 lines, a third of them repeats.

    python3 benches/repeats.py SIM/transactions.jsonl > repeats.jsonl
"""
import sys

FIRST, BEHIND = 60_000, 500

lines = []
with open(sys.argv[1], encoding="utf-8") as source:
    for line in source:
        if len(lines) == FIRST:
            break
        lines.append(line.rstrip("\n"))
out = sys.stdout
for i, line in enumerate(lines):
    out.write(line + "\n")
    if i % 2 == 0 and i >= BEHIND:
        out.write(lines[i - BEHIND] + "\n")
