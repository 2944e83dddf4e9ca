"""Tests of the Python package (python/moodsim) against the command.

usage: test_moodsim.py MOODSIM SOURCE_DIR OUT_DIR
(MOODSIM_LIBRARY names the library the package loads; PYTHONPATH holds
python/).  Run by `make check` (ctest python).
"""

import csv
import math
import os
import subprocess
import sys
import threading
import unittest

import numpy as np
import pandas as pd

import moodsim

MS, SRC, OUT = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
del sys.argv[1:4]


def src(*p):
    return os.path.join(SRC, *p)


def out(*p):
    return os.path.join(OUT, *p)


def cli(*args):
    r = subprocess.run([MS, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("moodsim %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                          r.stderr))
    return r


def read_cli_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], np.array([[float(x) for x in r] for r in rows[1:]])


class ModelTests(unittest.TestCase):
    def test_tables(self):
        m = moodsim.load(src("models", "depression_inflammation.yaml"))
        p = m.parameters
        r = cli("check", src("models", "depression_inflammation.yaml"))
        self.assertIn("of %d parameters rest on a hypothesis" % len(p), r.stdout)
        self.assertIn("exo_strength", p.index)
        self.assertTrue(p.loc["exo_strength", "claim"])
        self.assertEqual(p.loc["exo_strength", "value"], 0)
        self.assertGreater(p.loc["exo_strength", "as_claimed"], 0)
        led = m.ledger
        # the ledger is `moodsim check --ledger`'s: same names, same evidence
        r = cli("check", src("models", "depression_inflammation.yaml"), "--ledger")
        rows = [l.split("\t") for l in r.stdout.splitlines()[1:]]
        self.assertEqual([x[0].replace(" (between patients)", "") for x in rows],
                         list(led["name"]))
        self.assertEqual(sum(" (between patients)" in x[0] for x in rows),
                         (led["kind"] == "variability").sum())
        self.assertEqual([x[3] for x in rows], list(led["evidence"]))
        # in Japanese: the bases `check --ledger --lang ja` prints
        ja = m.ledger_in("ja")
        r = cli("check", src("models", "depression_inflammation.yaml"), "--ledger",
                "--lang", "ja")
        basis = [l.split("\t")[4].split(": ", 1)[1].split(" [contested: ")[0].split(" [claim:")[0]
                 for l in r.stdout.splitlines()[1:]]
        mine = [(h if isinstance(h, str) else s) for h, s in zip(ja["hypothesis"], ja["source"])]
        self.assertEqual([" ".join(b.split()) for b in basis], [" ".join(x.split()) for x in mine])
        self.assertIn("エクソソーム", ja.set_index("name").loc["exo_strength", "hypothesis"])
        self.assertEqual(list(ja["name"]), list(led["name"]))
        with self.assertRaises(moodsim.Error):
            m.ledger_in("fr")
        self.assertEqual(len(m.states), 26)
        self.assertTrue(m.states["non_negative"].all())
        self.assertIn("HAMD", m.observables.index)
        self.assertEqual(m.inputs.loc["tms", "kind"], "level")

    def test_simulate_matches_the_command(self):
        model = src("models", "depression_inflammation.yaml")
        proto = src("protocols", "tms_exosome.yaml")
        cli("simulate", model, "--days", "42", "--every", "24", "--protocol", proto,
            "--set", "exo_strength=0.7", "--out", out("sim.csv"))
        names, ref = read_cli_csv(out("sim.csv"))
        df = moodsim.load(model).simulate(days=42, every=24, protocol=proto,
                                          set={"exo_strength": 0.7})
        self.assertEqual(list(df.columns), names)
        # the command prints 10 significant digits
        np.testing.assert_allclose(df.to_numpy(), ref, rtol=1e-9, atol=1e-300)

    def test_sbml_and_dirk(self):
        m = moodsim.load(src("tests", "sbml", "time_in_days.xml"))
        self.assertAlmostEqual(m.time_unit_h, 24)
        df = m.simulate(days=2, every=12, method="dirk")
        self.assertEqual(df["time_h"].iloc[-1], 48)

    def test_errors_carry_the_message(self):
        bad = src("tests", "malformed", "models", "unknown_symbol.yaml")
        with self.assertRaises(moodsim.Error) as e:
            moodsim.load(bad)
        self.assertIn("unknown_symbol.yaml:7:7: unknown symbol 'kk'", str(e.exception))
        self.assertLess(e.exception.status, 0)
        m = moodsim.load(src("tests", "models", "decay.yaml"))
        with self.assertRaisesRegex(moodsim.Error, "'kk' is not a parameter"):
            m.simulate(days=1, set={"kk": 1})
        with self.assertRaisesRegex(moodsim.Error, "expected bdf or dirk"):
            m.simulate(days=1, method="rk4")
        with self.assertRaisesRegex(moodsim.Error, "unknown input|not an input|no input"):
            m.simulate(days=1, protocol=src("tests", "protocols", "one_compartment_doses.yaml"))
        # a numerical failure keeps the rows before it
        b = moodsim.load(src("tests", "models", "blowup.yaml"))
        with self.assertRaises(moodsim.Error) as e:
            b.simulate(days=1, every=0.25)
        self.assertIn("integration failed", str(e.exception))
        self.assertEqual(len(e.exception.partial), 4)

    def test_simulate_many(self):
        m = moodsim.load(src("tests", "models", "decay.yaml"))
        params = pd.DataFrame({"k": [0.1, 0.2, 0.3, 0.4], "x0": [1, 2, 3, 4]},
                              index=["a", "b", "c", "d"])
        df = m.simulate_many(params, days=1, every=6, threads=2)
        self.assertEqual(list(df["patient"].unique()), ["a", "b", "c", "d"])
        last = df.groupby("patient").tail(1).set_index("patient")
        for p, row in params.iterrows():  # x0 exp(-k t) at t = 24 h
            self.assertAlmostEqual(last.loc[p, "x"], row.x0 * math.exp(-row.k * 24), places=7)
        with self.assertRaisesRegex(moodsim.Error, "'kk' is not a parameter"):
            m.simulate_many(pd.DataFrame({"kk": [1]}), days=1)

    def test_two_models_from_threads(self):
        a = moodsim.load(src("tests", "models", "decay.yaml"))
        b = moodsim.load(src("tests", "models", "logistic.yaml"))
        res = {}

        def run(name, m):
            res[name] = [m.simulate(days=1, every=1).iloc[-1, 1] for _ in range(20)]

        th = [threading.Thread(target=run, args=(n, m)) for n, m in (("a", a), ("b", b))]
        for t in th:
            t.start()
        for t in th:
            t.join()
        self.assertEqual(len(set(res["a"])), 1)
        self.assertEqual(len(set(res["b"])), 1)
        self.assertAlmostEqual(res["a"][0], 5 * math.exp(-0.3 * 24), places=8)

    def test_memory_does_not_grow(self):
        m = moodsim.load(src("tests", "models", "decay.yaml"))

        def rss_kb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024

        for _ in range(500):  # warm up pandas and the allocator
            m.simulate(days=1, every=6)
        before = rss_kb()
        for _ in range(10000):
            m.simulate(days=1, every=6)
        grown = rss_kb() - before
        self.assertLess(grown, 8 * 1024, "resident memory grew by %d kB over 10,000 "
                        "simulations" % grown)


class ProtocolCohortTests(unittest.TestCase):
    def test_events_match_the_command(self):
        model = src("models", "depression_inflammation.yaml")
        proto = src("protocols", "tms_exosome.yaml")
        cli("protocol", "events", proto, "--model", model, "--out", out("ev.csv"))
        ref = pd.read_csv(out("ev.csv"))
        ev = moodsim.protocol(proto).events(model=moodsim.load(model))
        self.assertEqual(len(ev), len(ref))
        np.testing.assert_allclose(ev["time_h"], ref["time_h"], rtol=1e-9)
        self.assertEqual(list(ev["input"]), list(ref["input"]))

    def test_cohort_matches_the_command(self):
        toy = src("tests", "trial", "toy_model.yaml")
        cli("cohort", toy, "--n", "30", "--seed", "4", "--min", "h_core=16", "--out",
            out("c.csv"))
        names, ref = read_cli_csv(out("c.csv"))
        df = moodsim.cohort(toy, 30, seed=4, min={"h_core": 16})
        self.assertEqual(list(df.columns), names)
        np.testing.assert_allclose(df.to_numpy(dtype=float), ref, rtol=1e-9)
        self.assertGreater(df.attrs["rejected"]["h_core"], 0)


class TrialTests(unittest.TestCase):
    FILES = ("summary.csv", "endpoints.csv", "visits.csv", "synergy.csv", "failures.csv")

    def same_bytes(self, a, b, files):
        for f in files:
            with open(os.path.join(a, f), "rb") as x, open(os.path.join(b, f), "rb") as y:
                self.assertEqual(x.read(), y.read(), "%s differs" % f)

    def test_trial_matches_the_command(self):
        sc = src("tests", "trial", "toy_scenario.yaml")
        cli("trial", sc, "--out", out("t_cli"), "--quiet", "--threads", "1")
        r = moodsim.trial(sc, out=out("t_py"), threads=2)
        self.same_bytes(out("t_cli"), out("t_py"), self.FILES)
        self.assertEqual(r.included, 240)
        self.assertEqual(list(r.summary["arm"][:4]), ["sham", "tms", "exosome", "tms_exosome"])
        r.report(out("report_ja.html"), lang="ja")
        with open(out("report_ja.html"), encoding="utf-8") as f:
            self.assertIn("<html", f.read(2000))
        # patients in batches (docs/scenario-format.md): the command's bytes
        cli("trial", sc, "--out", out("t_cli8"), "--quiet", "--batch", "8")
        moodsim.trial(sc, out=out("t_py8"), batch=8)
        self.same_bytes(out("t_cli8"), out("t_py8"), self.FILES)
        with open(os.path.join(out("t_cli8"), "visits.csv"), "rb") as x, \
                open(os.path.join(out("t_cli"), "visits.csv"), "rb") as y:
            self.assertNotEqual(x.read(), y.read())  # applied: not the unbatched bytes

    def test_claims_counterpart_and_set(self):
        sc = src("tests", "trial", "closed_form_claims_scenario.yaml")
        cli("trial", sc, "--out", out("c_cli"), "--quiet")
        r = moodsim.trial(sc, out=out("c_py"))
        self.assertIsNotNone(r.counterpart)
        self.assertIsNone(r.comparisons)  # the scenario declares no compare:
        sub = r.counterpart["setting"]
        self.same_bytes(os.path.join(out("c_cli"), sub), os.path.join(out("c_py"), sub),
                        ("summary.csv",))
        self.same_bytes(out("c_cli"), out("c_py"), ("summary.csv", "endpoints.csv"))

    def test_in_memory_and_errors(self):
        r = moodsim.trial(src("tests", "trial", "toy_scenario.yaml"))
        d = r.dir
        self.assertTrue(os.path.exists(os.path.join(d, "summary.csv")))
        self.assertEqual(len(r.visits), 240 * len(r.visits["week"].unique()))
        r.close()
        self.assertFalse(os.path.exists(d))
        with self.assertRaisesRegex(moodsim.Error, r"unknown_key.yaml:10:1: unknown key"):
            moodsim.trial(src("tests", "malformed", "scenarios", "unknown_key.yaml"))
        with self.assertRaisesRegex(moodsim.Error, "'nope' is not a parameter"):
            moodsim.trial(src("tests", "trial", "toy_scenario.yaml"), set={"nope": 1})


class SensitivityTests(unittest.TestCase):
    def test_sensitivity_matches_the_command(self):
        """moodsim.sensitivity gives sensitivity.csv's rows, the same numbers
        (the CSV's shortest round-trip decimals read back exactly)."""
        sc = src("tests", "sensitivity", "additive_scenario.yaml")
        cli("sensitivity", sc, "--out", out("sens_cli"), "--method", "oat", "--tipping",
            "--quiet")
        ref = pd.read_csv(out("sens_cli", "sensitivity.csv"), keep_default_na=False,
                          na_values=["nan"])
        df = moodsim.sensitivity(sc, method="oat", tipping=True, out=out("sens_py"), lang="ja")
        self.assertEqual(list(df.columns), list(ref.columns))
        self.assertEqual(len(df), len(ref))
        self.assertEqual(list(df["answer"]), list(ref["answer"]))
        self.assertEqual(list(df["index"]), list(ref["index"]))
        for col in ("at_scenario_values", "low", "high", "scenario_value", "estimate"):
            np.testing.assert_array_equal(df[col].to_numpy(float), ref[col].to_numpy(float))
        tip = df[(df["parameter"] == "p1") & (df["index"] == "tipping")]["estimate"]
        self.assertAlmostEqual(float(tip.iloc[0]), 2 / 3, places=6)
        with open(out("sens_py", "sensitivity.html"), encoding="utf-8") as f:
            self.assertIn("この答えが何に依っているか", f.read())
        with self.assertRaises(moodsim.Error):
            moodsim.sensitivity(sc, method="anova")
        with self.assertRaises(moodsim.Error) as e:
            moodsim.sensitivity(sc, params=["p3"])
        self.assertIn("'p3' is not a parameter", str(e.exception))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    unittest.main(verbosity=1)
