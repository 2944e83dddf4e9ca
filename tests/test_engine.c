/*
 * test_engine.c — the engine's contracts beyond accuracy: a failing
 * integration keeps the rows before it and leaves the simulator usable
 * (strong failure guarantee); event tables refuse doses that do not fit
 * their input; overlapping pulses add and levels return exactly to their
 * default; allocation failure at every point of load, set-up and run is
 * reported, never a crash or a leak; status texts exist for every code;
 * a state's abs_tol: floor is read, refused when not positive, and loosens
 * only that state; patients in a batch (engine/batch.c) get their values
 * alone within the tolerance, and a batch refuses lanes it cannot run.
 */
#include "engine/batch.h"
#include "moodsim.h"
#include "testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;

static ms_model *load(ms_context *ctx, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ms_model *m = NULL;
    CHECK(ms_model_load(ctx, path, &m) == MS_OK, "load %s: %s", path, ms_errmsg(ctx));
    return m;
}

static void test_failure_keeps_rows(ms_context *ctx)
{
    ms_model *m = load(ctx, "blowup.yaml"); /* x = 1/(1-t): infinite at t = 1 */
    ms_sim *s;
    CHECK(ms_sim_new(ctx, m, &s) == MS_OK, "sim");
    ms_sim_set_max_steps(s, 5000);
    ms_sim_set_tolerances(s, 1e-10, 1e-12);
    enum { N = 21 };
    double times[N], out[N];
    for (int i = 0; i < N; i++)
        times[i] = 0.1 * i;
    ms_status st = ms_sim_run(s, NULL, times, N, out);
    CHECK(st == MS_ERR_SOLVER, "blow-up reported as a solver failure (got %d)", st);
    CHECK(strstr(ms_errmsg(ctx), "integration failed") != NULL, "message: %s", ms_errmsg(ctx));
    size_t rows = ms_sim_rows_done(s);
    CHECK(rows == 10, "rows before t = 1 h are kept: %zu", rows);
    for (size_t i = 0; i < rows; i++)
        CHECK(close_rel(out[i], 1 / (1 - times[i]), 1e-4, 1), "row %zu: %g", i, out[i]);
    /* the simulator is usable again, from a clean state */
    double t2[3] = {0, 0.25, 0.5}, o2[3];
    CHECK(ms_sim_run(s, NULL, t2, 3, o2) == MS_OK, "run after failure: %s", ms_errmsg(ctx));
    CHECK(close_rel(o2[2], 2.0, 1e-5, 1), "x(0.5) = 2 after a failed run: %g", o2[2]);
    ms_sim_free(s);
    ms_model_free(m);
}

