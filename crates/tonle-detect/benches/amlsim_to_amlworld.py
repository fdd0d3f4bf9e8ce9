#!/usr/bin/env python3
"""Write an IBM AMLSim run (transactions.csv, alert_transactions.csv) as IBM AMLworld files
(X_Trans.csv and X_Patterns.txt), so that data from a generator that is not tonle's can be read with
`--from amlworld` and fed to ml_baselines.py like IBM's own AMLworld sets.

Mapping: Timestamp = tran_timestamp (AMLSim steps are days: HH:MM is 00:00); From/To Bank = the accounts'
bank_id from accounts.csv; Account = orig_acct / bene_acct; both amounts = base_amt in US Dollar; Payment
Format = Wire for TRANSFER (AMLSim's only type here), else the type as written; Is Laundering = is_sar.
Each SAR alert becomes one laundering attempt of the patterns file, named after its alert_type
(fan_in -> FAN-IN, cycle -> CYCLE, ...), listing its transactions.

usage: amlsim_to_amlworld.py AMLSIM_OUTPUT_DIR OUT_DIR [--name AMLSim]
"""
import argparse
import csv
import os
from collections import defaultdict


def stamp(text):
    # 2017-01-01T00:00:00Z -> 2017/01/01 00:00
    date, _, clock = text.rstrip("Z").partition("T")
    return date.replace("-", "/") + " " + (clock or "00:00")[:5]


def row(tx, banks):
    fmt = "Wire" if tx["tx_type"] == "TRANSFER" else tx["tx_type"].title()
    amount = "%.2f" % float(tx["base_amt"])
    laundering = "1" if tx["is_sar"].lower() == "true" else "0"
    return [stamp(tx["tran_timestamp"]), banks.get(tx["orig_acct"], "bank"), tx["orig_acct"],
            banks.get(tx["bene_acct"], "bank"), tx["bene_acct"], amount, "US Dollar", amount, "US Dollar", fmt,
            laundering]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("amlsim")
    parser.add_argument("out")
    parser.add_argument("--name", default="AMLSim")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    banks = {}
    with open(os.path.join(args.amlsim, "accounts.csv"), newline="") as f:
        for a in csv.DictReader(f):
            banks[a["acct_id"]] = a["bank_id"]
    sar_ids = set()
    attempts = defaultdict(list)
    kinds = {}
    with open(os.path.join(args.amlsim, "alert_transactions.csv"), newline="") as f:
        for tx in csv.DictReader(f):
            if tx["is_sar"].lower() == "true":
                sar_ids.add(tx["tran_id"])
                attempts[tx["alert_id"]].append(tx["tran_id"])
                kinds[tx["alert_id"]] = tx["alert_type"]
    rows = {}
    written = laundering = 0
    with open(os.path.join(args.amlsim, "transactions.csv"), newline="") as f, \
            open(os.path.join(args.out, args.name + "_Trans.csv"), "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received",
                    "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering"])
        for tx in csv.DictReader(f):
            r = row(tx, banks)
            w.writerow(r)
            written += 1
            if r[-1] == "1":
                laundering += 1
                rows[tx["tran_id"]] = r
    with open(os.path.join(args.out, args.name + "_Patterns.txt"), "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        for alert in sorted(attempts, key=int):
            kind = kinds[alert].upper().replace("_", "-")
            out.write("BEGIN LAUNDERING ATTEMPT - %s: AMLSim alert %s\n" % (kind, alert))
            for tran_id in attempts[alert]:
                if tran_id in rows:
                    w.writerow(rows[tran_id])
            out.write("END LAUNDERING ATTEMPT - %s\n" % kind)
    print("%d rows (%d laundering), %d attempts written to %s" % (written, laundering, len(attempts), args.out))


if __name__ == "__main__":
    main()
