/*
 * analysis.c — the trial analysis: per arm (and per subgroup) the mean
 * change of the score with its t interval, response and remission rates with
 * Wilson intervals, differences against the control arm (Welch; Newcombe);
 * for a 2x2 factorial the synergy analysis — the interaction contrast on mean
 * change, and Bliss independence and highest-single-agent comparisons on
 * response, each with a percentile bootstrap interval — and the sample size
 * per arm for the stated power, estimated by repeated simulated trials drawn
 * from the simulated patients.
 */
#include "trial_impl.h"
#include "../core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define POWER_REPS 400

typedef struct {
    double *change;
    int *resp;
    size_t n;
} armdata;

/* include: -1 all patients; else subgroup s (2*s + side) */
static void collect(const ms_trial *t, size_t arm, int sel, armdata *d, long *nfail)
{
    d->n = 0;
    *nfail = 0;
    for (size_t i = 0; i < t->nres; i++) {
        const ms_result *r = &t->res[i];
        if ((size_t)r->arm != arm)
            continue;
        if (sel >= 0) {
            const ms_subgroup *g = &t->sc->sub[sel / 2];
            int above = r->failed == 0 && r->sub_values[sel / 2] > g->threshold;
            if (r->failed == 0 && above != (sel % 2 == 0))
                continue;
        }
        if (r->failed == 1)
            (*nfail)++;
        if (r->failed)
            continue;
        d->change[d->n] = r->change;
        d->resp[d->n] = r->response;
        d->n++;
    }
}

static void arm_stats(const ms_trial *t, const armdata *d, long nfail, long nrem, ms_armstat *s)
{
    (void)t;
    memset(s, 0, sizeof *s);
    s->n = (long)d->n;
    s->nfail = nfail;
    ms_mean_ci(d->change, d->n, &s->mean, &s->sd, &s->lo, &s->hi);
    for (size_t i = 0; i < d->n; i++)
        s->nresp += d->resp[i];
    s->nrem = nrem;
    ms_wilson(s->nresp, s->n, &s->resp_lo, &s->resp_hi);
    ms_wilson(s->nrem, s->n, &s->rem_lo, &s->rem_hi);
}

static long count_rem(const ms_trial *t, size_t arm, int sel)
{
    long n = 0;
    for (size_t i = 0; i < t->nres; i++) {
        const ms_result *r = &t->res[i];
        if ((size_t)r->arm != arm || r->failed)
            continue;
        if (sel >= 0) {
            int above = r->sub_values[sel / 2] > t->sc->sub[sel / 2].threshold;
            if (above != (sel % 2 == 0))
                continue;
        }
        n += r->remission;
    }
    return n;
}

static void versus(ms_armstat *s, const ms_armstat *c)
{
    s->p_value = ms_welch_p(s->mean, s->sd, s->n, c->mean, c->sd, c->n, &s->dmean_lo,
                            &s->dmean_hi);
    s->dmean = s->mean - c->mean;
    s->dresp = (s->n ? (double)s->nresp / (double)s->n : NAN) -
               (c->n ? (double)c->nresp / (double)c->n : NAN);
    ms_newcombe_diff(s->nresp, s->n, c->nresp, c->n, &s->dresp_lo, &s->dresp_hi);
}

/* Synergy measures from four arms' data (control, a, b, ab). */
static void measures(const armdata *d, const size_t *idx[4], const size_t n[4], double *contrast,
                     double *bliss, double *hsa)
{
    double mean[4], p[4];
    for (int k = 0; k < 4; k++) {
        double s = 0;
        long x = 0;
        for (size_t i = 0; i < n[k]; i++) {
            size_t j = idx[k] ? idx[k][i] : i;
            s += d[k].change[j];
            x += d[k].resp[j];
        }
        mean[k] = s / (double)n[k];
        p[k] = (double)x / (double)n[k];
    }
    /* (AB - B) - (A - control): negative = more improvement than additive */
    *contrast = (mean[3] - mean[2]) - (mean[1] - mean[0]);
    /* Bliss independence relative to control: 1 - (1-pA)(1-pB)/(1-p0) */
    double expected = p[0] < 1 ? 1 - (1 - p[1]) * (1 - p[2]) / (1 - p[0]) : 1;
    *bliss = p[3] - expected;
    *hsa = p[3] - fmax(p[1], p[2]);
}


