/*
 * figures.c — draws the trial report's figures as SVG (vector: sharp at
 * any size and in print) with PLplot's svg driver: axes, labels, lines, filled confidence bands,
 * error bars and legends are PLplot's; this file only chooses what to plot.  PLplot keeps global
 * stream state, so figures are drawn from one thread, one stream at a time, each closed with
 * plend1().
 */
#include "figures.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <plplot/plplot.h>

/* Colour-blind-safe palette (Okabe & Ito 2008, "Color universal design"). */
static const int PAL[8][3] = {{0, 114, 178}, {213, 94, 0},   {0, 158, 115}, {204, 121, 167},
                              {230, 159, 0}, {86, 180, 233}, {0, 0, 0},     {240, 228, 66}};

/* Starts a figure that replaces `path` only when drawn: PLplot writes
 * into the temporary file of an msi_outfile, which finish_fig() renames. */
static ms_status open_fig(ms_context *ctx, msi_outfile *o, const char *path, int w, int h,
                          int panels)
{
    ms_status st = msi_out_open(ctx, o, path);
    if (st)
        return st;
    PLINT strm;
    plmkstrm(&strm);
    if (strm < 0) {
        msi_out_close(ctx, o, 0);
        return msi_fail(ctx, MS_ERR_WRITE, path, 0, 0, "cannot open a PLplot stream");
    }
    plsdev("svg");
    plsfnam(o->tmp);
    plspage(0, 0, w, h, 0, 0);
    plscolbg(255, 255, 255);
    plscol0(15, 40, 40, 40); /* text and axes */
    for (int i = 0; i < 8; i++)
        plscol0(1 + i, PAL[i][0], PAL[i][1], PAL[i][2]);
    plscol0(14, 200, 200, 200);
    plstar(panels, 1);
    plfont(1);
    plschr(0, 0.9);
    return MS_OK;
}

/* Ends the figure; keep zero drops it (path stays as it was). */
static ms_status finish_fig(ms_context *ctx, msi_outfile *o, int keep)
{
    plend1();
    if (!keep)
        return msi_out_close(ctx, o, 0);
    FILE *f = fopen(o->tmp, "rb");
    long n = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fclose(f);
    }
    if (n <= 0) {
        ms_status st = msi_fail(ctx, MS_ERR_WRITE, o->path, 0, 0,
                                "PLplot wrote no figure (is its svg driver installed?)");
        msi_out_close(ctx, o, 0);
        return st;
    }
    return msi_out_close(ctx, o, 1);
}

/* Each arm's line style and marker as well as its colour, so that arms
 * with equal values (e.g. an add-on at null) stay visible when their lines
 * overlap, and in print without colour: PLplot's dash patterns 1-8 and
 * Hershey glyphs (open circle, square, triangle, filled square, filled
 * triangle, diamond, star, asterisk). */
static const char *const GLYPH[8] = {"#(840)", "#(841)", "#(842)", "#(851)",
                                     "#(852)", "#(843)", "#(844)", "#(728)"};
static PLINT line_style(size_t a)
{
    return 1 + (PLINT)(a % 8);
}

/* other: a last entry, a thin dark line, for the counterpart's lines (NULL: none) */
static void legend(const ms_trial *t, int with_lines, const char *other, int ja)
{
    const ms_scenario *sc = t->sc;
    PLINT n = (PLINT)sc->narms;
    PLINT opt[17], tcol[17], lcol[17], lsty[17], bcol[17], bpat[17], scol[17], snum[17];
    PLFLT lw[17], bsc[17], bw[17], ssc[17];
    const char *txt[17], *sym[17];
    if (n > 16)
        n = 16;
        /* entry i: its options, colour, line style and width, marker count,
         * text and marker; the rest is the same for every entry */
#define ENTRY(i, o_, col_, sty_, w_, ns_, t_, s_)                                                  \
    do {                                                                                           \
        opt[i] = (o_);                                                                             \
        tcol[i] = 15;                                                                              \
        lcol[i] = bcol[i] = scol[i] = (col_);                                                      \
        lsty[i] = (sty_);                                                                          \
        lw[i] = (w_);                                                                              \
        bpat[i] = 0;                                                                               \
        bsc[i] = 0.8;                                                                              \
        bw[i] = 1;                                                                                 \
        snum[i] = (ns_);                                                                           \
        ssc[i] = 1;                                                                                \
        txt[i] = (t_);                                                                             \
        sym[i] = (s_);                                                                             \
    } while (0)
    for (PLINT i = 0; i < n; i++)
        ENTRY(i, with_lines ? PL_LEGEND_LINE | PL_LEGEND_SYMBOL : PL_LEGEND_COLOR_BOX, 1 + (i % 8),
              line_style((size_t)i), 2.5, 2, msi_arm_label(sc, (size_t)i, ja), GLYPH[i % 8]);
    if (other && with_lines) {
        ENTRY(n, PL_LEGEND_LINE, 15, 1, 1.0, 0, other, "");
        n++;
    }
#undef ENTRY
    PLFLT lw_out, lh_out;
    plcol0(15);
    pllegend(&lw_out, &lh_out, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_RIGHT | PL_POSITION_TOP | PL_POSITION_INSIDE, 0.01, 0.01, 0.1, 0, 14, 1, 0,
             0, n, opt, 1.0, 0.8, 2.0, 0, tcol, txt, bcol, bpat, bsc, bw, lcol, lsty, lw, scol, ssc,
             snum, sym);
}

