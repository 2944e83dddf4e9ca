/*
 * calplan.c — a calibration plan: several targets files run in order as one
 * calibration of one model (docs/model.md, "Re-deriving the population
 * parameters").  Owns the plan's stages (a fitted step: a targets file and
 * the parameters it keeps; a check: a targets file evaluated, optionally on
 * another scenario) and the values carried between them: a step's kept
 * values are set in the model of every later stage in place of the model
 * file's (calibrate.c's holds), rounded to the plan's significant digits if
 * it gives them.  The fitting itself is calibrate.c's.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "../core/yamldoc.h"
#include "calibrate_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX_KEEP 8 /* a targets file fits at most 8 parameters */

typedef struct {
    char *targets, *scenario; /* resolved paths (scenario: checks only, may be NULL) */
    int check;
    char *keep[PLAN_MAX_KEEP]; /* names kept (steps) */
    size_t nkeep;
    char *only[PLAN_MAX_KEEP]; /* fit: names fitted (steps; none: all of the file's) */
    size_t nonly;
    int max_evals; /* max_evaluations: (steps; 0: the targets file's) */
    int keep_all;  /* no keep: list: every fitted parameter */
    int line, col; /* the stage's position in the plan */
} stage;

typedef struct {
    char *name;
    double value, file_value;
    size_t stage;
} carried;

struct ms_calplan {
    ms_context *ctx;
    char *file, *name;
    char *model;        /* realpath of the plan's model: (NULL for a targets file) */
    int single, digits; /* a targets file as a plan; significant digits (0: exact) */
    stage *st;
    size_t nst, cap;
    carried *v;
    size_t nv, vcap;
};

void ms_calplan_free(ms_calplan *p)
{
    if (!p)
        return;
    ms_context *ctx = p->ctx;
    for (size_t i = 0; i < p->nst; i++) {
        msi_free(ctx, p->st[i].targets);
        msi_free(ctx, p->st[i].scenario);
        for (size_t k = 0; k < p->st[i].nkeep; k++)
            msi_free(ctx, p->st[i].keep[k]);
        for (size_t k = 0; k < p->st[i].nonly; k++)
            msi_free(ctx, p->st[i].only[k]);
    }
    for (size_t i = 0; i < p->nv; i++)
        msi_free(ctx, p->v[i].name);
    msi_free(ctx, p->st);
    msi_free(ctx, p->v);
    msi_free(ctx, p->file);
    msi_free(ctx, p->name);
    msi_free(ctx, p->model);
    msi_free(ctx, p);
}

#define pfail(p, d, n, ...) msi_yfail((p)->ctx, (d), (n), MS_ERR_ARG, __VA_ARGS__)

/* path relative to the plan's directory (as the targets files resolve theirs) */
static char *resolve(ms_calplan *p, const char *rel)
{
    const char *slash = strrchr(p->file, '/');
    char buf[4096];
    if (rel[0] == '/' || !slash)
        snprintf(buf, sizeof buf, "%s", rel);
    else
        snprintf(buf, sizeof buf, "%.*s/%s", (int)(slash - p->file), p->file, rel);
    return msi_strdup(p->ctx, buf);
}

static stage *new_stage(ms_calplan *p, const msi_ynode *n, int check)
{
    if (msi_grow(p->ctx, (void **)&p->st, &p->cap, p->nst + 1, sizeof *p->st))
        return NULL;
    stage *s = &p->st[p->nst++];
    memset(s, 0, sizeof *s);
    s->check = check;
    s->keep_all = !check;
    s->line = n->line;
    s->col = n->col;
    return s;
}

/* The targets file named at node tn: it must open and hold a fit: mapping,
 * whose keys a step's keep: names must be among. */
