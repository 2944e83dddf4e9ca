/*
 * calibrate.c — fits population parameters of a model to published
 * figures.  A targets file (docs/model.md, calibration/ files) names the
 * model, a cohort (size, seed), the parameters to fit (start, bounds) and
 * targets: statistics of baseline observables over the cohort (fraction
 * above a threshold, median, a quantile; Hedges' g, the ratio of
 * coefficients of variation and the odds ratio of a value above a threshold
 * against a reference group drawn from the same
 * equations with some parameters set otherwise, as case-control
 * meta-analyses compare patients with healthy controls), each with its
 * published value and 95 % interval and citation.  The objective is the
 * sum of squared deviations in units of each target's standard error
 * (interval width / 3.92); it is minimised with GSL's Nelder-Mead simplex
 * (nmsimplex2) or, with `method: levenberg-marquardt`, by GSL's trust-region
 * Levenberg-Marquardt on the same deviations as residuals (forward
 * differences with an absolute step on the transformed parameters), on
 * bounded parameters (logistic transform), with common random numbers so
 * that the objective is deterministic.  Trial targets are statistics of the
 * arms of a virtual trial; `mixture_weight` is the weight of one component
 * of a normal mixture with published, fixed means (Stone et al. 2022's
 * three response groups) fitted to the arms' improvements;
 * `variance_ratio` the variance of change in one arm over another's (the
 * measure of treatment-effect heterogeneity in meta-analyses).  A target
 * with `fitted: false` is evaluated and reported but left out of the
 * objective (a check on the fit, not a term of it).  Evaluation
 * without fitting (ms_calibration_evaluate) checks a model file's values
 * against the same targets, optionally on a larger trial.  Owns nothing
 * after it returns.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "../core/yamldoc.h"
#include "calibrate_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define MAX_FIT 8
#define MAX_TARGETS 32

typedef enum {
    ST_FRACTION_ABOVE,
    ST_MEDIAN,
    ST_QUANTILE, /* cohort, at baseline */
    ST_HEDGES_G,
    ST_CV_RATIO,
    ST_ODDS_RATIO, /* cohort vs reference */
    ST_MEAN_BASELINE,
    ST_MEAN_FINAL,
    ST_MEAN_CHANGE,
    ST_RESPONSE,
    ST_REMISSION, /* trial arms */
    ST_MIXTURE,
    ST_VARIANCE_RATIO,
    ST_SUSTAINED,
    ST_REMISSION_KEPT, /* remitters at from_week in remission at every visit to week */
    ST_OBS_MEAN,       /* an observable's mean at a visit */
    ST_OBS_RATIO,      /* that mean over the same arm's at baseline */
    ST_SMD             /* standardised mean difference of change (minus_arm - arm) */
} stat_kind;
static const char *const STAT_NAME[] = {"fraction_above",
                                        "median",
                                        "quantile",
                                        "hedges_g",
                                        "cv_ratio",
                                        "odds_ratio",
                                        "mean_baseline",
                                        "mean_final",
                                        "mean_change",
                                        "response_rate",
                                        "remission_rate",
                                        "mixture_weight",
                                        "variance_ratio",
                                        "sustained_response",
                                        "remission_kept",
                                        "observable_mean",
                                        "observable_ratio",
                                        "smd_change",
                                        NULL};
#define MIX_MAX 8
#define REF_MAX 8

typedef struct {
    char *name, *source, *observable;
    stat_kind kind;
    int obs, col;       /* cohort targets: the observable, its column in cols */
    int arm, minus_arm; /* trial targets: arm, and the arm subtracted (or -1) */
    int visit;          /* trial targets: the visit (week:), or -1 for the final one */
    int from_visit;     /* sustained_response, remission_kept: the earlier visit (from_week:) */
    double threshold, q, value, lo, hi;
    /* mixture_weight: component means (improvement, points), the component
     * reported, and the arms fitted together (pool[0] = arm) */
    double mix_mean[MIX_MAX];
    size_t nmix, mix_comp, npool;
    int pool[MIX_MAX];
    int mix_minus; /* with minus_arm: its group in pool[], else -1 */
    int fitted;    /* in the objective (1), or only checked (fitted: false) */
    /* hedges_g, cv_ratio: the reference group's parameters (reference:), set
     * over the drawn and fitted values, and the largest value counted in
     * either group (at_most:, else +inf) */
    int ref_idx[REF_MAX];
    double ref_val[REF_MAX], at_most;
    size_t nref;
} target;

struct ms_calibration {
    ms_context *ctx;
    char *file, *name, *model_path; /* model_path: the model file as opened */
    ms_model *model;
    ms_scenario *sc; /* trial calibration: the scenario (owns its model) */
    long n;
    unsigned long long seed;
    int fit_idx[MAX_FIT];
    double start[MAX_FIT], lower[MAX_FIT], upper[MAX_FIT], best[MAX_FIT];
    size_t nfit;
    target t[MAX_TARGETS];
    size_t nt;
    double achieved[MAX_TARGETS], objective;
    double achieved_se[MAX_TARGETS]; /* trial statistics: sampling SE (NAN if not known) */
    int validation;                  /* role: validation (never fitted) */
    int validation_only;             /* no fit: (a suite entry): evaluated only */
    /* evaluation over replicate cohorts: achieved[] is the mean; these the spread */
    int replicates;
    double rep_sd[MAX_TARGETS], rep_min[MAX_TARGETS], rep_max[MAX_TARGETS];
    int rep_within[MAX_TARGETS];
    /* workspace */
    double *draws;  /* n x nparams, drawn once (common random numbers) */
    double *values; /* n: one target's values, as its statistic needs them */
    /* a cohort's observables the targets use: col_obs[j] in column j of cols
     * (n x ncol, a column per observable), simulated once per evaluation */
    int col_obs[MAX_TARGETS];
    size_t ncol;
    double *cols;
    /* the reference group (patients n..2n-1 of the seed) when a target has
     * reference:, else NULL: its draws, values and observables (ref_cols,
     * for the reference of the target ref_of, re-simulated when the next
     * target's reference differs) */
    double *ref_draws, *ref_values, *ref_cols;
    const target *ref_of;
    double *pvec; /* nparams: one patient's parameters as simulated */
    ms_sim *sim;
    int iterations, evaluations;
    ms_calibration_progress_fn progress; /* may be NULL */
    void *progress_ud;
    double t0, best_f;                       /* fit start, lowest objective so far */
    double best_x[MAX_FIT];                  /* where best_f was reached (natural values) */
    double best_achieved[MAX_TARGETS];       /* and the statistics there */
    int stop;                                /* progress asked the fit to stop */
    int max_evals;                           /* max_evaluations: (0: none) */
    int fit_reps;                            /* fit_replicates: trials per evaluation (1: one) */
    int lm;                                  /* method: levenberg-marquardt (else the simplex) */
    double fd_step;                          /* its difference step, on the logistic scale */
    double lm_u[MAX_FIT], lm_r[MAX_TARGETS]; /* its last point (transformed) and residuals */
    int lm_have;                             /* lm_u/lm_r hold an evaluation */
    ms_fit_end end;                          /* how the fit ended */
    const char *scenario_override; /* evaluation: a scenario in place of the file's (borrowed) */
    double file_value[MAX_FIT];    /* the model file's values of the fitted parameters */
    const msi_cal_run *run;        /* the call's options (borrowed during the call) */
    unsigned long long trial_seed; /* the seed of the trial an evaluation runs */
};

void ms_calibration_free(ms_calibration *c)
{
    if (!c)
        return;
    ms_context *ctx = c->ctx;
    for (size_t i = 0; i < c->nt; i++) {
        msi_free(ctx, c->t[i].name);
        msi_free(ctx, c->t[i].source);
        msi_free(ctx, c->t[i].observable);
    }
    ms_sim_free(c->sim);
    if (c->sc)
        ms_scenario_free(c->sc); /* owns c->model */
    else
        ms_model_free(c->model);
    msi_free(ctx, c->draws);
    msi_free(ctx, c->values);
    msi_free(ctx, c->ref_draws);
    msi_free(ctx, c->ref_values);
    msi_free(ctx, c->cols);
    msi_free(ctx, c->ref_cols);
    msi_free(ctx, c->pvec);
    msi_free(ctx, c->file);
    msi_free(ctx, c->name);
    msi_free(ctx, c->model_path);
    msi_free(ctx, c);
}

/* An error at a node of the targets file. */
#define cfail(ctx, d, n, ...) msi_yfail((ctx), (d), (n), MS_ERR_ARG, __VA_ARGS__)

static ms_status num(ms_context *ctx, const msi_ydoc *d, const msi_ynode *map, const char *key,
                     int required, double *out)
{
    const msi_ynode *v = msi_ymap_get(map, key);
    if (!v)
        return required ? cfail(ctx, d, map, "no '%s:'", key) : MS_OK;
    return msi_yget_number(ctx, d, v, key, out, MS_ERR_ARG);
}

