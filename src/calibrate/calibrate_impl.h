/*
 * calibrate_impl.h — calibration: fitting population parameters to
 * published figures (calibrate.c: a targets file, its cohort or trial
 * statistics and the fit) and plans of several such steps (calplan.c).
 * Calibration sits above the trial: it runs scenarios through the public
 * trial API (a seed in the run options for replicate trials, the arm,
 * visit and kept-change accessors for the statistics) and never writes a
 * trial's or a scenario's structures.  Owns ms_calibration and
 * ms_calplan.  Not installed.
 */
#ifndef MS_CALIBRATE_IMPL_H
#define MS_CALIBRATE_IMPL_H

#include "../results/results.h"

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
    /* a plan step's fit: list: only these of the targets file's fit:
     * parameters are fitted, the others held at the model's values
     * (nonly 0: all); max_evals > 0 replaces the file's max_evaluations: */
    const char *const *only_names;
    size_t nonly;
    int max_evals;
} msi_cal_run;
ms_status msi_calibration_run(ms_context *ctx, const char *path, const msi_cal_run *run,
                              ms_calibration **out);
/* max_evaluations: N of a targets file or a plan's step (1 to 1e6, whole). */
ms_status msi_read_max_evaluations(ms_context *ctx, const msi_ydoc *d, const msi_ynode *n,
                                   int *out);
/* The model file's value of fitted parameter i (NaN if out of range). */
double msi_calibration_file_value(const ms_calibration *c, size_t i);

#endif
