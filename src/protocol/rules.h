/*
 * rules.h — a protocol's decision rules at work on one patient (rules.c):
 * the engine stops at each assessment, hands the patient's observables to
 * the decider, and the decider edits the patient's event table after that
 * time (a course started, treatments stopped).  Not installed.
 */
#ifndef MS_RULES_H
#define MS_RULES_H

#include "protocol_impl.h"

typedef struct msi_decider msi_decider;

/* Checks a protocol's rules against a model: each observable exists, and
 * each course's treatments fit the model's inputs (as the calendar's do). */
ms_status msi_rules_check_model(ms_context *ctx, const ms_protocol *p, const ms_model *m);

/* Starts the rules of table ev (ev->rules) for one run up to t_end, with
 * the patient's observables at t = 0 (obs0: the baseline of relative
 * thresholds).  *d is made on first use and reused by later runs (free it
 * with msi_decider_free).  Fills the assessment times. */
ms_status msi_decider_begin(ms_context *ctx, msi_decider **d, const ms_events *ev, double t_end,
                            const double *obs0);
/* The run's assessment times (hours, increasing). */
size_t msi_decider_times(const msi_decider *d, const double **times);
/* Evaluates every rule at assessment time t on the observables obs, in the
 * file's order, editing ev (events after t only; sorted on return).  Sets
 * *changed if ev changed.  Errors (a course that cannot be compiled for
 * the patient) name the protocol file. */
ms_status msi_decider_decide(msi_decider *d, double t, const double *obs, ms_events *ev,
                             int *changed);
/* Courses started and rules fired in the run so far. */
void msi_decider_counts(const msi_decider *d, long *courses, long *fired);
void msi_decider_free(msi_decider *d);

#endif
