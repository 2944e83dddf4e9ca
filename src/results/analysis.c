/*
 * analysis.c — the trial analysis: per arm (and per subgroup) the mean
 * change of the score with its t interval, response and remission rates with
 * Wilson intervals, differences against the control arm (Welch; Newcombe;
 * in a matched design also paired: the same patients' differences, with a
 * t interval and a paired t-test);
 * for a 2x2 factorial the synergy analysis — the interaction contrast on mean
 * change, and Bliss independence and highest-single-agent comparisons on
 * response, each with a percentile Poisson-bootstrap interval — and the
 * sample size per arm for the stated power, estimated by repeated simulated
 * trials drawn from the simulated patients (the first MS_KEEP_PER_ARM of
 * each arm); the median time to first response; the comparisons the
 * scenario declares between two arms (compare:).  Everything comes from the
 * streaming tally (tally.c); the statistics are the rows of
 * MS_ARM_STAT_LIST (moodsim.h).  Owns msi_results.
 */
#include "../core/rng.h"
#include "results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define POWER_REPS 400

typedef struct {
    const double *change;
    size_t n;
} armdata;

static void arm_stats(const msi_tally *ty, size_t g, size_t a, msi_armstat *st)
{
    const ms_scenario *sc = ty->sc;
    size_t i = g * ty->na + a, nv = sc->nvisits;
    memset(st, 0, sizeof *st);
    ms_arm_summary *s = &st->s;
    const msi_moments *m = &ty->change[i];
    s->n = (long)m->n;
    s->failed = ty->nfail[i];
    s->mean_change = m->n > 0 ? m->mean : NAN;
    s->mean_change_sd = msi_moments_sd(m);
    msi_moments_ci(m, &s->mean_change_lo, &s->mean_change_hi);
    st->nresp = ty->nresp[i];
    st->nrem = ty->nrem[i];
    s->response = s->n ? (double)st->nresp / (double)s->n : NAN;
    s->remission = s->n ? (double)st->nrem / (double)s->n : NAN;
    msi_wilson(st->nresp, s->n, &s->response_lo, &s->response_hi);
    msi_wilson(st->nrem, s->n, &s->remission_lo, &s->remission_hi);
    s->diff_change = s->diff_change_lo = s->diff_change_hi = s->p_value = NAN;
    s->diff_response = s->diff_response_lo = s->diff_response_hi = NAN;
    s->n_for_power = -1;
    const msi_moments *b = &ty->base[a], *f = &ty->fin[a]; /* every patient of the arm */
    s->baseline = b->n > 0 ? b->mean : NAN;
    s->final = f->n > 0 ? f->mean : NAN;
    /* treatment burden: per patient, and all the arm's per responder */
    const msi_moments *se = &ty->sessions[i], *dn = &ty->doses[i];
    s->sessions = se->n > 0 ? se->mean : NAN;
    msi_moments_ci(se, &s->sessions_lo, &s->sessions_hi);
    s->doses = dn->n > 0 ? dn->mean : NAN;
    msi_moments_ci(dn, &s->doses_lo, &s->doses_hi);
    s->sessions_per_responder = st->nresp ? se->mean * se->n / (double)st->nresp : NAN;
    s->doses_per_responder = st->nresp ? dn->mean * dn->n / (double)st->nresp : NAN;
    s->courses = ty->courses[i].n > 0 ? ty->courses[i].mean : NAN;
    s->weeks_in_response = ty->inresp[i].n > 0 ? ty->inresp[i].mean : NAN;
    msi_moments_ci(&ty->inresp[i], &s->weeks_in_response_lo, &s->weeks_in_response_hi);
    msi_median_time(sc->visits, ty->vfirst + i * nv, nv, s->n, &s->time_to_response,
                    &s->time_to_response_lo, &s->time_to_response_hi);
}

static void versus(msi_armstat *st, const msi_armstat *ct)
{
    ms_arm_summary *s = &st->s;
    const ms_arm_summary *c = &ct->s;
    s->p_value = msi_welch_p(s->mean_change, s->mean_change_sd, s->n, c->mean_change,
                             c->mean_change_sd, c->n, &s->diff_change_lo, &s->diff_change_hi);
    s->diff_change = s->mean_change - c->mean_change;
    s->diff_response = (s->n ? (double)st->nresp / (double)s->n : NAN) -
                       (c->n ? (double)ct->nresp / (double)c->n : NAN);
    msi_newcombe_diff(st->nresp, s->n, ct->nresp, c->n, &s->diff_response_lo, &s->diff_response_hi);
}

