/*
 * test_analytic.c — the engine against closed-form solutions, to a relative
 * error of 1e-6 at every output time: first-order decay, one-compartment
 * bolus (repeated) and zero-order infusion, two-compartment PK with repeated
 * infusions (exact propagation by the 2x2 matrix exponential), and logistic
 * growth.  Solver tolerances: rtol 1e-10, atol 1e-12.  Also checks that the
 * solver stops exactly at every dose boundary (restart counts).  Every test
 * runs with both integration methods (BDF and DIRK); switching methods back
 * and forth leaves a simulator that reproduces its first run bit for bit.
 */
#include "moodsim.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define REL 1e-6
#define FLOOR 1e-6 /* below this magnitude the error is taken as absolute */

static const char *dir;
static ms_method method; /* the integration method of this round */

static ms_model *load(ms_context *ctx, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ms_model *m = NULL;
    ms_status st = ms_model_load(ctx, path, &m);
    CHECK(st == MS_OK, "load %s: %s", path, ms_errmsg(ctx));
    return m;
}

static ms_sim *sim_for(ms_context *ctx, ms_model *m)
{
    ms_sim *s = NULL;
    CHECK(ms_sim_new(ctx, m, &s) == MS_OK, "sim: %s", ms_errmsg(ctx));
    CHECK(ms_sim_set_tolerances(s, 1e-10, 1e-12) == MS_OK, "tol");
    CHECK(ms_sim_set_method(s, method) == MS_OK, "method %s: %s", ms_method_name(method),
          ms_errmsg(ctx));
    CHECK(ms_sim_method(s) == method, "method set");
    return s;
}

static double param(ms_model *m, const char *name)
{
    ms_symbol s;
    ms_model_symbol(m, MS_PARAM, (size_t)ms_model_find(m, MS_PARAM, name), &s);
    return s.value;
}

static void test_decay(ms_context *ctx)
{
    ms_model *m = load(ctx, "decay.yaml");
    ms_sim *s = sim_for(ctx, m);
    double k = param(m, "k"), x0 = param(m, "x0");
    enum { N = 50 };
    double times[N], out[N];
    for (int i = 0; i < N; i++)
        times[i] = i * 0.5;
    CHECK(ms_sim_run(s, NULL, times, N, out) == MS_OK, "%s", ms_errmsg(ctx));
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double exact = x0 * exp(-k * times[i]);
        double e = fabs(out[i] - exact) / fmax(exact, FLOOR);
        worst = fmax(worst, e);
    }
    CHECK(worst <= REL, "decay: worst relative error %.3g", worst);
    ms_sim_stats st;
    ms_sim_stats_get(s, &st);
    CHECK(st.restarts == 1, "no events: one start, got %ld restarts", st.restarts);
    CHECK(st.jac_evals > 0, "the exact Jacobian was used");
    ms_sim_free(s);
    ms_model_free(m);
}

static void test_one_compartment(ms_context *ctx)
{
    ms_model *m = load(ctx, "one_compartment.yaml");
    ms_sim *s = sim_for(ctx, m);
    double k = param(m, "CL") / param(m, "V"), V = param(m, "V");
    int dose = ms_model_find(m, MS_INPUT, "dose"), R = ms_model_find(m, MS_INPUT, "R");
    ms_events *ev;
    CHECK(ms_events_new(ctx, m, &ev) == MS_OK, "events");
    /* bolus 100 mg at 0 and 12 h; infusion 60 mg over 3 h starting at 30 h */
    CHECK(ms_events_bolus(ev, 0, dose, 100) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_events_bolus(ev, 12, dose, 100) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_events_infusion(ev, 30, R, 60, 3) == MS_OK, "%s", ms_errmsg(ctx));
    enum { N = 121 };
    double times[N], out[2 * N];
    for (int i = 0; i < N; i++)
        times[i] = i * 0.5; /* hits 0, 12, 30 and 33 exactly */
    CHECK(ms_sim_run(s, ev, times, N, out) == MS_OK, "%s", ms_errmsg(ctx));
    double worst = 0, Rate = 60.0 / 3.0;
    for (int i = 0; i < N; i++) {
        double t = times[i], a = 100 * exp(-k * t);
        if (t >= 12)
            a += 100 * exp(-k * (t - 12));
        if (t >= 30 && t < 33)
            a += Rate / k * (1 - exp(-k * (t - 30)));
        else if (t >= 33)
            a += Rate / k * (1 - exp(-k * 3)) * exp(-k * (t - 33));
        double e1 = fabs(out[2 * i] - a) / fmax(a, FLOOR);
        double e2 = fabs(out[2 * i + 1] - a / V) / fmax(a / V, FLOOR);
        worst = fmax(worst, fmax(e1, e2));
    }
    CHECK(worst <= REL, "one compartment: worst relative error %.3g", worst);
    /* right-continuity: at t = 12 the value includes the second bolus */
    CHECK(close_rel(out[2 * 24], 100 * exp(-k * 12) + 100, 1e-8, 1), "after-dose value at 12 h");
    ms_sim_stats st;
    ms_sim_stats_get(s, &st);
    CHECK(st.restarts == 4, "stops at 0, 12, 30, 33 h: %ld restarts", st.restarts);
    ms_events_free(ev);
    ms_sim_free(s);
    ms_model_free(m);
}