ms_status msi_fig_by_week(ms_context *ctx, const ms_trial *t, int obs, const msi_fig_text *tx,
                          const char *path)
{
    const ms_scenario *sc = t->sc;
    size_t nv = sc->nvisits, no = ms_model_count(sc->model, MS_OBSERVABLE);
    double mean[16][64], lo[16][64], hi[16][64];
    double ymin = INFINITY, ymax = -INFINITY;
    if (nv > 64)
        nv = 64;
    size_t na = sc->narms > 16 ? 16 : sc->narms;
    const msi_tally *ty = &t->tally;
    /* the counterpart: the same patients at the other claims setting */
    const ms_trial *cp = tx->other && t->cp.trial && t->cp.trial->tally.visit ? t->cp.trial : NULL;
    double other[16][64];
    for (size_t a = 0; cp && a < na; a++)
        for (size_t v = 0; v < nv; v++) {
            const msi_moments *mm = &cp->tally.visit[(a * sc->nvisits + v) * no + (size_t)obs];
            other[a][v] = mm->n > 0 ? mm->mean : NAN;
            if (isfinite(other[a][v])) {
                ymin = fmin(ymin, other[a][v]);
                ymax = fmax(ymax, other[a][v]);
            }
        }
    for (size_t a = 0; a < na; a++)
        for (size_t v = 0; v < nv; v++) {
            const msi_moments *mm = &ty->visit[(a * sc->nvisits + v) * no + (size_t)obs];
            mean[a][v] = mm->n > 0 ? mm->mean : NAN;
            msi_moments_ci(mm, &lo[a][v], &hi[a][v]);
            if (mm->n < 2)
                lo[a][v] = hi[a][v] = mean[a][v];
            if (isfinite(lo[a][v]))
                ymin = fmin(ymin, lo[a][v]);
            if (isfinite(hi[a][v]))
                ymax = fmax(ymax, hi[a][v]);
        }
    if (!(ymax > ymin)) {
        ymin = isfinite(ymin) ? ymin - 1 : 0;
        ymax = isfinite(ymax) ? ymax + 1 : 1;
    }
    /* a nearly flat course is drawn flat: the axis spans at least a fifth
     * of the values' size, rather than magnifying 5.82-5.98 mg/L into a
     * full-height curve */
    double mid = 0.5 * (ymin + ymax), span = 0.2 * fabs(mid);
    if (ymax - ymin < span) {
        ymin = mid - 0.5 * span;
        ymax = mid + 0.5 * span;
    }
    double pad = 0.08 * (ymax - ymin);
    msi_outfile o;
    ms_status st = open_fig(ctx, &o, path, 900, 520, 1);
    if (st)
        return st;
    plcol0(15);
    plenv(sc->visits[0], sc->visits[nv - 1], ymin - pad, ymax + pad, 0, 0);
    pllab(tx->xlabel, tx->ylabel, tx->title);
    double x[64], bx[128], by[128];
    for (size_t v = 0; v < nv; v++)
        x[v] = sc->visits[v];
    for (size_t a = 0; a < na; a++) {
        const int *c = PAL[a % 8];
        for (size_t v = 0; v < nv; v++) {
            bx[v] = x[v];
            by[v] = hi[a][v];
            bx[2 * nv - 1 - v] = x[v];
            by[2 * nv - 1 - v] = lo[a][v];
        }
        plscol0a(9, c[0], c[1], c[2], 0.18);
        plcol0(9);
        plfill((PLINT)(2 * nv), bx, by);
    }
    for (size_t a = 0; a < na; a++) {
        plcol0(1 + (PLINT)(a % 8));
        plwidth(2.5);
        pllsty(line_style(a));
        plline((PLINT)nv, x, mean[a]);
        pllsty(1);
        plstring((PLINT)nv, x, mean[a], GLYPH[a % 8]);
    }
    /* drawn over the run's lines, so that a counterpart equal to another
     * arm (an add-on at null) still shows */
    for (size_t a = 0; cp && a < na; a++) {
        plcol0(1 + (PLINT)(a % 8));
        plwidth(1.3);
        pllsty(line_style(a));
        plline((PLINT)nv, x, other[a]);
        pllsty(1);
    }
    plwidth(1);
    legend(t, 1, cp ? tx->other : NULL, tx->ja);
    return finish_fig(ctx, &o, 1);
}