/* The index of the scenario visit named by `node` (a week number). */
static ms_status visit_of(ms_calibration *c, const msi_ydoc *d, const msi_ynode *node,
                          const char *key, int *visit)
{
    double w;
    ms_status st = msi_yget_number(c->ctx, d, node, key, &w, MS_ERR_ARG);
    if (st)
        return st;
    *visit = -1;
    for (size_t q = 0; q < ms_scenario_visit_count(c->sc); q++)
        if (ms_scenario_visit_week(c->sc, q) == w)
            *visit = (int)q;
    if (*visit < 0)
        return cfail(c->ctx, d, node, "week %g is not one of the scenario's visits_weeks", w);
    return MS_OK;
}

/* arm index of a scenario arm named by node an, or an error */
static ms_status arm_of(ms_calibration *c, const msi_ydoc *d, const msi_ynode *an, int *out)
{
    for (size_t q = 0; q < ms_scenario_arm_count(c->sc); q++)
        if (an->type == MS_Y_SCALAR && strcmp(ms_scenario_arm_name(c->sc, q), an->str) == 0) {
            *out = (int)q;
            return MS_OK;
        }
    return cfail(c->ctx, d, an, "'%s' is not an arm of the scenario",
                 an->type == MS_Y_SCALAR ? an->str : "?");
}

/* A mixture_weight target: means: [..] (improvement in points, the published
 * components), component_mean: (the one reported), pooled_with: [arms]
 * fitted together with arm: (shared SDs, weights per arm). */
static ms_status read_mixture(ms_calibration *c, const msi_ydoc *d, const msi_ynode *e, target *t)
{
    ms_context *ctx = c->ctx;
    ms_status st;
    const msi_ynode *mn = msi_ymap_get(e, "means");
    if (!mn || mn->type != MS_Y_SEQ || mn->n < 2 || mn->n > MIX_MAX)
        return cfail(ctx, d, mn ? mn : e,
                     "a mixture_weight target needs means: [m1, m2, ...] "
                     "(2 to %d component means, improvement in points)",
                     MIX_MAX);
    for (size_t j = 0; j < mn->n; j++) {
        if ((st = msi_yget_number(ctx, d, mn->vals[j], "means", &t->mix_mean[j], MS_ERR_ARG)))
            return st;
        for (size_t q = 0; q < j; q++)
            if (t->mix_mean[q] == t->mix_mean[j])
                return cfail(ctx, d, mn->vals[j], "the component means must differ");
    }
    t->nmix = mn->n;
    t->pool[0] = t->arm;
    double cm;
    if ((st = num(ctx, d, e, "component_mean", 1, &cm)))
        return st;
    t->mix_comp = MIX_MAX;
    for (size_t j = 0; j < t->nmix; j++)
        if (t->mix_mean[j] == cm)
            t->mix_comp = j;
    if (t->mix_comp == MIX_MAX)
        return cfail(ctx, d, msi_ymap_get(e, "component_mean"),
                     "component_mean %g is not one of means:", cm);
    t->npool = 1;
    const msi_ynode *pw = msi_ymap_get(e, "pooled_with");
    if (pw) {
        if (pw->type != MS_Y_SEQ || pw->n + 1 > MIX_MAX)
            return cfail(ctx, d, pw, "pooled_with: expected a list of up to %d arm names",
                         MIX_MAX - 1);
        for (size_t j = 0; j < pw->n; j++)
            if ((st = arm_of(c, d, pw->vals[j], &t->pool[t->npool++])))
                return st;
    }
    t->mix_minus = -1;
    if (t->minus_arm >= 0) { /* a difference of weights: both arms in one fit */
        for (size_t g = 0; g < t->npool; g++)
            if (t->pool[g] == t->minus_arm)
                t->mix_minus = (int)g;
        if (t->mix_minus <= 0)
            return cfail(ctx, d, msi_ymap_get(e, "minus_arm"),
                         "minus_arm: of a mixture_weight target must be one of pooled_with: "
                         "(the two arms' weights come from one fit)");
    }
    return MS_OK;
}

/* The index of the parameter named by key, which must be one that does not
 * vary between patients (what `verb` does to it - fit, set - belongs to its
 * distribution's parameters otherwise), or an error at key. */
/* max_evaluations: N -- a targets file's or a plan step's budget of
 * evaluations, after which a fit stops with its best point. */
ms_status msi_read_max_evaluations(ms_context *ctx, const msi_ydoc *d, const msi_ynode *n, int *out)
{
    double m;
    ms_status st = msi_yget_number(ctx, d, n, "max_evaluations", &m, MS_ERR_ARG);
    if (st)
        return st;
    if (m < 1 || m > 1e6 || m != floor(m))
        return msi_yfail(ctx, d, n, MS_ERR_ARG,
                         "max_evaluations: expected a whole number from 1 to 1e6 "
                         "(the evaluations after which a fit stops with its best "
                         "point), not %g",
                         m);
    *out = (int)m;
    return MS_OK;
}

static ms_status fixed_param(ms_calibration *c, const msi_ydoc *d, const msi_ynode *key,
                             const char *verb, int *idx)
{
    *idx = ms_model_find(c->model, MS_PARAM, key->str);
    if (*idx < 0)
        return cfail(c->ctx, d, key, "'%s' is not a parameter of the model", key->str);
    for (size_t k = 0; k < c->model->nvar; k++)
        if (c->model->var[k].param == *idx)
            return cfail(c->ctx, d, key,
                         "'%s' varies between patients; %s the parameters of "
                         "its distribution instead",
                         key->str, verb);
    return MS_OK;
}

static int is_comparison(stat_kind k)
{
    return k == ST_HEDGES_G || k == ST_CV_RATIO || k == ST_ODDS_RATIO;
}

/* A comparison target's (hedges_g, cv_ratio, odds_ratio) reference group: reference: {param:
 * value, ...} (the parameters in which the reference group differs, e.g. the
 * healthy population's) and at_most: (values above it left out in both
 * groups, as case-control studies leave out acute-phase values). */
static ms_status read_reference(ms_calibration *c, const msi_ydoc *d, const msi_ynode *e, target *t)
{
    ms_context *ctx = c->ctx;
    const msi_ynode *rf = msi_ymap_get(e, "reference");
    if (!rf || rf->type != MS_Y_MAP || rf->n == 0 || rf->n > REF_MAX)
        return cfail(ctx, d, rf ? rf : e,
                     "a %s target needs reference: {parameter: value, ...} "
                     "(1 to %d parameters of the comparison group, e.g. "
                     "healthy people)",
                     STAT_NAME[t->kind], REF_MAX);
    for (size_t i = 0; i < rf->n; i++) {
        ms_status st = fixed_param(c, d, rf->keys[i], "set", &t->ref_idx[i]);
        if (!st)
            st = msi_yget_number(ctx, d, rf->vals[i], rf->keys[i]->str, &t->ref_val[i], MS_ERR_ARG);
        if (st)
            return st;
    }
    t->nref = rf->n;
    t->at_most = INFINITY;
    const msi_ynode *am = msi_ymap_get(e, "at_most");
    if (am) {
        ms_status st = msi_yget_number(ctx, d, am, "at_most", &t->at_most, MS_ERR_ARG);
        if (st)
            return st;
    }
    return MS_OK;
}

