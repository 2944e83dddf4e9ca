#!/usr/bin/python3
"""peer_scipy.py — the benchmark's SciPy peer: the flagship model's equations
(models/depression_inflammation_v1.yaml) typed by hand in Python/NumPy and
integrated with scipy.integrate.solve_ivp (LSODA or BDF), restarted at every
switch of an input, as a researcher would write it.  Parameter values come
from `moodsim check --ledger`, the calendar from `moodsim protocol events
--format csv`.

usage: peer_scipy.py LSODA|BDF LEDGER.tsv EVENTS.csv DAYS REPS RTOL ATOL [--scales=FILE] [NAME=VALUE ...]
(--scales: per-state magnitudes, "STATE,scale" lines; the absolute tolerance
of a state is then ATOL * max(1, scale), as moodsim's is)
prints: scipy-<method>,<ms per patient>,<final HAMD>,<final CRP>,<steps>,<restarts>
"""
import csv
import math
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

LN2 = 0.693147180559945
STATES = ["NFKB", "IL6", "TNF", "IL1B", "CRP", "BBB", "MG", "KYN", "BDNF", "DLPFC", "PLAST",
          "EXPECT", "EXO_P", "EXO_E", "NMN_P", "NAD", "SSRI_G", "SSRI_C", "SSRI_F", "AB", "PILL"]
INPUTS = ["tms", "tms_sham", "exosome_iv", "nmn_iv", "anti_tnf_iv", "challenge"]


def read_ledger(path):
    p = {}
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2:
                continue
            try:
                p[fields[0]] = float(fields[1])
            except ValueError:
                pass
    return p


def read_events(path):
    changes = []
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["kind"] != "pulse":
                sys.exit("peer_scipy: only pulse events are modelled here")
            t, level, dur = float(row["time_h"]), float(row["level"]), float(row["duration_h"])
            changes.append((t, row["input"], level))
            changes.append((t + dur, row["input"], -level))
    changes.sort(key=lambda c: c[0])
    return changes


def load_of(p, drive):
    """the inflammatory load: near 0 below the threshold, like load_hill x
    ln(drive / threshold) above it"""
    return math.log(1 + (drive / p["load_threshold"]) ** p["load_hill"])


def make_rhs(p, u):
    drive0 = p["drive_median"] * math.exp(p["drive_sigma"] * p["z_drive"])

    def rhs(t, y):
        (NFKB, IL6, TNF, IL1B, CRP, BBB, MG, KYN, BDNF, DLPFC, PLAST, EXPECT, EXO_P, EXO_E,
         NMN_P, NAD, SSRI_G, SSRI_C, SSRI_F, AB, PILL) = y
        tnf_free_frac = 1 / (1 + AB / p["ab_neutral"])
        sirt_inhib = p["nmn_strength"] * max(NAD - 1, 0)
        exo_block = p["exo_strength"] * EXO_E
        drive_now = (drive0 * (1 + p["challenge_gain"] * u["challenge"]) *
                     max(1 - sirt_inhib, 0.05) * (1 - exo_block))
        load = load_of(p, NFKB * tnf_free_frac)
        contact = min(u["tms"] / 6000 + u["tms_sham"] + u["exosome_iv"] / (u["exosome_iv"] + 1) +
                      u["nmn_iv"] / (u["nmn_iv"] + 1) + u["anti_tnf_iv"] / (u["anti_tnf_iv"] + 1) +
                      SSRI_C / (SSRI_C + 1) + PILL / (PILL + 1), 1)
        ssri_occ = SSRI_C / (SSRI_C + p["ssri_ec50"])
        return np.array([
            LN2 / p["t_half_NFKB"] * (drive_now - NFKB),
            LN2 / p["t_half_IL6"] * (p["IL6_ref"] * NFKB - IL6),
            LN2 / p["t_half_TNF"] * (p["TNF_ref"] * NFKB - TNF),
            LN2 / p["t_half_IL1B"] * (p["IL1B_ref"] * p["il1b_indiv"] * NFKB ** p["h_il1b"] - IL1B),
            LN2 / p["t_half_CRP"] * (p["CRP_ref"] * IL6 / p["IL6_ref"] - CRP),
            LN2 / p["t_half_BBB"] * (1 + p["bbb_gain"] * load - BBB),
            LN2 / p["t_half_MG"] * (1 + p["mg_gain"] * load * BBB * (1 - exo_block) - MG),
            LN2 / p["t_half_KYN"] * (1 + p["ido_gain"] * load - KYN),
            LN2 / p["t_half_BDNF"] * ((1 + p["exo_bdnf"] * EXO_E) /
                                      (1 + p["bdnf_inf"] * max(MG - 1, 0)) - BDNF),
            p["k_dlpfc_on"] * (u["tms"] / 6000) * (1 - DLPFC) - LN2 / p["t_half_dlpfc"] * DLPFC,
            p["k_plast_on"] * DLPFC * BDNF * (1 + p["synergy_strength"] * EXO_E) * (1 - PLAST)
            - LN2 / p["t_half_plast"] * PLAST,
            p["k_expect_on"] * contact * (1 - EXPECT) - LN2 / p["t_half_expect"] * EXPECT,
            u["exosome_iv"] - LN2 / p["t_half_EXO"] * EXO_P,
            p["k_exo_e"] * EXO_P * (1 - EXO_E) - LN2 / p["t_half_exo_e"] * EXO_E,
            u["nmn_iv"] - LN2 / p["t_half_NMN"] * NMN_P,
            p["nad_per_mg"] * NMN_P - LN2 / p["t_half_NAD"] * (NAD - 1),
            -p["ka_SSRI"] * SSRI_G,
            p["ka_SSRI"] * SSRI_G - LN2 / p["t_half_SSRI"] * SSRI_C,
            LN2 / p["t_half_SSRI_F"] * (ssri_occ - SSRI_F),
            u["anti_tnf_iv"] - LN2 / p["t_half_AB"] * AB,
            -LN2 / p["t_half_SSRI"] * PILL,
        ])
    return rhs, drive0


