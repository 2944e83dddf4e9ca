/*
 * cohort.c — virtual patients: each candidate's parameters drawn from the
 * model's variability section.  Standard normals come from the inverse
 * normal CDF (GSL) of counter-based uniforms keyed by (seed, candidate,
 * the parameter's name, attempt) -- by name, not by position, so that a
 * patient keeps his values when the model gains a varying parameter that is
 * uncorrelated and untruncated (a truncation that rejects redraws the whole
 * vector, docs/model-format.md); correlations enter through the Cholesky factor of
 * the correlation matrix (a Gaussian copula), and each marginal is then
 * normal, lognormal, uniform or categorical; truncation rejects the whole
 * vector and draws again.  Owns no state: a draw is a pure function of its
 * key, which is what makes cohorts reproducible across N, threads and MPI
 * ranks.  The model's variability accessors are in src/model/model.c.
 */
#include "../core/rng.h"
#include "../model/model_impl.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#define MS_MAX_ATTEMPTS 1000
#define MS_MAX_VAR 256

ms_status ms_cohort_draw(ms_context *ctx, const ms_model *m, unsigned long long seed,
                         unsigned long long candidate, double *params)
{
    if (!ctx || !m || !params)
        return MS_ERR_ARG;
    size_t n = m->nvar;
    if (n > MS_MAX_VAR)
        return msi_fail(ctx, MS_ERR_LIMIT, m->file, 0, 0, "more than %d varying parameters",
                        MS_MAX_VAR);
    for (size_t i = 0; i < m->count[MS_PARAM]; i++)
        params[i] = m->sym[MS_PARAM][i].value;
    double z[MS_MAX_VAR], x[MS_MAX_VAR];
    uint64_t key[MS_MAX_VAR];
    for (size_t j = 0; j < n; j++)
        key[j] = msi_rng_name_key(m->sym[MS_PARAM][m->var[j].param].name);
    for (unsigned attempt = 0; attempt < MS_MAX_ATTEMPTS; attempt++) {
        for (size_t j = 0; j < n; j++)
            z[j] = gsl_cdf_ugaussian_Pinv(
                msi_rng_open01(seed, MS_RNG_PARAMS, candidate, key[j], attempt));
        for (size_t i = 0; i < n; i++) { /* i: position in the order of names */
            if (!m->chol) {
                x[i] = z[i];
                continue;
            }
            double s = 0;
            for (size_t k = 0; k <= i; k++)
                s += m->chol[i * n + k] * z[m->chol_perm[k]];
            x[m->chol_perm[i]] = s;
        }
        int ok = 1;
        for (size_t j = 0; j < n && ok; j++) {
            const msi_vardef *v = &m->var[j];
            double val = 0;
            switch (v->dist) {
            case MS_DIST_NORMAL: val = v->a + v->b * x[j]; break;
            case MS_DIST_LOGNORMAL: val = v->a * exp(v->b * x[j]); break;
            case MS_DIST_UNIFORM: val = v->a + (v->b - v->a) * gsl_cdf_ugaussian_P(x[j]); break;
            case MS_DIST_CATEGORICAL: {
                double u = gsl_cdf_ugaussian_P(x[j]);
                size_t c = 0;
                while (c + 1 < v->ncat && u >= v->cum[c])
                    c++;
                val = v->values[c];
                break;
            }
            }
            ok = val >= v->lower && val <= v->upper && isfinite(val);
            params[v->param] = val;
        }
        if (ok)
            return msi_ok(ctx);
    }
    return msi_fail(ctx, MS_ERR_LIMIT, m->file, 0, 0,
                    "candidate %llu: the truncations rejected %d draws in a row; widen them",
                    candidate, MS_MAX_ATTEMPTS);
}
