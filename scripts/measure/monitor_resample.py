#!/usr/bin/env python3
"""What 20-patient monitor studies would show at null (docs/model.md, "A monitor
study"): 10,000 studies of 20 patients drawn with replacement from the treated arm
(exosome_nmn) of a large run of scenarios/monitor_study_exosome_nmn.yaml at null —
their mean improvement and response (means and 5-95 % ranges), and the share of
studies that show an improvement of at least 5 points.
usage: monitor_resample.py ENDPOINTS.csv     (needs python3-numpy)
"""
import csv
import sys

import numpy as np

STUDIES, PATIENTS, SEED = 10000, 20, 20261124


def main(path):
    rows = [r for r in csv.DictReader(open(path)) if r["arm"] == "exosome_nmn"]
    imp = np.array([-float(r["change"]) for r in rows])
    resp = np.array([float(r["response"]) for r in rows])
    idx = np.random.default_rng(SEED).integers(0, len(imp), size=(STUDIES, PATIENTS))
    m, r = imp[idx].mean(1), resp[idx].mean(1)
    print(f"{STUDIES} studies of {PATIENTS} drawn from {len(imp)} treated patients: mean improvement "
          f"{m.mean():.1f} points (5-95 %: {np.percentile(m, 5):.1f}-{np.percentile(m, 95):.1f}), "
          f"response {100 * r.mean():.0f} % (5-95 %: {100 * np.percentile(r, 5):.0f}-"
          f"{100 * np.percentile(r, 95):.0f} %); {100 * np.mean(m >= 5):.0f} % of them improve by "
          f"at least 5 points")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1])
