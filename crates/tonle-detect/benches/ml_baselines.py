#!/usr/bin/env python3
"""Two baselines for tonle's model, measured on a time split: LightGBM on tonle's own features, and
IBM's Graph Feature Preprocessor (snapml) + LightGBM on the raw transactions.

What it measures
    Quality on transactions no model saw, split by time. Rows are put in time order (a stable sort, so
    ties keep file order) and cut by row count:
        train = the first 60% of rows, test = the last 40%;
        inside train: fit = its first 80%, validation = its last 20% (the latest training rows).
    LightGBM learns on `fit` only. `validation` serves three things and nothing else: early stopping,
    choosing between the class-weighting variants (--variants; default: unweighted, and
    scale_pos_weight = sqrt(neg/pos); `balanced` adds is_unbalance, weight neg/pos) by best validation
    PR-AUC, and choosing the decision threshold (the score that gives the best minority-class F1 on
    validation). LightGBM settings: LGB_BASE below (binary, learning rate 0.1, 63 leaves, >= 100 rows a
    leaf, 80% rows and columns a tree, L2 1, up to 2000 rounds, early stopping after 50 rounds without a
    better validation PR-AUC). The model is not refitted
    on fit+validation (refitting would move the scores the threshold was chosen on). The test rows are
    touched once, to report:
        PR-AUC (sklearn average_precision_score), ROC-AUC,
        minority-class F1, precision and recall at the validation threshold, and the confusion matrix,
        the best F1 any threshold would give on test (for reference only: it peeks at test labels),
        precision and recall when alerting on the top 0.1%, 0.5% and 1% of test rows by score,
        recall per typology at the validation threshold,
        training time (the fit of the chosen variant; all variants' time is reported too).

The two baselines (rows of the table)
    lgbm-tonle   LightGBM on the feature table written by `tonle features` (header
                 `time_ms,label,typology,<features...>`, one row per labelled transaction, `inf` allowed).
                 Every column after `typology` is a feature, as written (integer codes stay numeric);
                 +/-inf become +/-1e30 (trees only compare, so the order is kept).
    gfp-lgbm     IBM's recipe (Altman et al., NeurIPS 2023 AML benchmark; Blanusa et al., "Graph Feature
                 Preprocessor", ICAIF 2024): an edge list
                     [edge id, source account, target account, timestamp (s),
                      amount received, receiving currency, amount paid, payment currency, payment format]
                 goes through snapml's GraphFeaturePreprocessor, and LightGBM learns on the raw features
                 (the last five columns; ids and the absolute timestamp are left out) + the GFP features.
                 GFP parameters (GFP_PARAMS below): the paper's AML set-up -- fan in/out, degree in/out,
                 temporal cycles and length-constrained simple cycles (length <= 10) over 1 day,
                 scatter-gather over 6 hours, vertex statistics (fan, degree, ratio, avg, sum, var, skew,
                 kurtosis) over 1 day of the timestamp and amount-received columns, histogram bins as in
                 snapml's defaults (2..30; 2..10 for simple cycles).
    tonle        tonle's own numbers, read from --tonle-json (same keys as this script's JSON per model:
                 pr_auc, roc_auc, f1, precision, recall, best_test_f1, budget_0.1%_precision, ...,
                 train_s); without it, a placeholder row.

Streaming, and why GFP is fed in small batches
    snapml's `transform(batch)` first inserts every edge of the batch into its in-memory graph, then
    computes the features of every edge of the batch from that graph. So an edge's features see the
    later edges of its own batch, and a pattern (a cycle, a fan) is credited to every edge in it,
    including the earlier ones (checked on a toy graph: with one batch, the first edge of a 4-edge fan-in
    already counts the three later payers, and the first edge of a cycle is marked as in a cycle before
    the cycle closes). And `fit_transform(X)` = `fit(X)` (insert all) + `transform(X)` (insert again):
    on the toy graph every degree and sum came out doubled. This script therefore never calls `fit`:
    one preprocessor receives every edge in time order, training rows then test rows, through
    `transform` in batches of --gfp-batch edges (default 1: strictly streaming, an edge's features
    use only itself and earlier edges; test features use earlier training and test edges, never later
    ones). A larger batch is faster but lets an edge see up to batch-1 later edges; --gfp-batch 0 puts
    each part (train, then test) in one call, as the published notebooks do -- that leaks and is only
    there to show by how much.

Inputs
    --features FILE       the `tonle features` table (for lgbm-tonle)
    --transactions FILE   the raw transactions (for gfp-lgbm), either
                            tonle native CSV (header with id,time,amount,currency,received_amount,
                            received_currency,channel,debtor_account,creditor_account,illicit,typology),
                            amounts converted to USD with --fx (`date,from,to,rate`, 1 FROM = rate TO;
                            each transaction uses the latest rate dated on or before its day, else the
                            earliest), channel = payment format; or
                            IBM AMLworld CSV (Timestamp,From Bank,Account,To Bank,Account,Amount Received,
                            Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering):
                            amounts raw, as IBM does (currencies are features), accounts = bank + account;
                            typologies from X_Patterns.txt beside X_Trans.csv when present.
    Both given: the two must hold the same rows in the same order (checked on the labels), so both
    baselines are judged on the same split.

How to run (python3 with numpy, pandas, scikit-learn, lightgbm, snapml; see README-ml.md for versions)
    tonle simulate --scenario demo --seed 1 --out demo1
    tonle features --in demo1/transactions.csv --fx demo1/fx.csv --out demo_features.csv
    python3 crates/tonle-detect/benches/ml_baselines.py --features demo_features.csv \\
        --transactions demo1/transactions.csv --fx demo1/fx.csv --json baselines.json \\
        [--tonle-json tonle.json] [--cache-dir DIR]

Everything is seeded (--seed, LightGBM `deterministic`); the same inputs, seed and thread count give
the same numbers.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

import lightgbm as lgb

DAY = 86_400
BUDGETS = (0.001, 0.005, 0.01)
TRAIN_FRACTION, FIT_FRACTION = 0.6, 0.8

BINS = list(range(2, 31))
GFP_PARAMS = {
    "time_window": DAY,
    "vertex_stats": True,
    "vertex_stats_tw": DAY,
    "vertex_stats_cols": [3, 4],  # edge columns: 3 = timestamp, 4 = amount received
    "vertex_stats_feats": [0, 1, 2, 3, 4, 8, 9, 10],  # fan, degree, ratio, avg, sum, var, skew, kurtosis
    "fan": True, "fan_tw": DAY, "fan_bins": BINS,
    "degree": True, "degree_tw": DAY, "degree_bins": BINS,
    "scatter-gather": True, "scatter-gather_tw": 6 * 3600, "scatter-gather_bins": BINS,
    "temp-cycle": True, "temp-cycle_tw": DAY, "temp-cycle_bins": BINS,
    "lc-cycle": True, "lc-cycle_tw": DAY, "lc-cycle_len": 10, "lc-cycle_bins": list(range(2, 11)),
}
RAW_NAMES = ["amount_received", "receiving_currency", "amount_paid", "payment_currency", "payment_format"]
RAW_CATEGORICAL = ["receiving_currency", "payment_currency", "payment_format"]

# LightGBM for extreme imbalance: learning rate 0.1 with early stopping (50 rounds) on validation PR-AUC,
# leaves that need 100 rows (positives are ~0.2%), row and column subsampling, mild L2.
LGB_BASE = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 63,
    "min_child_samples": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 255,
    "metric": "average_precision",
    "deterministic": True,
    "force_col_wise": True,
    "verbose": -1,
}
MAX_ROUNDS, EARLY_STOP = 2000, 50


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class _StderrLogger:
    """LightGBM's progress (every 100 rounds) goes to stderr; stdout keeps only the tables."""

    def info(self, msg):
        log("   ", msg)

    def warning(self, msg):
        log("    LightGBM warning:", msg)


