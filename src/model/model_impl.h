/*
 * model_impl.h — the inside of an ms_model: its symbols, the expression DAG
 * of every formula, and the compiled programs (flat register bytecode) that
 * the engine runs.  Shared by src/model/ and read (never written) by the
 * engine.  Not installed.
 */
#ifndef MS_MODEL_IMPL_H
#define MS_MODEL_IMPL_H

#include "expr.h"

#include <sbml/math/ASTNode.h>

typedef struct msi_symdef {
    char *name, *unit, *desc;
    char *expr; /* states: ODE; rules and observables: formula */
    char *init; /* states: initial value as written */
    char *source, *hypothesis, *evidence, *contested;
    char *note_ja[3];  /* parameters: ja: source, hypothesis, contested (ms_note), or NULL */
    double range[2];   /* parameters: range: [low, high] (plausible values), or NAN */
    int range_log;     /* range: ... log: true (vary on a log scale) */
    char *range_why;   /* range: ... why: the reason for it */
    char *latent;      /* observables: what the patient is when the value is 1 (class:), or NULL */
    double value;      /* parameters: nominal value; inputs: default level */
    double abs_tol;    /* states: floor of the absolute tolerance (abs_tol:), 0 if none */
    double as_claimed; /* parameters with claim = 1: the value under which a claim holds */
    int claim;         /* parameters: 1 if a claim's strength (as_claimed:; null is 0) */
    int non_negative;  /* states: 1 if never below zero (non_negative: true) */
    ms_input_kind input_kind;
    int target;        /* bolus inputs: target state */
    int course;        /* inputs: 1 for a course input (kind: course: a level the engine sets) */
    int course_of;     /* other inputs: the course input they count toward (course:), -1 none */
    int line, col;     /* definition */
    msi_xid leaf;      /* states, parameters, inputs: the symbol itself */
    msi_xid node;      /* states: ODE right-hand side; rules, observables: formula */
    msi_xid init_node; /* states */
} msi_symdef;

/* One instruction: regs[dst] = op(regs[a], regs[b], regs[c]). */
typedef struct {
    int32_t op, dst, a, b, c;
} msi_instr;

typedef struct {
    msi_instr *code;
    size_t n;
} msi_prog;

typedef struct {
    int32_t row, col, reg;
} msi_jentry;

typedef struct msi_compiled {
    size_t nregs;
    double *reg_init;       /* constants in place, everything else 0 */
    int32_t *state_reg;     /* per state: its leaf register, or -1 */
    int32_t *param_reg;     /* per parameter */
    int32_t *input_reg;     /* per rate/level input */
    int32_t time_reg;       /* -1 if no formula uses time */
    msi_prog pre;           /* parameter-only subexpressions */
    msi_prog rhs, jac, obs; /* state-, input- or time-dependent parts */
    msi_prog evp;           /* event triggers and assignment values */
    int32_t *ode_reg;       /* per state: register of its ODE right-hand side */
    int32_t *init_reg;      /* per state: register of its initial value */
    int32_t *obs_reg;       /* per observable */
    msi_jentry *jac_entries;
    size_t jac_nnz;
    /* machine code for rhs and jac (native.c), or NULL: the bytecode runs */
    void (*rhs_fn)(double *regs);
    void (*jac_fn)(double *regs);
    void *native; /* dlopen handle */
} msi_compiled;

typedef enum { MS_DIST_NORMAL, MS_DIST_LOGNORMAL, MS_DIST_UNIFORM, MS_DIST_CATEGORICAL } msi_dist;

/* How one parameter varies between patients. */
typedef struct msi_vardef {
    int param; /* index of the parameter */
    msi_dist dist;
    double a, b;          /* normal: mean, sd; lognormal: median, sigma of ln; uniform: min, max */
    double lower, upper;  /* truncation (normal, lognormal); -inf/+inf if none */
    double *values, *cum; /* categorical: values and cumulative probabilities */
    size_t ncat;
    char *source, *hypothesis, *evidence, *summary, *summary_ja;
    int by_cv;        /* lognormal: spread given as cv: (else gsd:) */
    double spread;    /* lognormal: the cv or gsd as written */
    char *note_ja[3]; /* ja: source, hypothesis (ms_note), or NULL */
    int line, col;
} msi_vardef;

/* A state event (from SBML): when `trigger` goes from false to true, each
 * target state takes its value (all values computed before any is set). */
typedef struct msi_eventdef {
    msi_xid trigger;
    msi_xid priority;   /* -1: none (executes after prioritised events) */
    msi_xid delay;      /* -1: executes when triggered */
    int initial_value;  /* the trigger's value just before t = 0 */
    int persistent;     /* 0: cancelled if its trigger turns false before it executes */
    int trigger_values; /* 1: values computed when triggered, not when executed */
    size_t offset;      /* of its values in a simulator's store */
    size_t n;
    int32_t *target; /* state indices */
    msi_xid *value;  /* value nodes (new state values) */
} msi_eventdef;