def initial(p, drive0):
    d = drive0
    load0 = load_of(p, d)
    bbb0 = 1 + p["bbb_gain"] * load0
    mg0 = 1 + p["mg_gain"] * load0 * bbb0
    y = dict.fromkeys(STATES, 0.0)
    y.update(NFKB=d, IL6=p["IL6_ref"] * d, TNF=p["TNF_ref"] * d,
             IL1B=p["IL1B_ref"] * p["il1b_indiv"] * d ** p["h_il1b"], CRP=p["CRP_ref"] * d,
             BBB=bbb0, MG=mg0, KYN=1 + p["ido_gain"] * load0,
             BDNF=1 / (1 + p["bdnf_inf"] * max(mg0 - 1, 0)),
             NAD=1.0)
    return np.array([y[s] for s in STATES])


def hamd(p, t, y):
    s = dict(zip(STATES, y))
    nat_max = p["nat_mean"] + p["nat_spread"] * (2 * p["u_nat"] - 1)
    f = p["plac_large_frac"]  # large expectation responders, or uniform up to plac_hi
    plac_max = (p["plac_large"] if p["u_plac"] < f
                else p["placebo_scale"] * p["plac_hi"] * (p["u_plac"] - f) / (1 - f))
    tms_effect = (p["tms_depth_lo"] + (1 - p["tms_depth_lo"]) * p["u_tms_depth"]
                  if p["u_tms_resp"] < p["tms_resp_frac"] else 0)
    inflam = (p["w_kyn"] * (s["KYN"] - 1) + p["w_mg"] * (s["MG"] - 1) +
              p["w_bdnf"] * max(1 - s["BDNF"], 0))
    ssri_eff = p["ssri_max"] if p["u_ssri"] < p["ssri_resp_frac"] else 0
    improvement = 1 - ((1 - nat_max * (1 - math.exp(-t / p["t_nat"]))) *
                       (1 - plac_max * s["EXPECT"]) *
                       (1 - tms_effect * s["PLAST"]) * (1 - ssri_eff * s["SSRI_F"]))
    return max((p["h_core"] + inflam) * (1 - improvement), 0)


def simulate(p, changes, t_end, method, rtol, atol):
    u = dict.fromkeys(INPUTS, 0.0)
    rhs, drive0 = make_rhs(p, u)
    y = initial(p, drive0)
    t, k, steps, restarts = 0.0, 0, 0, 0
    while t < t_end:
        while k < len(changes) and changes[k][0] <= t:
            u[changes[k][1]] += changes[k][2]
            if abs(u[changes[k][1]]) < 1e-12:
                u[changes[k][1]] = 0.0
            k += 1
        stop = changes[k][0] if k < len(changes) and changes[k][0] < t_end else t_end
        sol = solve_ivp(rhs, (t, stop), y, method=method, rtol=rtol, atol=atol)
        if not sol.success:
            sys.exit("peer_scipy: integration failed at t = %g: %s" % (t, sol.message))
        y = sol.y[:, -1]
        steps += len(sol.t) - 1
        restarts += 1
        t = stop
    return hamd(p, t_end, y), y[STATES.index("CRP")], steps, restarts


def main():
    if len(sys.argv) < 8:
        sys.exit(__doc__)
    method, ledger, events = sys.argv[1], sys.argv[2], sys.argv[3]
    days, reps = float(sys.argv[4]), int(sys.argv[5])
    rtol, atol = float(sys.argv[6]), float(sys.argv[7])
    p = read_ledger(ledger)
    args = sys.argv[8:]
    if args and args[0].startswith("--scales="):
        scale = dict.fromkeys(STATES, 1.0)
        with open(args[0][len("--scales="):]) as f:
            for line in f:
                name, value = line.strip().split(",")
                scale[name] = max(1.0, float(value))
        atol = np.array([atol * scale[s] for s in STATES])
        args = args[1:]
    for a in args:
        name, value = a.split("=", 1)
        if name not in p:
            sys.exit("peer_scipy: no parameter " + name)
        p[name] = float(value)
    changes = read_events(events)
    t0 = time.perf_counter()
    for _ in range(reps):
        h, c, steps, restarts = simulate(p, changes, days * 24, method, rtol, atol)
    ms = 1e3 * (time.perf_counter() - t0) / reps
    print("scipy-%s,%.4f,%.10g,%.10g,%d,%d" % (method.lower(), ms, h, c, steps, restarts))


if __name__ == "__main__":
    main()
