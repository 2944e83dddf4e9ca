/*
 * sensitivity_report.c — the outputs of a sensitivity analysis: the tidy
 * sensitivity.csv, one figure per answer (index bars or a tornado) and
 * sensitivity.html, "What this answer rests on", in English or Japanese:
 * per answer its value at the scenario's values, the parameters ranked,
 * those whose effect over their range is at least the answer's distance to
 * the clinical threshold (the scenario's minimal important difference, for
 * differences in mean change), and the claims' tipping points.  The same
 * sections go into a trial's report (msi_sensitivity_sections, report.c).
 * The words are one phrase table per language (positional templates where
 * the order differs).  Owns nothing beyond the files it writes.
 */
#include "sensitivity_report.h"
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

/* The page's words, per language. */
enum {
    W_TITLE,
    W_INTRO,     /* %1$s method, %2$zu parameters, %3$zu trials, %4$ld patients, %5$.0f s */
    W_STOPPED,   /* %1$zu of %2$zu trials */
    W_AT,        /* %1$.2f value, %2$s unit */
    W_THRESHOLD, /* %1$g MID, %2$.2f distance */
    W_NONE_MOVES,
    W_MOVE1, /* then the parameter */
    W_MOVEN, /* %1$zu parameters; then the list */
    W_STAYS, /* %1$s what, %2$s parameter, %3$g low, %4$g high */
    W_ANTAG,
    W_PAST,
    W_SYN,
    W_SHORT,
    W_AT_VALUE, /* %1$s what, %2$s parameter, %3$.3g value, %4$g scenario's value */
    W_TURNS,
    W_REACHES,
    W_TH_PARAM,
    W_TH_RANGE,
    W_TH_VALUE,
    W_TH_AT_LOW,
    W_TH_AT_HIGH,
    W_LOG,
    W_RANGES,
    W_POINTS,
    W_PP,
    W_XL_OAT, /* %s unit */
    W_XL_MORRIS,
    W_XL_SOBOL,
    W_MORRIS,
    W_SOBOL,
    W_OAT,
    W_CHANGE,
    W_RESPONSE,
    W_REMISSION,
    W_VS, /* %1$s arm, %2$s versus, %3$s what */
    W_INTERACTION,
    W_SEP,
    W_END,
    W_N
};

static const char *const EN[W_N] = {
    [W_TITLE] = "What this answer rests on",
    [W_INTRO] = "%1$s over %2$zu parameters (each over its plausible range), %3$zu trials of "
                "%4$ld patients per arm on the same virtual patients, %5$.0f s.",
    [W_STOPPED] = "Stopped after %1$zu of %2$zu trials: the indices use what finished.",
    [W_AT] = "At the scenario's values: <b>%1$.2f %2$s</b>.",
    [W_THRESHOLD] = " The clinical threshold (the minimal important difference, %1$g points) is "
                    "%2$.2f points away. ",
    [W_NONE_MOVES] = "No parameter alone moves it that far over its range.",
    [W_MOVE1] = "1 parameter can move it that far over its range: ",
    [W_MOVEN] = "%1$zu parameters can move it that far over their range: ",
    [W_STAYS] = " <br>It %1$s over the whole of <code>%2$s</code>'s range (%3$g to %4$g; the "
                "others at the scenario's values).",
    [W_ANTAG] = "stays antagonistic (contrast above 0)",
    [W_PAST] = "stays past the threshold",
    [W_SYN] = "stays synergistic (contrast below 0)",
    [W_SHORT] = "stays short of the threshold",
    [W_AT_VALUE] = " <br>It %1$s at <code>%2$s</code> = %3$.3g (the scenario's value %4$g; the "
                   "others at theirs).",
    [W_TURNS] = "turns from synergy to antagonism (the contrast crosses 0)",
    [W_REACHES] = "reaches the threshold (an improvement of the MID)",
    [W_TH_PARAM] = "parameter",
    [W_TH_RANGE] = "range",
    [W_TH_VALUE] = "scenario's value",
    [W_TH_AT_LOW] = "at low",
    [W_TH_AT_HIGH] = "at high",
    [W_LOG] = " (log)",
    [W_RANGES] = "Ranges: the model's <code>range:</code> where it declares one, else half to "
                 "twice the scenario's value (0 to twice as-claimed for a claim's strength); "
                 "docs/sensitivity.md.",
    [W_POINTS] = "points",
    [W_PP] = "percentage points",
    [W_XL_OAT] = "the answer (%s) at the low and high end of each range",
    [W_XL_MORRIS] = "mu*: how far the answer moves across the range (%s)",
    [W_XL_SOBOL] = "total Sobol index",
    [W_MORRIS] = "Morris elementary effects",
    [W_SOBOL] = "Sobol indices (Saltelli design, Jansen estimators)",
    [W_OAT] = "one at a time (tornado)",
    [W_CHANGE] = "mean change",
    [W_RESPONSE] = "response",
    [W_REMISSION] = "remission",
    [W_VS] = "%1$s vs %2$s: %3$s",
    [W_INTERACTION] = "interaction contrast (mean change)",
    [W_SEP] = ", ",
    [W_END] = ".",
};

