/*
 * compile.c — turns the model's expression DAG into flat register bytecode,
 * once per model: one register per DAG node, one instruction per operation
 * node, in index order (which is topological).  Four programs share the
 * registers: `pre` (everything that depends only on parameters, run when
 * parameters change), `rhs` (the ODE right-hand sides), `jac` (the nonzero
 * entries of the exact Jacobian, from symbolic differentiation) and `obs`
 * (observables).  Owns msi_compiled; the interpreter is msi_prog_run in
 * vm.h.
 */
#include "model_impl.h"

#include <string.h>

void msi_compiled_free(ms_context *ctx, msi_compiled *c)
{
    msi_native_free(c);
    msi_free(ctx, c->reg_init);
    msi_free(ctx, c->state_reg);
    msi_free(ctx, c->param_reg);
    msi_free(ctx, c->input_reg);
    msi_free(ctx, c->pre.code);
    msi_free(ctx, c->rhs.code);
    msi_free(ctx, c->jac.code);
    msi_free(ctx, c->obs.code);
    msi_free(ctx, c->evp.code);
    msi_free(ctx, c->ode_reg);
    msi_free(ctx, c->init_reg);
    msi_free(ctx, c->obs_reg);
    msi_free(ctx, c->jac_entries);
    memset(c, 0, sizeof *c);
}

/* Marks every node reachable from the marked ones (children have smaller
 * indices, so one downward sweep suffices: no recursion). */
static void close_marks(const msi_xdag *g, unsigned char *mark, size_t len)
{
    for (size_t i = len; i-- > 0;) {
        if (!mark[i])
            continue;
        const msi_xnode *x = &g->n[i];
        int ar = msi_x_arity((msi_xop)x->op);
        if (ar >= 1)
            mark[x->a] = 1;
        if (ar >= 2)
            mark[x->b] = 1;
        if (ar >= 3)
            mark[x->c] = 1;
    }
}

/* Emits the operation nodes among `mark` whose `varying` flag equals
 * `varying` (or any, if varying < 0) into prog. */
static int emit(ms_context *ctx, const msi_xdag *g, const unsigned char *mark, size_t len,
                int varying, msi_prog *prog)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (mark[i] && msi_x_arity((msi_xop)g->n[i].op) > 0 &&
            (varying < 0 || g->n[i].varying == varying))
            n++;
    prog->code = msi_alloc(ctx, (n ? n : 1) * sizeof *prog->code);
    if (!prog->code)
        return -1;
    prog->n = 0;
    for (size_t i = 0; i < len; i++) {
        const msi_xnode *x = &g->n[i];
        if (!mark[i] || msi_x_arity((msi_xop)x->op) == 0 || (varying >= 0 && x->varying != varying))
            continue;
        msi_instr *in = &prog->code[prog->n++];
        in->op = x->op;
        in->dst = (int32_t)i;
        in->a = x->a;
        in->b = x->b >= 0 ? x->b : x->a;
        in->c = x->c >= 0 ? x->c : x->a;
    }
    return 0;
}

/* Marks every node the state events need (triggers, priorities, delays,
 * assignment values). */
static void mark_events(const ms_model *m, unsigned char *mark)
{
    for (size_t r = 0; r < m->nroot; r++) {
        mark[m->root_a[r]] = 1;
        if (m->root_b[r] >= 0)
            mark[m->root_b[r]] = 1;
    }
    for (size_t e = 0; e < m->nev; e++) {
        mark[m->ev[e].trigger] = 1;
        if (m->ev[e].priority >= 0)
            mark[m->ev[e].priority] = 1;
        if (m->ev[e].delay >= 0)
            mark[m->ev[e].delay] = 1;
        for (size_t k = 0; k < m->ev[e].n; k++)
            mark[m->ev[e].value[k]] = 1;
    }
}

/* The root functions of the events: every comparison inside a trigger
 * (found by a downward sweep of the DAG below the trigger). */
