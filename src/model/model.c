/*
 * model.c — loading a model file: the YAML tree is checked section by
 * section (states, parameters, inputs, rules, odes, observables), every name
 * is resolved, assignment rules are ordered by dependency (cycles refused),
 * every formula becomes part of one expression DAG, and the result is
 * compiled (compile.c).  Also the read-only accessors of ms_model.  Owns the
 * ms_model; knows nothing of protocols or solvers.  The format is documented
 * in docs/model-format.md.
 */
#include "../core/strmap.h"
#include "../core/yamldoc.h"
#include "model_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <sbml/math/ASTNode.h>

#define MS_RULE_MAX_NESTING 500

static const char *const KIND_NAME[MS_SYMKIND_COUNT] = {"state", "parameter", "input", "rule",
                                                        "observable"};
static const char *const SECTION[MS_SYMKIND_COUNT] = {"states", "parameters", "inputs", "rules",
                                                      "observables"};
static const char *const EVIDENCE[] = {"human-rct", "human-observational", "animal",
                                       "in-vitro",  "assumption",          NULL};
/* Names the formula language gives a meaning of its own. */
static const char *const RESERVED[] = {
    "t",        "time",    "pi",         "exponentiale", "true", "false", "avogadro",  "inf",
    "infinity", "nan",     "notanumber", "exp",          "ln",   "log",   "log10",     "sqrt",
    "abs",      "sin",     "cos",        "tan",          "min",  "max",   "piecewise", "floor",
    "ceil",     "ceiling", "pow",        "power",        "root", "and",   "or",        "not",
    "xor",      "delay",   "rateOf",     "factorial",    NULL};

typedef struct loader {
    ms_context *ctx;
    msi_ydoc doc;
    ms_model *m;
    msi_strmap names;
    const msi_ynode **fnode[MS_SYMKIND_COUNT]; /* formula node of each symbol */
    const msi_ynode **inode;                   /* states: initial value node */
    unsigned char *rule_mark;                  /* 0 new, 1 in progress, 2 done */
    size_t *rule_stack;
    size_t rule_depth, order_n;
} loader;

/* ------------------------------------------------------------ accessors */

void ms_model_free(ms_model *m)
{
    if (!m)
        return;
    ms_context *ctx = m->ctx;
    for (int k = 0; k < MS_SYMKIND_COUNT; k++) {
        for (size_t i = 0; i < m->count[k]; i++) {
            msi_symdef *s = &m->sym[k][i];
            msi_free(ctx, s->name);
            msi_free(ctx, s->unit);
            msi_free(ctx, s->desc);
            msi_free(ctx, s->expr);
            msi_free(ctx, s->init);
            msi_free(ctx, s->source);
            msi_free(ctx, s->hypothesis);
            msi_free(ctx, s->evidence);
            msi_free(ctx, s->contested);
            for (int n = 0; n < 3; n++)
                msi_free(ctx, s->note_ja[n]);
            msi_free(ctx, s->range_why);
            msi_free(ctx, s->latent);
        }
        msi_free(ctx, m->sym[k]);
    }
    msi_free(ctx, m->rule_order);
    for (size_t i = 0; i < m->nvar; i++) {
        msi_vardef *v = &m->var[i];
        msi_free(ctx, v->values);
        msi_free(ctx, v->cum);
        msi_free(ctx, v->source);
        msi_free(ctx, v->hypothesis);
        msi_free(ctx, v->evidence);
        msi_free(ctx, v->summary);
        msi_free(ctx, v->summary_ja);
        for (int k = 0; k < 3; k++)
            msi_free(ctx, v->note_ja[k]);
    }
    msi_free(ctx, m->var);
    msi_free(ctx, m->chol);
    msi_free(ctx, m->chol_perm);
    for (size_t e = 0; e < m->nev; e++) {
        msi_free(ctx, m->ev[e].target);
        msi_free(ctx, m->ev[e].value);
    }
    msi_free(ctx, m->ev);
    msi_free(ctx, m->root_a);
    msi_free(ctx, m->root_b);
    msi_free(ctx, m->file);
    msi_free(ctx, m->name);
    msi_free(ctx, m->desc);
    msi_free(ctx, m->desc_ja);
    msi_compiled_free(ctx, &m->c);
    msi_xdag_free(&m->g);
    msi_free(ctx, m);
}

size_t ms_model_variability_count(const ms_model *m)
{
    return m ? m->nvar : 0;
}

int ms_model_body_weight(const ms_model *m)
{
    return m ? m->body_weight : -1;
}

ms_status ms_model_variability(const ms_model *m, size_t i, ms_variability *out)
{
    if (!m || !out || i >= m->nvar)
        return MS_ERR_ARG;
    const msi_vardef *v = &m->var[i];
    out->param = m->sym[MS_PARAM][v->param].name;
    out->summary = v->summary;
    out->source = v->source;
    out->hypothesis = v->hypothesis;
    out->evidence = v->evidence;
    return MS_OK;
}

/* A distribution in words, in English or Japanese (one phrase table each). */
static void var_summary(const msi_vardef *v, int ja, char *buf, size_t n)
{
    static const struct var_phrases {
        const char *normal, *lognormal, *cv, *gsd, *uniform, *categorical, *truncated;
    } PH[2] = {
        {.normal = "normal(mean %g, sd %g)",
         .lognormal = "lognormal(median %g, %s %g)",
         .cv = "cv",
         .gsd = "gsd",
         .uniform = "uniform(%g, %g)",
         .categorical = "categorical(%zu values)",
         .truncated = " truncated to [%g, %g]"},
        {.normal = "正規分布（平均 %g、標準偏差 %g）",
         .lognormal = "対数正規分布（中央値 %g、%s %g）",
         .cv = "変動係数",
         .gsd = "幾何標準偏差",
         .uniform = "一様分布（%g〜%g）",
         .categorical = "カテゴリ分布（%zu 個の値）",
         .truncated = "、[%g, %g] で打ち切り"},
    };
    const struct var_phrases *ph = &PH[ja != 0];
    switch (v->dist) {
    case MS_DIST_NORMAL: snprintf(buf, n, ph->normal, v->a, v->b); break;
    case MS_DIST_LOGNORMAL:
        snprintf(buf, n, ph->lognormal, v->a, v->by_cv ? ph->cv : ph->gsd, v->spread);
        break;
    case MS_DIST_UNIFORM: snprintf(buf, n, ph->uniform, v->a, v->b); break;
    case MS_DIST_CATEGORICAL: snprintf(buf, n, ph->categorical, v->ncat); break;
    }
    if (isfinite(v->lower) || isfinite(v->upper)) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, ph->truncated, v->lower, v->upper);
    }
}

/* The note `which` of the English notes en[] in language lang, from ja[]
 * where the file gives it. */
static const char *note_lang(char *const en[3], char *const ja[3], ms_note which, const char *lang)
{
    if ((int)which < 0 || which > MS_NOTE_CONTESTED)
        return NULL;
    if (lang && strcmp(lang, "ja") == 0 && ja[which])
        return ja[which];
    return en[which];
}

const char *ms_model_param_note(const ms_model *m, size_t i, ms_note which, const char *lang)
{
    if (!m || i >= m->count[MS_PARAM])
        return NULL;
    const msi_symdef *s = &m->sym[MS_PARAM][i];
    char *const en[3] = {s->source, s->hypothesis, s->contested};
    return note_lang(en, s->note_ja, which, lang);
}

const char *ms_model_variability_summary(const ms_model *m, size_t i, const char *lang)
{
    if (!m || i >= m->nvar)
        return NULL;
    const msi_vardef *v = &m->var[i];
    return lang && strcmp(lang, "ja") == 0 ? v->summary_ja : v->summary;
}

const char *ms_model_variability_note(const ms_model *m, size_t i, ms_note which, const char *lang)
{
    if (!m || i >= m->nvar)
        return NULL;
    const msi_vardef *v = &m->var[i];
    char *const en[3] = {v->source, v->hypothesis, NULL};
    return note_lang(en, v->note_ja, which, lang);
}