static const char *const JA[W_N] = {
    [W_TITLE] = "この答えが何に依っているか",
    [W_INTRO] = "%1$s（%2$zu個のパラメータ、それぞれのもっともらしい範囲で）。同じ仮想患者で"
                "1群%4$ld人の試験を%3$zu回、%5$.0f秒。",
    [W_STOPPED] = "%2$zu回中%1$zu回の試験で停止しました。指標は終わった分から求めています。",
    [W_AT] = "シナリオの値では <b>%1$.2f %2$s</b>。",
    [W_THRESHOLD] = "臨床的な閾値（最小重要差 %1$gポイント）まであと%2$.2fポイント。",
    [W_NONE_MOVES] = "単独でそこまで動かすパラメータは、範囲内にありません。",
    [W_MOVE1] = "その範囲でそこまで動かしうるパラメータは1個: ",
    [W_MOVEN] = "その範囲でそこまで動かしうるパラメータは%1$zu個: ",
    [W_STAYS] = "<br><code>%2$s</code> の範囲全体（%3$g〜%4$g、他はシナリオの値）で%1$s。",
    [W_ANTAG] = "拮抗のまま（対比は0より上）",
    [W_PAST] = "閾値を越えたまま",
    [W_SYN] = "相乗のまま（対比は0より下）",
    [W_SHORT] = "閾値に届かないまま",
    [W_AT_VALUE] = "<br><code>%2$s</code> = %3$.3g で%1$s（シナリオの値は %4$g、他はシナリオの"
                   "値）。",
    [W_TURNS] = "相乗から拮抗に変わる（対比が0を横切る）",
    [W_REACHES] = "閾値（最小重要差の改善）に届く",
    [W_TH_PARAM] = "パラメータ",
    [W_TH_RANGE] = "範囲",
    [W_TH_VALUE] = "シナリオの値",
    [W_TH_AT_LOW] = "下端で",
    [W_TH_AT_HIGH] = "上端で",
    [W_LOG] = "（対数）",
    [W_RANGES] = "範囲: モデルが <code>range:</code> を宣言していればそれ、なければシナリオの値"
                 "の半分から2倍（主張の強さは0から主張どおりの2倍）。docs/sensitivity.md。",
    [W_POINTS] = "ポイント",
    [W_PP] = "パーセントポイント",
    [W_XL_OAT] = "各範囲の下端と上端での答え（%s）",
    [W_XL_MORRIS] = "mu*: 範囲全体で答えが動く大きさ（%s）",
    [W_XL_SOBOL] = "Sobolの全効果指標",
    [W_MORRIS] = "Morrisの要素効果法",
    [W_SOBOL] = "Sobol指標（Saltelliの計画、Jansenの推定量）",
    [W_OAT] = "1つずつ動かす方法（トルネード図）",
    [W_CHANGE] = "平均変化",
    [W_RESPONSE] = "反応率",
    [W_REMISSION] = "寛解率",
    [W_VS] = "%1$s 対 %2$s: %3$s",
    [W_INTERACTION] = "交互作用の対比（平均変化）",
    [W_SEP] = "、",
    [W_END] = "。",
};

