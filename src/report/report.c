/*
 * report.c — the trial report: one self-contained HTML file (figures
 * embedded as SVG data) in English or Japanese.  It states the question,
 * the design and the arms with their calendars, shows the figures and the
 * results with their intervals, the synergy analysis and sample sizes, the
 * evidence ledger of every hypothesis in the model, the failures, and the
 * exact command and library versions to reproduce the run.  Reads the trial
 * (never changes it); the figures are in figures.c.
 */
#include "../protocol/events_impl.h"
#include "../sensitivity/sensitivity.h"
#include "figures.h"
#include "sensitivity_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_version.h>
#include <plplot/plplot.h>
#include <sbml/common/libsbml-version.h>
#include <sundials/sundials_version.h>
#include <yaml.h>

/* ------------------------------------------------------------ language */

enum {
    S_TITLE,
    S_QUESTION,
    S_SUMMARY,
    S_DESIGN,
    S_ARMS,
    S_FIGURES,
    S_RESULTS,
    S_SUBGROUPS,
    S_SYNERGY,
    S_POWER,
    S_LEDGER,
    S_FAILURES,
    S_REPRO,
    S_MODEL,
    S_SEED,
    S_PER_ARM,
    S_POPULATION,
    S_POP_SOURCE,
    S_POP_HYPOTHESIS,
    S_RANDOM,
    S_VISITS,
    S_SCORE,
    S_RESPONSE_DEF,
    S_REMISSION_DEF,
    S_SCREENED,
    S_ARM,
    S_MEAN_CHANGE,
    S_RESPONSE,
    S_REMISSION,
    S_DIFF,
    S_FIG_SCORE,
    S_FIG_RATES,
    S_FIG_WATERFALL,
    S_FIG_MARKER,
    S_FIG_OTHER,
    S_WEEK,
    S_PCT_CHANGE,
    S_PATIENTS,
    S_PARAM,
    S_VALUE,
    S_EVIDENCE,
    S_BASIS,
    S_HYP_BANNER,
    S_NO_HYP,
    S_NONE_FAILED,
    S_COMMAND,
    S_VERSIONS,
    S_INPUTS,
    S_SYN_MEASURE,
    S_ESTIMATE,
    S_INTERACTION,
    S_BLISS,
    S_HSA,
    S_NOT_FACTORIAL,
    S_VARIABILITY,
    S_INTERRUPTED,
    S_NO_TREATMENT,
    S_RATE_PCT,
    S_CONTROL,
    S_SOURCED,
    S_N_POWER,
    S_SOLVER,
    S_NUMCHECK,
    S_NUMFAILED,
    S_NUMWARN,
    S_NATIVE,
    S_BYTECODE,
    S_BATCH,
    S_SUB_REST,
    S_AT_BASELINE,
    S_CLAIMS,
    S_CLAIMS_INTRO,
    S_CLAIMS_RUN,
    S_CLAIMS_OTHER,
    S_CLAIMS_STOPPED,
    S_CLAIMS_NOT_RUN,
    S_SET_NULL,
    S_SET_CLAIMED,
    S_SET_AS_SET,
    S_SYN_SHORT,
    S_PAIRED_NOTE,
    S_DESIGN_FACTORIAL,
    S_DESIGN_MATCHED,
    S_DESIGN_PARALLEL,
    S_CRIT_REJECTED,
    S_HYPOTHESIS_LABEL,
    S_CONTESTED_LABEL,
    S_RUN_STATS,
    S_COUNT
};

static const char *const EN[S_COUNT] = {
    "Virtual trial report",
    "Question",
    "Summary",
    "Design",
    "Arms and calendars",
    "Figures",
    "Results",
    "Subgroups",
    "Synergy",
    "Sample size",
    "Evidence ledger",
    "Failed simulations",
    "How to reproduce",
    "Model",
    "Seed",
    "Patients per arm",
    "Population",
    "source",
    "hypothesis",
    "Randomisation",
    "Visits (weeks)",
    "Score",
    "Response: a reduction of the score from baseline of at least %.0f%%",
    "Remission: a final score of at most %g",
    "Screening",
    "Arm",
    "Mean change [95% CI]",
    "Response [95% CI]",
    "Remission [95% CI]",
    "Change vs control [95% CI]",
    "Mean score by week (95% CI bands)",
    "Response and remission (Wilson 95% CI)",
    "Individual change of the score from baseline (full colour: responders; pale: the "
    "others; dashed: the response threshold)",
    "mean by week (95% CI bands)",
    "thin lines: the same patients, claims %s",
    "week",
    "change from baseline (%)",
    "patients",
    "Parameter",
    "Value",
    "Evidence",
    "Source or hypothesis",
    "This result rests on hypotheses: %zu of the model's %zu parameters, and %zu of its "
    "distributions, are hypotheses rather than measurements, and %zu of those parameters are "
    "numbers chosen with no measurement behind them (evidence: assumption; listed below). A "
    "conclusion about a treatment is only as strong as the hypotheses its effect passes "
    "through.",
    "Every parameter of this model has a published source.",
    "No simulation failed.",
    "Command",
    "Versions",
    "The exact model, protocols and scenario used are copied to inputs/.",
    "Measure",
    "Estimate [95% bootstrap CI]",
    "Interaction contrast on mean change, (AB - B) - (A - control); negative means more "
    "improvement than additive",
    "Response rate minus the Bliss-independence expectation 1 - (1-pA)(1-pB)/(1-p0)",
    "Response rate minus the highest single agent",
    "This scenario is not a 2x2 factorial; no synergy analysis.",
    "Between-patient variability",
    "The run was interrupted: these results cover only the patients that finished.",
    "no treatment",
    "rate (%)",
    "control",
    "Parameters with a published source",
    "Patients per arm for %.0f%% power (two-sided alpha %g)",
    "Solver",
    "Numerical check: %d patient-arms were simulated again with the other integration method "
    "(%s) at the same tolerances. The score differed by at most %.2g points at any visit, and "
    "any observable by at most %.2g (relative): differences below these are integration error, "
    "not effects.",
    " %d of them failed with one method only.",
    "The two integration methods disagree: tighten the scenario's solver rtol and run again "
    "before relying on small differences.",
    "the model ran as machine code (cc -O2)",
    "the model ran as bytecode",
    "; patients who share a calendar were integrated together, %zu at a time, each with its own "
    "error control",
    "The other patients",
    "at baseline",
    "Claims: null and as-claimed",
    "%zu parameters of this model are the strengths of claims without human evidence in "
    "depression (null 0; as-claimed: the value under which the claim would hold):",
    "This run: <b>%1$s</b>. The same patients were simulated again with every claim at <b>%2$s</b>",
    ".",
    "The run with the claims at the other setting was interrupted: this report shows one "
    "setting only.",
    "The run with the claims at the other setting was not made: this report shows one setting "
    "only.",
    "null",
    "as-claimed",
    "as set in the scenario",
    "Synergy: interaction contrast",
    "Matched design: every virtual patient was simulated in every arm.  \"Change vs control\" "
    "is unpaired (Welch): the interval a parallel trial of this size would give.  \"Same "
    "patients vs control\" pairs each patient with themself: it is the model's own answer for "
    "these patients, and its interval is the uncertainty of that answer from the number of "
    "virtual patients — not the uncertainty a real trial would have.",
    "2x2 factorial",
    "matched (every patient in every arm)",
    "parallel",
    "; <code>%s</code> in [%g, %g]: %ld rejected",
    "hypothesis:",
    "contested:",
    "%d threads, %.1f s."};