ms_status ms_model_param_range(const ms_model *m, size_t i, ms_param_range *out)
{
    if (!m || !out || i >= m->count[MS_PARAM])
        return MS_ERR_ARG;
    const msi_symdef *s = &m->sym[MS_PARAM][i];
    memset(out, 0, sizeof *out);
    if (!isnan(s->range[0])) {
        out->low = s->range[0];
        out->high = s->range[1];
        out->log = s->range_log;
        out->why = s->range_why;
        out->declared = 1;
        return MS_OK;
    }
    /* the documented defaults (docs/model-format.md, "range") */
    if (s->claim) {
        out->low = 0;
        out->high = 2 * s->as_claimed;
        out->why = "default for a claim's strength: from null (0) to twice as-claimed";
    } else if (s->value > 0) {
        out->low = s->value / 2;
        out->high = s->value * 2;
        out->log = 1;
        out->why = "default: half to twice the model's value, on a log scale";
    } else if (s->value < 0) {
        out->low = s->value * 2;
        out->high = s->value / 2;
        out->why = "default: twice to half the model's (negative) value";
    } else {
        out->low = out->high = 0;
        out->why = "no default for a value of 0: declare range:";
    }
    return MS_OK;
}

/* Does node x read an input marked in `inputs` or a state not marked in
 * `held` (directly, not through other states)? */
static int reads_live(const ms_model *m, msi_xid x, const unsigned char *inputs,
                      const unsigned char *held, unsigned char *seen)
{
    if (x < 0 || seen[x])
        return 0;
    seen[x] = 1;
    const msi_xnode *n = &m->g.n[x];
    if (n->op == X_INPUT)
        return inputs[n->a];
    if (n->op == X_STATE)
        return !held[n->a];
    if (n->op <= X_TIME)
        return n->op == X_TIME;
    return reads_live(m, n->a, inputs, held, seen) || reads_live(m, n->b, inputs, held, seen) ||
           reads_live(m, n->c, inputs, held, seen);
}

ms_status msi_model_held_states(const ms_model *m, const unsigned char *inputs, const double *y0,
                                const double *ydot0, unsigned char *held)
{
    size_t ns = m->count[MS_STATE], nn = m->g.len ? m->g.len : 1;
    unsigned char *seen = msi_alloc(m->ctx, nn);
    if (!seen)
        return msi_nomem(m->ctx);
    for (size_t i = 0; i < ns; i++)
        held[i] = y0[i] == 0 && ydot0[i] == 0;
    for (size_t e = 0; e < m->nev; e++) /* a state an event assigns is not held */
        for (size_t j = 0; j < m->ev[e].n; j++)
            held[m->ev[e].target[j]] = 0;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < ns; i++) {
            if (!held[i])
                continue;
            memset(seen, 0, nn);
            if (reads_live(m, m->sym[MS_STATE][i].node, inputs, held, seen)) {
                held[i] = 0;
                changed = 1;
            }
        }
    }
    msi_free(m->ctx, seen);
    return MS_OK;
}

/* Marks params[j] for every parameter the nodes pushed depend on, walking
 * through the states they read (each state's ODE, initial value and the
 * events assigning it).  Every node is pushed once: the stack holds at
 * most the graph's nodes. */
typedef struct {
    const ms_model *m;
    unsigned char *seen_node, *seen_state, *params;
    const unsigned char *held;  /* states held at 0 (their initial value), or NULL */
    const unsigned char *given; /* with held: the inputs ever given */
    unsigned char *zero;        /* per node: 0 not known, 1 always 0, 2 not */
    msi_xid *stack;
    size_t n;
} depwalk;

/* Is node x 0 whatever the parameters, in a run where the held states stay
 * 0 and only the given inputs move?  (A product or quotient of such a
 * factor, a sum or negation of such terms.) */
static int node_zero(depwalk *w, msi_xid x)
{
    if (!w->held || x < 0)
        return 0;
    if (w->zero[x])
        return w->zero[x] == 1;
    const msi_xnode *n = &w->m->g.n[x];
    int z = 0;
    switch (n->op) {
    case X_CONST: z = n->v == 0; break;
    case X_STATE: z = w->held[n->a]; break;
    case X_INPUT: z = !w->given[n->a] && w->m->sym[MS_INPUT][n->a].value == 0; break;
    case X_MUL: z = node_zero(w, n->a) || node_zero(w, n->b); break;
    case X_DIV: z = node_zero(w, n->a); break;
    case X_NEG: z = node_zero(w, n->a); break;
    case X_ADD:
    case X_SUB: z = node_zero(w, n->a) && node_zero(w, n->b); break;
    default: z = 0;
    }
    w->zero[x] = z ? 1 : 2;
    return z;
}

static void dep_push(depwalk *w, msi_xid x)
{
    if (x >= 0 && !w->seen_node[x] && !node_zero(w, x)) {
        w->seen_node[x] = 1;
        w->stack[w->n++] = x;
    }
}

static void dep_walk(depwalk *w)
{
    const ms_model *m = w->m;
    while (w->n) {
        const msi_xnode *x = &m->g.n[w->stack[--w->n]];
        if (x->op == X_PARAM) {
            w->params[x->a] = 1;
        } else if (x->op == X_STATE && !w->seen_state[x->a]) {
            w->seen_state[x->a] = 1;
            if (w->held && w->held[x->a]) { /* a constant: its initial value only */
                dep_push(w, m->sym[MS_STATE][x->a].init_node);
                continue;
            }
            dep_push(w, m->sym[MS_STATE][x->a].node);
            dep_push(w, m->sym[MS_STATE][x->a].init_node);
            for (size_t e = 0; e < m->nev; e++)
                for (size_t j = 0; j < m->ev[e].n; j++)
                    if (m->ev[e].target[j] == x->a) {
                        dep_push(w, m->ev[e].value[j]);
                        dep_push(w, m->ev[e].trigger);
                    }
        } else if (x->op > X_TIME) {
            dep_push(w, x->a);
            dep_push(w, x->b);
            dep_push(w, x->c);
        }
    }
}

ms_status ms_model_dependencies(const ms_model *m, ms_symkind kind, size_t i, unsigned char *params)
{
    return msi_model_dependencies(m, kind, i, params, NULL, NULL);
}

ms_status msi_model_dependencies(const ms_model *m, ms_symkind kind, size_t i,
                                 unsigned char *params, const unsigned char *held,
                                 const unsigned char *given)
{
    if (!m || !params || (kind != MS_OBSERVABLE && kind != MS_STATE) || i >= m->count[kind])
        return MS_ERR_ARG;
    size_t nn = m->g.len ? m->g.len : 1, ns = m->count[MS_STATE];
    depwalk w = {m,    msi_alloc(m->ctx, 2 * nn + ns + 1),      NULL, params, held, given,
                 NULL, msi_alloc(m->ctx, nn * sizeof *w.stack), 0};
    if (!w.seen_node || !w.stack) {
        msi_free(m->ctx, w.seen_node);
        msi_free(m->ctx, w.stack);
        return msi_nomem(m->ctx);
    }
    w.zero = w.seen_node + nn + ns + 1;
    w.seen_state = w.seen_node + nn;
    memset(params, 0, m->count[MS_PARAM]);
    const msi_symdef *s = &m->sym[kind][i];
    if (kind == MS_STATE) { /* the state and everything it reads */
        w.seen_state[i] = 1;
        dep_push(&w, s->init_node);
        for (size_t e = 0; e < m->nev; e++)
            for (size_t j = 0; j < m->ev[e].n; j++)
                if (m->ev[e].target[j] == (int32_t)i) {
                    dep_push(&w, m->ev[e].value[j]);
                    dep_push(&w, m->ev[e].trigger);
                }
    }
    dep_push(&w, s->node);
    dep_walk(&w);
    msi_free(m->ctx, w.seen_node);
    msi_free(m->ctx, w.stack);
    return MS_OK;
}

double ms_model_time_unit(const ms_model *m)
{
    return m ? m->time_h : NAN;
}

const char *ms_model_name(const ms_model *m)
{
    return m ? m->name : NULL;
}
const char *ms_model_description(const ms_model *m)
{
    return m && m->desc ? m->desc : "";
}
const char *ms_model_description_lang(const ms_model *m, const char *lang)
{
    if (m && lang && strcmp(lang, "ja") == 0 && m->desc_ja)
        return m->desc_ja;
    return ms_model_description(m);
}

size_t ms_model_count(const ms_model *m, ms_symkind kind)
{
    if (!m || (int)kind < 0 || kind >= MS_SYMKIND_COUNT)
        return 0;
    return m->count[kind];
}

size_t ms_model_claim_count(const ms_model *m)
{
    size_t n = 0;
    for (size_t i = 0; m && i < m->count[MS_PARAM]; i++)
        n += m->sym[MS_PARAM][i].claim != 0;
    return n;
}