lgb.register_logger(_StderrLogger())


# ---------------------------------------------------------------------------------------------- split


def split(n):
    """Row ranges (fit, validation, test) of n rows in time order."""
    train = int(n * TRAIN_FRACTION)
    fit = int(train * FIT_FRACTION)
    return slice(0, fit), slice(fit, train), slice(train, n)


def time_order(times):
    order = np.argsort(times, kind="stable")
    return None if np.all(order == np.arange(len(order))) else order


# ------------------------------------------------------------------------------------------- readers


def read_feature_table(path, max_rows):
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
    if header[:3] != ["time_ms", "label", "typology"]:
        sys.exit(f"{path}: expected a `tonle features` table (time_ms,label,typology,...), got {header[:3]}")
    names = header[3:]
    dtype = {name: np.float32 for name in names}
    dtype.update({"time_ms": np.int64, "label": np.int8, "typology": str})
    t = time.time()
    df = pd.read_csv(path, dtype=dtype, keep_default_na=False, nrows=max_rows, engine="c")
    X = df[names].to_numpy(dtype=np.float32)
    X[np.isposinf(X)] = 1e30
    X[np.isneginf(X)] = -1e30
    times, y, typ = df["time_ms"].to_numpy(), df["label"].to_numpy().astype(np.int8), df["typology"].to_numpy()
    del df
    order = time_order(times)
    if order is not None:
        log(f"{path}: rows not in time order; stable-sorted")
        X, y, typ = X[order], y[order], typ[order]
    log(f"read {path}: {X.shape[0]:,} rows x {X.shape[1]} features, {int(y.sum()):,} positives ({time.time() - t:.0f} s)")
    return X, y, typ, names


