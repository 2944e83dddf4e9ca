#!/usr/bin/env python3
"""How much two results rest on the threshold load's hypotheses (docs/model.md,
"How much rests on the threshold's two numbers").

For each load_threshold in (2.5, 3.75, 5) and load_hill in (1, 1.5, 2), copies of
scenarios/validation_infliximab_raison2013.yaml and scenarios/a_exosome_nmn_null.yaml
with both set on every arm are run, and it prints
  - infliximab - placebo, paired mean difference in change, baseline CRP > 5 and
    <= 5 mg/L (from endpoints.csv);
  - scenario (a): what the claims add (as-claimed minus null, difference in change
    from no treatment) in patients with CRP > 3 mg/L and in the others (from the
    two settings' summary.csv; the others' means from "all" and the subgroup's).
h_core is not re-chosen, so baselines move a little.
usage: threshold_sensitivity.py SOURCE_DIR MOODSIM OUT_DIR
       (THR="..." HILL="..." in the environment restrict the grid)
"""
import csv
import os
import re
import subprocess
import sys


def scenario_copy(src, out, name, thr, hill, tag):
    s = open(f"{src}/scenarios/{name}").read().replace("../", f"{src}/")
    extra = f"load_threshold: {thr}, load_hill: {hill}"

    def arm(m):
        line = m.group(0)
        if "set: {" in line:
            return line.replace("set: {", "set: {" + extra + ", ")
        return line[:-1] + ", set: {" + extra + "}}"

    head, rest = s.split("\narms:\n", 1)
    body, tail = rest.split("\nfollow_up_weeks:", 1)
    s = head + "\narms:\n" + re.sub(r"  - \{name: [^\n]*\}", arm, body) + "\nfollow_up_weeks:" + tail
    path = f"{out}/{tag}.yaml"
    open(path, "w").write(s)
    return path


def summary(path):
    return {(r["arm"], r["subgroup"]): r for r in csv.DictReader(open(path))}


def mean_outside(S, arm, sg):
    """Mean change of the arm's patients not in subgroup sg."""
    a, b = S[(arm, "all")], S[(arm, sg)]
    na, nb = float(a["n"]), float(b["n"])
    return (na * float(a["mean_change"]) - nb * float(b["mean_change"])) / (na - nb)


def main(src, ms, out):
    os.makedirs(out, exist_ok=True)
    thrs = [float(x) for x in os.environ.get("THR", "2.5 3.75 5").split()]
    hills = [float(x) for x in os.environ.get("HILL", "1 1.5 2").split()]
    for thr in thrs:
        for hill in hills:
            tag = f"raison_{thr}_{hill}"
            p = scenario_copy(src, out, "validation_infliximab_raison2013.yaml", thr, hill, tag)
            subprocess.run([ms, "trial", p, "--out", f"{out}/{tag}", "--one-setting", "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
            pairs = {}
            for r in csv.DictReader(open(f"{out}/{tag}/endpoints.csv")):
                pairs.setdefault(r["patient"], {})[r["arm"]] = r
            hi, lo = [], []
            for v in pairs.values():
                d = float(v["infliximab"]["change"]) - float(v["placebo_iv"]["change"])
                (hi if float(v["infliximab"]["CRP_mgL"]) > 5 else lo).append(d)
            tag = f"a_{thr}_{hill}"
            p = scenario_copy(src, out, "a_exosome_nmn_null.yaml", thr, hill, tag)
            subprocess.run([ms, "trial", p, "--out", f"{out}/{tag}", "--quiet"],
                           check=True, stdout=subprocess.DEVNULL)
            N = summary(f"{out}/{tag}/summary.csv")
            A = summary(f"{out}/{tag}/as_claimed/summary.csv")
            sg = next(k[1] for k in N if k[1] != "all")
            ex_hi = (float(A[("exosome_nmn", sg)]["diff_change_vs_control"])
                     - float(N[("exosome_nmn", sg)]["diff_change_vs_control"]))
            ex_lo = ((mean_outside(A, "exosome_nmn", sg) - mean_outside(A, "none", sg))
                     - (mean_outside(N, "exosome_nmn", sg) - mean_outside(N, "none", sg)))
            print(f"load_threshold {thr:g} load_hill {hill:g}: infliximab - placebo, CRP > 5 mg/L "
                  f"{sum(hi) / len(hi):.2f} ({len(hi)} patients), <= 5 mg/L {sum(lo) / len(lo):.2f}; "
                  f"scenario (a), what the claims add: CRP > 3 mg/L {ex_hi:.2f}, "
                  f"<= 3 mg/L {ex_lo:.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-2])
    main(*sys.argv[1:])
