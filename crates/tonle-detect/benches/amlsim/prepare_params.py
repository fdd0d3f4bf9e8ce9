#!/usr/bin/env python3
"""Applies tonle's edits to an AMLSim checkout's parameters (see README.md), in place:

1. conf_10K.json = paramFiles/10K/conf.json with "normal_models": "normalModels.csv" in "input" (the newest
   graph generator requires it; the 10K conf predates it);
2. paramFiles/10K/normalModels.csv = paramFiles/100K/normalModels.csv (no 10K normal-model file exists
   upstream) and paramFiles/10K/transactionType.csv = paramFiles/1K/transactionType.csv (TRANSFER only);
3. paramFiles/10K/schema.json: the "dataType" keys of the account columns open_dt, close_dt and
   tx_behavior_id removed (the newest generator no longer writes them and convert_logs.py would stop looking
   them up); the upstream file is kept as schema.upstream.json.

usage: prepare_params.py AMLSIM_DIR
"""
import json
import os
import shutil
import sys


def main():
    root = sys.argv[1]
    p = lambda *parts: os.path.join(root, *parts)
    conf = json.load(open(p("paramFiles", "10K", "conf.json")))
    conf["input"]["normal_models"] = "normalModels.csv"
    with open(p("conf_10K.json"), "w") as f:
        json.dump(conf, f, indent=2)
    shutil.copyfile(p("paramFiles", "100K", "normalModels.csv"), p("paramFiles", "10K", "normalModels.csv"))
    shutil.copyfile(p("paramFiles", "1K", "transactionType.csv"), p("paramFiles", "10K", "transactionType.csv"))
    schema_path = p("paramFiles", "10K", "schema.json")
    upstream = p("paramFiles", "10K", "schema.upstream.json")
    if not os.path.exists(upstream):
        shutil.copyfile(schema_path, upstream)
    schema = json.load(open(upstream))
    for column in schema.get("account", []):
        if column.get("name") in ("open_dt", "close_dt", "tx_behavior_id"):
            column.pop("dataType", None)
    with open(schema_path, "w") as f:
        json.dump(schema, f, indent=2)
    print("prepared", p("conf_10K.json"), "and", p("paramFiles", "10K"))


if __name__ == "__main__":
    main()
