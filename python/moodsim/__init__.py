"""moodsim from Python: models, protocols, virtual cohorts and trials.

A thin layer over libmoodsim (ctypes; see _lib.py): every number is
computed by the same C code as the `moodsim` command, and results come back
as pandas DataFrames.  The worked example is in docs/python.md:

    import moodsim
    m = moodsim.load("models/depression_inflammation.yaml")
    df = m.simulate(days=182, every=24, protocol="protocols/tms_exosome.yaml",
                    set={"exo_strength": 0.7})
    r = moodsim.trial("scenarios/b_tms_exosome_null.yaml", threads=2)
    r.summary
    s = moodsim.sensitivity("scenarios/b_tms_exosome_as_claimed.yaml", method="oat")

Errors raise moodsim.Error with the library's message (file:line:col: what
was expected).  Nothing is global: two models can be used side by side and
from several threads (each call makes its own solver).  The C library runs
with the GIL released; Ctrl-C stops a trial, keeping what finished.
"""

import concurrent.futures
import ctypes
import math
import os
import shutil
import tempfile
import threading

import numpy as np
import pandas as pd

from . import _lib
from ._lib import lib

__all__ = ["Error", "Model", "Protocol", "Trial", "load", "protocol", "cohort", "trial",
           "sensitivity", "version"]

_KINDS = {"rate": 0, "level": 1, "bolus": 2}
_KIND_NAMES = {v: k for k, v in _KINDS.items()}


class Error(Exception):
    """A failure reported by libmoodsim: `status` is its status code (an
    int, e.g. -4 for an invalid model) and str(e) its message, which names
    file, line and column for bad input.  A failed simulation carries the
    rows computed before the failure in `partial` (a DataFrame)."""

    def __init__(self, message, status=0, partial=None):
        super().__init__(message)
        self.status = status
        self.partial = partial


def version():
    """The version of the loaded libmoodsim ("0.1.0")."""
    return lib.ms_version().decode()


def _s(b):
    return b.decode() if b is not None else None


class _Context:
    """An ms_context: owns it, frees it."""

    def __init__(self):
        self.h = ctypes.c_void_p()
        if lib.ms_context_new(ctypes.byref(self.h), None) != 0:
            raise MemoryError("moodsim: cannot create a context")

    def check(self, status, what=None):
        if status != 0 and status != _lib.MS_STOPPED:
            msg = _s(lib.ms_errmsg(self.h)) or _s(lib.ms_strerror(status)) or what
            raise Error(msg, status)
        return status

    def __del__(self):
        if getattr(self, "h", None):
            lib.ms_context_free(self.h)
            self.h = None


def _path(p):
    return os.fsencode(os.fspath(p))


