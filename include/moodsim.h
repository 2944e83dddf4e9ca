/*
 * moodsim.h — the whole public API of libmoodsim.
 *
 * moodsim simulates mechanistic models (ordinary differential equations read
 * from a YAML model file) under dosing and stimulation calendars.  Everything
 * a program needs is declared here; nothing else is installed.
 *
 * Conventions (they hold for every function below):
 *   - Every name starts with ms_ / MS_.  Handles are opaque.
 *   - Functions that can fail return ms_status: 0 (MS_OK) is success, negative
 *     values are errors, positive values are informational.  The detailed
 *     message of the last failure ("file:line:col: what was expected") is kept
 *     on the ms_context the call was made with: ms_errmsg(ctx).
 *   - The library never prints, never exits and never aborts.
 *   - Ownership: a function named *_new or *_load allocates; the matching
 *     *_free releases, and accepts NULL.  A `const char *` returned by an
 *     accessor is owned by the handle it came from and stays valid until that
 *     handle is freed.
 *   - Threads: an ms_context, and every handle created with it, must be used
 *     by one thread at a time.  A loaded ms_model is immutable and may be
 *     shared by simulators created from other contexts in other threads,
 *     provided it outlives them.
 *   - Time in the engine is in hours.
 */
#ifndef MOODSIM_H
#define MOODSIM_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MS_BUILDING_LIBRARY) && defined(__GNUC__)
#define MS_API __attribute__((visibility("default")))
#else
#define MS_API
#endif

#define MS_VERSION_MAJOR 0
#define MS_VERSION_MINOR 1
#define MS_VERSION_PATCH 0
#define MS_VERSION "0.1.0"

/* Returns MS_VERSION of the library actually linked. Static string. */
MS_API const char *ms_version(void);
/* sizeof of a public struct by name ("ms_symbol", "ms_variability",
 * "ms_event_info", "ms_patient", "ms_criterion", "ms_sim_stats",
 * "ms_trial_options"), or 0 if unknown: a binding that mirrors the structs
 * (python/moodsim) checks its layout against the library it loaded. */
MS_API size_t ms_struct_size(const char *name);

/* ---------------------------------------------------------------- status */

/* One list, expanded into the enum and into ms_strerror(). */
#define MS_STATUS_LIST(X)                                                                          \
    X(MS_OK, 0, "ok")                                                                              \
    X(MS_STOPPED, 1, "stopped on request")                                                         \
    X(MS_ERR_NOMEM, -1, "out of memory")                                                           \
    X(MS_ERR_IO, -2, "cannot read or write a file")                                                \
    X(MS_ERR_SYNTAX, -3, "malformed input file")                                                   \
    X(MS_ERR_MODEL, -4, "invalid model")                                                           \
    X(MS_ERR_PROTOCOL, -5, "invalid protocol")                                                     \
    X(MS_ERR_ARG, -6, "invalid argument")                                                          \
    X(MS_ERR_SOLVER, -7, "numerical integration failed")                                           \
    X(MS_ERR_LIMIT, -8, "input exceeds a size limit")                                              \
    X(MS_ERR_WRITE, -9, "cannot write an output file")

typedef enum {
#define MS_X_ENUM(name, value, text) name = value,
    MS_STATUS_LIST(MS_X_ENUM)
#undef MS_X_ENUM
} ms_status;

/* Short static description of a status code ("invalid model"). Never NULL. */
MS_API const char *ms_strerror(ms_status code);

/* --------------------------------------------------------------- context */

/* Replaceable allocator.  realloc(ud, NULL, n) must behave as malloc(n);
 * free(ud, NULL) must be harmless.  Used for every allocation the library
 * makes itself (libyaml, libSBML and SUNDIALS use their own). */
typedef struct ms_allocator {
    void *(*realloc)(void *ud, void *ptr, size_t size);
    void (*free)(void *ud, void *ptr);
    void *ud;
} ms_allocator;

typedef struct ms_context ms_context;

/* Creates a context.  `alloc` may be NULL (the C library's allocator); when
 * given, it is copied.  The caller frees the context with ms_context_free()
 * after every handle created with it. */
MS_API ms_status ms_context_new(ms_context **out, const ms_allocator *alloc);
MS_API void ms_context_free(ms_context *ctx);

/* The detailed message of the last failure on this context, e.g.
 * "model.yaml:12:9: unknown symbol 'kel' in the ODE of 'A' (did you mean 'k_el'?)".
 * Owned by the context; valid until the next call that uses it.  "" when the
 * last call succeeded. */
MS_API const char *ms_errmsg(const ms_context *ctx);
/* Status of the last call made with this context. */
MS_API ms_status ms_errcode(const ms_context *ctx);

/* A file written whole or not at all, as the library writes its own: the
 * text goes to a temporary file beside `path` (*f, to write with stdio);
 * ms_output_close(keep nonzero) syncs it and renames it over path, or
 * removes it (keep zero, or after a write error: MS_ERR_WRITE), leaving
 * path as it was.  A symlink at path is replaced, not followed.  Path "-"
 * writes to standard output.  The ms_output owns the temporary file until
 * ms_output_close, which frees it. */
typedef struct ms_output ms_output;
MS_API ms_status ms_output_open(ms_context *ctx, const char *path, ms_output **out, FILE **f);
MS_API ms_status ms_output_close(ms_context *ctx, ms_output *o, int keep);

/* ----------------------------------------------------------------- model */

typedef struct ms_model ms_model;

typedef enum {
    MS_STATE = 0,      /* a variable with an ODE */
    MS_PARAM = 1,      /* a constant with a value, a unit and a source or hypothesis */
    MS_INPUT = 2,      /* a quantity a protocol drives (rate, level or bolus target) */
    MS_RULE = 3,       /* a named intermediate quantity (assignment rule) */
    MS_OBSERVABLE = 4, /* an output such as a symptom score */
    MS_SYMKIND_COUNT = 5
} ms_symkind;

typedef enum {
    MS_INPUT_RATE = 0,  /* zero-order infusion rate: doses give amount over a duration */
    MS_INPUT_LEVEL = 1, /* piecewise-constant level (e.g. a stimulation switch) */
    MS_INPUT_BOLUS = 2  /* an amount added at once to a target state */
} ms_input_kind;

/* Description of one symbol.  Pointers are owned by the model; fields that do
 * not apply to the symbol's kind are NULL (strings) or 0. */
typedef struct ms_symbol {
    const char *name;
    const char *unit;         /* "1" for dimensionless */
    const char *description;  /* may be NULL */
    const char *expr;         /* ODE right-hand side (states), formula (rules,
                                 observables), initial-value formula is `init` */
    const char *init;         /* states: initial value as written */
    double value;             /* parameters: nominal value; inputs: default level */
    const char *source;       /* parameters: citation, or NULL */
    const char *hypothesis;   /* parameters: what is assumed, or NULL */
    const char *evidence;     /* parameters: evidence level, or NULL */
    const char *contested;    /* parameters: note on disagreement, or NULL */
    ms_input_kind input_kind; /* inputs */
    int target;               /* bolus inputs: index of the target state */
    int line, column;         /* where the symbol is defined (1-based) */
    double abs_tol;           /* states: floor of the absolute tolerance, in the
                                 state's unit (abs_tol: in the model), or 0 */
    int claim;                /* parameters: 1 if the strength of a claim without
                                 human evidence (as_claimed: in the model); its
                                 null value is 0 */
    double as_claimed;        /* parameters with claim = 1: the value under which
                                 the claim would hold */
    int non_negative;         /* states: 1 if the quantity cannot be negative
                                 (non_negative: true); the solver keeps it >= 0 */
    const char *latent_class; /* observables: a latent class of the patient (class:
                                 in the model): what the patient is when the
                                 observable is 1 (e.g. "can respond to TMS"), or
                                 NULL */
} ms_symbol;

/* Loads, checks and compiles a model file (YAML; see docs/model-format.md).
 * On success *out owns the model; free it with ms_model_free().  On failure
 * *out is NULL and ms_errmsg(ctx) names the file, line and column. */
MS_API ms_status ms_model_load(ms_context *ctx, const char *path, ms_model **out);
/* The same from text in memory; `name` is used in messages. */
MS_API ms_status ms_model_load_string(ms_context *ctx, const char *name, const char *text,
                                      size_t len, ms_model **out);
MS_API void ms_model_free(ms_model *model);
/* Writes a copy of the model file at model_path to out_path with the value:
 * of each named parameter replaced by values[i] (the shortest decimal that
 * reads back exactly), changing nothing else -- comments, sources and layout
 * stay as written (e.g. to use the values a calibration re-derived).  Each
 * value must be written as a plain number in the file.  The new text must
 * load as a model before it is written; it then replaces out_path only when
 * completely written (through a temporary file beside it), so out_path may
 * be model_path and a failed write leaves it as it was. */
MS_API ms_status ms_model_write_values(ms_context *ctx, const char *model_path,
                                       const char *out_path, const char *const *names,
                                       const double *values, size_t n);
