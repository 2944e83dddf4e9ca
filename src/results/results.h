/*
 * results.h — what a trial's patients add up to: the record each simulated
 * patient-arm yields (the trial streams them past), the streaming tally of
 * those records (tally.c), the per-arm statistics, synergy and sample size
 * computed from the tally (analysis.c), the statistics helpers (stats.c),
 * the per-arm statistics list expanded (armstat.c) and summary.csv and
 * synergy.csv (summary.c).  Reads the scenario; knows nothing of how the
 * records were simulated.  Owns msi_tally and msi_results.  Not installed.
 */
#ifndef MS_RESULTS_H
#define MS_RESULTS_H

#include "../scenario/scenario.h"

#include <stdint.h>
#include <stdio.h>

/* One simulated patient in one arm: the record streamed to disk (results.bin)
 * and between processes, fixed-size header then doubles (see trial.c). */
#define MS_REASON_MAX 232
typedef struct {
    int64_t patient; /* id in the cohort (0 .. included - 1) */
    int32_t arm;
    int32_t failed; /* 1: the integration failed (reason) */
    int32_t response, remission;
    int32_t sessions; /* sessions (on level inputs) given up to the last visit */
    int32_t doses;    /* infusions and doses (rate and bolus inputs) given up to then */
    int32_t courses;  /* courses the protocol's decision rules started */
    int32_t pad_;
    double baseline, final, change;
    char reason[MS_REASON_MAX];
} msi_rechdr;

/* ------------------------------------------------------------- tally.c */

/* Streaming accumulators: everything the analysis and the report need, of a
 * size independent of the number of patients. */
typedef struct {
    double n, mean, m2; /* Welford */
} msi_moments;
#define MS_KEEP_PER_ARM 100000 /* patients per arm kept for resampling (power, waterfall) */
#define MS_FAIL_SHOWN 10
typedef struct {
    ms_context *ctx;
    const ms_scenario *sc;
    unsigned long long seed; /* the run's (bootstrap weights) */
    size_t na, ngroups, nobs;
    msi_moments *change; /* groups x arms */
    long *nresp, *nrem, *nfail;
    /* treatment burden, groups x arms: sessions and doses given, courses
     * started, weeks in response (each visit interval counted by the rating
     * at its end) */
    msi_moments *sessions, *doses, *courses, *inresp;
    long *vfirst;                      /* groups x arms x visits: patients first responding there */
    msi_moments *base, *fin;           /* per arm */
    msi_moments *visit;                /* arms x visits x observables */
    long *vresp, *vrem;                /* arms x visits: responders and remitters at each visit */
    long *vsust;                       /* arms x visits x visits: [i][j] responders at both visit i
                                          and the later visit j (durability of response) */
    long *vkeeprem;                    /* arms x visits x visits: [i][j] remitters at visit i in
                                          remission at every visit after it up to j (no relapse) */
    double **keep_change, **keep_base; /* per arm: the first MS_KEEP_PER_ARM */
    size_t *nkeep;
    double *boot; /* bootstrap x 4 x 3: sum w, sum w*change, sum w*response */
    size_t nboot;
    int paired;
    /* matched designs only (else NULL): per group and arm, the moments of each
     * patient's change in the arm minus the same patient's change on control
     * (patients with both simulations ok and in the group in both); and the
     * current patient's records until all its arms have gone past */
    msi_moments *pdiff;
    msi_moments *cdiff; /* per comparison (compare:): arm minus versus, every patient */
    int64_t pcur;
    size_t pseen;
    double *pchg, *psub; /* per arm; arms x subgroups */
    int *pok;
    long nrec, nfailed;
    msi_rechdr fail[MS_FAIL_SHOWN];
    size_t nfail_kept;
} msi_tally;
ms_status msi_tally_init(msi_tally *ty, ms_context *ctx, const ms_scenario *sc,
                         unsigned long long seed);
void msi_tally_free(msi_tally *ty);
/* Adds n consecutive records (headers h, sub values sub[i * nsub], visit
 * observables obs[i * nvisits * nobs]); bootstrap replicates on `threads`. */