struct ms_model {
    ms_context *ctx;
    char *file, *name, *desc;
    char *desc_ja; /* ja: {description:}, or NULL */
    msi_symdef *sym[MS_SYMKIND_COUNT];
    size_t count[MS_SYMKIND_COUNT];
    size_t *rule_order; /* rules in dependency order */
    msi_vardef *var;    /* between-patient variability */
    size_t nvar;
    double *chol;      /* nvar x nvar lower Cholesky factor of the correlations, or NULL;
                          rows and columns in the order of chol_perm */
    size_t *chol_perm; /* with chol: the variability entries in the order of their
                          parameters' names, then the inverse permutation */
    int body_weight;   /* parameter giving body weight in kg, or -1 */
    double time_h;     /* hours per unit of the model's time: 1 (YAML); SBML: from its
                          declared time unit, NAN if it declares none */
    msi_eventdef *ev;  /* state events (SBML), in document order */
    size_t nev;
    /* root functions for the events: a - b for every comparison in a trigger
     * (continuous, so CVODE cannot step over a short true interval), and
     * each trigger's own (trigger ? 1 : -1), found just after a crossing */
    int32_t *root_a, *root_b; /* b < 0: the trigger's boolean itself */
    size_t nroot;
    msi_xdag g;
    msi_compiled c;
};

/* --- math.c: libSBML formulas into the DAG --- */

/* How names and calls in a formula are resolved.  Each callback returns a
 * node, or -1 after recording an error on the context. */
typedef struct msi_math_env {
    ms_context *ctx;
    msi_xdag *g;
    const char *file; /* for messages */
    int line, col;    /* position of the formula in the file */
    const char *text; /* the formula as written, to locate names */
    const char *what; /* "the ODE of 'A'" */
    msi_xid (*name)(struct msi_math_env *env, const char *name);
    msi_xid (*call)(struct msi_math_env *env, const char *name, const msi_xid *args, size_t n);
    /* rateOf(name), or NULL if the model has no such notion */
    msi_xid (*rate_of)(struct msi_math_env *env, const char *name);
    void *ud;
    int time_is_zero; /* initial values: the time csymbol means t = 0 */
} msi_math_env;

/* Parses infix text with libSBML's L3 parser (log(x) refused as ambiguous,
 * no units on numbers).  On error records "file:line:col: ..." with the
 * column of the parser's position. */
ms_status msi_math_parse(msi_math_env *env, ASTNode_t **out);
/* Converts a libSBML AST to a DAG node. */
msi_xid msi_math_convert(msi_math_env *env, const ASTNode_t *ast);
/* Column of the first whole-word occurrence of `name` in env->text, for
 * messages; the formula's own position when not found. */
void msi_math_locate(const msi_math_env *env, const char *name, int *line, int *col);

/* --- model.c --- */

/* The nearest name to `name` among the model's symbols of `kind` (or of every
 * kind if kind < 0), for "did you mean" messages; NULL if none is close. */
const char *msi_model_suggest(const ms_model *m, int kind, const char *name);

/* --- sbml.c --- */
ms_status msi_model_load_sbml(ms_context *ctx, const char *path, ms_model **out);
/* sbml_guard.c: refuses an SBML file that would crash or hang libSBML
 * (too deep, a lambda without a body, recursive or exploding function
 * definitions), with file and line. */
ms_status msi_sbml_guard(ms_context *ctx, const char *path);

/* --- native.c --- */
ms_status msi_native_compile(ms_context *ctx, msi_compiled *c);
void msi_native_free(msi_compiled *c);

/* --- compile.c --- */
ms_status msi_model_compile(ms_model *m);
void msi_compiled_free(ms_context *ctx, msi_compiled *c);

/* ms_model_dependencies in a run where only the inputs marked in `given`
 * are ever given and the states marked in held (msi_model_held_states) stay
 * at 0: a term that is 0 there (a product with such a state or input) is
 * no dependency (sensitivity: the compartments of treatments no arm gives).
 * held NULL: none. */
ms_status msi_model_dependencies(const ms_model *m, ms_symkind kind, size_t i,
                                 unsigned char *params, const unsigned char *held,
                                 const unsigned char *given);
/* The states that stay at their initial value in a run where only the
 * inputs marked in `inputs` are ever given: starting at 0 with a zero
 * derivative there (y0, ydot0: at t = 0, inputs at their defaults), no event
 * assigning them, and reading neither a given input, nor time, nor a state
 * that moves (a fixed point).  held[i] = 1 for each. */
ms_status msi_model_held_states(const ms_model *m, const unsigned char *inputs, const double *y0,
                                const double *ydot0, unsigned char *held);

#endif