static ms_status read_targets(ms_calibration *c, const msi_ydoc *d)
{
    ms_context *ctx = c->ctx;
    static const char *const top[] = {
        "calibration",     "description",    "model",  "scenario",        "cohort",
        "max_evaluations", "fit_replicates", "method", "difference_step", "fit",
        "targets",         "role",           NULL};
    const msi_ynode *root = d->root;
    ms_status st;
    if (!root || root->type != MS_Y_MAP)
        return cfail(ctx, d, root,
                     "expected a mapping with calibration:, model:, cohort:, fit:, "
                     "targets:");
    if ((st = msi_ymap_check_keys(ctx, d, root, "the calibration", top, MS_ERR_ARG)))
        return st;
    const msi_ynode *v;
    if ((st = msi_yget_string(ctx, d, root, "calibration", "the calibration", 1, &v, MS_ERR_ARG)))
        return st;
    c->name = msi_strdup(ctx, v->str);
    const msi_ynode *rl = msi_ymap_get(root, "role");
    if (rl) {
        if (rl->type != MS_Y_SCALAR ||
            (strcmp(rl->str, "calibration") != 0 && strcmp(rl->str, "validation") != 0))
            return cfail(ctx, d, rl,
                         "role: expected calibration (a figure fitting may use) or "
                         "validation (a figure the model is tested on and never fitted to)");
        c->validation = strcmp(rl->str, "validation") == 0;
    }
    if (c->validation && c->run->fit)
        return cfail(ctx, d, rl,
                     "this is a validation entry (role: validation): its figures test the "
                     "model and are never fitted to; evaluate it with moodsim validate or "
                     "moodsim calibrate --evaluate");
    const msi_ynode *mv = msi_ymap_get(root, "model"), *sv = msi_ymap_get(root, "scenario");
    if ((mv && sv) || (!mv && !sv))
        return cfail(ctx, d, root,
                     "a calibration needs exactly one of model: (statistics of a "
                     "cohort at baseline) or scenario: (statistics of trial arms)");
    if ((st = msi_yget_string(ctx, d, root, mv ? "model" : "scenario", "the calibration", 1, &v,
                              MS_ERR_ARG)))
        return st;
    char path[4096];
    const char *slash = strrchr(c->file, '/');
    if (c->scenario_override && mv)
        return cfail(ctx, d, mv,
                     "a scenario can replace only a trial calibration's scenario:; "
                     "this one has model:");
    if (c->scenario_override)
        snprintf(path, sizeof path, "%s", c->scenario_override);
    else if (v->str[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", v->str);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - c->file), c->file, v->str);
    st = mv ? ms_model_load(ctx, path, &c->model) : ms_scenario_load(ctx, path, &c->sc);
    if (st == MS_ERR_IO && !c->scenario_override) { /* unreadable: say where it is named */
        char why[MS_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", ms_errmsg(ctx));
        return cfail(ctx, d, v, "the %s named here: %s", mv ? "model" : "scenario", why);
    }
    if (st)
        return st;
    if (!mv) {
        c->model = msi_scenario_model(c->sc);
        c->trial_seed = ms_scenario_seed(c->sc);
    }
    const char *mp = mv ? path : ms_scenario_model_path(c->sc);
    if (!(c->model_path = msi_strdup(ctx, mp)))
        return msi_nomem(ctx);
    if (c->run->model) { /* a plan's stage: the plan's model, and no other */
        char abs[PATH_MAX];
        if (!realpath(mp, abs) || strcmp(abs, c->run->model) != 0)
            return cfail(ctx, d, mv ? mv : sv,
                         "this calibrates the model '%s', not the plan's "
                         "model '%s'",
                         mp, c->run->model);
    }
    /* thousands of simulations follow: machine code if a C compiler is
     * there (the same results either way; without one the bytecode runs) */
    if (ms_model_compile_native(ctx, c->model) != MS_OK)
        msi_ok(ctx);
    const msi_ynode *co = msi_ymap_get(root, "cohort");
    double n = 2000, seed = 1;
    if (co) {
        static const char *const ck[] = {"n", "seed", NULL};
        if (co->type != MS_Y_MAP)
            return cfail(ctx, d, co, "cohort: expected {n: N, seed: S}");
        if ((st = msi_ymap_check_keys(ctx, d, co, "cohort:", ck, MS_ERR_ARG)) ||
            (st = num(ctx, d, co, "n", 0, &n)) || (st = num(ctx, d, co, "seed", 0, &seed)))
            return st;
    }
    if (n < 100 || n > 1e6 || n != floor(n))
        return cfail(ctx, d, co, "cohort n must be a whole number from 100 to 1e6");
    c->n = (long)n;
    c->seed = (unsigned long long)seed;
    const msi_ynode *me = msi_ymap_get(root, "max_evaluations");
    if (me) {
        if ((st = msi_read_max_evaluations(ctx, d, me, &c->max_evals)))
            return st;
    }
    const msi_ynode *mt = msi_ymap_get(root, "method"), *ds = msi_ymap_get(root, "difference_step");
    if (mt) {
        if (mt->type != MS_Y_SCALAR ||
            (strcmp(mt->str, "simplex") != 0 && strcmp(mt->str, "levenberg-marquardt") != 0))
            return cfail(ctx, d, mt,
                         "method: expected simplex (GSL's Nelder-Mead, the default) "
                         "or levenberg-marquardt (GSL's nonlinear least squares)");
        c->lm = strcmp(mt->str, "levenberg-marquardt") == 0;
    }
    /* fit_replicates: N trials per evaluation (scenario seeds seed .. seed +
     * N - 1), the objective the mean of theirs: a point is rewarded only for
     * meeting the figures on every trial, not on one trial's luck */
    c->fit_reps = 1;
    const msi_ynode *fr = msi_ymap_get(root, "fit_replicates");
    if (fr) {
        double m;
        if (!c->sc)
            return cfail(ctx, d, fr,
                         "fit_replicates: is for a trial calibration (scenario:); a "
                         "cohort's statistics are fitted on one cohort");
        if (c->lm)
            return cfail(ctx, d, fr,
                         "fit_replicates: is for the simplex; method: "
                         "levenberg-marquardt fits one trial");
        if ((st = msi_yget_number(ctx, d, fr, "fit_replicates", &m, MS_ERR_ARG)))
            return st;
        if (m < 1 || m > 100 || m != floor(m))
            return cfail(ctx, d, fr,
                         "fit_replicates: expected a whole number from 1 to 100 (the "
                         "trials each evaluation of the fit runs), not %g",
                         m);
        c->fit_reps = (int)m;
    }
    c->fd_step = 0.05;
    if (ds) {
        if (!c->lm)
            return cfail(ctx, d, ds,
                         "difference_step: is the finite-difference step of "
                         "method: levenberg-marquardt; this fit uses the simplex");
        if ((st = msi_yget_number(ctx, d, ds, "difference_step", &c->fd_step, MS_ERR_ARG)))
            return st;
        if (!(c->fd_step >= 1e-6 && c->fd_step <= 1))
            return cfail(ctx, d, ds,
                         "difference_step: expected a number from 1e-6 to 1 (a step "
                         "on the logistic scale of each parameter's bounds), not %g",
                         c->fd_step);
    }
    const msi_ynode *fit = msi_ymap_get(root, "fit");
    if (c->validation && fit)
        return cfail(ctx, d, fit,
                     "a validation entry (role: validation) has no fit:; its figures are "
                     "never fitted to");
    if (c->validation || (rl && !fit)) {
        /* an entry of a validation suite: evaluated at the model's values */
        if (c->run->fit)
            return cfail(ctx, d, rl,
                         "this entry has a role: and no fit:, so there is nothing to fit; "
                         "evaluate it with moodsim validate or moodsim calibrate --evaluate");
        c->validation_only = 1;
        goto targets;
    }
    if (!fit || fit->type != MS_Y_MAP || fit->n == 0 || fit->n > MAX_FIT)
        return cfail(ctx, d, fit ? fit : root,
                     "fit: expected 1 to %d parameters with start:, "
                     "lower:, upper:",
                     MAX_FIT);
    for (size_t i = 0; i < fit->n; i++) {
        int idx;
        if ((st = fixed_param(c, d, fit->keys[i], "fit", &idx)))
            return st;
        const msi_ynode *f = fit->vals[i];
        double start, lower, upper;
        if ((st = num(ctx, d, f, "start", 1, &start)) ||
            (st = num(ctx, d, f, "lower", 1, &lower)) || (st = num(ctx, d, f, "upper", 1, &upper)))
            return st;
        if (!(lower < start && start < upper))
            return cfail(ctx, d, f, "expected lower < start < upper");
        /* a plan step that fits only some of them holds the others */
        int fitted = c->run->nonly == 0;
        for (size_t k = 0; k < c->run->nonly && !fitted; k++)
            fitted = strcmp(c->run->only_names[k], fit->keys[i]->str) == 0;
        if (!fitted)
            continue;
        size_t j = c->nfit++;
        c->fit_idx[j] = idx;
        c->start[j] = start;
        c->lower[j] = lower;
        c->upper[j] = upper;
        c->file_value[j] = c->model->sym[MS_PARAM][idx].value;
    }
    if (c->nfit == 0)
        return cfail(ctx, d, fit, "none of these parameters is among those the plan's step fits");
    if (c->run->max_evals > 0)
        c->max_evals = c->run->max_evals;
    /* values carried from a plan's earlier steps, in place of the file's */
    for (size_t h = 0; h < c->run->nhold; h++) {
        int idx = ms_model_find(c->model, MS_PARAM, c->run->hold_names[h]);
        if (idx < 0)
            return msi_fail(ctx, MS_ERR_ARG, c->file, 0, 0,
                            "'%s', fitted by an earlier step of the plan, is not a parameter "
                            "of this calibration's model",
                            c->run->hold_names[h]);
        c->model->sym[MS_PARAM][idx].value = c->run->hold_values[h];
    }
targets:;
    const msi_ynode *ts = msi_ymap_get(root, "targets");
    if (!ts || ts->type != MS_Y_SEQ || ts->n == 0 || ts->n > MAX_TARGETS)
        return cfail(ctx, d, ts ? ts : root, "targets: expected a list of 1 to %d targets",
                     MAX_TARGETS);
    for (size_t i = 0; i < ts->n; i++) {
        static const char *const tk[] = {
            "name",      "statistic", "observable",     "threshold",   "q",
            "arm",       "minus_arm", "value",          "ci",          "tolerance",
            "source",    "means",     "component_mean", "pooled_with", "week",
            "from_week", "fitted",    "reference",      "at_most",     NULL};
        const msi_ynode *e = ts->vals[i];
        target *t = &c->t[i];
        c->nt = i + 1;
        if (e->type != MS_Y_MAP)
            return cfail(ctx, d, e, "a target must be a mapping");
        if ((st = msi_ymap_check_keys(ctx, d, e, "a target", tk, MS_ERR_ARG)))
            return st;
        const msi_ynode *nm, *stt, *ob, *src;
        if ((st = msi_yget_string(ctx, d, e, "name", "a target", 1, &nm, MS_ERR_ARG)) ||
            (st = msi_yget_string(ctx, d, e, "statistic", "a target", 1, &stt, MS_ERR_ARG)) ||
            (st = msi_yget_string(ctx, d, e, "observable", "a target", c->sc == NULL, &ob,
                                  MS_ERR_ARG)) ||
            (st = msi_yget_string(ctx, d, e, "source", "a target", 1, &src, MS_ERR_ARG)))
            return st;
        t->name = msi_strdup(ctx, nm->str);
        t->source = msi_strdup(ctx, src->str);
        t->observable = msi_strdup(ctx, ob ? ob->str : "");
        if (!t->name || !t->source || !t->observable)
            return msi_nomem(ctx);
        t->arm = t->minus_arm = t->visit = t->from_visit = -1;
        t->fitted = 1;
        const msi_ynode *fv = msi_ymap_get(e, "fitted");
        if (fv && c->validation)
            return cfail(ctx, d, fv,
                         "fitted: has no place in a validation entry: nothing in "
                         "it is fitted");
        if (fv) {
            if (fv->type != MS_Y_SCALAR ||
                (strcmp(fv->str, "true") != 0 && strcmp(fv->str, "false") != 0))
                return cfail(ctx, d, fv, "fitted: expected true or false");
            t->fitted = strcmp(fv->str, "true") == 0;
        }
        int k = -1;
        for (int j = 0; STAT_NAME[j]; j++)
            if (strcmp(STAT_NAME[j], stt->str) == 0)
                k = j;
        if (k < 0)
            return cfail(ctx, d, stt,
                         "statistic '%s'; expected fraction_above, median, "
                         "quantile, hedges_g, cv_ratio, odds_ratio (cohorts) or "
                         "mean_baseline, mean_final, mean_change, "
                         "response_rate, remission_rate, mixture_weight, "
                         "variance_ratio, sustained_response, remission_kept, "
                         "observable_mean, observable_ratio, smd_change (trials)",
                         stt->str);
        if ((k >= ST_MEAN_BASELINE) != (c->sc != NULL))
            return cfail(ctx, d, stt, "statistic '%s' needs a %s calibration", stt->str,
                         k >= ST_MEAN_BASELINE ? "scenario:" : "model:");
        if (k < ST_MEAN_BASELINE && (msi_ymap_get(e, "arm") || msi_ymap_get(e, "minus_arm")))
            return cfail(ctx, d,
                         msi_ymap_get(e, "arm") ? msi_ymap_get(e, "arm")
                                                : msi_ymap_get(e, "minus_arm"),
                         "arm: and minus_arm: belong to trial targets; '%s' is a statistic "
                         "of the cohort at baseline",
                         stt->str);
        if (k >= ST_MEAN_BASELINE) {
            t->kind = (stat_kind)k;
            static const char *const ak[2] = {"arm", "minus_arm"};
            for (int j = 0; j < 2; j++) {
                const msi_ynode *an = msi_ymap_get(e, ak[j]);
                if (!an) {
                    if (j == 0)
                        return cfail(ctx, d, e, "a trial target needs arm:");
                    continue;
                }
                int a = -1;
                if ((st = arm_of(c, d, an, &a)))
                    return st;
                if (j == 0)
                    t->arm = a;
                else
                    t->minus_arm = a;
            }
        }
        if (k == ST_MIXTURE) {
            if ((st = read_mixture(c, d, e, t)))
                return st;
        } else if (msi_ymap_get(e, "means") || msi_ymap_get(e, "component_mean") ||
                   msi_ymap_get(e, "pooled_with")) {
            return cfail(ctx, d, e,
                         "means:, component_mean: and pooled_with: belong to a "
                         "mixture_weight target");
        }
        if (k == ST_VARIANCE_RATIO && t->minus_arm < 0)
            return cfail(ctx, d, e,
                         "a variance_ratio target needs minus_arm: (the arm whose "
                         "variance of change is the denominator)");
        const msi_ynode *wk = msi_ymap_get(e, "week"), *fw = msi_ymap_get(e, "from_week");
        if (wk) {
            if (k != ST_MEAN_FINAL && k != ST_MEAN_CHANGE && k != ST_RESPONSE &&
                k != ST_REMISSION && k != ST_SUSTAINED && k != ST_REMISSION_KEPT &&
                k != ST_OBS_MEAN && k != ST_OBS_RATIO)
                return cfail(ctx, d, wk,
                             "week: applies to mean_final, mean_change, "
                             "response_rate, remission_rate, sustained_response, "
                             "remission_kept, observable_mean and observable_ratio");
            if ((st = visit_of(c, d, wk, "week", &t->visit)))
                return st;
        }
        if (fw && k != ST_SUSTAINED && k != ST_REMISSION_KEPT)
            return cfail(ctx, d, fw,
                         "from_week: belongs to a sustained_response or remission_kept target");
        if ((k == ST_OBS_MEAN || k == ST_OBS_RATIO) && !wk)
            t->visit = (int)ms_scenario_visit_count(c->sc) - 1;
        if (k == ST_SUSTAINED || k == ST_REMISSION_KEPT) {
            /* of the responders (remitters) at from_week, the fraction still
             * responding at week (in remission at every visit up to week) */
            if (!fw || !wk)
                return cfail(ctx, d, e,
                             "a %s target needs from_week: (the visit of the first "
                             "%s) and week: (a later visit)",
                             stt->str, k == ST_SUSTAINED ? "response" : "remission");
            if ((st = visit_of(c, d, fw, "from_week", &t->from_visit)))
                return st;
            if (t->from_visit >= t->visit)
                return cfail(ctx, d, wk, "week: must be a later visit than from_week:");
        }
        if (k == ST_OBS_MEAN || k == ST_OBS_RATIO) {
            if (!ob)
                return cfail(ctx, d, e, "a %s target needs observable:", stt->str);
            if ((t->obs = ms_model_find(c->model, MS_OBSERVABLE, ob->str)) < 0)
                return cfail(ctx, d, ob, "'%s' is not an observable of the model", ob->str);
        } else if (k == ST_SMD && t->minus_arm < 0) {
            return cfail(ctx, d, e,
                         "a smd_change target needs minus_arm: (the comparator; the "
                         "difference is its change minus arm:'s, over the pooled SD of "
                         "change, so a larger fall in arm: is positive)");
        } else if (k >= ST_MEAN_BASELINE && ob) {
            return cfail(ctx, d, ob,
                         "observable: belongs to cohort targets and to observable_mean "
                         "and observable_ratio; '%s' is a statistic of the score",
                         stt->str);
        } else if (k >= ST_MEAN_BASELINE) {
            /* trial statistic of the score: no observable or threshold */
        } else if ((t->obs = ms_model_find(c->model, MS_OBSERVABLE, ob->str)) < 0) {
            return cfail(ctx, d, ob, "'%s' is not an observable of the model", ob->str);
        } else if (strcmp(stt->str, "fraction_above") == 0) {
            t->kind = ST_FRACTION_ABOVE;
            if ((st = num(ctx, d, e, "threshold", 1, &t->threshold)))
                return st;
        } else if (strcmp(stt->str, "median") == 0) {
            t->kind = ST_MEDIAN;
            t->q = 0.5;
        } else if (strcmp(stt->str, "quantile") == 0) {
            t->kind = ST_QUANTILE;
            if ((st = num(ctx, d, e, "q", 1, &t->q)))
                return st;
            if (!(t->q > 0 && t->q < 1))
                return cfail(ctx, d, msi_ymap_get(e, "q"), "q must be between 0 and 1");
        } else { /* a comparison with a reference group */
            t->kind = (stat_kind)k;
            if ((st = read_reference(c, d, e, t)))
                return st;
            if (k == ST_ODDS_RATIO && (st = num(ctx, d, e, "threshold", 1, &t->threshold)))
                return st;
        }
        if (!is_comparison(t->kind) && (msi_ymap_get(e, "reference") || msi_ymap_get(e, "at_most")))
            return cfail(ctx, d, e,
                         "reference: and at_most: belong to a hedges_g, cv_ratio or "
                         "odds_ratio target");
        if (msi_ymap_get(e, "threshold") && t->kind != ST_FRACTION_ABOVE &&
            t->kind != ST_ODDS_RATIO)
            return cfail(ctx, d, msi_ymap_get(e, "threshold"),
                         "threshold: belongs to a "
                         "fraction_above or odds_ratio "
                         "target");
        if ((st = num(ctx, d, e, "value", 1, &t->value)))
            return st;
        const msi_ynode *ci = msi_ymap_get(e, "ci"), *tol = msi_ymap_get(e, "tolerance");
        if ((ci && tol) || (!ci && !tol))
            return cfail(ctx, d, e,
                         "a target needs its published 95 %% interval ci: [lo, hi] "
                         "or, where none is published, a justified tolerance:");
        if (ci) {
            if (ci->type != MS_Y_SEQ || ci->n != 2)
                return cfail(ctx, d, ci, "ci: expected [lo, hi]");
            if ((st = msi_yget_number(ctx, d, ci->vals[0], "ci", &t->lo, MS_ERR_ARG)) ||
                (st = msi_yget_number(ctx, d, ci->vals[1], "ci", &t->hi, MS_ERR_ARG)))
                return st;
        } else {
            double x;
            if ((st = msi_yget_number(ctx, d, tol, "tolerance", &x, MS_ERR_ARG)))
                return st;
            if (!(x > 0))
                return cfail(ctx, d, tol,
                             "tolerance is %g; expected a number > 0 (the "
                             "half-width of the interval the target allows)",
                             x);
            t->lo = t->value - x;
            t->hi = t->value + x;
        }
        if (!(t->lo <= t->value && t->value <= t->hi && t->lo < t->hi))
            return cfail(ctx, d, e, "the interval must contain the value");
    }
    size_t nfitted = 0;
    for (size_t i = 0; i < c->nt; i++)
        nfitted += (size_t)c->t[i].fitted;
    if (c->validation_only)
        return MS_OK;
    if (!nfitted)
        return cfail(ctx, d, ts, "every target has fitted: false; at least one must be fitted");
    if (c->lm && nfitted < c->nfit)
        return cfail(ctx, d, msi_ymap_get(root, "method"),
                     "levenberg-marquardt needs at least as many fitted targets as fitted "
                     "parameters (%zu targets, %zu parameters); use method: simplex",
                     nfitted, c->nfit);
    return MS_OK;
}

/* Target t's statistic of one arm, and (se, may be NULL) its sampling
 * standard error over the arm's patients where it has a simple one (NAN
 * where not). */
static double arm_stat(const ms_trial *tr, int arm, const target *t, double *se)
{
    stat_kind kind = t->kind;
    double dummy;
    if (!se)
        se = &dummy;
    *se = NAN;
    if (kind == ST_SUSTAINED) { /* responders at from_visit still responding at visit */
        double p = ms_trial_sustained(tr, (size_t)arm, (size_t)t->from_visit, (size_t)t->visit);
        ms_visit_summary v;
        if (!ms_trial_visit(tr, (size_t)arm, (size_t)t->from_visit, &v) && v.n > 0 &&
            v.response > 0)
            *se = sqrt(p * (1 - p) / (v.response * (double)v.n));
        return p;
    }
    if (kind == ST_REMISSION_KEPT) { /* remitters at from_visit, no relapse up to visit */
        double p =
            ms_trial_remission_kept(tr, (size_t)arm, (size_t)t->from_visit, (size_t)t->visit);
        ms_visit_summary v;
        if (!ms_trial_visit(tr, (size_t)arm, (size_t)t->from_visit, &v) && v.n > 0 &&
            v.remission > 0)
            *se = sqrt(p * (1 - p) / (v.remission * (double)v.n));
        return p;
    }
    if (kind == ST_OBS_MEAN || kind == ST_OBS_RATIO) {
        size_t vis = (size_t)t->visit; /* the final visit unless week: */
        double m, sd, m0, sd0;
        long n, n0;
        if (ms_trial_visit_observable(tr, (size_t)arm, vis, (size_t)t->obs, &m, &sd, &n) ||
            !(n > 0))
            return NAN;
        if (kind == ST_OBS_MEAN) {
            *se = sd / sqrt((double)n);
            return m;
        }
        if (ms_trial_visit_observable(tr, (size_t)arm, 0, (size_t)t->obs, &m0, &sd0, &n0) ||
            !(n0 > 0) || m0 == 0)
            return NAN;
        /* delta method, the two means treated as independent (conservative:
         * a patient's visits are positively correlated) */
        double r = m / m0;
        *se = fabs(r) *
              sqrt(pow(sd / (sqrt((double)n) * m), 2) + pow(sd0 / (sqrt((double)n0) * m0), 2));
        return r;
    }
    if (t->visit >= 0) { /* at a visit: counts and the score's moments there */
        ms_visit_summary v;
        if (ms_trial_visit(tr, (size_t)arm, (size_t)t->visit, &v) || !(v.n > 0))
            return NAN;
        double p = kind == ST_RESPONSE ? v.response : kind == ST_REMISSION ? v.remission : NAN;
        if (!isnan(p))
            *se = sqrt(p * (1 - p) / (double)v.n);
        return kind == ST_RESPONSE      ? v.response
               : kind == ST_REMISSION   ? v.remission
               : kind == ST_MEAN_CHANGE ? v.change
                                        : v.score;
    }
    ms_arm_summary s;
    if (ms_trial_arm_summary(tr, (size_t)arm, &s))
        return NAN;
    double n = (double)s.n;
    if (n > 0) {
        if (kind == ST_RESPONSE)
            *se = sqrt(s.response * (1 - s.response) / n);
        else if (kind == ST_REMISSION)
            *se = sqrt(s.remission * (1 - s.remission) / n);
        else if (kind == ST_MEAN_CHANGE)
            *se = s.mean_change_sd / sqrt(n);
    }
    return kind == ST_MEAN_CHANGE     ? s.mean_change
           : kind == ST_RESPONSE      ? s.response
           : kind == ST_REMISSION     ? s.remission
           : kind == ST_MEAN_BASELINE ? s.baseline
                                      : s.final;
}

/* The standardised mean difference of change: minus_arm's mean change
 * minus arm's, over the pooled SD of change (Hedges' g, small-sample
 * corrected), with its usual standard error. */
static double smd_stat(const ms_trial *tr, const target *t, double *se)
{
    ms_arm_summary a, b;
    *se = NAN;
    if (ms_trial_arm_summary(tr, (size_t)t->arm, &a) ||
        ms_trial_arm_summary(tr, (size_t)t->minus_arm, &b) || a.n < 2 || b.n < 2)
        return NAN;
    double na = (double)a.n, nb = (double)b.n;
    double sp = sqrt(((na - 1) * a.mean_change_sd * a.mean_change_sd +
                      (nb - 1) * b.mean_change_sd * b.mean_change_sd) /
                     (na + nb - 2));
    if (!(sp > 0))
        return NAN;
    double g = (b.mean_change - a.mean_change) / sp * (1 - 3 / (4 * (na + nb) - 9));
    *se = sqrt((na + nb) / (na * nb) + g * g / (2 * (na + nb)));
    return g;
}

/* Weight of the target's component in its arm: the mixture fitted to the
 * changes (final - baseline, so the means are negated) kept by the trial. */
static double mixture_stat(const ms_trial *tr, const target *t)
{
    const double *x[MIX_MAX];
    size_t n[MIX_MAX];
    double mu[MIX_MAX], sd[MIX_MAX], w[MIX_MAX * MIX_MAX];
    for (size_t g = 0; g < t->npool; g++)
        n[g] = ms_trial_arm_changes(tr, (size_t)t->pool[g], &x[g]);
    for (size_t j = 0; j < t->nmix; j++)
        mu[j] = -t->mix_mean[j];
    if (msi_mixture_fixed_means(x, n, t->npool, mu, t->nmix, sd, w) < 0)
        return NAN;
    double v = w[t->mix_comp]; /* group 0 is the target's arm */
    if (t->mix_minus > 0)
        v -= w[(size_t)t->mix_minus * t->nmix + t->mix_comp];
    return v;
}

/* Trial statistics at the parameter vector x: one virtual trial of the
 * scenario with x set for every patient. */
static int evaluate_trial(ms_calibration *c, const double *x)
{
    ms_trial_options opt = {
        .set_param = c->fit_idx, .set_value = x, .n_set = c->nfit, .seed = &c->trial_seed};
    ms_trial *tr = NULL;
    if (ms_trial_run(c->ctx, c->sc, &opt, &tr) != MS_OK)
        return -1;
    for (size_t t = 0; t < c->nt; t++) {
        c->achieved_se[t] = NAN;
        if (c->t[t].kind == ST_MIXTURE) {
            c->achieved[t] = mixture_stat(tr, &c->t[t]);
            continue;
        }
        if (c->t[t].kind == ST_VARIANCE_RATIO) { /* variance of change, arm / minus_arm */
            ms_arm_summary sa, sb;
            ms_trial_arm_summary(tr, (size_t)c->t[t].arm, &sa);
            ms_trial_arm_summary(tr, (size_t)c->t[t].minus_arm, &sb);
            double a = sa.mean_change_sd, b = sb.mean_change_sd;
            c->achieved[t] = b > 0 ? a * a / (b * b) : NAN;
            continue;
        }
        if (c->t[t].kind == ST_SMD) {
            c->achieved[t] = smd_stat(tr, &c->t[t], &c->achieved_se[t]);
            continue;
        }
        double se_a, se_b = 0;
        double v = arm_stat(tr, c->t[t].arm, &c->t[t], &se_a);
        if (c->t[t].minus_arm >= 0)
            v -= arm_stat(tr, c->t[t].minus_arm, &c->t[t], &se_b);
        c->achieved[t] = v;
        /* independent arms (conservative for a matched design, whose arms
         * share patients) */
        c->achieved_se[t] = sqrt(se_a * se_a + se_b * se_b);
    }
    ms_trial_free(tr);
    return 0;
}

/* Simulates the baseline of the n patients whose drawn parameters are at
 * draws, with the fitted parameters at x and then reference t's parameters
 * (t NULL: none) set over them, into cols (the targets' observables, a
 * column each).  Returns 0, or -1 if a patient could not be evaluated. */
static int simulate_cohort(ms_calibration *c, const double *draws, const double *x, const target *t,
                           double *cols)
{
    const ms_model *m = c->model;
    size_t np = m->count[MS_PARAM];
    double y[512], obs[512];
    if (m->count[MS_STATE] > 512 || m->count[MS_OBSERVABLE] > 512)
        return -1;
    double *p = c->pvec; /* a copy: a reference's values must not outlive it */
    for (long i = 0; i < c->n; i++) {
        memcpy(p, draws + (size_t)i * np, np * sizeof *p);
        for (size_t j = 0; j < c->nfit; j++)
            p[c->fit_idx[j]] = x[j];
        for (size_t j = 0; t && j < t->nref; j++)
            p[t->ref_idx[j]] = t->ref_val[j];
        if (ms_sim_set_params(c->sim, p) || ms_sim_initial(c->sim, y) ||
            ms_sim_observe(c->sim, 0, y, obs))
            return -1;
        for (size_t j = 0; j < c->ncol; j++)
            cols[j * (size_t)c->n + (size_t)i] = obs[c->col_obs[j]];
    }
    return 0;
}

/* Column col of cols into out, leaving out values above at_most (NaN kept,
 * as the statistics always had it); returns how many. */
static long gather(const ms_calibration *c, const double *cols, int col, double at_most,
                   double *out)
{
    const double *v = cols + (size_t)col * (size_t)c->n;
    long k = 0;
    for (long i = 0; i < c->n; i++)
        if (!(v[i] > at_most))
            out[k++] = v[i];
    return k;
}

static int same_reference(const target *a, const target *b)
{
    if (a->nref != b->nref)
        return 0;
    for (size_t j = 0; j < a->nref; j++)
        if (a->ref_idx[j] != b->ref_idx[j] || a->ref_val[j] != b->ref_val[j])
            return 0;
    return 1;
}

/* Hedges' g of a against b (pooled SD, small-sample correction), the ratio
 * of their coefficients of variation (SD / mean), or the odds ratio of a
 * value above threshold; NaN where it is not defined (no spread, no value
 * or every value above the threshold in a group), which the objective
 * counts as far off. */
static double compare_groups(const target *t, const double *a, long na, const double *b, long nb)
{
    stat_kind kind = t->kind;
    double r;
    if (na < 2 || nb < 2)
        return NAN;
    if (kind == ST_ODDS_RATIO) {
        long ka = 0, kb = 0;
        for (long i = 0; i < na; i++)
            ka += a[i] > t->threshold;
        for (long i = 0; i < nb; i++)
            kb += b[i] > t->threshold;
        r = ((double)ka / (double)(na - ka)) / ((double)kb / (double)(nb - kb));
    } else {
        double ma = gsl_stats_mean(a, 1, (size_t)na), mb = gsl_stats_mean(b, 1, (size_t)nb);
        double va = gsl_stats_variance_m(a, 1, (size_t)na, ma);
        double vb = gsl_stats_variance_m(b, 1, (size_t)nb, mb);
        double sp = sqrt(((double)(na - 1) * va + (double)(nb - 1) * vb) / (double)(na + nb - 2));
        r = kind == ST_CV_RATIO ? (sqrt(va) / ma) / (sqrt(vb) / mb)
                                : (ma - mb) / sp * (1 - 3 / (4 * (double)(na + nb) - 9));
    }
    return isfinite(r) ? r : NAN;
}

/* Statistics of the cohort at the parameter vector x (natural scale). */
static int evaluate(ms_calibration *c, const double *x)
{
    if (c->sc)
        return evaluate_trial(c, x);
    if (simulate_cohort(c, c->draws, x, NULL, c->cols))
        return -1;
    c->ref_of = NULL; /* the parameters changed: the reference group too */
    for (size_t t = 0; t < c->nt; t++) {
        const target *tg = &c->t[t];
        int cmp = is_comparison(tg->kind);
        long n = gather(c, c->cols, tg->col, cmp ? tg->at_most : INFINITY, c->values);
        if (cmp) {
            const target *had = c->ref_of;
            if (!had || !same_reference(had, tg)) {
                if (simulate_cohort(c, c->ref_draws, x, tg, c->ref_cols))
                    return -1;
                c->ref_of = tg;
            }
            long nr = gather(c, c->ref_cols, tg->col, tg->at_most, c->ref_values);
            c->achieved[t] = compare_groups(tg, c->values, n, c->ref_values, nr);
        } else if (tg->kind == ST_FRACTION_ABOVE) {
            long k = 0;
            for (long i = 0; i < n; i++)
                k += c->values[i] > tg->threshold;
            c->achieved[t] = (double)k / (double)n;
        } else {
            gsl_sort(c->values, 1, (size_t)n);
            c->achieved[t] = gsl_stats_quantile_from_sorted_data(c->values, 1, (size_t)n, tg->q);
        }
    }
    return 0;
}

static double to_natural(const ms_calibration *c, size_t k, double u)
{
    return c->lower[k] + (c->upper[k] - c->lower[k]) / (1 + exp(-u));
}

/* The deviation given a statistic that could not be computed (squared, 1e6
 * in the objective): far worse than any computed one. */
#define NO_DEVIATION 1e3

/* Deviation of target t's achieved statistic from its value, in standard
 * errors (interval width / 3.92); NO_DEVIATION where it is not a number. */
static double deviation(const ms_calibration *c, size_t t)
{
    double z = (c->achieved[t] - c->t[t].value) / ((c->t[t].hi - c->t[t].lo) / 3.92);
    return isnan(z) ? NO_DEVIATION : z;
}

/* Sum of squared deviations of the achieved statistics, in standard errors. */
static double objective_at(const ms_calibration *c)
{
    double f = 0;
    for (size_t t = 0; t < c->nt; t++) {
        if (c->t[t].fitted)
            f += deviation(c, t) * deviation(c, t);
    }
    return f;
}

/* The statistics at x (natural values) as the fit sees them: one trial or
 * cohort, or with fit_replicates: N, N trials (scenario seeds seed .. seed +
 * N - 1) with c->achieved their means; *f the objective (for N trials the
 * mean of theirs).  Returns 0, or -1 if the model could not be evaluated. */
static int evaluate_fit(ms_calibration *c, const double *x, double *f)
{
    int reps = c->sc ? c->fit_reps : 1, rc = 0;
    if (reps == 1) {
        if (evaluate(c, x))
            return -1;
        *f = objective_at(c);
        return 0;
    }
    double sum[MAX_TARGETS] = {0}, fsum = 0;
    unsigned long long seed0 = ms_scenario_seed(c->sc);
    for (int r = 0; !rc && r < reps; r++) {
        c->trial_seed = seed0 + (unsigned long long)r;
        rc = evaluate(c, x);
        fsum += objective_at(c);
        for (size_t t = 0; t < c->nt; t++)
            sum[t] += c->achieved[t];
    }
    c->trial_seed = seed0;
    if (rc)
        return -1;
    for (size_t t = 0; t < c->nt; t++)
        c->achieved[t] = sum[t] / reps;
    *f = fsum / reps;
    return 0;
}

/* One evaluation of the fit at transformed point u: the statistics in
 * c->achieved (evaluate_fit), x (natural values) filled in; returns the
 * objective (INFINITY if the model could not be evaluated).  Keeps the best
 * point, reports progress and applies the budget. */
static double fit_evaluate(ms_calibration *c, const gsl_vector *u, double *x)
{
    for (size_t k = 0; k < c->nfit; k++)
        x[k] = to_natural(c, k, gsl_vector_get(u, k));
    double f;
    if (evaluate_fit(c, x, &f))
        f = INFINITY;
    c->evaluations++;
    if (f < c->best_f) {
        c->best_f = f;
        memcpy(c->best_x, x, c->nfit * sizeof *x);
        memcpy(c->best_achieved, c->achieved, c->nt * sizeof *c->achieved);
    }
    if (c->progress && /* after every evaluation: one can be a whole virtual trial */
        c->progress(c->progress_ud, c->iterations, c->evaluations, c->best_f,
                    msi_now_s() - c->t0)) {
        c->stop = 1;
        c->end = MS_FIT_STOPPED;
    } else if (c->max_evals && c->evaluations >= c->max_evals) {
        c->stop = 1; /* the budget: ends like a stop, but is the fit's own end */
        c->end = MS_FIT_BUDGET;
    }
    return f;
}

static double objective(const gsl_vector *u, void *ud)
{
    ms_calibration *c = ud;
    double x[MAX_FIT];
    if (c->stop) /* stopping: the simplex gets no further points */
        return INFINITY;
    return fit_evaluate(c, u, x);
}

/* Levenberg-Marquardt: the residuals are the fitted targets' deviations in
 * standard errors (their squares sum to the simplex's objective). */
static int lm_residuals(const gsl_vector *u, void *ud, gsl_vector *r)
{
    ms_calibration *c = ud;
    double x[MAX_FIT];
    if (c->stop)
        return GSL_EBADFUNC; /* stopping: ends the iteration */
    /* a point where the model cannot be evaluated gets large residuals: a
     * step there is rejected, as the simplex rejects it (objective INFINITY) */
    int failed = !isfinite(fit_evaluate(c, u, x));
    size_t i = 0;
    for (size_t t = 0; t < c->nt; t++) {
        if (!c->t[t].fitted)
            continue;
        double z = failed ? NO_DEVIATION : deviation(c, t);
        gsl_vector_set(r, i, z);
        c->lm_r[i++] = z;
    }
    for (size_t k = 0; k < c->nfit; k++)
        c->lm_u[k] = gsl_vector_get(u, k);
    c->lm_have = 1;
    return GSL_SUCCESS;
}

/* Forward differences with an absolute step on the logistic scale: GSL's
 * own differences step by h |u|, which vanishes where u is 0 (the middle of
 * a parameter's bounds), and the statistics of a finite cohort are step
 * functions of the parameters, flat over a tiny step. */
static int lm_jacobian(const gsl_vector *u, void *ud, gsl_matrix *J)
{
    ms_calibration *c = ud;
    size_t n = J->size1;
    double r0[MAX_TARGETS];
    int same = c->lm_have;
    for (size_t k = 0; same && k < c->nfit; k++)
        same = c->lm_u[k] == gsl_vector_get(u, k);
    if (!same) { /* GSL evaluates the residuals first; in case it did not */
        gsl_vector *r = gsl_vector_alloc(n);
        int st = r ? lm_residuals(u, c, r) : GSL_ENOMEM;
        gsl_vector_free(r);
        if (st)
            return st;
    }
    memcpy(r0, c->lm_r, n * sizeof *r0);
    gsl_vector *v = gsl_vector_alloc(c->nfit), *r = gsl_vector_alloc(n);
    int st = v && r ? GSL_SUCCESS : GSL_ENOMEM;
    for (size_t k = 0; !st && k < c->nfit; k++) {
        gsl_vector_memcpy(v, u);
        gsl_vector_set(v, k, gsl_vector_get(u, k) + c->fd_step);
        st = lm_residuals(v, c, r);
        for (size_t i = 0; !st && i < n; i++)
            gsl_matrix_set(J, i, k, (gsl_vector_get(r, i) - r0[i]) / c->fd_step);
    }
    gsl_vector_free(v);
    gsl_vector_free(r);
    return st;
}

/* The result is the best point evaluated, as it was evaluated. */
static void take_best(ms_calibration *c)
{
    memcpy(c->best, c->best_x, c->nfit * sizeof *c->best);
    memcpy(c->achieved, c->best_achieved, c->nt * sizeof *c->achieved);
    c->objective = c->best_f;
}

/* Runs Levenberg-Marquardt from u (transformed start); the best point
 * evaluated is the result (c->best_x, c->best_achieved, c->best_f). */
static ms_status fit_lm(ms_calibration *c, gsl_vector *u)
{
    size_t n = 0;
    for (size_t t = 0; t < c->nt; t++)
        n += (size_t)c->t[t].fitted;
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    fp.trs = gsl_multifit_nlinear_trs_lm;
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, c->nfit);
    if (!w)
        return msi_nomem(c->ctx);
    gsl_multifit_nlinear_fdf fdf = {
        .f = lm_residuals, .df = lm_jacobian, .fvv = NULL, .n = n, .p = c->nfit, .params = c};
    /* GSL's error handler is off (ms_context_new): its statuses are read here */
    int status = gsl_multifit_nlinear_init(u, &fdf, w);
    int max_iter = c->sc ? 60 : 200, info = 0;
    /* An iteration that lowers the objective by less than ftol (1 + f) ends
     * the fit too (our test, on the objective's own scale): for a trial,
     * 0.01 (1 + f) -- far below the objective's sampling noise, since one
     * virtual trial moves each deviation by about a standard error. */
    double ftol = c->sc ? 1e-2 : 1e-8, f_prev = INFINITY;
    while (!status && !c->stop && !info && c->iterations < max_iter) {
        status = gsl_multifit_nlinear_iterate(w);
        c->iterations++;
        if (status)
            break;
        /* converged: info 1 (step below xtol) or 2 (gradient below gtol) */
        gsl_multifit_nlinear_test(c->sc ? 1e-3 : 1e-5, 1e-8, 0, &info, w);
        double fn = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w));
        fn *= fn;
        if (!info && f_prev - fn < ftol * (1 + fn))
            info = 3;
        f_prev = fn;
    }
    gsl_multifit_nlinear_free(w);
    if (!c->stop)
        c->end = info || c->best_f < 1e-12 ? MS_FIT_CONVERGED
                 : status == GSL_ENOPROG   ? MS_FIT_NO_PROGRESS
                                           : MS_FIT_ITERATIONS;
    if (!isfinite(c->best_f))
        return msi_fail(c->ctx, MS_ERR_SOLVER, c->file, 0, 0, "the model could not be evaluated");
    if (!c->stop && status && status != GSL_ENOPROG)
        return msi_fail(c->ctx, MS_ERR_SOLVER, c->file, 0, 0, "levenberg-marquardt failed: %s",
                        gsl_strerror(status));
    take_best(c);
    return MS_OK;
}

