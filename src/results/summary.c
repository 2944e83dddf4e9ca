/*
 * summary.c — a trial's results as files: summary.csv (one row per arm and
 * subgroup, the columns of MS_ARM_STAT_LIST), for a 2x2 factorial
 * synergy.csv, and comparisons.csv for the scenario's compare:.  Each replaces its destination only
 * when complete (msi_outfile).  Owns nothing after it returns.
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

/* synergy.csv: one row per measure, numbers only in the numeric columns
 * (shortest round-trip decimals); the verdict, which judges the
 * interaction contrast, in a column of its own. */
static void synergy_row(FILE *f, const char *measure, double x, double lo, double hi,
                        const char *verdict)
{
    char a[40], b[40], c[40];
    msi_shortest(a, sizeof a, x);
    msi_shortest(b, sizeof b, lo);
    msi_shortest(c, sizeof c, hi);
    fprintf(f, "%s,%s,%s,%s,%s\n", measure, a, b, c, verdict);
}

static ms_status write_synergy(ms_context *ctx, const msi_synergy *y, const char *path)
{
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, path);
    if (st)
        return st;
    fputs("measure,estimate,lo,hi,verdict\n", o.f);
    synergy_row(o.f, "interaction_contrast_mean_change", y->contrast, y->lo, y->hi, y->verdict);
    synergy_row(o.f, "response_minus_bliss_expected", y->bliss, y->bliss_lo, y->bliss_hi, "");
    synergy_row(o.f, "response_minus_highest_single_agent", y->hsa, y->hsa_lo, y->hsa_hi, "");
    return msi_out_close(ctx, &o, 1);
}

/* comparisons.csv: one row per comparison (compare:), arm minus versus. */
static ms_status write_comparisons(ms_context *ctx, const ms_scenario *sc, const msi_results *r,
                                   const char *path)
{
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, path);
    if (st)
        return st;
    fputs("arm,versus,n,n_versus,paired,diff_change,diff_change_lo,diff_change_hi,"
          "diff_response,diff_response_lo,diff_response_hi,diff_remission,diff_remission_lo,"
          "diff_remission_hi,nnt_response,n_per_arm_change,n_per_arm_remission,mid,reaches_mid\n",
          o.f);
    for (size_t i = 0; i < r->ncmp; i++) {
        const ms_comparison *c = &r->cmp[i];
        msi_csv_str(o.f, sc->arms[c->arm].name);
        fputc(',', o.f);
        msi_csv_str(o.f, sc->arms[c->versus].name);
        fprintf(o.f, ",%ld,%ld,%d", c->n, c->n_versus, c->paired);
        const double x[] = {c->diff_change,    c->diff_change_lo,    c->diff_change_hi,
                            c->diff_response,  c->diff_response_lo,  c->diff_response_hi,
                            c->diff_remission, c->diff_remission_lo, c->diff_remission_hi,
                            c->nnt_response};
        for (size_t k = 0; k < sizeof x / sizeof x[0]; k++) {
            char b[40];
            msi_shortest(b, sizeof b, x[k]);
            fprintf(o.f, ",%s", b);
        }
        char m[40];
        msi_shortest(m, sizeof m, c->mid);
        fprintf(o.f, ",%ld,%ld,%s,%d\n", c->n_change, c->n_remission, m, c->reaches_mid);
    }
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
    if (!st && r->ncmp) {
        snprintf(path, sizeof path, "%s/comparisons.csv", dir);
        st = write_comparisons(ctx, sc, r, path);
    }
    return st;
}
