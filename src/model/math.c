/*
 * math.c — formulas: infix text parsed by libSBML's L3 parser, and libSBML
 * abstract syntax trees converted into nodes of the expression DAG.  The
 * project writes no expression parser: this file only maps libSBML's node
 * types onto the DAG's operations and names onto symbols (through the
 * caller's callbacks).  Entry points: msi_math_parse, msi_math_convert.
 */
#include "model_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sbml/math/L3Parser.h>
#include <sbml/math/L3ParserSettings.h>

#define MS_MATH_MAX_DEPTH 1000

void msi_math_locate(const msi_math_env *env, const char *name, int *line, int *col)
{
    *line = env->line;
    *col = env->col;
    if (!env->text || !name || !*name)
        return;
    size_t nl = strlen(name);
    const char *p = env->text;
    while ((p = strstr(p, name)) != NULL) {
        int before = p > env->text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char)p[nl]) || p[nl] == '_';
        if (!before && !after)
            break;
        p += nl;
    }
    if (!p)
        return;
    /* count lines and columns inside the formula text */
    int l = 0, c = 0;
    for (const char *q = env->text; q < p; q++) {
        if (*q == '\n') {
            l++;
            c = 0;
        } else {
            c++;
        }
    }
    if (l == 0) {
        *col = env->col + c;
    } else {
        *line = env->line + l;
        *col = c + 1;
    }
}

ms_status msi_math_parse(msi_math_env *env, ASTNode_t **out)
{
    *out = NULL;
    /* a character outside the formula language: the parser would only say
     * "unexpected end of string" somewhere after it */
    for (const unsigned char *q = (const unsigned char *)env->text; *q; q++) {
        if (*q >= 0x80 || *q == '$' || *q == '@' || *q == '#' || *q == '?' || *q == '`' ||
            *q == '\\' || *q == '{' || *q == '}' || *q == '[' || *q == ']' || *q == ';' ||
            *q == '"' || *q == '\'') {
            int line = env->line, col = env->col;
            if (!strchr(env->text, '\n'))
                col = env->col + (int)(q - (const unsigned char *)env->text);
            int n = 1; /* the whole UTF-8 sequence, to show it */
            while (*q >= 0xc0 && n < 4 && (q[n] & 0xc0) == 0x80)
                n++;
            return msi_fail(env->ctx, MS_ERR_MODEL, env->file, line, col,
                            "in %s: '%.*s' cannot be used in a formula (names are ASCII letters, "
                            "digits and '_'; operators + - * / ^, comparisons, && || !, "
                            "parentheses and commas)",
                            env->what, n, (const char *)q);
        }
    }
    L3ParserSettings_t *s = L3ParserSettings_create();
    if (!s)
        return msi_nomem(env->ctx);
    L3ParserSettings_setParseLog(s, L3P_PARSE_LOG_AS_ERROR);
    L3ParserSettings_setParseUnits(s, 0);
    ASTNode_t *ast = SBML_parseL3FormulaWithSettings(env->text, s);
    L3ParserSettings_free(s);
    if (ast) {
        *out = ast;
        return MS_OK;
    }
    char *msg = SBML_getLastParseL3Error();
    /* libSBML: "Error when parsing input '...' at position N:  reason" */
    int pos = 0;
    const char *reason = msg ? msg : "cannot parse";
    if (msg) {
        const char *at = strstr(msg, " at position ");
        if (at) {
            pos = atoi(at + 13);
            const char *colon = strchr(at + 13, ':');
            if (colon) {
                reason = colon + 1;
                while (*reason == ' ')
                    reason++;
            }
        }
    }
    int line = env->line, col = env->col;
    if (pos > 0 && !strchr(env->text, '\n')) {
        size_t len = strlen(env->text);
        col = env->col + (int)((size_t)pos - 1 < len ? (size_t)pos - 1 : len);
    }
    ms_status st =
        msi_fail(env->ctx, MS_ERR_MODEL, env->file, line, col, "in %s: %s", env->what, reason);
    free(msg);
    return st;
}

static msi_xid fail_at(msi_math_env *env, const char *name, const char *fmt, const char *arg)
{
    int line, col;
    msi_math_locate(env, name, &line, &col);
    char buf[300];
    snprintf(buf, sizeof buf, fmt, arg);
    msi_fail(env->ctx, MS_ERR_MODEL, env->file, line, col, "in %s: %s", env->what, buf);
    return -1;
}

static msi_xid conv(msi_math_env *env, const ASTNode_t *n, int depth);

