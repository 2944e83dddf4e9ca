/*
 * expr.h — the expression graph: every formula of a model as nodes of one
 * hash-consed DAG (equal subexpressions are one node), built through
 * simplifying constructors, with symbolic differentiation.  Children always
 * have smaller indices than their parents, so index order is a topological
 * order.  Owns the node array; knows nothing of YAML, SBML or CVODE.
 */
#ifndef MS_EXPR_H
#define MS_EXPR_H

#include "../core/core.h"

#include <math.h>
#include <stdint.h>

typedef enum {
    /* leaves */
    X_CONST,
    X_STATE,
    X_PARAM,
    X_INPUT,
    X_TIME,
    /* arithmetic */
    X_ADD,
    X_SUB,
    X_MUL,
    X_DIV,
    X_NEG,
    X_POW,
    /* functions of one argument */
    X_EXP,
    X_LN,
    X_LOG10,
    X_SQRT,
    X_ABS,
    X_SIN,
    X_COS,
    X_TAN,
    X_ASIN,
    X_ACOS,
    X_ATAN,
    X_SINH,
    X_COSH,
    X_TANH,
    X_FLOOR,
    X_CEIL,
    X_FACT,
    /* two arguments */
    X_MIN,
    X_MAX,
    /* logic: values 1 or 0 */
    X_LT,
    X_LE,
    X_GT,
    X_GE,
    X_EQ,
    X_NE,
    X_AND,
    X_OR,
    X_XOR,
    X_NOT,
    /* c ? a : b */
    X_SELECT,
    X_OP_COUNT
} msi_xop;

typedef int32_t msi_xid; /* node index; -1 = error (out of memory or too deep) */

typedef struct {
    uint8_t op;
    uint8_t varying; /* depends on a state, an input or time */
    uint16_t depth;  /* longest path to a leaf, capped at 65535 */
    int32_t a, b, c; /* children, or the index of a state/param/input */
    double v;        /* constants */
} msi_xnode;

typedef struct msi_xdag {
    ms_context *ctx;
    msi_xnode *n;
    size_t len, cap;
    int32_t *hash; /* open addressing, -1 empty */
    size_t hcap;
    /* differentiation memo: per node, derivative and stamp */
    int32_t *dmemo;
    uint32_t *dstamp;
    size_t dcap;
    uint32_t stamp;
    int oom; /* set when an allocation failed (as opposed to a depth limit) */
} msi_xdag;

void msi_xdag_init(msi_xdag *g, ms_context *ctx);
void msi_xdag_free(msi_xdag *g);

msi_xid msi_x_const(msi_xdag *g, double v);
msi_xid msi_x_leaf(msi_xdag *g, msi_xop op, int32_t index); /* X_STATE/PARAM/INPUT/TIME */
msi_xid msi_x_unary(msi_xdag *g, msi_xop op, msi_xid a);
msi_xid msi_x_binary(msi_xdag *g, msi_xop op, msi_xid a, msi_xid b);
msi_xid msi_x_select(msi_xdag *g, msi_xid c, msi_xid a, msi_xid b);

/* d(node)/d(state `state`).  -1 on allocation failure. */
msi_xid msi_x_diff(msi_xdag *g, msi_xid node, int32_t state);
/* Starts a new differentiation variable (invalidates the memo). */
void msi_x_diff_reset(msi_xdag *g);

static inline int msi_x_is_const(const msi_xdag *g, msi_xid x, double v)
{
    return g->n[x].op == X_CONST && g->n[x].v == v;
}

/* Number of children of an op (0..3). */
int msi_x_arity(msi_xop op);
/* The C text of an op with its arguments written A, B, C: the same
 * operations as msi_x_apply below (native.c compiles it; tests/test_native.c
 * checks every op against msi_x_apply).  NULL for leaves. */
const char *msi_x_c_text(msi_xop op);
/* Evaluates an op on its argument values: the single definition of every
 * op's meaning, used by constant folding and by the bytecode interpreter
 * (inline so that the interpreter's loop is one switch). */
static inline double msi_x_apply(int op, double a, double b, double c)
{
    switch (op) {
    case X_ADD: return a + b;
    case X_SUB: return a - b;
    case X_MUL: return a * b;
    case X_DIV: return a / b;
    case X_NEG: return -a;
    case X_POW: return pow(a, b);
    case X_EXP: return exp(a);
    case X_LN: return log(a);
    case X_LOG10: return log10(a);
    case X_SQRT: return sqrt(a);
    case X_ABS: return fabs(a);
    case X_SIN: return sin(a);
    case X_COS: return cos(a);
    case X_TAN: return tan(a);
    case X_ASIN: return asin(a);
    case X_ACOS: return acos(a);
    case X_ATAN: return atan(a);
    case X_SINH: return sinh(a);
    case X_COSH: return cosh(a);
    case X_TANH: return tanh(a);
    case X_FLOOR: return floor(a);
    case X_CEIL: return ceil(a);
    case X_FACT: return tgamma(a + 1); /* SBML: n! for n a non-negative integer */
    case X_MIN: return a < b ? a : b;
    case X_MAX: return a > b ? a : b;
    case X_LT: return a < b;
    case X_LE: return a <= b;
    case X_GT: return a > b;
    case X_GE: return a >= b;
    case X_EQ: return a == b;
    case X_NE: return a != b;
    case X_AND: return (a != 0) && (b != 0);
    case X_OR: return (a != 0) || (b != 0);
    case X_XOR: return (a != 0) != (b != 0);
    case X_NOT: return a == 0;
    case X_SELECT: return a != 0 ? b : c;
    default: return NAN;
    }
}

#endif