/* Compiles the model's right-hand side and Jacobian to machine code with the
 * system C compiler (`cc -O2`; about 60 ms) and loads it: every simulator of
 * the model then runs it instead of the bytecode, with bit-for-bit the same
 * results, several times faster per evaluation (worth it for trials, not for
 * one short simulation).  Call it before creating simulators, not while
 * simulations of the model run.  MS_ERR_IO (and the reason in ms_errmsg)
 * if there is no C compiler or it fails; the model keeps its bytecode. */
MS_API ms_status ms_model_compile_native(ms_context *ctx, ms_model *model);
/* Nonzero if the model runs as machine code (ms_model_compile_native). */
MS_API int ms_model_native(const ms_model *model);

MS_API const char *ms_model_name(const ms_model *model);
/* Hours in one unit of the model's time: 1 for a model file (hours); for
 * SBML, from its declared time unit (Level 3 timeUnits; seconds in Levels
 * 1 and 2 unless a unit definition "time" says otherwise); NAN if an SBML
 * model declares none.  Simulation times (ms_sim_run) are in the model's
 * unit; the command converts --days and labels its time column in hours. */
MS_API double ms_model_time_unit(const ms_model *model);
MS_API const char *ms_model_description(const ms_model *model); /* may be "" */
/* In language `lang` ("ja": the file's ja: description) where the file
 * gives one, else the default (English) one. */
MS_API const char *ms_model_description_lang(const ms_model *model, const char *lang);
/* The notes of a parameter's (or a distribution's) evidence. */
typedef enum {
    MS_NOTE_SOURCE = 0,     /* the citation (source:) */
    MS_NOTE_HYPOTHESIS = 1, /* what is assumed (hypothesis:) */
    MS_NOTE_CONTESTED = 2   /* the disagreement (contested:; parameters only) */
} ms_note;
/* Parameter i's note `which` in language `lang` ("ja": the parameter's ja:
 * text where the file gives one), else the English note (the same string as
 * ms_symbol's); NULL if the parameter has no such note or i is out of range.
 * Owned by the model. */
MS_API const char *ms_model_param_note(const ms_model *model, size_t i, ms_note which,
                                       const char *lang);
/* The same for distribution i (ms_model_variability). */
MS_API const char *ms_model_variability_note(const ms_model *model, size_t i, ms_note which,
                                             const char *lang);
/* Distribution i in words (ms_variability.summary) in language `lang`
 * ("ja": Japanese; else English); NULL if out of range.  Owned by the model. */
MS_API const char *ms_model_variability_summary(const ms_model *model, size_t i, const char *lang);
/* The plausible values of parameter i, for a sensitivity analysis: the
 * model file's range: {low:, high:, log:, why:} if it declares one (declared
 * = 1), else the documented default -- a claim's strength from 0 to twice
 * as-claimed; any other value from half to twice itself on a log scale (a
 * value of 0 has none: low = high = 0).  why is owned by the model. */
typedef struct ms_param_range {
    double low, high;
    int log;      /* vary on a log scale */
    int declared; /* the model file's range: */
    const char *why;
} ms_param_range;
MS_API ms_status ms_model_param_range(const ms_model *model, size_t i, ms_param_range *out);
/* Which parameters the value of observable (or state) i depends on, through
 * every state it reads and their ODEs, initial values and events:
 * params[j] = 1 for each (the model's parameter count of bytes). */
MS_API ms_status ms_model_dependencies(const ms_model *model, ms_symkind kind, size_t i,
                                       unsigned char *params);
MS_API size_t ms_model_count(const ms_model *model, ms_symkind kind);
/* How many parameters are the strengths of claims (as_claimed:; ms_symbol.claim). */
MS_API size_t ms_model_claim_count(const ms_model *model);
/* Fills *out for symbol i of `kind`.  MS_ERR_ARG if out of range. */
MS_API ms_status ms_model_symbol(const ms_model *model, ms_symkind kind, size_t i, ms_symbol *out);
/* Index of the symbol `name` of `kind`, or -1. */
MS_API int ms_model_find(const ms_model *model, ms_symkind kind, const char *name);
/* Writes the model as SBML Level 3 Version 2 (checked by libSBML's
 * consistency check): every quantity a parameter, each state with a rate
 * rule and an initial assignment, rules and observables as assignment rules,
 * inputs as parameters at their default level; each parameter's unit,
 * source or hypothesis and evidence level kept as an annotation.  Bolus
 * inputs and protocols are not part of the SBML. */
MS_API ms_status ms_model_export_sbml(ms_context *ctx, const ms_model *model, const char *path);

/* Number of nonzero entries of the exact Jacobian (structural). */
MS_API size_t ms_model_jacobian_nnz(const ms_model *model);

/* Between-patient variability declared by the model (variability: section). */
typedef struct ms_variability {
    const char *param;   /* the parameter that varies */
    const char *summary; /* "lognormal(median 1, cv 0.5) truncated to [0, 10]" */
    const char *source, *hypothesis, *evidence; /* as for parameters */
} ms_variability;

MS_API size_t ms_model_variability_count(const ms_model *model);
MS_API ms_status ms_model_variability(const ms_model *model, size_t i, ms_variability *out);
/* Index of the parameter giving body weight in kg (body_weight:), or -1. */
MS_API int ms_model_body_weight(const ms_model *model);

/* ---------------------------------------------------------------- cohort */

/* Draws the parameters of candidate patient `candidate` of a cohort with
 * seed `seed` into params[0 .. ms_model_count(model, MS_PARAM) - 1]: nominal
 * values, with every varying parameter drawn from its distribution
 * (correlated through a Gaussian copula, truncated by rejection).  The draw
 * depends only on (seed, candidate), never on other patients, threads or
 * order.  MS_ERR_LIMIT if a truncation rejects 1000 draws in a row. */
MS_API ms_status ms_cohort_draw(ms_context *ctx, const ms_model *model, unsigned long long seed,
                                unsigned long long candidate, double *params);

/* A patient profile ("a patient like mine": a scenario's patient:, moodsim
 * ask, moodsim simulate) conditions virtual patients by windows on baseline
 * values: the symptom score within MS_PROFILE_SCORE_POINTS points of the
 * profile's, any other value within a factor of MS_PROFILE_RATIO. */
#define MS_PROFILE_SCORE_POINTS 2.0
#define MS_PROFILE_RATIO 1.25
/* The model's placebo_scale for a patient with `failed_trials` failed
 * adequate antidepressant trials: 2 or more is treatment-resistant
 * depression (McIntyre RS et al. 2023, World Psychiatry 22:394-412), for
 * which the flagship model hypothesises 0.4; one failed trial 0.7 (halfway,
 * also a hypothesis); none 1. */
MS_API double ms_profile_placebo_scale(double failed_trials);

/* An inclusion criterion on a baseline value (at t = 0): an observable, a
 * state or a parameter named `name`, with min <= value <= max (use
 * -INFINITY / INFINITY for an open side). */
typedef struct ms_criterion {
    const char *name;
    double min, max;
} ms_criterion;

/* ---------------------------------------------------------------- events */

/* A dosing and stimulation table for one patient: bolus doses, zero-order
 * infusions and piecewise-constant levels, each at a known time.  The engine
 * stops exactly at every time in it.  A table made without a model (to show
 * or export a protocol) names its inputs but cannot be simulated. */
typedef struct ms_events ms_events;

typedef enum { MS_EVENT_BOLUS = 0, MS_EVENT_PULSE = 1 } ms_event_kind;

typedef struct ms_event_info {
    double time_h; /* start, hours from the protocol's start */
    ms_event_kind kind;
    const char *input;     /* the model input it drives */
    const char *treatment; /* the protocol treatment it comes from, or NULL */
    double amount;         /* bolus: amount; pulse: level x duration (amount infused) */
    double level;          /* pulse: the level (for rate inputs, the rate); bolus: 0 */
    double duration_h;     /* pulse: duration (INFINITY: to the end); bolus: 0 */
} ms_event_info;

/* `model` may be NULL: the table then holds input names only. */
MS_API ms_status ms_events_new(ms_context *ctx, const ms_model *model, ms_events **out);
MS_API void ms_events_free(ms_events *ev);
/* Adds `amount` to the target state of bolus input `input` at time t_h. */
MS_API ms_status ms_events_bolus(ms_events *ev, double t_h, int input, double amount);
/* Raises input `input` (rate or level) by `level` from t_h for duration_h hours
 * (INFINITY: to the end).  Overlapping pulses add. */
MS_API ms_status ms_events_pulse(ms_events *ev, double t_h, int input, double level,
                                 double duration_h);
/* Zero-order infusion of `amount` over duration_h > 0 on rate input `input`:
 * a pulse of level amount/duration_h. */
MS_API ms_status ms_events_infusion(ms_events *ev, double t_h, int input, double amount,
                                    double duration_h);
MS_API size_t ms_events_count(const ms_events *ev);
/* Event i in time order (the table is sorted by the protocol compiler; a
 * table built by hand is in insertion order).  Strings are owned by the table. */
MS_API ms_status ms_events_get(const ms_events *ev, size_t i, ms_event_info *out);

