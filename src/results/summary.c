/*
 * summary.c — a trial's results as files: summary.csv (one row per arm and
 * subgroup, the columns of MS_ARM_STAT_LIST) and, for a 2x2 factorial,
 * synergy.csv.  Each replaces its destination only when complete
 * (msi_outfile).  Owns nothing after it returns.
 */
#include "results.h"

#include <stdio.h>

static ms_status write_rows(ms_context *ctx, const ms_scenario *sc, const msi_results *r,
                            const char *path)
{
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, path);
    if (st)
        return st;
    fputs("arm,subgroup", o.f);
    msi_armstat_csv_header(o.f);
    fputc('\n', o.f);
    for (size_t g = 0; g < r->ngroups; g++) {
        char name[256] = "all";
        if (g > 0) {
            const msi_subgroup *s = &sc->sub[(g - 1) / 2];
            snprintf(name, sizeof name, "%s %s %g", s->var, (g - 1) % 2 ? "<=" : ">", s->threshold);
        }
        for (size_t a = 0; a < r->narms; a++) {
            msi_csv_str(o.f, sc->arms[a].name);
            fputc(',', o.f);
            msi_csv_str(o.f, name);
            msi_armstat_csv_row(o.f, &msi_results_arm(r, g, a)->s, (int)a == sc->control);
            fputc('\n', o.f);
        }
    }
    return msi_out_close(ctx, &o, 1);
}

static ms_status write_synergy(ms_context *ctx, const msi_synergy *y, const char *path)
{
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, path);
    if (st)
        return st;
    FILE *f = o.f;
    fputs("measure,estimate,lo,hi\n", f);
    fprintf(f, "interaction_contrast_mean_change,%.6g,%.6g,%.6g\n", y->contrast, y->lo, y->hi);
    fprintf(f, "response_minus_bliss_expected,%.6g,%.6g,%.6g\n", y->bliss, y->bliss_lo,
            y->bliss_hi);
    fprintf(f, "response_minus_highest_single_agent,%.6g,%.6g,%.6g\n", y->hsa, y->hsa_lo,
            y->hsa_hi);
    fprintf(f, "verdict,%s,,\n", y->verdict);
    return msi_out_close(ctx, &o, 1);
}

ms_status msi_results_write(ms_context *ctx, const ms_scenario *sc, const msi_results *r,
                            const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ms_status st = write_rows(ctx, sc, r, path);
    if (!st && r->syn.valid) {
        snprintf(path, sizeof path, "%s/synergy.csv", dir);
        st = write_synergy(ctx, &r->syn, path);
    }
    return st;
}
