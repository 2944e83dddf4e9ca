"""The C library, loaded with ctypes: prototypes and the mirrored structs.

Private to the package.  Which libmoodsim is loaded, first found wins:
the MOODSIM_LIBRARY environment variable (a path); the one `make install`
recorded beside the package (_paths.py); a build tree's
(build/release/libmoodsim.so next to python/); the system's
(ctypes.util.find_library).  Every struct mirrored here is checked against
ms_struct_size() at import, so a library of another layout is refused
instead of read wrongly.

ctypes releases the GIL during every foreign call, so C runs while other
Python threads go on.
"""

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_long, c_size_t, c_ulonglong, c_void_p)


def _candidates():
    env = os.environ.get("MOODSIM_LIBRARY")
    if env:
        yield env
        return
    try:
        from . import _paths  # written by `make install`
        yield _paths.LIBRARY
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    for build in ("release", "check", "dev"):
        yield os.path.join(here, "..", "..", "build", build, "libmoodsim.so")
    found = ctypes.util.find_library("moodsim")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError(
        "moodsim: cannot find libmoodsim; build it (make) or set MOODSIM_LIBRARY "
        "to its path; tried: " + "; ".join(tried))


lib = _load()

# --------------------------------------------------------------- structs


class Symbol(Structure):
    _fields_ = [("name", c_char_p), ("unit", c_char_p), ("description", c_char_p),
                ("expr", c_char_p), ("init", c_char_p), ("value", c_double),
                ("source", c_char_p), ("hypothesis", c_char_p), ("evidence", c_char_p),
                ("contested", c_char_p), ("input_kind", c_int), ("target", c_int),
                ("line", c_int), ("column", c_int), ("abs_tol", c_double),
                ("claim", c_int), ("as_claimed", c_double), ("non_negative", c_int),
                ("latent_class", c_char_p)]


class Variability(Structure):
    _fields_ = [("param", c_char_p), ("summary", c_char_p), ("source", c_char_p),
                ("hypothesis", c_char_p), ("evidence", c_char_p)]


class EventInfo(Structure):
    _fields_ = [("time_h", c_double), ("kind", c_int), ("input", c_char_p),
                ("treatment", c_char_p), ("amount", c_double), ("level", c_double),
                ("duration_h", c_double)]


class Patient(Structure):
    _fields_ = [("seed", c_ulonglong), ("id", c_ulonglong), ("weight_kg", c_double),
                ("draw_missed", c_int)]


class Criterion(Structure):
    _fields_ = [("name", c_char_p), ("min", c_double), ("max", c_double)]


class SimStats(Structure):
    _fields_ = [("steps", c_long), ("rhs_evals", c_long), ("jac_evals", c_long),
                ("restarts", c_long), ("courses", c_long), ("decisions", c_long)]


PROGRESS = CFUNCTYPE(None, c_void_p, c_size_t, c_size_t, c_double)
TRANSFER = CFUNCTYPE(c_int, c_void_p, c_int, c_void_p, c_size_t)


class TrialOptions(Structure):
    _fields_ = [("threads", c_int), ("progress", PROGRESS), ("ud", c_void_p),
                ("stop", POINTER(c_int)), ("set_param", POINTER(c_int)),
                ("set_value", POINTER(c_double)), ("n_set", c_size_t),
                ("out_dir", c_char_p), ("resume", c_int), ("rank", c_int),
                ("nranks", c_int), ("send", TRANSFER), ("recv", TRANSFER),
                ("xud", c_void_p), ("check_records", c_int),
                ("force_param", POINTER(c_int)), ("force_value", POINTER(c_double)),
                ("n_force", c_size_t), ("seed", POINTER(c_ulonglong)), ("batch", c_int)]


class ParamRange(Structure):
    _fields_ = [("low", c_double), ("high", c_double), ("log", c_int), ("declared", c_int),
                ("why", c_char_p)]


class SensitivityOptions(Structure):
    _fields_ = [("method", c_int), ("trajectories", c_int), ("levels", c_int),
                ("samples", c_int), ("bootstrap", c_int), ("params", POINTER(c_char_p)),
                ("nparams", c_size_t), ("patients_per_arm", c_long), ("seed", c_ulonglong),
                ("threads", c_int), ("progress", PROGRESS), ("ud", c_void_p),
                ("stop", POINTER(c_int)), ("tipping", c_int), ("journal", c_char_p),
                ("resume", c_int), ("rank", c_int), ("nranks", c_int), ("send", TRANSFER),
                ("recv", TRANSFER), ("xud", c_void_p), ("batch", c_int)]


class SensitivityIndex(Structure):
    _fields_ = [("mu_star", c_double), ("mu_star_lo", c_double), ("mu_star_hi", c_double),
                ("mu", c_double), ("sigma", c_double), ("s1", c_double), ("s1_lo", c_double),
                ("s1_hi", c_double), ("st", c_double), ("st_lo", c_double), ("st_hi", c_double),
                ("at_low", c_double), ("at_high", c_double), ("tipping", c_double),
                ("tipping_where", c_int)]


# ------------------------------------------------------------ prototypes

_P = c_void_p  # every opaque handle
_S = c_int     # ms_status