def read_fx(path):
    fx = pd.read_csv(path, dtype={"date": str, "from": str, "to": str, "rate": float})
    per_usd = {}  # currency -> (dates as datetime64[D], units of the currency per USD)
    for row in fx.itertuples(index=False):
        if row[1] == "USD":
            cur, rate = row[2], row[3]
        elif row[2] == "USD":
            cur, rate = row[1], 1.0 / row[3]
        else:
            continue
        per_usd.setdefault(cur, []).append((np.datetime64(row[0], "D"), rate))
    return {c: (np.array([d for d, _ in v]), np.array([r for _, r in v])) for c, v in
            ((c, sorted(v)) for c, v in per_usd.items())}


def to_usd(amount, currency, days, fx):
    """amount / (units per USD) with the latest rate dated on or before the day, else the earliest."""
    out = np.full(len(amount), np.nan)
    for cur in np.unique(currency):
        mask = currency == cur
        if cur in ("USD", ""):
            out[mask] = amount[mask]
            continue
        if cur not in fx:
            sys.exit(f"no USD rate for {cur!r} in --fx")
        dates, rates = fx[cur]
        i = np.clip(np.searchsorted(dates, days[mask], side="right") - 1, 0, len(dates) - 1)
        out[mask] = amount[mask] / rates[i]
    return out


def codes(*columns):
    """Integer codes shared by the columns, from the sorted set of their values (deterministic)."""
    levels = np.unique(np.concatenate([np.asarray(c, dtype=str) for c in columns]))
    return [np.searchsorted(levels, np.asarray(c, dtype=str)).astype(np.float64) for c in columns]