typedef enum {
    MS_EVENTS_CSV =
        0, /* time_h,day,date,weekday,clock,treatment,input,kind,amount,level,duration_h */
    MS_EVENTS_NONMEM = 1 /* ID,TIME,EVID,CMT,AMT,RATE (after one '#' line mapping CMT to inputs) */
} ms_events_format;
/* Writes the table to `path` ("-": standard output).  `id` is the patient ID
 * written in the NONMEM ID column. */
MS_API ms_status ms_events_write(ms_context *ctx, const ms_events *ev, const char *path,
                                 ms_events_format format, long id);
/* Reads the doses of patient `id` from a NONMEM-style CSV with columns
 * ID,TIME,EVID,CMT,AMT,RATE and optionally ADDL, II, SS, DV, MDV, where CMT
 * is the 1-based index of a model input (as written by ms_events_write with
 * a model).  RATE > 0 gives a pulse of that level lasting AMT/RATE hours;
 * RATE 0 a bolus; ADDL more doses follow every II hours.  EVID 1 is a dose,
 * EVID 0 and 2 are skipped; EVID 3 and 4 (resets), SS other than 0, another
 * column (a covariate would be ignored), a table without a dose, and (id <
 * 0: the file's patient) a second ID are refused with file, line and
 * column.  With id >= 0 the other IDs' rows are skipped. */
MS_API ms_status ms_events_read_nonmem(ms_context *ctx, const ms_model *model, const char *path,
                                       long id, ms_events **out);

/* --------------------------------------------------------------- protocol */

/* A treatment protocol as calendar rules (see docs/protocol-format.md): a
 * start date, phases, treatments with recurrence rules, times of day,
 * durations, doses with units, ordering constraints ("starts when that
 * day's TMS session ends"), skipped dates and a per-session probability of
 * being missed.  Immutable once read; may be shared across threads. */
typedef struct ms_protocol ms_protocol;

/* The patient a protocol is compiled for.  When draw_missed is nonzero,
 * missed sessions are drawn from a random stream keyed by (seed, id) alone, so
 * a patient's calendar does not depend on the cohort size, threads or order;
 * when zero, every session is given (the protocol as written).  weight_kg is
 * needed by doses in mg/kg; NAN if unknown. */
typedef struct ms_patient {
    unsigned long long seed;
    unsigned long long id;
    double weight_kg;
    int draw_missed;
} ms_patient;

/* Reads and checks a protocol file (model-independent checks: rules that
 * produce no event, overlapping sessions of one device, infusions that cannot
 * finish before the next starts, ordering constraints without an anchor).
 * The caller frees *out with ms_protocol_free(). */
MS_API ms_status ms_protocol_read(ms_context *ctx, const char *path, ms_protocol **out);
MS_API void ms_protocol_free(ms_protocol *p);
MS_API const char *ms_protocol_name(const ms_protocol *p);
MS_API const char *ms_protocol_description(const ms_protocol *p); /* may be "" */
/* The description in language `lang` ("ja": the file's ja: description)
 * where the file gives one, else the default (English) one. */
MS_API const char *ms_protocol_description_lang(const ms_protocol *p, const char *lang);
/* Length in days. */
MS_API double ms_protocol_days(const ms_protocol *p);
/* Start date "YYYY-MM-DD" (or "" if the protocol gives only a weekday) and
 * start weekday (0 = Monday). */
MS_API const char *ms_protocol_start_date(const ms_protocol *p);
MS_API int ms_protocol_start_weekday(const ms_protocol *p);
MS_API size_t ms_protocol_treatment_count(const ms_protocol *p);
/* Name of treatment i and a one-line summary of it ("session 30 min at 09:00
 * on Mon-Fri in weeks 0-6, ..."), owned by the protocol. */
MS_API const char *ms_protocol_treatment_name(const ms_protocol *p, size_t i);
MS_API const char *ms_protocol_treatment_summary(const ms_protocol *p, size_t i);
/* The same summary in language `lang` ("ja": Japanese; else English). */
MS_API const char *ms_protocol_treatment_summary_lang(const ms_protocol *p, size_t i,
                                                      const char *lang);

/* Decision rules (rules:; docs/protocol-format.md): how many, rule i's
 * name, and rule i in words -- at which assessments, on what condition,
 * what it stops and which course it starts, and its limits -- in language
 * `lang` ("ja": Japanese; else English).  Owned by the protocol. */
MS_API size_t ms_protocol_rule_count(const ms_protocol *p);
MS_API const char *ms_protocol_rule_name(const ms_protocol *p, size_t i);
MS_API const char *ms_protocol_rule_summary_lang(const ms_protocol *p, size_t i, const char *lang);

/* Compiles the protocol into the sorted event table of one patient.  With a
 * model, every input is resolved and checked (kind and unit); without one
 * (model NULL) the table only names its inputs.  patient NULL means "as
 * written": no missed sessions, no body weight. */
MS_API ms_status ms_protocol_compile(ms_context *ctx, const ms_protocol *p, const ms_model *model,
                                     const ms_patient *patient, ms_events **out);

/* The same into an existing table (from ms_events_new with the same context;
 * its model is the one checked against), replacing its events and keeping
 * its storage: a loop over patients allocates nothing once the table has
 * grown.  On failure the table is left empty. */
MS_API ms_status ms_protocol_compile_into(ms_context *ctx, const ms_protocol *p,
                                          const ms_patient *patient, ms_events *ev);

/* Convenience: ms_protocol_read + ms_protocol_compile(patient; NULL = as
 * written).  A path ending in ".csv" is read as NONMEM-style doses
 * (ms_events_read_nonmem; the patient is then not used). */
MS_API ms_status ms_protocol_load(ms_context *ctx, const ms_model *model, const char *path,
                                  const ms_patient *patient, ms_events **out);

/* ------------------------------------------------------------- simulator */

typedef struct ms_sim ms_sim;

/* A simulator: an integrator (CVODE's BDF unless ms_sim_set_method says
 * otherwise; the model's exact Jacobian, a dense or sparse direct solver)
 * and every workspace one run needs, allocated once and reused by every
 * run.  `model` must outlive the simulator. */
MS_API ms_status ms_sim_new(ms_context *ctx, const ms_model *model, ms_sim **out);
MS_API void ms_sim_free(ms_sim *sim);

/* Relative and absolute tolerances (defaults 1e-6 and 1e-9).  The absolute
 * tolerance of a state is atol * max(1, the largest magnitude the state has
 * reached in the run so far, checked at every restart): a quantity counted
 * in billions is not followed down to 1e-9 after it clears.  A state whose
 * model gives `abs_tol:` never gets a finer absolute tolerance than that
 * (in its own unit): the modeller's statement that a fast compartment need
 * not be resolved more finely than its effect on the rest requires. */
MS_API ms_status ms_sim_set_tolerances(ms_sim *sim, double rtol, double atol);
/* Maximum internal steps between two stops (default 100000). */
MS_API ms_status ms_sim_set_max_steps(ms_sim *sim, long max_steps);

/* The integration method.  Both restart at every discontinuity of the
 * protocol and reach the requested tolerances; they differ in cost.
 *   MS_METHOD_BDF  (default) CVODE's variable-order BDF: cheap steps, but
 *                  each restart begins again at order 1 with tiny steps.
 *   MS_METHOD_DIRK ARKODE's 8-stage L-stable diagonally implicit
 *                  Runge-Kutta method of order 5 (ARK5(4)8L[2]SA): costlier
 *                  steps, but a restart loses nothing, so it takes far
 *                  fewer steps on protocols with many doses or sessions
 *                  (bench/README.md has the measurements). */
typedef enum ms_method { MS_METHOD_BDF = 0, MS_METHOD_DIRK = 1 } ms_method;
/* Switches the method for the following runs (tolerances and step limit are
 * kept).  MS_ERR_ARG for an unknown method. */
MS_API ms_status ms_sim_set_method(ms_sim *sim, ms_method method);
MS_API ms_method ms_sim_method(const ms_sim *sim);
/* "bdf" or "dirk" -> the method; -1 for any other name. */
MS_API int ms_method_from_name(const char *name);
MS_API const char *ms_method_name(ms_method method);
/* Sets parameter i for the following runs (the model's nominal values are the
 * starting point).  MS_ERR_ARG if i is out of range or v is not finite. */
MS_API ms_status ms_sim_set_param(ms_sim *sim, size_t i, double v);
MS_API double ms_sim_param(const ms_sim *sim, size_t i);

/* Number of output columns per time point: states then observables. */
MS_API size_t ms_sim_output_count(const ms_sim *sim);
/* Name of output column j (owned by the model). */
MS_API const char *ms_sim_output_name(const ms_sim *sim, size_t j);

/* Simulates from t = 0 with the initial values of the current parameters,
 * applying `events` (may be NULL), and writes the outputs at each of the
 * n_times times (non-decreasing, >= 0) into out[k * ms_sim_output_count + j].
 * At a time that coincides with an event the value after the event is given.
 * On MS_ERR_SOLVER the rows before the failure are written and
 * ms_sim_rows_done() says how many; the simulator stays usable. */
