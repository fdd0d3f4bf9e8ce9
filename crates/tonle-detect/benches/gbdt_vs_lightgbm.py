#!/usr/bin/env python3
"""Compares tonle's gradient-boosted trees with LightGBM on one feature table.

    python3 gbdt_vs_lightgbm.py generate OUT.csv [ROWS]      # a synthetic table
    python3 gbdt_vs_lightgbm.py compare TABLE.csv [RUST_PREDICTIONS]

The table has the header `time_ms,label,typology,<features...>`, rows in event order, `inf` for infinity and
an empty cell for a missing value. `compare` trains LightGBM on the first 60% of the rows (its last fifth for
early stopping) with parameters like tonle's defaults, single-threaded, and prints the test PR-AUC (average
precision) and the best F1 of the last 40%; given the test predictions of

    cargo run --release -p tonle-detect --example gbdt_csv -- TABLE.csv --predictions RUST_PREDICTIONS

it scores them with the same code.
"""
import sys
import time

import numpy as np


def generate(path, rows=500_000, seed=1):
    """60 features of the kinds tonle computes; the label depends noisily on a few of them (~0.5% positive)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for f in range(60):
        u = rng.random(rows)
        kind = f % 5
        if kind == 0:
            v = np.floor((u * 3.0) ** 3)  # counts, many zeros
        elif kind == 1:
            v = np.exp(u * 12.0)  # amounts
        elif kind == 2:
            v = np.where(u < 0.2, np.inf, u * 86400.0)  # durations, inf = never
        elif kind == 3:
            v = (u < 0.1).astype(float)  # flags
        else:
            v = np.where(u < 0.1, np.nan, u)  # with missing values
        cols[f"f{f}"] = v.astype(np.float32)
    logit = (-12.5 + 0.6 * np.minimum(cols["f0"], 8) + 2.0 * (cols["f1"] > 1e4) + 2.5 * (cols["f2"] < 600)
             + 1.5 * cols["f3"] + 3.0 * (cols["f4"] > 0.9) + 1.0 * (cols["f9"] > 0.5)
             + 1.5 * (cols["f5"] > 3) * (cols["f6"] > 1e3) + 0.8 * np.nan_to_num(cols["f14"], nan=-1.0))
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    import pandas as pd
    df = pd.DataFrame({"time_ms": np.arange(rows) * 1000, "label": label, "typology": ""} | cols)
    df.to_csv(path, index=False, na_rep="", float_format="%.7g")
    print(f"wrote {path}: {rows} rows, {label.mean():.4%} positive")


def metrics(y, s):
    from sklearn.metrics import average_precision_score, precision_recall_curve
    p, r, _ = precision_recall_curve(y, s)
    f1 = np.max(np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0))
    return average_precision_score(y, s), f1


def compare(path, rust_predictions=None):
    import lightgbm as lgb
    import pandas as pd
    df = pd.read_csv(path)
    y = df["label"].astype(str).isin(["1", "true", "True", "1.0"]).to_numpy().astype(int)
    x = df.drop(columns=["time_ms", "label", "typology"]).to_numpy(dtype=np.float32)
    n = len(y)
    train_end = n * 6 // 10
    fit_end = train_end * 8 // 10
    pos, neg = y[:fit_end].sum(), fit_end - y[:fit_end].sum()
    weight = min(max(np.sqrt(neg / max(pos, 1)), 1.0), 1000.0)
    print(f"{n} rows x {x.shape[1]} features; positives fit {pos}, valid {y[fit_end:train_end].sum()}, "
          f"test {y[train_end:].sum()}")
    for label, scale in [("sqrt weight", weight), ("unweighted", 1.0)]:
        params = dict(objective="binary", learning_rate=0.05, num_leaves=31, min_data_in_leaf=20,
                      min_sum_hessian_in_leaf=1e-3, lambda_l2=1.0, feature_fraction=0.8, bagging_fraction=0.8,
                      bagging_freq=1, scale_pos_weight=scale, max_bin=255, num_threads=1, verbose=-1, seed=0,
                      metric="binary_logloss")
        fit = lgb.Dataset(x[:fit_end], y[:fit_end])
        # The validation loss weighs positives as training does (tonle's early stopping does the same).
        yv = y[fit_end:train_end]
        valid = lgb.Dataset(x[fit_end:train_end], yv, weight=np.where(yv == 1, scale, 1.0), reference=fit)
        started, cpu_started = time.time(), time.process_time()
        model = lgb.train(params, fit, num_boost_round=500, valid_sets=[valid],
                          callbacks=[lgb.early_stopping(50, verbose=False)])
        seconds, cpu = time.time() - started, time.process_time() - cpu_started
        ap, f1 = metrics(y[train_end:], model.predict(x[train_end:], raw_score=True))
        print(f"LightGBM ({label} {scale:.2f}): train {seconds:.2f} s ({cpu:.2f} s CPU, incl. binning), best iteration "
              f"{model.best_iteration}, test PR-AUC {ap:.4f}, best F1 {f1:.4f}")
    if rust_predictions:
        s = np.loadtxt(rust_predictions)
        ap, f1 = metrics(y[train_end:], s)
        print(f"tonle gbdt predictions: test PR-AUC {ap:.4f}, best F1 {f1:.4f}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 500_000)
    elif len(sys.argv) >= 3 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        print(__doc__)
        sys.exit(2)
