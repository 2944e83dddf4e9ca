/*
 * stats.c — the statistics a trial report uses, on GSL's distribution
 * functions: Wilson score intervals for proportions, Newcombe's hybrid score
 * interval for a difference of proportions, t intervals for means and the
 * Welch test for a difference of means, the median of a time to an event
 * observed at visits.
 */
#include "results.h"

#include <math.h>

#include "../core/rng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define Z975 1.959963984540054

/* Wilson EB (1927) J Am Stat Assoc 22:209-212; Newcombe RG (1998) Stat Med
 * 17:857-872, method 3. */
void msi_wilson(long x, long n, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = *hi = NAN;
        return;
    }
    double p = (double)x / (double)n, z2 = Z975 * Z975, nn = (double)n;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = Z975 * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    *lo = fmax(0, centre - half);
    *hi = fmin(1, centre + half);
}

/* The share reaching the event by visit i is the empirical distribution
 * function (no censoring before the last visit: every patient is seen at
 * every visit); the median is the first visit where it reaches 1/2, and its
 * interval the first visits where the upper and the lower Wilson bound of
 * the share reach 1/2 -- the times where the pointwise band crosses 1/2, as
 * R's survival::quantile.survfit does for a Kaplan-Meier curve. */
void msi_median_time(const double *t, const long *x, size_t nt, long n, double *median, double *lo,
                     double *hi)
{
    *median = *lo = *hi = NAN;
    long cum = 0;
    for (size_t i = 0; n > 0 && i < nt; i++) {
        cum += x[i];
        double p = (double)cum / (double)n, wl, wh;
        msi_wilson(cum, n, &wl, &wh);
        if (isnan(*median) && p >= 0.5)
            *median = t[i];
        if (isnan(*lo) && wh >= 0.5)
            *lo = t[i];
        if (isnan(*hi) && wl >= 0.5)
            *hi = t[i];
    }
}

/* Newcombe RG (1998) Stat Med 17:873-890, method 10 (hybrid score). */
void msi_newcombe_diff(long x1, long n1, long x0, long n0, double *lo, double *hi)
{
    if (n1 <= 0 || n0 <= 0) {
        *lo = *hi = NAN;
        return;
    }
    double p1 = (double)x1 / (double)n1, p0 = (double)x0 / (double)n0;
    double l1, u1, l0, u0;
    msi_wilson(x1, n1, &l1, &u1);
    msi_wilson(x0, n0, &l0, &u0);
    double d = p1 - p0;
    *lo = d - sqrt((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0));
    *hi = d + sqrt((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0));
}

void msi_mean_ci(const double *x, size_t n, double *mean, double *sd, double *lo, double *hi)
{
    if (n == 0) {
        *mean = *sd = *lo = *hi = NAN;
        return;
    }
    *mean = gsl_stats_mean(x, 1, n);
    *sd = n > 1 ? gsl_stats_sd_m(x, 1, n, *mean) : NAN;
    if (n < 2) {
        *lo = *hi = NAN;
        return;
    }
    double t = gsl_cdf_tdist_Pinv(0.975, (double)n - 1);
    *lo = *mean - t * *sd / sqrt((double)n);
    *hi = *mean + t * *sd / sqrt((double)n);
}

/* Welch BL (1947) Biometrika 34:28-35: difference m1 - m0 with its 95 % CI;
 * returns the two-sided p value. */
double msi_welch_p(double m1, double s1, long n1, double m0, double s0, long n0, double *lo,
                   double *hi)
{
    *lo = *hi = NAN;
    if (n1 < 2 || n0 < 2)
        return NAN;
    double v1 = s1 * s1 / (double)n1, v0 = s0 * s0 / (double)n0, se = sqrt(v1 + v0);
    double d = m1 - m0;
    if (!(se > 0)) {
        *lo = *hi = d;
        return d == 0 ? 1.0 : 0.0;
    }
    double df = (v1 + v0) * (v1 + v0) / (v1 * v1 / ((double)n1 - 1) + v0 * v0 / ((double)n0 - 1));
    double t = gsl_cdf_tdist_Pinv(0.975, df);
    *lo = d - t * se;
    *hi = d + t * se;
    return 2 * gsl_cdf_tdist_Q(fabs(d) / se, df);
}

void msi_percentile_ci(double *x, size_t n, double *lo, double *hi)
{
    gsl_sort(x, 1, n);
    *lo = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(x, 1, n, 0.975);
}

