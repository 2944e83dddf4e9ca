/*
 * trial_impl.h — the inside of a trial run: the runner (trial.c), the
 * per-patient files and checkpoint (stream.c) and the null / as-claimed
 * counterpart (claims.c).  A trial reads a scenario, simulates its patients
 * and hands their records to the results module (tally and analysis); the
 * report reads a finished trial through the accessors below and in
 * results.h.  Owns struct ms_trial.  Not installed.
 */
#ifndef MS_TRIAL_IMPL_H
#define MS_TRIAL_IMPL_H

#include "../results/results.h"

#include <stdint.h>
#include <stdio.h>

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
    const ms_scenario *sc;    /* as run: &run_sc */
    const ms_scenario *given; /* the caller's (which run_sc copies) */
    ms_scenario run_sc;       /* with ms_trial_options.batch, if set */
    long screened, included;
    long *rejected;          /* per criterion */
    unsigned long long seed; /* the run's: the scenario's, or ms_trial_options.seed */
    msi_tally tally;
    size_t nres; /* patient-arms planned */
    int interrupted;
    msi_results res; /* the analysis of the tally */
    double seconds;
    int threads;
    int worker_rank;         /* > 0: a rank that only simulated blocks for rank 0 */
    ms_numerics_check check; /* the numerical check (trial.c) */
    msi_counterpart cp;      /* the null / as-claimed counterpart (claims.c) */
    /* the run's parameter values beyond the model file's and the arms' set:
     * set before the arms' (ms_trial_options.set_*), forced after them
     * (force_*); for the report's ledger of the values each run used */
    int *set_idx, *force_idx;
    double *set_val, *force_val;
    size_t nset, nforce;
    char *out_dir; /* rank 0 with an output directory: its path, and */
    int lock_fd;   /* the directory, locked (flock) until ms_trial_free; or -1 */
};

/* The arm patient p of a parallel or factorial design is randomised to
 * (permuted blocks keyed by the run's seed). */
int msi_trial_arm_of(const ms_scenario *sc, unsigned long long seed, long p);

/* Patients simulated, then written, together (a checkpoint is a number of
 * these blocks). */
#define MS_BLOCK_PATIENTS 256

/* stream.c: the per-patient files and the checkpoint of a run */
typedef struct {
    FILE *f[4]; /* visits.csv, endpoints.csv, failures.csv, results.bin */
    char dir[3800];
    char *fp;        /* fingerprint of the inputs, hex */
    uint64_t sum[4]; /* FNV-1a of each file up to sumoff (the last checkpoint) */
    long sumoff[4];
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

#endif
