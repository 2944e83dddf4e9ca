/*
 * test_stats.c — the trial statistics against published values: Wilson
 * intervals (Newcombe 1998, Stat Med 17:857, Table I), Newcombe's hybrid
 * score interval for a difference of proportions (Newcombe 1998, Stat Med
 * 17:873, Table II, example (a)), a t interval and Welch's test worked by
 * hand, and the coverage of the percentile bootstrap interval of a mean on
 * normal samples (nominal 95 %), and the fixed-means normal mixture
 * recovering known weights and SDs from data drawn from it.
 */
#include "testlib.h"
#include "trial/trial_impl.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

int main(void)
{
    double lo, hi;
    /* Newcombe (1998a) Table I: 81/263 -> 0.2553, 0.3662; 15/148 -> 0.0624, 0.1605;
     * 0/20 -> 0, 0.1611; 1/29 -> 0.0061, 0.1718 */
    msi_wilson(81, 263, &lo, &hi);
    CHECK(fabs(lo - 0.2553) < 1e-4 && fabs(hi - 0.3662) < 1e-4, "81/263: %.4f %.4f", lo, hi);
    msi_wilson(15, 148, &lo, &hi);
    CHECK(fabs(lo - 0.0624) < 1e-4 && fabs(hi - 0.1605) < 1e-4, "15/148: %.4f %.4f", lo, hi);
    msi_wilson(0, 20, &lo, &hi);
    CHECK(lo == 0 && fabs(hi - 0.1611) < 1e-4, "0/20: %.4f %.4f", lo, hi);
    msi_wilson(1, 29, &lo, &hi);
    CHECK(fabs(lo - 0.0061) < 1e-4 && fabs(hi - 0.1718) < 1e-4, "1/29: %.4f %.4f", lo, hi);
    msi_wilson(0, 0, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi), "n = 0 gives no interval");
    /* Newcombe (1998b) Table II (a): 56/70 - 48/80, method 10: 0.0524, 0.3339 */
    msi_newcombe_diff(56, 70, 48, 80, &lo, &hi);
    CHECK(fabs(lo - 0.0524) < 1e-4 && fabs(hi - 0.3339) < 1e-4, "56/70-48/80: %.4f %.4f", lo, hi);

    /* t interval of 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445 */
    double x[5] = {1, 2, 3, 4, 5}, mean, sd;
    msi_mean_ci(x, 5, &mean, &sd, &lo, &hi);
    double half = 2.776445105 * sqrt(2.5) / sqrt(5.0);
    CHECK(mean == 3 && fabs(sd - sqrt(2.5)) < 1e-12, "mean and sd");
    CHECK(fabs(lo - (3 - half)) < 1e-6 && fabs(hi - (3 + half)) < 1e-6, "t interval %g %g", lo, hi);
    /* Welch: equal variances and sizes reduce to df = 2(n-1); t = 1/sqrt(2*1/10) */
    double p = msi_welch_p(1, 1, 10, 0, 1, 10, &lo, &hi);
    double tq = 2.100922040; /* t(0.975, 18) */
    CHECK(fabs(lo - (1 - tq * sqrt(0.2))) < 1e-6 && fabs(hi - (1 + tq * sqrt(0.2))) < 1e-6,
          "Welch interval %g %g", lo, hi);
    /* two-sided tail of t(18) beyond sqrt(5), by Simpson integration of the density: 0.038250 */
    CHECK(fabs(p - 0.038250) < 1e-5, "Welch p %.6f (t = 2.236, df 18)", p);

    /* bootstrap coverage on N(0, 1), n = 40, 400 data sets, 1000 replicates */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    double data[40], *scratch = malloc(1000 * sizeof *scratch);
    int covered = 0, sets = 400;
    for (int s = 0; s < sets; s++) {
        for (int i = 0; i < 40; i++)
            data[i] = gsl_ran_gaussian(r, 1.0);
        msi_bootstrap_mean_ci(data, 40, (unsigned long long)s + 1, 1000, scratch, &lo, &hi);
        covered += lo <= 0 && 0 <= hi;
    }
    double cov = (double)covered / sets;
    /* the percentile interval under-covers slightly at n = 40 (about 0.93-0.94);
     * 400 sets give a binomial SD of 0.011 */
    CHECK(cov > 0.90 && cov < 0.98, "bootstrap coverage %.3f, nominal 0.95", cov);
    printf("bootstrap coverage %.3f over %d data sets\n", cov, sets);
    free(scratch);

    /* mixture with Stone et al. 2022's three means: two groups drawn with
     * weights (0.10, 0.69, 0.21) and (0.25, 0.60, 0.15), SDs (4, 4.5, 3);
     * 20,000 values each recover the weights to +-0.02 and SDs to +-0.3 */
    double mu[3] = {16.0, 8.9, 1.7}, true_sd[3] = {4, 4.5, 3};
    double true_w[2][3] = {{0.10, 0.69, 0.21}, {0.25, 0.60, 0.15}};
    size_t nn[2] = {20000, 20000};
    double *g0 = malloc(nn[0] * sizeof *g0), *g1 = malloc(nn[1] * sizeof *g1);
    double *grp[2] = {g0, g1};
    for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < nn[g]; i++) {
            double u = gsl_rng_uniform(r);
            int j = u < true_w[g][0] ? 0 : u < true_w[g][0] + true_w[g][1] ? 1 : 2;
            grp[g][i] = mu[j] + gsl_ran_gaussian(r, true_sd[j]);
        }
    double msd[3], mw[6];
    int its = msi_mixture_fixed_means((const double *const *)grp, nn, 2, mu, 3, msd, mw);
    CHECK(its > 0, "mixture fit ran (%d iterations)", its);
    for (int g = 0; g < 2; g++)
        for (int j = 0; j < 3; j++)
            CHECK(fabs(mw[g * 3 + j] - true_w[g][j]) < 0.02, "group %d weight %d: %.3f, true %.2f",
                  g, j, mw[g * 3 + j], true_w[g][j]);
    for (int j = 0; j < 3; j++)
        CHECK(fabs(msd[j] - true_sd[j]) < 0.3, "component %d SD %.2f, true %.1f", j, msd[j],
              true_sd[j]);
    printf("mixture: weights %.3f %.3f %.3f / %.3f %.3f %.3f in %d iterations\n", mw[0], mw[1],
           mw[2], mw[3], mw[4], mw[5], its);
    CHECK(msi_mixture_fixed_means((const double *const *)grp, (size_t[2]){2, 1}, 2, mu, 3, msd,
                                  mw) == -1,
          "too few data are refused");
    free(g0);
    free(g1);
    gsl_rng_free(r);
    return test_done("stats");
}
