/*
 * batch.h — patients that share a calendar integrated as one system
 * (batch.c).  Internal to moodsim (the trial runner uses it).
 */
#ifndef MS_ENGINE_BATCH_H
#define MS_ENGINE_BATCH_H

#include "moodsim.h"

#include <stddef.h>

typedef struct msi_batch msi_batch;

/* A batch solver for model m; errors go to ctx.  The caller owns *out
 * (msi_batch_free). */
ms_status msi_batch_new(ms_context *ctx, const ms_model *m, msi_batch **out);
void msi_batch_free(msi_batch *b);

/* Runs lane[l] (a simulator of the batch's model with its patient's
 * parameters and the tolerances to use) through table ev[l] (NULL: none)
 * for every l < n, all at once, writing each lane's outputs at `times` into
 * out[l] (n_times rows of states then observables), as ms_sim_run would
 * within the tolerance.  MS_OK when every lane ran; MS_ERR_SOLVER when the
 * lanes cannot share a solver (another calendar, state events, decision
 * rules) or the solver failed: then no lane's output is valid, and the
 * caller runs each alone (ms_sim_run), which says which patient fails and
 * why.  The lanes stay the caller's. */
ms_status msi_batch_run(msi_batch *b, ms_sim **lane, const ms_events *const *ev, size_t n,
                        const double *times, size_t n_times, double **out);

#endif