def read_native(path, fx_path, max_rows):
    cols = ["time", "amount", "currency", "received_amount", "received_currency", "channel",
            "debtor_account", "creditor_account", "illicit", "typology"]
    df = pd.read_csv(path, usecols=cols, dtype=str, keep_default_na=False, nrows=max_rows)
    ms = pd.to_datetime(df["time"], utc=True, format="ISO8601").dt.tz_localize(None).dt.as_unit("ms").to_numpy().astype(np.int64)
    paid = df["amount"].astype(float).to_numpy()
    pay_cur = df["currency"].to_numpy()
    recv = df["received_amount"].replace("", np.nan).astype(float).to_numpy()
    recv_cur = np.where(df["received_currency"].to_numpy() == "", pay_cur, df["received_currency"].to_numpy())
    recv = np.where(np.isnan(recv), paid, recv)
    if fx_path:
        fx = read_fx(fx_path)
        days = (ms // (DAY * 1000)).astype("datetime64[D]")
        paid, recv = to_usd(paid, pay_cur, days, fx), to_usd(recv, recv_cur, days, fx)
    else:
        log("no --fx: amounts stay in their own currencies (the currency columns are features)")
    return {
        "ms": ms, "src": df["debtor_account"].to_numpy(), "dst": df["creditor_account"].to_numpy(),
        "recv": recv, "recv_cur": recv_cur, "paid": paid, "pay_cur": pay_cur, "format": df["channel"].to_numpy(),
        "y": (df["illicit"].str.lower() == "true").to_numpy().astype(np.int8), "typology": df["typology"].to_numpy(),
    }


def read_patterns(path):
    """AMLworld X_Patterns.txt: the first ten fields of each listed transaction -> its attempt's typology."""
    typology, current = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("BEGIN LAUNDERING ATTEMPT"):
                current = line.split("-", 1)[1].split(":", 1)[0].strip().lower()
            elif line.startswith("END LAUNDERING ATTEMPT"):
                current = None
            elif line and current:
                typology[",".join(line.split(",")[:10])] = current
    return typology


def read_amlworld(path, max_rows):
    names = ["ts", "from_bank", "from_acc", "to_bank", "to_acc", "recv", "recv_cur", "paid", "pay_cur", "format", "y"]
    df = pd.read_csv(path, names=names, header=0, dtype=str, keep_default_na=False, nrows=max_rows)
    ms = pd.to_datetime(df["ts"], format="%Y/%m/%d %H:%M").dt.as_unit("ms").to_numpy().astype(np.int64)
    y = df["y"].astype(int).to_numpy().astype(np.int8)
    typ = np.where(y == 1, "unknown", "").astype(object)
    patterns = path[: -len("_Trans.csv")] + "_Patterns.txt" if path.endswith("_Trans.csv") else None
    if patterns and os.path.exists(patterns):
        table = read_patterns(patterns)
        keys = df[names[:10]].agg(",".join, axis=1).to_numpy()
        for i in np.flatnonzero(y):
            typ[i] = table.get(keys[i], "unknown")
    return {
        "ms": ms, "src": (df["from_bank"] + "/" + df["from_acc"]).to_numpy(),
        "dst": (df["to_bank"] + "/" + df["to_acc"]).to_numpy(),
        "recv": df["recv"].astype(float).to_numpy(), "recv_cur": df["recv_cur"].to_numpy(),
        "paid": df["paid"].astype(float).to_numpy(), "pay_cur": df["pay_cur"].to_numpy(),
        "format": df["format"].to_numpy(), "y": y, "typology": typ,
    }


def read_transactions(path, fx_path, max_rows):
    with open(path, encoding="utf-8") as f:
        header = f.readline()
    t = time.time()
    if header.startswith("Timestamp,From Bank"):
        kind, tx = "amlworld", read_amlworld(path, max_rows)
    elif "debtor_account" in header:
        kind, tx = "native", read_native(path, fx_path, max_rows)
    else:
        sys.exit(f"{path}: neither tonle native CSV nor AMLworld CSV")
    order = time_order(tx["ms"])
    if order is not None:
        log(f"{path}: rows not in time order; stable-sorted")
        tx = {k: v[order] for k, v in tx.items()}
    log(f"read {path} ({kind}): {len(tx['y']):,} rows, {int(tx['y'].sum()):,} positives ({time.time() - t:.0f} s)")
    return kind, tx


# ------------------------------------------------------------------------------------------------ GFP


def gfp_feature_names(params):
    names = []
    for pattern in ("fan", "degree", "scatter-gather", "temp-cycle", "lc-cycle"):
        if not params[pattern]:
            continue
        bins = params[pattern + "_bins"]
        labels = [f"{a}-{b}" for a, b in zip(bins, bins[1:])] + [f"{bins[-1]}-inf"]
        for direction in (("in", "out") if pattern in ("fan", "degree") else ("",)):
            names += [f"gfp.{pattern}{'_' + direction if direction else ''}.{x}" for x in labels]
    stat = ["fan", "deg", "ratio", "avg", "sum", "min", "max", "median", "var", "skew", "kurtosis"]
    for vertex in ("src", "dst"):
        for direction in ("out", "in"):
            names += [f"gfp.{vertex}_{direction}.{stat[k]}" for k in (0, 1, 2) if k in params["vertex_stats_feats"]]
            for col in params["vertex_stats_cols"]:
                names += [f"gfp.{vertex}_{direction}.{stat[k]}_col{col}" for k in range(3, 11)
                          if k in params["vertex_stats_feats"]]
    return names


def gfp_features(tx, ranges, batch, threads):
    """GFP features of every edge, in time order, streaming through one preprocessor."""
    from snapml import GraphFeaturePreprocessor

    n = len(tx["y"])
    accounts = pd.factorize(np.concatenate([tx["src"], tx["dst"]]))[0]
    recv_cur, pay_cur = codes(tx["recv_cur"], tx["pay_cur"])
    (fmt,) = codes(tx["format"])
    seconds = (tx["ms"] - tx["ms"].min()) // 1000
    edges = np.column_stack([np.arange(n), accounts[:n], accounts[n:], seconds,
                             tx["recv"], recv_cur, tx["paid"], pay_cur, fmt]).astype(np.float64)
    params = dict(GFP_PARAMS, num_threads=threads)
    gfp = GraphFeaturePreprocessor()
    gfp.set_params(params)
    names = gfp_feature_names(params)
    out = np.empty((n, edges.shape[1] - 4 + len(names)), dtype=np.float32)
    t = time.time()
    cuts = ([ranges[0].start, ranges[2].start, n] if batch == 0 else list(range(0, n, batch)) + [n])
    report = time.time()
    for a, b in zip(cuts, cuts[1:]):
        enriched = gfp.transform(edges[a:b])
        if enriched.shape[1] != edges.shape[1] + len(names):
            sys.exit(f"GFP gave {enriched.shape[1] - edges.shape[1]} features, expected {len(names)}")
        out[a:b] = enriched[:, 4:]
        if time.time() - report > 60:
            report = time.time()
            log(f"  GFP {b:,}/{n:,} edges, {b / (report - t):,.0f} edges/s")
    seconds_taken = time.time() - t
    log(f"GFP: {n:,} edges in {seconds_taken:.0f} s ({n / seconds_taken:,.0f} edges/s), {len(names)} features")
    return out, RAW_NAMES + names, seconds_taken


# ------------------------------------------------------------------------------------------ learning


def train_lightgbm(X, y, names, ranges, seed, threads, chosen, categorical=()):
    fit, val, _ = ranges
    pos = int(y[fit].sum())
    neg = int(fit.stop - fit.start - pos)
    variants = {
        "unweighted": ("unweighted", {}),
        "sqrt": (f"scale_pos_weight=sqrt(neg/pos)={math.sqrt(neg / pos):.1f}", {"scale_pos_weight": math.sqrt(neg / pos)}),
        "balanced": (f"is_unbalance (weight neg/pos={neg / pos:.0f})", {"is_unbalance": True}),
    }
    variants = dict(variants[v] for v in chosen)
    cat = [c for c in categorical if c in names]
    dfit = lgb.Dataset(X[fit], label=y[fit], feature_name=names, categorical_feature=cat or "auto",
                       free_raw_data=False, params={"max_bin": LGB_BASE["max_bin"]})
    dval = lgb.Dataset(X[val], label=y[val], reference=dfit)
    tried, best = [], None
    for name, extra in variants.items():
        params = dict(LGB_BASE, seed=seed, num_threads=threads, **extra)
        t = time.time()
        booster = lgb.train(params, dfit, num_boost_round=MAX_ROUNDS, valid_sets=[dval], valid_names=["val"],
                            callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False), lgb.log_evaluation(100)])
        seconds = time.time() - t
        p_val = booster.predict(X[val], num_iteration=booster.best_iteration)
        ap = average_precision_score(y[val], p_val)
        log(f"  {name}: {booster.best_iteration} rounds, validation PR-AUC {ap:.4f}, {seconds:.0f} s")
        tried.append({"variant": name, "rounds": booster.best_iteration, "val_pr_auc": ap, "train_s": seconds})
        if best is None or ap > best[0]:
            best = (ap, name, booster, p_val, seconds)
    _, name, booster, p_val, seconds = best
    return booster, name, p_val, seconds, tried, {"fit_rows": fit.stop - fit.start, "fit_positives": pos}