void msi_tally_add(msi_tally *ty, const msi_rechdr *h, const double *sub, const double *obs,
                   size_t n, int threads);
void msi_moments_add(msi_moments *m, double x);
double msi_moments_sd(const msi_moments *m);
void msi_moments_ci(const msi_moments *m, double *lo, double *hi);

/* ---------------------------------------------------------- analysis.c */

typedef struct {
    ms_arm_summary s; /* the published statistics (MS_ARM_STAT_LIST) */
    long nresp, nrem; /* the counts behind the rates (synergy, figures) */
} msi_armstat;

typedef struct {
    int valid;
    double contrast, lo, hi;          /* interaction contrast on mean change */
    double bliss, bliss_lo, bliss_hi; /* observed - Bliss-expected response rate */
    double hsa, hsa_lo, hsa_hi;       /* observed - highest single agent response rate */
    const char *verdict;              /* "synergistic", "additive", "less than additive" */
    /* sample size */
    long n_diff, n_inter; /* per arm for 80 % power; -1 if > max */
    double power_diff_at_n, power_inter_at_n;
} msi_synergy;

/* The analysis of a tally. */
typedef struct {
    msi_armstat *stat; /* per arm, then per (subgroup, side, arm): groups x arms */
    size_t ngroups, narms;
    msi_synergy syn;
    ms_comparison *cmp; /* per comparison (compare:) */
    size_t ncmp;
    long n_failed;
} msi_results;
ms_status msi_results_analyse(ms_context *ctx, const msi_tally *ty, msi_results *r);
void msi_results_free(ms_context *ctx, msi_results *r);
/* Arm a's statistics in group g (0: every patient; 1 + 2s + side: subgroup
 * s above (side 0) or at most (side 1) its threshold). */
const msi_armstat *msi_results_arm(const msi_results *r, size_t g, size_t a);

/* ----------------------------------------------------------- armstat.c */

/* Writes one summary.csv row's statistics (after "arm,subgroup,"), or the
 * header's names; cells a statistic's scope excludes are empty. */
void msi_armstat_csv_header(FILE *f);
void msi_armstat_csv_row(FILE *f, const ms_arm_summary *s, int is_control);

/* ----------------------------------------------------------- summary.c */

/* summary.csv and (2x2 factorial) synergy.csv of r into dir. */
ms_status msi_results_write(ms_context *ctx, const ms_scenario *sc, const msi_results *r,
                            const char *dir);

/* ------------------------------------------------------------- stats.c */

void msi_wilson(long x, long n, double *lo, double *hi);
void msi_newcombe_diff(long x1, long n1, long x0, long n0, double *lo, double *hi);
void msi_mean_ci(const double *x, size_t n, double *mean, double *sd, double *lo, double *hi);
double msi_welch_p(double m1, double s1, long n1, double m0, double s0, long n0, double *lo,
                   double *hi);
/* 2.5 and 97.5 percentiles of x (sorts x). */
void msi_percentile_ci(double *x, size_t n, double *lo, double *hi);
/* Percentile bootstrap 95 % CI of the mean with B replicates (scratch: B). */
void msi_bootstrap_mean_ci(const double *x, size_t n, unsigned long long seed, size_t B,
                           double *scratch, double *lo, double *hi);
/* The median of a distribution over ordered times t[0..nt) given by the
 * count first reaching each time (x[i], of n in all), and its 95 % interval
 * from the Wilson interval of the cumulative share; NAN where the share (or
 * its bound) never reaches one half. */
void msi_median_time(const double *t, const long *x, size_t nt, long n, double *median, double *lo,
                     double *hi);
/* Normal mixture with k (<= 8) fixed component means mu, fitted by EM to ng
 * groups of data (x[g], n[g] values): SDs shared by the groups (sd[k]),
 * weights per group (w[g * k + j]).  Returns the EM iterations, -1 if there
 * are too few data. */
int msi_mixture_fixed_means(const double *const *x, const size_t *n, size_t ng, const double *mu,
                            size_t k, double *sd, double *w);

#endif
