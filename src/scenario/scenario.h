/*
 * scenario.h — the inside of a loaded scenario: its arms, design, visits,
 * endpoints, inclusion criteria, subgroups and analysis settings, as
 * scenario.c read and checked them.  The trial, its results and the report
 * read it; nothing writes it after ms_scenario_load().  Owns struct
 * ms_scenario.  Not installed.
 */
#ifndef MS_SCENARIO_H
#define MS_SCENARIO_H

#include "../model/model_impl.h"
#include "population.h"

typedef enum { MS_DESIGN_PARALLEL, MS_DESIGN_FACTORIAL, MS_DESIGN_MATCHED } msi_design;

typedef struct {
    char *name, *protocol_path, *label;
    char *label_ja;     /* ja: arms:, or NULL */
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

/* A comparison of two arms (compare:): arm minus versus. */
typedef struct {
    int arm, versus;
} msi_compare;
#define MS_MAX_COMPARE 16

struct ms_scenario {
    ms_context *ctx;
    char *file, *dir, *name, *question, *desc, *model_path;
    char *question_ja, *desc_ja; /* ja: {question:, description:}, or NULL */
    ms_model *model;
    unsigned long long seed; /* the scenario's; a run may use another (ms_trial_options) */
    long per_arm;
    msi_population pop; /* population: (has_pop), applied to every arm's set */
    int has_pop;
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
    msi_compare *cmp; /* compare: */
    size_t ncmp;
    double mid; /* minimal important difference of the score (analysis: mid:) */
    double alpha, power_target;
    long power_max;
    long bootstrap;
    double rtol, atol; /* solver tolerances */
    ms_method method;  /* solver method (solver: method:) */
    size_t batch;      /* patients integrated as one system (solver: batch:); <= 1: alone */
};

#define MS_MAX_ARMS 64   /* arms of a trial, at most */
#define MS_BATCH_MAX 256 /* the most patients of a batch (at most a trial block's) */

/* Arm a's label in a report's language (ja: the scenario's ja: label where
 * it gives one), else its label, else its name; the report and its figures
 * name arms by it. */
const char *msi_arm_label(const ms_scenario *sc, size_t a, int ja);

/* Extends *h (msi_fnv1a) by the bytes of every file the scenario was read
 * from: the scenario, its model and its arms' protocols.  MS_ERR_IO (the
 * file named) if one cannot be read now. */
ms_status msi_scenario_inputs_hash(ms_context *ctx, const ms_scenario *sc, uint64_t *h);

/* The scenario's model, which calibration (its owner) sets values in. */
ms_model *msi_scenario_model(ms_scenario *sc);

#endif
