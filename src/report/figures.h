/*
 * figures.h — the report's figures, drawn with PLplot (its SVG driver).
 * Owns nothing beyond the SVG files it writes.
 */
#ifndef MS_FIGURES_H
#define MS_FIGURES_H

/* Patients per arm drawn in the waterfall (the first ones; the report says so
 * when an arm has more). */
#define MS_WATERFALL_MAX 5000

#include "../trial/trial_impl.h"

typedef struct {
    const char *title, *xlabel, *ylabel;
    const char *other; /* by week: the legend of the counterpart's thin lines, or NULL */
    int ja;            /* arms by their Japanese labels (the scenario's ja:) */
} msi_fig_text;

/* Mean of observable `obs` by visit week per arm, with 95 % CI bands; with
 * the claims' counterpart (t->cp.trial) and tx->other, the same patients'
 * means at the other setting as thin lines of the arm's colour and style,
 * so that both settings are read in one figure. */
ms_status msi_fig_by_week(ms_context *ctx, const ms_trial *t, int obs, const msi_fig_text *tx,
                          const char *path);
/* Response and remission rates per arm with Wilson CIs. */
ms_status msi_fig_rates(ms_context *ctx, const ms_trial *t, const msi_fig_text *tx,
                        const char *resp_label, const char *rem_label, const char *path);
/* Waterfall of individual percentage changes of the score, one panel per arm. */
ms_status msi_fig_waterfall(ms_context *ctx, const ms_trial *t, const msi_fig_text *tx,
                            const char *path);

/* Horizontal bars, one a row from from[i] to to[i] (blue where to > from,
 * orange where below), labelled on the left, with whiskers lo..hi if given
 * and a dashed reference line at ref (NAN: none): index bars (from 0) and
 * tornadoes (from the answer at a range's low end to its high end). */
ms_status msi_fig_hbars(ms_context *ctx, const char *path, const char *title, const char *xlabel,
                        size_t n, const char *const *labels, const double *from, const double *to,
                        const double *lo, const double *hi, double ref);

/* Writes the SVG file at path into f as a data URI (base64): a report
 * stays one self-contained file, and an SVG in an <img> never runs
 * scripts.  0, or -1 if the file cannot be read. */
int msi_fig_embed(FILE *f, const char *path);

#endif