/* The start of a fit: u the start: values on the logistic scale; the clock
 * and the best point reset. */
static void fit_start(ms_calibration *c, gsl_vector *u)
{
    for (size_t k = 0; k < c->nfit; k++) {
        double r = (c->start[k] - c->lower[k]) / (c->upper[k] - c->lower[k]);
        gsl_vector_set(u, k, log(r / (1 - r)));
    }
    c->t0 = msi_now_s();
    c->best_f = INFINITY;
}

/* Whether value a lies within target t's interval. */
static int in_interval(const target *t, double a)
{
    return a >= t->lo && a <= t->hi;
}

/* Draws the cohort of a cohort calibration with c->seed (common random
 * numbers: drawn once per evaluation series), and the reference group, if
 * any, as the seed's next n patients. */
static ms_status draw_cohort(ms_calibration *c)
{
    size_t np = c->model->count[MS_PARAM];
    ms_status st = MS_OK;
    for (long i = 0; !st && i < c->n; i++)
        st = ms_cohort_draw(c->ctx, c->model, c->seed, (unsigned long long)i,
                            c->draws + (size_t)i * np);
    for (long i = 0; !st && c->ref_draws && i < c->n; i++)
        st = ms_cohort_draw(c->ctx, c->model, c->seed, (unsigned long long)(c->n + i),
                            c->ref_draws + (size_t)i * np);
    return st;
}