static void test_events(ms_context *ctx)
{
    ms_model *m = load(ctx, "one_compartment.yaml");
    ms_model *other = load(ctx, "decay.yaml");
    int dose = ms_model_find(m, MS_INPUT, "dose"), R = ms_model_find(m, MS_INPUT, "R");
    ms_events *ev;
    CHECK(ms_events_new(ctx, m, &ev) == MS_OK, "events");
    CHECK(ms_events_bolus(ev, -1, dose, 1) == MS_ERR_ARG, "negative time refused");
    CHECK(ms_events_bolus(ev, 0, R, 1) == MS_ERR_ARG, "bolus on a rate input refused");
    CHECK(strstr(ms_errmsg(ctx), "rate input") != NULL, "says why: %s", ms_errmsg(ctx));
    CHECK(ms_events_pulse(ev, 0, dose, 1, 1) == MS_ERR_ARG, "pulse on a bolus input refused");
    CHECK(ms_events_infusion(ev, 0, R, 1, 0) == MS_ERR_ARG, "zero-length infusion refused");
    CHECK(ms_events_bolus(ev, 0, 99, 1) == MS_ERR_ARG, "unknown input refused");
    CHECK(ms_events_bolus(ev, NAN, dose, 1) == MS_ERR_ARG, "NaN time refused");
    CHECK(ms_events_bolus(ev, 0, dose, INFINITY) == MS_ERR_ARG, "infinite amount refused");
    CHECK(ms_events_count(ev) == 0, "nothing added by refused calls");

    /* overlapping pulses add; the level returns exactly to its default */
    CHECK(ms_events_pulse(ev, 1, R, 0.1, 2) == MS_OK, "pulse");
    CHECK(ms_events_pulse(ev, 2, R, 0.2, 2) == MS_OK, "pulse");
    ms_sim *s;
    CHECK(ms_sim_new(ctx, m, &s) == MS_OK, "sim");
    ms_sim_set_tolerances(s, 1e-10, 1e-12);
    double times[] = {0, 1, 2, 3, 4, 10}, out[12];
    CHECK(ms_sim_run(s, ev, times, 6, out) == MS_OK, "%s", ms_errmsg(ctx));
    /* A' = R - k A: by superposition A(t) = sum of (r/k)(1 - e^{-k (t - t0)}) ... */
    double k = 2.5 / 20;
    double a4 = 0.1 / k * (1 - exp(-k * 2)) * exp(-k * 1) + 0.2 / k * (1 - exp(-k * 2));
    CHECK(close_rel(out[2 * 4], a4, 1e-7, 1e-9), "overlap adds: A(4) %g vs %g", out[8], a4);
    CHECK(close_rel(out[2 * 5], a4 * exp(-k * 6), 1e-7, 1e-9), "level back to 0 after pulses");
    ms_sim_stats st;
    ms_sim_stats_get(s, &st);
    CHECK(st.restarts == 5, "starts at 0, stops at 1, 2, 3, 4 h: %ld", st.restarts);

    /* a table made for another model is refused */
    ms_sim *s2;
    CHECK(ms_sim_new(ctx, other, &s2) == MS_OK, "sim2");
    CHECK(ms_sim_run(s2, ev, times, 6, out) == MS_ERR_ARG, "events of another model refused");
    double bad[] = {0, 2, 1};
    CHECK(ms_sim_run(s2, NULL, bad, 3, out) == MS_ERR_ARG, "decreasing times refused");
    CHECK(ms_sim_set_param(s2, 99, 1) == MS_ERR_ARG, "parameter index checked");
    CHECK(ms_sim_set_param(s2, 0, NAN) == MS_ERR_ARG, "NaN parameter refused");
    CHECK(ms_sim_set_tolerances(s2, 0, 1e-9) == MS_ERR_ARG, "zero rtol refused");
    ms_sim_free(s2);
    ms_sim_free(s);
    ms_events_free(ev);
    ms_model_free(other);
    ms_model_free(m);
}

static void test_strings(ms_context *ctx)
{
    static const char text[] = "model: inline\nstates:\n  x: {unit: mg, initial: 1}\n"
                               "odes:\n  x: -y\n";
    ms_model *m = NULL;
    CHECK(ms_model_load_string(ctx, "inline.yaml", text, sizeof text - 1, &m) == MS_ERR_MODEL,
          "unknown symbol in a string model");
    CHECK(m == NULL, "no model on failure");
    CHECK(strncmp(ms_errmsg(ctx), "inline.yaml:5:7: ", 17) == 0, "named: %s", ms_errmsg(ctx));
    CHECK(ms_errcode(ctx) == MS_ERR_MODEL, "errcode kept");
#define X_CHECK_TEXT(name, value, text) CHECK(strcmp(ms_strerror(name), text) == 0, #name);
    MS_STATUS_LIST(X_CHECK_TEXT)
#undef X_CHECK_TEXT
    CHECK(strcmp(ms_strerror((ms_status)-999), "unknown status code") == 0, "unknown code");
    CHECK(strcmp(ms_version(), MS_VERSION) == 0, "version");
    /* free functions accept NULL */
    ms_model_free(NULL);
    ms_sim_free(NULL);
    ms_events_free(NULL);
    ms_context_free(NULL);
    t_pass++;
}

/* A fast plasma compartment P (3-min half-life) feeding a slow effect E:
 * E(t) = a P0 (e^(-kt) - e^(-bt)) / (b - k).  With abs_tol: on P the solver
 * takes fewer steps and E stays accurate; a non-positive floor is refused
 * with its line and column. */