def best_f1_threshold(y, p):
    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0)[:-1]
    i = int(np.argmax(f1))
    return float(thresholds[i]), float(f1[i])


def evaluate(y_val, p_val, y, p, typ):
    threshold, val_f1 = best_f1_threshold(y_val, p_val)
    pred = p >= threshold
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    tn = int(len(y) - tp - fp - fn)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    m = {
        "pr_auc": float(average_precision_score(y, p)),
        "roc_auc": float(roc_auc_score(y, p)),
        "threshold": threshold, "val_f1": val_f1,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "precision": precision, "recall": recall,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "best_test_f1": best_f1_threshold(y, p)[1],
        "test_rows": int(len(y)), "test_positives": int(y.sum()),
    }
    order = np.argsort(-p, kind="stable")
    for b in BUDGETS:
        k = max(1, int(round(b * len(y))))
        hits = int(y[order[:k]].sum())
        m[f"budget_{b * 100:g}%_alerts"] = k
        m[f"budget_{b * 100:g}%_precision"] = hits / k
        m[f"budget_{b * 100:g}%_recall"] = hits / max(1, int(y.sum()))
    per = {}
    for t in sorted(set(typ[y == 1])):
        mask = (y == 1) & (typ == t)
        per[t or "(none)"] = {"positives": int(mask.sum()), "caught": int((pred & mask).sum()),
                              "recall": float((pred & mask).sum() / mask.sum())}
    m["per_typology"] = per
    return m