/* The paired difference from control of a matched design: the moments of
 * each patient's change minus the same patient's change on control. */
static void paired(const msi_tally *ty, size_t i, ms_arm_summary *s)
{
    s->n_paired = 0;
    s->paired_diff = s->paired_diff_lo = s->paired_diff_hi = s->paired_p = NAN;
    if (!ty->pdiff || ty->pdiff[i].n < 1)
        return;
    const msi_moments *m = &ty->pdiff[i];
    s->n_paired = (long)m->n;
    s->paired_diff = m->mean;
    msi_moments_ci(m, &s->paired_diff_lo, &s->paired_diff_hi);
    if (m->n < 2)
        return;
    /* identical patients in both arms (sd 0): no difference, or certain */
    double se = msi_moments_sd(m) / sqrt(m->n);
    s->paired_p =
        se > 0 ? 2 * gsl_cdf_tdist_Q(fabs(m->mean) / se, m->n - 1) : (m->mean != 0 ? 0 : 1);
}

/* Synergy measures from the four arms' means and response rates. */
static void measures(const double mean[4], const double p[4], double *contrast, double *bliss,
                     double *hsa)
{
    /* (AB - B) - (A - control): negative = more improvement than additive */
    *contrast = (mean[3] - mean[2]) - (mean[1] - mean[0]);
    /* Bliss independence relative to control: 1 - (1-pA)(1-pB)/(1-p0) */
    double expected = p[0] < 1 ? 1 - (1 - p[1]) * (1 - p[2]) / (1 - p[0]) : 1;
    *bliss = p[3] - expected;
    *hsa = p[3] - fmax(p[1], p[2]);
}

/* Power of a trial with n per arm, by POWER_REPS trials resampled from the
 * simulated patients.  which: 0 difference (arm a vs control), 1 interaction. */