/* Poisson bootstrap (the method the trial analysis streams): each
 * observation enters replicate r with weight Poisson(1). */
void msi_bootstrap_mean_ci(const double *x, size_t n, unsigned long long seed, size_t B,
                           double *scratch, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t r = 0; r < B; r++) {
        double s = 0, w = 0;
        for (size_t i = 0; i < n; i++) {
            int k = msi_poisson1(msi_rng_bits(seed, MS_RNG_BOOTSTRAP, r, i, 99));
            s += k * x[i];
            w += k;
        }
        if (w > 0)
            scratch[m++] = s / w;
    }
    msi_percentile_ci(scratch, m, lo, hi);
}

void msi_moments_add(msi_moments *m, double x)
{
    m->n += 1;
    double d = x - m->mean;
    m->mean += d / m->n;
    m->m2 += d * (x - m->mean);
}

double msi_moments_sd(const msi_moments *m)
{
    return m->n > 1 ? sqrt(m->m2 / (m->n - 1)) : NAN;
}

/* t interval of the mean. */
void msi_moments_ci(const msi_moments *m, double *lo, double *hi)
{
    if (m->n < 2) {
        *lo = *hi = NAN;
        return;
    }
    double t = gsl_cdf_tdist_Pinv(0.975, m->n - 1), half = t * msi_moments_sd(m) / sqrt(m->n);
    *lo = m->mean - half;
    *hi = m->mean + half;
}

/* Normal mixture with fixed component means, fitted by EM (Dempster, Laird
 * & Rubin 1977): the M step updates each component's SD (shared by the
 * groups) and each group's weights; the means stay where the published
 * decomposition put them, so that the weights answer "what fraction of
 * these data belongs to that component".  SDs are floored at 1e-3 of the
 * data's range so that a component cannot collapse onto one value. */
int msi_mixture_fixed_means(const double *const *x, const size_t *n, size_t ng, const double *mu,
                            size_t k, double *sd, double *w)
{
    enum { KMAX = 8 };
    size_t total = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t g = 0; g < ng; g++)
        for (size_t i = 0; i < n[g]; i++) {
            total++;
            lo = fmin(lo, x[g][i]);
            hi = fmax(hi, x[g][i]);
        }
    if (k == 0 || k > KMAX || total < 2 * k)
        return -1;
    double floor_sd = fmax(1e-3 * (hi - lo), 1e-12), spread = fmax((hi - lo) / (2.0 * k), floor_sd);
    for (size_t j = 0; j < k; j++)
        sd[j] = spread;
    for (size_t g = 0; g < ng * k; g++)
        w[g] = 1.0 / (double)k;
    double ll_prev = -INFINITY;
    int it;
    for (it = 1; it <= 5000; it++) {
        double sw[KMAX] = {0}, ss[KMAX] = {0}, ll = 0;
        for (size_t g = 0; g < ng; g++) {
            double cnt[KMAX] = {0};
            for (size_t i = 0; i < n[g]; i++) {
                double r[KMAX], s = 0;
                for (size_t j = 0; j < k; j++) {
                    double z = (x[g][i] - mu[j]) / sd[j];
                    r[j] = w[g * k + j] * exp(-0.5 * z * z) / sd[j];
                    s += r[j];
                }
                if (!(s > 0)) { /* far from every component: nearest mean takes it */
                    size_t best = 0;
                    for (size_t j = 1; j < k; j++)
                        if (fabs(x[g][i] - mu[j]) < fabs(x[g][i] - mu[best]))
                            best = j;
                    for (size_t j = 0; j < k; j++)
                        r[j] = j == best;
                    s = 1;
                } else {
                    ll += log(s);
                }
                for (size_t j = 0; j < k; j++) {
                    double p = r[j] / s, d = x[g][i] - mu[j];
                    cnt[j] += p;
                    sw[j] += p;
                    ss[j] += p * d * d;
                }
            }
            for (size_t j = 0; j < k; j++)
                w[g * k + j] = n[g] ? cnt[j] / (double)n[g] : 0;
        }
        for (size_t j = 0; j < k; j++)
            sd[j] = sw[j] > 0 ? fmax(sqrt(ss[j] / sw[j]), floor_sd) : spread;
        if (fabs(ll - ll_prev) <= 1e-10 * fabs(ll))
            break;
        ll_prev = ll;
    }
    return it;
}