def run_model(label, X, y, typ, names, ranges, args, categorical=()):
    log(f"== {label}: LightGBM on {X.shape[1]} features")
    booster, variant, p_val, seconds, tried, info = train_lightgbm(X, y, names, ranges, args.seed, args.threads,
                                                                   args.variants.split(","), categorical)
    _, val, test = ranges
    t = time.time()
    p = booster.predict(X[test], num_iteration=booster.best_iteration)
    m = evaluate(y[val], p_val, y[test], p, typ[test])
    m.update({"variant": variant, "rounds": booster.best_iteration, "train_s": seconds,
              "train_s_all_variants": sum(v["train_s"] for v in tried), "predict_s": time.time() - t,
              "variants": tried, "features": len(names), **info})
    gain = booster.feature_importance("gain")
    m["top_features"] = [[names[i], float(gain[i])] for i in np.argsort(-gain)[:15]]
    return m


# ------------------------------------------------------------------------------------------- output


COLUMNS = [("PR-AUC", "pr_auc", "{:.4f}"), ("ROC-AUC", "roc_auc", "{:.4f}"), ("F1", "f1", "{:.4f}"),
           ("P", "precision", "{:.4f}"), ("R", "recall", "{:.4f}"), ("best F1*", "best_test_f1", "{:.4f}")]
