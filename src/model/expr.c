/*
 * expr.c — the hash-consed expression DAG: simplifying constructors
 * (constant folding, x+0, x*1, x*0, --x, ...) and symbolic differentiation
 * with a per-variable memo.  Entry points are in expr.h.
 */
#include "expr.h"

#include <string.h>

#define MS_X_MAX_DEPTH 60000

void msi_xdag_init(msi_xdag *g, ms_context *ctx)
{
    memset(g, 0, sizeof *g);
    g->ctx = ctx;
    g->stamp = 1;
}

void msi_xdag_free(msi_xdag *g)
{
    msi_free(g->ctx, g->n);
    msi_free(g->ctx, g->hash);
    msi_free(g->ctx, g->dmemo);
    msi_free(g->ctx, g->dstamp);
    memset(g, 0, sizeof *g);
}

int msi_x_arity(msi_xop op)
{
    if (op <= X_TIME)
        return 0;
    if (op == X_SELECT)
        return 3;
    if (op == X_NEG || op == X_NOT || (op >= X_EXP && op <= X_FACT))
        return 1;
    return 2;
}

const char *msi_x_c_text(msi_xop op)
{
    switch (op) {
    case X_ADD: return "A + B";
    case X_SUB: return "A - B";
    case X_MUL: return "A * B";
    case X_DIV: return "A / B";
    case X_NEG: return "-A";
    case X_POW: return "pow(A, B)";
    case X_EXP: return "exp(A)";
    case X_LN: return "log(A)";
    case X_LOG10: return "log10(A)";
    case X_SQRT: return "sqrt(A)";
    case X_ABS: return "fabs(A)";
    case X_SIN: return "sin(A)";
    case X_COS: return "cos(A)";
    case X_TAN: return "tan(A)";
    case X_ASIN: return "asin(A)";
    case X_ACOS: return "acos(A)";
    case X_ATAN: return "atan(A)";
    case X_SINH: return "sinh(A)";
    case X_COSH: return "cosh(A)";
    case X_TANH: return "tanh(A)";
    case X_FLOOR: return "floor(A)";
    case X_CEIL: return "ceil(A)";
    case X_FACT: return "tgamma(A + 1)";
    case X_MIN: return "A < B ? A : B";
    case X_MAX: return "A > B ? A : B";
    case X_LT: return "(double)(A < B)";
    case X_LE: return "(double)(A <= B)";
    case X_GT: return "(double)(A > B)";
    case X_GE: return "(double)(A >= B)";
    case X_EQ: return "(double)(A == B)";
    case X_NE: return "(double)(A != B)";
    case X_AND: return "(double)((A != 0) && (B != 0))";
    case X_OR: return "(double)((A != 0) || (B != 0))";
    case X_XOR: return "(double)((A != 0) != (B != 0))";
    case X_NOT: return "(double)(A == 0)";
    case X_SELECT: return "A != 0 ? B : C";
    default: return NULL;
    }
}

