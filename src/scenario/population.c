/*
 * population.c — reads a population file:
 *
 *   population: NAME
 *   label: TEXT                     # optional: how the report names it
 *   description: TEXT               # optional
 *   values:
 *     PARAM: {value: X, source: TEXT}        # or hypothesis: TEXT
 *
 * Every value needs a source or a hypothesis (not both), so that a run on
 * the population says what its people rest on.
 */
#include "population.h"

#include "../core/yamldoc.h"

#include <string.h>

#define pfail(ctx, d, n, ...) msi_yfail((ctx), (d), (n), MS_ERR_ARG, __VA_ARGS__)

void msi_population_free(ms_context *ctx, msi_population *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        msi_free(ctx, p->basis[i]);
    msi_free(ctx, p->basis);
    msi_free(ctx, p->idx);
    msi_free(ctx, p->val);
    msi_free(ctx, p->hyp);
    msi_free(ctx, p->path);
    msi_free(ctx, p->name);
    msi_free(ctx, p->label);
    msi_free(ctx, p->desc);
    memset(p, 0, sizeof *p);
}

static ms_status copy_text(ms_context *ctx, const msi_ydoc *d, const msi_ynode *map,
                           const char *key, int required, char **out)
{
    const msi_ynode *v;
    ms_status st = msi_yget_string(ctx, d, map, key, "the population", required, &v, MS_ERR_ARG);
    if (st || !v)
        return st;
    return (*out = msi_strdup(ctx, v->str)) ? MS_OK : msi_nomem(ctx);
}

static ms_status read_values(ms_context *ctx, const msi_ydoc *d, const msi_ynode *vs,
                             const ms_model *model, msi_population *p)
{
    if (!vs || vs->type != MS_Y_MAP || vs->n == 0)
        return pfail(ctx, d, vs ? vs : d->root,
                     "values: expected {PARAM: {value: X, source: TEXT or hypothesis: TEXT}}");
    p->idx = msi_alloc(ctx, vs->n * sizeof *p->idx);
    p->val = msi_alloc(ctx, vs->n * sizeof *p->val);
    p->basis = msi_alloc(ctx, vs->n * sizeof *p->basis);
    p->hyp = msi_alloc(ctx, vs->n * sizeof *p->hyp);
    if (!p->idx || !p->val || !p->basis || !p->hyp)
        return msi_nomem(ctx);
    static const char *const keys[] = {"value", "source", "hypothesis", NULL};
    for (size_t i = 0; i < vs->n; i++) {
        const msi_ynode *k = vs->keys[i], *e = vs->vals[i];
        int idx = ms_model_find(model, MS_PARAM, k->str);
        if (idx < 0)
            return pfail(ctx, d, k, "'%s' is not a parameter of model '%s'", k->str, model->name);
        for (size_t v = 0; v < model->nvar; v++)
            if (model->var[v].param == idx)
                return pfail(ctx, d, k,
                             "'%s' varies between patients; a population sets the parameters "
                             "of its distribution instead",
                             k->str);
        if (e->type != MS_Y_MAP)
            return pfail(ctx, d, e, "expected {value: X, source: TEXT or hypothesis: TEXT}");
        ms_status st = msi_ymap_check_keys(ctx, d, e, "a population value", keys, MS_ERR_ARG);
        const msi_ynode *vn = msi_ymap_get(e, "value");
        if (!st && !vn)
            st = pfail(ctx, d, e, "no value: for '%s'", k->str);
        if (!st)
            st = msi_yget_number(ctx, d, vn, "value", &p->val[i], MS_ERR_ARG);
        if (st)
            return st;
        const msi_ynode *src = msi_ymap_get(e, "source"), *hy = msi_ymap_get(e, "hypothesis");
        if (!src == !hy)
            return pfail(ctx, d, e,
                         "'%s' needs a source: or a hypothesis: (one of them): every value "
                         "of a population says what it rests on",
                         k->str);
        const char *basis_key = src ? "source" : "hypothesis";
        const msi_ynode *b;
        if ((st = msi_yget_string(ctx, d, e, basis_key, "a population value", 1, &b, MS_ERR_ARG)))
            return st;
        p->idx[i] = idx;
        p->hyp[i] = hy != NULL;
        if (!(p->basis[i] = msi_strdup(ctx, b->str)))
            return msi_nomem(ctx);
        p->n = i + 1;
    }
    return MS_OK;
}

ms_status msi_population_read(ms_context *ctx, const char *path, const ms_model *model,
                              msi_population *out)
{
    memset(out, 0, sizeof *out);
    msi_ydoc d = {0};
    ms_status st = msi_ydoc_load_file(ctx, path, &d);
    if (st)
        return st;
    static const char *const top[] = {"population", "label", "description", "values", NULL};
    if (!d.root || d.root->type != MS_Y_MAP)
        st = pfail(ctx, &d, d.root, "expected a population (population:, values:)");
    if (!st)
        st = msi_ymap_check_keys(ctx, &d, d.root, "a population", top, MS_ERR_ARG);
    if (!st && !(out->path = msi_strdup(ctx, path)))
        st = msi_nomem(ctx);
    if (!st)
        st = copy_text(ctx, &d, d.root, "population", 1, &out->name);
    if (!st)
        st = copy_text(ctx, &d, d.root, "label", 0, &out->label);
    if (!st)
        st = copy_text(ctx, &d, d.root, "description", 0, &out->desc);
    if (!st)
        st = read_values(ctx, &d, msi_ymap_get(d.root, "values"), model, out);
    msi_ydoc_free(ctx, &d);
    if (st)
        msi_population_free(ctx, out);
    return st;
}