MS_API ms_status ms_sim_run(ms_sim *sim, const ms_events *events, const double *times,
                            size_t n_times, double *out);
MS_API size_t ms_sim_rows_done(const ms_sim *sim);
/* The events the last run gave.  A table compiled from a protocol with
 * decision rules (rules:, docs/protocol-format.md) is not only a calendar:
 * ms_sim_run stops at each of the protocol's assessments, evaluates its
 * rules on the patient's observables there, and follows its own copy of the
 * table with the courses they started and without the treatments they
 * stopped (the caller's table is not changed; the protocol must outlive
 * it).  This returns that copy -- owned by the simulator, valid until its
 * next run -- or, for any other table, the one passed in. */
MS_API const ms_events *ms_sim_events(const ms_sim *sim);

/* Sets every parameter at once (length = number of parameters). */
MS_API ms_status ms_sim_set_params(ms_sim *sim, const double *params);
/* Evaluates the observables at (t, y) with every input at its default level
 * into obs (length = number of observables). */
MS_API ms_status ms_sim_observe(ms_sim *sim, double t, const double *y, double *obs);
/* The baseline value of `name` (observable, state or parameter) at t = 0 for
 * the current parameters; MS_ERR_ARG if no such name. */
MS_API ms_status ms_sim_baseline(ms_sim *sim, const char *name, double *value);

/* Initial state vector (length = number of states) for the current parameters. */
MS_API ms_status ms_sim_initial(ms_sim *sim, double *y0);
/* Right-hand side and exact Jacobian (row-major n x n, jac[i*n+j] = dfi/dyj)
 * at (t, y) with every input at its default level. */
MS_API ms_status ms_sim_rhs(ms_sim *sim, double t, const double *y, double *ydot);
MS_API ms_status ms_sim_jacobian(ms_sim *sim, double t, const double *y, double *jac);

typedef struct ms_sim_stats {
    long steps;     /* the integrator's internal steps */
    long rhs_evals; /* right-hand-side evaluations */
    long jac_evals; /* Jacobian evaluations */
    long restarts;  /* solver re-initialisations at discontinuities */
    long courses;   /* courses started by the protocol's decision rules */
    long decisions; /* times a decision rule acted (stopped or started something) */
} ms_sim_stats;
/* Counters of the last run. */
MS_API void ms_sim_stats_get(const ms_sim *sim, ms_sim_stats *out);

/* ----------------------------------------------------------------- trial */

/* A scenario (docs/scenario-format.md): a model, arms (each a protocol),
 * patients per arm, seed, randomisation, visits, endpoints, inclusion
 * criteria and subgroups.  Loading it loads and checks the model and every
 * protocol (paths are relative to the scenario file). */
typedef struct ms_scenario ms_scenario;
MS_API ms_status ms_scenario_load(ms_context *ctx, const char *path, ms_scenario **out);
MS_API void ms_scenario_free(ms_scenario *sc);
MS_API const ms_model *ms_scenario_model(const ms_scenario *sc);
/* ms_model_compile_native on the scenario's model (same results, faster
 * trials); on failure the model keeps its bytecode. */
MS_API ms_status ms_scenario_compile_native(ms_context *ctx, ms_scenario *sc);

MS_API const char *ms_scenario_model_path(const ms_scenario *sc);
/* The scenario's seed, and its visits (weeks from the start; visit 0 is
 * baseline). */
MS_API unsigned long long ms_scenario_seed(const ms_scenario *sc);
/* The scenario's solver settings (solver:): tolerances and method; any
 * output may be NULL. */
MS_API void ms_scenario_solver(const ms_scenario *sc, double *rtol, double *atol,
                               ms_method *method);
/* The index of the control arm (the arm others are compared with). */
MS_API size_t ms_scenario_control(const ms_scenario *sc);
/* Comparisons declared with compare: (arm minus versus), and the minimal
 * important difference of the score (analysis: mid:, default 3 HAM-D-17
 * points) against which each is judged. */
MS_API size_t ms_scenario_compare_count(const ms_scenario *sc);
MS_API double ms_scenario_mid(const ms_scenario *sc);
MS_API size_t ms_scenario_visit_count(const ms_scenario *sc);
MS_API double ms_scenario_visit_week(const ms_scenario *sc, size_t visit);
MS_API size_t ms_scenario_arm_count(const ms_scenario *sc);
MS_API const char *ms_scenario_arm_name(const ms_scenario *sc, size_t arm);
/* The protocol file of an arm, or NULL for an untreated arm. */
MS_API const char *ms_scenario_arm_protocol(const ms_scenario *sc, size_t arm);

/* The results of a virtual trial. */
typedef struct ms_trial ms_trial;

typedef struct ms_trial_options {
    int threads; /* 0: all cores */
    /* called from one thread, about twice a second, if not NULL */
    void (*progress)(void *ud, size_t done, size_t total, double seconds);
    void *ud;
    volatile int *stop; /* when *stop becomes nonzero the run stops early (Ctrl-C);
                           what finished is kept and analysed */
    /* parameters set for every patient before the arms' own settings (e.g.
     * population parameters under calibration); may be NULL / 0 */
    const int *set_param;
    const double *set_value;
    size_t n_set;
    /* If not NULL (an existing directory): visits.csv, endpoints.csv and
     * failures.csv are written there as patients finish, with results.bin
     * and a checkpoint from which an interrupted run resumes (removed by
     * ms_trial_finish once every file of the run is written); the directory
     * is locked (flock) while the trial exists, so a second run into it is
     * refused.  A directory holding a checkpoint is refused
     * unless `resume` is set; then the run continues from it (the inputs
     * must be the same files, unchanged), losing and repeating nothing. */
    const char *out_dir;
    int resume;
    /* Several processes (MPI ranks): block b of patients is simulated by
     * rank b mod nranks and sent to rank 0, which alone writes and analyses;
     * the results are the same bytes as one process.  send/recv move `len`
     * bytes to / from rank `peer` and return 0 on success (the caller's
     * transport, e.g. MPI_Send/MPI_Recv); xud is passed to them.  nranks 0
     * or 1: one process. */
    int rank, nranks;
    int (*send)(void *xud, int peer, const void *buf, size_t len);
    int (*recv)(void *xud, int peer, void *buf, size_t len);
    void *xud;
    /* The numerical check (0: none): the first `check_records` patient-arms
     * of the trial are simulated again, each with both integration methods
     * at the scenario's tolerances, and their visit values compared
     * (ms_trial_numerics).  The same records whatever the threads, ranks or
     * resumption, so the figure is reproducible; costs 2 x check_records
     * simulations. */
    int check_records;
    /* Parameters forced for every patient after the arms' own settings (the
     * null / as-claimed counterpart, ms_trial_run_counterpart); may be NULL / 0 */
    const int *force_param;
    const double *force_value;
    size_t n_force;
    /* If not NULL: the seed of this run in place of the scenario's (the
     * cohort, randomisation, protocol variability, bootstrap and power
     * resampling all follow it), e.g. replicate trials of one scenario. */
    const unsigned long long *seed;
    /* Patients integrated together (docs/scenario-format.md, "Patients in
     * batches") in place of the scenario's solver: batch: (0: the
     * scenario's; more than 1 with the bdf method only). */
    int batch;
} ms_trial_options;

/* Screens a cohort, randomises it to the arms (permuted blocks of one
 * patient per arm; or every arm, matched), simulates every patient in every
 * arm it is assigned to (threads over patients; processes over blocks of
 * patients) and analyses the results as they stream past (memory does not
 * grow with the number of patients).  On a rank other than 0 the trial
 * holds no results (its blocks went to rank 0).  A patient whose integration fails is kept apart
 * with its reason; the rest complete.  Returns MS_STOPPED (and a usable partial trial) if stopped
 * early. */
MS_API ms_status ms_trial_run(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                              ms_trial **out);
MS_API void ms_trial_free(ms_trial *t);
/* One patient of the trial `opt` runs on the scenario (opt NULL: the
 * scenario's seed, nothing set or forced): `patient` is the 0-based number
 * of endpoints.csv, arm the arm's index.  The cohort is screened again up to
 * that patient, so params (the model's parameter count) receives exactly
 * the values the trial simulates in that arm (the arm's set: and the run's
 * set and forced values), and *pt the protocol patient (seed, id, body
 * weight, missed sessions drawn): ms_protocol_compile with it and
 * ms_sim_run reproduce the patient's trajectory and the events given. */
MS_API ms_status ms_trial_patient(ms_context *ctx, const ms_scenario *sc,
                                  const ms_trial_options *opt, long patient, size_t arm,
                                  double *params, ms_patient *pt);
/* ---------------------------------------------------- per-arm statistics */