static uint64_t node_hash(const msi_xnode *x)
{
    uint64_t h = 1469598103934665603ull;
    uint64_t bits;
    memcpy(&bits, &x->v, sizeof bits);
    uint64_t parts[5] = {x->op, (uint64_t)(uint32_t)x->a, (uint64_t)(uint32_t)x->b,
                         (uint64_t)(uint32_t)x->c, bits};
    for (int i = 0; i < 5; i++) {
        h ^= parts[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h;
}

static int node_eq(const msi_xnode *x, const msi_xnode *y)
{
    return x->op == y->op && x->a == y->a && x->b == y->b && x->c == y->c &&
           memcmp(&x->v, &y->v, sizeof x->v) == 0;
}

static int rehash(msi_xdag *g, size_t ncap)
{
    int32_t *h = msi_alloc(g->ctx, ncap * sizeof *h);
    if (!h)
        return -1;
    memset(h, 0xff, ncap * sizeof *h);
    for (size_t i = 0; i < g->len; i++) {
        size_t k = node_hash(&g->n[i]) & (ncap - 1);
        while (h[k] >= 0)
            k = (k + 1) & (ncap - 1);
        h[k] = (int32_t)i;
    }
    msi_free(g->ctx, g->hash);
    g->hash = h;
    g->hcap = ncap;
    return 0;
}

/* Finds or appends a node.  Fills in `varying` and `depth`. */
static msi_xid intern(msi_xdag *g, msi_xnode x)
{
    int ar = msi_x_arity((msi_xop)x.op);
    int32_t ch[3] = {x.a, x.b, x.c};
    unsigned depth = 0;
    x.varying = (x.op == X_STATE || x.op == X_INPUT || x.op == X_TIME);
    for (int i = 0; i < ar; i++) {
        if (ch[i] < 0)
            return -1;
        const msi_xnode *c = &g->n[ch[i]];
        x.varying |= c->varying;
        if (c->depth + 1u > depth)
            depth = c->depth + 1u;
    }
    if (depth > MS_X_MAX_DEPTH)
        return -1;
    x.depth = (uint16_t)depth;
    if (g->len >= INT32_MAX - 1)
        return -1;
    if ((g->len + 1) * 2 > g->hcap && rehash(g, g->hcap ? g->hcap * 2 : 256)) {
        g->oom = 1;
        return -1;
    }
    size_t k = node_hash(&x) & (g->hcap - 1);
    while (g->hash[k] >= 0) {
        if (node_eq(&g->n[g->hash[k]], &x))
            return g->hash[k];
        k = (k + 1) & (g->hcap - 1);
    }
    if (msi_grow(g->ctx, (void **)&g->n, &g->cap, g->len + 1, sizeof *g->n)) {
        g->oom = 1;
        return -1;
    }
    g->n[g->len] = x;
    g->hash[k] = (int32_t)g->len;
    return (msi_xid)g->len++;
}

msi_xid msi_x_const(msi_xdag *g, double v)
{
    if (v == 0)
        v = 0; /* one zero: -0.0 and 0.0 fold together */
    msi_xnode x = {.op = X_CONST, .a = -1, .b = -1, .c = -1, .v = v};
    return intern(g, x);
}

msi_xid msi_x_leaf(msi_xdag *g, msi_xop op, int32_t index)
{
    msi_xnode x = {.op = (uint8_t)op, .a = index, .b = -1, .c = -1};
    return intern(g, x);
}

static int is_const(const msi_xdag *g, msi_xid a)
{
    return g->n[a].op == X_CONST;
}

msi_xid msi_x_unary(msi_xdag *g, msi_xop op, msi_xid a)
{
    if (a < 0)
        return -1;
    if (is_const(g, a))
        return msi_x_const(g, msi_x_apply(op, g->n[a].v, 0, 0));
    if (op == X_NEG && g->n[a].op == X_NEG)
        return g->n[a].a;
    msi_xnode x = {.op = (uint8_t)op, .a = a, .b = -1, .c = -1};
    return intern(g, x);
}

static int commutative(msi_xop op)
{
    return op == X_ADD || op == X_MUL || op == X_MIN || op == X_MAX || op == X_EQ || op == X_NE ||
           op == X_AND || op == X_OR || op == X_XOR;
}

msi_xid msi_x_binary(msi_xdag *g, msi_xop op, msi_xid a, msi_xid b)
{
    if (a < 0 || b < 0)
        return -1;
    if (is_const(g, a) && is_const(g, b))
        return msi_x_const(g, msi_x_apply(op, g->n[a].v, g->n[b].v, 0));
    switch (op) {
    case X_ADD:
        if (msi_x_is_const(g, a, 0))
            return b;
        if (msi_x_is_const(g, b, 0))
            return a;
        if (g->n[b].op == X_NEG)
            return msi_x_binary(g, X_SUB, a, g->n[b].a);
        break;
    case X_SUB:
        if (msi_x_is_const(g, b, 0))
            return a;
        if (msi_x_is_const(g, a, 0))
            return msi_x_unary(g, X_NEG, b);
        if (a == b)
            return msi_x_const(g, 0);
        if (g->n[b].op == X_NEG)
            return msi_x_binary(g, X_ADD, a, g->n[b].a);
        break;
    case X_MUL:
        if (msi_x_is_const(g, a, 0) || msi_x_is_const(g, b, 0))
            return msi_x_const(g, 0);
        if (msi_x_is_const(g, a, 1))
            return b;
        if (msi_x_is_const(g, b, 1))
            return a;
        if (msi_x_is_const(g, a, -1))
            return msi_x_unary(g, X_NEG, b);
        if (msi_x_is_const(g, b, -1))
            return msi_x_unary(g, X_NEG, a);
        break;
    case X_DIV:
        if (msi_x_is_const(g, a, 0))
            return msi_x_const(g, 0);
        if (msi_x_is_const(g, b, 1))
            return a;
        break;
    case X_POW:
        if (msi_x_is_const(g, b, 0))
            return msi_x_const(g, 1);
        if (msi_x_is_const(g, b, 1))
            return a;
        break;
    default: break;
    }
    if (commutative(op) && a > b) {
        msi_xid t = a;
        a = b;
        b = t;
    }
    msi_xnode x = {.op = (uint8_t)op, .a = a, .b = b, .c = -1};
    return intern(g, x);
}

msi_xid msi_x_select(msi_xdag *g, msi_xid c, msi_xid a, msi_xid b)
{
    if (c < 0 || a < 0 || b < 0)
        return -1;
    if (is_const(g, c))
        return g->n[c].v != 0 ? a : b;
    if (a == b)
        return a;
    msi_xnode x = {.op = X_SELECT, .a = c, .b = a, .c = b};
    return intern(g, x);
}

void msi_x_diff_reset(msi_xdag *g)
{
    g->stamp++;
    if (g->stamp == 0) { /* wrapped: clear */
        if (g->dstamp)
            memset(g->dstamp, 0, g->dcap * sizeof *g->dstamp);
        g->stamp = 1;
    }
}

static int memo_fit(msi_xdag *g, size_t need)
{
    if (need <= g->dcap)
        return 0;
    size_t ncap = g->dcap ? g->dcap : 256;
    while (ncap < need)
        ncap *= 2;
    int32_t *m = msi_realloc(g->ctx, g->dmemo, ncap * sizeof *m);
    if (!m) {
        g->oom = 1;
        return -1;
    }
    g->dmemo = m;
    uint32_t *s = msi_realloc(g->ctx, g->dstamp, ncap * sizeof *s);
    if (!s) {
        g->oom = 1;
        return -1;
    }
    memset(s + g->dcap, 0, (ncap - g->dcap) * sizeof *s);
    g->dstamp = s;
    g->dcap = ncap;
    return 0;
}

/* The derivative rules.  Recursion depth is bounded by the node depth, which
 * the model loader limits for user formulas. */
static msi_xid diff(msi_xdag *g, msi_xid id, int32_t var)
{
    if (id < 0)
        return -1;
    if (!g->n[id].varying)
        return msi_x_const(g, 0);
    if (memo_fit(g, (size_t)id + 1))
        return -1;
    if (g->dstamp[id] == g->stamp)
        return g->dmemo[id];

    msi_xnode x = g->n[id]; /* copy: g->n moves as nodes are added */
    msi_xid a = x.a, b = x.b, r = -1;
    msi_xid da = -1, db = -1;
    int ar = msi_x_arity((msi_xop)x.op);
    if (ar >= 1 && x.op != X_SELECT)
        da = diff(g, a, var);
    if (ar >= 2 && x.op != X_SELECT)
        db = diff(g, b, var);
    if ((ar >= 1 && x.op != X_SELECT && da < 0) || (ar >= 2 && x.op != X_SELECT && db < 0))
        return -1;
#define C(v) msi_x_const(g, (v))
#define U(op, p) msi_x_unary(g, (op), (p))
#define B(op, p, q) msi_x_binary(g, (op), (p), (q))
    switch ((msi_xop)x.op) {
    case X_STATE: r = C(x.a == var ? 1.0 : 0.0); break;
    case X_CONST:
    case X_PARAM:
    case X_INPUT:
    case X_TIME: r = C(0); break;
    case X_ADD: r = B(X_ADD, da, db); break;
    case X_SUB: r = B(X_SUB, da, db); break;
    case X_NEG: r = U(X_NEG, da); break;
    case X_MUL: r = B(X_ADD, B(X_MUL, da, b), B(X_MUL, a, db)); break;
    case X_DIV: /* (a/b)' = a'/b - a b'/b^2 */
        r = B(X_SUB, B(X_DIV, da, b), B(X_DIV, B(X_MUL, a, db), B(X_MUL, b, b)));
        break;
    case X_POW:
        if (msi_x_is_const(g, db, 0)) /* b a^(b-1) a' */
            r = B(X_MUL, B(X_MUL, b, B(X_POW, a, B(X_SUB, b, C(1)))), da);
        else /* a^b (b' ln a + b a'/a) */
            r = B(X_MUL, id, B(X_ADD, B(X_MUL, db, U(X_LN, a)), B(X_DIV, B(X_MUL, b, da), a)));
        break;
    case X_EXP: r = B(X_MUL, id, da); break;
    case X_LN: r = B(X_DIV, da, a); break;
    case X_LOG10: r = B(X_DIV, da, B(X_MUL, a, C(2.302585092994045684))); break;
    case X_SQRT: r = B(X_DIV, da, B(X_MUL, C(2), id)); break;
    case X_ABS: r = msi_x_select(g, B(X_LT, a, C(0)), U(X_NEG, da), da); break;
    case X_SIN: r = B(X_MUL, U(X_COS, a), da); break;
    case X_COS: r = U(X_NEG, B(X_MUL, U(X_SIN, a), da)); break;
    case X_TAN: r = B(X_MUL, B(X_ADD, C(1), B(X_MUL, id, id)), da); break;
    case X_ASIN: r = B(X_DIV, da, U(X_SQRT, B(X_SUB, C(1), B(X_MUL, a, a)))); break;
    case X_ACOS: r = U(X_NEG, B(X_DIV, da, U(X_SQRT, B(X_SUB, C(1), B(X_MUL, a, a))))); break;
    case X_ATAN: r = B(X_DIV, da, B(X_ADD, C(1), B(X_MUL, a, a))); break;
    case X_SINH: r = B(X_MUL, U(X_COSH, a), da); break;
    case X_COSH: r = B(X_MUL, U(X_SINH, a), da); break;
    case X_TANH: r = B(X_MUL, B(X_SUB, C(1), B(X_MUL, id, id)), da); break;
    case X_FLOOR:
    case X_CEIL:
    case X_FACT: /* factorial: defined on integers only */
    case X_LT:
    case X_LE:
    case X_GT:
    case X_GE:
    case X_EQ:
    case X_NE:
    case X_AND:
    case X_OR:
    case X_XOR:
    case X_NOT:
        r = C(0); /* piecewise constant: derivative zero almost everywhere */
        break;
    case X_MIN: r = msi_x_select(g, B(X_LE, a, b), da, db); break;
    case X_MAX: r = msi_x_select(g, B(X_GE, a, b), da, db); break;
    case X_SELECT: {
        msi_xid dt = diff(g, x.b, var), de = diff(g, x.c, var);
        r = (dt < 0 || de < 0) ? -1 : msi_x_select(g, x.a, dt, de);
        break;
    }
    case X_OP_COUNT: r = -1; break;
    }
#undef C
#undef U
#undef B
    if (r < 0 || memo_fit(g, (size_t)id + 1))
        return -1;
    g->dmemo[id] = r;
    g->dstamp[id] = g->stamp;
    return r;
}

msi_xid msi_x_diff(msi_xdag *g, msi_xid node, int32_t state)
{
    return diff(g, node, state);
}
