/*
 * population.h — a population file (in populations/): the values of a
 * model's population parameters that describe one kind of people (healthy
 * blood donors, people with a chronic inflammatory disease, ...), each with
 * its source or labelled a hypothesis (docs/scenario-format.md,
 * "Populations").  A scenario's population: applies them to every arm.
 * Owns msi_population; knows the model only to check names.  Not installed.
 */
#ifndef MS_POPULATION_H
#define MS_POPULATION_H

#include "../model/model_impl.h"

typedef struct {
    char *path, *name, *label, *desc; /* label, desc may be NULL */
    size_t n;
    int *idx;     /* the model's parameter indices */
    double *val;  /* their values in this population */
    char **basis; /* the source, or the hypothesis, of each value */
    int *hyp;     /* 1: basis is a hypothesis; 0: a source */
} msi_population;

/* Reads `path` and checks every name against `model` (a parameter that does
 * not vary between patients).  Errors name the population file's line and
 * column.  On error *out holds nothing to free. */
ms_status msi_population_read(ms_context *ctx, const char *path, const ms_model *model,
                              msi_population *out);
void msi_population_free(ms_context *ctx, msi_population *p);

#endif