/* The targets at the model file's own values, on c->replicates cohorts
 * drawn with seeds seed, seed + 1, ...: achieved[] is the mean over them,
 * rep_*[] the spread and how many fell within the interval. */
static ms_status evaluate_replicates(ms_calibration *c)
{
    for (size_t k = 0; k < c->nfit; k++)
        c->best[k] = c->model->sym[MS_PARAM][c->fit_idx[k]].value;
    double sum[MAX_TARGETS] = {0}, sum2[MAX_TARGETS] = {0};
    unsigned long long seed0 = c->sc ? ms_scenario_seed(c->sc) : c->seed;
    ms_status st = MS_OK;
    for (int r = 0; !st && r < c->replicates; r++) {
        if (c->sc)
            c->trial_seed = seed0 + (unsigned long long)r;
        else if (r > 0) {
            c->seed = seed0 + (unsigned long long)r;
            st = draw_cohort(c);
        }
        if (!st && evaluate(c, c->best))
            st = msi_fail(c->ctx, MS_ERR_SOLVER, c->file, 0, 0,
                          "the model could not be evaluated (replicate %d)", r + 1);
        for (size_t t = 0; !st && t < c->nt; t++) {
            double a = c->achieved[t];
            sum[t] += a;
            sum2[t] += a * a;
            c->rep_min[t] = r ? fmin(c->rep_min[t], a) : a;
            c->rep_max[t] = r ? fmax(c->rep_max[t], a) : a;
            c->rep_within[t] += in_interval(&c->t[t], a);
        }
    }
    c->trial_seed = seed0;
    c->seed = seed0;
    if (st)
        return st;
    double n = (double)c->replicates;
    for (size_t t = 0; t < c->nt; t++) {
        c->achieved[t] = sum[t] / n;
        double var = n > 1 ? (sum2[t] - sum[t] * sum[t] / n) / (n - 1) : 0;
        c->rep_sd[t] = var > 0 ? sqrt(var) : 0;
    }
    c->objective = objective_at(c);
    return MS_OK;
}