/* Power of a trial with n per arm, by POWER_REPS trials resampled from the
 * simulated patients.  which: 0 difference (arm a vs control), 1 interaction. */
static double power_at(const ms_scenario *sc, const armdata *d, int which, long n, size_t a,
                       double *scratch)
{
    long hits = 0;
    int arms = which ? 4 : 2;
    for (long rep = 0; rep < POWER_REPS; rep++) {
        double mean[4], var[4];
        for (int k = 0; k < arms; k++) {
            const armdata *dk = which ? &d[k] : (k ? &d[a] : &d[0]);
            for (long i = 0; i < n; i++) {
                uint64_t u = ms_rng_bits(sc->seed, MS_RNG_POWER, (uint64_t)rep, (uint64_t)i,
                                         (uint64_t)k);
                scratch[i] = dk->change[u % dk->n];
            }
            mean[k] = gsl_stats_mean(scratch, 1, (size_t)n);
            var[k] = gsl_stats_variance_m(scratch, 1, (size_t)n, mean[k]);
        }
        double est, se2 = 0, df;
        if (which) {
            est = mean[3] - mean[2] - mean[1] + mean[0];
            double num = 0, den = 0;
            for (int k = 0; k < 4; k++) {
                double v = var[k] / (double)n;
                se2 += v;
                num += v;
                den += v * v / ((double)n - 1);
            }
            df = den > 0 ? num * num / den : 4.0 * ((double)n - 1);
        } else {
            est = mean[1] - mean[0];
            double v1 = var[1] / (double)n, v0 = var[0] / (double)n;
            se2 = v1 + v0;
            df = (v1 * v1 + v0 * v0) > 0
                     ? se2 * se2 / (v1 * v1 / ((double)n - 1) + v0 * v0 / ((double)n - 1))
                     : 2.0 * ((double)n - 1);
        }
        double pval = se2 > 0 ? 2 * gsl_cdf_tdist_Q(fabs(est) / sqrt(se2), df) : (est ? 0 : 1);
        hits += pval < sc->alpha;
    }
    return (double)hits / POWER_REPS;
}

/* Smallest n per arm (2..max) reaching the target power, or -1. */
static long sample_size(const ms_scenario *sc, const armdata *d, int which, size_t a,
                        double *scratch, double *power_at_n)
{
    long lo = 2, hi = 2;
    double p = power_at(sc, d, which, hi, a, scratch);
    while (p < sc->power_target) {
        lo = hi;
        if (hi >= sc->power_max) {
            *power_at_n = p;
            return -1;
        }
        hi = hi * 2 > sc->power_max ? sc->power_max : hi * 2;
        p = power_at(sc, d, which, hi, a, scratch);
    }
    double phi = p;
    while (hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        double pm = power_at(sc, d, which, mid, a, scratch);
        if (pm >= sc->power_target) {
            hi = mid;
            phi = pm;
        } else {
            lo = mid;
        }
    }
    *power_at_n = phi;
    return hi;
}