/* x(t+h) = e^{Mh} x + M^{-1}(e^{Mh} - I) r for x' = M x + r, M 2x2 with real
 * distinct eigenvalues (true for these micro-constants). */
static void propagate(const double M[4], const double x[2], const double r[2], double h,
                      double outx[2])
{
    double tr = M[0] + M[3], det = M[0] * M[3] - M[1] * M[2];
    double disc = sqrt(tr * tr / 4 - det);
    double l1 = tr / 2 + disc, l2 = tr / 2 - disc;
    /* Sylvester: e^{Mh} = (e^{l1 h}(M - l2 I) - e^{l2 h}(M - l1 I)) / (l1 - l2) */
    double e1 = exp(l1 * h), e2 = exp(l2 * h), E[4];
    for (int i = 0; i < 4; i++) {
        double I = (i == 0 || i == 3);
        E[i] = (e1 * (M[i] - l2 * I) - e2 * (M[i] - l1 * I)) / (l1 - l2);
    }
    double Ex[2] = {E[0] * x[0] + E[1] * x[1], E[2] * x[0] + E[3] * x[1]};
    double Br[2] = {(E[0] - 1) * r[0] + E[1] * r[1], E[2] * r[0] + (E[3] - 1) * r[1]};
    double inv[4] = {M[3] / det, -M[1] / det, -M[2] / det, M[0] / det};
    outx[0] = Ex[0] + inv[0] * Br[0] + inv[1] * Br[1];
    outx[1] = Ex[1] + inv[2] * Br[0] + inv[3] * Br[1];
}

static void test_two_compartment(ms_context *ctx)
{
    ms_model *m = load(ctx, "two_compartment.yaml");
    ms_sim *s = sim_for(ctx, m);
    double k10 = param(m, "k10"), k12 = param(m, "k12"), k21 = param(m, "k21");
    double M[4] = {-(k10 + k12), k21, k12, -k21};
    int R = ms_model_find(m, MS_INPUT, "R");
    ms_events *ev;
    CHECK(ms_events_new(ctx, m, &ev) == MS_OK, "events");
    /* 8 infusions of 50 mg over 1.5 h every 12 h */
    for (int d = 0; d < 8; d++)
        CHECK(ms_events_infusion(ev, 12.0 * d, R, 50, 1.5) == MS_OK, "%s", ms_errmsg(ctx));
    enum { N = 481 };
    double times[N], out[3 * N];
    for (int i = 0; i < N; i++)
        times[i] = i * 0.25;
    CHECK(ms_sim_run(s, ev, times, N, out) == MS_OK, "%s", ms_errmsg(ctx));
    /* exact: propagate piece by piece between dose boundaries and output times */
    double x[2] = {0, 0}, t = 0, worst = 0;
    for (int i = 0; i < N; i++) {
        while (t < times[i]) {
            double phase = fmod(t, 12.0);
            int dosing = t < 96 && phase < 1.5 - 1e-12;
            double next = dosing ? t - phase + 1.5 : t - phase + 12.0;
            if (next > times[i])
                next = times[i];
            double r[2] = {dosing ? 50 / 1.5 : 0, 0}, nx[2];
            propagate(M, x, r, next - t, nx);
            x[0] = nx[0];
            x[1] = nx[1];
            t = next;
        }
        for (int j = 0; j < 2; j++)
            worst = fmax(worst, fabs(out[3 * i + j] - x[j]) / fmax(fabs(x[j]), FLOOR));
    }
    CHECK(worst <= REL, "two compartment: worst relative error %.3g", worst);
    ms_sim_stats st;
    ms_sim_stats_get(s, &st);
    CHECK(st.restarts == 16, "stops at each infusion start and end: %ld restarts", st.restarts);
    ms_events_free(ev);
    ms_sim_free(s);
    ms_model_free(m);
}

