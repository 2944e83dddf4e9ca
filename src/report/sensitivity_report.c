/*
 * sensitivity_report.c — the outputs of a sensitivity analysis: the tidy
 * sensitivity.csv, one figure per answer (index bars or a tornado) and
 * sensitivity.html, "What this answer rests on": per answer its value at
 * the scenario's values, the parameters ranked, and those whose effect over
 * their range is at least the answer's distance to the clinical threshold
 * (the scenario's minimal important difference, for differences in mean
 * change).  Reads an ms_sensitivity through the public API; owns nothing
 * beyond the files it writes.
 */
#include "../sensitivity/sensitivity.h"
#include "figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The main index of a method for ranking: mu*, ST, or the swing. */
static double main_index(const ms_sensitivity_index *x)
{
    if (isfinite(x->mu_star))
        return x->mu_star;
    if (isfinite(x->st))
        return x->st;
    if (isfinite(x->at_low) && isfinite(x->at_high))
        return fabs(x->at_high - x->at_low);
    return NAN;
}

typedef struct {
    size_t j;
    double v;
} ranked;

static int by_index_desc(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    if (isnan(x))
        return isnan(y) ? 0 : 1;
    if (isnan(y))
        return -1;
    return (x < y) - (x > y);
}

static void csv_num(FILE *f, double v)
{
    char b[40];
    msi_shortest(b, sizeof b, v);
    fprintf(f, ",%s", b);
}

static void csv_row(FILE *f, const char *answer, double base, const char *param,
                    const ms_param_range *r, double nominal, const char *index, double est,
                    double lo, double hi)
{
    if (isnan(est))
        return;
    msi_csv_str(f, answer);
    csv_num(f, base);
    fputc(',', f);
    msi_csv_str(f, param);
    csv_num(f, r->low);
    csv_num(f, r->high);
    fprintf(f, ",%s", r->log ? "log" : "linear");
    csv_num(f, nominal);
    fprintf(f, ",%s", index);
    csv_num(f, est);
    csv_num(f, lo);
    csv_num(f, hi);
    fputc('\n', f);
}

static void html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        default: fputc(*s, f);
        }
}