static double power_at(const msi_tally *ty, const armdata *d, int which, long n, size_t a,
                       double *scratch)
{
    long hits = 0;
    int arms = which ? 4 : 2;
    for (long rep = 0; rep < POWER_REPS; rep++) {
        double mean[4], var[4];
        for (int k = 0; k < arms; k++) {
            const armdata *dk = which ? &d[k] : (k ? &d[a] : &d[0]);
            for (long i = 0; i < n; i++) {
                uint64_t u =
                    msi_rng_bits(ty->seed, MS_RNG_POWER, (uint64_t)rep, (uint64_t)i, (uint64_t)k);
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
        hits += pval < ty->sc->alpha;
    }
    return (double)hits / POWER_REPS;
}

/* Smallest n per arm (2..max) reaching the target power, or -1. */
static long sample_size(const msi_tally *ty, const armdata *d, int which, size_t a, double *scratch,
                        double *power_at_n)
{
    const ms_scenario *sc = ty->sc;
    long lo = 2, hi = 2;
    double p = power_at(ty, d, which, hi, a, scratch);
    while (p < sc->power_target) {
        lo = hi;
        if (hi >= sc->power_max) {
            *power_at_n = p;
            return -1;
        }
        hi = hi * 2 > sc->power_max ? sc->power_max : hi * 2;
        p = power_at(ty, d, which, hi, a, scratch);
    }
    double phi = p;
    while (hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        double pm = power_at(ty, d, which, mid, a, scratch);
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

/* Per arm, for a two-sided test at alpha with the given power, the size of
 * each of two parallel groups telling remission rates p1 and p0 apart
 * (normal approximation, no continuity correction; Fleiss, Levin & Paik
 * 2003, Statistical Methods for Rates and Proportions, 3rd ed., eq. 4.14);
 * 0 if they are equal (nothing to detect), -1 if it exceeds max. */
static long n_two_proportions(double p1, double p0, double alpha, double power, long max)
{
    double d = fabs(p1 - p0);
    if (!(d > 0))
        return 0;
    double za = gsl_cdf_ugaussian_Pinv(1 - alpha / 2), zb = gsl_cdf_ugaussian_Pinv(power);
    double pbar = (p1 + p0) / 2;
    double root = za * sqrt(2 * pbar * (1 - pbar)) + zb * sqrt(p1 * (1 - p1) + p0 * (1 - p0));
    double n = ceil(root * root / (d * d));
    return n <= (double)max ? (long)n : -1;
}

/* Comparison i (compare:): arm minus versus over every patient. */
static void compare(const msi_tally *ty, const msi_results *r, const armdata *d, size_t i,
                    double *scratch, ms_comparison *c)
{
    const ms_scenario *sc = ty->sc;
    size_t a = (size_t)sc->cmp[i].arm, b = (size_t)sc->cmp[i].versus;
    const msi_armstat *A = &r->stat[a], *B = &r->stat[b];
    memset(c, 0, sizeof *c);
    c->arm = a;
    c->versus = b;
    c->n = A->s.n;
    c->n_versus = B->s.n;
    c->mid = sc->mid;
    if (ty->cdiff && ty->cdiff[i].n >= 2) { /* the same patients in both arms */
        const msi_moments *m = &ty->cdiff[i];
        c->paired = 1;
        c->diff_change = m->mean;
        msi_moments_ci(m, &c->diff_change_lo, &c->diff_change_hi);
    } else {
        c->diff_change = A->s.mean_change - B->s.mean_change;
        msi_welch_p(A->s.mean_change, A->s.mean_change_sd, A->s.n, B->s.mean_change,
                    B->s.mean_change_sd, B->s.n, &c->diff_change_lo, &c->diff_change_hi);
    }
    double ra = A->s.n ? (double)A->nresp / (double)A->s.n : NAN,
           rb = B->s.n ? (double)B->nresp / (double)B->s.n : NAN;
    double ma = A->s.n ? (double)A->nrem / (double)A->s.n : NAN,
           mb = B->s.n ? (double)B->nrem / (double)B->s.n : NAN;
    c->diff_response = ra - rb;
    msi_newcombe_diff(A->nresp, A->s.n, B->nresp, B->s.n, &c->diff_response_lo,
                      &c->diff_response_hi);
    c->diff_remission = ma - mb;
    msi_newcombe_diff(A->nrem, A->s.n, B->nrem, B->s.n, &c->diff_remission_lo,
                      &c->diff_remission_hi);
    c->nnt_response = c->diff_response != 0 ? 1 / c->diff_response : INFINITY;
    c->reaches_mid = c->diff_change <= -sc->mid;
    /* differences below the integration accuracy (a null add-on in a
     * matched design) are no difference: nothing for a trial to detect (0) */
    double eps = 10 * sc->rtol * (1 + fabs(A->s.mean_change) + fabs(B->s.mean_change));
    c->n_change = fabs(c->diff_change) > eps ? -1 : 0;
    if (d[a].n >= 2 && d[b].n >= 2 && fabs(c->diff_change) > eps) {
        armdata pair[2] = {d[b], d[a]};
        double pw;
        c->n_change = sample_size(ty, pair, 0, 1, scratch, &pw);
    }
    c->n_remission = n_two_proportions(ma, mb, sc->alpha, sc->power_target, sc->power_max);
}

void msi_results_free(ms_context *ctx, msi_results *r)
{
    msi_free(ctx, r->stat);
    msi_free(ctx, r->cmp);
    memset(r, 0, sizeof *r);
}

const msi_armstat *msi_results_arm(const msi_results *r, size_t g, size_t a)
{
    return &r->stat[g * r->narms + a];
}

ms_status msi_results_analyse(ms_context *ctx, const msi_tally *ty, msi_results *r)
{
    const ms_scenario *sc = ty->sc;
    size_t na = sc->narms, groups = 1 + 2 * sc->nsub;
    memset(r, 0, sizeof *r);
    r->stat = msi_alloc(ctx, na * groups * sizeof *r->stat);
    armdata *d = msi_alloc(ctx, na * sizeof *d);
    /* the power search draws up to power_max patients, and at least 2 */
    double *scratch =
        msi_alloc(ctx, ((size_t)(sc->power_max > 2 ? sc->power_max : 2) + 1) * sizeof *scratch);
    if (!r->stat || !d || !scratch) {
        msi_free(ctx, d);
        msi_free(ctx, scratch);
        return msi_nomem(ctx);
    }
    r->ngroups = groups;
    r->narms = na;
    msi_armstat *stat = r->stat;
    ms_status st = MS_OK;
    r->n_failed = ty->nfailed;
    for (size_t g = 0; g < groups; g++) {
        for (size_t a = 0; a < na; a++)
            arm_stats(ty, g, a, &stat[g * na + a]);
        for (size_t a = 0; a < na; a++) {
            if ((int)a != sc->control)
                versus(&stat[g * na + a], &stat[g * na + (size_t)sc->control]);
            paired(ty, g * na + a, &stat[g * na + a].s);
        }
    }
    for (size_t a = 0; a < na; a++)
        d[a] = (armdata){ty->keep_change[a], ty->nkeep[a]};
    for (size_t a = 0; a < na; a++) {
        stat[a].s.n_for_power = -1;
        if ((int)a == sc->control || d[a].n < 2 || d[sc->control].n < 2)
            continue;
        armdata pair[2] = {d[sc->control], d[a]};
        double pw;
        stat[a].s.n_for_power = sample_size(ty, pair, 0, 1, scratch, &pw);
    }
    r->cmp = msi_alloc(ctx, (sc->ncmp + 1) * sizeof *r->cmp);
    if (!r->cmp) {
        msi_free(ctx, d);
        msi_free(ctx, scratch);
        return msi_nomem(ctx);
    }
    r->ncmp = sc->ncmp;
    for (size_t i = 0; i < sc->ncmp; i++)
        compare(ty, r, d, i, scratch, &r->cmp[i]);
    r->syn.n_diff = r->syn.n_inter = -1;
    int fac_ok = sc->fac[0] >= 0;
    for (int k = 0; k < 4 && fac_ok; k++)
        fac_ok = stat[sc->fac[k]].s.n >= 2;
    if (fac_ok) {
        msi_synergy *y = &r->syn;
        double mean[4], p[4];
        for (int k = 0; k < 4; k++) {
            const msi_armstat *s = &stat[sc->fac[k]];
            mean[k] = s->s.mean_change;
            p[k] = (double)s->nresp / (double)s->s.n;
        }
        measures(mean, p, &y->contrast, &y->bliss, &y->hsa);
        size_t B = ty->nboot, m = 0;
        double *bc = msi_alloc(ctx, (B + 1) * sizeof *bc),
               *bb = msi_alloc(ctx, (B + 1) * sizeof *bb),
               *bh = msi_alloc(ctx, (B + 1) * sizeof *bh);
        if (!bc || !bb || !bh) {
            st = msi_nomem(ctx);
        } else {
            for (size_t b = 0; b < B; b++) {
                const double *acc = ty->boot + b * 12;
                int empty = 0;
                for (int k = 0; k < 4; k++) {
                    empty |= !(acc[3 * k] > 0);
                    mean[k] = acc[3 * k + 1] / acc[3 * k];
                    p[k] = acc[3 * k + 2] / acc[3 * k];
                }
                if (!empty) {
                    measures(mean, p, &bc[m], &bb[m], &bh[m]);
                    m++;
                }
            }
            msi_percentile_ci(bc, m, &y->lo, &y->hi);
            msi_percentile_ci(bb, m, &y->bliss_lo, &y->bliss_hi);
            msi_percentile_ci(bh, m, &y->hsa_lo, &y->hsa_hi);
            /* differences below the integration accuracy (e.g. null effects in
             * a matched design) are zero: additive, not a rounding verdict */
            double scale = 0;
            for (int k = 0; k < 4; k++)
                scale = fmax(scale, fabs(stat[sc->fac[k]].s.mean_change));
            double eps = 10 * sc->rtol * (1 + scale);
            y->verdict = y->hi < -eps  ? "synergistic"
                         : y->lo > eps ? "less than additive"
                                       : "additive";
            y->valid = 1;
            armdata f[4];
            for (int k = 0; k < 4; k++)
                f[k] = d[sc->fac[k]];
            y->n_inter = sample_size(ty, f, 1, 0, scratch, &y->power_inter_at_n);
            armdata pair[2] = {f[0], f[3]};
            y->n_diff = sample_size(ty, pair, 0, 1, scratch, &y->power_diff_at_n);
        }
        msi_free(ctx, bc);
        msi_free(ctx, bb);
        msi_free(ctx, bh);
    }
    msi_free(ctx, d);
    msi_free(ctx, scratch);
    return st;
}
