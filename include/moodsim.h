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

/* ---------------------------------------------------------------- status */

/* One list, expanded into the enum and into ms_strerror(). */
#define MS_STATUS_LIST(X)                                                      \
    X(MS_OK, 0, "ok")                                                          \
    X(MS_STOPPED, 1, "stopped on request")                                     \
    X(MS_ERR_NOMEM, -1, "out of memory")                                       \
    X(MS_ERR_IO, -2, "cannot read or write a file")                            \
    X(MS_ERR_SYNTAX, -3, "malformed input file")                               \
    X(MS_ERR_MODEL, -4, "invalid model")                                       \
    X(MS_ERR_PROTOCOL, -5, "invalid protocol")                                 \
    X(MS_ERR_ARG, -6, "invalid argument")                                      \
    X(MS_ERR_SOLVER, -7, "numerical integration failed")                       \
    X(MS_ERR_LIMIT, -8, "input exceeds a size limit")

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
    const char *unit;        /* "1" for dimensionless */
    const char *description; /* may be NULL */
    const char *expr;        /* ODE right-hand side (states), formula (rules,
                                observables), initial-value formula is `init` */
    const char *init;        /* states: initial value as written */
    double value;            /* parameters: nominal value; inputs: default level */
    const char *source;      /* parameters: citation, or NULL */
    const char *hypothesis;  /* parameters: what is assumed, or NULL */
    const char *evidence;    /* parameters: evidence level, or NULL */
    const char *contested;   /* parameters: note on disagreement, or NULL */
    ms_input_kind input_kind;/* inputs */
    int target;              /* bolus inputs: index of the target state */
    int line, column;        /* where the symbol is defined (1-based) */
} ms_symbol;

/* Loads, checks and compiles a model file (YAML; see docs/model-format.md).
 * On success *out owns the model; free it with ms_model_free().  On failure
 * *out is NULL and ms_errmsg(ctx) names the file, line and column. */
MS_API ms_status ms_model_load(ms_context *ctx, const char *path, ms_model **out);
/* The same from text in memory; `name` is used in messages. */
MS_API ms_status ms_model_load_string(ms_context *ctx, const char *name,
                                     const char *text, size_t len, ms_model **out);
MS_API void ms_model_free(ms_model *model);

MS_API const char *ms_model_name(const ms_model *model);
MS_API const char *ms_model_description(const ms_model *model); /* may be "" */
MS_API size_t ms_model_count(const ms_model *model, ms_symkind kind);
/* Fills *out for symbol i of `kind`.  MS_ERR_ARG if out of range. */
MS_API ms_status ms_model_symbol(const ms_model *model, ms_symkind kind, size_t i,
                                 ms_symbol *out);
/* Index of the symbol `name` of `kind`, or -1. */
MS_API int ms_model_find(const ms_model *model, ms_symkind kind, const char *name);
/* Number of nonzero entries of the exact Jacobian (structural). */
MS_API size_t ms_model_jacobian_nnz(const ms_model *model);

/* ---------------------------------------------------------------- events */

/* A dosing and stimulation table for one patient: bolus doses, zero-order
 * infusions and piecewise-constant levels, each at a known time.  The engine
 * stops exactly at every time in it. */
typedef struct ms_events ms_events;

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

/* Loads a protocol file (YAML; see docs/protocol-format.md) for `model` into a
 * new event table.  The caller frees *out with ms_events_free(). */
MS_API ms_status ms_protocol_load(ms_context *ctx, const ms_model *model, const char *path,
                                  ms_events **out);

/* ------------------------------------------------------------- simulator */

typedef struct ms_sim ms_sim;

/* A simulator: CVODE (BDF, dense direct solver, exact Jacobian) and every
 * workspace one run needs, allocated once and reused by every run.  `model`
 * must outlive the simulator. */
MS_API ms_status ms_sim_new(ms_context *ctx, const ms_model *model, ms_sim **out);
MS_API void ms_sim_free(ms_sim *sim);

/* Relative and absolute tolerances (defaults 1e-6 and 1e-9). */
MS_API ms_status ms_sim_set_tolerances(ms_sim *sim, double rtol, double atol);
/* Maximum internal steps between two stops (default 100000). */
MS_API ms_status ms_sim_set_max_steps(ms_sim *sim, long max_steps);
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

/* Initial state vector (length = number of states) for the current parameters. */
MS_API ms_status ms_sim_initial(ms_sim *sim, double *y0);
/* Right-hand side and exact Jacobian (row-major n x n, jac[i*n+j] = dfi/dyj)
 * at (t, y) with every input at its default level. */
MS_API ms_status ms_sim_rhs(ms_sim *sim, double t, const double *y, double *ydot);
MS_API ms_status ms_sim_jacobian(ms_sim *sim, double t, const double *y, double *jac);

typedef struct ms_sim_stats {
    long steps;        /* CVODE internal steps */
    long rhs_evals;    /* right-hand-side evaluations */
    long jac_evals;    /* Jacobian evaluations */
    long restarts;     /* solver re-initialisations at discontinuities */
} ms_sim_stats;
/* Counters of the last run. */
MS_API void ms_sim_stats_get(const ms_sim *sim, ms_sim_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* MOODSIM_H */
