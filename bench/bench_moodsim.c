/*
 * bench_moodsim.c — moodsim's side of the per-patient benchmark: loads a
 * model and a protocol through the public API, applies NAME=VALUE settings,
 * and simulates the same patient `reps` times from t = 0 to `days`, timing
 * the runs only (not the loading).  Prints one line:
 *   moodsim[-METHOD][-native],<ms per patient>,<final HAMD>,<final CRP>,<steps>,<restarts>
 * usage: bench_moodsim MODEL PROTOCOL DAYS REPS RTOL ATOL [--method=bdf|dirk] [--native]
 *        [NAME=VALUE ...]
 * (--native: the model's right-hand side and Jacobian compiled to machine
 * code, ms_model_compile_native)
 */
#define _POSIX_C_SOURCE 200809L
#include "moodsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(ms_context *ctx, ms_status st)
{
    fprintf(stderr, "bench_moodsim: %s\n", ms_errmsg(ctx) ? ms_errmsg(ctx) : ms_strerror(st));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr,
                "usage: bench_moodsim MODEL PROTOCOL DAYS REPS RTOL ATOL [--method=bdf|dirk] "
                "[--native] [NAME=VALUE ...]\n");
        return 2;
    }
    double days = atof(argv[3]), rtol = atof(argv[5]), abstol = atof(argv[6]);
    long reps = strtol(argv[4], NULL, 10);
    ms_context *ctx;
    ms_model *m = NULL;
    ms_events *ev = NULL;
    ms_sim *sim = NULL;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 1;
    ms_status st = ms_model_load(ctx, argv[1], &m);
    if (!st)
        st = ms_protocol_load(ctx, m, argv[2], NULL, &ev);
    if (!st)
        st = ms_sim_new(ctx, m, &sim);
    if (!st)
        st = ms_sim_set_tolerances(sim, rtol, abstol);
    int first = 7, method = MS_METHOD_BDF, native = 0;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strncmp(argv[first], "--method=", 9) == 0) {
            if ((method = ms_method_from_name(argv[first] + 9)) < 0) {
                fprintf(stderr, "bench_moodsim: unknown method '%s' (bdf, dirk)\n",
                        argv[first] + 9);
                return 2;
            }
            if (!st)
                st = ms_sim_set_method(sim, (ms_method)method);
        } else if (strcmp(argv[first], "--native") == 0) {
            native = 1;
            if (!st)
                st = ms_model_compile_native(ctx, m);
        } else {
            fprintf(stderr, "bench_moodsim: unknown option '%s'\n", argv[first]);
            return 2;
        }
    }
    for (int i = first; !st && i < argc; i++) {
        char name[256];
        const char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof name) {
            fprintf(stderr, "bench_moodsim: expected NAME=VALUE, got '%s'\n", argv[i]);
            return 2;
        }
        memcpy(name, argv[i], (size_t)(eq - argv[i]));
        name[eq - argv[i]] = '\0';
        int k = ms_model_find(m, MS_PARAM, name);
        if (k < 0) {
            fprintf(stderr, "bench_moodsim: no parameter '%s'\n", name);
            return 2;
        }
        st = ms_sim_set_param(sim, (size_t)k, atof(eq + 1));
    }
    if (st)
        return fail(ctx, st);
    size_t nout = ms_sim_output_count(sim);
    double *out = malloc(nout * sizeof *out), t_end = days * 24;
    int ih = -1, ic = -1;
    for (size_t j = 0; j < nout; j++) {
        if (strcmp(ms_sim_output_name(sim, j), "HAMD") == 0)
            ih = (int)j;
        if (strcmp(ms_sim_output_name(sim, j), "CRP") == 0)
            ic = (int)j;
    }
    if (!out || ih < 0 || ic < 0) {
        fprintf(stderr, "bench_moodsim: the model needs outputs HAMD and CRP\n");
        return 2;
    }
    /* one warm-up run, then the timed runs */
    st = ms_sim_run(sim, ev, &t_end, 1, out);
    double t0 = now_s();
    for (long r = 0; !st && r < reps; r++)
        st = ms_sim_run(sim, ev, &t_end, 1, out);
    double dt = now_s() - t0;
    if (st)
        return fail(ctx, st);
    ms_sim_stats s;
    ms_sim_stats_get(sim, &s);
    printf("moodsim%s%s%s,%.4f,%.10g,%.10g,%ld,%ld\n", method ? "-" : "",
           method ? ms_method_name((ms_method)method) : "", native ? "-native" : "",
           1e3 * dt / (double)reps, out[ih], out[ic], s.steps, s.restarts);
    free(out);
    ms_sim_free(sim);
    ms_events_free(ev);
    ms_model_free(m);
    ms_context_free(ctx);
    return 0;
}