static void test_logistic(ms_context *ctx)
{
    ms_model *m = load(ctx, "logistic.yaml");
    ms_sim *s = sim_for(ctx, m);
    double r = param(m, "r"), K = param(m, "K"), N0 = param(m, "N0");
    enum { N = 200 };
    double times[N], out[N];
    for (int i = 0; i < N; i++)
        times[i] = i * 1.0;
    CHECK(ms_sim_run(s, NULL, times, N, out) == MS_OK, "%s", ms_errmsg(ctx));
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double e = exp(r * times[i]);
        double exact = K * N0 * e / (K + N0 * (e - 1));
        worst = fmax(worst, fabs(out[i] - exact) / exact);
    }
    CHECK(worst <= REL, "logistic: worst relative error %.3g", worst);
    /* a parameter change takes effect on the next run, the model is reused */
    CHECK(ms_sim_set_param(s, (size_t)ms_model_find(m, MS_PARAM, "N0"), 10.0) == MS_OK, "set");
    CHECK(ms_sim_run(s, NULL, times, N, out) == MS_OK, "%s", ms_errmsg(ctx));
    double e = exp(r * times[N - 1]);
    CHECK(close_rel(out[N - 1], K * 10 * e / (K + 10 * (e - 1)), REL, 1), "after set_param");
    ms_sim_free(s);
    ms_model_free(m);
}

/* A simulator whose method went BDF -> DIRK -> BDF reproduces its first BDF
 * run exactly (the integrator is rebuilt with the same settings); an
 * unknown method is refused and leaves the simulator as it was. */
static void test_method_switch(ms_context *ctx)
{
    ms_model *m = load(ctx, "one_compartment.yaml");
    method = MS_METHOD_BDF;
    ms_sim *s = sim_for(ctx, m);
    int dose = ms_model_find(m, MS_INPUT, "dose");
    ms_events *ev;
    CHECK(ms_events_new(ctx, m, &ev) == MS_OK, "events");
    CHECK(ms_events_bolus(ev, 0, dose, 100) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_events_bolus(ev, 5, dose, 50) == MS_OK, "%s", ms_errmsg(ctx));
    double times[] = {1, 2.5, 7, 24}, a[8], b[8], c[8];
    CHECK(ms_sim_run(s, ev, times, 4, a) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_sim_set_method(s, MS_METHOD_DIRK) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_sim_run(s, ev, times, 4, b) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(memcmp(a, b, sizeof a) != 0,
          "DIRK is a different integrator (results differ in the last bits)");
    for (int i = 0; i < 8; i++)
        CHECK(close_rel(a[i], b[i], 1e-7, 1e-9), "BDF and DIRK agree: %.17g vs %.17g", a[i], b[i]);
    CHECK(ms_sim_set_method(s, MS_METHOD_BDF) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_sim_set_method(s, (ms_method)7) == MS_ERR_ARG, "an unknown method is refused");
    CHECK(strstr(ms_errmsg(ctx), "MS_METHOD_DIRK") != NULL, "the message names the methods: %s",
          ms_errmsg(ctx));
    CHECK(ms_sim_method(s) == MS_METHOD_BDF, "still BDF");
    CHECK(ms_sim_run(s, ev, times, 4, c) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(memcmp(a, c, sizeof a) == 0, "back to BDF: the first run, bit for bit");
    CHECK(ms_method_from_name("dirk") == MS_METHOD_DIRK &&
              ms_method_from_name("bdf") == MS_METHOD_BDF && ms_method_from_name("rk45") == -1 &&
              ms_method_from_name(NULL) == -1,
          "method names");
    ms_events_free(ev);
    ms_sim_free(s);
    ms_model_free(m);
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : "tests/models";
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 2;
    static const ms_method methods[] = {MS_METHOD_BDF, MS_METHOD_DIRK};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        method = methods[i];
        int before = t_fail;
        test_decay(ctx);
        test_one_compartment(ctx);
        test_two_compartment(ctx);
        test_logistic(ctx);
        printf("analytic: method %s: %s\n", ms_method_name(method),
               t_fail == before ? "all closed-form checks hold" : "FAILURES above");
    }
    test_method_switch(ctx);
    ms_context_free(ctx);
    return test_done("analytic");
}