ms_status ms_trial_analyse(ms_trial *t)
{
    const ms_scenario *sc = t->sc;
    ms_context *ctx = t->ctx;
    size_t na = sc->narms, groups = 1 + 2 * sc->nsub;
    t->stat = ms_alloc(ctx, na * groups * sizeof *t->stat);
    armdata *d = ms_alloc(ctx, na * sizeof *d);
    size_t maxn = t->nres + 1;
    double *scratch = ms_alloc(ctx, ((size_t)sc->power_max + maxn) * sizeof *scratch);
    if (!t->stat || !d || !scratch) {
        ms_free(ctx, d);
        ms_free(ctx, scratch);
        return ms_nomem(ctx);
    }
    ms_status st = MS_OK;
    for (size_t a = 0; a < na; a++) {
        d[a].change = ms_alloc(ctx, maxn * sizeof *d[a].change);
        d[a].resp = ms_alloc(ctx, maxn * sizeof *d[a].resp);
        if (!d[a].change || !d[a].resp)
            st = ms_nomem(ctx);
    }
    for (size_t g = 0; g < groups && !st; g++) {
        int sel = g == 0 ? -1 : (int)g - 1;
        for (size_t a = 0; a < na; a++) {
            long nfail;
            collect(t, a, sel, &d[a], &nfail);
            arm_stats(t, &d[a], nfail, count_rem(t, a, sel), &t->stat[g * na + a]);
        }
        for (size_t a = 0; a < na; a++)
            if ((int)a != sc->control)
                versus(&t->stat[g * na + a], &t->stat[g * na + (size_t)sc->control]);
    }
    /* data of all patients again, for synergy and power */
    for (size_t a = 0; a < na && !st; a++) {
        long nfail;
        collect(t, a, -1, &d[a], &nfail);
    }
    for (size_t a = 0; a < na && !st; a++) {
        t->stat[a].n_power = -1;
        if ((int)a == sc->control || d[a].n < 2 || d[sc->control].n < 2)
            continue;
        armdata pair[2] = {d[sc->control], d[a]};
        double pw;
        t->stat[a].n_power = sample_size(sc, pair, 0, 1, scratch, &pw);
    }
    memset(&t->syn, 0, sizeof t->syn);
    t->syn.n_diff = t->syn.n_inter = -1;
    int fac_ok = sc->fac[0] >= 0;
    for (int k = 0; k < 4 && fac_ok; k++)
        fac_ok = d[sc->fac[k]].n >= 2;
    if (!st && fac_ok) {
        armdata f[4];
        size_t n[4];
        const size_t *none[4] = {NULL, NULL, NULL, NULL};
        for (int k = 0; k < 4; k++) {
            f[k] = d[sc->fac[k]];
            n[k] = f[k].n;
        }
        ms_synergy *y = &t->syn;
        measures(f, none, n, &y->contrast, &y->bliss, &y->hsa);
        size_t B = (size_t)sc->bootstrap;
        double *bc = ms_alloc(ctx, B * sizeof *bc), *bb = ms_alloc(ctx, B * sizeof *bb),
               *bh = ms_alloc(ctx, B * sizeof *bh);
        size_t *idx[4] = {NULL, NULL, NULL, NULL};
        for (int k = 0; k < 4; k++)
            idx[k] = ms_alloc(ctx, (n[k] + 1) * sizeof *idx[k]);
        if (!bc || !bb || !bh || !idx[0] || !idx[1] || !idx[2] || !idx[3]) {
            st = ms_nomem(ctx);
        } else {
            /* a matched design (every patient in every arm, none failed) is
             * resampled by patient, keeping the pairing across arms */
            int paired = sc->design == MS_DESIGN_MATCHED && n[0] == n[1] && n[0] == n[2] &&
                         n[0] == n[3];
            for (size_t r = 0; r < B; r++) {
                for (int k = 0; k < 4; k++)
                    for (size_t i = 0; i < n[k]; i++)
                        idx[k][i] = ms_rng_bits(sc->seed, MS_RNG_BOOTSTRAP, r, i,
                                                paired ? 0 : (uint64_t)k) %
                                    n[k];
                const size_t *ci[4] = {idx[0], idx[1], idx[2], idx[3]};
                measures(f, ci, n, &bc[r], &bb[r], &bh[r]);
            }
            ms_percentile_ci(bc, B, &y->lo, &y->hi);
            ms_percentile_ci(bb, B, &y->bliss_lo, &y->bliss_hi);
            ms_percentile_ci(bh, B, &y->hsa_lo, &y->hsa_hi);
            /* differences below the integration accuracy (e.g. null effects in
             * a matched design) are zero: additive, not a rounding verdict */
            double scale = 0;
            for (int k = 0; k < 4; k++)
                scale = fmax(scale, fabs(t->stat[sc->fac[k]].mean));
            double eps = 10 * sc->rtol * (1 + scale);
            y->verdict = y->hi < -eps  ? "synergistic"
                         : y->lo > eps ? "less than additive"
                                       : "additive";
            y->valid = 1;
            y->n_inter = sample_size(sc, f, 1, 0, scratch, &y->power_inter_at_n);
            armdata pair[2] = {f[0], f[3]};
            y->n_diff = sample_size(sc, pair, 0, 1, scratch, &y->power_diff_at_n);
        }
        ms_free(ctx, bc);
        ms_free(ctx, bb);
        ms_free(ctx, bh);
        for (int k = 0; k < 4; k++)
            ms_free(ctx, idx[k]);
    }
    for (size_t a = 0; a < na; a++) {
        ms_free(ctx, d[a].change);
        ms_free(ctx, d[a].resp);
    }
    ms_free(ctx, d);
    ms_free(ctx, scratch);
    return st;
}
