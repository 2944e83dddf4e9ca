/*
 * sensitivity_report.h — a sensitivity analysis's sections of a page
 * (sensitivity_report.c): for the analysis's own page and a trial's report.
 */
#ifndef MS_REPORT_SENSITIVITY_REPORT_H
#define MS_REPORT_SENSITIVITY_REPORT_H

#include "moodsim.h"

#include <stdio.h>

/* Writes into f, in English or Japanese (ja), what the analysis found: a
 * paragraph on how, then per answer a heading of the given level, its value,
 * its distance to the clinical threshold and the parameters that can cross
 * it, the claims' tipping points, its figure (written into dir as
 * sensitivity-N.svg, and shown from there or, with embed, from within the
 * page) and its table. */
ms_status msi_sensitivity_sections(ms_context *ctx, FILE *f, const ms_sensitivity *s,
                                   const char *dir, int ja, int level, int embed);

#endif