ms_status ms_model_symbol(const ms_model *m, ms_symkind kind, size_t i, ms_symbol *out)
{
    if (!m || !out || (int)kind < 0 || kind >= MS_SYMKIND_COUNT || i >= m->count[kind])
        return MS_ERR_ARG;
    const msi_symdef *s = &m->sym[kind][i];
    memset(out, 0, sizeof *out);
    out->name = s->name;
    out->unit = s->unit;
    out->description = s->desc;
    out->expr = s->expr;
    out->init = s->init;
    out->value = s->value;
    out->source = s->source;
    out->hypothesis = s->hypothesis;
    out->evidence = s->evidence;
    out->contested = s->contested;
    out->input_kind = s->input_kind;
    out->target = s->target;
    out->line = s->line;
    out->column = s->col;
    out->abs_tol = s->abs_tol;
    out->non_negative = s->non_negative;
    out->claim = s->claim;
    out->as_claimed = s->as_claimed;
    out->latent_class = s->latent;
    return MS_OK;
}

int ms_model_find(const ms_model *m, ms_symkind kind, const char *name)
{
    if (!m || !name || (int)kind < 0 || kind >= MS_SYMKIND_COUNT)
        return -1;
    for (size_t i = 0; i < m->count[kind]; i++)
        if (strcmp(m->sym[kind][i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t ms_model_jacobian_nnz(const ms_model *m)
{
    return m ? m->c.jac_nnz : 0;
}

/* -------------------------------------------------------------- helpers */

/* An error at a node of the model file. */
#define yfail(L, n, ...) msi_yfail((L)->ctx, &(L)->doc, (n), MS_ERR_MODEL, __VA_ARGS__)

static int valid_identifier(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return 0;
    return 1;
}

/* libSBML's infix parser compares its constants and function names without
 * regard to case ("Pi", "TIME" and "True" are pi, time and 1), so they are
 * refused in any case; only "t", moodsim's own name for time, is exact. */
static int is_reserved(const char *s)
{
    if (strcmp(s, "t") == 0)
        return 1;
    for (const char *const *r = RESERVED + 1; *r; r++)
        if (strcasecmp(*r, s) == 0)
            return 1;
    return 0;
}

const char *msi_model_suggest(const ms_model *m, int kind, const char *name)
{
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (int k = 0; k < MS_SYMKIND_COUNT; k++) {
        if (kind >= 0 && k != kind)
            continue;
        for (size_t i = 0; i < m->count[k]; i++) {
            size_t d = msi_edit_distance(name, m->sym[k][i].name);
            if (d < bd) {
                bd = d;
                best = m->sym[k][i].name;
            }
        }
    }
    size_t len = strlen(name);
    return (bd <= 2 && bd < len) ? best : NULL;
}

static const char *suggest(const loader *L, const char *name)
{
    return msi_model_suggest(L->m, -1, name);
}

/* An optional text field into *dst (copied). */
static ms_status opt_text(loader *L, const msi_ynode *map, const char *key, const char *what,
                          char **dst)
{
    const msi_ynode *v;
    ms_status st = msi_yget_string(L->ctx, &L->doc, map, key, what, 0, &v, MS_ERR_MODEL);
    if (st != MS_OK || !v)
        return st;
    *dst = msi_strdup(L->ctx, v->str);
    return *dst ? MS_OK : msi_nomem(L->ctx);
}

static ms_status req_text(loader *L, const msi_ynode *map, const char *key, const char *what,
                          char **dst)
{
    const msi_ynode *v;
    ms_status st = msi_yget_string(L->ctx, &L->doc, map, key, what, 1, &v, MS_ERR_MODEL);
    if (st != MS_OK)
        return st;
    *dst = msi_strdup(L->ctx, v->str);
    return *dst ? MS_OK : msi_nomem(L->ctx);
}

/* A section: a mapping of names to definitions; an empty value counts as
 * an empty mapping. */
static ms_status section(loader *L, const msi_ynode *root, const char *key, const msi_ynode **out)
{
    const msi_ynode *v = msi_ymap_get(root, key);
    *out = NULL;
    if (!v || (v->type == MS_Y_SCALAR && v->len == 0 && v->style == 1 /* plain */))
        return MS_OK;
    if (v->type != MS_Y_MAP)
        return yfail(L, v, "'%s:' must be a mapping of names to definitions", key);
    *out = v;
    return MS_OK;
}

/* --------------------------------------------------------- definitions */

static ms_status read_state(loader *L, const msi_ynode *def, msi_symdef *s, size_t i)
{
    static const char *const keys[] = {"unit",    "initial",      "description",
                                       "abs_tol", "non_negative", NULL};
    char what[160];
    snprintf(what, sizeof what, "state '%s'", s->name);
    if (def->type != MS_Y_MAP)
        return yfail(L, def, "%s must be a mapping with unit: and initial:", what);
    ms_status st = msi_ymap_check_keys(L->ctx, &L->doc, def, what, keys, MS_ERR_MODEL);
    if (!st)
        st = req_text(L, def, "unit", what, &s->unit);
    if (!st)
        st = opt_text(L, def, "description", what, &s->desc);
    if (st)
        return st;
    const msi_ynode *init = msi_ymap_get(def, "initial");
    if (!init)
        return yfail(L, def, "%s has no 'initial:'; expected a number or a formula of parameters",
                     what);
    if (init->type != MS_Y_SCALAR || init->len == 0)
        return yfail(L, init, "'initial' of %s must be a number or a formula", what);
    const msi_ynode *tol = msi_ymap_get(def, "abs_tol");
    if (tol) {
        st = msi_yget_number(L->ctx, &L->doc, tol, "abs_tol", &s->abs_tol, MS_ERR_MODEL);
        if (st)
            return st;
        if (!(s->abs_tol > 0))
            return yfail(L, tol,
                         "abs_tol of %s is %g; expected a positive number in the state's unit "
                         "(the coarsest absolute error the solver may make in it)",
                         what, s->abs_tol);
    }
    const msi_ynode *nn = msi_ymap_get(def, "non_negative");
    if (nn) {
        if (nn->type != MS_Y_SCALAR || (strcmp(nn->str, "true") && strcmp(nn->str, "false")))
            return yfail(L, nn, "non_negative of %s must be true or false", what);
        s->non_negative = strcmp(nn->str, "true") == 0;
    }
    L->inode[i] = init;
    s->init = msi_strdup(L->ctx, init->str);
    return s->init ? MS_OK : msi_nomem(L->ctx);
}

/* ja: {source:, hypothesis:, contested:} of a parameter or distribution
 * `what`: the Japanese of each English note en[] it has (ms_note order);
 * a translation of a note the definition does not have is refused. */
static ms_status read_notes_ja(loader *L, const msi_ynode *def, const char *what, char *const en[3],
                               char *ja[3])
{
    static const char *const names[3] = {"source", "hypothesis", "contested"};
    const msi_ynode *j = msi_ymap_get(def, "ja");
    if (!j)
        return MS_OK;
    char jw[200];
    snprintf(jw, sizeof jw, "ja: of %s", what);
    if (j->type != MS_Y_MAP)
        return yfail(L, j, "%s: expected a mapping of the notes in Japanese ({%s: TEXT})", jw,
                     en[MS_NOTE_HYPOTHESIS] ? "hypothesis" : "source");
    static const char *const keys[] = {"source", "hypothesis", "contested", NULL};
    ms_status st = msi_ymap_check_keys(L->ctx, &L->doc, j, jw, keys, MS_ERR_MODEL);
    for (int k = 0; k < 3 && !st; k++) {
        const msi_ynode *n = msi_ymap_get(j, names[k]);
        if (n && !en[k])
            return yfail(L, n,
                         "%s translates '%s:', which %s does not have; expected the "
                         "Japanese of its own notes only",
                         jw, names[k], what);
        st = opt_text(L, j, names[k], jw, &ja[k]);
    }
    return st;
}

static ms_status num_key(loader *L, const msi_ynode *map, const char *key, const char *what,
                         int required, double *out);

static ms_status read_param(loader *L, const msi_ynode *def, msi_symdef *s)
{
    static const char *const keys[] = {"value",      "unit",      "source",      "hypothesis",
                                       "evidence",   "contested", "description", "note",
                                       "as_claimed", "ja",        "range",       NULL};
    char what[160];
    snprintf(what, sizeof what, "parameter '%s'", s->name);
    if (def->type != MS_Y_MAP)
        return yfail(L, def,
                     "%s must be a mapping with value:, unit: and source: or hypothesis:", what);
    ms_status st = msi_ymap_check_keys(L->ctx, &L->doc, def, what, keys, MS_ERR_MODEL);
    if (st)
        return st;
    const msi_ynode *v = msi_ymap_get(def, "value");
    if (!v)
        return yfail(L, def, "%s has no 'value:'; expected a finite number", what);
    st = msi_yget_number(L->ctx, &L->doc, v, "the value", &s->value, MS_ERR_MODEL);
    if (!st)
        st = req_text(L, def, "unit", what, &s->unit);
    if (!st)
        st = opt_text(L, def, "source", what, &s->source);
    if (!st)
        st = opt_text(L, def, "hypothesis", what, &s->hypothesis);
    if (!st)
        st = opt_text(L, def, "evidence", what, &s->evidence);
    if (!st)
        st = opt_text(L, def, "contested", what, &s->contested);
    if (!st)
        st = opt_text(L, def, "description", what, &s->desc);
    if (st)
        return st;
    if (!s->source && !s->hypothesis)
        return yfail(L, def,
                     "%s has neither 'source:' (a citation) nor 'hypothesis:' (what is "
                     "assumed); every parameter needs one",
                     what);
    char *const en[3] = {s->source, s->hypothesis, s->contested};
    if ((st = read_notes_ja(L, def, what, en, s->note_ja)))
        return st;
    /* range: {low:, high:, log:, why:} -- the plausible values a sensitivity
     * analysis varies it over, with the reason */
    s->range[0] = s->range[1] = NAN;
    const msi_ynode *rg = msi_ymap_get(def, "range");
    if (rg) {
        static const char *const rk[] = {"low", "high", "log", "why", NULL};
        char rw[200];
        snprintf(rw, sizeof rw, "range: of %s", what);
        if (rg->type != MS_Y_MAP)
            return yfail(L, rg, "%s: expected {low: X, high: Y, why: TEXT}", rw);
        if ((st = msi_ymap_check_keys(L->ctx, &L->doc, rg, rw, rk, MS_ERR_MODEL)) ||
            (st = num_key(L, rg, "low", rw, 1, &s->range[0])) ||
            (st = num_key(L, rg, "high", rw, 1, &s->range[1])) ||
            (st = req_text(L, rg, "why", rw, &s->range_why)))
            return st;
        if (!(s->range[1] > s->range[0]))
            return yfail(L, msi_ymap_get(rg, "high"), "%s: high %g must exceed low %g", rw,
                         s->range[1], s->range[0]);
        const msi_ynode *lg = msi_ymap_get(rg, "log");
        if (lg &&
            (lg->type != MS_Y_SCALAR || (strcmp(lg->str, "true") && strcmp(lg->str, "false"))))
            return yfail(L, lg, "%s: log must be true or false", rw);
        s->range_log = lg && strcmp(lg->str, "true") == 0;
        if (s->range_log && !(s->range[0] > 0))
            return yfail(L, lg, "%s: a log scale needs low > 0 (low is %g)", rw, s->range[0]);
    }
    /* a claim's strength: null is 0, as_claimed the value under which the
     * claim would hold; a claim is a hypothesis, never a citation */
    const msi_ynode *ac = msi_ymap_get(def, "as_claimed");
    if (ac) {
        if ((st = msi_yget_number(L->ctx, &L->doc, ac, "as_claimed", &s->as_claimed, MS_ERR_MODEL)))
            return st;
        if (s->as_claimed == 0)
            return yfail(L, ac,
                         "as_claimed of %s is 0; expected the nonzero value under which the "
                         "claim holds (its null value is 0)",
                         what);
        if (s->source || !s->hypothesis)
            return yfail(L, ac,
                         "%s has as_claimed: but %s; a claim without human evidence is a "
                         "hypothesis: expected 'hypothesis:' and no 'source:'",
                         what, s->source ? "a 'source:'" : "no 'hypothesis:'");
        s->claim = 1;
    }
    if (s->evidence) {
        int ok = 0;
        for (const char *const *e = EVIDENCE; *e; e++)
            ok |= strcmp(*e, s->evidence) == 0;
        if (!ok)
            return yfail(L, msi_ymap_get(def, "evidence"),
                         "evidence '%s' of %s; expected one of: human-rct, human-observational, "
                         "animal, in-vitro, assumption",
                         s->evidence, what);
    }
    return MS_OK;
}

static ms_status read_input(loader *L, const msi_ynode *def, msi_symdef *s)
{
    static const char *const keys[] = {"kind",        "unit",   "target", "default",
                                       "description", "course", NULL};
    char what[160];
    snprintf(what, sizeof what, "input '%s'", s->name);
    s->course_of = -2; /* not declared */
    if (def->type != MS_Y_MAP)
        return yfail(L, def, "%s must be a mapping with kind: and unit:", what);
    ms_status st = msi_ymap_check_keys(L->ctx, &L->doc, def, what, keys, MS_ERR_MODEL);
    char *kind = NULL;
    if (!st)
        st = req_text(L, def, "kind", what, &kind);
    if (!st)
        st = req_text(L, def, "unit", what, &s->unit);
    if (!st)
        st = opt_text(L, def, "description", what, &s->desc);
    if (st) {
        msi_free(L->ctx, kind);
        return st;
    }
    const msi_ynode *kn = msi_ymap_get(def, "kind");
    if (strcmp(kind, "rate") == 0)
        s->input_kind = MS_INPUT_RATE;
    else if (strcmp(kind, "level") == 0)
        s->input_kind = MS_INPUT_LEVEL;
    else if (strcmp(kind, "bolus") == 0)
        s->input_kind = MS_INPUT_BOLUS;
    else if (strcmp(kind, "course") == 0) {
        s->input_kind = MS_INPUT_LEVEL;
        s->course = 1;
    } else
        st = yfail(L, kn, "kind '%s' of %s; expected rate, level, bolus or course", kind, what);
    msi_free(L->ctx, kind);
    if (st)
        return st;
    const msi_ynode *cn = msi_ymap_get(def, "course");
    if (s->course) {
        /* 1 while a course of any input that names it is on; set by the
         * engine from the calendar, never by a protocol */
        if (strcmp(s->unit, "1") != 0)
            return yfail(L, msi_ymap_get(def, "unit"),
                         "course %s is 1 while a course is on and 0 otherwise; expected unit: "
                         "\"1\", not '%s'",
                         what, s->unit);
        if (cn)
            return yfail(L, cn, "course: belongs to the inputs that count toward %s, not to it",
                         what);
        if (msi_ymap_get(def, "default") || msi_ymap_get(def, "target"))
            return yfail(L,
                         msi_ymap_get(def, "default") ? msi_ymap_get(def, "default")
                                                      : msi_ymap_get(def, "target"),
                         "course %s has no default or target: the engine sets it", what);
        s->course_of = -1;
        return MS_OK;
    }
    if (cn) {
        if (cn->type != MS_Y_SCALAR)
            return yfail(L, cn, "course: of %s expected the name of a course input, or none", what);
        if (strcmp(cn->str, "none") == 0) {
            s->course_of = -1;
        } else {
            const msi_strmap_entry *e = msi_strmap_get(&L->names, cn->str);
            const msi_ynode *inputs = msi_ymap_get(L->doc.root, "inputs");
            const msi_ynode *cdef =
                e && e->kind == MS_INPUT && inputs ? msi_ymap_get(inputs, cn->str) : NULL;
            const msi_ynode *ck =
                cdef && cdef->type == MS_Y_MAP ? msi_ymap_get(cdef, "kind") : NULL;
            if (!ck || ck->type != MS_Y_SCALAR || strcmp(ck->str, "course") != 0)
                return yfail(L, cn,
                             "course: '%s' of %s is not a course input (kind: course); "
                             "expected one, or none",
                             cn->str, what);
            s->course_of = e->index;
        }
    }
    const msi_ynode *tg = msi_ymap_get(def, "target");
    const msi_ynode *dv = msi_ymap_get(def, "default");
    s->target = -1;
    if (s->input_kind == MS_INPUT_BOLUS) {
        if (!tg)
            return yfail(L, def, "bolus %s has no 'target:'; expected the state it adds to", what);
        if (tg->type != MS_Y_SCALAR)
            return yfail(L, tg, "'target' of %s must be a state name", what);
        const msi_strmap_entry *e = msi_strmap_get(&L->names, tg->str);
        if (!e || e->kind != MS_STATE)
            return yfail(L, tg, "target '%s' of %s is not a state; expected one of the states",
                         tg->str, what);
        s->target = e->index;
        if (dv)
            return yfail(L, dv, "a bolus input has no default level");
    } else {
        if (tg)
            return yfail(L, tg, "'target:' is for bolus inputs; %s is a %s input", what,
                         s->input_kind == MS_INPUT_RATE ? "rate" : "level");
        if (dv) {
            st = msi_yget_number(L->ctx, &L->doc, dv, "the default", &s->value, MS_ERR_MODEL);
            if (st)
                return st;
        }
    }
    return MS_OK;
}

/* rules: `name: formula` or `name: {expr:, unit:, description:}`;
 * observables: the mapping form, unit required. */
static ms_status read_formula_def(loader *L, const msi_ynode *def, msi_symdef *s,
                                  const msi_ynode **fnode, int need_unit)
{
    static const char *const rkeys[] = {"expr", "unit", "description", NULL};
    static const char *const okeys[] = {"expr", "unit", "description", "class", NULL};
    const char *const *keys = need_unit ? okeys : rkeys;
    char what[160];
    snprintf(what, sizeof what, "%s '%s'", need_unit ? "observable" : "rule", s->name);
    if (def->type == MS_Y_SCALAR && !need_unit) {
        if (def->len == 0)
            return yfail(L, def, "%s is empty; expected a formula", what);
        *fnode = def;
        s->expr = msi_strdup(L->ctx, def->str);
        return s->expr ? MS_OK : msi_nomem(L->ctx);
    }
    if (def->type != MS_Y_MAP)
        return yfail(L, def, "%s must be a mapping with expr:%s", what,
                     need_unit ? " and unit:" : "");
    ms_status st = msi_ymap_check_keys(L->ctx, &L->doc, def, what, keys, MS_ERR_MODEL);
    if (!st)
        st = req_text(L, def, "expr", what, &s->expr);
    if (!st)
        st = need_unit ? req_text(L, def, "unit", what, &s->unit)
                       : opt_text(L, def, "unit", what, &s->unit);
    if (!st)
        st = opt_text(L, def, "description", what, &s->desc);
    /* class: a latent class of the patient, 1 when the patient is in it
     * (e.g. a TMS responder); `moodsim simulate` names the patient's */
    if (!st && need_unit)
        st = opt_text(L, def, "class", what, &s->latent);
    if (!st)
        *fnode = msi_ymap_get(def, "expr");
    return st;
}

/* ------------------------------------------------------------- formulas */

static msi_xid rule_node(loader *L, size_t i);

static msi_xid env_name(msi_math_env *env, const char *name)
{
    loader *L = env->ud;
    int line, col;
    if (strcmp(name, "t") == 0)
        return msi_x_leaf(&L->m->g, X_TIME, 0);
    const msi_strmap_entry *e = msi_strmap_get(&L->names, name);
    if (!e) {
        msi_math_locate(env, name, &line, &col);
        const char *s = suggest(L, name);
        msi_fail(L->ctx, MS_ERR_MODEL, L->doc.file, line, col,
                 "unknown symbol '%s' in %s; expected a state, parameter, input or rule%s%s%s",
                 name, env->what, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        return -1;
    }
    msi_symdef *s = &L->m->sym[e->kind][e->index];
    switch (e->kind) {
    case MS_RULE: return rule_node(L, (size_t)e->index);
    case MS_INPUT:
        if (s->input_kind == MS_INPUT_BOLUS) {
            msi_math_locate(env, name, &line, &col);
            msi_fail(L->ctx, MS_ERR_MODEL, L->doc.file, line, col,
                     "'%s' in %s is a bolus input, which adds to state '%s' and has no value; "
                     "expected a rate or level input",
                     name, env->what, L->m->sym[MS_STATE][s->target].name);
            return -1;
        }
        return s->leaf;
    case MS_OBSERVABLE:
        msi_math_locate(env, name, &line, &col);
        msi_fail(L->ctx, MS_ERR_MODEL, L->doc.file, line, col,
                 "'%s' in %s is an observable; formulas may use states, parameters, inputs and "
                 "rules (make '%s' a rule to use it)",
                 name, env->what, name);
        return -1;
    default: return s->leaf;
    }
}

static msi_xid env_call(msi_math_env *env, const char *name, const msi_xid *args, size_t n)
{
    (void)args;
    (void)n;
    int line, col;
    msi_math_locate(env, name, &line, &col);
    msi_fail(env->ctx, MS_ERR_MODEL, env->file, line, col,
             "unknown function '%s' in %s; expected one of exp, ln, log10, sqrt, abs, min, max, "
             "piecewise, floor, ceil, sin, cos, tan and the like",
             name, env->what);
    return -1;
}

/* Converts the formula in scalar `fn` (text `text`). */
static msi_xid formula(loader *L, const msi_ynode *fn, const char *text, const char *what)
{
    msi_math_env env = {.ctx = L->ctx,
                        .g = &L->m->g,
                        .file = L->doc.file,
                        .text = text,
                        .what = what,
                        .name = env_name,
                        .call = env_call,
                        .ud = L};
    env.line = fn ? fn->line : 1;
    env.col = fn ? fn->col : 1;
    if (fn && (fn->style == 2 || fn->style == 3)) /* single or double quoted */
        env.col++;
    else if (fn && (fn->style == 4 || fn->style == 5)) { /* block: starts on the next line */
        env.line++;
        env.col = fn->col + 2;
    }
    ASTNode_t *ast = NULL;
    if (msi_math_parse(&env, &ast) != MS_OK)
        return -1;
    msi_xid r = msi_math_convert(&env, ast);
    ASTNode_free(ast);
    return r;
}

static msi_xid rule_node(loader *L, size_t i)
{
    msi_symdef *s = &L->m->sym[MS_RULE][i];
    if (L->rule_mark[i] == 2)
        return s->node;
    if (L->rule_mark[i] == 1) {
        char path[600];
        size_t off = 0, start = 0;
        for (size_t k = 0; k < L->rule_depth; k++)
            if (L->rule_stack[k] == i)
                start = k;
        for (size_t k = start; k < L->rule_depth && off < sizeof path - 80; k++) {
            int w = snprintf(path + off, sizeof path - off, "%s -> ",
                             L->m->sym[MS_RULE][L->rule_stack[k]].name);
            if (w > 0)
                off += (size_t)w;
        }
        snprintf(path + off, sizeof path - off, "%s", s->name);
        msi_fail(L->ctx, MS_ERR_MODEL, L->doc.file, s->line, s->col,
                 "cycle in assignment rules: %s; rules must not depend on themselves", path);
        return -1;
    }
    if (L->rule_depth >= MS_RULE_MAX_NESTING) {
        msi_fail(L->ctx, MS_ERR_LIMIT, L->doc.file, s->line, s->col,
                 "assignment rules nested deeper than %d levels", MS_RULE_MAX_NESTING);
        return -1;
    }
    L->rule_mark[i] = 1;
    L->rule_stack[L->rule_depth++] = i;
    char what[160];
    snprintf(what, sizeof what, "the rule '%s'", s->name);
    msi_xid r = formula(L, L->fnode[MS_RULE][i], s->expr, what);
    L->rule_depth--;
    if (r < 0)
        return -1;
    s->node = r;
    L->rule_mark[i] = 2;
    L->m->rule_order[L->order_n++] = i;
    return r;
}

/* --------------------------------------------------------------- loading */

static ms_status collect(loader *L, const msi_ynode *sec, ms_symkind kind)
{
    if (!sec)
        return MS_OK;
    ms_model *m = L->m;
    size_t n = sec->n;
    m->sym[kind] = msi_alloc(L->ctx, (n ? n : 1) * sizeof *m->sym[kind]);
    L->fnode[kind] = msi_alloc(L->ctx, (n ? n : 1) * sizeof *L->fnode[kind]);
    if (!m->sym[kind] || !L->fnode[kind])
        return msi_nomem(L->ctx);
    for (size_t i = 0; i < n; i++) {
        const msi_ynode *k = sec->keys[i];
        if (!valid_identifier(k->str))
            return yfail(L, k,
                         "'%s' is not a valid name; expected a letter or '_' followed by "
                         "letters, digits or '_'",
                         k->str);
        if (is_reserved(k->str))
            return yfail(L, k,
                         "'%s' is a reserved word of the formula language; choose another "
                         "name",
                         k->str);
        msi_symdef *s = &m->sym[kind][i];
        s->name = msi_strdup(L->ctx, k->str);
        if (!s->name)
            return msi_nomem(L->ctx);
        s->line = k->line;
        s->col = k->col;
        s->leaf = -1;
        s->node = -1;
        s->init_node = -1;
        m->count[kind] = i + 1;
        const msi_strmap_entry *old;
        int r = msi_strmap_put(&L->names, s->name, (int32_t)kind, (int32_t)i, &old);
        if (r < 0)
            return msi_nomem(L->ctx);
        if (r > 0) {
            const msi_symdef *o = &m->sym[old->kind][old->index];
            return yfail(L, k, "duplicate name '%s': already defined as a %s at line %d", s->name,
                         KIND_NAME[old->kind], o->line);
        }
    }
    return MS_OK;
}

/* The parameter a key names, or an error at the key. */
static ms_status param_ref(loader *L, const msi_ynode *k, const char *what, int *out)
{
    const msi_strmap_entry *e = msi_strmap_get(&L->names, k->str);
    if (e && e->kind != MS_PARAM)
        return yfail(L, k, "%s '%s' is a %s, not a parameter", what, k->str, KIND_NAME[e->kind]);
    if (!e) {
        const char *s = suggest(L, k->str);
        return yfail(L, k, "%s '%s' is not a parameter%s%s%s", what, k->str,
                     s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    *out = e->index;
    return MS_OK;
}

static ms_status num_key(loader *L, const msi_ynode *map, const char *key, const char *what,
                         int required, double *out)
{
    const msi_ynode *v = msi_ymap_get(map, key);
    if (!v) {
        if (required)
            return yfail(L, map, "%s has no '%s:'", what, key);
        return MS_OK;
    }
    return msi_yget_number(L->ctx, &L->doc, v, key, out, MS_ERR_MODEL);
}

static ms_status read_vardef(loader *L, const msi_ynode *key, const msi_ynode *def, msi_vardef *v)
{
    static const char *const keys[] = {
        "dist",  "mean",   "sd",    "median", "cv",         "gsd",      "min",  "max", "lower",
        "upper", "values", "probs", "source", "hypothesis", "evidence", "note", "ja",  NULL};
    char what[160];
    ms_status st;
    snprintf(what, sizeof what, "the variability of '%s'", key->str);
    v->line = key->line;
    v->col = key->col;
    v->lower = -INFINITY;
    v->upper = INFINITY;
    if ((st = param_ref(L, key, "variability:", &v->param)))
        return st;
    /* a claim is set by the scenario (null or as-claimed), never drawn */
    if (L->m->sym[MS_PARAM][v->param].claim)
        return yfail(L, key,
                     "'%s' is a claim (as_claimed:); a claim's strength is 0 or its "
                     "as-claimed value in every patient, not a distribution",
                     key->str);
    if (def->type != MS_Y_MAP)
        return yfail(L, def, "%s must be a mapping with dist: and its parameters", what);
    if ((st = msi_ymap_check_keys(L->ctx, &L->doc, def, what, keys, MS_ERR_MODEL)))
        return st;
    char *dist = NULL;
    if ((st = req_text(L, def, "dist", what, &dist)))
        return st;
    const msi_ynode *dn = msi_ymap_get(def, "dist");
    int d = strcmp(dist, "normal") == 0        ? MS_DIST_NORMAL
            : strcmp(dist, "lognormal") == 0   ? MS_DIST_LOGNORMAL
            : strcmp(dist, "uniform") == 0     ? MS_DIST_UNIFORM
            : strcmp(dist, "categorical") == 0 ? MS_DIST_CATEGORICAL
                                               : -1;
    msi_free(L->ctx, dist);
    if (d < 0)
        return yfail(L, dn, "dist of %s; expected normal, lognormal, uniform or categorical", what);
    v->dist = (msi_dist)d;
    if ((st = opt_text(L, def, "source", what, &v->source)) ||
        (st = opt_text(L, def, "hypothesis", what, &v->hypothesis)) ||
        (st = opt_text(L, def, "evidence", what, &v->evidence)))
        return st;
    if (!v->source && !v->hypothesis)
        return yfail(L, key,
                     "%s has neither 'source:' nor 'hypothesis:'; every distribution "
                     "needs one",
                     what);
    char *const en[3] = {v->source, v->hypothesis, NULL};
    if ((st = read_notes_ja(L, def, what, en, v->note_ja)))
        return st;
    switch (v->dist) {
    case MS_DIST_NORMAL:
        if ((st = num_key(L, def, "mean", what, 1, &v->a)) ||
            (st = num_key(L, def, "sd", what, 1, &v->b)))
            return st;
        if (!(v->b > 0))
            return yfail(L, msi_ymap_get(def, "sd"), "sd of %s must be > 0", what);
        break;
    case MS_DIST_LOGNORMAL: {
        const msi_ynode *cv = msi_ymap_get(def, "cv"), *gsd = msi_ymap_get(def, "gsd");
        if ((st = num_key(L, def, "median", what, 1, &v->a)))
            return st;
        if (!(v->a > 0))
            return yfail(L, msi_ymap_get(def, "median"), "median of %s must be > 0", what);
        if ((cv && gsd) || (!cv && !gsd))
            return yfail(L, def,
                         "%s needs exactly one of cv: (coefficient of variation) or gsd: "
                         "(geometric SD)",
                         what);
        double x;
        if ((st = msi_yget_number(L->ctx, &L->doc, cv ? cv : gsd, cv ? "cv" : "gsd", &x,
                                  MS_ERR_MODEL)))
            return st;
        if (cv ? !(x > 0) : !(x > 1))
            return yfail(L, cv ? cv : gsd, "%s of %s must be %s", cv ? "cv" : "gsd", what,
                         cv ? "> 0" : "> 1");
        v->b = cv ? sqrt(log(1 + x * x)) : log(x);
        v->by_cv = cv != NULL;
        v->spread = x;
        break;
    }
    case MS_DIST_UNIFORM:
        if ((st = num_key(L, def, "min", what, 1, &v->a)) ||
            (st = num_key(L, def, "max", what, 1, &v->b)))
            return st;
        if (!(v->b > v->a))
            return yfail(L, msi_ymap_get(def, "max"), "max of %s must exceed min", what);
        break;
    case MS_DIST_CATEGORICAL: {
        const msi_ynode *vs = msi_ymap_get(def, "values"), *ps = msi_ymap_get(def, "probs");
        if (!vs || !ps || vs->type != MS_Y_SEQ || ps->type != MS_Y_SEQ || vs->n == 0 ||
            vs->n != ps->n)
            return yfail(L, vs ? vs : def, "%s needs values: and probs: lists of the same length",
                         what);
        v->ncat = vs->n;
        v->values = msi_alloc(L->ctx, vs->n * sizeof *v->values);
        v->cum = msi_alloc(L->ctx, vs->n * sizeof *v->cum);
        if (!v->values || !v->cum)
            return msi_nomem(L->ctx);
        double total = 0;
        for (size_t i = 0; i < vs->n; i++) {
            double pr;
            if ((st = msi_yget_number(L->ctx, &L->doc, vs->vals[i], "a value", &v->values[i],
                                      MS_ERR_MODEL)) ||
                (st = msi_yget_number(L->ctx, &L->doc, ps->vals[i], "a probability", &pr,
                                      MS_ERR_MODEL)))
                return st;
            if (pr < 0 || pr > 1)
                return yfail(L, ps->vals[i], "probability %g; expected 0 to 1", pr);
            total += pr;
            v->cum[i] = total;
        }
        if (fabs(total - 1) > 1e-9)
            return yfail(L, ps, "the probabilities of %s add up to %g; expected 1", what, total);
        v->cum[vs->n - 1] = 1;
        break;
    }
    }
    if (v->dist == MS_DIST_NORMAL || v->dist == MS_DIST_LOGNORMAL) {
        if ((st = num_key(L, def, "lower", what, 0, &v->lower)) ||
            (st = num_key(L, def, "upper", what, 0, &v->upper)))
            return st;
        if (!(v->upper > v->lower))
            return yfail(L, def, "the truncation of %s is empty (lower %g, upper %g)", what,
                         v->lower, v->upper);
        double centre = v->dist == MS_DIST_NORMAL ? v->a : v->a;
        if (centre < v->lower || centre > v->upper)
            return yfail(L, def, "the %s of %s lies outside its truncation [%g, %g]",
                         v->dist == MS_DIST_NORMAL ? "mean" : "median", what, v->lower, v->upper);
    } else if (msi_ymap_get(def, "lower") || msi_ymap_get(def, "upper")) {
        return yfail(
            L, msi_ymap_get(def, "lower") ? msi_ymap_get(def, "lower") : msi_ymap_get(def, "upper"),
            "lower/upper truncate normal and lognormal distributions only");
    }
    char sum[256];
    var_summary(v, 0, sum, sizeof sum);
    if (!(v->summary = msi_strdup(L->ctx, sum)))
        return msi_nomem(L->ctx);
    var_summary(v, 1, sum, sizeof sum);
    v->summary_ja = msi_strdup(L->ctx, sum);
    return v->summary_ja ? MS_OK : msi_nomem(L->ctx);
}

static ms_status read_variability(loader *L, const msi_ynode *root)
{
    ms_model *m = L->m;
    ms_status st;
    m->body_weight = -1;
    m->time_h = 1; /* a model file's time is in hours (docs/model-format.md) */
    const msi_ynode *bw = msi_ymap_get(root, "body_weight");
    if (bw) {
        if (bw->type != MS_Y_SCALAR)
            return yfail(L, bw, "body_weight must name a parameter (in kg)");
        if ((st = param_ref(L, bw, "body_weight:", &m->body_weight)))
            return st;
        if (strcmp(m->sym[MS_PARAM][m->body_weight].unit, "kg") != 0)
            return yfail(L, bw, "body_weight '%s' has unit '%s'; expected kg", bw->str,
                         m->sym[MS_PARAM][m->body_weight].unit);
    }
    const msi_ynode *var;
    if ((st = section(L, root, "variability", &var)))
        return st;
    if (var && var->n) {
        m->var = msi_alloc(L->ctx, var->n * sizeof *m->var);
        if (!m->var)
            return msi_nomem(L->ctx);
        for (size_t i = 0; i < var->n; i++) {
            m->nvar = i + 1;
            if ((st = read_vardef(L, var->keys[i], var->vals[i], &m->var[i])))
                return st;
        }
    }
    const msi_ynode *cor = msi_ymap_get(root, "correlations");
    if (!cor)
        return MS_OK;
    if (cor->type != MS_Y_SEQ)
        return yfail(L, cor, "correlations must be a list of {between: [a, b], r: 0.3}");
    size_t n = m->nvar;
    /* the factor is taken in the order of the parameters' names, so that it,
     * and with it every patient, is the same whatever the order of the
     * variability: entries (cohort.c) */
    double *R = msi_alloc(L->ctx, (n * n + 1) * sizeof *R);
    m->chol_perm = msi_alloc(L->ctx, (2 * n + 1) * sizeof *m->chol_perm);
    m->chol = R;
    if (!R || !m->chol_perm)
        return msi_nomem(L->ctx);
    size_t *rank = m->chol_perm + n; /* the inverse permutation */
    for (size_t i = 0; i < n; i++) {
        R[i * n + i] = 1;
        m->chol_perm[i] = i;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort by name: n is small */
        for (size_t j = i;
             j > 0 && strcmp(m->sym[MS_PARAM][m->var[m->chol_perm[j - 1]].param].name,
                             m->sym[MS_PARAM][m->var[m->chol_perm[j]].param].name) > 0;
             j--) {
            size_t t = m->chol_perm[j];
            m->chol_perm[j] = m->chol_perm[j - 1];
            m->chol_perm[j - 1] = t;
        }
    for (size_t c = 0; c < n; c++)
        rank[m->chol_perm[c]] = c;
    for (size_t c = 0; c < cor->n; c++) {
        static const char *const keys[] = {"between", "r", "source", "hypothesis", "note", NULL};
        const msi_ynode *e = cor->vals[c];
        if (e->type != MS_Y_MAP)
            return yfail(L, e, "a correlation must be a mapping {between: [a, b], r: 0.3}");
        if ((st = msi_ymap_check_keys(L->ctx, &L->doc, e, "a correlation", keys, MS_ERR_MODEL)))
            return st;
        if (!msi_ymap_get(e, "source") && !msi_ymap_get(e, "hypothesis"))
            return yfail(L, e, "a correlation has neither 'source:' nor 'hypothesis:'");
        const msi_ynode *bt = msi_ymap_get(e, "between");
        if (!bt || bt->type != MS_Y_SEQ || bt->n != 2)
            return yfail(L, bt ? bt : e, "between: must list two varying parameters");
        size_t ix[2];
        for (int k = 0; k < 2; k++) {
            const msi_ynode *nm = bt->vals[k];
            size_t j;
            for (j = 0; j < n; j++)
                if (nm->type == MS_Y_SCALAR &&
                    strcmp(m->sym[MS_PARAM][m->var[j].param].name, nm->str) == 0)
                    break;
            if (j == n)
                return yfail(L, nm,
                             "'%s' has no variability: entry; only varying parameters "
                             "correlate",
                             nm->type == MS_Y_SCALAR ? nm->str : "?");
            ix[k] = rank[j];
        }
        if (ix[0] == ix[1])
            return yfail(L, bt, "a parameter cannot correlate with itself");
        double r;
        const msi_ynode *rn = msi_ymap_get(e, "r");
        if (!rn)
            return yfail(L, e, "a correlation has no 'r:'");
        if ((st = msi_yget_number(L->ctx, &L->doc, rn, "r", &r, MS_ERR_MODEL)))
            return st;
        if (!(r > -1 && r < 1))
            return yfail(L, rn, "r is %g; expected a number between -1 and 1", r);
        if (R[ix[0] * n + ix[1]] != 0)
            return yfail(L, bt, "this pair is already correlated above");
        R[ix[0] * n + ix[1]] = R[ix[1] * n + ix[0]] = r;
    }
    /* lower Cholesky factor (GSL); the correlation matrix must be positive definite */
    gsl_matrix_view A = gsl_matrix_view_array(R, n, n);
    if (gsl_linalg_cholesky_decomp1(&A.matrix) != GSL_SUCCESS)
        return yfail(L, cor,
                     "these correlations are not jointly possible (the correlation "
                     "matrix is not positive definite)");
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            R[i * n + j] = 0;
    return MS_OK;
}

static ms_status load_tree(loader *L)
{
    static const char *const top[] = {
        "model",       "description", "states",       "parameters",  "inputs", "rules", "odes",
        "observables", "variability", "correlations", "body_weight", "ja",     NULL};
    const msi_ynode *root = L->doc.root;
    ms_model *m = L->m;
    if (!root || (root->type == MS_Y_SCALAR && root->len == 0))
        return msi_fail(L->ctx, MS_ERR_MODEL, L->doc.file, 1, 1,
                        "the file is empty; expected a model (a mapping with model:, states:, "
                        "parameters:, odes:)");
    if (root->type != MS_Y_MAP)
        return yfail(L, root, "expected a mapping with model:, states:, parameters:, odes:");
    ms_status st = msi_ymap_check_keys(L->ctx, &L->doc, root, "the model", top, MS_ERR_MODEL);
    if (!st)
        st = req_text(L, root, "model", "the model", &m->name);
    if (!st)
        st = opt_text(L, root, "description", "the model", &m->desc);
    /* ja: the Japanese texts of the file, for a Japanese report */
    const msi_ynode *ja = msi_ymap_get(root, "ja");
    if (!st && ja) {
        static const char *const jk[] = {"description", NULL};
        if (ja->type != MS_Y_MAP)
            return yfail(L, ja, "ja: expected {description: TEXT} (the Japanese texts)");
        st = msi_ymap_check_keys(L->ctx, &L->doc, ja, "ja:", jk, MS_ERR_MODEL);
        if (!st)
            st = opt_text(L, ja, "description", "ja:", &m->desc_ja);
    }
    if (st)
        return st;

    const msi_ynode *sec[MS_SYMKIND_COUNT], *odes;
    for (int k = 0; k < MS_SYMKIND_COUNT; k++)
        if ((st = section(L, root, SECTION[k], &sec[k])))
            return st;
    if ((st = section(L, root, "odes", &odes)))
        return st;
    if (!sec[MS_STATE] || sec[MS_STATE]->n == 0)
        return yfail(L, sec[MS_STATE] ? sec[MS_STATE] : root,
                     "the model has no states; expected 'states:' with at least one state");

    /* 1. names */
    for (int k = 0; k < MS_SYMKIND_COUNT; k++)
        if ((st = collect(L, sec[k], (ms_symkind)k)))
            return st;
    size_t ns = m->count[MS_STATE], nr = m->count[MS_RULE];
    L->inode = msi_alloc(L->ctx, ns * sizeof *L->inode);
    L->rule_mark = msi_alloc(L->ctx, nr + 1);
    L->rule_stack = msi_alloc(L->ctx, (nr + 1) * sizeof *L->rule_stack);
    m->rule_order = msi_alloc(L->ctx, (nr + 1) * sizeof *m->rule_order);
    if (!L->inode || !L->rule_mark || !L->rule_stack || !m->rule_order)
        return msi_nomem(L->ctx);

    /* 2. definitions and leaves */
    for (size_t i = 0; i < ns && !st; i++) {
        st = read_state(L, sec[MS_STATE]->vals[i], &m->sym[MS_STATE][i], i);
        m->sym[MS_STATE][i].leaf = msi_x_leaf(&m->g, X_STATE, (int32_t)i);
    }
    for (size_t i = 0; i < m->count[MS_PARAM] && !st; i++) {
        st = read_param(L, sec[MS_PARAM]->vals[i], &m->sym[MS_PARAM][i]);
        m->sym[MS_PARAM][i].leaf = msi_x_leaf(&m->g, X_PARAM, (int32_t)i);
    }
    for (size_t i = 0; i < m->count[MS_INPUT] && !st; i++) {
        st = read_input(L, sec[MS_INPUT]->vals[i], &m->sym[MS_INPUT][i]);
        m->sym[MS_INPUT][i].leaf = msi_x_leaf(&m->g, X_INPUT, (int32_t)i);
    }
    for (size_t i = 0; i < nr && !st; i++)
        st = read_formula_def(L, sec[MS_RULE]->vals[i], &m->sym[MS_RULE][i], &L->fnode[MS_RULE][i],
                              0);
    for (size_t i = 0; i < m->count[MS_OBSERVABLE] && !st; i++)
        st = read_formula_def(L, sec[MS_OBSERVABLE]->vals[i], &m->sym[MS_OBSERVABLE][i],
                              &L->fnode[MS_OBSERVABLE][i], 1);
    if (st)
        return st;
    for (int k = MS_STATE; k <= MS_INPUT; k++)
        for (size_t i = 0; i < m->count[k]; i++)
            if (m->sym[k][i].leaf < 0)
                return msi_nomem(L->ctx);

    /* a model with a course input: every other input says whether it counts
     * toward one (course: NAME or none), so that a treatment added later
     * cannot silently lack it */
    int has_course = 0;
    for (size_t i = 0; i < m->count[MS_INPUT]; i++)
        has_course |= m->sym[MS_INPUT][i].course;
    for (size_t i = 0; i < m->count[MS_INPUT]; i++) {
        msi_symdef *in = &m->sym[MS_INPUT][i];
        if (in->course_of != -2)
            continue;
        in->course_of = -1;
        if (has_course)
            return yfail(L, sec[MS_INPUT]->keys[i],
                         "input '%s' does not say whether it counts as a course of treatment; "
                         "expected course: NAME (a course input of the model) or course: none",
                         in->name);
    }

    if ((st = read_variability(L, root)))
        return st;

    /* 3. one ODE per state */
    if (!odes)
        return yfail(L, root, "the model has no 'odes:'; expected one ODE per state");
    for (size_t i = 0; i < odes->n; i++) {
        const msi_ynode *k = odes->keys[i], *v = odes->vals[i];
        const msi_strmap_entry *e = msi_strmap_get(&L->names, k->str);
        if (!e || e->kind != MS_STATE) {
            const char *s = suggest(L, k->str);
            return yfail(L, k, "ODE for '%s', which is not a state%s%s%s", k->str,
                         e ? " but a " : (s ? " (did you mean '" : ""),
                         e ? KIND_NAME[e->kind] : (s ? s : ""), e ? "" : (s ? "'?)" : ""));
        }
        if (v->type != MS_Y_SCALAR || v->len == 0)
            return yfail(L, v, "the ODE of '%s' must be a formula", k->str);
        msi_symdef *s = &m->sym[MS_STATE][e->index];
        s->expr = msi_strdup(L->ctx, v->str);
        if (!s->expr)
            return msi_nomem(L->ctx);
        L->fnode[MS_STATE][e->index] = v;
    }
    for (size_t i = 0; i < ns; i++) {
        const msi_symdef *s = &m->sym[MS_STATE][i];
        if (!s->expr)
            return msi_fail(L->ctx, MS_ERR_MODEL, L->doc.file, s->line, s->col,
                            "state '%s' has no ODE; expected '%s: <formula>' under odes:", s->name,
                            s->name);
    }

    /* 4. formulas: rules (in dependency order), ODEs, observables, initial values */
    char what[160];
    for (size_t i = 0; i < nr; i++)
        if (rule_node(L, i) < 0)
            return L->ctx->last;
    for (size_t i = 0; i < ns; i++) {
        msi_symdef *s = &m->sym[MS_STATE][i];
        snprintf(what, sizeof what, "the ODE of '%s'", s->name);
        if ((s->node = formula(L, L->fnode[MS_STATE][i], s->expr, what)) < 0)
            return L->ctx->last;
    }
    for (size_t i = 0; i < m->count[MS_OBSERVABLE]; i++) {
        msi_symdef *s = &m->sym[MS_OBSERVABLE][i];
        snprintf(what, sizeof what, "the observable '%s'", s->name);
        if ((s->node = formula(L, L->fnode[MS_OBSERVABLE][i], s->expr, what)) < 0)
            return L->ctx->last;
    }
    for (size_t i = 0; i < ns; i++) {
        msi_symdef *s = &m->sym[MS_STATE][i];
        double v;
        if (msi_parse_double(s->init, &v) == 0) {
            s->init_node = msi_x_const(&m->g, v);
        } else {
            snprintf(what, sizeof what, "the initial value of '%s'", s->name);
            s->init_node = formula(L, L->inode[i], s->init, what);
            if (s->init_node < 0)
                return L->ctx->last;
            if (m->g.n[s->init_node].varying)
                return yfail(L, L->inode[i],
                             "the initial value of '%s' depends on a state, an input or time; "
                             "expected a number or a formula of parameters",
                             s->name);
        }
        if (s->init_node < 0)
            return msi_nomem(L->ctx);
    }
    return msi_model_compile(m);
}

static ms_status load(ms_context *ctx, const char *name, const char *text, size_t len,
                      int from_file, ms_model **out)
{
    if (!ctx || !out || !name)
        return MS_ERR_ARG;
    *out = NULL;
    ms_model *m = msi_alloc(ctx, sizeof *m);
    if (!m)
        return msi_nomem(ctx);
    m->ctx = ctx;
    msi_xdag_init(&m->g, ctx);
    m->file = msi_strdup(ctx, name);
    if (!m->file) {
        ms_model_free(m);
        return msi_nomem(ctx);
    }
    msi_ok(ctx); /* from here, ctx->last == MS_OK after a failure means out of memory */
    loader L = {.ctx = ctx, .m = m};
    msi_strmap_init(&L.names, ctx);
    ms_status st = from_file ? msi_ydoc_load_file(ctx, m->file, &L.doc)
                             : msi_ydoc_load_string(ctx, m->file, text, len, &L.doc);
    if (st == MS_OK) {
        L.doc.file = m->file;
        st = load_tree(&L);
    }
    msi_ydoc_free(ctx, &L.doc);
    msi_strmap_free(&L.names);
    for (int k = 0; k < MS_SYMKIND_COUNT; k++)
        msi_free(ctx, L.fnode[k]);
    msi_free(ctx, L.inode);
    msi_free(ctx, L.rule_mark);
    msi_free(ctx, L.rule_stack);
    if (st != MS_OK) {
        if (ctx->last == MS_OK) /* a path that ran out of memory without a message */
            msi_nomem(ctx);
        ms_model_free(m);
        return ctx->last;
    }
    *out = m;
    return msi_ok(ctx);
}

ms_status ms_model_compile_native(ms_context *ctx, ms_model *m)
{
    if (!ctx || !m)
        return MS_ERR_ARG;
    ms_status st = msi_native_compile(ctx, &m->c);
    return st ? st : msi_ok(ctx);
}

int ms_model_native(const ms_model *m)
{
    return m && m->c.rhs_fn;
}

ms_status ms_model_load(ms_context *ctx, const char *path, ms_model **out)
{
    if (!ctx || !path || !out)
        return MS_ERR_ARG;
    size_t n = strlen(path);
    if ((n > 4 && strcmp(path + n - 4, ".xml") == 0) ||
        (n > 5 && strcmp(path + n - 5, ".sbml") == 0))
        return msi_model_load_sbml(ctx, path, out);
    return load(ctx, path, NULL, 0, 1, out);
}

ms_status ms_model_load_string(ms_context *ctx, const char *name, const char *text, size_t len,
                               ms_model **out)
{
    if (!text)
        return MS_ERR_ARG;
    return load(ctx, name, text, len, 0, out);
}