static const char *const JA[S_COUNT] = {
    "仮想臨床試験レポート",
    "問い",
    "要約",
    "試験デザイン",
    "群とスケジュール",
    "図",
    "結果",
    "サブグループ",
    "相乗効果",
    "必要症例数",
    "エビデンス台帳",
    "シミュレーション失敗",
    "再現方法",
    "モデル",
    "乱数シード",
    "1群あたりの患者数",
    "対象集団",
    "出典",
    "仮説",
    "割付",
    "来院（週）",
    "評価尺度",
    "反応: ベースラインからの評価尺度の減少が%.0f%%以上",
    "寛解: 最終スコアが%g以下",
    "スクリーニング",
    "群",
    "平均変化量 [95%信頼区間]",
    "反応率 [95%信頼区間]",
    "寛解率 [95%信頼区間]",
    "対照群との差（変化量）[95%信頼区間]",
    "週ごとの平均スコア（95%信頼区間の帯）",
    "反応率と寛解率（Wilson 95%信頼区間）",
    "ベースラインからの個々の患者の変化（濃い色: 反応者、淡い色: それ以外、破線: 反応の基準）",
    "週ごとの平均（95%信頼区間の帯）",
    "細線: 同じ患者、主張 %s",
    "週",
    "ベースラインからの変化 (%)",
    "患者",
    "パラメータ",
    "値",
    "エビデンス",
    "出典または仮説",
    "この結果は仮説に依存しています: モデルの%zu個中%zu個のパラメータ（分布は%zu個）が測定値では"
    "なく仮説で、そのうち%zu個のパラメータは測定の裏付けなく選んだ値です（エビデンス: 仮定、"
    "下記）。治療についての結論は、その効果が通る仮説以上に強くはありません。",
    "このモデルのすべてのパラメータに出典があります。",
    "失敗したシミュレーションはありません。",
    "コマンド",
    "バージョン",
    "使用したモデル・プロトコル・シナリオは inputs/ に複製されています。",
    "指標",
    "推定値 [95%ブートストラップ信頼区間]",
    "平均変化量の交互作用コントラスト (AB - B) - (A - 対照)。負の値は相加以上の改善",
    "反応率 − Bliss独立性の期待値 1 - (1-pA)(1-pB)/(1-p0)",
    "反応率 − 単剤の最大値",
    "このシナリオは2×2要因デザインではないため、相乗効果の解析はありません。",
    "患者間のばらつき",
    "実行は中断されました: 結果は完了した患者のみに基づきます。",
    "治療なし",
    "割合 (%)",
    "対照",
    "出典のあるパラメータ",
    "検出力%.0f%%に必要な1群あたりの患者数（両側α %g）",
    "ソルバー",
    "数値検証: %d件の患者・群をもう一方の積分法（%s）で同じ許容誤差により再計算しました。"
    "評価尺度の差はどの来院でも最大%.2g点、すべての観測量の差は最大%.2g（相対）でした。"
    "これより小さい差は積分誤差であり、効果ではありません。",
    " うち%d件は一方の積分法でのみ失敗しました。",
    "2つの積分法の結果が一致しません。小さな差に依拠する前に、シナリオのソルバー rtol を"
    "小さくして再実行してください。",
    "モデルは機械語（cc -O2）で実行",
    "モデルはバイトコードで実行",
    "。同じ日程の患者は%zu人ずつまとめて積分した（誤差の制御は患者ごと）",
    "それ以外の患者",
    "ベースライン時",
    "主張: null と as-claimed",
    "このモデルの%zu個のパラメータは、うつ病でのヒトのエビデンスがない主張の強さです（null は 0、"
    "as-claimed は主張が成り立つ値）:",
    "この実行: "
    "<b>%1$s</b>。同じ患者を、すべての主張を<b>%2$s</b>にして再度シミュレーションしました",
    "。",
    "主張をもう一方の設定にした実行は中断されました。このレポートは一方の設定のみを示します。",
    "主張をもう一方の設定にした実行は行われていません。このレポートは一方の設定のみを示します。",
    "null",
    "as-claimed（主張どおり）",
    "シナリオの設定どおり",
    "相乗効果: 交互作用コントラスト",
    "マッチドデザイン: すべての仮想患者をすべての群でシミュレーションしました。「対照群との差」は"
    "対応のない比較（Welch）で、この規模の並行群間試験で得られる区間です。「同じ患者での対照群との"
    "差」は各患者を本人と比較したもので、これらの患者に対するモデル自身の答えであり、その区間は"
    "仮想患者数による答えの不確かさです。実際の試験が持つ不確かさではありません。",
    "2×2要因デザイン",
    "マッチド（すべての患者をすべての群で）",
    "並行群間",
    "; <code>%s</code> が [%g, %g] の範囲外で除外: %ld人",
    "仮説:",
    "異論:",
    "%dスレッド、%.1f秒。"};

/* --------------------------------------------------------------- output */

typedef struct {
    FILE *f;
    const char *const *s;
    int ja;
} out_t;

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* x as printed with `digits` decimals, without a minus sign on a value that
   rounds to zero ("-0.00" for a difference of -1e-15 between identical arms) */
static double z(double x, int digits)
{
    return fabs(x) < 0.5 * pow(10.0, -digits) ? 0.0 : x;
}

/* One number of a table: x * scale with `digits` decimals, "–" if it does
 * not exist (a median not reached). */
static void num(FILE *f, double x, double scale, int digits)
{
    if (isfinite(x))
        fprintf(f, "%.*f", digits, z(x * scale, digits));
    else
        fputs("&ndash;", f);
}

/* "x unit [lo, hi]": an estimate with its unit ("" for none) and its
 * interval (a bound that does not exist shown as "–") */
/* " [lo, hi]" if either bound exists */
static void bounds(FILE *f, double lo, double hi, double scale, int digits)
{
    if (isfinite(lo) || isfinite(hi)) {
        fputs(" <span class=ci>[", f);
        num(f, lo, scale, digits);
        fputs(", ", f);
        num(f, hi, scale, digits);
        fputs("]</span>", f);
    }
}

static void ci(FILE *f, double x, double lo, double hi, double scale, int digits, const char *unit)
{
    num(f, x, scale, digits);
    if (isfinite(x))
        fputs(unit, f);
    bounds(f, lo, hi, scale, digits);
}

/* The name of a parameter or observable (public accessors: the report
 * reads the model as any user of the library would). */
static const char *param_name(const ms_model *m, size_t i)
{
    ms_symbol s;
    return ms_model_symbol(m, MS_PARAM, i, &s) == MS_OK ? s.name : "?";
}

static const char *obs_name(const ms_model *m, size_t i)
{
    ms_symbol s;
    return ms_model_symbol(m, MS_OBSERVABLE, i, &s) == MS_OK ? s.name : "?";
}

/* The heading of statistic i: "[95% CI]" after an interval's. */
static void stat_heading(out_t *o, const ms_arm_stat *d)
{
    const char *h = o->ja ? d->ja : d->en;
    esc(o->f, h);
    if (d->shape != MS_SHAPE_COUNT && d->shape != MS_SHAPE_VALUE)
        fputs(o->ja ? " [95%信頼区間]" : " [95% CI]", o->f);
}

/* The cell of statistic i of arm summary s, as MS_ARM_STAT_LIST says. */
static void stat_cell(out_t *o, const ms_arm_summary *s, size_t i, int is_control)
{
    const ms_arm_stat *d = ms_arm_stat_get(i);
    FILE *f = o->f;
    if (!ms_arm_summary_has(s, i, is_control)) {
        fputs("&ndash;", f);
        return;
    }
    if (d->shape == MS_SHAPE_COUNT) {
        fprintf(f, "%ld", (long)ms_arm_summary_value(s, i, 0));
        return;
    }
    double v[MS_PART_P + 1] = {NAN, NAN, NAN, NAN, NAN, NAN};
    for (size_t k = 0; k < d->nparts; k++)
        v[d->part[k]] = ms_arm_summary_value(s, i, k);
    /* an arm's estimate that does not exist although the arm has patients:
     * a median time that the share responding never reached by the last
     * visit (every other per-arm statistic exists whenever n > 0) */
    if (!isfinite(v[MS_PART_ESTIMATE]) && s->n > 0 && d->scope == MS_SCOPE_ARM) {
        fputs(o->ja ? "未到達" : "not reached", f);
        bounds(f, v[MS_PART_LO], v[MS_PART_HI], d->scale, d->digits);
        return;
    }
    ci(f, v[MS_PART_ESTIMATE], v[MS_PART_LO], v[MS_PART_HI], d->scale, d->digits, d->unit);
    if (isfinite(v[MS_PART_P]))
        fprintf(f, " <span class=ci>p=%.2g</span>", v[MS_PART_P]);
}

