/*
 * test_trial.c — virtual cohorts and trials through the public API:
 *  - a patient's draw depends only on (seed, candidate): the same whatever
 *    else is drawn, and the distributions have the declared medians, means
 *    and correlation;
 *  - a 2x2 factorial on a model whose answer is known in closed form
 *    (H' = -(kA a + kB b + kAB a b) H): every arm's mean change and the
 *    interaction contrast match exp(-k T) to 1e-6 (matched design; rtol 1e-10);
 *  - in a matched design, each arm's paired difference from control is the
 *    closed form's mean change (the control does not change), and a patient
 *    whose integration fails in either arm has none;
 *  - the median week of first response and its interval are those the
 *    closed form gives (every patient of an arm responds at the same visit);
 *    the visit and durability accessors agree with the arm's summary; a
 *    run's seed option replaces the scenario's (the same seed, the same
 *    bits; another seed, other patients);
 *  - every row of MS_ARM_STAT_LIST names one summary.csv column per member;
 *  - patients whose integration fails are kept apart and the rest complete;
 *  - the per-patient loop of a trial (draw, protocol, simulation of the
 *    flagship model over the seeds' 26-week combined calendar) allocates
 *    nothing once its workspaces have grown;
 *  - a calibration plan carries a step's kept value, rounded to the plan's
 *    digits, into a later check, and nothing else; a model file's values
 *    are rewritten in place of the old ones and nothing else changes.
 */
#define _XOPEN_SOURCE 700 /* mkstemp, fdopen */
#include "moodsim.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static const char *dir;

