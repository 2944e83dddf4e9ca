/*
 * sensitivity.h — the inside of an ms_sensitivity (sensitivity.c), read by
 * the report that writes it (report/sensitivity_report.c).  Not installed.
 */
#ifndef MS_SENSITIVITY_H
#define MS_SENSITIVITY_H

#include "../results/results.h"

enum { ANS_CHANGE, ANS_RESPONSE, ANS_REMISSION };

typedef struct {
    char name[160];
    int arm, versus; /* -1 versus: the interaction contrast */
    int kind;        /* ANS_* */
} msi_sens_answer;

struct ms_sensitivity {
    ms_context *ctx;
    const ms_scenario *sc;
    ms_sens_method method;
    size_t k;   /* parameters */
    int *param; /* model indices */
    ms_param_range *range;
    double *nominal; /* the scenario's value of each */
    size_t na;
    msi_sens_answer *ans;
    double *base; /* the answers at the nominal values */
    /* per answer x parameter: mu*, its interval, mu, sigma (Morris); S1,
     * ST and intervals (Sobol); the answer at low and high (one at a time) */
    ms_sensitivity_index *idx;
    size_t evals, evals_planned, replayed;
    int stopped;
    int tipping_run; /* the tipping points were sought */
    double seconds;
    /* the journal (ms_sensitivity_options.journal): the trials read back
     * (k parameter values then na answers each), the next to replay, and
     * the file appended to */
    double *jrec;
    size_t jn, jpos;
    FILE *jf;
    const char *jpath;
};

#endif