/* Every per-arm statistic of a trial is one row of MS_ARM_STAT_LIST, from
 * which ms_arm_summary's members, the columns of summary.csv, the CLI's
 * table and the report's tables are made (and ms_arm_stat() describes each
 * row to bindings).  Adding a statistic: a row here, its accumulator in the
 * tally and its computation in the analysis (docs/architecture.md).
 *
 * X(key, shape, scope, outputs, (members), csv, scale, unit, digits,
 *   cli_digits, cli, en, ja)
 *   key      the statistic's name (the first value member's name)
 *   shape    MS_SHAPE_*: the members it adds, in order:
 *              COUNT   long x
 *              VALUE   double x
 *              CI      double x, x_lo, x_hi (estimate and its 95 % interval)
 *              CI_P    double x, x_lo, x_hi, x_p (and a two-sided p-value)
 *              SD_CI   double x, x_sd, x_lo, x_hi (a mean, its SD, interval)
 *              N_CI_P  long n; double x, x_lo, x_hi, x_p (n: pairs used)
 *   scope    MS_SCOPE_*: ARM every arm; VS_CONTROL every arm but the
 *            control (a comparison with it: NAN / 0 for the control);
 *            PAIRED as VS_CONTROL, in matched designs only
 *   outputs  where it is shown: MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT
 *   members  the ms_arm_summary member names, one per part of the shape
 *   csv      the summary.csv column names, one per member, comma-separated
 *   scale, unit, digits  shown as value * scale with `digits` decimals and
 *            the unit after the estimate (cli_digits in the CLI's table)
 *   cli, en, ja  the column heading in the CLI, the English and the
 *            Japanese report (an interval shape adds "[95% CI]") */
#define MS_ARM_STAT_LIST(X)                                                                        \
    X(n, COUNT, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT, (n), "n", 1, "", 0, 0, "n", "n",     \
      "n")                                                                                         \
    X(failed, COUNT, ARM, MS_OUT_CSV | MS_OUT_REPORT, (failed), "failed", 1, "", 0, 0, "failed",   \
      "Failed", "失敗")                                                                            \
    X(mean_change, SD_CI, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT,                            \
      (mean_change, mean_change_sd, mean_change_lo, mean_change_hi),                               \
      "mean_change,sd_change,mean_change_lo,mean_change_hi", 1, "", 2, 1, "mean change",           \
      "Mean change", "平均変化量")                                                                 \
    X(response, CI, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT,                                  \
      (response, response_lo, response_hi), "response_rate,response_lo,response_hi", 100, "%", 0,  \
      0, "response", "Response", "反応率")                                                         \
    X(remission, CI, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT,                                 \
      (remission, remission_lo, remission_hi), "remission_rate,remission_lo,remission_hi", 100,    \
      "%", 0, 0, "remission", "Remission", "寛解率")                                               \
    X(diff_change, CI_P, VS_CONTROL, MS_OUT_CSV | MS_OUT_REPORT,                                   \
      (diff_change, diff_change_lo, diff_change_hi, p_value),                                      \
      "diff_change_vs_control,diff_change_lo,diff_change_hi,p_value", 1, "", 2, 2,                 \
      "change vs control", "Change vs control", "対照群との差（変化量）")                          \
    X(diff_response, CI, VS_CONTROL, MS_OUT_CSV | MS_OUT_REPORT,                                   \
      (diff_response, diff_response_lo, diff_response_hi),                                         \
      "diff_response_vs_control,diff_response_lo,diff_response_hi", 100, " pp", 0, 0,              \
      "response vs control", "Response vs control", "対照群との差（反応率）")                      \
    X(time_to_response, CI, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT,                          \
      (time_to_response, time_to_response_lo, time_to_response_hi),                                \
      "time_to_response_median,time_to_response_lo,time_to_response_hi", 1, " wk", 1, 1,           \
      "weeks to response", "Median weeks to first response", "初回反応までの週数（中央値）")       \
    X(paired_diff, N_CI_P, PAIRED, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT,                        \
      (n_paired, paired_diff, paired_diff_lo, paired_diff_hi, paired_p),                           \
      "paired_n,paired_diff_change,paired_diff_lo,paired_diff_hi,paired_p_value", 1, "", 2, 2,     \
      "paired vs control", "Same patients vs control, paired",                                     \
      "同じ患者での対照群との差（対応あり）")                                                      \
    X(sessions, CI, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT,                                  \
      (sessions, sessions_lo, sessions_hi), "sessions,sessions_lo,sessions_hi", 1, "", 1, 1,       \
      "sessions", "Sessions per patient", "患者あたりのセッション数")                              \
    X(doses, CI, ARM, MS_OUT_CSV | MS_OUT_CLI | MS_OUT_REPORT, (doses, doses_lo, doses_hi),        \
      "doses,doses_lo,doses_hi", 1, "", 1, 1, "infusions+doses",                                   \
      "Infusions and doses per patient", "患者あたりの点滴・投与回数")                             \
    X(sessions_per_responder, VALUE, ARM, MS_OUT_CSV | MS_OUT_REPORT, (sessions_per_responder),    \
      "sessions_per_responder", 1, "", 1, 1, "sessions/responder", "Sessions per responder",       \
      "反応者1人あたりのセッション数")                                                             \
    X(doses_per_responder, VALUE, ARM, MS_OUT_CSV | MS_OUT_REPORT, (doses_per_responder),          \
      "doses_per_responder", 1, "", 1, 1, "doses/responder", "Infusions and doses per responder",  \
      "反応者1人あたりの点滴・投与回数")                                                           \
    X(courses, VALUE, ARM, MS_OUT_CSV | MS_OUT_REPORT, (courses), "courses_started", 1, "", 2, 2,  \
      "courses", "Courses started by rules, per patient", "規則で開始したコース（患者あたり）")    \
    X(weeks_in_response, CI, ARM, MS_OUT_CSV | MS_OUT_REPORT,                                      \
      (weeks_in_response, weeks_in_response_lo, weeks_in_response_hi),                             \
      "weeks_in_response,weeks_in_response_lo,weeks_in_response_hi", 1, " wk", 1, 1,               \
      "weeks in response", "Weeks in response", "反応状態にある週数")                              \
    X(n_for_power, COUNT, VS_CONTROL, 0, (n_for_power), "", 1, "", 0, 0, "", "", "")               \
    X(baseline, VALUE, ARM, 0, (baseline), "", 1, "", 2, 2, "", "", "")                            \
    X(final, VALUE, ARM, 0, (final), "", 1, "", 2, 2, "", "", "")

typedef enum {
    MS_SHAPE_COUNT,
    MS_SHAPE_VALUE,
    MS_SHAPE_CI,
    MS_SHAPE_CI_P,
    MS_SHAPE_SD_CI,
    MS_SHAPE_N_CI_P
} ms_stat_shape;
typedef enum { MS_SCOPE_ARM, MS_SCOPE_VS_CONTROL, MS_SCOPE_PAIRED } ms_stat_scope;
enum { MS_OUT_CSV = 1, MS_OUT_CLI = 2, MS_OUT_REPORT = 4 };

#define MS_STAT_MEMBERS_COUNT(a) long a;
#define MS_STAT_MEMBERS_VALUE(a) double a;
#define MS_STAT_MEMBERS_CI(a, lo, hi) double a, lo, hi;
#define MS_STAT_MEMBERS_CI_P(a, lo, hi, p) double a, lo, hi, p;
#define MS_STAT_MEMBERS_SD_CI(a, sd, lo, hi) double a, sd, lo, hi;
#define MS_STAT_MEMBERS_N_CI_P(n, a, lo, hi, p)                                                    \
    long n;                                                                                        \
    double a, lo, hi, p;

/* Results of one arm, change = final - baseline score; members as
 * MS_ARM_STAT_LIST says:
 *   n, failed        patients analysed, and whose integration failed
 *   mean_change      its SD and t interval
 *   response, remission  rates with Wilson intervals
 *   diff_change, p_value  vs control (Welch), NAN for the control
 *   diff_response    vs control (Newcombe)
 *   n_paired, paired_diff, paired_p  matched designs (every patient in every
 *                    arm): the same patients' change minus their change on
 *                    control, over the n_paired patients whose both
 *                    simulations succeeded, t interval and paired t-test
 *                    (diff_change is unpaired, as a parallel trial of this
 *                    size would estimate it); n_paired 0 and NAN otherwise
 *   n_for_power      per arm for the scenario's power vs control; -1 beyond
 *                    the maximum searched
 *   baseline, final  the mean score at baseline and at the end
 *   sessions         sessions (on level inputs: TMS) given per patient up to
 *                    the last visit -- the protocol's calendar and the courses
 *                    its decision rules started, without what they stopped --
 *                    with a t interval
 *   doses            infusions and doses (rate and bolus inputs) the same way
 *   sessions_per_responder, doses_per_responder  all the arm's sessions (or
 *                    infusions and doses) per responder at the end (NAN
 *                    without responders)
 *   courses          courses started by decision rules, per patient
 *   weeks_in_response  weeks a patient responds (each interval between
 *                    visits counted by the rating at its end), t interval
 *   time_to_response the median week of the first visit at which a patient
 *                    responds (the visits' empirical distribution, patients
 *                    who never respond counted as not yet responding at the
 *                    last visit), its 95 % interval from the Wilson interval
 *                    of the share responded by each visit; NAN where that
 *                    share does not reach one half (shown as "not reached") */