static const char *fast_slow(char *buf, size_t n, const char *floor)
{
    snprintf(buf, n,
             "model: fast_slow\nstates:\n"
             "  P: {unit: mg, initial: 1000%s}\n"
             "  E: {unit: \"1\", initial: 0}\n"
             "parameters:\n"
             "  k: {value: 13.862943611198906, unit: 1/h, hypothesis: test}\n"
             "  a: {value: 0.01, unit: 1/(mg*h), hypothesis: test}\n"
             "  b: {value: 0.028881132523331, unit: 1/h, hypothesis: test}\n"
             "odes:\n  P: -k * P\n  E: a * P - b * E\n",
             floor);
    return buf;
}

static long run_fast_slow(ms_context *ctx, const char *floor, double *e_err)
{
    char text[1024];
    fast_slow(text, sizeof text, floor);
    ms_model *m = NULL;
    CHECK(ms_model_load_string(ctx, "fast_slow.yaml", text, strlen(text), &m) == MS_OK, "load: %s",
          ms_errmsg(ctx));
    if (!m)
        return -1;
    ms_sim *s;
    CHECK(ms_sim_new(ctx, m, &s) == MS_OK, "sim");
    enum { N = 49 };
    double times[N], out[2 * N];
    for (int i = 0; i < N; i++)
        times[i] = 0.5 * i;
    CHECK(ms_sim_run(s, NULL, times, N, out) == MS_OK, "run: %s", ms_errmsg(ctx));
    double k = 13.862943611198906, a = 0.01, b = 0.028881132523331, worst = 0;
    for (int i = 1; i < N; i++) {
        double e = a * 1000 * (exp(-k * times[i]) - exp(-b * times[i])) / (b - k);
        worst = fmax(worst, fabs(out[2 * i + 1] - e) / e);
    }
    *e_err = worst;
    ms_sim_stats st;
    ms_sim_stats_get(s, &st);
    ms_sim_free(s);
    ms_model_free(m);
    return st.steps;
}

static void test_abs_tol(ms_context *ctx)
{
    double err0, err1;
    long n0 = run_fast_slow(ctx, "", &err0), n1 = run_fast_slow(ctx, ", abs_tol: 0.01", &err1);
    CHECK(err0 < 1e-5, "E without a floor: relative error %g", err0);
    CHECK(err1 < 1e-5, "E with a floor on P: relative error %g", err1);
    CHECK(n1 < n0, "a floor on the fast state saves steps: %ld vs %ld", n1, n0);

    char text[1024];
    ms_model *m = NULL;
    fast_slow(text, sizeof text, ", abs_tol: 0.01");
    CHECK(ms_model_load_string(ctx, "fast_slow.yaml", text, strlen(text), &m) == MS_OK, "load");
    ms_symbol sym;
    CHECK(m && ms_model_symbol(m, MS_STATE, 0, &sym) == MS_OK && sym.abs_tol == 0.01,
          "abs_tol reported");
    CHECK(m && ms_model_symbol(m, MS_STATE, 1, &sym) == MS_OK && sym.abs_tol == 0, "no abs_tol: 0");
    ms_model_free(m);
    static const char *const bad[] = {", abs_tol: 0", ", abs_tol: -1", ", abs_tol: tiny"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        m = NULL;
        fast_slow(text, sizeof text, bad[i]);
        CHECK(ms_model_load_string(ctx, "fast_slow.yaml", text, strlen(text), &m) == MS_ERR_MODEL,
              "refused: %s", bad[i]);
        CHECK(strncmp(ms_errmsg(ctx), "fast_slow.yaml:3:", 17) == 0 &&
                  strstr(ms_errmsg(ctx), "abs_tol") != NULL,
              "named: %s", ms_errmsg(ctx));
        ms_model_free(m);
    }
    printf("  abs_tol: %ld steps without, %ld with (E error %.1e, %.1e)\n", n0, n1, err0, err1);
}

/* ---- allocation failure injection ---- */

