/*
 * claims.c — null and as-claimed: the counterpart of a trial.  A model
 * parameter marked `as_claimed:` is the strength of a claim without human
 * evidence (null 0).  Owns the decision of which setting a run used (from the
 * model's values, the run's overrides and the arms' `set:`), and the second
 * run of the same scenario, seed and patients with every claim parameter
 * forced to the other setting, which the main trial then owns
 * (msi_counterpart in trial_impl.h).  The report and ms_trial_write() read it.
 */
#include "trial_impl.h"

#include <string.h>

/* The setting of the run: every claim parameter's value in every arm. */
static ms_claims_setting run_setting(const ms_scenario *sc, const ms_trial_options *opt,
                                     const int *idx, size_t n)
{
    const ms_model *m = sc->model;
    int any_claimed = 0, other = 0;
    for (size_t a = 0; a < sc->narms; a++)
        for (size_t k = 0; k < n; k++) {
            const msi_symdef *s = &m->sym[MS_PARAM][idx[k]];
            double v = s->value;
            for (size_t j = 0; j < opt->n_set; j++)
                if (opt->set_param[j] == idx[k])
                    v = opt->set_value[j];
            for (size_t j = 0; j < sc->arms[a].nset; j++)
                if (sc->arms[a].set_idx[j] == idx[k])
                    v = sc->arms[a].set_val[j];
            for (size_t j = 0; j < opt->n_force; j++)
                if (opt->force_param[j] == idx[k])
                    v = opt->force_value[j];
            if (v == s->as_claimed)
                any_claimed = 1;
            else if (v != 0)
                other = 1;
        }
    return other ? MS_CLAIMS_AS_SET : any_claimed ? MS_CLAIMS_AS_CLAIMED : MS_CLAIMS_NULL;
}

ms_status ms_trial_run_counterpart(ms_context *ctx, ms_trial *t, const ms_trial_options *opt)
{
    if (!t || !opt)
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "no trial or options");
    const ms_scenario *sc = t->sc;
    const ms_model *m = sc->model;
    size_t np = m->count[MS_PARAM], n = ms_model_claim_count(m);
    msi_counterpart *cp = &t->cp;
    if (cp->trial || cp->idx)
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "this trial's counterpart was already run");
    if (n == 0)
        return MS_OK;
    cp->idx = msi_alloc(ctx, n * sizeof *cp->idx);
    cp->val = msi_alloc(ctx, n * sizeof *cp->val);
    if (!cp->idx || !cp->val)
        return msi_nomem(ctx);
    for (size_t i = 0, k = 0; i < np; i++)
        if (m->sym[MS_PARAM][i].claim)
            cp->idx[k++] = (int)i;
    cp->n = n;
    cp->setting = run_setting(sc, opt, cp->idx, n);
    cp->other = cp->setting == MS_CLAIMS_NULL ? MS_CLAIMS_AS_CLAIMED : MS_CLAIMS_NULL;
    /* forced values: the run's own (for parameters that are not claims),
     * then every claim at the other setting, which wins */
    size_t nf = opt->n_force + n;
    int *fidx = msi_alloc(ctx, nf * sizeof *fidx);
    double *fval = msi_alloc(ctx, nf * sizeof *fval);
    if (!fidx || !fval) {
        msi_free(ctx, fidx);
        msi_free(ctx, fval);
        return msi_nomem(ctx);
    }
    size_t f = 0;
    for (size_t j = 0; j < opt->n_force; j++) {
        fidx[f] = opt->force_param[j];
        fval[f++] = opt->force_value[j];
    }
    for (size_t k = 0; k < n; k++) {
        const msi_symdef *s = &m->sym[MS_PARAM][cp->idx[k]];
        cp->val[k] = cp->other == MS_CLAIMS_NULL ? 0 : s->as_claimed;
        fidx[f] = cp->idx[k];
        fval[f++] = cp->val[k];
    }
    ms_trial_options o = *opt;
    o.out_dir = NULL;
    o.resume = 0;
    o.check_records = 0;
    o.force_param = fidx;
    o.force_value = fval;
    o.n_force = f;
    ms_trial *c = NULL;
    ms_status st = ms_trial_run(ctx, sc, &o, &c);
    msi_free(ctx, fidx);
    msi_free(ctx, fval);
    if (st == MS_STOPPED) {
        ms_trial_free(c);
        cp->interrupted = 1;
        return st;
    }
    if (st)
        return st;
    cp->trial = c;
    return MS_OK;
}

const char *ms_claims_dir(ms_claims_setting setting)
{
    return setting == MS_CLAIMS_NULL ? "null" : "as_claimed";
}

const ms_trial *ms_trial_counterpart(const ms_trial *t, ms_claims_setting *setting,
                                     ms_claims_setting *other)
{
    if (!t || !t->cp.trial)
        return NULL;
    if (setting)
        *setting = (ms_claims_setting)t->cp.setting;
    if (other)
        *other = (ms_claims_setting)t->cp.other;
    return t->cp.trial;
}

int ms_trial_counterpart_interrupted(const ms_trial *t)
{
    return t && t->cp.interrupted;
}