typedef struct ms_arm_summary {
#define MS_X_MEMBERS(key, shape, scope, outputs, members, ...) MS_STAT_MEMBERS_##shape members
    MS_ARM_STAT_LIST(MS_X_MEMBERS)
#undef MS_X_MEMBERS
} ms_arm_summary;

/* What each member of a statistic is. */
typedef enum {
    MS_PART_COUNT,    /* a long: patients (n, failed, n_paired, n_for_power) */
    MS_PART_ESTIMATE, /* a double: the estimate */
    MS_PART_SD,       /* its standard deviation */
    MS_PART_LO,       /* its 95 % interval */
    MS_PART_HI,
    MS_PART_P /* a two-sided p-value */
} ms_stat_part;
/* One row of MS_ARM_STAT_LIST, for code that walks the list at run time
 * (bindings, tables).  Static storage; never freed. */
typedef struct ms_arm_stat {
    const char *key;
    ms_stat_shape shape;
    ms_stat_scope scope;
    int outputs;           /* MS_OUT_* bits */
    size_t nparts;         /* members: 1 to 5 */
    const char *member[5]; /* their names in ms_arm_summary */
    const char *csv;       /* their summary.csv columns, comma-separated */
    size_t offset[5];      /* offsetof(ms_arm_summary, member) */
    ms_stat_part part[5];  /* what each member is (MS_PART_COUNT: a long) */
    double scale;
    const char *unit;
    int digits, cli_digits;
    const char *cli, *en, *ja; /* headings */
} ms_arm_stat;
/* The number of rows, and row i (NULL beyond). */
MS_API size_t ms_arm_stat_count(void);
MS_API const ms_arm_stat *ms_arm_stat_get(size_t i);
/* Member `part` of statistic `stat` of s, as a double (a count converted). */
MS_API double ms_arm_summary_value(const ms_arm_summary *s, size_t stat, size_t part);
/* Nonzero if arm `arm` has statistic `stat` (its scope): every arm but the
 * control for comparisons, and paired ones only in a matched design (where
 * n_paired > 0). */
MS_API int ms_arm_summary_has(const ms_arm_summary *s, size_t stat, int is_control);
MS_API ms_status ms_trial_arm_summary(const ms_trial *t, size_t arm, ms_arm_summary *out);
/* The same in group `group`: 0 every patient (as ms_trial_arm_summary), 1 +
 * 2s + side the scenario's subgroup s, above (side 0) or at most (side 1)
 * its threshold.  n_for_power is computed for group 0 only (-1 here). */
MS_API ms_status ms_trial_group_summary(const ms_trial *t, size_t group, size_t arm,
                                        ms_arm_summary *out);
/* The score at one visit of one arm (patients whose simulation succeeded):
 * its mean, its mean change from baseline, and the shares responding and
 * in remission there (by the scenario's definitions). */
typedef struct ms_visit_summary {
    long n;
    double score, change, response, remission;
} ms_visit_summary;
MS_API ms_status ms_trial_visit(const ms_trial *t, size_t arm, size_t visit, ms_visit_summary *out);
/* Of the patients of `arm` responding at visit `from`, the share still
 * responding at `visit` (durability of response); NAN if none responded. */
MS_API double ms_trial_sustained(const ms_trial *t, size_t arm, size_t from, size_t visit);
/* Of the patients of `arm` in remission at visit `from`, the share in
 * remission at every visit after it up to `visit` (remission without a
 * relapse at any visit in between: a Kaplan-Meier-like event-free share);
 * NAN if none remitted or `visit` is not after `from`. */
MS_API double ms_trial_remission_kept(const ms_trial *t, size_t arm, size_t from, size_t visit);
/* Observable `obs` (an index, MS_OBSERVABLE) at one visit of one arm over
 * the patients whose simulation succeeded: its mean, its standard deviation
 * (NAN below 2 patients) and the number of patients; any output may be NULL.
 * MS_ERR_ARG for an index out of range. */
MS_API ms_status ms_trial_visit_observable(const ms_trial *t, size_t arm, size_t visit, size_t obs,
                                           double *mean, double *sd, long *n);
/* The change of each of the first (up to 100,000) patients of `arm` whose
 * simulation succeeded, in the order they were simulated; *changes points
 * into t (valid until ms_trial_free).  Returns their number. */
MS_API size_t ms_trial_arm_changes(const ms_trial *t, size_t arm, const double **changes);

/* The synergy analysis of a 2x2 factorial (valid = 0 otherwise). */
typedef struct ms_synergy_summary {
    int valid;
    double contrast, contrast_lo, contrast_hi; /* (AB - B) - (A - control), mean change */
    double bliss, bliss_lo, bliss_hi;          /* response rate minus Bliss expectation */
    double hsa, hsa_lo, hsa_hi;                /* minus the highest single agent */
    const char *verdict;                       /* synergistic / additive / less than additive */
    long n_difference, n_interaction;          /* per arm for the power target; -1 beyond max */
    double alpha, power;
} ms_synergy_summary;
MS_API ms_status ms_trial_synergy(const ms_trial *t, ms_synergy_summary *out);

/* Comparison i of the scenario (compare:): arm minus versus over every
 * patient.  The difference in mean change is paired (the same patients'
 * differences, t interval) in a matched design, else Welch's; response and
 * remission differences have Newcombe's hybrid score intervals.  The sample
 * sizes are per arm of a future parallel-group trial with the scenario's
 * alpha and power: on mean change by trials resampled from the simulated
 * patients (as n_for_power), on remission by the normal approximation for
 * two proportions; 0 where there is no difference to detect (equal rates,
 * or a difference in mean change below the integration accuracy), -1 if
 * above analysis: max_per_arm. */
typedef struct ms_comparison {
    size_t arm, versus; /* arm indices */
    long n, n_versus;
    int paired;
    double diff_change, diff_change_lo, diff_change_hi;
    double diff_response, diff_response_lo, diff_response_hi;
    double diff_remission, diff_remission_lo, diff_remission_hi;
    double nnt_response; /* 1 / diff_response: patients treated per extra responder
                            (negative: per extra non-responder); INFINITY if 0 */
    long n_change, n_remission;
    double mid;      /* the scenario's minimal important difference */
    int reaches_mid; /* 1 if the estimate improves the score by at least mid */
} ms_comparison;
MS_API ms_status ms_trial_comparison(const ms_trial *t, size_t i, ms_comparison *out);
MS_API void ms_trial_counts(const ms_trial *t, long *screened, long *included, long *failed);
/* Nonzero if the run was stopped before every patient finished. */
MS_API int ms_trial_interrupted(const ms_trial *t);
/* The numerical check of a run (ms_trial_options.check_records): how far
 * the two integrators apart are on the records checked.  n = 0 if none
 * was made. */
typedef struct ms_numerics_check {
    int n;                   /* patient-arms simulated with both methods */
    int failed_one;          /* of those, how many failed with one method only */
    ms_method method, other; /* the scenario's method, and the one it was checked against */
    double score_diff;       /* largest |difference| of the score at any visit (score units) */
    double rel_diff;         /* largest relative difference of any observable at any visit */
    int disagree;            /* nonzero if a report could show the difference: the score
                                apart by more than 0.01 points, an observable by more than a
                                relative 1e-3, or a record that failed with one method only */
} ms_numerics_check;
MS_API void ms_trial_numerics(const ms_trial *t, ms_numerics_check *out);

/* Claims: null and as-claimed.  A model parameter marked `as_claimed:` is
 * the strength of a claim without human evidence; its null value is 0 and
 * its as-claimed value the one under which the claim would hold.  A trial
 * that rests on claims is shown under both settings: the counterpart is the
 * same scenario, seed and patients with every claim parameter forced to the
 * other setting. */
typedef enum {
    MS_CLAIMS_NULL = 0,       /* every claim parameter 0 */
    MS_CLAIMS_AS_CLAIMED = 1, /* every claim parameter 0 or its as-claimed value, one at least
                                 at its as-claimed value */
    MS_CLAIMS_AS_SET = 2      /* other values, as the scenario sets them */
} ms_claims_setting;
/* Runs the counterpart of the finished trial t: every claim parameter forced
 * to 0 if t's run set any of them to a nonzero value (in the model file, an
 * arm's `set:` or opt's set_param), else to its as-claimed value.  opt is the
 * one t was run with; its out_dir, resume and check_records are not used
 * (the counterpart is analysed in memory; ms_trial_write() writes its
 * summary into DIR/null or DIR/as_claimed).  MS_OK with nothing run if the
 * model has no claim parameter; MS_STOPPED if stopped early, the
 * counterpart then dropped.  t owns the counterpart. */
MS_API ms_status ms_trial_run_counterpart(ms_context *ctx, ms_trial *t,
                                          const ms_trial_options *opt);
/* The directory (under a trial's output directory) of a counterpart run at
 * `setting`: "null" or "as_claimed". */