/* Folds the children of an n-ary node as a balanced tree (log depth). */
static msi_xid fold(msi_math_env *env, msi_xop op, const msi_xid *v, size_t lo, size_t hi)
{
    if (hi - lo == 1)
        return v[lo];
    size_t mid = lo + (hi - lo) / 2;
    msi_xid a = fold(env, op, v, lo, mid);
    msi_xid b = fold(env, op, v, mid, hi);
    return msi_x_binary(env->g, op, a, b);
}

static msi_xid nomem(msi_math_env *env)
{
    if (env->g->oom) {
        msi_nomem(env->ctx);
        return -1;
    }
    if (env->ctx->last == MS_OK || env->ctx->msg[0] == '\0')
        msi_fail(env->ctx, MS_ERR_LIMIT, env->file, env->line, env->col,
                 "in %s: the formula is too large or too deeply nested", env->what);
    return -1;
}

static msi_xid conv_unary_fn(msi_math_env *env, int type, msi_xid a)
{
    msi_xdag *g = env->g;
#define C(x) msi_x_const(g, (x))
#define U(op, p) msi_x_unary(g, (op), (p))
#define B(op, p, q) msi_x_binary(g, (op), (p), (q))
    switch (type) {
    case AST_FUNCTION_ABS: return U(X_ABS, a);
    case AST_FUNCTION_EXP: return U(X_EXP, a);
    case AST_FUNCTION_LN: return U(X_LN, a);
    case AST_FUNCTION_FLOOR: return U(X_FLOOR, a);
    case AST_FUNCTION_CEILING: return U(X_CEIL, a);
    case AST_FUNCTION_FACTORIAL: return U(X_FACT, a);
    case AST_FUNCTION_SIN: return U(X_SIN, a);
    case AST_FUNCTION_COS: return U(X_COS, a);
    case AST_FUNCTION_TAN: return U(X_TAN, a);
    case AST_FUNCTION_SEC: return B(X_DIV, C(1), U(X_COS, a));
    case AST_FUNCTION_CSC: return B(X_DIV, C(1), U(X_SIN, a));
    case AST_FUNCTION_COT: return B(X_DIV, C(1), U(X_TAN, a));
    case AST_FUNCTION_SINH: return U(X_SINH, a);
    case AST_FUNCTION_COSH: return U(X_COSH, a);
    case AST_FUNCTION_TANH: return U(X_TANH, a);
    case AST_FUNCTION_SECH: return B(X_DIV, C(1), U(X_COSH, a));
    case AST_FUNCTION_CSCH: return B(X_DIV, C(1), U(X_SINH, a));
    case AST_FUNCTION_COTH: return B(X_DIV, C(1), U(X_TANH, a));
    case AST_FUNCTION_ARCSIN: return U(X_ASIN, a);
    case AST_FUNCTION_ARCCOS: return U(X_ACOS, a);
    case AST_FUNCTION_ARCTAN: return U(X_ATAN, a);
    case AST_FUNCTION_ARCSEC: return U(X_ACOS, B(X_DIV, C(1), a));
    case AST_FUNCTION_ARCCSC: return U(X_ASIN, B(X_DIV, C(1), a));
    case AST_FUNCTION_ARCCOT: return U(X_ATAN, B(X_DIV, C(1), a));
    case AST_FUNCTION_ARCSINH: /* ln(a + sqrt(a^2 + 1)) */
        return U(X_LN, B(X_ADD, a, U(X_SQRT, B(X_ADD, B(X_MUL, a, a), C(1)))));
    case AST_FUNCTION_ARCCOSH: /* ln(a + sqrt(a^2 - 1)) */
        return U(X_LN, B(X_ADD, a, U(X_SQRT, B(X_SUB, B(X_MUL, a, a), C(1)))));
    case AST_FUNCTION_ARCTANH: /* ln((1+a)/(1-a)) / 2 */
        return B(X_MUL, C(0.5), U(X_LN, B(X_DIV, B(X_ADD, C(1), a), B(X_SUB, C(1), a))));
    case AST_FUNCTION_ARCSECH: /* arccosh(1/a) */
        return conv_unary_fn(env, AST_FUNCTION_ARCCOSH, B(X_DIV, C(1), a));
    case AST_FUNCTION_ARCCSCH: /* arcsinh(1/a) */
        return conv_unary_fn(env, AST_FUNCTION_ARCSINH, B(X_DIV, C(1), a));
    case AST_FUNCTION_ARCCOTH: /* arctanh(1/a) */
        return conv_unary_fn(env, AST_FUNCTION_ARCTANH, B(X_DIV, C(1), a));
    case AST_LOGICAL_NOT: return U(X_NOT, a);
    default: return -2; /* not a unary function */
    }
#undef C
#undef U
#undef B
}