/* Every arm's statistics in group `group` (0: all patients), one column per
 * statistic the list shows in the report; paired ones in matched designs. */
static void stat_table(out_t *o, const ms_trial *t, size_t group)
{
    const ms_scenario *sc = t->sc;
    FILE *f = o->f;
    int matched = sc->design == MS_DESIGN_MATCHED;
    size_t ns = ms_arm_stat_count();
    fprintf(f, "<table><tr><th>%s</th>", o->s[S_ARM]);
    for (size_t i = 0; i < ns; i++) {
        const ms_arm_stat *d = ms_arm_stat_get(i);
        if (!(d->outputs & MS_OUT_REPORT) || (d->scope == MS_SCOPE_PAIRED && !matched))
            continue;
        fputs("<th>", f);
        stat_heading(o, d);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t a = 0; a < sc->narms; a++) {
        const ms_arm_summary *s = &msi_results_arm(&t->res, group, a)->s;
        int is_control = (int)a == sc->control;
        fputs("<tr><td>", f);
        esc(f, msi_arm_label(sc, a, o->ja));
        if (is_control)
            fprintf(f, " <span class=tag>%s</span>", o->s[S_CONTROL]);
        fputs("</td>", f);
        for (size_t i = 0; i < ns; i++) {
            const ms_arm_stat *d = ms_arm_stat_get(i);
            if (!(d->outputs & MS_OUT_REPORT) || (d->scope == MS_SCOPE_PAIRED && !matched))
                continue;
            fputs("<td>", f);
            stat_cell(o, s, i, is_control);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static const char *verdict_ja(const char *v)
{
    return strcmp(v, "synergistic") == 0 ? "相乗的"
           : strcmp(v, "additive") == 0  ? "相加的（相乗効果は示されない）"
                                         : "相加未満";
}

/* The first failures a trial's tally kept: arm, patient and reason. */
static void failure_list(FILE *f, const ms_scenario *sc, const ms_trial *t)
{
    fputs("<ul>", f);
    for (size_t i = 0; i < t->tally.nfail_kept; i++) {
        const msi_rechdr *r = &t->tally.fail[i];
        fputs("<li>", f);
        esc(f, sc->arms[r->arm].name);
        fprintf(f, " #%lld: ", (long long)r->patient);
        esc(f, r->reason);
        fputs("</li>", f);
    }
    fputs("</ul>\n", f);
}

static const char *setting_name(const char *const *S, int setting)
{
    return S[setting == MS_CLAIMS_NULL         ? S_SET_NULL
             : setting == MS_CLAIMS_AS_CLAIMED ? S_SET_CLAIMED
                                               : S_SET_AS_SET];
}

/* Null and as-claimed: the run and its counterpart side by side
 * (claims.c), or why there is only one. */
static void claims_section(out_t *o, const ms_trial *t)
{
    const ms_scenario *sc = t->sc;
    const ms_model *m = sc->model;
    const char *const *S = o->s;
    FILE *f = o->f;
    size_t n = ms_model_claim_count(m);
    if (n == 0)
        return;
    fprintf(f, "<h2>%s</h2>\n<p>", S[S_CLAIMS]);
    fprintf(f, S[S_CLAIMS_INTRO], n);
    for (size_t i = 0, k = 0; i < ms_model_count(m, MS_PARAM); i++) {
        ms_symbol p;
        ms_model_symbol(m, MS_PARAM, i, &p);
        if (p.claim)
            fprintf(f, o->ja ? "%s<code>%s</code>（%g）" : "%s <code>%s</code> (%g)",
                    k++ ? (o->ja ? "、" : ",") : "", p.name, p.as_claimed);
    }
    fputs(o->ja ? "。</p>\n" : ".</p>\n", f);
    const ms_trial *c = t->cp.trial;
    if (!c) {
        fprintf(f, "<p class=warn>%s</p>\n",
                S[t->cp.interrupted ? S_CLAIMS_STOPPED : S_CLAIMS_NOT_RUN]);
        return;
    }
    const char *a_name = setting_name(S, t->cp.setting), *b_name = setting_name(S, t->cp.other);
    fputs("<p>", f);
    fprintf(f, S[S_CLAIMS_RUN], a_name, b_name);
    for (size_t k = 0; k < t->cp.n; k++)
        fprintf(f, "%s<code>%s</code> = %g", k ? (o->ja ? "、" : ", ") : (o->ja ? "（" : " ("),
                param_name(m, (size_t)t->cp.idx[k]), t->cp.val[k]);
    fprintf(f, "%s%s</p>\n", o->ja ? "）" : ")", S[S_CLAIMS_OTHER]);
    fprintf(f,
            "<table><tr><th rowspan=2>%s</th><th colspan=2>%s</th><th colspan=2>%s</th>"
            "<th colspan=2>%s</th></tr>\n<tr>",
            S[S_ARM], S[S_MEAN_CHANGE], S[S_DIFF], S[S_RESPONSE]);
    for (int j = 0; j < 3; j++)
        fprintf(f, "<th>%s</th><th>%s</th>", a_name, b_name);
    fputs("</tr>\n", f);
    for (size_t a = 0; a < sc->narms; a++) {
        const msi_armstat *s[2] = {msi_results_arm(&t->res, 0, a), msi_results_arm(&c->res, 0, a)};
        fputs("<tr><td>", f);
        esc(f, msi_arm_label(sc, a, o->ja));
        if ((int)a == sc->control)
            fprintf(f, " <span class=tag>%s</span>", S[S_CONTROL]);
        fputs("</td>", f);
        for (int j = 0; j < 2; j++) {
            fputs("<td>", f);
            ci(f, s[j]->s.mean_change, s[j]->s.mean_change_lo, s[j]->s.mean_change_hi, 1, 2, "");
            fputs("</td>", f);
        }
        for (int j = 0; j < 2; j++) {
            fputs("<td>", f);
            if ((int)a == sc->control)
                fputs("&ndash;", f);
            else
                ci(f, s[j]->s.diff_change, s[j]->s.diff_change_lo, s[j]->s.diff_change_hi, 1, 2,
                   "");
            fputs("</td>", f);
        }
        for (int j = 0; j < 2; j++) {
            fputs("<td>", f);
            ci(f, s[j]->s.response, s[j]->s.response_lo, s[j]->s.response_hi, 100, 0, "%");
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    if (c->res.n_failed > 0)
        fprintf(f,
                o->ja ? "<p class=warn>もう一方の設定で%ld件のシミュレーションが失敗し、"
                        "除外されています。</p>\n"
                      : "<p class=warn>%ld simulations failed at the other setting and are left "
                        "out of its figures.</p>\n",
                c->res.n_failed);
    if (t->res.syn.valid && c->res.syn.valid) {
        fprintf(f, "<p>%s: %s ", S[S_SYN_SHORT], a_name);
        ci(f, t->res.syn.contrast, t->res.syn.lo, t->res.syn.hi, 1, 2, "");
        fprintf(f, " (%s); %s ", o->ja ? verdict_ja(t->res.syn.verdict) : t->res.syn.verdict,
                b_name);
        ci(f, c->res.syn.contrast, c->res.syn.lo, c->res.syn.hi, 1, 2, "");
        fprintf(f, " (%s).</p>\n", o->ja ? verdict_ja(c->res.syn.verdict) : c->res.syn.verdict);
    }
}

static void figure(out_t *o, const char *dir, const char *name, const char *caption)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fputs("<figure><img alt=\"", o->f);
    esc(o->f, caption);
    fputs("\" src=\"", o->f);
    msi_fig_embed(o->f, path);
    fputs("\"><figcaption>", o->f);
    esc(o->f, caption);
    fputs("</figcaption></figure>\n", o->f);
}

/* One comparison (compare:) of one run in a plain sentence: its size, the
 * minimal important difference, the trial that would show it.  `setting`
 * names the claims setting of the run (NULL: the model has no claims).
 * Whole sentences per language, never assembled from fragments. */
static void comparison_sentence(out_t *o, const ms_trial *run, size_t i, const char *setting)
{
    const ms_scenario *sc = run->sc;
    const ms_comparison *c = &run->res.cmp[i];
    FILE *f = o->f;
    fputs(o->ja ? "<li><strong>「" : "<li><strong>", f);
    esc(f, msi_arm_label(sc, c->arm, o->ja));
    fputs(o->ja ? "」と「" : " versus ", f);
    esc(f, msi_arm_label(sc, c->versus, o->ja));
    if (o->ja) {
        fprintf(f, "」の比較%s%s%s: 平均変化量の差は %.2f 点 [95%%信頼区間 %.2f, %.2f] で、",
                setting ? "（主張: " : "", setting ? setting : "", setting ? "）" : "",
                z(c->diff_change, 2), z(c->diff_change_lo, 2), z(c->diff_change_hi, 2));
        fprintf(f, "臨床的に意味のある最小差（%g点）に%s。", c->mid,
                c->reaches_mid ? "達しています" : "達しません");
        if (c->n_change == 0)
            fputs("試験で検出すべき差はありません。", f);
        else if (c->n_change < 0)
            fprintf(f, "1群%ld人の並行群間試験でも検出できません。", sc->power_max);
        else
            fprintf(f,
                    "この差を検出するには、並行群間試験で1群あたり約%ld人が必要です"
                    "（検出力%.0f%%、両側α %g）。",
                    c->n_change, 100 * sc->power_target, sc->alpha);
    } else {
        fprintf(f,
                "%s%s%s: the mean change differs by %.2f points [95%% CI %.2f, %.2f], %s the "
                "minimal important difference of %g points. ",
                setting ? " (claims " : "", setting ? setting : "", setting ? ")" : "",
                z(c->diff_change, 2), z(c->diff_change_lo, 2), z(c->diff_change_hi, 2),
                c->reaches_mid ? "reaching" : "below", c->mid);
        if (c->n_change == 0)
            fputs("There is no difference for a trial to detect.", f);
        else if (c->n_change < 0)
            fprintf(f, "Even a parallel trial of %ld patients per arm would not detect it.",
                    sc->power_max);
        else
            fprintf(f,
                    "A parallel trial would need about %ld patients per arm to detect it "
                    "(%.0f%% power, two-sided alpha %g).",
                    c->n_change, 100 * sc->power_target, sc->alpha);
    }
    fputs("</strong></li>", f);
}

/* The comparisons (compare:) of this run and of its counterpart: a table. */
static void comparisons_section(out_t *o, const ms_trial *t)
{
    const ms_scenario *sc = t->sc;
    FILE *f = o->f;
    if (!t->res.ncmp)
        return;
    fputs(o->ja ? "<h2>群どうしの比較</h2>\n" : "<h2>Comparisons between arms</h2>\n", f);
    fprintf(f, o->ja ? "<table><tr><th>比較</th><th>主張</th><th>平均変化量の差 [95%%信頼区間]</th>"
                       "<th>反応率の差</th><th>寛解率の差</th><th>NNT（反応）</th>"
                       "<th>1群の必要数: 変化量 / 寛解率</th></tr>\n"
                     : "<table><tr><th>Comparison</th><th>Claims</th><th>Difference in mean change "
                       "[95%% CI]</th><th>Response difference</th><th>Remission difference</th>"
                       "<th>NNT (response)</th><th>Per arm needed: change / remission</th></tr>\n");
    const ms_trial *runs[2] = {t, t->cp.trial};
    int settings[2] = {t->cp.setting, t->cp.other};
    for (size_t i = 0; i < t->res.ncmp; i++)
        for (int k = 0; k < 2; k++) {
            const ms_trial *r = runs[k];
            if (!r || i >= r->res.ncmp)
                continue;
            const ms_comparison *c = &r->res.cmp[i];
            fputs("<tr><td>", f);
            esc(f, msi_arm_label(sc, c->arm, o->ja));
            fputs(o->ja ? " 対 " : " vs ", f);
            esc(f, msi_arm_label(sc, c->versus, o->ja));
            fprintf(f, "</td><td>%s</td><td>", t->cp.trial ? setting_name(o->s, settings[k]) : "");
            ci(f, c->diff_change, c->diff_change_lo, c->diff_change_hi, 1, 2, "");
            fputs(c->paired ? (o->ja ? "（対応あり）" : " (paired)") : "", f);
            fputs("</td><td>", f);
            const char *pp = o->ja ? "ポイント" : " pp"; /* percentage points */
            ci(f, c->diff_response, c->diff_response_lo, c->diff_response_hi, 100, 1, pp);
            fputs("</td><td>", f);
            ci(f, c->diff_remission, c->diff_remission_lo, c->diff_remission_hi, 100, 1, pp);
            fputs("</td><td>", f);
            if (isfinite(c->nnt_response))
                fprintf(f, "%.0f", c->nnt_response);
            else
                fputs("&ndash;", f);
            fputs("</td><td>", f);
            const long n2[2] = {c->n_change, c->n_remission};
            for (int j = 0; j < 2; j++) {
                fputs(j ? " / " : "", f);
                if (n2[j] == 0)
                    fputs(o->ja ? "差なし" : "no difference", f);
                else if (n2[j] < 0)
                    fprintf(f, "&gt; %ld", sc->power_max);
                else
                    fprintf(f, "%ld", n2[j]);
            }
            fputs("</td></tr>\n", f);
        }
    fputs("</table>\n<p class=small>", f);
    fprintf(
        f,
        o->ja ? "差は左の群から右の群を引いたもの（負の値は左の群でより大きな改善）。臨床的に意味の"
                "ある最小差はシナリオの analysis: mid:（既定は HAM-D-17 で3点: NICE 2004 の基準、"
                "Kirsch et al. 2008, PLoS Med 5:e45）で %g 点。必要症例数は検出力%.0f%%・"
                "両側α %g の並行群間試験について: 変化量はシミュレーションされた患者から"
                "再標本化した仮想試験で、寛解率は2群の比率の正規近似（Fleiss et al. 2003）で推定。"
              : "Differences are the first arm minus the second (negative: more improvement "
                "in the first).  The minimal important difference is the scenario's "
                "analysis: mid: (by default 3 HAM-D-17 points, NICE's 2004 criterion as "
                "applied by Kirsch et al. 2008, PLoS Med 5:e45), here %g points.  Sample "
                "sizes are per arm of a parallel trial at %.0f%% power and two-sided alpha "
                "%g: on mean change by trials resampled from the simulated patients, on "
                "remission by the normal approximation for two proportions (Fleiss et al. "
                "2003).",
        sc->mid, 100 * sc->power_target, sc->alpha);
    fputs("</p>\n", f);
}

static void summary_sentences(out_t *o, const ms_trial *t)
{
    const ms_scenario *sc = t->sc;
    FILE *f = o->f;
    const ms_arm_summary *c = &msi_results_arm(&t->res, 0, (size_t)sc->control)->s;
    fputs("<ul>", f);
    /* first, the comparisons the scenario asks (compare:): the plain answer,
     * each claims setting in its own sentence */
    for (size_t i = 0; i < t->res.ncmp; i++) {
        comparison_sentence(o, t, i, t->cp.trial ? setting_name(o->s, t->cp.setting) : NULL);
        if (t->cp.trial && i < t->cp.trial->res.ncmp)
            comparison_sentence(o, t->cp.trial, i, setting_name(o->s, t->cp.other));
    }
    for (size_t a = 0; a < sc->narms; a++) {
        if ((int)a == sc->control)
            continue;
        const ms_arm_summary *s = &msi_results_arm(&t->res, 0, a)->s;
        fputs("<li>", f);
        if (o->ja) {
            esc(f, msi_arm_label(sc, a, o->ja));
            fprintf(f, ": 反応率 %.0f%%（対照 %.0f%%）、平均変化量の対照との差 %.2f [%.2f, %.2f]。",
                    100.0 * (s->n ? s->response : 0), 100.0 * (c->n ? c->response : 0),
                    z(s->diff_change, 2), z(s->diff_change_lo, 2), z(s->diff_change_hi, 2));
        } else {
            esc(f, msi_arm_label(sc, a, o->ja));
            fprintf(f,
                    ": response %.0f%% (control %.0f%%); mean change differs from control by "
                    "%.2f [%.2f, %.2f] points.",
                    100.0 * (s->n ? s->response : 0), 100.0 * (c->n ? c->response : 0),
                    z(s->diff_change, 2), z(s->diff_change_lo, 2), z(s->diff_change_hi, 2));
        }
        fputs("</li>", f);
    }
    if (t->res.syn.valid) {
        const msi_synergy *y = &t->res.syn;
        fputs("<li><strong>", f);
        if (o->ja) {
            const char *v = verdict_ja(y->verdict);
            fprintf(f,
                    "シミュレーション上の併用効果は%sです: 交互作用コントラスト %.2f "
                    "[95%%信頼区間 %.2f, %.2f]。その大きさは臨床的に意味のある最小差（%g点）%s。",
                    v, z(y->contrast, 2), z(y->lo, 2), z(y->hi, 2), sc->mid,
                    fabs(y->contrast) < sc->mid ? "より小さい値です" : "以上です");
        } else {
            fprintf(f,
                    "The simulated combination is %s: interaction contrast %.2f points "
                    "[95%% CI %.2f, %.2f]%s, %s the minimal important difference of %g points.",
                    y->verdict, z(y->contrast, 2), z(y->lo, 2), z(y->hi, 2),
                    strcmp(y->verdict, "additive") == 0 ? ", an interval that includes 0" : "",
                    fabs(y->contrast) < sc->mid ? "smaller than" : "at least", sc->mid);
        }
        fputs("</strong></li>", f);
    }
    /* the same patients with the claims at the other setting, in one line */
    const ms_trial *cp = t->cp.trial;
    if (cp) {
        const char *other = setting_name(o->s, t->cp.other);
        fputs("<li><strong>", f);
        fprintf(f,
                o->ja ? "すべての主張を %s にした同じ患者の、平均変化量の対照との差: "
                      : "With every claim at %s, the same patients' difference in mean change from "
                        "control: ",
                other);
        for (size_t a = 0, k = 0; a < sc->narms; a++) {
            if ((int)a == sc->control)
                continue;
            fputs(k++ ? "; " : "", f);
            esc(f, msi_arm_label(sc, a, o->ja));
            const ms_arm_summary *d = &msi_results_arm(&cp->res, 0, a)->s;
            fprintf(f, " %.2f [%.2f, %.2f]", z(d->diff_change, 2), z(d->diff_change_lo, 2),
                    z(d->diff_change_hi, 2));
        }
        if (cp->res.syn.valid)
            fprintf(f,
                    o->ja ? "; 交互作用コントラスト %.2f [%.2f, %.2f]（%s）"
                          : "; interaction contrast %.2f [%.2f, %.2f] (%s)",
                    z(cp->res.syn.contrast, 2), z(cp->res.syn.lo, 2), z(cp->res.syn.hi, 2),
                    o->ja ? verdict_ja(cp->res.syn.verdict) : cp->res.syn.verdict);
        fputs(o->ja ? "（「主張: null と as-claimed」参照）。" : " (section \"Claims\", below).",
              f);
        fputs("</strong></li>", f);
    }
    fputs("</ul>\n", f);
}

static void arms_section(out_t *o, const ms_trial *t)
{
    const ms_scenario *sc = t->sc;
    FILE *f = o->f;
    for (size_t a = 0; a < sc->narms; a++) {
        const msi_arm *arm = &sc->arms[a];
        fputs("<h3>", f);
        esc(f, msi_arm_label(sc, a, o->ja));
        fputs("</h3>", f);
        if (!arm->proto) {
            fprintf(f, "<p>%s</p>\n", o->s[S_NO_TREATMENT]);
            continue;
        }
        fputs("<p class=small>", f);
        esc(f, ms_protocol_name(arm->proto));
        fputs(": ", f);
        esc(f, ms_protocol_description_lang(arm->proto, o->ja ? "ja" : "en"));
        fputs("</p><ul>", f);
        for (size_t i = 0; i < ms_protocol_treatment_count(arm->proto); i++) {
            fputs("<li><code>", f);
            esc(f, ms_protocol_treatment_name(arm->proto, i));
            fputs("</code>: ", f);
            esc(f, ms_protocol_treatment_summary_lang(arm->proto, i, o->ja ? "ja" : "en"));
            fputs("</li>", f);
        }
        for (size_t i = 0; i < ms_protocol_rule_count(arm->proto); i++) {
            fprintf(f, "<li>%s <code>", o->ja ? "判断規則" : "decision rule");
            esc(f, ms_protocol_rule_name(arm->proto, i));
            fputs("</code>: ", f);
            esc(f, ms_protocol_rule_summary_lang(arm->proto, i, o->ja ? "ja" : "en"));
            fputs("</li>", f);
        }
        fputs("</ul>\n", f);
        for (size_t k = 0; k < arm->nset; k++) {
            fprintf(f, "<p class=small>%s = %g</p>", param_name(sc->model, (size_t)arm->set_idx[k]),
                    arm->set_val[k]);
        }
    }
}

/* The banner of how much of the model is hypothesis (beside the summary and
 * atop the ledger); 0 if nothing is. */
static int hyp_banner(out_t *o, const ms_model *m)
{
    size_t nh = 0, na = 0, nvh = 0, np = ms_model_count(m, MS_PARAM);
    for (size_t i = 0; i < np; i++) {
        ms_symbol p;
        ms_model_symbol(m, MS_PARAM, i, &p);
        nh += p.hypothesis != NULL;
        na += p.hypothesis && p.evidence && strcmp(p.evidence, "assumption") == 0;
    }
    for (size_t i = 0; i < ms_model_variability_count(m); i++) {
        ms_variability v;
        ms_model_variability(m, i, &v);
        nvh += v.hypothesis != NULL;
    }
    if (!nh && !nvh)
        return 0;
    fputs("<p class=warn>", o->f);
    fprintf(o->f, o->s[S_HYP_BANNER], o->ja ? np : nh, o->ja ? nh : np, nvh, na);
    fputs("</p>\n", o->f);
    return 1;
}

/* The value parameter i had in arm a of run r: the model file's, then the
 * run's set (before the arms'), the arm's set:, the run's forced values
 * (the claims' counterpart), in the order the runner applies them. */
static double used_value(const ms_trial *r, size_t i, size_t a)
{
    ms_symbol sym;
    ms_model_symbol(r->sc->model, MS_PARAM, i, &sym);
    double v = sym.value;
    for (size_t j = 0; j < r->nset; j++)
        if ((size_t)r->set_idx[j] == i)
            v = r->set_val[j];
    const msi_arm *arm = &r->sc->arms[a];
    for (size_t j = 0; j < arm->nset; j++)
        if ((size_t)arm->set_idx[j] == i)
            v = arm->set_val[j];
    for (size_t j = 0; j < r->nforce; j++)
        if ((size_t)r->force_idx[j] == i)
            v = r->force_val[j];
    return v;
}

/* The values a run used for parameter i where they differ from the model
 * file's: "SETTING: v" if every arm had v, else each value with its arms.
 * Returns 0 (printing nothing) if every arm used the file's value. */
static int used_values(out_t *o, const ms_trial *r, size_t i, double file_value,
                       const char *setting)
{
    const ms_scenario *sc = r->sc;
    int differs = 0, uniform = 1;
    double v0 = used_value(r, i, 0);
    for (size_t a = 0; a < sc->narms; a++) {
        double v = used_value(r, i, a);
        differs |= v != file_value;
        uniform &= v == v0;
    }
    if (!differs)
        return 0;
    FILE *f = o->f;
    fputs("<br>", f);
    if (setting)
        fprintf(f, "%s: ", setting);
    else
        fputs(o->ja ? "この実行: " : "this run: ", f);
    if (uniform) {
        fprintf(f, "%g", v0);
        return 1;
    }
    for (size_t a = 0; a < sc->narms; a++) { /* each distinct value once, with its arms */
        double v = used_value(r, i, a);
        size_t first = a;
        for (size_t b = 0; b < a; b++)
            if (used_value(r, i, b) == v) {
                first = b;
                break;
            }
        if (first != a)
            continue;
        fprintf(f, "%s%g%s", a ? (o->ja ? "、" : "; ") : "", v, o->ja ? "（" : " (");
        for (size_t b = a, k = 0; b < sc->narms; b++)
            if (used_value(r, i, b) == v) {
                fputs(k++ ? (o->ja ? "、" : ", ") : "", f);
                esc(f, msi_arm_label(sc, b, o->ja));
            }
        fputs(o->ja ? "）" : ")", f);
    }
    return 1;
}

/* An evidence level (the model's closed list) in the report's language. */
static const char *evidence_name(const out_t *o, const char *ev)
{
    static const struct {
        const char *key, *ja;
    } JA_EVIDENCE[] = {
        {"human-rct", "ヒトのランダム化比較試験"},
        {"human-observational", "ヒトの観察研究"},
        {"animal", "動物実験"},
        {"in-vitro", "試験管内（in vitro）"},
        {"assumption", "仮定"},
    };
    if (!ev)
        return "";
    for (size_t k = 0; o->ja && k < sizeof JA_EVIDENCE / sizeof *JA_EVIDENCE; k++)
        if (strcmp(JA_EVIDENCE[k].key, ev) == 0)
            return JA_EVIDENCE[k].ja;
    return ev;
}

/* A ledger row's basis: the hypothesis, the source, the disagreement. */
static void notes(out_t *o, const char *hyp, const char *src, const char *contested)
{
    FILE *f = o->f;
    if (hyp) {
        fprintf(f, "<em>%s</em> ", o->s[S_HYPOTHESIS_LABEL]);
        esc(f, hyp);
    }
    if (src) {
        fputs(hyp ? "<br>" : "", f);
        esc(f, src);
    }
    if (contested) {
        fprintf(f, "<br><em>%s</em> ", o->s[S_CONTESTED_LABEL]);
        esc(f, contested);
    }
}

static void ledger(out_t *o, const ms_trial *t)
{
    const ms_model *m = t->sc->model;
    const char *lang = o->ja ? "ja" : "en";
    FILE *f = o->f;
    if (!hyp_banner(o, m))
        fprintf(f, "<p>%s</p>\n", o->s[S_NO_HYP]);
    fprintf(f, "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n", o->s[S_PARAM],
            o->s[S_VALUE], o->s[S_EVIDENCE], o->s[S_BASIS]);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            fprintf(f, "<tr><th colspan=4>%s</th></tr>\n", o->s[S_SOURCED]);
        for (size_t i = 0; i < ms_model_count(m, MS_PARAM); i++) {
            ms_symbol sym;
            ms_model_symbol(m, MS_PARAM, i, &sym);
            const ms_symbol *p = &sym;
            if ((p->hypothesis != NULL) != (pass == 0))
                continue;
            fputs("<tr><td><code>", f);
            esc(f, p->name);
            fprintf(f, "</code></td><td>%g ", p->value);
            esc(f, p->unit);
            /* the values the runs used, where not the file's: a reader of an
             * as-claimed report must not take the file's 0 for the run's */
            const char *setting = t->cp.trial ? setting_name(o->s, t->cp.setting) : NULL;
            int shown = used_values(o, t, i, p->value, setting);
            if (t->cp.trial)
                shown |= used_values(o, t->cp.trial, i, p->value, setting_name(o->s, t->cp.other));
            if (shown)
                fputs(o->ja ? "<br><span class=small>（上はモデルファイルの値）</span>"
                            : "<br><span class=small>(first: the model file's value)</span>",
                      f);
            fputs("</td><td>", f);
            esc(f, evidence_name(o, p->evidence));
            fputs("</td><td>", f);
            notes(o, ms_model_param_note(m, i, MS_NOTE_HYPOTHESIS, lang),
                  ms_model_param_note(m, i, MS_NOTE_SOURCE, lang),
                  ms_model_param_note(m, i, MS_NOTE_CONTESTED, lang));
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n", f);
    if (ms_model_variability_count(m)) {
        fprintf(f, "<h3>%s</h3><table>", o->s[S_VARIABILITY]);
        for (size_t i = 0; i < ms_model_variability_count(m); i++) {
            ms_variability var;
            ms_model_variability(m, i, &var);
            const ms_variability *v = &var;
            fputs("<tr><td><code>", f);
            esc(f, v->param);
            fputs("</code></td><td>", f);
            esc(f, ms_model_variability_summary(m, i, lang));
            fputs("</td><td>", f);
            esc(f, evidence_name(o, v->evidence));
            fputs("</td><td>", f);
            notes(o, ms_model_variability_note(m, i, MS_NOTE_HYPOTHESIS, lang),
                  v->hypothesis ? NULL : ms_model_variability_note(m, i, MS_NOTE_SOURCE, lang),
                  NULL);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
}

ms_status ms_report_write(ms_context *ctx, const ms_trial *t, const char *dir, const char *lang,
                          const char *command)
{
    return ms_report_write_sensitivity(ctx, t, NULL, dir, lang, command);
}

ms_status ms_report_write_sensitivity(ms_context *ctx, const ms_trial *t,
                                      const ms_sensitivity *sens, const char *dir, const char *lang,
                                      const char *command)
{
    if (!ctx || !t || !dir || (sens && sens->sc != t->given))
        return MS_ERR_ARG;
    int ja = lang && strcmp(lang, "ja") == 0;
    const char *const *S = ja ? JA : EN;
    const ms_scenario *sc = t->sc;
    const ms_model *m = sc->model;
    ms_status st;
    char path[4096];

    /* figures: by week, the claims' counterpart as thin lines */
    char other[160];
    snprintf(other, sizeof other, S[S_FIG_OTHER], setting_name(S, t->cp.other));
    const char *oth = t->cp.trial ? other : NULL;
    msi_fig_text tx = {S[S_FIG_SCORE], S[S_WEEK], obs_name(m, (size_t)sc->score), oth, ja};
    snprintf(path, sizeof path, "%s/fig-score.svg", dir);
    if ((st = msi_fig_by_week(ctx, t, sc->score, &tx, path)))
        return st;
    msi_fig_text tr = {S[S_FIG_RATES], "", S[S_RATE_PCT], NULL, ja};
    snprintf(path, sizeof path, "%s/fig-rates.svg", dir);
    if ((st = msi_fig_rates(ctx, t, &tr, S[S_RESPONSE], S[S_REMISSION], path)))
        return st;
    msi_fig_text tw = {S[S_FIG_WATERFALL], S[S_PATIENTS], S[S_PCT_CHANGE], NULL, ja};
    snprintf(path, sizeof path, "%s/fig-waterfall.svg", dir);
    if ((st = msi_fig_waterfall(ctx, t, &tw, path)))
        return st;
    for (size_t k = 0; k < sc->nmarkers; k++) {
        char title[256];
        ms_symbol ob;
        ms_model_symbol(m, MS_OBSERVABLE, (size_t)sc->markers[k], &ob);
        snprintf(title, sizeof title, "%s: %s", ob.name, S[S_FIG_MARKER]);
        char ylab[256];
        snprintf(ylab, sizeof ylab, "%s (%s)", ob.name, ob.unit);
        msi_fig_text tm = {title, S[S_WEEK], ylab, oth, ja};
        snprintf(path, sizeof path, "%s/fig-marker-%zu.svg", dir, k + 1);
        if ((st = msi_fig_by_week(ctx, t, sc->markers[k], &tm, path)))
            return st;
    }

    snprintf(path, sizeof path, "%s/report.html", dir);
    msi_outfile of;
    if ((st = msi_out_open(ctx, &of, path)))
        return st;
    FILE *f = of.f;
    out_t o = {f, S, ja};
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            "<title>",
            ja ? "ja" : "en");
    esc(f, sc->name);
    fputs(
        " — moodsim</title>\n<style>\n"
        "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;"
        "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
        "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}"
        "table{border-collapse:collapse;margin:.6em 0;font-size:.92em;display:block;max-width:100%;"
        "overflow-x:auto}td,th,li,p{overflow-wrap:break-word}"
        "td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
        "th{background:#f4f4f4}.ci{color:#666;font-size:.9em}.small{color:#555;font-size:.92em}"
        ".warn{background:#fff4e5;border-left:4px solid #e69f00;padding:.6em .8em}"
        ".stop{background:#fdecea;border-left:4px solid #d55e00;padding:.6em .8em}"
        ".tag{background:#eee;border-radius:3px;padding:0 .3em;font-size:.8em}"
        "figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}"
        "figcaption{color:#555;font-size:.9em}code{font-size:.92em}"
        "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}\n</style></head><body>\n",
        f);
    fprintf(f, "<h1>%s: ", S[S_TITLE]);
    esc(f, sc->name);
    fputs("</h1>\n", f);
    if (t->interrupted)
        fprintf(f, "<p class=stop>%s</p>\n", S[S_INTERRUPTED]);
    const char *question = ja && sc->question_ja ? sc->question_ja : sc->question;
    const char *desc = ja && sc->desc_ja ? sc->desc_ja : sc->desc;
    if (question) {
        fprintf(f, "<h2>%s</h2><p>", S[S_QUESTION]);
        esc(f, question);
        fputs("</p>\n", f);
    }
    if (desc) {
        fputs("<p class=small>", f);
        esc(f, desc);
        fputs("</p>\n", f);
    }
    fprintf(f, "<h2>%s</h2>\n", S[S_SUMMARY]);
    summary_sentences(&o, t);
    /* the hypothesis banner belongs next to the summary */
    hyp_banner(&o, m);

    claims_section(&o, t);

    fprintf(f, "<h2>%s</h2><table>\n<tr><th>%s</th><td><code>", S[S_DESIGN], S[S_MODEL]);
    esc(f, ms_model_name(m));
    fputs("</code> ", f);
    esc(f, ms_model_description_lang(m, ja ? "ja" : "en"));
    fprintf(f, "</td></tr>\n<tr><th>%s</th><td>%llu</td></tr>\n<tr><th>%s</th><td>%ld</td></tr>\n",
            S[S_SEED], sc->seed, S[S_PER_ARM], sc->per_arm);
    if (sc->has_pop) {
        /* the population the arms' patients are drawn from, and what each of
         * its values rests on */
        const msi_population *p = &sc->pop;
        fprintf(f, "<tr><th>%s</th><td><code>", S[S_POPULATION]);
        esc(f, p->name);
        fputs("</code>", f);
        if (p->label) {
            fputs(" ", f);
            esc(f, p->label);
        }
        if (p->desc) {
            fputs("<br><span class=small>", f);
            esc(f, p->desc);
            fputs("</span>", f);
        }
        fputs("<ul class=small>", f);
        for (size_t i = 0; i < p->n; i++) {
            fputs("<li><code>", f);
            esc(f, param_name(m, (size_t)p->idx[i]));
            fprintf(f, "</code> = %g — %s: ", p->val[i],
                    S[p->hyp[i] ? S_POP_HYPOTHESIS : S_POP_SOURCE]);
            esc(f, p->basis[i]);
            fputs("</li>", f);
        }
        fputs("</ul></td></tr>\n", f);
    }
    fprintf(f, "<tr><th>%s</th><td>%s</td></tr>\n<tr><th>%s</th><td>", S[S_RANDOM],
            S[sc->design == MS_DESIGN_FACTORIAL ? S_DESIGN_FACTORIAL
              : sc->design == MS_DESIGN_MATCHED ? S_DESIGN_MATCHED
                                                : S_DESIGN_PARALLEL],
            S[S_VISITS]);
    for (size_t v = 0; v < sc->nvisits; v++)
        fprintf(f, "%s%g", v ? ", " : "", sc->visits[v]);
    fprintf(f, "</td></tr>\n<tr><th>%s</th><td><code>%s</code>; ", S[S_SCORE],
            obs_name(m, (size_t)sc->score));
    fprintf(f, S[S_RESPONSE_DEF], 100 * sc->response_frac);
    fputs("; ", f);
    fprintf(f, S[S_REMISSION_DEF], sc->remission_max);
    fputs("</td></tr>\n", f);
    fprintf(f, "<tr><th>%s</th><td>%ld / %ld", S[S_SCREENED], t->included, t->screened);
    for (size_t c = 0; c < sc->ncrit; c++) {
        fprintf(f, S[S_CRIT_REJECTED], sc->crit[c].name, sc->crit[c].min, sc->crit[c].max,
                t->rejected[c]);
    }
    fputs("</td></tr>\n</table>\n", f);

    fprintf(f, "<h2>%s</h2>\n", S[S_ARMS]);
    arms_section(&o, t);

    fprintf(f, "<h2>%s</h2>\n", S[S_FIGURES]);
    figure(&o, dir, "fig-score.svg", S[S_FIG_SCORE]);
    figure(&o, dir, "fig-rates.svg", S[S_FIG_RATES]);
    int capped = 0;
    for (size_t a = 0; a < sc->narms; a++)
        capped |= msi_results_arm(&t->res, 0, a)->s.n > MS_WATERFALL_MAX;
    char wcap[512];
    snprintf(wcap, sizeof wcap, capped ? "%s (\u2264 %d / arm)" : "%s", S[S_FIG_WATERFALL],
             MS_WATERFALL_MAX);
    figure(&o, dir, "fig-waterfall.svg", wcap);
    for (size_t k = 0; k < sc->nmarkers; k++) {
        char name[64], cap[256];
        snprintf(name, sizeof name, "fig-marker-%zu.svg", k + 1);
        snprintf(cap, sizeof cap, "%s: %s", obs_name(m, (size_t)sc->markers[k]), S[S_FIG_MARKER]);
        figure(&o, dir, name, cap);
    }

    fprintf(f, "<h2>%s</h2>\n", S[S_RESULTS]);
    stat_table(&o, t, 0);
    if (sc->design == MS_DESIGN_MATCHED)
        fprintf(f, "<p class=small>%s</p>\n", S[S_PAIRED_NOTE]);
    if (sc->nsub) {
        fprintf(f, "<h2>%s</h2>\n", S[S_SUBGROUPS]);
        for (size_t s = 0; s < sc->nsub; s++)
            for (int side = 0; side < 2; side++) {
                /* the complement is not the named subgroup: say so in its title */
                fputs("<h3>", f);
                if (side)
                    fputs(S[S_SUB_REST], f);
                else
                    esc(f, sc->sub[s].name);
                fprintf(f, " (<code>%s</code> %s %g %s)</h3>\n", sc->sub[s].var,
                        side ? "&le;" : "&gt;", sc->sub[s].threshold, S[S_AT_BASELINE]);
                stat_table(&o, t, 1 + 2 * s + (size_t)side);
            }
    }

    fprintf(f, "<h2>%s</h2>\n", S[S_SYNERGY]);
    if (t->res.syn.valid) {
        const msi_synergy *y = &t->res.syn;
        fprintf(f, "<table><tr><th>%s</th><th>%s</th></tr>\n", S[S_SYN_MEASURE], S[S_ESTIMATE]);
        fprintf(f, "<tr><td>%s</td><td>", S[S_INTERACTION]);
        ci(f, y->contrast, y->lo, y->hi, 1, 2, "");
        fprintf(f, "</td></tr>\n<tr><td>%s</td><td>", S[S_BLISS]);
        ci(f, y->bliss, y->bliss_lo, y->bliss_hi, 100, 1, " pp");
        fprintf(f, "</td></tr>\n<tr><td>%s</td><td>", S[S_HSA]);
        ci(f, y->hsa, y->hsa_lo, y->hsa_hi, 100, 1, " pp");
        fputs("</td></tr>\n</table>\n", f);
    } else {
        fprintf(f, "<p>%s</p>\n", S[S_NOT_FACTORIAL]);
    }

    comparisons_section(&o, t);

    fprintf(f, "<h2>%s</h2>\n<p>", S[S_POWER]);
    fprintf(f, S[S_N_POWER], 100 * sc->power_target, sc->alpha);
    fputs(":</p><ul>\n", f);
    for (size_t a = 0; a < sc->narms; a++) {
        if ((int)a == sc->control)
            continue;
        fputs("<li>", f);
        esc(f, msi_arm_label(sc, a, ja));
        fputs(" vs ", f);
        esc(f, msi_arm_label(sc, (size_t)sc->control, ja));
        fputs(": ", f);
        if (msi_results_arm(&t->res, 0, a)->s.n_for_power < 0)
            fprintf(f, "&gt; %ld", sc->power_max);
        else
            fprintf(f, "%ld", msi_results_arm(&t->res, 0, a)->s.n_for_power);
        fputs("</li>\n", f);
    }
    if (t->res.syn.valid) {
        fprintf(f, "<li>%s: ", ja ? "交互作用（相乗効果）" : "interaction (synergy)");
        if (t->res.syn.n_inter < 0)
            fprintf(f, "&gt; %ld", sc->power_max);
        else
            fprintf(f, "%ld", t->res.syn.n_inter);
        fputs("</li>\n", f);
    }
    fputs("</ul><p class=small>", f);
    fputs(ja ? "シミュレーションされた患者から各試験を再標本化し、400回の仮想試験で検出力を推定"
               "（Welchのt検定；交互作用は4群の対比のt検定）。"
             : "Power estimated from 400 simulated trials per size, each resampled from the "
               "simulated patients (Welch t-test; for the interaction, a t-test of the four-arm "
               "contrast).",
          f);
    int kept = 0;
    for (size_t a = 0; a < sc->narms; a++)
        kept |= msi_results_arm(&t->res, 0, a)->s.n > MS_KEEP_PER_ARM;
    if (kept)
        fprintf(f,
                ja ? "各群の最初の%d人から再標本化。"
                   : " Resampled from the first %d patients of each arm.",
                MS_KEEP_PER_ARM);
    fputs("</p>\n", f);

    fprintf(f, "<h2>%s</h2>\n", S[S_LEDGER]);
    ledger(&o, t);
    if (sens) { /* what the answers rest on: the analysis run with the trial */
        fprintf(f, "<h2 id=sensitivity>%s</h2>\n",
                ja ? "この答えが何に依っているか" : "What this answer rests on");
        if ((st = msi_sensitivity_sections(ctx, f, sens, dir, ja, 3, 1))) {
            msi_out_close(ctx, &of, 0);
            return st;
        }
    } else { /* where to find it */
        fputs(ja ? "<p class=small>これらの仮定のどれに答えが依り、それぞれが答えをどれだけ動かし"
                   "うるか: 試験に <code>--sensitivity oat</code> をつけて実行すると、この報告に"
                   "その節が加わります（<code>moodsim sensitivity</code>、docs/sensitivity.md）。"
                   "</p>\n"
                 : "<p class=small>Which of these hypotheses the answers rest on, and how far "
                   "each can move them: run the trial with <code>--sensitivity oat</code> and "
                   "this report gains that section (<code>moodsim sensitivity</code>, "
                   "docs/sensitivity.md).</p>\n",
              f);
    }

    fprintf(f, "<h2>%s</h2>\n", S[S_FAILURES]);
    if (t->res.n_failed == 0) {
        fprintf(f, "<p>%s</p>\n", S[S_NONE_FAILED]);
    } else {
        fprintf(f, "<p>%ld (failures.csv)</p>", t->res.n_failed);
        failure_list(f, sc, t);
    }
    /* the counterpart's failures: the same patients with the claims at the
     * other setting (the first reasons are kept in memory; no file) */
    const ms_trial *cpt = t->cp.trial;
    if (cpt && cpt->res.n_failed > 0) {
        fprintf(f, "<p>%s: %ld</p>", setting_name(S, t->cp.other), cpt->res.n_failed);
        failure_list(f, sc, cpt);
    }

    char plver[80] = "";
    plgver(plver);
    fprintf(f, "<h2>%s</h2>\n<p>%s</p><pre>", S[S_REPRO], S[S_COMMAND]);
    esc(f, command ? command : "");
    fprintf(f, "</pre>\n<p>%s: %s, rtol %g, atol %g; %s", S[S_SOLVER],
            sc->method == MS_METHOD_DIRK ? "ARKODE ARK5(4)8L[2]SA DIRK (method: dirk)"
                                         : "CVODE BDF (method: bdf)",
            sc->rtol, sc->atol, S[ms_model_native(sc->model) ? S_NATIVE : S_BYTECODE]);
    if (sc->batch > 1)
        fprintf(f, S[S_BATCH], sc->batch);
    fputs(".</p>\n", f);
    const ms_numerics_check *nc = &t->check;
    if (nc->n) {
        fputs("<p>", f);
        fprintf(f, S[S_NUMCHECK], nc->n, ms_method_name(nc->other), nc->score_diff, nc->rel_diff);
        if (nc->failed_one)
            fprintf(f, S[S_NUMFAILED], nc->failed_one);
        fputs("</p>\n", f);
        if (nc->disagree)
            fprintf(f, "<p class=warn>%s</p>\n", S[S_NUMWARN]);
    }
    fprintf(f, "<p>%s: moodsim %s, SUNDIALS %s, libSBML %s, libyaml %s, GSL %s, PLplot %s; ",
            S[S_VERSIONS], MS_VERSION, SUNDIALS_VERSION, getLibSBMLDottedVersion(),
            yaml_get_version_string(), GSL_VERSION, plver);
    fprintf(f, S[S_RUN_STATS], t->threads, t->seconds);
    fprintf(f, "</p>\n<p class=small>%s</p>\n", S[S_INPUTS]);
    fputs("</body></html>\n", f);
    if ((st = msi_out_close(ctx, &of, 1)))
        return st;
    return msi_ok(ctx);
}