MS_API const char *ms_claims_dir(ms_claims_setting setting);
/* t's counterpart, or NULL if none was run; *setting and *other (may be
 * NULL) receive the settings of t and of its counterpart. */
MS_API const ms_trial *ms_trial_counterpart(const ms_trial *t, ms_claims_setting *setting,
                                            ms_claims_setting *other);
/* Nonzero if a counterpart was started and stopped early (and dropped). */
MS_API int ms_trial_counterpart_interrupted(const ms_trial *t);

/* Writes summary.csv and (2x2 factorial) synergy.csv into dir (which must
 * exist), and those of the counterpart, if any, into dir/null or
 * dir/as_claimed; copies the scenario, model and protocol files into
 * dir/inputs (two files of one name as NAME and 2-NAME; an input already
 * there is left alone).  Each file replaces its destination only when
 * complete.  The per-patient files are written while the trial runs
 * (ms_trial_options.out_dir). */
MS_API ms_status ms_trial_write(ms_context *ctx, const ms_trial *t, const char *dir);
/* The run in opt.out_dir is complete (every file of it written: call after
 * ms_trial_write and ms_report_write): removes its checkpoint and
 * results.bin.  Until then `--resume` (opt.resume) finishes the run from
 * its checkpoint, the trial's patients not simulated again.  Nothing to do
 * for a run without an output directory or one stopped early. */
MS_API ms_status ms_trial_finish(ms_context *ctx, ms_trial *t);
/* Writes dir/report.html (self-contained; figures embedded) in lang "en" or
 * "ja".  `command` is the command line to reproduce the run. */
MS_API ms_status ms_report_write(ms_context *ctx, const ms_trial *t, const char *dir,
                                 const char *lang, const char *command);
/* The same with a section "What this answer rests on" from a sensitivity
 * analysis of the trial's scenario (ms_sensitivity_run; NULL: none): its
 * figures are written into dir as sensitivity-N.svg and embedded. */
typedef struct ms_sensitivity ms_sensitivity;
MS_API ms_status ms_report_write_sensitivity(ms_context *ctx, const ms_trial *t,
                                             const ms_sensitivity *sens, const char *dir,
                                             const char *lang, const char *command);

/* Writes len bytes of text to path through a temporary file beside it,
 * renamed over path only when complete (a failed write leaves path as it
 * was); "-" is standard output. */
MS_API ms_status ms_write_file(ms_context *ctx, const char *path, const char *text, size_t len);

/* ------------------------------------------------------------ sensitivity */

/* What a scenario's answers rest on (docs/sensitivity.md): how much each of
 * the model's hypotheses moves each reported answer -- every arm against
 * control and every compare: pair (the difference in mean change, in
 * response and in remission) and a factorial's interaction contrast --
 * over the parameter's plausible range (ms_model_param_range).  Each
 * evaluation is a whole trial on the same virtual patients. */
typedef enum {
    MS_SENS_MORRIS = 0, /* elementary effects: r trajectories, (k + 1) r + 1 trials */
    MS_SENS_SOBOL = 1,  /* first-order and total indices: N (k + 2) + 1 trials */
    MS_SENS_OAT = 2     /* one at a time at each end of the range: 2 k + 1 trials */
} ms_sens_method;

typedef struct ms_sensitivity_options {
    ms_sens_method method;
    int trajectories;          /* Morris: r (>= 2) */
    int levels;                /* Morris: p, the grid's levels (even, >= 2; 4 usual) */
    int samples;               /* Sobol: N, the base sample (>= 2) */
    int bootstrap;             /* resamples for the intervals (0: none) */
    const char *const *params; /* the parameters to vary; NULL / 0: every hypothesis
                                  (hypothesis:) not drawn per patient on which the
                                  scenario's score depends */
    size_t nparams;
    long patients_per_arm;   /* 0: the scenario's */
    unsigned long long seed; /* the design and the bootstrap (0: the scenario's) */
    int threads;             /* each trial's (0: all cores) */
    /* after each trial: done, planned, seconds left (estimate); may be NULL */
    void (*progress)(void *ud, size_t done, size_t planned, double eta_s);
    void *ud;
    volatile int *stop; /* set to stop: the trajectories (rows) finished are kept */
    int tipping;        /* also the tipping points of each claim's strength (about 7
                           trials per claim: 5 along its range, 2 per crossing) */
    /* a file of the trials done (NULL: none): each trial's parameter values
     * and answers are appended as it finishes.  With resume, the trials it
     * holds are taken from it instead of run again (it must be of this
     * analysis: the same inputs, bytes and settings, else MS_ERR_ARG); without,
     * it must not exist.  The caller removes it once the analysis is
     * complete. */
    const char *journal;
    int resume;
    /* several processes (as ms_trial_options): every trial's patients are
     * shared by the ranks (each rank calls ms_sensitivity_run with the same
     * arguments; rank 0 alone keeps the journal), and rank 0 sends each
     * trial's answers to the others, so every rank has the whole result.
     * nranks 0 or 1: one process. */
    int rank, nranks;
    int (*send)(void *xud, int peer, const void *buf, size_t len);
    int (*recv)(void *xud, int peer, void *buf, size_t len);
    void *xud;
    int batch; /* patients integrated together in each trial (docs/scenario-format.md,
                  solver: batch:); 0: the scenario's */
} ms_sensitivity_options;

/* One index set of one answer to one parameter; NAN where the method does
 * not give it.  The answer's unit: points (mean change, interaction) or a
 * share (response, remission). */
typedef struct ms_sensitivity_index {
    double mu_star, mu_star_lo, mu_star_hi; /* Morris: mean |elementary effect|, i.e.
                                               how far the answer moves across the
                                               whole range, and its 95 % interval */
    double mu, sigma;                       /* Morris: mean and SD of the effects */
    double s1, s1_lo, s1_hi;                /* Sobol: first-order index */
    double st, st_lo, st_hi;                /* Sobol: total index */
    double at_low, at_high;                 /* one at a time: the answer at the range's ends */
    double tipping;    /* with tipping: for a claim's strength and a difference in mean
                          change, the strength (the others at the scenario's values) at
                          which the answer reaches the clinical threshold -- an
                          improvement of the scenario's minimal important difference;
                          0 for the interaction contrast (where the synergy turns to
                          antagonism) -- NAN if not within the range */
    int tipping_where; /* 0 not sought (not a claim, a rate, or no --tipping);
                          1 at `tipping`; 2 short of the threshold over the whole
                          range; 3 past it over the whole range */
} ms_sensitivity_index;

/* Runs the analysis.  MS_STOPPED (and a usable partial result in *out) if
 * stopped.  The caller frees *out with ms_sensitivity_free. */
/* The trials of the last run taken from the journal (resumed), not run. */
MS_API size_t ms_sensitivity_resumed(const ms_sensitivity *s);

MS_API ms_status ms_sensitivity_run(ms_context *ctx, const ms_scenario *sc,
                                    const ms_sensitivity_options *opt, ms_sensitivity **out);
MS_API void ms_sensitivity_free(ms_sensitivity *s);
MS_API size_t ms_sensitivity_param_count(const ms_sensitivity *s);
/* Parameter j's name (owned by the model), its range and the scenario's value. */
MS_API const char *ms_sensitivity_param(const ms_sensitivity *s, size_t j, ms_param_range *range,
                                        double *nominal);
MS_API size_t ms_sensitivity_answer_count(const ms_sensitivity *s);
/* Answer a's name ("tms vs sham: mean change"), and its value at the
 * scenario's values. */
MS_API const char *ms_sensitivity_answer(const ms_sensitivity *s, size_t a, double *at_nominal);
MS_API ms_status ms_sensitivity_index_get(const ms_sensitivity *s, size_t answer, size_t param,
                                          ms_sensitivity_index *out);
/* Trials run and planned, whether stopped, wall seconds. */
MS_API void ms_sensitivity_counts(const ms_sensitivity *s, size_t *evaluations, size_t *planned,
                                  int *stopped, double *seconds);
/* sensitivity.csv (tidy: answer, parameter, range, index, estimate,
 * interval), one figure per answer and sensitivity.html (English) into dir. */
MS_API ms_status ms_sensitivity_write(ms_context *ctx, const ms_sensitivity *s, const char *dir);
/* The same with sensitivity.html in lang "en" or "ja" (sensitivity.csv's
 * keys stay English). */
MS_API ms_status ms_sensitivity_write_lang(ms_context *ctx, const ms_sensitivity *s,
                                           const char *dir, const char *lang);

/* ------------------------------------------------------------ calibration */

/* Fits population parameters to published figures (a targets file; see
 * docs/model.md): the squared deviations of cohort or trial statistics from
 * their targets, in units of each target's standard error, minimised by
 * GSL's Nelder-Mead simplex or (the file's `method: levenberg-marquardt`)
 * by GSL's trust-region Levenberg-Marquardt on those deviations as
 * residuals.  The caller frees *out with ms_calibration_free(). */