static void path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_cohort(ms_context *ctx)
{
    char p[512];
    path(p, sizeof p, "toy_model.yaml");
    ms_model *m = NULL;
    CHECK(ms_model_load(ctx, p, &m) == MS_OK, "%s", ms_errmsg(ctx));
    if (!m)
        return;
    size_t np = ms_model_count(m, MS_PARAM);
    int crp = ms_model_find(m, MS_PARAM, "crp0"), w = ms_model_find(m, MS_PARAM, "weight_kg"),
        pm = ms_model_find(m, MS_PARAM, "p_max");
    CHECK(ms_model_body_weight(m) == w, "body weight parameter");
    CHECK(ms_model_variability_count(m) == 4, "4 varying parameters");
    enum { N = 4000 };
    double *all = malloc(N * np * sizeof *all), *c = malloc(N * sizeof *c);
    for (int k = 0; k < N; k++)
        CHECK(ms_cohort_draw(ctx, m, 99, (unsigned long long)k, all + k * np) == MS_OK, "draw");
    /* same key, same patient, whatever was drawn before */
    double again[64];
    ms_cohort_draw(ctx, m, 99, 1234, again);
    CHECK(memcmp(again, all + 1234 * np, np * sizeof *again) == 0, "patient 1234 reproducible");
    ms_cohort_draw(ctx, m, 100, 1234, again);
    CHECK(again[crp] != all[1234 * np + crp], "another seed, another patient");
    /* lognormal median 2 (truncated above at 40, which removes almost nothing) */
    for (int k = 0; k < N; k++)
        c[k] = all[k * np + crp];
    qsort(c, N, sizeof *c, cmp_double);
    CHECK(fabs(c[N / 2] - 2.0) < 0.12, "crp0 median %.3f, declared 2", c[N / 2]);
    CHECK(c[N - 1] <= 40, "truncation respected");
    /* uniform(0.2, 0.9): mean 0.55, all inside */
    double mu = 0, lo = 1, hi = 0;
    for (int k = 0; k < N; k++) {
        double v = all[k * np + pm];
        mu += v / N;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    CHECK(fabs(mu - 0.55) < 0.01 && lo >= 0.2 && hi <= 0.9, "uniform: mean %.3f in [%g, %g]", mu,
          lo, hi);
    /* Gaussian-copula correlation 0.3 between ln(crp0) and weight (Pearson on the
     * normal scores; SE about 0.015) */
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int k = 0; k < N; k++) {
        double x = log(all[k * np + crp]), y = all[k * np + w];
        sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    double r = (sxy - sx * sy / N) / sqrt((sxx - sx * sx / N) * (syy - sy * sy / N));
    CHECK(fabs(r - 0.3) < 0.06, "correlation %.3f, declared 0.3", r);
    free(all);
    free(c);
    ms_model_free(m);
}

/* Loads scenario `name` from the test directory and runs it on two threads.
 * NULL (with the failure recorded) when either step fails; otherwise the
 * caller frees the trial and *sc. */
static ms_trial *run_scenario(ms_context *ctx, const char *name, ms_scenario **sc, int check)
{
    char p[512];
    path(p, sizeof p, name);
    *sc = NULL;
    CHECK(ms_scenario_load(ctx, p, sc) == MS_OK, "%s", ms_errmsg(ctx));
    if (!*sc)
        return NULL;
    ms_trial_options opt = {.threads = 2, .check_records = check};
    ms_trial *t = NULL;
    CHECK(ms_trial_run(ctx, *sc, &opt, &t) == MS_OK, "%s", ms_errmsg(ctx));
    if (!t) {
        ms_scenario_free(*sc);
        *sc = NULL;
    }
    return t;
}

static void test_closed_form(ms_context *ctx)
{
    ms_scenario *sc;
    ms_trial *t = run_scenario(ctx, "closed_form_scenario.yaml", &sc, 8);
    if (!t)
        return;
    double T = 4 * 168.0, kA = 0.002, kB = 0.001, kAB = 0.0015;
    ms_arm_summary c, a, b, ab;
    ms_trial_arm_summary(t, 0, &c);
    ms_trial_arm_summary(t, 1, &a);
    ms_trial_arm_summary(t, 2, &b);
    ms_trial_arm_summary(t, 3, &ab);
    CHECK(c.n == 40 && a.n == 40 && b.n == 40 && ab.n == 40, "40 patients in every arm");
    CHECK(fabs(c.mean_change) < 1e-9, "control does not change: %g", c.mean_change);
    /* the mean baseline H0 from arm A: change = mean(H0) (exp(-kA T) - 1) */
    double h0 = a.mean_change / (exp(-kA * T) - 1);
    CHECK(close_rel(b.mean_change, h0 * (exp(-kB * T) - 1), 1e-6, 1e-9), "arm B %g vs %g",
          b.mean_change, h0 * (exp(-kB * T) - 1));
    CHECK(close_rel(ab.mean_change, h0 * (exp(-(kA + kB + kAB) * T) - 1), 1e-6, 1e-9), "arm AB %g",
          ab.mean_change);
    ms_synergy_summary y;
    ms_trial_synergy(t, &y);
    double exact = h0 * (exp(-(kA + kB + kAB) * T) - exp(-kB * T) - exp(-kA * T) + 1);
    CHECK(y.valid && close_rel(y.contrast, exact, 1e-6, 1e-9), "contrast %.8g vs exact %.8g",
          y.contrast, exact);
    CHECK(y.contrast_lo <= y.contrast && y.contrast <= y.contrast_hi, "CI contains estimate");
    /* matched: the paired difference from the (unchanging) control is the arm's change */
    CHECK(a.n_paired == 40 && close_rel(a.paired_diff, a.mean_change, 1e-9, 1e-12) &&
              a.paired_diff_lo < a.paired_diff && a.paired_diff < a.paired_diff_hi &&
              a.paired_p < 1e-6,
          "paired A vs control: n %ld, %g [%g, %g], p %g", a.n_paired, a.paired_diff,
          a.paired_diff_lo, a.paired_diff_hi, a.paired_p);
    CHECK(ab.n_paired == 40 && close_rel(ab.paired_diff, ab.mean_change, 1e-9, 1e-12),
          "paired AB vs control %g", ab.paired_diff);
    CHECK(c.n_paired == 0 && isnan(c.paired_diff), "the control has no paired difference");
    /* on the additive scale of the score, multiplicative effects that cannot take it below
     * zero are less than additive even with kAB > 0: the contrast is positive here */
    CHECK(exact > 0 && strcmp(y.verdict, "less than additive") == 0, "verdict %s", y.verdict);
    /* Bliss/HSA on response: every arm's response is all-or-none here */
    CHECK(isfinite(y.bliss) && isfinite(y.hsa), "Bliss and HSA computed");
    /* the numerical check: 8 patient-arms with BDF and DIRK, which agree on
     * these exponential decays far inside the warning thresholds */
    ms_numerics_check nc;
    ms_trial_numerics(t, &nc);
    CHECK(nc.n == 8 && nc.method == MS_METHOD_BDF && nc.other == MS_METHOD_DIRK, "checked %d",
          nc.n);
    CHECK(nc.score_diff > 0 && nc.score_diff < 1e-5 && nc.rel_diff < 1e-6 && !nc.disagree &&
              !nc.failed_one,
          "BDF and DIRK agree: score %.3g, relative %.3g", nc.score_diff, nc.rel_diff);
    /* time to first response: AB and A respond at weeks 2 and 4 (H0 e^-kT
     * below H0 / 2 first there), B never does within 4 weeks */
    CHECK(ab.time_to_response == 2 && ab.time_to_response_lo == 2 && ab.time_to_response_hi == 2,
          "AB responds at week 2: %g [%g, %g]", ab.time_to_response, ab.time_to_response_lo,
          ab.time_to_response_hi);
    CHECK(a.time_to_response == 4 && a.time_to_response_lo == 4 && a.time_to_response_hi == 4,
          "A responds at week 4: %g [%g, %g]", a.time_to_response, a.time_to_response_lo,
          a.time_to_response_hi);
    CHECK(isnan(b.time_to_response) && isnan(b.time_to_response_lo) && isnan(c.time_to_response),
          "B and the control never respond: %g", b.time_to_response);
    /* visits: the last visit is the end of follow-up */
    ms_visit_summary v0, v1, v2;
    CHECK(ms_trial_visit(t, 1, 0, &v0) == MS_OK && ms_trial_visit(t, 1, 1, &v1) == MS_OK &&
              ms_trial_visit(t, 1, 2, &v2) == MS_OK,
          "visit accessors");
    CHECK(v0.n == 40 && fabs(v0.change) < 1e-12 && close_rel(v0.score, a.baseline, 1e-12, 1e-12),
          "visit 0 is baseline: %g vs %g", v0.score, a.baseline);
    CHECK(close_rel(v2.change, a.mean_change, 1e-9, 1e-9) &&
              close_rel(v2.score, a.final, 1e-12, 1e-12),
          "the last visit's change %g, the arm's %g", v2.change, a.mean_change);
    CHECK(v1.response == 0 && v2.response == 1, "A: responders at weeks 2, 4: %g, %g", v1.response,
          v2.response);
    CHECK(ms_trial_sustained(t, 3, 1, 2) == 1 && isnan(ms_trial_sustained(t, 2, 1, 2)),
          "AB's week-2 responders still respond at week 4; B has none");
    CHECK(ms_trial_visit(t, 1, 3, &v0) == MS_ERR_ARG, "visit out of range refused");
    const double *chg = NULL;
    CHECK(ms_trial_arm_changes(t, 1, &chg) == 40 && chg, "40 kept changes");
    /* the run's seed: the scenario's gives the same bits, another seed other patients */
    unsigned long long same = ms_scenario_seed(sc), other = same + 1;
    ms_trial_options o1 = {.threads = 1, .seed = &same}, o2 = {.threads = 1, .seed = &other};
    ms_trial *t1 = NULL, *t2 = NULL;
    CHECK(ms_trial_run(ctx, sc, &o1, &t1) == MS_OK && ms_trial_run(ctx, sc, &o2, &t2) == MS_OK,
          "%s", ms_errmsg(ctx));
    if (t1 && t2) {
        ms_arm_summary a1, a2;
        ms_trial_arm_summary(t1, 1, &a1);
        ms_trial_arm_summary(t2, 1, &a2);
        CHECK(a1.mean_change == a.mean_change && a1.baseline == a.baseline,
              "seed option = the scenario's seed: the same result");
        CHECK(a2.baseline != a.baseline, "another seed: other patients (%g vs %g)", a2.baseline,
              a.baseline);
    }
    ms_trial_free(t1);
    ms_trial_free(t2);
    ms_trial_free(t);
    ms_scenario_free(sc);
}

/* Subgroups: the two sides of a subgroup split every arm's patients, and
 * group 0 is ms_trial_arm_summary. */
static void test_groups(ms_context *ctx)
{
    ms_scenario *sc;
    ms_trial *t = run_scenario(ctx, "toy_scenario.yaml", &sc, 0);
    if (!t)
        return;
    for (size_t a = 0; a < ms_scenario_arm_count(sc); a++) {
        ms_arm_summary all, g0, above, below;
        ms_trial_arm_summary(t, a, &all);
        CHECK(ms_trial_group_summary(t, 0, a, &g0) == MS_OK && g0.n == all.n &&
                  g0.mean_change == all.mean_change,
              "group 0 is the arm summary");
        CHECK(ms_trial_group_summary(t, 1, a, &above) == MS_OK &&
                  ms_trial_group_summary(t, 2, a, &below) == MS_OK && above.n + below.n == all.n &&
                  above.n > 0 && below.n > 0,
              "arm %zu: %ld above + %ld at most the threshold = %ld", a, above.n, below.n, all.n);
    }
    ms_arm_summary x;
    CHECK(ms_trial_group_summary(t, 3, 0, &x) == MS_ERR_ARG, "no group 3");
    ms_trial_free(t);
    ms_scenario_free(sc);
}

/* Every row of the per-arm statistics list is consistent: one summary.csv
 * column per member, members inside ms_arm_summary and distinct. */
static void test_stat_list(void)
{
    size_t n = ms_arm_stat_count();
    CHECK(n >= 10 && ms_arm_stat_get(n) == NULL, "%zu statistics", n);
    size_t seen[64] = {0}, nseen = 0;
    for (size_t i = 0; i < n; i++) {
        const ms_arm_stat *d = ms_arm_stat_get(i);
        size_t commas = 0;
        for (const char *c = d->csv; *c; c++)
            commas += *c == ',';
        if (d->outputs & MS_OUT_CSV)
            CHECK(*d->csv && commas + 1 == d->nparts, "%s: %zu members, csv '%s'", d->key,
                  d->nparts, d->csv);
        CHECK(strcmp(d->member[d->part[0] == MS_PART_COUNT && d->nparts > 1 ? 1 : 0], d->key) == 0,
              "%s: its estimate is the member of its name", d->key);
        for (size_t k = 0; k < d->nparts; k++) {
            CHECK(d->offset[k] < sizeof(ms_arm_summary), "%s.%s inside", d->key, d->member[k]);
            for (size_t j = 0; j < nseen; j++)
                CHECK(seen[j] != d->offset[k], "%s.%s overlaps another member", d->key,
                      d->member[k]);
            if (nseen < 64)
                seen[nseen++] = d->offset[k];
        }
    }
    ms_arm_summary s = {.n = 12, .mean_change_lo = -3.5, .n_paired = 0};
    CHECK(ms_arm_summary_value(&s, 0, 0) == 12 && ms_arm_summary_value(&s, 2, 2) == -3.5,
          "generic access");
    CHECK(isnan(ms_arm_summary_value(&s, n, 0)), "out of range: NAN");
}

/* Claims: kAB is a claim (as_claimed 0.0015, the model's value), so the run
 * is as-claimed and its counterpart has kAB = 0, whose contrast is known in
 * closed form; a model without claims has no counterpart. */
static void test_counterpart(ms_context *ctx)
{
    ms_scenario *sc;
    ms_trial *t = run_scenario(ctx, "closed_form_claims_scenario.yaml", &sc, 0);
    if (!t)
        return;
    ms_trial_options opt = {.threads = 2};
    CHECK(ms_trial_counterpart(t, NULL, NULL) == NULL, "no counterpart before it is run");
    CHECK(ms_trial_run_counterpart(ctx, t, &opt) == MS_OK, "%s", ms_errmsg(ctx));
    ms_claims_setting set = MS_CLAIMS_AS_SET, other = MS_CLAIMS_AS_SET;
    const ms_trial *c = ms_trial_counterpart(t, &set, &other);
    CHECK(c && set == MS_CLAIMS_AS_CLAIMED && other == MS_CLAIMS_NULL, "settings %d / %d", set,
          other);
    CHECK(ms_trial_run_counterpart(ctx, t, &opt) == MS_ERR_ARG, "a second counterpart is refused");
    if (c) {
        double T = 4 * 168.0, kA = 0.002, kB = 0.001;
        ms_arm_summary a, ab;
        ms_trial_arm_summary(c, 1, &a);
        ms_trial_arm_summary(c, 3, &ab);
        double h0 = a.mean_change / (exp(-kA * T) - 1);
        CHECK(close_rel(ab.mean_change, h0 * (exp(-(kA + kB) * T) - 1), 1e-6, 1e-9),
              "counterpart arm AB %g vs kAB = 0: %g", ab.mean_change,
              h0 * (exp(-(kA + kB) * T) - 1));
        ms_synergy_summary y, y0;
        ms_trial_synergy(c, &y0);
        ms_trial_synergy(t, &y);
        double exact0 = h0 * (exp(-(kA + kB) * T) - exp(-kB * T) - exp(-kA * T) + 1);
        CHECK(y0.valid && close_rel(y0.contrast, exact0, 1e-6, 1e-9), "contrast %.8g vs %.8g",
              y0.contrast, exact0);
        CHECK(y.valid && fabs(y.contrast - y0.contrast) > 1, "the claim changes the contrast");
        long s1, i1, f1, s0, i0, f0;
        ms_trial_counts(t, &s1, &i1, &f1);
        ms_trial_counts(c, &s0, &i0, &f0);
        CHECK(s1 == s0 && i1 == i0, "the same patients screened and included");
    }
    ms_trial_free(t);
    ms_scenario_free(sc);
    /* no claims: nothing run */
    t = run_scenario(ctx, "closed_form_scenario.yaml", &sc, 0);
    if (!t)
        return;
    CHECK(ms_trial_run_counterpart(ctx, t, &opt) == MS_OK && !ms_trial_counterpart(t, NULL, NULL) &&
              !ms_trial_counterpart_interrupted(t),
          "no counterpart without claims");
    ms_trial_free(t);
    ms_scenario_free(sc);
}

static void test_failures_kept_apart(ms_context *ctx)
{
    ms_scenario *sc;
    ms_trial *t = run_scenario(ctx, "failing_scenario.yaml", &sc, 0);
    if (!t)
        return;
    long scr, inc, failed;
    ms_trial_counts(t, &scr, &inc, &failed);
    ms_arm_summary s;
    ms_trial_arm_summary(t, 0, &s);
    CHECK(failed > 0 && failed < inc, "some patients fail (%ld of %ld)", failed, inc);
    CHECK(s.n + s.failed == inc, "the rest complete: %ld + %ld = %ld", s.n, s.failed, inc);
    CHECK(s.n_paired == 0 && isnan(s.paired_diff), "no pairing in a parallel design");
    ms_numerics_check nc;
    ms_trial_numerics(t, &nc);
    CHECK(nc.n == 0, "no numerical check unless asked for");
    ms_trial_free(t);
    ms_scenario_free(sc);
    /* matched: x' = k c x^2 blows up before the visit for c > 1/(k T); every
     * patient who survives untreated survives at half the rate, not the
     * reverse, so the pairs are exactly the untreated survivors */
    if (!(t = run_scenario(ctx, "failing_matched_scenario.yaml", &sc, 0)))
        return;
    ms_arm_summary u, h;
    ms_trial_arm_summary(t, 0, &u);
    ms_trial_arm_summary(t, 1, &h);
    CHECK(u.failed > 0 && h.n > u.n, "more fail untreated (%ld) than at half the rate (%ld)",
          u.failed, h.failed);
    CHECK(h.n_paired == u.n, "pairs: the %ld patients ok in both arms, got %ld", u.n, h.n_paired);
    CHECK(isfinite(h.paired_diff) && h.paired_diff_lo <= h.paired_diff &&
              h.paired_diff <= h.paired_diff_hi,
          "paired difference %g [%g, %g]", h.paired_diff, h.paired_diff_lo, h.paired_diff_hi);
    ms_trial_free(t);
    ms_scenario_free(sc);
}

static void test_no_allocation_per_patient(void)
{
    ms_allocator a = {t_realloc, t_free, NULL};
    ms_context *ctx;
    if (ms_context_new(&ctx, &a) != MS_OK)
        return;
    char mp[512], pp[512];
    path(mp, sizeof mp, "../../models/depression_inflammation.yaml");
    path(pp, sizeof pp, "../../protocols/tms_exosome_nmn.yaml");
    ms_model *m = NULL;
    ms_protocol *p = NULL;
    ms_events *ev = NULL;
    ms_sim *sim = NULL;
    int ok = ms_model_load(ctx, mp, &m) == MS_OK && ms_protocol_read(ctx, pp, &p) == MS_OK &&
             ms_events_new(ctx, m, &ev) == MS_OK && ms_sim_new(ctx, m, &sim) == MS_OK;
    CHECK(ok, "set-up: %s", ms_errmsg(ctx));
    double params[256], times[3] = {0, 42 * 24, 182 * 24}, out[3 * 64];
    size_t np = ms_model_count(m, MS_PARAM);
    long before = 0;
    for (unsigned long long k = 0; ok && k < 12; k++) {
        if (k == 4)
            before = t_allocs; /* workspaces have grown on the first patients */
        ms_patient pt = {5, k, 70, 1};
        ok = np <= 256 && ms_cohort_draw(ctx, m, 5, k, params) == MS_OK &&
             ms_sim_set_params(sim, params) == MS_OK &&
             ms_protocol_compile_into(ctx, p, &pt, ev) == MS_OK &&
             ms_sim_run(sim, ev, times, 3, out) == MS_OK;
    }
    CHECK(ok, "patients simulated: %s", ms_errmsg(ctx));
    CHECK(t_allocs == before, "%ld allocations in 8 patients after the first 4", t_allocs - before);
    ms_sim_free(sim);
    ms_events_free(ev);
    ms_protocol_free(p);
    ms_model_free(m);
    ms_context_free(ctx);
}

/* A calibration plan: a targets file loads as a one-step plan; a step's kept
 * value, rounded to the plan's digits, replaces the model file's in a later
 * check, and the accessors refuse out-of-range indices. */
static void test_calplan(ms_context *ctx)
{
    char targets[512], model[512], planf[] = "/tmp/moodsim_plan_XXXXXX";
    path(targets, sizeof targets, "../../calibration/crp_healthy.yaml");
    path(model, sizeof model, "../../models/depression_inflammation.yaml");
    ms_calplan *p = NULL;
    CHECK(ms_calplan_load(ctx, targets, &p) == MS_OK, "%s", ms_errmsg(ctx));
    int check = -1;
    const char *scen = "x";
    CHECK(p && ms_calplan_single(p) == 1 && ms_calplan_stage_count(p) == 1, "one step");
    CHECK(p && ms_calplan_stage(p, 0, &check, &scen) && check == 0 && scen == NULL, "a step");
    CHECK(ms_calplan_stage(p, 1, NULL, NULL) == NULL, "stage out of range");
    CHECK(ms_calplan_stage_keeps(p, 0) == -1, "a targets file keeps all it fits");
    CHECK(ms_calplan_write_model(ctx, p, "/tmp/never.yaml") == MS_ERR_ARG,
          "a targets file names no plan model to write");
    CHECK(ms_calplan_value_count(p) == 0 && !ms_calplan_value(p, 0, NULL, NULL, NULL),
          "nothing carried yet");
    ms_calplan_free(p);

    int fd = mkstemp(planf);
    CHECK(fd >= 0, "temporary plan");
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fprintf(f,
            "calibration: t\nmodel: %s\nsignificant_digits: 3\nsteps:\n"
            "  - {targets: %s, keep: [drive_sigma]}\nchecks:\n  - %s\n",
            model, targets, targets);
    fclose(f);
    p = NULL;
    CHECK(ms_calplan_load(ctx, planf, &p) == MS_OK, "%s", ms_errmsg(ctx));
    if (p) {
        CHECK(!ms_calplan_single(p) && ms_calplan_stage_count(p) == 2, "a step and a check");
        CHECK(ms_calplan_stage(p, 1, &check, NULL) && check == 1, "the check");
        CHECK(ms_calplan_stage_keeps(p, 0) == 1 && ms_calplan_stage_keeps(p, 1) == 0,
              "the step keeps one parameter; a check none");
        ms_calibration *c = NULL;
        CHECK(ms_calplan_run(ctx, p, 0, 0, NULL, NULL, &c) == MS_OK, "%s", ms_errmsg(ctx));
        ms_calibration_free(c);
        double v = 0, fv = 0;
        size_t st = 9;
        const char *name = ms_calplan_value(p, 0, &v, &fv, &st);
        CHECK(ms_calplan_value_count(p) == 1 && name && strcmp(name, "drive_sigma") == 0,
              "only the kept value is carried");
        CHECK(v == 0.992 && fv == 1.393 && st == 0,
              "carried %g (rounded to 3 digits), file %g, "
              "step %zu",
              v, fv, st);
        c = NULL;
        CHECK(ms_calplan_run(ctx, p, 1, 0, NULL, NULL, &c) == MS_OK, "%s", ms_errmsg(ctx));
        for (size_t i = 0; c && i < ms_calibration_param_count(c); i++) {
            double x;
            const char *n = ms_calibration_param(c, i, &x);
            if (strcmp(n, "drive_sigma") == 0)
                CHECK(x == 0.992, "the check sees the carried drive_sigma, got %g", x);
            else
                CHECK(x == 1.616, "the check sees the model file's drive_median, got %g", x);
        }
        CHECK(c && ms_calibration_end(c, NULL, NULL) == MS_FIT_NONE, "a check fits nothing");
        ms_calibration_free(c);
        CHECK(ms_calplan_run(ctx, p, 2, 0, NULL, NULL, &c) == MS_ERR_ARG, "run out of range");
        char written[64];
        snprintf(written, sizeof written, "%s.model.yaml", planf);
        CHECK(ms_calplan_write_model(ctx, p, written) == MS_OK, "%s", ms_errmsg(ctx));
        ms_model *wm = NULL;
        CHECK(ms_model_load(ctx, written, &wm) == MS_OK, "%s", ms_errmsg(ctx));
        ms_symbol sym = {0};
        CHECK(wm &&
                  ms_model_symbol(wm, MS_PARAM, (size_t)ms_model_find(wm, MS_PARAM, "drive_sigma"),
                                  &sym) == MS_OK &&
                  sym.value == 0.992,
              "the written model holds the carried value, got %g", sym.value);
        ms_model_free(wm);
        remove(written);
    }
    ms_calplan_free(p);
    remove(planf);
}

/* ms_model_write_values: the named values replaced, in flow and block style,
 * and nothing else in the file changed; bad requests refused. */
static void test_write_values(ms_context *ctx)
{
    static const char text[] =
        "model: t  # a comment stays\n"
        "states:\n  x: {unit: mg, initial: x0}\n"
        "parameters:\n"
        "  k:  {value: 0.3, unit: 1/h, hypothesis: \"flow style, caf\xc3\xa9\"}\n"
        "  x0:\n    value: 5\n    unit: mg\n    hypothesis: block style\n"
        "odes:\n  x: -k * x\n";
    char in[] = "/tmp/moodsim_wv_XXXXXX", out[64];
    int fd = mkstemp(in);
    CHECK(fd >= 0, "temporary model");
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    snprintf(out, sizeof out, "%s.out", in);
    const char *names[] = {"x0", "k"};
    double values[] = {7.25, 0.1 + 0.2};
    CHECK(ms_model_write_values(ctx, in, out, names, values, 2) == MS_OK, "%s", ms_errmsg(ctx));
    ms_model *m = NULL;
    CHECK(ms_model_load(ctx, out, &m) == MS_OK, "%s", ms_errmsg(ctx));
    if (m) {
        double k = NAN, x0 = NAN;
        ms_symbol sym;
        if (ms_model_symbol(m, MS_PARAM, (size_t)ms_model_find(m, MS_PARAM, "k"), &sym) == MS_OK)
            k = sym.value;
        if (ms_model_symbol(m, MS_PARAM, (size_t)ms_model_find(m, MS_PARAM, "x0"), &sym) == MS_OK)
            x0 = sym.value;
        CHECK(k == 0.1 + 0.2 && x0 == 7.25, "values read back exactly: k %.17g x0 %g", k, x0);
        ms_model_free(m);
    }
    char got[1024] = {0};
    f = fopen(out, "r");
    if (f) {
        size_t n = fread(got, 1, sizeof got - 1, f);
        got[n] = 0;
        fclose(f);
    }
    CHECK(strstr(got, "  k:  {value: 0.30000000000000004, unit: 1/h, hypothesis:") &&
              strstr(got, "    value: 7.25\n    unit: mg\n") &&
              strstr(got, "model: t  # a comment stays\n") &&
              strlen(got) == strlen(text) - 3 - 1 + 19 + 4,
          "only the values changed: %s", got);
    const char *bad[] = {"nope"};
    CHECK(ms_model_write_values(ctx, in, out, bad, values, 1) == MS_ERR_ARG &&
              strstr(ms_errmsg(ctx), "'nope' is not a parameter"),
          "an unknown name: %s", ms_errmsg(ctx));
    const char *twice[] = {"k", "k"};
    CHECK(ms_model_write_values(ctx, in, out, twice, values, 2) == MS_ERR_ARG, "a name twice");
    double inf[] = {INFINITY};
    CHECK(ms_model_write_values(ctx, in, out, names, inf, 1) == MS_ERR_ARG, "a non-finite value");
    remove(in);
    remove(out);
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : "tests/trial";
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 2;
    test_cohort(ctx);
    test_closed_form(ctx);
    test_stat_list();
    test_groups(ctx);
    test_counterpart(ctx);
    test_failures_kept_apart(ctx);
    test_no_allocation_per_patient();
    test_calplan(ctx);
    test_write_values(ctx);
    ms_context_free(ctx);
    return test_done("trial");
}