static ms_status event_roots(ms_model *m)
{
    ms_context *ctx = m->ctx;
    const msi_xdag *g = &m->g;
    size_t cap = 0;
    unsigned char *below = m->nev ? msi_alloc(ctx, g->len) : NULL;
    if (m->nev && !below)
        return msi_nomem(ctx);
    for (size_t e = 0; e < m->nev; e++) {
        memset(below, 0, g->len);
        below[m->ev[e].trigger] = 1;
        size_t found = 0;
        for (size_t i = g->len; i-- > 0;) {
            if (!below[i])
                continue;
            const msi_xnode *x = &g->n[i];
            int ar = msi_x_arity((msi_xop)x->op);
            if (ar >= 1)
                below[x->a] = 1;
            if (ar >= 2)
                below[x->b] = 1;
            if (ar >= 3)
                below[x->c] = 1;
            if (x->op >= X_LT && x->op <= X_NE && x->varying) {
                if (msi_grow(ctx, (void **)&m->root_a, &cap, m->nroot + 1, sizeof *m->root_a) ||
                    !(m->root_b = msi_realloc(ctx, m->root_b, cap * sizeof *m->root_b))) {
                    msi_free(ctx, below);
                    return msi_nomem(ctx);
                }
                m->root_a[m->nroot] = x->a;
                m->root_b[m->nroot++] = x->b;
                found++;
            }
        }
        (void)found;
        /* the trigger's own switch too: at a crossing found by a - b = 0 the
         * condition may not have flipped yet; this root is found just after */
        {
            if (msi_grow(ctx, (void **)&m->root_a, &cap, m->nroot + 1, sizeof *m->root_a) ||
                !(m->root_b = msi_realloc(ctx, m->root_b, cap * sizeof *m->root_b))) {
                msi_free(ctx, below);
                return msi_nomem(ctx);
            }
            m->root_a[m->nroot] = m->ev[e].trigger;
            m->root_b[m->nroot++] = -1;
        }
    }
    msi_free(ctx, below);
    return MS_OK;
}

/* Which ODEs depend on which states, through their expression graphs: for
 * state j, the ODEs odes[start[j] .. start[j + 1]) in increasing order.
 * The Jacobian is then differentiated only along these pairs, so loading
 * is linear in the size of a sparse model instead of quadratic in its
 * states.  The caller frees *start and *odes. */
static ms_status state_deps(ms_model *m, size_t **start_out, int32_t **odes_out)
{
    ms_context *ctx = m->ctx;
    const msi_xdag *g = &m->g;
    size_t ns = m->count[MS_STATE], len = g->len;
    uint32_t *seen = msi_alloc(ctx, (len + 1) * sizeof *seen);
    msi_xid *stack = msi_alloc(ctx, (len + 1) * sizeof *stack);
    size_t *start = msi_alloc(ctx, (ns + 2) * sizeof *start);
    int32_t *pair_i = NULL, *pair_j = NULL, *odes = NULL;
    size_t np = 0, cap = 0;
    ms_status st = MS_OK;
    if (!seen || !stack || !start)
        st = msi_nomem(ctx);
    if (!st) {
        memset(seen, 0, (len + 1) * sizeof *seen);
        memset(start, 0, (ns + 2) * sizeof *start);
    }
    for (size_t i = 0; !st && i < ns; i++) {
        size_t sp = 0;
        msi_xid root = m->sym[MS_STATE][i].node;
        if (root >= 0 && (size_t)root < len && seen[root] != i + 1) {
            seen[root] = (uint32_t)(i + 1);
            stack[sp++] = root;
        }
        while (!st && sp > 0) {
            const msi_xnode *x = &g->n[stack[--sp]];
            if (!x->varying)
                continue;
            if (x->op == X_STATE) {
                if (np == cap) {
                    size_t c2 = cap;
                    if (msi_grow(ctx, (void **)&pair_i, &c2, np + 1, sizeof *pair_i) ||
                        msi_grow(ctx, (void **)&pair_j, &cap, np + 1, sizeof *pair_j)) {
                        st = msi_nomem(ctx);
                        break;
                    }
                }
                pair_i[np] = (int32_t)i;
                pair_j[np++] = x->a;
                continue;
            }
            if (x->op <= X_TIME)
                continue; /* other leaves */
            msi_xid kids[3] = {x->a, x->b, x->c};
            for (int k = 0; k < 3; k++)
                if (kids[k] >= 0 && (size_t)kids[k] < len && seen[kids[k]] != i + 1) {
                    seen[kids[k]] = (uint32_t)(i + 1);
                    stack[sp++] = kids[k];
                }
        }
    }
    /* counting sort by state, stable in the ODE */
    if (!st && !(odes = msi_alloc(ctx, (np + 1) * sizeof *odes)))
        st = msi_nomem(ctx);
    for (size_t k = 0; !st && k < np; k++)
        start[pair_j[k] + 1]++;
    for (size_t j = 0; !st && j < ns; j++)
        start[j + 1] += start[j];
    for (size_t k = 0, *fill = !st ? start : NULL; fill && k < np; k++)
        odes[fill[pair_j[k]]++] = pair_i[k];
    /* fill advanced every start[j] to start[j + 1]: shift back */
    for (size_t j = ns; !st && j > 0; j--)
        start[j] = start[j - 1];
    if (!st)
        start[0] = 0;
    msi_free(ctx, seen);
    msi_free(ctx, stack);
    msi_free(ctx, pair_i);
    msi_free(ctx, pair_j);
    if (st) {
        msi_free(ctx, start);
        msi_free(ctx, odes);
        return st;
    }
    *start_out = start;
    *odes_out = odes;
    return MS_OK;
}

