#!/usr/bin/env python3
"""Side-by-side: tonle's fan and cycle detectors against the same detection written with networkx.

For each payment u -> v at time t, in file order, both compute
  - fan_in:  distinct payers of v within (t - fan_window, t], counted up to hub_degree + 1;
  - fan_out: distinct payees of u within the same window, likewise;
  - cycle:   edges of the shortest cycle the payment closes: a path v -> ... -> u with rising times within
             (t - cycle_window, t), plus the payment; at most cycle_max_length edges; no account in it
             (its ends included) has more than 4 x hub_degree payments in or out within the window.
The networkx version keeps a MultiDiGraph of the payments within the horizon (older edges removed as time
moves) and searches forward from v layer by layer (earliest arrival per node), as a Python developer would
write it with networkx. tonle runs `tonle graph --motifs fan_in,fan_out,cycle` on the same rows.

Prints both throughputs (detection only, reading not counted), their ratio, and how often the two agree.

    cargo build --release -p tonle
    ./target/release/tonle simulate --scenario demo --seed 1 --out demo1
    python3 crates/tonle-detect/benches/networkx_motifs.py demo1/transactions.csv --rows 100000

Needs networkx (pip install networkx); parameters are tonle's defaults (the default rule set's [graph] table).
"""

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime

import networkx as nx

DAY = 86_400_000


def millis(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def read_rows(path, rows):
    """The first `rows` data rows of a native CSV: (id, time ms, debtor, creditor), and the header+rows text."""
    out, lines = [], []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        lines.append(header)
        for row in reader:
            if len(out) == rows:
                break
            out.append((row[col["id"]], millis(row[col["time"]]), row[col["debtor_account"]], row[col["creditor_account"]]))
            lines.append(row)
    return out, lines


class NetworkxDetector:
    def __init__(self, horizon, fan_window, cycle_window, max_len, hub):
        self.g = nx.MultiDiGraph()
        self.horizon, self.fan_window, self.cycle_window = horizon, fan_window, cycle_window
        self.max_len, self.hub = max_len, hub
        self.edges = collections.deque()  # (time, u, v, key) in arrival order
        self.watermark = None

    def expire(self):
        start = self.watermark - self.horizon
        while self.edges and self.edges[0][0] <= start:
            _, u, v, key = self.edges.popleft()
            self.g.remove_edge(u, v, key=key)
            for node in (u, v):
                if self.g.degree(node) == 0:
                    self.g.remove_node(node)

    def fan(self, pairs, start, end):
        seen = set()
        for peer, t in pairs:
            if start < t <= end:
                seen.add(peer)
                if len(seen) > self.hub:
                    break
        return len(seen)

    def window_degree(self, node, start, end):
        inn = sum(1 for _, _, t in self.g.in_edges(node, data="t") if start < t < end)
        out = sum(1 for _, _, t in self.g.out_edges(node, data="t") if start < t < end)
        return inn, out

    def is_hub(self, node, start, end):
        inn, out = self.window_degree(node, start, end)
        return inn > 4 * self.hub or out > 4 * self.hub

    def cycle(self, u, v, t):
        start = t - self.cycle_window
        # No cycle has a hub in it, its ends included.
        if u == v or self.is_hub(u, start, t) or self.is_hub(v, start, t):
            return 0
        arrival = {v: start}
        frontier = [v]
        for hops in range(1, self.max_len):
            nxt = []
            for node in frontier:
                if node != v and self.is_hub(node, start, t):
                    continue
                for _, peer, when in self.g.out_edges(node, data="t"):
                    if arrival[node] < when < t and (peer not in arrival or when < arrival[peer]):
                        arrival[peer] = when
                        nxt.append(peer)
            if u in nxt:
                return hops + 1
            frontier = nxt
        return 0

    def observe(self, key, t, u, v):
        self.watermark = t if self.watermark is None else max(self.watermark, t)
        self.expire()
        self.g.add_edge(u, v, key=key, t=t)
        self.edges.append((t, u, v, key))
        start = t - self.fan_window
        fan_in = self.fan(((p, w) for p, _, w in self.g.in_edges(v, data="t")), start, t)
        fan_out = self.fan(((q, w) for _, q, w in self.g.out_edges(u, data="t")), start, t)
        return fan_in, fan_out, self.cycle(u, v, t)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("transactions", help="a native CSV written by tonle simulate")
    parser.add_argument("--rows", type=int, default=100_000, help="rows to run (from the start of the file)")
    parser.add_argument("--tonle", default="target/release/tonle", help="the tonle binary")
    parser.add_argument("--fx", help="the exchange rates (default: fx.csv beside the transactions)")
    args = parser.parse_args()

    fx = args.fx or os.path.join(os.path.dirname(os.path.abspath(args.transactions)), "fx.csv")
    rows, lines = read_rows(args.transactions, args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        subset = os.path.join(tmp, "rows.csv")
        with open(subset, "w", newline="") as f:
            csv.writer(f).writerows(lines)
        flagged = os.path.join(tmp, "flagged.jsonl")
        command = [args.tonle, "graph", "--in", subset, "--fx", fx, "--motifs", "fan_in,fan_out,cycle", "--flag", "fan_in=1",
                   "--flag", "fan_out=1", "--flag", "cycle=2", "--out", flagged]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"tonle graph failed: {done.stderr}")
        match = re.search(r"detectors ([0-9.]+) s \(([0-9]+) edges/s", done.stderr)
        if not match:
            sys.exit(f"cannot read tonle's timing from: {done.stderr}")
        tonle_rate = float(match.group(2))
        tonle_counts = {}
        with open(flagged) as f:
            for line in f:
                record = json.loads(line)
                counts = record["counts"]
                tonle_counts[record["transaction_id"]] = (counts.get("fan_in", 0), counts.get("fan_out", 0),
                                                          counts.get("cycle", 0))

    detector = NetworkxDetector(horizon=10 * DAY, fan_window=3 * DAY, cycle_window=10 * DAY, max_len=10, hub=20)
    started = time.perf_counter()
    results = [(key, detector.observe(key, t, u, v)) for key, t, u, v in rows]
    nx_seconds = time.perf_counter() - started

    agree = [0, 0, 0]
    cycles = [0, 0]
    for key, counts in results:
        theirs = tonle_counts.get(key, (0, 0, 0))
        for i in range(3):
            agree[i] += counts[i] == theirs[i]
        cycles[0] += counts[2] > 0
        cycles[1] += theirs[2] > 0
    n = len(results)
    print(f"rows: {n} of {args.transactions} (networkx {nx.__version__}, Python {sys.version.split()[0]})")
    print(f"networkx: {nx_seconds:.2f} s, {n / nx_seconds:,.0f} edges/s")
    print(f"tonle:    {n / tonle_rate:.3f} s, {tonle_rate:,.0f} edges/s (one thread)")
    print(f"ratio:    tonle is {tonle_rate / (n / nx_seconds):,.0f} times as fast")
    print(f"agreement: fan_in {agree[0] / n:.4f}, fan_out {agree[1] / n:.4f}, cycle {agree[2] / n:.4f} "
          f"(cycles found: networkx {cycles[0]}, tonle {cycles[1]})")


if __name__ == "__main__":
    main()
