/*
 * trial_impl.h — the inside of a scenario and of a trial's results, shared
 * by the trial runner, its analysis and the report (which only reads).
 * Not installed.
 */
#ifndef MS_TRIAL_IMPL_H
#define MS_TRIAL_IMPL_H

#include "../model/model_impl.h"

#include <stdint.h>
#include <stdio.h>

typedef enum { MS_DESIGN_PARALLEL, MS_DESIGN_FACTORIAL, MS_DESIGN_MATCHED } msi_design;

typedef struct {
    char *name, *protocol_path, *label;
    ms_protocol *proto; /* NULL: no treatment */
    int *set_idx;       /* parameter overrides */
    double *set_val;
    size_t nset;
} msi_arm;

typedef struct {
    char *name, *var;
    double threshold;
    int above; /* 1: var > threshold; 0: var <= threshold */
} msi_subgroup;

struct ms_scenario {
    ms_context *ctx;
    char *file, *dir, *name, *question, *desc, *model_path;
    ms_model *model;
    unsigned long long seed;
    long per_arm;
    msi_design design;
    msi_arm *arms;
    size_t narms;
    int control;    /* arm index */
    int fac[4];     /* factorial: control, a, b, ab (arm indices), or -1 */
    double *visits; /* weeks, increasing, first 0 */
    size_t nvisits;
    int score; /* observable index */
    double response_frac, remission_max;
    int *markers; /* observable indices */
    size_t nmarkers;
    ms_criterion *crit;
    char **crit_names;
    size_t ncrit;
    msi_subgroup *sub;
    size_t nsub;
    double alpha, power_target;
    long power_max;
    long bootstrap;
    double rtol, atol; /* solver tolerances */
    ms_method method;  /* solver method (solver: method:) */
};

/* One simulated patient in one arm: the record streamed to disk (results.bin)
 * and between processes, fixed-size header then doubles (see trial.c). */
#define MS_REASON_MAX 232
typedef struct {
    int64_t patient; /* id in the cohort (0 .. included - 1) */
    int32_t arm;
    int32_t failed; /* 1: the integration failed (reason) */
    int32_t response, remission;
    double baseline, final, change;
    char reason[MS_REASON_MAX];
} msi_rechdr;

/* Streaming accumulators (tally.c): everything the analysis and the report
 * need, of a size independent of the number of patients. */
typedef struct {
    double n, mean, m2; /* Welford */
} msi_moments;
#define MS_KEEP_PER_ARM 100000 /* patients per arm kept for resampling (power, waterfall) */
#define MS_FAIL_SHOWN 10
typedef struct {
    ms_context *ctx;
    const ms_scenario *sc;
    size_t na, ngroups, nobs;
    msi_moments *change; /* groups x arms */
    long *nresp, *nrem, *nfail;
    msi_moments *base, *fin;           /* per arm */
    msi_moments *visit;                /* arms x visits x observables */
    long *vresp, *vrem;                /* arms x visits: responders and remitters at each visit */
    long *vsust;                       /* arms x visits x visits: [i][j] responders at both visit i
                                          and the later visit j (durability of response) */
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
    int64_t pcur;
    size_t pseen;
    double *pchg, *psub; /* per arm; arms x subgroups */
    int *pok;
    long nrec, nfailed;
    msi_rechdr fail[MS_FAIL_SHOWN];
    size_t nfail_kept;
} msi_tally;
ms_status msi_tally_init(msi_tally *ty, ms_context *ctx, const ms_scenario *sc);
void msi_tally_free(msi_tally *ty);
/* Adds n consecutive records (headers h, sub values sub[i * nsub], visit
 * observables obs[i * nvisits * nobs]); bootstrap replicates on `threads`. */
void msi_tally_add(msi_tally *ty, const msi_rechdr *h, const double *sub, const double *obs,
                   size_t n, int threads);
void msi_moments_add(msi_moments *m, double x);
double msi_moments_sd(const msi_moments *m);
void msi_moments_ci(const msi_moments *m, double *lo, double *hi);