def _proto(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


_proto("ms_version", c_char_p)
_proto("ms_struct_size", c_size_t, c_char_p)
_proto("ms_strerror", c_char_p, _S)
_proto("ms_context_new", _S, POINTER(_P), c_void_p)
_proto("ms_context_free", None, _P)
_proto("ms_errmsg", c_char_p, _P)
_proto("ms_model_load", _S, _P, c_char_p, POINTER(_P))
_proto("ms_model_free", None, _P)
_proto("ms_model_name", c_char_p, _P)
_proto("ms_model_description", c_char_p, _P)
_proto("ms_model_time_unit", c_double, _P)
_proto("ms_model_count", c_size_t, _P, c_int)
_proto("ms_model_symbol", _S, _P, c_int, c_size_t, POINTER(Symbol))
_proto("ms_model_find", c_int, _P, c_int, c_char_p)
_proto("ms_model_variability_count", c_size_t, _P)
_proto("ms_model_variability", _S, _P, c_size_t, POINTER(Variability))
_proto("ms_model_param_note", c_char_p, _P, c_size_t, c_int, c_char_p)
_proto("ms_model_variability_note", c_char_p, _P, c_size_t, c_int, c_char_p)
_proto("ms_model_variability_summary", c_char_p, _P, c_size_t, c_char_p)
_proto("ms_model_body_weight", c_int, _P)
_proto("ms_model_compile_native", _S, _P, _P)
_proto("ms_cohort_draw", _S, _P, _P, c_ulonglong, c_ulonglong, POINTER(c_double))
_proto("ms_events_free", None, _P)
_proto("ms_events_count", c_size_t, _P)
_proto("ms_events_get", _S, _P, c_size_t, POINTER(EventInfo))
_proto("ms_protocol_read", _S, _P, c_char_p, POINTER(_P))
_proto("ms_protocol_free", None, _P)
_proto("ms_protocol_name", c_char_p, _P)
_proto("ms_protocol_description", c_char_p, _P)
_proto("ms_protocol_days", c_double, _P)
_proto("ms_protocol_compile", _S, _P, _P, _P, POINTER(Patient), POINTER(_P))
_proto("ms_protocol_load", _S, _P, _P, c_char_p, POINTER(Patient), POINTER(_P))
_proto("ms_sim_new", _S, _P, _P, POINTER(_P))
_proto("ms_sim_free", None, _P)
_proto("ms_sim_set_tolerances", _S, _P, c_double, c_double)
_proto("ms_sim_set_method", _S, _P, c_int)
_proto("ms_method_from_name", c_int, c_char_p)
_proto("ms_sim_set_param", _S, _P, c_size_t, c_double)
_proto("ms_sim_set_params", _S, _P, POINTER(c_double))
_proto("ms_sim_output_count", c_size_t, _P)
_proto("ms_sim_output_name", c_char_p, _P, c_size_t)
_proto("ms_sim_run", _S, _P, _P, POINTER(c_double), c_size_t, POINTER(c_double))
_proto("ms_sim_rows_done", c_size_t, _P)
_proto("ms_sim_initial", _S, _P, POINTER(c_double))
_proto("ms_sim_observe", _S, _P, c_double, POINTER(c_double), POINTER(c_double))
_proto("ms_sim_baseline", _S, _P, c_char_p, POINTER(c_double))
_proto("ms_scenario_load", _S, _P, c_char_p, POINTER(_P))
_proto("ms_scenario_free", None, _P)
_proto("ms_scenario_model", _P, _P)
_proto("ms_scenario_compile_native", _S, _P, _P)
_proto("ms_scenario_arm_count", c_size_t, _P)
_proto("ms_scenario_arm_name", c_char_p, _P, c_size_t)
_proto("ms_trial_run", _S, _P, _P, POINTER(TrialOptions), POINTER(_P))
_proto("ms_trial_run_counterpart", _S, _P, _P, POINTER(TrialOptions))
_proto("ms_trial_free", None, _P)
_proto("ms_trial_write", _S, _P, _P, c_char_p)
_proto("ms_trial_finish", _S, _P, _P)
_proto("ms_trial_interrupted", c_int, _P)
_proto("ms_trial_counts", None, _P, POINTER(c_long), POINTER(c_long), POINTER(c_long))
_proto("ms_report_write", _S, _P, _P, c_char_p, c_char_p, c_char_p)
_proto("ms_model_claim_count", c_size_t, _P)
_proto("ms_sensitivity_run", _S, _P, _P, POINTER(SensitivityOptions), POINTER(_P))
_proto("ms_sensitivity_free", None, _P)
_proto("ms_sensitivity_param_count", c_size_t, _P)
_proto("ms_sensitivity_param", c_char_p, _P, c_size_t, POINTER(ParamRange), POINTER(c_double))
_proto("ms_sensitivity_answer_count", c_size_t, _P)
_proto("ms_sensitivity_answer", c_char_p, _P, c_size_t, POINTER(c_double))
_proto("ms_sensitivity_index_get", _S, _P, c_size_t, c_size_t, POINTER(SensitivityIndex))
_proto("ms_sensitivity_counts", None, _P, POINTER(c_size_t), POINTER(c_size_t), POINTER(c_int),
       POINTER(c_double))
_proto("ms_sensitivity_write_lang", _S, _P, _P, c_char_p, c_char_p)

for _name, _cls in (("ms_symbol", Symbol), ("ms_variability", Variability),
                    ("ms_event_info", EventInfo), ("ms_patient", Patient),
                    ("ms_criterion", Criterion), ("ms_sim_stats", SimStats),
                    ("ms_trial_options", TrialOptions), ("ms_param_range", ParamRange),
                    ("ms_sensitivity_options", SensitivityOptions),
                    ("ms_sensitivity_index", SensitivityIndex)):
    if lib.ms_struct_size(_name.encode()) != ctypes.sizeof(_cls):
        raise ImportError(
            "moodsim: %s is %d bytes in the library and %d in this package; the "
            "package and libmoodsim (%s) are of different versions" %
            (_name, lib.ms_struct_size(_name.encode()), ctypes.sizeof(_cls),
             lib.ms_version().decode()))

MS_OK = 0
MS_STOPPED = 1
MS_ERR_SOLVER = -7
STATE, PARAM, INPUT, RULE, OBSERVABLE = range(5)