ms_status msi_fig_rates(ms_context *ctx, const ms_trial *t, const msi_fig_text *tx,
                        const char *resp_label, const char *rem_label, const char *path)
{
    const ms_scenario *sc = t->sc;
    size_t na = sc->narms > 16 ? 16 : sc->narms;
    msi_outfile o;
    ms_status st = open_fig(ctx, &o, path, 900, 480, 1);
    if (st)
        return st;
    plcol0(15);
    double width = 0.8 / (double)na;
    plenv(0, 2, 0, 100, 0, -2);
    plbox("bc", 0, 0, "bcnstv", 20, 2);
    pllab("", tx->ylabel, tx->title);
    plmtex("b", 1.5, 0.25, 0.5, resp_label);
    plmtex("b", 1.5, 0.75, 0.5, rem_label);
    for (int g = 0; g < 2; g++)
        for (size_t a = 0; a < na; a++) {
            const msi_armstat *s = msi_results_arm(&t->res, 0, a);
            double rate = s->s.n ? 100.0 * (double)(g ? s->nrem : s->nresp) / (double)s->s.n : 0;
            double l = 100 * (g ? s->s.remission_lo : s->s.response_lo),
                   h = 100 * (g ? s->s.remission_hi : s->s.response_hi);
            double x0 = g + 0.1 + width * (double)a, x1 = x0 + width * 0.9;
            double bx[4] = {x0, x1, x1, x0}, by[4] = {0, 0, rate, rate};
            plcol0(1 + (PLINT)(a % 8));
            plfill(4, bx, by);
            if (isfinite(l) && isfinite(h)) {
                double cx = (x0 + x1) / 2, ylo = l, yhi = h;
                plcol0(15);
                plwidth(1.5);
                plerry(1, &cx, &ylo, &yhi);
                plwidth(1);
            }
        }
    legend(t, 0, NULL, tx->ja);
    return finish_fig(ctx, &o, 1);
}

ms_status msi_fig_waterfall(ms_context *ctx, const ms_trial *t, const msi_fig_text *tx,
                            const char *path)
{
    const ms_scenario *sc = t->sc;
    size_t na = sc->narms > 8 ? 8 : sc->narms;
    msi_outfile o;
    ms_status st = open_fig(ctx, &o, path, 900, 180 * (int)((na + 1) / 2) + 80, 1);
    if (st)
        return st;
    plssub(2, (PLINT)((na + 1) / 2));
    double *pct = msi_alloc(ctx, (MS_KEEP_PER_ARM + 1) * sizeof *pct);
    if (!pct) {
        finish_fig(ctx, &o, 0);
        return msi_nomem(ctx);
    }
    for (size_t a = 0; a < na; a++) {
        size_t n = 0;
        /* the first MS_WATERFALL_MAX patients of the arm (all in most trials) */
        const msi_tally *ty = &t->tally;
        for (size_t i = 0; i < ty->nkeep[a] && i < MS_WATERFALL_MAX; i++)
            if (ty->keep_base[a][i] != 0)
                pct[n++] = 100 * ty->keep_change[a][i] / ty->keep_base[a][i];
        /* sorted, worst (largest increase) first: a waterfall */
        gsl_sort(pct, 1, n);
        for (size_t i = 0; i < n / 2; i++) {
            double tmp = pct[i];
            pct[i] = pct[n - 1 - i];
            pct[n - 1 - i] = tmp;
        }
        pladv(0);
        plvsta();
        double ymin = -100, ymax = 50;
        for (size_t i = 0; i < n; i++) {
            ymax = fmax(ymax, pct[i] + 5);
            ymin = fmin(ymin, pct[i] - 5);
        }
        plwind(0, n ? (double)n : 1, ymin, ymax);
        plcol0(15);
        plbox("bc", 0, 0, "bcnstv", 0, 0);
        char title[256];
        snprintf(title, sizeof title, "%s", msi_arm_label(sc, a, tx->ja));
        pllab(tx->xlabel, tx->ylabel, title);
        for (size_t i = 0; i < n; i++) {
            double bx[4] = {(double)i, (double)i + 0.9, (double)i + 0.9, (double)i};
            double by[4] = {0, 0, pct[i], pct[i]};
            /* the arm's own colour: full for responders, pale for the others
             * (a colour of its own for responders would be another arm's) */
            const int *c = PAL[a % 8];
            plscol0a(9, c[0], c[1], c[2], pct[i] <= -100 * sc->response_frac ? 1.0 : 0.3);
            plcol0(9);
            if (n > 400) { /* many patients: a line per patient is enough */
                double yy[2] = {0, pct[i]}, xx[2] = {(double)i + 0.45, (double)i + 0.45};
                plline(2, xx, yy);
            } else {
                plfill(4, bx, by);
            }
        }
        double lx[2] = {0, n ? (double)n : 1},
               ly[2] = {-100 * sc->response_frac, -100 * sc->response_frac};
        plcol0(15);
        pllsty(2);
        plline(2, lx, ly);
        pllsty(1);
    }
    msi_free(ctx, pct);
    return finish_fig(ctx, &o, 1);
}