static ms_status read_stage_targets(ms_calplan *p, const msi_ydoc *d, const msi_ynode *tn,
                                    const msi_ynode *keep, const msi_ynode *only, stage *s)
{
    if (tn->type != MS_Y_SCALAR || !tn->len)
        return pfail(p, d, tn, "expected the path of a targets file");
    if (!(s->targets = resolve(p, tn->str)))
        return msi_nomem(p->ctx);
    FILE *f = fopen(s->targets, "r");
    if (!f)
        return pfail(p, d, tn, "cannot open the targets file '%s'", s->targets);
    fclose(f);
    msi_ydoc td;
    ms_status st = msi_ydoc_load_file(p->ctx, s->targets, &td);
    if (st)
        return st;
    const msi_ynode *fit =
        td.root && td.root->type == MS_Y_MAP ? msi_ymap_get(td.root, "fit") : NULL;
    if (!fit || fit->type != MS_Y_MAP)
        st = pfail(p, d, tn, "'%s' is not a targets file (no fit: mapping)", s->targets);
    if (!st && msi_ymap_get(td.root, "steps"))
        st = pfail(p, d, tn, "'%s' is a plan; a plan's stages are targets files", s->targets);
    if (!st && only) {
        if (only->type != MS_Y_SEQ || only->n == 0 || only->n > PLAN_MAX_KEEP)
            st = pfail(p, d, only,
                       "fit: expected a list of 1 to %d of the targets file's fit: "
                       "parameters (the step fits these and holds the others)",
                       PLAN_MAX_KEEP);
        for (size_t k = 0; !st && k < only->n; k++) {
            const msi_ynode *kn = only->vals[k];
            if (kn->type != MS_Y_SCALAR || msi_ymap_index(fit, kn->str) < 0)
                st = pfail(p, d, kn, "fit: '%s' is not among the fit: parameters of '%s'",
                           kn->type == MS_Y_SCALAR ? kn->str : "?", s->targets);
            else if (!(s->only[s->nonly++] = msi_strdup(p->ctx, kn->str)))
                st = msi_nomem(p->ctx);
        }
    }
    if (!st && keep) {
        if (keep->type != MS_Y_SEQ || keep->n > PLAN_MAX_KEEP)
            st = pfail(p, d, keep,
                       "keep: expected a list of the parameters the step fits "
                       "(up to %d; [] for none)",
                       PLAN_MAX_KEEP);
        s->keep_all = 0;
        for (size_t k = 0; !st && k < keep->n; k++) {
            const msi_ynode *kn = keep->vals[k];
            int fitted = kn->type == MS_Y_SCALAR && msi_ymap_index(fit, kn->str) >= 0;
            if (fitted && s->nonly) {
                fitted = 0;
                for (size_t q = 0; q < s->nonly; q++)
                    fitted |= strcmp(s->only[q], kn->str) == 0;
            }
            if (!fitted)
                st = pfail(p, d, kn,
                           "keep: '%s' is not fitted by this step (the fit: of '%s', "
                           "or the step's own fit: list, names the parameters a step "
                           "can keep)",
                           kn->type == MS_Y_SCALAR ? kn->str : "?", s->targets);
            else if (!(s->keep[s->nkeep++] = msi_strdup(p->ctx, kn->str)))
                st = msi_nomem(p->ctx);
        }
    }
    msi_ydoc_free(p->ctx, &td);
    return st;
}

/* steps: or checks: -- a list of targets files, or of mappings {targets:,
 * keep:, fit:, max_evaluations:} (steps) / {targets:, scenario:} (checks) */
static ms_status read_stages(ms_calplan *p, const msi_ydoc *d, const msi_ynode *list, int check)
{
    const char *what = check ? "checks" : "steps";
    if (list->type != MS_Y_SEQ || (!check && list->n == 0))
        return pfail(p, d, list, "%s: expected a list of targets files%s", what,
                     check ? "" : " (at least one)");
    static const char *const step_keys[] = {"targets", "keep", "fit", "max_evaluations", NULL};
    static const char *const check_keys[] = {"targets", "scenario", NULL};
    for (size_t i = 0; i < list->n; i++) {
        const msi_ynode *e = list->vals[i], *tn = e, *keep = NULL, *only = NULL;
        stage *s = new_stage(p, e, check);
        if (!s)
            return msi_nomem(p->ctx);
        ms_status st;
        if (e->type == MS_Y_MAP) {
            if ((st = msi_ymap_check_keys(p->ctx, d, e, check ? "a check" : "a step",
                                          check ? check_keys : step_keys, MS_ERR_ARG)))
                return st;
            if (!(tn = msi_ymap_get(e, "targets")))
                return pfail(p, d, e, "no 'targets:' (the targets file of this %s)",
                             check ? "check" : "step");
            keep = msi_ymap_get(e, "keep");
            only = msi_ymap_get(e, "fit");
            const msi_ynode *me = msi_ymap_get(e, "max_evaluations");
            if (me && (st = msi_read_max_evaluations(p->ctx, d, me, &s->max_evals)))
                return st;
            const msi_ynode *sn = msi_ymap_get(e, "scenario");
            if (sn) {
                if (sn->type != MS_Y_SCALAR || !sn->len)
                    return pfail(p, d, sn, "scenario: expected the path of a scenario file");
                if (!(s->scenario = resolve(p, sn->str)))
                    return msi_nomem(p->ctx);
            }
        }
        if ((st = read_stage_targets(p, d, tn, keep, only, s)))
            return st;
    }
    return MS_OK;
}