typedef struct {
    double mean, sd, lo, hi; /* mean change and its 95 % CI */
    long n, nresp, nrem, nfail;
    double resp_lo, resp_hi, rem_lo, rem_hi;
    /* against the control arm */
    double dmean, dmean_lo, dmean_hi, dresp, dresp_lo, dresp_hi;
    double p_value; /* Welch t-test on change vs control */
    /* matched designs: the same patients' paired difference from control
     * (t interval and paired t-test; n_paired 0 and NAN otherwise) */
    long n_paired;
    double pdmean, pdmean_lo, pdmean_hi, p_paired;
    long n_power; /* per arm for the power target vs control (-1: beyond max) */
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

/* The same trial with the model's claims at the other setting (claims.c):
 * owned by the main trial. */
typedef struct {
    ms_trial *trial;    /* NULL: not run (no claims, or interrupted) */
    int setting, other; /* MS_CLAIMS_NULL / _AS_CLAIMED / _AS_SET: the main run's, and
                           the counterpart's */
    int *idx;           /* the claim parameters (model indices) */
    double *val;        /* the values forced in the counterpart */
    size_t n;
    int interrupted; /* the counterpart was stopped early and dropped */
} msi_counterpart;

struct ms_trial {
    ms_context *ctx;
    const ms_scenario *sc;
    long screened, included;
    long *rejected; /* per criterion */
    msi_tally tally;
    size_t nres; /* patient-arms planned */
    long n_failed;
    int interrupted;
    msi_armstat *stat; /* per arm, then per (subgroup, side, arm) */
    msi_synergy syn;
    double seconds;
    int threads;
    int worker_rank;         /* > 0: a rank that only simulated blocks for rank 0 */
    ms_numerics_check check; /* the numerical check (trial.c) */
    msi_counterpart cp;      /* the null / as-claimed counterpart (claims.c) */
};

/* Patients simulated, then written, together (a checkpoint is a number of
 * these blocks). */
#define MS_BLOCK_PATIENTS 256

/* stream.c: the per-patient files and the checkpoint of a run */
typedef struct {
    FILE *f[4]; /* visits.csv, endpoints.csv, failures.csv, results.bin */
    char dir[3800];
    char *fp; /* fingerprint of the inputs, hex */
} msi_stream;
/* New files in opt->out_dir (refused if it holds an unfinished run). */
ms_status msi_stream_open(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                          msi_stream *o);
/* Reopens the files of an unfinished run at its checkpoint, rebuilding the
 * tally from results.bin (through the record buffers h/subs/obss of `cap`
 * records); *blocks_done is where the run goes on. */
ms_status msi_stream_resume(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                            msi_stream *o, msi_tally *ty, msi_rechdr *h, double *subs, double *obss,
                            size_t cap, int threads, long *blocks_done);
void msi_stream_write(msi_stream *o, const ms_scenario *sc, const msi_rechdr *h, const double *subs,
                      const double *obss, size_t n);
ms_status msi_stream_checkpoint(ms_context *ctx, msi_stream *o, long blocks, long records);
/* Closes the files; returns st, or the first write error if st is MS_OK. */
ms_status msi_stream_close(ms_context *ctx, msi_stream *o, ms_status st);
void msi_stream_finished(const char *dir);
/* A CSV field (quoted when needed); a lower-case copy. */
void msi_csv_str(FILE *f, const char *s);
void msi_lower_copy(char *dst, const char *src, size_t n);

/* analysis.c */
ms_status msi_trial_analyse(ms_trial *t);
/* stats.c */
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
/* Seconds on the monotonic clock (for progress and timing). */
double msi_now_s(void);

/* Normal mixture with k (<= 8) fixed component means mu, fitted by EM to ng
 * groups of data (x[g], n[g] values): SDs shared by the groups (sd[k]),
 * weights per group (w[g * k + j]).  Returns the EM iterations, -1 if there
 * are too few data. */
int msi_mixture_fixed_means(const double *const *x, const size_t *n, size_t ng, const double *mu,
                            size_t k, double *sd, double *w);

/* One run of a targets file (calibrate.c), for the public entry points and
 * for a calibration plan (calplan.c).  Every pointer is borrowed for the
 * call only. */
typedef struct {
    const char *scenario;                /* evaluation: replaces a trial calibration's scenario: */
    int fit;                             /* 1: fit; 0: evaluate at the model's values */
    int replicates;                      /* evaluation: 1 to 1000 */
    ms_calibration_progress_fn progress; /* may be NULL */
    void *ud;
    /* values set in the model in place of the model file's (a plan's
     * earlier steps), before fitting or evaluating */
    const char *const *hold_names;
    const double *hold_values;
    size_t nhold;
    const char *model; /* if not NULL: the real path of the only model allowed */
} msi_cal_run;
ms_status msi_calibration_run(ms_context *ctx, const char *path, const msi_cal_run *run,
                              ms_calibration **out);
/* The model file's value of fitted parameter i (NaN if out of range). */
double msi_calibration_file_value(const ms_calibration *c, size_t i);

#endif