/* Runs GSL's Nelder-Mead simplex from u (transformed start). */
static ms_status fit_simplex(ms_calibration *c, gsl_vector *u)
{
    gsl_multimin_function fn = {objective, c->nfit, c};
    gsl_vector *step = gsl_vector_alloc(c->nfit);
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c->nfit);
    ms_status st = MS_OK;
    if (!step || !s) {
        st = msi_nomem(c->ctx);
    } else {
        gsl_vector_set_all(step, 0.5);
        gsl_multimin_fminimizer_set(s, &fn, u, step);
        int status = GSL_CONTINUE;
        int max_iter = c->sc ? 120 : 500; /* a trial per evaluation is costly */
        for (c->iterations = 0; c->iterations < max_iter && status == GSL_CONTINUE && !c->stop;
             c->iterations++) {
            if (gsl_multimin_fminimizer_iterate(s))
                break;
            status = gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), c->sc ? 1e-3 : 1e-5);
        }
        /* A simplex on a region where every target is met exactly (a
         * statistic of a finite cohort is a step function) cannot shrink:
         * its objective is flat at the minimum, which is reached. */
        if (!c->stop)
            c->end =
                status == GSL_SUCCESS || s->fval < 1e-12 ? MS_FIT_CONVERGED : MS_FIT_ITERATIONS;
        if (c->stop && isfinite(c->best_f)) {
            take_best(c); /* stopped: the best point evaluated so far */
        } else {
            for (size_t k = 0; k < c->nfit; k++)
                c->best[k] = to_natural(c, k, gsl_vector_get(s->x, k));
            double f;
            if (c->stop || evaluate_fit(c, c->best, &f))
                st = msi_fail(c->ctx, MS_ERR_SOLVER, c->file, 0, 0,
                              "the model could not be evaluated");
            else
                c->objective = f; /* s->fval, evaluated again with the statistics */
        }
    }
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(step);
    return st;
}