ms_status msi_fig_hbars(ms_context *ctx, const char *path, const char *title, const char *xlabel,
                        size_t n, const char *const *labels, const double *from, const double *to,
                        const double *lo, const double *hi, double ref)
{
    msi_outfile o;
    size_t rows = n ? n : 1;
    int height = 150 + 26 * (int)rows;
    ms_status st = open_fig(ctx, &o, path, 900, height, 1);
    if (st)
        return st;
    double xmin = isfinite(ref) ? ref : 0, xmax = xmin;
    for (size_t i = 0; i < n; i++) {
        const double v[4] = {from[i], to[i], lo ? lo[i] : NAN, hi ? hi[i] : NAN};
        for (int k = 0; k < 4; k++)
            if (isfinite(v[k])) {
                xmin = fmin(xmin, v[k]);
                xmax = fmax(xmax, v[k]);
            }
    }
    double pad = (xmax - xmin) * 0.05;
    if (!(pad > 0))
        pad = fabs(xmax) > 0 ? fabs(xmax) * 0.1 : 1;
    plcol0(15);
    pladv(0);
    plvpor(0.28, 0.97, 70.0 / height, 1 - 45.0 / height); /* room for the axis label, title */
    plwind(xmin - pad, xmax + pad, 0, (double)rows);
    plbox("bcnst", 0, 0, "bc", 0, 0);
    pllab(xlabel, "", title);
    for (size_t i = 0; i < n; i++) {
        double y0 = (double)(n - 1 - i) + 0.2, y1 = y0 + 0.6;
        plcol0(15);
        plmtex("lv", 0.8, (y0 + 0.3) / (double)rows, 1.0, labels[i]);
        if (!isfinite(from[i]) || !isfinite(to[i]))
            continue;
        double a = fmin(from[i], to[i]), b = fmax(from[i], to[i]);
        double bx[4] = {a, b, b, a}, by[4] = {y0, y0, y1, y1};
        plcol0(1 + (PLINT)(from[i] > to[i])); /* blue: the end above, orange: below */
        plfill(4, bx, by);
        if (lo && hi && isfinite(lo[i]) && isfinite(hi[i])) {
            double cy = (y0 + y1) / 2, l = lo[i], h = hi[i];
            plcol0(15);
            plerrx(1, &l, &h, &cy);
        }
    }
    if (isfinite(ref)) {
        double rx[2] = {ref, ref}, ry[2] = {0, (double)rows};
        plcol0(15);
        pllsty(2);
        plline(2, rx, ry);
        pllsty(1);
    }
    return finish_fig(ctx, &o, 1);
}

/* A figure as a data URI (the report stays one self-contained file); an
 * SVG in an <img> is drawn but never runs scripts. */
int msi_fig_embed(FILE *f, const char *path)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    fputs("data:image/svg+xml;base64,", f);
    unsigned char b[3];
    size_t n;
    while ((n = fread(b, 1, 3, in)) > 0) {
        unsigned v = (unsigned)b[0] << 16 | (n > 1 ? (unsigned)b[1] << 8 : 0) | (n > 2 ? b[2] : 0);
        fputc(tbl[(v >> 18) & 63], f);
        fputc(tbl[(v >> 12) & 63], f);
        fputc(n > 1 ? tbl[(v >> 6) & 63] : '=', f);
        fputc(n > 2 ? tbl[v & 63] : '=', f);
    }
    fclose(in);
    return 0;
}