class Model:
    """A model loaded from YAML (docs/model-format.md) or SBML.  Immutable;
    safe to use from several threads at once."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._ctx = _Context()
        self._h = ctypes.c_void_p()
        self._ctx.check(lib.ms_model_load(self._ctx.h, _path(path), ctypes.byref(self._h)))
        lib.ms_model_compile_native(self._ctx.h, self._h)  # faster if a C compiler is there

    def __del__(self):
        if getattr(self, "_h", None):
            lib.ms_model_free(self._h)
            self._h = None

    def __repr__(self):
        return "<moodsim.Model %s (%s): %d states, %d parameters>" % (
            self.name, self.path, self._count(_lib.STATE), self._count(_lib.PARAM))

    @property
    def name(self):
        return _s(lib.ms_model_name(self._h))

    @property
    def description(self):
        return _s(lib.ms_model_description(self._h))

    @property
    def time_unit_h(self):
        """Hours in one unit of the model's time (1 for YAML models; NaN for
        an SBML model that declares none)."""
        return lib.ms_model_time_unit(self._h)

    def _count(self, kind):
        return lib.ms_model_count(self._h, kind)

    def _symbol(self, kind, i):
        s = _lib.Symbol()
        self._ctx.check(lib.ms_model_symbol(self._h, kind, i, ctypes.byref(s)))
        return s

    def _symbols(self, kind):
        return [self._symbol(kind, i) for i in range(self._count(kind))]

    def _index(self, kind, name):
        i = lib.ms_model_find(self._h, kind, name.encode())
        if i < 0:
            raise Error("%s: '%s' is not a %s of the model" %
                        (self.path, name, ("state", "parameter", "input", "rule",
                                           "observable")[kind]), -6)
        return i

    @property
    def parameters(self):
        """One row per parameter: value, unit, evidence, source, hypothesis,
        and for the strength of a claim without human evidence claim=True and
        its as_claimed value (its null value is 0)."""
        rows = [{"name": _s(s.name), "value": s.value, "unit": _s(s.unit),
                 "evidence": _s(s.evidence), "source": _s(s.source),
                 "hypothesis": _s(s.hypothesis), "claim": bool(s.claim),
                 "as_claimed": s.as_claimed if s.claim else math.nan}
                for s in self._symbols(_lib.PARAM)]
        return pd.DataFrame(rows).set_index("name")

    @property
    def ledger(self):
        """The evidence ledger (as `moodsim check --ledger`): every parameter
        and every between-patient distribution, with its evidence level and
        its source or, where there is none, the hypothesis it rests on."""
        return self.ledger_in("en")

    def ledger_in(self, lang):
        """The ledger with its notes and distributions in language `lang`
        ("ja": the model's ja: notes, where it gives them; as
        `moodsim check --ledger --lang ja`)."""
        if lang not in ("en", "ja"):
            raise Error("lang '%s'; expected en or ja" % lang, -6)
        lg = lang.encode()
        note = lib.ms_model_param_note
        rows = [{"name": _s(s.name), "kind": "parameter", "value": s.value,
                 "unit": _s(s.unit), "evidence": _s(s.evidence) or "unstated",
                 "source": _s(note(self._h, i, 0, lg)),
                 "hypothesis": _s(note(self._h, i, 1, lg)),
                 "contested": _s(note(self._h, i, 2, lg))}
                for i, s in enumerate(self._symbols(_lib.PARAM))]
        v = _lib.Variability()
        note = lib.ms_model_variability_note
        for i in range(lib.ms_model_variability_count(self._h)):
            self._ctx.check(lib.ms_model_variability(self._h, i, ctypes.byref(v)))
            rows.append({"name": _s(v.param), "kind": "variability", "value": math.nan,
                         "unit": _s(lib.ms_model_variability_summary(self._h, i, lg)),
                         "evidence": _s(v.evidence) or "unstated",
                         "source": _s(note(self._h, i, 0, lg)),
                         "hypothesis": _s(note(self._h, i, 1, lg)), "contested": None})
        return pd.DataFrame(rows)

    @property
    def states(self):
        return pd.DataFrame([{"name": _s(s.name), "unit": _s(s.unit), "initial": _s(s.init),
                              "ode": _s(s.expr), "description": _s(s.description),
                              "non_negative": bool(s.non_negative)}
                             for s in self._symbols(_lib.STATE)]).set_index("name")

    @property
    def observables(self):
        return pd.DataFrame([{"name": _s(s.name), "unit": _s(s.unit), "expr": _s(s.expr),
                              "description": _s(s.description)}
                             for s in self._symbols(_lib.OBSERVABLE)]).set_index("name")

    @property
    def inputs(self):
        return pd.DataFrame([{"name": _s(s.name), "kind": _KIND_NAMES.get(s.input_kind),
                              "unit": _s(s.unit), "description": _s(s.description)}
                             for s in self._symbols(_lib.INPUT)]).set_index("name")

    # ------------------------------------------------------------ simulate

    def _sets(self, set):
        return [(self._index(_lib.PARAM, k), float(v)) for k, v in (set or {}).items()]

    def _times(self, days, every, time_unit_h):
        if not days > 0 or days > 365 * 100:
            raise Error("days must be > 0 and at most 100 years", -6)
        if not every > 0:
            raise Error("every must be > 0 (hours)", -6)
        unit_h = self.time_unit_h if time_unit_h is None else float(time_unit_h)
        if not unit_h > 0:
            raise Error("%s: the model declares no unit of time; give time_unit_h= (hours "
                        "in one unit of the model's time)" % self.path, -6)
        n = math.floor(days * 24.0 / every + 1e-9) + 1
        if n > 1e7:
            raise Error("more than 10 million output rows; raise every", -6)
        hours = np.arange(n, dtype=float) * every
        return hours, hours / unit_h, unit_h

    def _events(self, ctx, protocol, weight):
        if protocol is None:
            return None
        ev = ctypes.c_void_p()
        pt = _lib.Patient(0, 0, math.nan if weight is None else float(weight), 0)
        ctx.check(lib.ms_protocol_load(ctx.h, self._h, _path(protocol), ctypes.byref(pt),
                                       ctypes.byref(ev)))
        return ev

    def _new_sim(self, ctx, method, rtol, atol):
        sim = ctypes.c_void_p()
        ctx.check(lib.ms_sim_new(ctx.h, self._h, ctypes.byref(sim)))
        try:
            m = lib.ms_method_from_name(method.encode())
            if m < 0:
                raise Error("method '%s': expected bdf or dirk" % method, -6)
            ctx.check(lib.ms_sim_set_tolerances(sim, rtol, atol))
            ctx.check(lib.ms_sim_set_method(sim, m))
        except BaseException:
            lib.ms_sim_free(sim)
            raise
        return sim

    def _run(self, ctx, sim, ev, hours, times):
        nout = lib.ms_sim_output_count(sim)
        names = ["time_h"] + [_s(lib.ms_sim_output_name(sim, j)) for j in range(nout)]
        t = np.ascontiguousarray(times, dtype=float)
        out = np.empty((len(t), nout), dtype=float)
        st = lib.ms_sim_run(sim, ev, t.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), len(t),
                            out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        rows = lib.ms_sim_rows_done(sim)
        msg = _s(lib.ms_errmsg(ctx.h))
        df = pd.DataFrame(np.column_stack([hours[:rows], out[:rows]]), columns=names)
        if st == _lib.MS_ERR_SOLVER:
            raise Error(msg, st, partial=df)
        ctx.check(st)
        # a value that is not a number is a numerical failure too (as the
        # command's exit 3); constants written as inf or nan are allowed
        bad = ~np.isfinite(df.iloc[:, 1:].to_numpy())
        if bad.any():
            finite_const = set(self._nonfinite_constants())
            for k, j in zip(*np.nonzero(bad)):
                if names[j + 1] not in finite_const:
                    raise Error("%s: '%s' is not a number at t = %g h" %
                                (self.path, names[j + 1], hours[k]), _lib.MS_ERR_SOLVER,
                                partial=df.iloc[:k])
        return df

    def _nonfinite_constants(self):
        for s in self._symbols(_lib.PARAM):
            if not math.isfinite(s.value):
                yield _s(s.name)

    def simulate(self, days, every=1.0, protocol=None, set=None, method="bdf", rtol=1e-10,
                 atol=1e-14, weight=None, time_unit_h=None):
        """Simulates the model's nominal patient from t = 0 for `days` days,
        with output every `every` hours, as `moodsim simulate` does (the same
        defaults: BDF, rtol 1e-10, atol 1e-14).  `protocol`: a protocol file
        (YAML calendar or NONMEM-style CSV); `set`: {parameter: value};
        `weight`: body weight in kg for doses in mg/kg.  Returns a DataFrame:
        time_h, then one column per state and observable."""
        hours, times, unit_h = self._times(days, every, time_unit_h)
        if protocol is not None and unit_h != 1:
            raise Error("%s: the model's time unit is %g h, and a protocol's times are in "
                        "hours; use a model whose time is in hours with a protocol" %
                        (self.path, unit_h), -6)
        ctx = _Context()
        sets = self._sets(set)
        ev = self._events(ctx, protocol, weight)
        sim = None
        try:
            sim = self._new_sim(ctx, method, rtol, atol)
            for i, v in sets:
                ctx.check(lib.ms_sim_set_param(sim, i, v))
            return self._run(ctx, sim, ev, hours, times)
        finally:
            if sim:
                lib.ms_sim_free(sim)
            if ev:
                lib.ms_events_free(ev)

    def simulate_many(self, params, days, every=1.0, protocol=None, method="bdf", rtol=1e-10,
                      atol=1e-14, threads=0, weight=None):
        """One simulation per row of `params` (a DataFrame whose columns are
        parameter names, like mrgsolve's idata), in parallel over `threads`
        threads (0: every core); the C library runs without the GIL.
        Parameters not in the table keep their nominal values.  Returns one
        long DataFrame with a `patient` column (the row's index label) before
        time_h.  A row that fails raises moodsim.Error naming the row, after
        the others have finished."""
        if not isinstance(params, pd.DataFrame):
            params = pd.DataFrame(params)
        cols = [(self._index(_lib.PARAM, c), c) for c in params.columns]
        hours, times, unit_h = self._times(days, every, None)
        bw = lib.ms_model_body_weight(self._h)
        nominal = np.array([s.value for s in self._symbols(_lib.PARAM)], dtype=float)
        values = params.to_numpy(dtype=float)
        local = threading.local()
        lock = threading.Lock()
        made = []  # (context, simulator) of each worker thread, freed at the end

        def one(r):
            if not hasattr(local, "sim"):
                local.ctx = _Context()
                local.sim = self._new_sim(local.ctx, method, rtol, atol)
                with lock:
                    made.append((local.ctx, local.sim))
            p = nominal.copy()
            for (i, _), v in zip(cols, values[r]):
                p[i] = v
            w = p[bw] if bw >= 0 else weight
            ev = self._events(local.ctx, protocol, w)
            try:
                local.ctx.check(lib.ms_sim_set_params(
                    local.sim, p.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
                df = self._run(local.ctx, local.sim, ev, hours, times)
            finally:
                if ev:
                    lib.ms_events_free(ev)
            df.insert(0, "patient", params.index[r])
            return df

        n = threads if threads and threads > 0 else (os.cpu_count() or 1)
        results, first_error = [], None
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
                futures = [ex.submit(one, r) for r in range(len(params))]
                for r, f in enumerate(futures):
                    try:
                        results.append(f.result())
                    except Error as e:
                        if first_error is None:
                            first_error = Error("row %r: %s" % (params.index[r], e), e.status,
                                                e.partial)
        finally:
            for _, sim in made:
                lib.ms_sim_free(sim)
        if first_error is not None:
            raise first_error
        if not results:
            return pd.DataFrame()
        return pd.concat(results, ignore_index=True)


def load(path):
    """Loads a model (YAML or SBML).  Raises moodsim.Error on bad input."""
    return Model(path)


class Protocol:
    """A treatment protocol (docs/protocol-format.md)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._ctx = _Context()
        self._h = ctypes.c_void_p()
        self._ctx.check(lib.ms_protocol_read(self._ctx.h, _path(path), ctypes.byref(self._h)))

    def __del__(self):
        if getattr(self, "_h", None):
            lib.ms_protocol_free(self._h)
            self._h = None

    @property
    def name(self):
        return _s(lib.ms_protocol_name(self._h))

    @property
    def days(self):
        return lib.ms_protocol_days(self._h)

    def events(self, model=None, weight=None, seed=None, patient=0):
        """The event table as written (or, with `seed`, with the missed
        sessions drawn for patient `patient`): time_h, treatment, input,
        kind (bolus or pulse), amount, level, duration_h.  With a model,
        every input is checked against it."""
        ev = ctypes.c_void_p()
        pt = None
        if weight is not None or seed is not None:
            pt = _lib.Patient(seed or 0, patient, math.nan if weight is None else float(weight),
                              1 if seed is not None else 0)
        self._ctx.check(lib.ms_protocol_compile(self._ctx.h, self._h,
                                                model._h if model is not None else None,
                                                ctypes.byref(pt) if pt else None,
                                                ctypes.byref(ev)))
        try:
            info = _lib.EventInfo()
            rows = []
            for i in range(lib.ms_events_count(ev)):
                self._ctx.check(lib.ms_events_get(ev, i, ctypes.byref(info)))
                rows.append({"time_h": info.time_h, "treatment": _s(info.treatment),
                             "input": _s(info.input),
                             "kind": "bolus" if info.kind == 0 else "pulse",
                             "amount": info.amount, "level": info.level,
                             "duration_h": info.duration_h})
        finally:
            lib.ms_events_free(ev)
        return pd.DataFrame(rows, columns=["time_h", "treatment", "input", "kind", "amount",
                                           "level", "duration_h"])


def protocol(path):
    """Reads a protocol file.  Raises moodsim.Error on bad input."""
    return Protocol(path)


def cohort(model, n, seed=1, set=None, min=None, max=None):
    """A virtual cohort, as `moodsim cohort`: n included patients drawn from
    the model's variability section with `seed`, screened by inclusion
    criteria on baseline values (`min` / `max`: {name: bound} on an
    observable, state or parameter at t = 0).  Columns: patient, candidate,
    each varying parameter, each observable at baseline.  The screening's
    counts are in the DataFrame's attrs ("screened", "rejected"), and the
    varying parameters' column names in attrs["parameters"] (to pass to
    Model.simulate_many)."""
    if isinstance(model, (str, bytes, os.PathLike)):
        model = Model(model)
    n = int(n)
    if n < 1:
        raise Error("n must be at least 1", -6)
    ctx = _Context()
    sets = model._sets(set)
    crit = {}
    for k, v in (min or {}).items():
        crit.setdefault(k, [-math.inf, math.inf])[0] = float(v)
    for k, v in (max or {}).items():
        crit.setdefault(k, [-math.inf, math.inf])[1] = float(v)
    np_ = model._count(_lib.PARAM)
    ns = model._count(_lib.STATE)
    no = model._count(_lib.OBSERVABLE)
    var = _lib.Variability()
    vnames = []
    for j in range(lib.ms_model_variability_count(model._h)):
        ctx.check(lib.ms_model_variability(model._h, j, ctypes.byref(var)))
        vnames.append(_s(var.param))
    vidx = [model._index(_lib.PARAM, v) for v in vnames]
    onames = [_s(s.name) for s in model._symbols(_lib.OBSERVABLE)]
    p = (ctypes.c_double * (np_ + 1))()
    y = (ctypes.c_double * (ns + 1))()
    obs = (ctypes.c_double * (no + 1))()
    v = ctypes.c_double()
    sim = model._new_sim(ctx, "bdf", 1e-6, 1e-9)
    rows, rejected = [], {k: 0 for k in crit}
    k = 0
    try:
        for name in crit:
            ctx.check(lib.ms_sim_baseline(sim, name.encode(), ctypes.byref(v)))
        while len(rows) < n:
            if k > n * 1000 + 1000:
                raise Error("the criteria accepted %d of %d candidates; stopping" %
                            (len(rows), k), -6)
            ctx.check(lib.ms_cohort_draw(ctx.h, model._h, seed, k, p))
            for i, val in sets:
                p[i] = val
            ctx.check(lib.ms_sim_set_params(sim, p))
            ok = True
            for name, (lo, hi) in crit.items():
                v.value = math.nan
                lib.ms_sim_baseline(sim, name.encode(), ctypes.byref(v))
                if not (lo <= v.value <= hi):
                    rejected[name] += 1
                    ok = False
                    break
            if ok:
                ctx.check(lib.ms_sim_initial(sim, y))
                ctx.check(lib.ms_sim_observe(sim, 0.0, y, obs))
                rows.append([len(rows), k] + [p[i] for i in vidx] + list(obs[:no]))
            k += 1
    finally:
        lib.ms_sim_free(sim)
    df = pd.DataFrame(rows, columns=["patient", "candidate"] + vnames + onames)
    df.attrs["screened"] = k
    df.attrs["rejected"] = rejected
    df.attrs["parameters"] = vnames  # the varying parameters' columns
    return df


class Trial:
    """A finished virtual trial: summary, endpoints, visits, synergy,
    failures and comparisons (compare:) as DataFrames -- the CSVs the run
    wrote, read back; None where the run writes no such file -- `dir` the
    directory holding them, `counterpart` the claims' other setting
    ({"setting", "summary", "synergy", "comparisons"}) for a model with
    claims, and report() to write its HTML report."""

    def __init__(self, scenario, sc, t, ctx, out, tmp, interrupted):
        self.scenario = scenario
        self._sc, self._t, self._ctx = sc, t, ctx
        self.dir = out
        self._tmp = tmp
        self.interrupted = interrupted
        screened, included, failed = ctypes.c_long(), ctypes.c_long(), ctypes.c_long()
        lib.ms_trial_counts(t, ctypes.byref(screened), ctypes.byref(included),
                            ctypes.byref(failed))
        self.screened, self.included, self.failed = (screened.value, included.value,
                                                     failed.value)
        for name in ("summary", "endpoints", "visits", "synergy", "failures", "comparisons"):
            f = os.path.join(out, name + ".csv")
            setattr(self, name, pd.read_csv(f) if os.path.exists(f) else None)
        self.counterpart = None
        for setting in ("null", "as_claimed"):
            f = os.path.join(out, setting, "summary.csv")
            if os.path.exists(f):
                self.counterpart = {"setting": setting, "summary": pd.read_csv(f)}
                for extra in ("synergy", "comparisons"):
                    g = os.path.join(out, setting, extra + ".csv")
                    self.counterpart[extra] = pd.read_csv(g) if os.path.exists(g) else None

    def report(self, path, lang="en"):
        """Writes the trial's self-contained HTML report to `path` (in "en"
        or "ja"), written whole or not at all."""
        d = tempfile.mkdtemp(prefix=".moodsim-report-",
                             dir=os.path.dirname(os.path.abspath(path)))
        try:
            self._ctx.check(lib.ms_report_write(self._ctx.h, self._t, _path(d), lang.encode(),
                                                b"moodsim.trial(" +
                                                _path(self.scenario) + b") from Python"))
            os.replace(os.path.join(d, "report.html"), path)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return path

    def close(self):
        if getattr(self, "_t", None):
            lib.ms_trial_free(self._t)
            self._t = None
        if getattr(self, "_sc", None):
            lib.ms_scenario_free(self._sc)
            self._sc = None
        if getattr(self, "_tmp", None):
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __del__(self):
        self.close()

    def __repr__(self):
        return "<moodsim.Trial %s: %d included, %d failed>" % (self.scenario, self.included,
                                                               self.failed)


def _in_thread(fn, stop):
    """Runs fn() in a thread; Ctrl-C in the waiting (main) thread sets
    *stop, so that the C run ends early keeping what finished, then the
    KeyboardInterrupt is raised."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # re-raised in the caller
            box["error"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    interrupted = False
    while th.is_alive():
        try:
            th.join(0.1)
        except KeyboardInterrupt:
            stop.value = 1
            interrupted = True
    if "error" in box:
        raise box["error"]
    return box["value"], interrupted


def trial(scenario, out=None, threads=0, set=None, one_setting=False, lang="en",
          progress=None, native=True, batch=0):
    """Runs a scenario (docs/scenario-format.md) as `moodsim trial` does:
    the same patients, files and numbers (byte for byte).  `out`: a
    directory for the run's files (created; None: a temporary one, removed
    when the Trial is closed or collected); `threads` (0: every core);
    `set`: {parameter: value} for every patient; `one_setting`: skip the
    counterpart run of a model with claims; `progress`: a function
    (done, total, seconds) called about twice a second; `batch`: patients
    integrated together (0: the scenario's solver: batch:).  Ctrl-C stops the
    run, keeping what finished, and raises KeyboardInterrupt."""
    ctx = _Context()
    sc = ctypes.c_void_p()
    ctx.check(lib.ms_scenario_load(ctx.h, _path(scenario), ctypes.byref(sc)))
    t = ctypes.c_void_p()
    tmp = None
    try:
        model_h = lib.ms_scenario_model(sc)
        sets = []
        for k, v in (set or {}).items():
            i = lib.ms_model_find(model_h, _lib.PARAM, k.encode())
            if i < 0:
                raise Error("'%s' is not a parameter of the scenario's model" % k, -6)
            sets.append((i, float(v)))
        if native:
            lib.ms_scenario_compile_native(ctx.h, sc)  # same results, faster
        if out is None:
            tmp = out = tempfile.mkdtemp(prefix="moodsim-trial-")
        else:
            out = os.fspath(out)
            os.makedirs(out, exist_ok=True)
        stop = ctypes.c_int(0)
        idx = (ctypes.c_int * (len(sets) + 1))(*[i for i, _ in sets])
        val = (ctypes.c_double * (len(sets) + 1))(*[v for _, v in sets])
        cb = _lib.PROGRESS(lambda ud, done, total, secs: progress(done, total, secs)) \
            if progress else _lib.PROGRESS()
        opt = _lib.TrialOptions(threads=int(threads), progress=cb, stop=ctypes.pointer(stop),
                                set_param=idx, set_value=val, n_set=len(sets),
                                out_dir=_path(out), check_records=16, batch=int(batch))

        def run():
            st = ctx.check(lib.ms_trial_run(ctx.h, sc, ctypes.byref(opt), ctypes.byref(t)))
            if st == 0 and not one_setting and lib.ms_model_claim_count(model_h) > 0:
                ctx.check(lib.ms_trial_run_counterpart(ctx.h, t, ctypes.byref(opt)))
            return st

        _, interrupted = _in_thread(run, stop)
        ctx.check(lib.ms_trial_write(ctx.h, t, _path(out)))
        ctx.check(lib.ms_report_write(ctx.h, t, _path(out), lang.encode(),
                                      b"moodsim.trial(" + _path(scenario) + b") from Python"))
        ctx.check(lib.ms_trial_finish(ctx.h, t))
        result = Trial(os.fspath(scenario), sc, t, ctx, out, tmp,
                       bool(lib.ms_trial_interrupted(t)) or interrupted)
    except BaseException:
        if t:
            lib.ms_trial_free(t)
        lib.ms_scenario_free(sc)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    if interrupted:
        raise KeyboardInterrupt("moodsim.trial: interrupted; the patients that finished are "
                                "in %s" % out)
    return result


_SENS_METHODS = {"morris": 0, "sobol": 1, "oat": 2}
_SENS_INDICES = ("mu_star", "mu", "sigma", "S1", "ST", "at_low", "at_high", "tipping")


def sensitivity(scenario, method="morris", trajectories=10, samples=64, params=None,
                patients=0, bootstrap=1000, seed=0, tipping=False, threads=0, batch=0,
                out=None, lang="en", progress=None, native=True):
    """What the scenario's answers rest on, as `moodsim sensitivity` computes
    it (docs/sensitivity.md): every arm against control and every compare:
    pair (difference in mean change, response, remission) and a factorial's
    interaction contrast, against the model's hypotheses over their
    plausible ranges.  `method`: "morris" (`trajectories`), "sobol"
    (`samples`) or "oat"; `params`: the parameters to vary (default: every
    hypothesis the score depends on); `patients`: per arm in each trial (0:
    the scenario's); `tipping`: also each claim's tipping point; `batch`:
    patients integrated together (0: the scenario's solver: batch:); `out`: a
    directory for sensitivity.csv, its figures and sensitivity.html (in
    `lang`).  Returns a DataFrame with sensitivity.csv's columns (answer,
    at_scenario_values, parameter, low, high, scale, scenario_value, index,
    estimate, lo, hi), the same numbers.  Ctrl-C stops the analysis, keeping
    the trajectories that finished, and raises KeyboardInterrupt."""
    if method not in _SENS_METHODS:
        raise Error("method '%s'; expected morris, sobol or oat" % method, -6)
    ctx = _Context()
    sc = ctypes.c_void_p()
    ctx.check(lib.ms_scenario_load(ctx.h, _path(scenario), ctypes.byref(sc)))
    s = ctypes.c_void_p()
    try:
        if native:
            lib.ms_scenario_compile_native(ctx.h, sc)  # same results, faster
        names = [n.encode() for n in (params or [])]
        arr = (ctypes.c_char_p * (len(names) + 1))(*names)
        stop = ctypes.c_int(0)
        cb = _lib.PROGRESS(lambda ud, done, total, eta: progress(done, total, eta)) \
            if progress else _lib.PROGRESS()
        opt = _lib.SensitivityOptions(
            method=_SENS_METHODS[method], trajectories=int(trajectories), levels=4,
            samples=int(samples), bootstrap=int(bootstrap),
            params=arr if names else None, nparams=len(names),
            patients_per_arm=int(patients), seed=int(seed), threads=int(threads),
            progress=cb, stop=ctypes.pointer(stop), tipping=int(bool(tipping)),
            batch=int(batch))

        def run():
            return ctx.check(lib.ms_sensitivity_run(ctx.h, sc, ctypes.byref(opt),
                                                    ctypes.byref(s)))

        _, interrupted = _in_thread(run, stop)
        if out is not None:
            os.makedirs(os.fspath(out), exist_ok=True)
            ctx.check(lib.ms_sensitivity_write_lang(ctx.h, s, _path(out), lang.encode()))
        rows = []
        for a in range(lib.ms_sensitivity_answer_count(s)):
            base = ctypes.c_double()
            an = _s(lib.ms_sensitivity_answer(s, a, ctypes.byref(base)))
            for j in range(lib.ms_sensitivity_param_count(s)):
                r = _lib.ParamRange()
                nom = ctypes.c_double()
                pn = _s(lib.ms_sensitivity_param(s, j, ctypes.byref(r), ctypes.byref(nom)))
                x = _lib.SensitivityIndex()
                ctx.check(lib.ms_sensitivity_index_get(s, a, j, ctypes.byref(x)))
                values = {"mu_star": (x.mu_star, x.mu_star_lo, x.mu_star_hi),
                          "mu": (x.mu, math.nan, math.nan),
                          "sigma": (x.sigma, math.nan, math.nan),
                          "S1": (x.s1, x.s1_lo, x.s1_hi), "ST": (x.st, x.st_lo, x.st_hi),
                          "at_low": (x.at_low, math.nan, math.nan),
                          "at_high": (x.at_high, math.nan, math.nan),
                          "tipping": (x.tipping, math.nan, math.nan)}
                for ix in _SENS_INDICES:
                    est, lo, hi = values[ix]
                    if math.isnan(est):
                        continue
                    rows.append((an, base.value, pn, r.low, r.high,
                                 "log" if r.log else "linear", nom.value, ix, est, lo, hi))
    finally:
        if s:
            lib.ms_sensitivity_free(s)
        lib.ms_scenario_free(sc)
    if interrupted:
        raise KeyboardInterrupt("moodsim.sensitivity: interrupted")
    return pd.DataFrame(rows, columns=["answer", "at_scenario_values", "parameter", "low", "high",
                                       "scale", "scenario_value", "index", "estimate", "lo",
                                       "hi"])