static ms_status read_plan(ms_calplan *p, const msi_ydoc *d)
{
    static const char *const top[] = {"calibration", "description", "model", "significant_digits",
                                      "steps",       "checks",      NULL};
    const msi_ynode *root = d->root;
    ms_status st;
    if ((st = msi_ymap_check_keys(p->ctx, d, root, "a calibration plan", top, MS_ERR_ARG)))
        return st;
    const msi_ynode *v;
    if ((st = msi_yget_string(p->ctx, d, root, "calibration", "the plan", 1, &v, MS_ERR_ARG)))
        return st;
    if (!(p->name = msi_strdup(p->ctx, v->str)))
        return msi_nomem(p->ctx);
    if ((st = msi_yget_string(p->ctx, d, root, "model", "the plan (the model it calibrates)", 1, &v,
                              MS_ERR_ARG)))
        return st;
    char *rel = resolve(p, v->str), abs[PATH_MAX];
    if (!rel)
        return msi_nomem(p->ctx);
    const char *ok = realpath(rel, abs);
    msi_free(p->ctx, rel);
    if (!ok)
        return pfail(p, d, v, "cannot open the model '%s'", v->str);
    if (!(p->model = msi_strdup(p->ctx, abs)))
        return msi_nomem(p->ctx);
    const msi_ynode *sd = msi_ymap_get(root, "significant_digits");
    if (sd) {
        double g;
        if ((st = msi_yget_number(p->ctx, d, sd, "significant_digits", &g, MS_ERR_ARG)))
            return st;
        if (g < 1 || g > 17 || g != floor(g))
            return pfail(p, d, sd,
                         "significant_digits: expected a whole number from 1 to 17 "
                         "(the digits of the values carried to later steps), not %g",
                         g);
        p->digits = (int)g;
    }
    if ((st = read_stages(p, d, msi_ymap_get(root, "steps"), 0)))
        return st;
    const msi_ynode *ck = msi_ymap_get(root, "checks");
    return ck ? read_stages(p, d, ck, 1) : MS_OK;
}

ms_status ms_calplan_load(ms_context *ctx, const char *path, ms_calplan **out)
{
    if (!ctx || !path || !out)
        return MS_ERR_ARG;
    *out = NULL;
    ms_calplan *p = msi_alloc(ctx, sizeof *p);
    if (!p)
        return msi_nomem(ctx);
    p->ctx = ctx;
    ms_status st = (p->file = msi_strdup(ctx, path)) ? MS_OK : msi_nomem(ctx);
    msi_ydoc d = {0};
    if (!st)
        st = msi_ydoc_load_file(ctx, p->file, &d);
    if (!st && (!d.root || d.root->type != MS_Y_MAP))
        st = pfail(p, &d, d.root,
                   "expected a targets file (calibration:, fit:, targets:) or "
                   "a calibration plan (calibration:, model:, steps:)");
    if (!st && msi_ymap_get(d.root, "steps")) {
        st = read_plan(p, &d);
    } else if (!st) { /* a targets file: a plan of one step, read when it runs */
        p->single = 1;
        stage *s = new_stage(p, d.root, 0);
        st = !s || !(s->targets = msi_strdup(ctx, path)) ? msi_nomem(ctx) : MS_OK;
    }
    msi_ydoc_free(ctx, &d);
    if (st) {
        ms_calplan_free(p);
        return st;
    }
    *out = p;
    return msi_ok(ctx);
}

int ms_calplan_single(const ms_calplan *p)
{
    return p ? p->single : 0;
}
const char *ms_calplan_model(const ms_calplan *p)
{
    return p ? p->model : NULL;
}
size_t ms_calplan_stage_count(const ms_calplan *p)
{
    return p ? p->nst : 0;
}

const char *ms_calplan_stage(const ms_calplan *p, size_t i, int *check, const char **scenario)
{
    if (!p || i >= p->nst)
        return NULL;
    if (check)
        *check = p->st[i].check;
    if (scenario)
        *scenario = p->st[i].scenario;
    return p->st[i].targets;
}

int ms_calplan_stage_keeps(const ms_calplan *p, size_t i)
{
    if (!p || i >= p->nst || p->st[i].check)
        return 0;
    return p->st[i].keep_all ? -1 : (int)p->st[i].nkeep;
}