static void test_alloc_failures(void)
{
    ms_allocator a = {t_realloc, t_free, NULL};
    char path[512], proto[512];
    snprintf(path, sizeof path, "%s/one_compartment.yaml", dir);
    snprintf(proto, sizeof proto, "%s/../protocols/one_compartment_doses.yaml", dir);
    int succeeded = 0, failures = 0;
    for (long budget = 1; budget < 20000 && !succeeded; budget++) {
        t_alloc_budget = -1;
        ms_context *ctx;
        if (ms_context_new(&ctx, &a) != MS_OK)
            continue;
        t_alloc_budget = budget;
        ms_model *m = NULL;
        ms_events *ev = NULL;
        ms_sim *s = NULL;
        double times[] = {0, 6, 12, 24}, out[8];
        ms_status st = ms_model_load(ctx, path, &m);
        if (!st)
            st = ms_protocol_load(ctx, m, proto, NULL, &ev);
        if (!st)
            st = ms_sim_new(ctx, m, &s);
        if (!st)
            st = ms_sim_run(s, ev, times, 4, out);
        if (st == MS_OK)
            succeeded = 1;
        else {
            failures++;
            if (st != MS_ERR_NOMEM)
                CHECK(st == MS_ERR_NOMEM, "budget %ld: expected out of memory, got %d: %s", budget,
                      st, ms_errmsg(ctx));
        }
        ms_sim_free(s);
        ms_events_free(ev);
        ms_model_free(m);
        t_alloc_budget = -1;
        ms_context_free(ctx);
    }
    CHECK(succeeded, "a large enough budget succeeds");
    CHECK(failures > 20, "failure injected at %d points", failures);
    printf("allocation failure injected at %d points, each reported as out of memory\n", failures);
}

/* Five patients with their own clearance through one calendar of pulses and
 * doses, integrated as one system, against each alone; then the lanes a
 * batch must refuse. */