ms_status msi_model_compile(ms_model *m)
{
    ms_context *ctx = m->ctx;
    msi_xdag *g = &m->g;
    msi_compiled *c = &m->c;
    size_t ns = m->count[MS_STATE], nobs = m->count[MS_OBSERVABLE];
    unsigned char *mark = NULL;

    /* exact Jacobian: d f_i / d y_j for every state j and every ODE i that
     * depends on it, memoised per j */
    size_t cap = 0, *dstart = NULL;
    int32_t *dodes = NULL;
    ms_status dst = state_deps(m, &dstart, &dodes);
    if (dst)
        return dst;
    c->jac_nnz = 0;
    for (size_t j = 0; j < ns && !dst; j++) {
        msi_x_diff_reset(g);
        for (size_t k = dstart[j]; k < dstart[j + 1]; k++) {
            size_t i = (size_t)dodes[k];
            msi_xid d = msi_x_diff(g, m->sym[MS_STATE][i].node, (int32_t)j);
            if (d < 0) {
                dst = g->oom ? msi_nomem(ctx)
                             : msi_fail(ctx, MS_ERR_LIMIT, m->file, 0, 0,
                                        "the model is too large to differentiate");
                break;
            }
            if (msi_x_is_const(g, d, 0))
                continue;
            if (msi_grow(ctx, (void **)&c->jac_entries, &cap, c->jac_nnz + 1,
                         sizeof *c->jac_entries)) {
                dst = msi_nomem(ctx);
                break;
            }
            c->jac_entries[c->jac_nnz++] = (msi_jentry){(int32_t)i, (int32_t)j, d};
        }
    }
    msi_free(ctx, dstart);
    msi_free(ctx, dodes);
    if (dst)
        return dst;

    if (event_roots(m))
        return msi_nomem(ctx);
    size_t len = g->len;
    c->nregs = len;
    mark = msi_alloc(ctx, len);
    c->reg_init = msi_alloc(ctx, len * sizeof *c->reg_init);
    c->state_reg = msi_alloc(ctx, (ns + 1) * sizeof *c->state_reg);
    c->param_reg = msi_alloc(ctx, (m->count[MS_PARAM] + 1) * sizeof *c->param_reg);
    c->input_reg = msi_alloc(ctx, (m->count[MS_INPUT] + 1) * sizeof *c->input_reg);
    c->ode_reg = msi_alloc(ctx, (ns + 1) * sizeof *c->ode_reg);
    c->init_reg = msi_alloc(ctx, (ns + 1) * sizeof *c->init_reg);
    c->obs_reg = msi_alloc(ctx, (nobs + 1) * sizeof *c->obs_reg);
    if (!mark || !c->reg_init || !c->state_reg || !c->param_reg || !c->input_reg || !c->ode_reg ||
        !c->init_reg || !c->obs_reg)
        goto nomem;

    /* leaves */
    c->time_reg = -1;
    for (size_t i = 0; i < ns; i++)
        c->state_reg[i] = -1;
    for (size_t i = 0; i < m->count[MS_PARAM]; i++)
        c->param_reg[i] = -1;
    for (size_t i = 0; i < m->count[MS_INPUT]; i++)
        c->input_reg[i] = -1;
    for (size_t i = 0; i < len; i++) {
        const msi_xnode *x = &g->n[i];
        switch (x->op) {
        case X_CONST: c->reg_init[i] = x->v; break;
        /* (leaves outside the model's ranges are scratch placeholders of an
         * importer, never reachable from a formula) */
        case X_STATE:
            if (x->a >= 0 && (size_t)x->a < ns)
                c->state_reg[x->a] = (int32_t)i;
            break;
        case X_PARAM:
            if (x->a >= 0 && (size_t)x->a < m->count[MS_PARAM])
                c->param_reg[x->a] = (int32_t)i;
            break;
        case X_INPUT:
            if (x->a >= 0 && (size_t)x->a < m->count[MS_INPUT])
                c->input_reg[x->a] = (int32_t)i;
            break;
        case X_TIME: c->time_reg = (int32_t)i; break;
        default: break;
        }
    }
    for (size_t i = 0; i < ns; i++) {
        c->ode_reg[i] = m->sym[MS_STATE][i].node;
        c->init_reg[i] = m->sym[MS_STATE][i].init_node;
    }
    for (size_t i = 0; i < nobs; i++)
        c->obs_reg[i] = m->sym[MS_OBSERVABLE][i].node;

    /* pre: parameter-only parts of everything */
    memset(mark, 0, len);
    for (size_t i = 0; i < ns; i++) {
        mark[c->ode_reg[i]] = 1;
        mark[c->init_reg[i]] = 1;
    }
    for (size_t i = 0; i < nobs; i++)
        mark[c->obs_reg[i]] = 1;
    for (size_t k = 0; k < c->jac_nnz; k++)
        mark[c->jac_entries[k].reg] = 1;
    for (size_t i = 0; i < m->count[MS_RULE]; i++)
        mark[m->sym[MS_RULE][i].node] = 1;
    mark_events(m, mark);
    close_marks(g, mark, len);
    if (emit(ctx, g, mark, len, 0, &c->pre))
        goto nomem;

    memset(mark, 0, len);
    mark_events(m, mark);
    close_marks(g, mark, len);
    if (emit(ctx, g, mark, len, 1, &c->evp))
        goto nomem;

    memset(mark, 0, len);
    for (size_t i = 0; i < ns; i++)
        mark[c->ode_reg[i]] = 1;
    close_marks(g, mark, len);
    if (emit(ctx, g, mark, len, 1, &c->rhs))
        goto nomem;

    memset(mark, 0, len);
    for (size_t k = 0; k < c->jac_nnz; k++)
        mark[c->jac_entries[k].reg] = 1;
    close_marks(g, mark, len);
    if (emit(ctx, g, mark, len, 1, &c->jac))
        goto nomem;

    memset(mark, 0, len);
    for (size_t i = 0; i < nobs; i++)
        mark[c->obs_reg[i]] = 1;
    close_marks(g, mark, len);
    if (emit(ctx, g, mark, len, 1, &c->obs))
        goto nomem;

    msi_free(ctx, mark);
    return MS_OK;
nomem:
    msi_free(ctx, mark);
    return msi_nomem(ctx);
}