static int rel_op(int type, msi_xop *op)
{
    switch (type) {
    case AST_RELATIONAL_EQ: *op = X_EQ; return 1;
    case AST_RELATIONAL_NEQ: *op = X_NE; return 1;
    case AST_RELATIONAL_LT: *op = X_LT; return 1;
    case AST_RELATIONAL_LEQ: *op = X_LE; return 1;
    case AST_RELATIONAL_GT: *op = X_GT; return 1;
    case AST_RELATIONAL_GEQ: *op = X_GE; return 1;
    default: return 0;
    }
}

static msi_xid conv(msi_math_env *env, const ASTNode_t *n, int depth)
{
    msi_xdag *g = env->g;
    if (!n)
        return nomem(env);
    if (depth > MS_MATH_MAX_DEPTH) {
        msi_fail(env->ctx, MS_ERR_LIMIT, env->file, env->line, env->col,
                 "in %s: formula nested deeper than %d levels", env->what, MS_MATH_MAX_DEPTH);
        return -1;
    }
    int type = ASTNode_getType(n);
    unsigned nc = ASTNode_getNumChildren(n);
    const char *fname = ASTNode_getName(n) ? ASTNode_getName(n) : "?";

    /* leaves */
    switch (type) {
    case AST_INTEGER: return msi_x_const(g, (double)ASTNode_getInteger(n));
    case AST_REAL:
    case AST_REAL_E:
    case AST_RATIONAL: {
        double v = ASTNode_getReal(n);
        if (!isfinite(v)) {
            msi_fail(env->ctx, MS_ERR_MODEL, env->file, env->line, env->col,
                     "in %s: a non-finite number (%s); expected a finite constant", env->what,
                     isnan(v) ? "NaN" : "infinity");
            return -1;
        }
        return msi_x_const(g, v);
    }
    case AST_CONSTANT_E: return msi_x_const(g, 2.718281828459045235);
    case AST_CONSTANT_PI: return msi_x_const(g, 3.141592653589793238);
    case AST_CONSTANT_TRUE: return msi_x_const(g, 1);
    case AST_CONSTANT_FALSE: return msi_x_const(g, 0);
    case AST_NAME_AVOGADRO: return msi_x_const(g, 6.02214179e23); /* SBML L3V1 value */
    case AST_NAME_TIME: return env->time_is_zero ? msi_x_const(g, 0) : msi_x_leaf(g, X_TIME, 0);
    case AST_NAME: return env->name(env, ASTNode_getName(n));
    default: break;
    }

    if (type == AST_FUNCTION_RATE_OF && env->rate_of && nc == 1 &&
        ASTNode_getType(ASTNode_getChild(n, 0)) == AST_NAME)
        return env->rate_of(env, ASTNode_getName(ASTNode_getChild(n, 0)));

    /* convert the children */
    msi_xid small[8];
    msi_xid *v = nc <= 8 ? small : msi_alloc(env->ctx, nc * sizeof *v);
    if (!v)
        return nomem(env);
    msi_xid r = -1;
    for (unsigned i = 0; i < nc; i++) {
        v[i] = conv(env, ASTNode_getChild(n, i), depth + 1);
        if (v[i] < 0)
            goto out;
    }
#define NEED(k)                                                                                    \
    do {                                                                                           \
        if (nc != (k)) {                                                                           \
            char b_[64];                                                                           \
            snprintf(b_, sizeof b_, "%u argument%s; expected %d", nc, nc == 1 ? "" : "s", (k));    \
            msi_fail(env->ctx, MS_ERR_MODEL, env->file, env->line, env->col,                       \
                     "in %s: '%s' given %s", env->what, fname, b_);                                \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)
    msi_xop op;
    switch (type) {
    case AST_PLUS: r = nc == 0 ? msi_x_const(g, 0) : fold(env, X_ADD, v, 0, nc); break;
    case AST_TIMES: r = nc == 0 ? msi_x_const(g, 1) : fold(env, X_MUL, v, 0, nc); break;
    case AST_MINUS:
        if (nc == 1)
            r = msi_x_unary(g, X_NEG, v[0]);
        else {
            NEED(2);
            r = msi_x_binary(g, X_SUB, v[0], v[1]);
        }
        break;
    case AST_DIVIDE:
        NEED(2);
        r = msi_x_binary(g, X_DIV, v[0], v[1]);
        break;
    case AST_POWER:
    case AST_FUNCTION_POWER:
        NEED(2);
        r = msi_x_binary(g, X_POW, v[0], v[1]);
        break;
    case AST_FUNCTION_ROOT:
        if (nc == 1) {
            r = msi_x_unary(g, X_SQRT, v[0]);
        } else {
            NEED(2);
            if (msi_x_is_const(g, v[0], 2))
                r = msi_x_unary(g, X_SQRT, v[1]);
            else
                r = msi_x_binary(g, X_POW, v[1], msi_x_binary(g, X_DIV, msi_x_const(g, 1), v[0]));
        }
        break;
    case AST_FUNCTION_LOG:
        if (nc == 1) {
            r = msi_x_unary(g, X_LOG10, v[0]);
        } else {
            NEED(2);
            if (msi_x_is_const(g, v[0], 10))
                r = msi_x_unary(g, X_LOG10, v[1]);
            else
                r = msi_x_binary(g, X_DIV, msi_x_unary(g, X_LN, v[1]), msi_x_unary(g, X_LN, v[0]));
        }
        break;
    case AST_FUNCTION_PIECEWISE: {
        if (nc == 0) {
            msi_fail(env->ctx, MS_ERR_MODEL, env->file, env->line, env->col,
                     "in %s: piecewise() with no arguments; expected value, condition, ..., "
                     "otherwise",
                     env->what);
            goto out;
        }
        r = (nc % 2) ? v[nc - 1] : msi_x_const(g, NAN);
        for (unsigned k = nc / 2; k-- > 0;)
            r = msi_x_select(g, v[2 * k + 1], v[2 * k], r);
        break;
    }
    case AST_FUNCTION_MIN:
    case AST_FUNCTION_MAX:
        if (nc == 0) {
            NEED(1);
        }
        r = fold(env, type == AST_FUNCTION_MIN ? X_MIN : X_MAX, v, 0, nc);
        break;
    case AST_FUNCTION_QUOTIENT:
        NEED(2);
        r = msi_x_unary(g, X_FLOOR, msi_x_binary(g, X_DIV, v[0], v[1]));
        break;
    case AST_FUNCTION_REM: { /* a - b*trunc(a/b) */
        NEED(2);
        msi_xid q = msi_x_binary(g, X_DIV, v[0], v[1]);
        msi_xid tr = msi_x_select(g, msi_x_binary(g, X_LT, q, msi_x_const(g, 0)),
                                  msi_x_unary(g, X_CEIL, q), msi_x_unary(g, X_FLOOR, q));
        r = msi_x_binary(g, X_SUB, v[0], msi_x_binary(g, X_MUL, v[1], tr));
        break;
    }
    case AST_LOGICAL_AND: r = nc == 0 ? msi_x_const(g, 1) : fold(env, X_AND, v, 0, nc); break;
    case AST_LOGICAL_OR: r = nc == 0 ? msi_x_const(g, 0) : fold(env, X_OR, v, 0, nc); break;
    case AST_LOGICAL_XOR: r = nc == 0 ? msi_x_const(g, 0) : fold(env, X_XOR, v, 0, nc); break;
    case AST_LOGICAL_IMPLIES:
        NEED(2);
        r = msi_x_binary(g, X_OR, msi_x_unary(g, X_NOT, v[0]), v[1]);
        break;
    case AST_FUNCTION:
        r = env->call ? env->call(env, fname, v, nc)
                      : fail_at(env, fname, "unknown function '%s'", fname);
        break;
    case AST_FUNCTION_DELAY:
    case AST_FUNCTION_RATE_OF:
    case AST_LAMBDA: fail_at(env, fname, "'%s' is not supported by the engine", fname); break;
    default:
        if (rel_op(type, &op)) {
            if (op == X_NE) {
                NEED(2);
                r = msi_x_binary(g, X_NE, v[0], v[1]);
            } else if (nc < 2) {
                NEED(2);
            } else {
                /* a < b < c  ==  (a < b) and (b < c) */
                r = msi_x_binary(g, op, v[0], v[1]);
                for (unsigned i = 2; i < nc && r >= 0; i++)
                    r = msi_x_binary(g, X_AND, r, msi_x_binary(g, op, v[i - 1], v[i]));
            }
            break;
        }
        if (nc == 1) {
            r = conv_unary_fn(env, type, v[0]);
            if (r != -2)
                break;
        } else if (conv_unary_fn(env, type, msi_x_const(g, 0)) != -2) {
            NEED(1);
        }
        r = fail_at(env, fname, "'%s' is not supported by the engine", fname);
        break;
    }
#undef NEED
    if (r < 0 && env->ctx->msg[0] == '\0')
        nomem(env);
out:
    if (v != small)
        msi_free(env->ctx, v);
    return r;
}

msi_xid msi_math_convert(msi_math_env *env, const ASTNode_t *ast)
{
    env->ctx->msg[0] = '\0';
    msi_xid r = conv(env, ast, 0);
    if (r < 0)
        nomem(env);
    return r;
}