static void test_batch(ms_context *ctx)
{
    ms_model *m = load(ctx, "one_compartment.yaml");
    ms_model *blow = load(ctx, "blowup.yaml");
    int dose = ms_model_find(m, MS_INPUT, "dose"), R = ms_model_find(m, MS_INPUT, "R");
    int CL = ms_model_find(m, MS_PARAM, "CL");
    enum { L = 5, T = 6 };
    double times[T] = {0, 1, 2.5, 4, 12, 48};
    size_t nout;
    ms_sim *lane[L];
    ms_events *ev[L];
    const ms_events *evc[L];
    double buf[L][T * 8], alone[T * 8], *out[L];
    msi_batch *b = NULL;
    CHECK(msi_batch_new(ctx, m, &b) == MS_OK, "batch: %s", ms_errmsg(ctx));
    for (int l = 0; l < L; l++) {
        CHECK(ms_sim_new(ctx, m, &lane[l]) == MS_OK && ms_events_new(ctx, m, &ev[l]) == MS_OK,
              "lane %d", l);
        ms_sim_set_tolerances(lane[l], 1e-9, 1e-12);
        ms_sim_set_param(lane[l], (size_t)CL, 0.5 + 1.5 * l); /* k from 0.025 to 0.325 /h */
        ms_events_bolus(ev[l], 0.5, dose, 100.0 + 10 * l);    /* amounts may differ */
        ms_events_pulse(ev[l], 1, R, 5, 3);
        ms_events_bolus(ev[l], 24, dose, 50);
        evc[l] = ev[l];
        out[l] = buf[l];
    }
    nout = ms_sim_output_count(lane[0]);
    CHECK(nout <= 8, "outputs fit the test's buffers (%zu)", nout);
    CHECK(msi_batch_run(b, lane, evc, L, times, T, out) == MS_OK, "batch runs: %s", ms_errmsg(ctx));
    ms_sim_stats bs;
    ms_sim_stats_get(lane[2], &bs);
    CHECK(ms_sim_rows_done(lane[2]) == T && bs.restarts == 5 && bs.steps > 0,
          "a lane has its rows and the batch's counters (%zu rows, %ld restarts)",
          ms_sim_rows_done(lane[2]), bs.restarts);
    double worst = 0;
    for (int l = 0; l < L; l++) {
        CHECK(ms_sim_run(lane[l], ev[l], times, T, alone) == MS_OK, "alone %d", l);
        for (size_t j = 0; j < T * nout; j++) {
            double d = fabs(buf[l][j] - alone[j]) / fmax(fabs(alone[j]), 1e-3);
            worst = d > worst ? d : worst;
        }
    }
    CHECK(worst < 1e-6, "each lane as alone within the tolerance (worst relative %.2g)", worst);
    /* closed form for lane 0 after its doses: A(48) from the 24 h dose and before */
    double k0 = 0.5 / 20;
    double a24 = 100 * exp(-k0 * 23.5) + 5 / k0 * (1 - exp(-k0 * 3)) * exp(-k0 * 20);
    double a48 = (a24 + 50) * exp(-k0 * 24);
    CHECK(close_rel(buf[0][5 * nout], a48, 1e-6, 1e-9), "lane 0 A(48 h) %.9g vs %.9g",
          buf[0][5 * nout], a48);

    /* the same calendar with one run fewer lanes: the solver is rebuilt */
    CHECK(msi_batch_run(b, lane, evc, 3, times, T, out) == MS_OK, "three lanes: %s",
          ms_errmsg(ctx));
    /* another calendar */
    ms_events_bolus(ev[3], 30, dose, 1);
    CHECK(msi_batch_run(b, lane, evc, L, times, T, out) == MS_ERR_SOLVER &&
              strstr(ms_errmsg(ctx), "another calendar"),
          "a lane with another calendar refused: %s", ms_errmsg(ctx));
    /* another tolerance */
    ms_events_free(ev[3]);
    ms_events_new(ctx, m, &ev[3]);
    evc[3] = ev[3];
    ms_events_bolus(ev[3], 0.5, dose, 100);
    ms_events_pulse(ev[3], 1, R, 5, 3);
    ms_events_bolus(ev[3], 24, dose, 50);
    ms_sim_set_tolerances(lane[4], 1e-6, 1e-12);
    CHECK(msi_batch_run(b, lane, evc, L, times, T, out) == MS_ERR_SOLVER,
          "a lane with another tolerance refused");
    ms_sim_set_tolerances(lane[4], 1e-9, 1e-12);
    CHECK(msi_batch_run(b, lane, evc, L, times, T, out) == MS_OK, "the same calendar again");
    /* a protocol with decision rules stops each patient at its own times */
    char proto[512];
    snprintf(proto, sizeof proto, "%s/../protocols/redose_when_low.yaml", dir);
    ms_events *rules = NULL;
    CHECK(ms_protocol_load(ctx, m, proto, NULL, &rules) == MS_OK, "rules: %s", ms_errmsg(ctx));
    evc[1] = rules;
    CHECK(msi_batch_run(b, lane, evc, L, times, T, out) == MS_ERR_SOLVER,
          "a lane with decision rules refused");
    evc[1] = ev[1];
    ms_events_free(rules);
    for (int l = 0; l < L; l++) {
        ms_sim_free(lane[l]);
        ms_events_free(ev[l]);
    }
    msi_batch_free(b);

    /* a lane that cannot be integrated fails the batch, not the process */
    ms_sim *bl[2];
    const ms_events *none[2] = {NULL, NULL};
    double bo[2][4], *bout[2] = {bo[0], bo[1]}, bt[4] = {0, 0.5, 1.5, 2};
    CHECK(msi_batch_new(ctx, blow, &b) == MS_OK, "batch of blow-ups");
    for (int l = 0; l < 2; l++) {
        ms_sim_new(ctx, blow, &bl[l]);
        ms_sim_set_max_steps(bl[l], 5000);
    }
    CHECK(msi_batch_run(b, bl, none, 2, bt, 4, bout) == MS_ERR_SOLVER &&
              strstr(ms_errmsg(ctx), "batch integration failed"),
          "a blow-up fails the batch: %s", ms_errmsg(ctx));
    for (int l = 0; l < 2; l++)
        ms_sim_free(bl[l]);
    msi_batch_free(b);
    ms_model_free(blow);
    ms_model_free(m);
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : "tests/models";
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 2;
    test_failure_keeps_rows(ctx);
    test_events(ctx);
    test_strings(ctx);
    test_abs_tol(ctx);
    test_batch(ctx);
    ms_context_free(ctx);
    test_alloc_failures();
    return test_done("engine");
}