ms_status msi_calibration_run(ms_context *ctx, const char *path, const msi_cal_run *run,
                              ms_calibration **out)
{
    if (!ctx || !path || !run || !out)
        return MS_ERR_ARG;
    *out = NULL;
    if (run->replicates < 1 || run->replicates > 1000)
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0,
                        "%d replicates; expected a whole number from 1 to 1000", run->replicates);
    ms_calibration *c = msi_alloc(ctx, sizeof *c);
    if (!c)
        return msi_nomem(ctx);
    c->ctx = ctx;
    c->run = run;
    c->replicates = run->replicates;
    c->progress = run->progress;
    c->progress_ud = run->ud;
    c->scenario_override = run->scenario;
    c->file = msi_strdup(ctx, path);
    msi_ydoc doc;
    ms_status st = c->file ? msi_ydoc_load_file(ctx, c->file, &doc) : msi_nomem(ctx);
    if (!st) {
        st = read_targets(c, &doc);
        msi_ydoc_free(ctx, &doc);
    }
    size_t np = c->model ? c->model->count[MS_PARAM] : 0;
    if (!st && !c->sc) {
        c->draws = msi_alloc(ctx, (size_t)c->n * (np ? np : 1) * sizeof *c->draws);
        c->values = msi_alloc(ctx, (size_t)c->n * sizeof *c->values);
        int ref = 0;
        for (size_t t = 0; t < c->nt; t++) { /* a column per observable the targets use */
            size_t j = 0;
            while (j < c->ncol && c->col_obs[j] != c->t[t].obs)
                j++;
            if (j == c->ncol)
                c->col_obs[c->ncol++] = c->t[t].obs;
            c->t[t].col = (int)j;
            ref |= c->t[t].nref > 0;
        }
        size_t ncell = (size_t)c->n * c->ncol;
        c->cols = msi_alloc(ctx, ncell * sizeof *c->cols);
        c->pvec = msi_alloc(ctx, (np ? np : 1) * sizeof *c->pvec);
        if (ref) {
            c->ref_draws = msi_alloc(ctx, (size_t)c->n * (np ? np : 1) * sizeof *c->ref_draws);
            c->ref_values = msi_alloc(ctx, (size_t)c->n * sizeof *c->ref_values);
            c->ref_cols = msi_alloc(ctx, ncell * sizeof *c->ref_cols);
        }
        st = (!c->draws || !c->values || !c->cols || !c->pvec ||
              (ref && (!c->ref_draws || !c->ref_values || !c->ref_cols)))
                 ? msi_nomem(ctx)
                 : ms_sim_new(ctx, c->model, &c->sim);
    }
    if (!st && !c->sc)
        st = draw_cohort(c);
    if (!st && !run->fit)
        st = evaluate_replicates(c); /* the model's own values */
    if (!st && run->fit) {
        gsl_vector *u = gsl_vector_alloc(c->nfit);
        if (!u) {
            st = msi_nomem(ctx);
        } else {
            fit_start(c, u);
            st = c->lm ? fit_lm(c, u) : fit_simplex(c, u);
        }
        gsl_vector_free(u);
        for (size_t t = 0; !st && t < c->nt; t++) { /* one "replicate": the fit's */
            c->rep_min[t] = c->rep_max[t] = c->achieved[t];
            c->rep_within[t] = in_interval(&c->t[t], c->achieved[t]);
        }
    }
    c->run = NULL; /* borrowed for the call only */
    if (st) {
        ms_calibration_free(c);
        return st;
    }
    *out = c;
    return c->end == MS_FIT_STOPPED ? MS_STOPPED : msi_ok(ctx);
}