typedef struct ms_calibration ms_calibration;
MS_API ms_status ms_calibrate(ms_context *ctx, const char *targets_path, ms_calibration **out);
/* The same, reporting progress: after each evaluation of the objective,
 * from the calling thread, progress(ud, iterations completed,
 * evaluations so far, lowest objective so far, seconds since the fit
 * started).  A trial calibration runs a virtual trial per evaluation, so a
 * fit can take an hour.  If progress returns nonzero the fit stops there:
 * the call returns MS_STOPPED and sets *out to the best point evaluated so
 * far, with the targets achieved there (the caller frees it as usual). */
typedef int (*ms_calibration_progress_fn)(void *ud, int iteration, int evaluations, double best,
                                          double seconds);
MS_API ms_status ms_calibrate_progress(ms_context *ctx, const char *targets_path,
                                       ms_calibration_progress_fn progress, void *ud,
                                       ms_calibration **out);
/* Evaluates the targets at the model file's own values of the parameters
 * named under fit: (no fitting): a check that a model still reproduces its
 * figures.  For a trial calibration, scenario_path (may be NULL) replaces
 * the targets file's scenario: — e.g. the same arms with more patients.
 * ms_calibration_param() then gives the model's values.  The caller frees
 * *out with ms_calibration_free(). */
MS_API ms_status ms_calibration_evaluate(ms_context *ctx, const char *targets_path,
                                         const char *scenario_path, ms_calibration **out);
/* The same on `replicates` (1 to 1000) independent cohorts or trials, drawn
 * with seeds seed, seed + 1, ... (the cohort's or the scenario's seed):
 * whether a target is met by the model or by the luck of one sample.
 * ms_calibration_target() then gives the mean over replicates, and
 * ms_calibration_target_spread() its spread. */
MS_API ms_status ms_calibration_evaluate_replicates(ms_context *ctx, const char *targets_path,
                                                    const char *scenario_path, int replicates,
                                                    ms_calibration **out);
/* Target i over the replicates of an evaluation: their number, the SD (0
 * for one), the smallest and largest value, and how many fell within the
 * target's interval.  MS_ERR_ARG if i is out of range or a pointer is NULL. */
MS_API ms_status ms_calibration_target_spread(const ms_calibration *c, size_t i, int *replicates,
                                              double *sd, double *min, double *max, int *within);
MS_API void ms_calibration_free(ms_calibration *c);
/* The targets file's name (calibration:), owned by c. */
MS_API const char *ms_calibration_name(const ms_calibration *c);
/* Nonzero for a validation entry (role: validation): figures the model is
 * tested on and never fitted to; such a file can be evaluated, not fitted. */
MS_API int ms_calibration_is_validation(const ms_calibration *c);
/* For a trial target, the sampling standard error of the achieved
 * statistic over the simulated patients (binomial for rates, SD / sqrt(n)
 * for means, the delta method for ratios, Hedges' for an SMD; arms taken
 * as independent); NAN where the statistic has no simple one (mixture
 * weights, variance ratios) and for cohort targets. */
MS_API double ms_calibration_target_se(const ms_calibration *c, size_t i);
MS_API size_t ms_calibration_param_count(const ms_calibration *c);
/* The model file the calibration ran, as opened (for a trial calibration,
 * its scenario's model).  Belongs to c. */
MS_API const char *ms_calibration_model_path(const ms_calibration *c);
/* Name of fitted parameter i and (in *value) its fitted value. */
MS_API const char *ms_calibration_param(const ms_calibration *c, size_t i, double *value);
MS_API size_t ms_calibration_target_count(const ms_calibration *c);
/* Target i: its name, published value and interval, the value the fitted
 * model achieves, and its citation. */
MS_API const char *ms_calibration_target(const ms_calibration *c, size_t i, double *value,
                                         double *lo, double *hi, double *achieved,
                                         const char **source);
/* Whether target i is a term of the fit's objective (1) or only checked
 * against the fitted values (0: `fitted: false` in the targets file); -1 if
 * i is out of range. */
MS_API int ms_calibration_target_fitted(const ms_calibration *c, size_t i);
/* How a fit ended, and (if not NULL) the evaluations of the objective and
 * the iterations (of the simplex or Levenberg-Marquardt) it took.  Only MS_FIT_CONVERGED is a
 * converged fit; after the others *c holds the best point evaluated, with the targets achieved
 * there.  MS_FIT_NONE for an evaluation (no fit) or NULL. */
typedef enum {
    MS_FIT_NONE = 0,
    MS_FIT_CONVERGED,  /* the simplex shrank below its tolerance; or Levenberg-Marquardt's
                          step, gradient or decrease of the objective fell below its
                          tolerance; or every target is met exactly (objective 0) */
    MS_FIT_ITERATIONS, /* the iteration limit (simplex: 120 for trials, 500 for cohorts;
                          Levenberg-Marquardt: 60 and 200) */
    MS_FIT_BUDGET,     /* the targets file's max_evaluations: */
    MS_FIT_STOPPED,    /* the progress callback asked it to stop (MS_STOPPED) */
    MS_FIT_NO_PROGRESS /* Levenberg-Marquardt found no step that lowers the objective:
                          a minimum at the scale of its difference step, an objective flat
                          over that step, or a noisy objective misleading its differences
                          -- not a tested convergence */
} ms_fit_end;
MS_API ms_fit_end ms_calibration_end(const ms_calibration *c, int *evaluations, int *iterations);
/* How many trials each evaluation of a fit ran: the targets file's
 * fit_replicates: (scenario seeds seed .. seed + N - 1; the objective is the
 * mean of the trials' objectives and the achieved statistics their means),
 * 1 without it, for a cohort calibration and for an evaluation (no fit). */
MS_API int ms_calibration_fit_replicates(const ms_calibration *c);
/* The objective at the best point of a fit (or at the model's values for an
 * evaluation): the fitted targets' squared deviations in standard errors
 * (interval width / 3.92), summed; NaN for NULL. */
MS_API double ms_calibration_objective(const ms_calibration *c);

/* A calibration plan (docs/model.md, calibration/depression_inflammation.yaml):
 * targets files run in order as one calibration.  Each fitted step's kept
 * values (its `keep:` list; all it fits by default) are set in the model of
 * every later stage in place of the model file's, rounded to the plan's
 * `significant_digits:` if given; checks then evaluate targets at the values
 * so re-derived, optionally on other trials (`scenario:`).  Every stage must
 * calibrate the plan's `model:`.  A targets file (no `steps:`) loads as a
 * plan of that one step.  The caller frees *out with ms_calplan_free(). */
typedef struct ms_calplan ms_calplan;
MS_API ms_status ms_calplan_load(ms_context *ctx, const char *path, ms_calplan **out);
MS_API void ms_calplan_free(ms_calplan *p);
/* 1 if the file was a targets file rather than a plan. */
MS_API int ms_calplan_single(const ms_calplan *p);
/* The real path of the plan's model: (NULL for a targets file).  Belongs to
 * the plan. */
MS_API const char *ms_calplan_model(const ms_calplan *p);
/* The stages: fitted steps first, then checks. */
MS_API size_t ms_calplan_stage_count(const ms_calplan *p);
/* Stage i's targets file (the path as resolved from the plan's directory),
 * whether it is a check (1) or a fitted step (0), and the scenario replacing
 * the targets file's (a check's `scenario:`; NULL if none).  NULL if i is out
 * of range.  The strings belong to the plan. */
MS_API const char *ms_calplan_stage(const ms_calplan *p, size_t i, int *check,
                                    const char **scenario);
/* How many parameters step i keeps: -1 for every one it fits (no keep:), 0
 * for none (keep: [], e.g. another population's values); 0 for a check or
 * an index out of range. */
MS_API int ms_calplan_stage_keeps(const ms_calplan *p, size_t i);
/* Runs stage i with the values carried from the steps run before it, in any
 * order the caller likes (a caller may start from a later step: the earlier
 * steps' values are then the model file's).  A step fits (or, with evaluate
 * set, only evaluates its targets at the values carried so far) and, when
 * its fit ends, carries its kept values; a check always evaluates.  Progress
 * and stopping as for ms_calibrate_progress() (MS_STOPPED: *out holds the
 * best point so far, and nothing is carried).  The caller frees *out with
 * ms_calibration_free(). */
MS_API ms_status ms_calplan_run(ms_context *ctx, ms_calplan *p, size_t i, int evaluate,
                                ms_calibration_progress_fn progress, void *ud,
                                ms_calibration **out);
/* The values carried so far, in the order first fitted: the name, the value
 * carried, the model file's value and the stage that fitted it last.  NULL if
 * i is out of range.  The name belongs to the plan. */
MS_API size_t ms_calplan_value_count(const ms_calplan *p);
/* Writes a copy of the plan's model with every value carried so far in place
 * of the file's (ms_model_write_values).  MS_ERR_ARG for a targets file
 * loaded as a plan (it names no model). */
MS_API ms_status ms_calplan_write_model(ms_context *ctx, ms_calplan *p, const char *out_path);
MS_API const char *ms_calplan_value(const ms_calplan *p, size_t i, double *value,
                                    double *file_value, size_t *stage);

#ifdef __cplusplus
}
#endif
#endif /* MOODSIM_H */