COLUMNS += [(f"P@{b * 100:g}%", f"budget_{b * 100:g}%_precision", "{:.3f}") for b in BUDGETS]
COLUMNS += [(f"R@{b * 100:g}%", f"budget_{b * 100:g}%_recall", "{:.3f}") for b in BUDGETS]
COLUMNS += [("train s", "train_s", "{:.0f}")]


def table(rows):
    cells = [["model"] + [c[0] for c in COLUMNS]]
    for name, m in rows:
        cells.append([name] + [(fmt.format(m[key]) if m and m.get(key) is not None else "-")
                               for _, key, fmt in COLUMNS])
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for j, r in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |")
        if j == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def typology_table(rows):
    kinds = sorted({t for _, m in rows if m for t in m.get("per_typology", {})})
    if not kinds:
        return ""
    cells = [["typology", "test positives"] + [name for name, _ in rows]]
    for t in kinds:
        n = next(m["per_typology"][t]["positives"] for _, m in rows if m and t in m.get("per_typology", {}))
        cells.append([t, str(n)] + [
            (f"{m['per_typology'][t]['recall']:.3f}" if m and t in m.get("per_typology", {}) else "-")
            for _, m in rows])
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for j, r in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |")
        if j == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--features", help="`tonle features` CSV table (lgbm-tonle)")
    ap.add_argument("--transactions", help="raw transactions, tonle native or AMLworld CSV (gfp-lgbm)")
    ap.add_argument("--fx", help="native only: FX rates CSV (date,from,to,rate) to convert amounts to USD")
    ap.add_argument("--tonle-json", help="tonle's own numbers (pr_auc, f1, ...) to print in the same table")
    ap.add_argument("--json", help="write every measured number to this JSON file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="LightGBM threads")
    ap.add_argument("--variants", default="unweighted,sqrt",
                    help="class weightings to try, chosen on validation PR-AUC: unweighted, sqrt "
                         "(scale_pos_weight = sqrt(neg/pos)), balanced (is_unbalance: weight neg/pos)"),
    ap.add_argument("--gfp-threads", type=int, default=1, help="snapml GFP threads")
    ap.add_argument("--gfp-batch", type=int, default=1,
                    help="edges per GFP transform call; 1 = strictly streaming; 0 = each part in one call (leaks)")
    ap.add_argument("--cache-dir", help="keep GFP features here (.npy) and reuse them when inputs and settings match")
    ap.add_argument("--max-rows", type=int, help="read only the first N rows of each input (quick checks)")
    args = ap.parse_args()
    if not args.features and not args.transactions:
        ap.error("give --features and/or --transactions")

    results, data, labels = {}, {}, None
    if args.features:
        X, y, typ, names = read_feature_table(args.features, args.max_rows)
        labels = y
        ranges = split(len(y))
        data["features"] = {"file": args.features, "rows": int(len(y)), "positives": int(y.sum()), "features": len(names)}
        results["lgbm-tonle"] = run_model("LightGBM on tonle features", X, y, typ, names, ranges, args)
        del X
    if args.transactions:
        kind, tx = read_transactions(args.transactions, args.fx, args.max_rows)
        y, typ = tx["y"], tx["typology"]
        if labels is not None and (len(labels) != len(y) or not np.array_equal(labels, y)):
            log("WARNING: the feature table and the transactions differ in rows or labels: the splits are not the same")
            data["same_rows"] = False
        elif labels is not None:
            data["same_rows"] = True
        ranges = split(len(y))
        cache = None
        if args.cache_dir:
            os.makedirs(args.cache_dir, exist_ok=True)
            st = os.stat(args.transactions)
            cache = os.path.join(args.cache_dir, "gfp_{}_{}_{}_b{}_{}.npy".format(
                os.path.basename(args.transactions), st.st_size, int(st.st_mtime), args.gfp_batch,
                args.max_rows or "all"))
        if cache and os.path.exists(cache):
            X = np.load(cache)
            names = RAW_NAMES + gfp_feature_names(dict(GFP_PARAMS))
            gfp_s = json.load(open(cache + ".json"))["gfp_s"]
            log(f"GFP features from {cache} (computed in {gfp_s:.0f} s)")
        else:
            X, names, gfp_s = gfp_features(tx, ranges, args.gfp_batch, args.gfp_threads)
            if cache:
                np.save(cache, X)
                json.dump({"gfp_s": gfp_s}, open(cache + ".json", "w"))
        data["transactions"] = {"file": args.transactions, "format": kind, "rows": int(len(y)),
                                "positives": int(y.sum()), "fx": args.fx}
        m = run_model("GFP + LightGBM", X, y, typ, names, ranges, args, categorical=RAW_CATEGORICAL)
        m.update({"gfp_s": gfp_s, "gfp_edges_per_s": len(y) / gfp_s if gfp_s else None,
                  "gfp_params": dict(GFP_PARAMS, num_threads=args.gfp_threads), "gfp_batch": args.gfp_batch})
        results["gfp-lgbm"] = m
        del X

    n = data.get("features", data.get("transactions"))["rows"]
    fit, val, test = split(n)
    split_info = {"rows": n, "fit": [fit.start, fit.stop], "validation": [val.start, val.stop],
                  "test": [test.start, test.stop], "rule": "time order; train = first 60%, test = last 40%; "
                  "validation = last 20% of train (early stopping, variant, threshold)"}
    tonle = json.load(open(args.tonle_json)) if args.tonle_json else None
    rows = [("tonle" if tonle else "tonle (placeholder)", tonle),
            ("LightGBM on tonle features", results.get("lgbm-tonle")),
            ("GFP + LightGBM (IBM)", results.get("gfp-lgbm"))]
    print(f"\nTime split: {n:,} rows; fit {fit.start:,}..{fit.stop:,}, validation {val.start:,}..{val.stop:,}, "
          f"test {test.start:,}..{test.stop:,}; seed {args.seed}")
    print("F1/P/R at the threshold chosen on validation; best F1* peeks at test labels (reference only); "
          "P/R@x% = alerting on the top x% of test rows.\n")
    print(table(rows))
    print("\nRecall per typology at the validation threshold (test part):\n")
    print(typology_table(rows))
    for key, label in (("lgbm-tonle", "LightGBM on tonle features"), ("gfp-lgbm", "GFP + LightGBM")):
        if key in results:
            m = results[key]
            c = m["confusion"]
            print(f"\n{label}: variant {m['variant']} ({m['rounds']} rounds), threshold {m['threshold']:.4g}, "
                  f"TP {c['tp']:,} FP {c['fp']:,} FN {c['fn']:,} TN {c['tn']:,}; train {m['train_s']:.0f} s "
                  f"(all variants {m['train_s_all_variants']:.0f} s)"
                  + (f"; GFP {m['gfp_s']:.0f} s ({m['gfp_edges_per_s']:,.0f} edges/s, batch {m['gfp_batch']})"
                     if "gfp_s" in m else ""))
    if args.json:
        import sklearn
        from importlib.metadata import PackageNotFoundError, version

        versions = {"lightgbm": lgb.__version__, "numpy": np.__version__, "pandas": pd.__version__,
                    "scikit-learn": sklearn.__version__}
        try:  # snapml is only needed for the GFP row
            versions["snapml"] = version("snapml")
        except PackageNotFoundError:
            pass
        with open(args.json, "w") as f:
            json.dump({"data": data, "split": split_info, "seed": args.seed, "threads": args.threads,
                       "lightgbm_params": LGB_BASE, "versions": versions, "tonle": tonle, "models": results},
                      f, indent=2)
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