ms_status ms_calibrate(ms_context *ctx, const char *targets_path, ms_calibration **out)
{
    msi_cal_run run = {.fit = 1, .replicates = 1};
    return msi_calibration_run(ctx, targets_path, &run, out);
}

ms_status ms_calibrate_progress(ms_context *ctx, const char *targets_path,
                                ms_calibration_progress_fn progress, void *ud, ms_calibration **out)
{
    msi_cal_run run = {.fit = 1, .replicates = 1, .progress = progress, .ud = ud};
    return msi_calibration_run(ctx, targets_path, &run, out);
}

ms_status ms_calibration_evaluate(ms_context *ctx, const char *targets_path,
                                  const char *scenario_path, ms_calibration **out)
{
    msi_cal_run run = {.scenario = scenario_path, .replicates = 1};
    return msi_calibration_run(ctx, targets_path, &run, out);
}

ms_status ms_calibration_evaluate_replicates(ms_context *ctx, const char *targets_path,
                                             const char *scenario_path, int replicates,
                                             ms_calibration **out)
{
    msi_cal_run run = {.scenario = scenario_path, .replicates = replicates};
    return msi_calibration_run(ctx, targets_path, &run, out);
}

double ms_calibration_target_se(const ms_calibration *c, size_t i)
{
    return c && i < c->nt && c->sc ? c->achieved_se[i] : NAN;
}

int ms_calibration_is_validation(const ms_calibration *c)
{
    return c ? c->validation : 0;
}

const char *ms_calibration_name(const ms_calibration *c)
{
    return c ? c->name : NULL;
}

const char *ms_calibration_model_path(const ms_calibration *c)
{
    return c ? c->model_path : NULL;
}

double msi_calibration_file_value(const ms_calibration *c, size_t i)
{
    return c && i < c->nfit ? c->file_value[i] : NAN;
}

ms_status ms_calibration_target_spread(const ms_calibration *c, size_t i, int *replicates,
                                       double *sd, double *min, double *max, int *within)
{
    if (!c || i >= c->nt || !replicates || !sd || !min || !max || !within)
        return MS_ERR_ARG;
    *replicates = c->replicates;
    *sd = c->rep_sd[i];
    *min = c->rep_min[i];
    *max = c->rep_max[i];
    *within = c->rep_within[i];
    return MS_OK;
}

size_t ms_calibration_param_count(const ms_calibration *c)
{
    return c ? c->nfit : 0;
}
const char *ms_calibration_param(const ms_calibration *c, size_t i, double *value)
{
    if (!c || i >= c->nfit)
        return NULL;
    if (value)
        *value = c->best[i];
    return c->model->sym[MS_PARAM][c->fit_idx[i]].name;
}
size_t ms_calibration_target_count(const ms_calibration *c)
{
    return c ? c->nt : 0;
}
double ms_calibration_objective(const ms_calibration *c)
{
    return c ? c->objective : NAN;
}

int ms_calibration_fit_replicates(const ms_calibration *c)
{
    return c && c->sc && c->end != MS_FIT_NONE ? c->fit_reps : 1;
}

ms_fit_end ms_calibration_end(const ms_calibration *c, int *evaluations, int *iterations)
{
    if (evaluations)
        *evaluations = c ? c->evaluations : 0;
    if (iterations)
        *iterations = c ? c->iterations : 0;
    return c ? c->end : MS_FIT_NONE;
}

int ms_calibration_target_fitted(const ms_calibration *c, size_t i)
{
    return c && i < c->nt ? c->t[i].fitted : -1;
}

const char *ms_calibration_target(const ms_calibration *c, size_t i, double *value, double *lo,
                                  double *hi, double *achieved, const char **source)
{
    if (!c || i >= c->nt)
        return NULL;
    *value = c->t[i].value;
    *lo = c->t[i].lo;
    *hi = c->t[i].hi;
    *achieved = c->achieved[i];
    *source = c->t[i].source;
    return c->t[i].name;
}