/* value rounded to the plan's significant digits, as printed */
static double rounded(const ms_calplan *p, double x)
{
    if (!p->digits || !isfinite(x))
        return x;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", p->digits, x);
    return strtod(buf, NULL);
}

/* Carries a step's kept values: replaces or appends. */
static ms_status carry(ms_calplan *p, size_t i, const ms_calibration *c)
{
    const stage *s = &p->st[i];
    for (size_t k = 0; k < ms_calibration_param_count(c); k++) {
        double x;
        const char *name = ms_calibration_param(c, k, &x);
        int kept = s->keep_all;
        for (size_t q = 0; q < s->nkeep && !kept; q++)
            kept = strcmp(s->keep[q], name) == 0;
        if (!kept)
            continue;
        size_t j = 0;
        while (j < p->nv && strcmp(p->v[j].name, name) != 0)
            j++;
        if (j == p->nv) {
            if (msi_grow(p->ctx, (void **)&p->v, &p->vcap, p->nv + 1, sizeof *p->v) ||
                !(p->v[j].name = msi_strdup(p->ctx, name)))
                return msi_nomem(p->ctx);
            p->v[j].file_value = msi_calibration_file_value(c, k);
            p->nv++;
        }
        p->v[j].value = rounded(p, x);
        p->v[j].stage = i;
    }
    return MS_OK;
}

/* The carried values as the arrays calibrate.c and the model rewriter take
 * (*names borrows the plan's strings); the caller frees both with msi_free. */
static ms_status carried_arrays(ms_calplan *p, const char ***names, double **values)
{
    *names = msi_alloc(p->ctx, (p->nv ? p->nv : 1) * sizeof **names);
    *values = msi_alloc(p->ctx, (p->nv ? p->nv : 1) * sizeof **values);
    if (!*names || !*values) {
        msi_free(p->ctx, (void *)*names);
        msi_free(p->ctx, *values);
        return msi_nomem(p->ctx);
    }
    for (size_t j = 0; j < p->nv; j++) {
        (*names)[j] = p->v[j].name;
        (*values)[j] = p->v[j].value;
    }
    return MS_OK;
}

ms_status ms_calplan_run(ms_context *ctx, ms_calplan *p, size_t i, int evaluate,
                         ms_calibration_progress_fn progress, void *ud, ms_calibration **out)
{
    if (!ctx || !p || !out || i >= p->nst)
        return MS_ERR_ARG;
    *out = NULL;
    const stage *s = &p->st[i];
    const char **names;
    double *values;
    ms_status st = carried_arrays(p, &names, &values);
    if (st)
        return st;
    msi_cal_run run = {.scenario = s->scenario,
                       .fit = !s->check && !evaluate,
                       .replicates = 1,
                       .progress = progress,
                       .ud = ud,
                       .hold_names = names,
                       .hold_values = values,
                       .nhold = p->nv,
                       .model = p->model,
                       .only_names = (const char *const *)s->only,
                       .nonly = s->nonly,
                       .max_evals = s->max_evals};
    ms_calibration *c = NULL;
    st = msi_calibration_run(ctx, s->targets, &run, &c);
    msi_free(ctx, (void *)names);
    msi_free(ctx, values);
    if (st && st != MS_STOPPED)
        return st;
    if (!st && run.fit && (st = carry(p, i, c))) {
        ms_calibration_free(c);
        return st;
    }
    *out = c;
    return st ? st : msi_ok(ctx);
}

ms_status ms_calplan_write_model(ms_context *ctx, ms_calplan *p, const char *out_path)
{
    if (!ctx || !p || !out_path || !p->model)
        return MS_ERR_ARG;
    const char **names;
    double *values;
    ms_status st = carried_arrays(p, &names, &values);
    if (!st)
        st = ms_model_write_values(ctx, p->model, out_path, names, values, p->nv);
    msi_free(ctx, (void *)names);
    msi_free(ctx, values);
    return st;
}

size_t ms_calplan_value_count(const ms_calplan *p)
{
    return p ? p->nv : 0;
}

const char *ms_calplan_value(const ms_calplan *p, size_t i, double *value, double *file_value,
                             size_t *stage_index)
{
    if (!p || i >= p->nv)
        return NULL;
    if (value)
        *value = p->v[i].value;
    if (file_value)
        *file_value = p->v[i].file_value;
    if (stage_index)
        *stage_index = p->v[i].stage;
    return p->v[i].name;
}
