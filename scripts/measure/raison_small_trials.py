#!/usr/bin/env python3
"""Raison et al. 2013 under the model (docs/model.md, "Validation: infliximab").

Reads the endpoints.csv of a run of scenarios/validation_infliximab_raison2013.yaml
(matched: every patient on infliximab and on placebo infusions) and prints
  - the paired difference in week-12 change (infliximab - placebo) by baseline CRP;
  - in 4,000 trials of 30 per arm drawn from those patients (different patients in
    each arm, as in a parallel trial): how often the overall difference is
    significant (Welch's t-test, p < 0.05), how often the estimate at CRP <= 5 mg/L
    favours placebo, how often the benefit above 5 mg/L is larger than at or below
    it, and how often a regression of the week-12 change on treatment x log CRP
    finds the interaction at p < 0.05.
usage: raison_small_trials.py RUN_DIR     (needs python3-numpy and python3-scipy)
"""
import csv
import sys

import numpy as np
from scipy import stats

TRIALS, PER_ARM, SEED = 4000, 30, 20130101


def main(run_dir):
    pairs = {}
    for r in csv.DictReader(open(run_dir + "/endpoints.csv")):
        pairs.setdefault(r["patient"], {})[r["arm"]] = r
    P = [v for v in pairs.values() if "infliximab" in v and "placebo_iv" in v]
    crp = np.array([float(v["infliximab"]["CRP_mgL"]) for v in P])
    ci = np.array([float(v["infliximab"]["change"]) for v in P])
    cp = np.array([float(v["placebo_iv"]["change"]) for v in P])
    diff = ci - cp
    for lo, hi in ((0, 1), (1, 2), (2, 3), (3, 5), (5, np.inf)):
        m = (crp > lo) & (crp <= hi)
        print(f"baseline CRP in ({lo}, {hi}] mg/L: {m.sum()} patients, "
              f"paired difference in change {diff[m].mean():.2f} points")
    rng = np.random.default_rng(SEED)
    n = len(P)
    sig = fav_pl = larger = inter = 0
    for _ in range(TRIALS):
        idx = rng.permutation(n)[:2 * PER_ARM]
        a, b = idx[:PER_ARM], idx[PER_ARM:]
        x, y = ci[a], cp[b]
        sig += stats.ttest_ind(x, y, equal_var=False).pvalue < 0.05
        la, lb = crp[a] <= 5, crp[b] <= 5
        e_lo = x[la].mean() - y[lb].mean() if la.any() and lb.any() else np.nan
        e_hi = x[~la].mean() - y[~lb].mean() if (~la).any() and (~lb).any() else np.nan
        fav_pl += e_lo > 0
        larger += e_hi < e_lo
        tr = np.r_[np.ones(PER_ARM), np.zeros(PER_ARM)]
        lc = np.log(np.r_[crp[a], crp[b]])
        yv = np.r_[x, y]
        X = np.c_[np.ones(2 * PER_ARM), tr, lc, tr * lc]
        beta = np.linalg.lstsq(X, yv, rcond=None)[0]
        dof = 2 * PER_ARM - 4
        s2 = ((yv - X @ beta) ** 2).sum() / dof
        se = np.sqrt(s2 * np.linalg.inv(X.T @ X)[3, 3])
        inter += 2 * stats.t.sf(abs(beta[3] / se), dof) < 0.05
    print(f"{TRIALS} trials of {PER_ARM} per arm: overall difference p < 0.05 in "
          f"{100 * sig / TRIALS:.1f} %; estimate at CRP <= 5 mg/L favours placebo in "
          f"{100 * fav_pl / TRIALS:.0f} %; benefit larger above 5 mg/L in "
          f"{100 * larger / TRIALS:.0f} %; treatment x log CRP p < 0.05 in "
          f"{100 * inter / TRIALS:.1f} %")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1])
