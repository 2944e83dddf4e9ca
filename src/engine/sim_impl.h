/*
 * sim_impl.h — what the simulator (sim.c) lends the batch integrator
 * (batch.c): one patient's part of a batch, evaluated and switched by the
 * same code that runs it alone.  Internal to the engine.
 */
#ifndef MS_ENGINE_SIM_IMPL_H
#define MS_ENGINE_SIM_IMPL_H

#include "moodsim.h"

#include <sundials/sundials_types.h>

#include <stddef.h>

/* Whether s can run table ev as a lane of a batch: the model has no state
 * events and the table no decision rules (those stop one patient at times
 * of its own). */
int msi_sim_batchable(const ms_sim *s, const ms_events *ev);

/* The start of a run (as ms_sim_run's): the transitions of ev up to t_end,
 * the initial state into y (ns values), the inputs and what is on at t = 0.
 * Errors are s's (ms_errmsg of its context). */
ms_status msi_sim_begin(ms_sim *s, const ms_events *ev, double t_end, double *y);

/* Whether a and b, begun, switch at the same times (the same calendar). */
int msi_sim_same_switches(const ms_sim *a, const ms_sim *b);

/* The next switch after the ones applied, or t_end if none comes before. */
double msi_sim_next_switch(const ms_sim *s, double t_end);

/* Applies the switches at t (doses into y, input levels). */
void msi_sim_switch(ms_sim *s, double t, double *y);

/* The right-hand side at (t, y) into ydot; nonzero if a value is not finite. */
int msi_sim_rhs_at(ms_sim *s, double t, const double *y, double *ydot);

/* The Jacobian's entries at (t, y), in the order of msi_sim_pattern's slot;
 * nonzero if a value is not finite. */
int msi_sim_jac_at(ms_sim *s, double t, const double *y, double *vals);

/* The CSC pattern of I - gamma J for s's model: column pointers (ns + 1)
 * then row indices, *nnz entries, and where each Jacobian entry goes (slot,
 * jac entries).  Both arrays are allocated in ctx and owned by the caller
 * (msi_free); returns 0, or -1 out of memory. */
int msi_sim_pattern(ms_context *ctx, const ms_model *m, sunindextype **pattern, sunindextype **slot,
                    size_t *nnz, size_t *njac);

/* The absolute tolerance of each state before a restart (ms_sim_set_tolerances'
 * rule: atol times the largest magnitude seen in the run, at least 1, and
 * the model's floor), into atol. */
void msi_sim_atol(ms_sim *s, const double *y, double *atol);

/* Writes the outputs at (t, y) into row (states then observables). */
ms_status msi_sim_record(ms_sim *s, double t, const double *y, double *row);

/* After a batch: the rows written and the batch's counters, as ms_sim_run
 * would leave them (ms_sim_rows_done, ms_sim_stats_get). */
void msi_sim_end(ms_sim *s, size_t rows_done, const ms_sim_stats *stats);

/* The tolerances and step limit set on s. */
void msi_sim_solver_settings(const ms_sim *s, double *rtol, long *max_steps);

#endif
