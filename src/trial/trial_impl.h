/*
 * trial_impl.h — the inside of a scenario and of a trial's results, shared
 * by the trial runner, its analysis and the report (which only reads).
 * Not installed.
 */
#ifndef MS_TRIAL_IMPL_H
#define MS_TRIAL_IMPL_H

#include "../model/model_impl.h"

typedef enum { MS_DESIGN_PARALLEL, MS_DESIGN_FACTORIAL, MS_DESIGN_MATCHED } ms_design;

typedef struct {
    char *name, *protocol_path, *label;
    ms_protocol *proto;       /* NULL: no treatment */
    int *set_idx;             /* parameter overrides */
    double *set_val;
    size_t nset;
} ms_arm;

typedef struct {
    char *name, *var;
    double threshold;
    int above;                /* 1: var > threshold; 0: var <= threshold */
} ms_subgroup;

struct ms_scenario {
    ms_context *ctx;
    char *file, *dir, *name, *question, *desc, *model_path;
    ms_model *model;
    unsigned long long seed;
    long per_arm;
    ms_design design;
    ms_arm *arms;
    size_t narms;
    int control;              /* arm index */
    int fac[4];               /* factorial: control, a, b, ab (arm indices), or -1 */
    double *visits;           /* weeks, increasing, first 0 */
    size_t nvisits;
    int score;                /* observable index */
    double response_frac, remission_max;
    int *markers;             /* observable indices */
    size_t nmarkers;
    ms_criterion *crit;
    char **crit_names;
    size_t ncrit;
    ms_subgroup *sub;
    size_t nsub;
    double alpha, power_target;
    long power_max;
    long bootstrap;
    double rtol, atol;        /* solver tolerances */
};

/* One simulated patient in one arm. */
typedef struct {
    long patient;             /* id in the cohort */
    int arm;
    int failed;
    char *reason;             /* if failed */
    double *obs;              /* nvisits x nobs */
    double baseline, final, change;
    int response, remission;
    double *sub_values;       /* baseline value of each subgroup variable */
} ms_result;

typedef struct {
    double mean, sd, lo, hi; /* mean change and its 95 % CI */
    long n, nresp, nrem, nfail;
    double resp_lo, resp_hi, rem_lo, rem_hi;
    /* against the control arm */
    double dmean, dmean_lo, dmean_hi, dresp, dresp_lo, dresp_hi;
    double p_value;           /* Welch t-test on change vs control */
    long n_power;             /* per arm for the power target vs control (-1: beyond max) */
} ms_armstat;

typedef struct {
    int valid;
    double contrast, lo, hi;          /* interaction contrast on mean change */
    double bliss, bliss_lo, bliss_hi; /* observed - Bliss-expected response rate */
    double hsa, hsa_lo, hsa_hi;       /* observed - highest single agent response rate */
    const char *verdict;              /* "synergistic", "additive", "less than additive" */
    /* sample size */
    long n_diff, n_inter;             /* per arm for 80 % power; -1 if > max */
    double power_diff_at_n, power_inter_at_n;
} ms_synergy;

struct ms_trial {
    ms_context *ctx;
    const ms_scenario *sc;
    long screened, included;
    long *rejected;           /* per criterion */
    ms_result *res;           /* arms x patients, in (arm, patient) order */
    size_t nres;
    long n_failed;
    int interrupted;
    ms_armstat *stat;         /* per arm, then per (subgroup, side, arm) */
    ms_synergy syn;
    double seconds;
    int threads;
};

/* analysis.c */
ms_status ms_trial_analyse(ms_trial *t);
/* stats.c */
void ms_wilson(long x, long n, double *lo, double *hi);
void ms_newcombe_diff(long x1, long n1, long x0, long n0, double *lo, double *hi);
void ms_mean_ci(const double *x, size_t n, double *mean, double *sd, double *lo, double *hi);
double ms_welch_p(double m1, double s1, long n1, double m0, double s0, long n0, double *lo,
                  double *hi);

/* 2.5 and 97.5 percentiles of x (sorts x). */
void ms_percentile_ci(double *x, size_t n, double *lo, double *hi);
/* Percentile bootstrap 95 % CI of the mean with B replicates (scratch: B). */
void ms_bootstrap_mean_ci(const double *x, size_t n, unsigned long long seed, size_t B,
                          double *scratch, double *lo, double *hi);

#endif