ms_status ms_sensitivity_write(ms_context *ctx, const ms_sensitivity *s, const char *dir)
{
    if (!ctx || !s || !dir)
        return MS_ERR_ARG;
    size_t k = ms_sensitivity_param_count(s), na = ms_sensitivity_answer_count(s);
    const ms_scenario *sc = s->sc;
    char path[4096];
    ms_status st;
    ranked *rk = msi_alloc(ctx, (k + 1) * sizeof *rk);
    const char **lab = msi_alloc(ctx, (k + 1) * sizeof *lab);
    double *from = msi_alloc(ctx, 4 * (k + 1) * sizeof *from);
    if (!rk || !lab || !from) {
        msi_free(ctx, rk);
        msi_free(ctx, lab);
        msi_free(ctx, from);
        return msi_nomem(ctx);
    }
    double *to = from + k + 1, *lo = to + k + 1, *hi = lo + k + 1;

    /* sensitivity.csv */
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    msi_outfile of;
    if ((st = msi_out_open(ctx, &of, path)))
        goto out;
    fputs("answer,at_scenario_values,parameter,low,high,scale,scenario_value,index,estimate,lo,"
          "hi\n",
          of.f);
    for (size_t a = 0; a < na; a++) {
        double base;
        const char *an = ms_sensitivity_answer(s, a, &base);
        for (size_t j = 0; j < k; j++) {
            ms_param_range r;
            double nom;
            const char *pn = ms_sensitivity_param(s, j, &r, &nom);
            ms_sensitivity_index x;
            ms_sensitivity_index_get(s, a, j, &x);
            csv_row(of.f, an, base, pn, &r, nom, "mu_star", x.mu_star, x.mu_star_lo, x.mu_star_hi);
            csv_row(of.f, an, base, pn, &r, nom, "mu", x.mu, NAN, NAN);
            csv_row(of.f, an, base, pn, &r, nom, "sigma", x.sigma, NAN, NAN);
            csv_row(of.f, an, base, pn, &r, nom, "S1", x.s1, x.s1_lo, x.s1_hi);
            csv_row(of.f, an, base, pn, &r, nom, "ST", x.st, x.st_lo, x.st_hi);
            csv_row(of.f, an, base, pn, &r, nom, "at_low", x.at_low, NAN, NAN);
            csv_row(of.f, an, base, pn, &r, nom, "at_high", x.at_high, NAN, NAN);
            csv_row(of.f, an, base, pn, &r, nom, "tipping", x.tipping, NAN, NAN);
        }
    }
    if ((st = msi_out_close(ctx, &of, 1)))
        goto out;

    /* sensitivity.html and one figure per answer */
    snprintf(path, sizeof path, "%s/sensitivity.html", dir);
    if ((st = msi_out_open(ctx, &of, path)))
        goto out;
    FILE *f = of.f;
    size_t evals, planned;
    int stopped;
    double secs;
    ms_sensitivity_counts(s, &evals, &planned, &stopped, &secs);
    const char *method = s->method == MS_SENS_MORRIS  ? "Morris elementary effects"
                         : s->method == MS_SENS_SOBOL ? "Sobol indices (Saltelli design, "
                                                        "Jansen estimators)"
                                                      : "one at a time (tornado)";
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
          "<title>What this answer rests on</title><style>body{font-family:sans-serif;"
          "max-width:60em;margin:auto;padding:1em}table{border-collapse:collapse;display:block;"
          "overflow-x:auto}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
          "td:first-child{text-align:left}img{max-width:100%}.warn{background:#fff3cd}</style>"
          "</head><body>\n<h1>What this answer rests on</h1>\n<p>",
          f);
    html_esc(f, sc->name);
    fprintf(f,
            ": %s over %zu parameters (each over its plausible range), %zu trials of %ld "
            "patients per arm on the same virtual patients, %.0f s.</p>\n",
            method, k, evals, sc->per_arm, secs);
    if (stopped)
        fprintf(f,
                "<p class=warn>Stopped after %zu of %zu trials: the indices use what "
                "finished.</p>\n",
                evals, planned);
    for (size_t a = 0; a < na; a++) {
        double base;
        const char *an = ms_sensitivity_answer(s, a, &base);
        int share = strstr(an, ": response") || strstr(an, ": remission");
        double scale = share ? 100 : 1;
        const char *unit = share ? "percentage points" : "points";
        for (size_t j = 0; j < k; j++) {
            ms_sensitivity_index x;
            ms_sensitivity_index_get(s, a, j, &x);
            rk[j] = (ranked){j, main_index(&x)};
        }
        qsort(rk, k, sizeof *rk, by_index_desc);
        size_t shown = k < 25 ? k : 25;
        for (size_t i = 0; i < shown; i++) {
            ms_sensitivity_index x;
            ms_sensitivity_index_get(s, a, rk[i].j, &x);
            lab[i] = ms_sensitivity_param(s, rk[i].j, NULL, NULL);
            lo[i] = hi[i] = NAN;
            if (s->method == MS_SENS_OAT) {
                from[i] = scale * x.at_low;
                to[i] = scale * x.at_high;
            } else if (s->method == MS_SENS_MORRIS) {
                from[i] = 0;
                to[i] = scale * x.mu_star;
                lo[i] = scale * x.mu_star_lo;
                hi[i] = scale * x.mu_star_hi;
            } else {
                from[i] = 0;
                to[i] = x.st;
                lo[i] = x.st_lo;
                hi[i] = x.st_hi;
            }
        }
        char fig[64], title[256], xl[128];
        snprintf(fig, sizeof fig, "sensitivity-%zu.svg", a + 1);
        snprintf(path, sizeof path, "%s/%s", dir, fig);
        snprintf(title, sizeof title, "%s", an);
        if (s->method == MS_SENS_OAT)
            snprintf(xl, sizeof xl, "the answer (%s) at the low and high end of each range", unit);
        else if (s->method == MS_SENS_MORRIS)
            snprintf(xl, sizeof xl, "mu*: how far the answer moves across the range (%s)", unit);
        else
            snprintf(xl, sizeof xl, "total Sobol index");
        if ((st = msi_fig_hbars(ctx, path, title, xl, shown, lab, from, to, lo, hi,
                                s->method == MS_SENS_OAT ? scale * base : NAN)))
            break;
        fputs("<h2>", f);
        html_esc(f, an);
        fprintf(f, "</h2>\n<p>At the scenario's values: <b>%.2f %s</b>.", scale * base, unit);
        /* the threshold: a difference in mean change against the MID */
        if (!share && isfinite(sc->mid) && s->method != MS_SENS_SOBOL) {
            double d = fmin(fabs(base + sc->mid), fabs(base - sc->mid));
            fprintf(f,
                    " The clinical threshold (the minimal important difference, %g points) is "
                    "%.2f points away. ",
                    sc->mid, d);
            size_t nmove = 0;
            for (size_t i = 0; i < k; i++)
                nmove += rk[i].v >= d * (1 - 1e-9);
            if (!nmove)
                fputs("No parameter alone moves it that far over its range.", f);
            else {
                fprintf(f, "%zu parameter%s can move it that far over %s range: ", nmove,
                        nmove > 1 ? "s" : "", nmove > 1 ? "their" : "its");
                for (size_t i = 0, c = 0; i < k; i++)
                    if (rk[i].v >= d * (1 - 1e-9)) {
                        fprintf(f, "%s<code>%s</code>", c++ ? ", " : "",
                                ms_sensitivity_param(s, rk[i].j, NULL, NULL));
                    }
                fputs(".", f);
            }
        }
        /* tipping points of the claims' strengths */
        for (size_t j = 0; !share && s->tipping_run && j < k; j++) {
            ms_param_range r;
            double nom;
            const char *pn = ms_sensitivity_param(s, j, &r, &nom);
            ms_sensitivity_index x;
            ms_sensitivity_index_get(s, a, j, &x);
            if (!x.tipping_where)
                continue;
            int inter = strstr(an, "interaction") != NULL;
            if (x.tipping_where > 1)
                fprintf(f,
                        " <br>It %s over the whole of <code>%s</code>'s range (%g to %g; the "
                        "others at the scenario's values).",
                        x.tipping_where == 3 ? (inter ? "stays antagonistic (contrast above 0)"
                                                      : "stays past the threshold")
                                             : (inter ? "stays synergistic (contrast below 0)"
                                                      : "stays short of the threshold"),
                        pn, r.low, r.high);
            else
                fprintf(f,
                        " <br>It %s at <code>%s</code> = %.3g (the scenario's value %g; the "
                        "others at theirs).",
                        inter ? "turns from synergy to antagonism (the contrast crosses 0)"
                              : "reaches the threshold (an improvement of the MID)",
                        pn, x.tipping, nom);
        }
        fprintf(f,
                "</p>\n<img alt=\"sensitivity of %s\" src=\"%s\">\n<table><tr><th>parameter"
                "</th><th>range</th><th>scenario's value</th>",
                an, fig);
        if (s->method == MS_SENS_MORRIS)
            fputs("<th>mu* [95% CI]</th><th>mu</th><th>sigma</th>", f);
        else if (s->method == MS_SENS_SOBOL)
            fputs("<th>S1 [95% CI]</th><th>ST [95% CI]</th>", f);
        else
            fputs("<th>at low</th><th>at high</th>", f);
        fputs("</tr>\n", f);
        for (size_t i = 0; i < k; i++) {
            ms_param_range r;
            double nom;
            const char *pn = ms_sensitivity_param(s, rk[i].j, &r, &nom);
            ms_sensitivity_index x;
            ms_sensitivity_index_get(s, a, rk[i].j, &x);
            fprintf(f, "<tr><td><code>%s</code></td><td>%g&ndash;%g%s</td><td>%g</td>", pn, r.low,
                    r.high, r.log ? " (log)" : "", nom);
            if (s->method == MS_SENS_MORRIS)
                fprintf(f, "<td>%.3g [%.3g, %.3g]</td><td>%.3g</td><td>%.3g</td>",
                        scale * x.mu_star, scale * x.mu_star_lo, scale * x.mu_star_hi, scale * x.mu,
                        scale * x.sigma);
            else if (s->method == MS_SENS_SOBOL)
                fprintf(f, "<td>%.3f [%.3f, %.3f]</td><td>%.3f [%.3f, %.3f]</td>", x.s1, x.s1_lo,
                        x.s1_hi, x.st, x.st_lo, x.st_hi);
            else
                fprintf(f, "<td>%.3g</td><td>%.3g</td>", scale * x.at_low, scale * x.at_high);
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    fputs("<p>Ranges: the model's <code>range:</code> where it declares one, else half to "
          "twice the scenario's value (0 to twice as-claimed for a claim's strength); "
          "docs/sensitivity.md.</p></body></html>\n",
          f);
    {
        ms_status cst = msi_out_close(ctx, &of, !st);
        st = st ? st : cst;
    }
out:
    msi_free(ctx, rk);
    msi_free(ctx, lab);
    msi_free(ctx, from);
    return st ? st : msi_ok(ctx);
}