/* Answer a's name in the page's language: English as the library names it
 * (sensitivity.csv's key), Japanese from the arms' labels. */
static void answer_name(const ms_sensitivity *s, size_t a, int ja, char *buf, size_t n)
{
    const msi_sens_answer *x = &s->ans[a];
    if (!ja) {
        snprintf(buf, n, "%s", x->name);
        return;
    }
    const char *const *W = JA;
    if (x->versus < 0) {
        snprintf(buf, n, "%s", W[W_INTERACTION]);
        return;
    }
    static const int what[] = {W_CHANGE, W_RESPONSE, W_REMISSION};
    snprintf(buf, n, W[W_VS], msi_arm_label(s->sc, (size_t)x->arm, 1),
             msi_arm_label(s->sc, (size_t)x->versus, 1), W[what[x->kind]]);
}

ms_status msi_sensitivity_sections(ms_context *ctx, FILE *f, const ms_sensitivity *s,
                                   const char *dir, int ja, int level, int embed)
{
    const char *const *W = ja ? JA : EN;
    size_t k = ms_sensitivity_param_count(s), na = ms_sensitivity_answer_count(s);
    const ms_scenario *sc = s->sc;
    char path[4096];
    ms_status st = MS_OK;
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
    size_t evals, planned;
    int stopped;
    double secs;
    ms_sensitivity_counts(s, &evals, &planned, &stopped, &secs);
    const char *method = W[s->method == MS_SENS_MORRIS  ? W_MORRIS
                           : s->method == MS_SENS_SOBOL ? W_SOBOL
                                                        : W_OAT];
    fputs("<p>", f);
    fprintf(f, W[W_INTRO], method, k, evals, sc->per_arm, secs);
    fputs("</p>\n", f);
    if (stopped) {
        fputs("<p class=warn>", f);
        fprintf(f, W[W_STOPPED], evals, planned);
        fputs("</p>\n", f);
    }
    for (size_t a = 0; a < na && !st; a++) {
        double base;
        char an[256];
        ms_sensitivity_answer(s, a, &base);
        answer_name(s, a, ja, an, sizeof an);
        int share = s->ans[a].kind != ANS_CHANGE;
        int inter = s->ans[a].versus < 0;
        double scale = share ? 100 : 1;
        const char *unit = W[share ? W_PP : W_POINTS];
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
        char fig[64], xl[160];
        snprintf(fig, sizeof fig, "sensitivity-%zu.svg", a + 1);
        snprintf(path, sizeof path, "%s/%s", dir, fig);
        snprintf(xl, sizeof xl,
                 W[s->method == MS_SENS_OAT      ? W_XL_OAT
                   : s->method == MS_SENS_MORRIS ? W_XL_MORRIS
                                                 : W_XL_SOBOL],
                 unit);
        if ((st = msi_fig_hbars(ctx, path, an, xl, shown, lab, from, to, lo, hi,
                                s->method == MS_SENS_OAT ? scale * base : NAN)))
            break;
        fprintf(f, "<h%d>", level);
        html_esc(f, an);
        fprintf(f, "</h%d>\n<p>", level);
        fprintf(f, W[W_AT], scale * base, unit);
        /* the threshold: a difference in mean change against the MID */
        if (!share && !inter && isfinite(sc->mid) && s->method != MS_SENS_SOBOL) {
            double d = fmin(fabs(base + sc->mid), fabs(base - sc->mid));
            fprintf(f, W[W_THRESHOLD], sc->mid, d);
            size_t nmove = 0;
            for (size_t i = 0; i < k; i++)
                nmove += rk[i].v >= d * (1 - 1e-9);
            if (!nmove)
                fputs(W[W_NONE_MOVES], f);
            else {
                fprintf(f, W[nmove > 1 ? W_MOVEN : W_MOVE1], nmove);
                for (size_t i = 0, c = 0; i < k; i++)
                    if (rk[i].v >= d * (1 - 1e-9))
                        fprintf(f, "%s<code>%s</code>", c++ ? W[W_SEP] : "",
                                ms_sensitivity_param(s, rk[i].j, NULL, NULL));
                fputs(W[W_END], f);
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
            if (x.tipping_where > 1)
                fprintf(f, W[W_STAYS],
                        W[x.tipping_where == 3 ? (inter ? W_ANTAG : W_PAST)
                                               : (inter ? W_SYN : W_SHORT)],
                        pn, r.low, r.high);
            else
                fprintf(f, W[W_AT_VALUE], W[inter ? W_TURNS : W_REACHES], pn, x.tipping, nom);
        }
        fputs("</p>\n<img alt=\"", f);
        html_esc(f, an);
        fputs("\" src=\"", f);
        if (embed)
            msi_fig_embed(f, path);
        else
            fputs(fig, f);
        fprintf(f, "\">\n<table><tr><th>%s</th><th>%s</th><th>%s</th>", W[W_TH_PARAM],
                W[W_TH_RANGE], W[W_TH_VALUE]);
        if (s->method == MS_SENS_MORRIS)
            fputs("<th>mu* [95% CI]</th><th>mu</th><th>sigma</th>", f);
        else if (s->method == MS_SENS_SOBOL)
            fputs("<th>S1 [95% CI]</th><th>ST [95% CI]</th>", f);
        else
            fprintf(f, "<th>%s</th><th>%s</th>", W[W_TH_AT_LOW], W[W_TH_AT_HIGH]);
        fputs("</tr>\n", f);
        for (size_t i = 0; i < k; i++) {
            ms_param_range r;
            double nom;
            const char *pn = ms_sensitivity_param(s, rk[i].j, &r, &nom);
            ms_sensitivity_index x;
            ms_sensitivity_index_get(s, a, rk[i].j, &x);
            fprintf(f, "<tr><td><code>%s</code></td><td>%g&ndash;%g%s</td><td>%g</td>", pn, r.low,
                    r.high, r.log ? W[W_LOG] : "", nom);
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
    if (!st)
        fprintf(f, "<p>%s</p>\n", W[W_RANGES]);
    msi_free(ctx, rk);
    msi_free(ctx, lab);
    msi_free(ctx, from);
    return st;
}

ms_status ms_sensitivity_write_lang(ms_context *ctx, const ms_sensitivity *s, const char *dir,
                                    const char *lang)
{
    if (!ctx || !s || !dir)
        return MS_ERR_ARG;
    int ja = lang && strcmp(lang, "ja") == 0;
    if (lang && !ja && strcmp(lang, "en") != 0)
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "language '%s'; expected en or ja", lang);
    size_t k = ms_sensitivity_param_count(s), na = ms_sensitivity_answer_count(s);
    char path[4096];
    ms_status st;

    /* sensitivity.csv: keys in English whatever the page's language */
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    msi_outfile of;
    if ((st = msi_out_open(ctx, &of, path)))
        return st;
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
        return st;

    /* sensitivity.html and one figure per answer */
    const char *const *W = ja ? JA : EN;
    snprintf(path, sizeof path, "%s/sensitivity.html", dir);
    if ((st = msi_out_open(ctx, &of, path)))
        return st;
    FILE *f = of.f;
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            "<title>%s</title><style>body{font-family:sans-serif;"
            "max-width:60em;margin:auto;padding:1em}table{border-collapse:collapse;display:block;"
            "overflow-x:auto}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
            "td:first-child{text-align:left}img{max-width:100%%}.warn{background:#fff3cd}</style>"
            "</head><body>\n<h1>%s</h1>\n<p>",
            ja ? "ja" : "en", W[W_TITLE], W[W_TITLE]);
    const char *q = ja && s->sc->question_ja ? s->sc->question_ja : s->sc->question;
    fputs("<b>", f);
    html_esc(f, s->sc->name);
    fputs(q ? "</b>: " : "</b>", f);
    html_esc(f, q);
    fputs("</p>\n", f);
    st = msi_sensitivity_sections(ctx, f, s, dir, ja, 2, 0);
    fputs("</body></html>\n", f);
    ms_status cst = msi_out_close(ctx, &of, !st);
    st = st ? st : cst;
    return st ? st : msi_ok(ctx);
}

ms_status ms_sensitivity_write(ms_context *ctx, const ms_sensitivity *s, const char *dir)
{
    return ms_sensitivity_write_lang(ctx, s, dir, "en");
}
