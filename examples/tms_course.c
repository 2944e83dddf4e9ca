/*
 * tms_course.c — using libmoodsim from C: one virtual patient of the
 * flagship model through six weeks of 10 Hz left-DLPFC rTMS, against the
 * same patient untreated.
 *
 *   cc tms_course.c -lmoodsim -o tms_course
 *   ./tms_course models/depression_inflammation.yaml protocols/tms.yaml
 *
 * prints HAM-D-17 at weeks 0-6 for both.  It shows the pattern of every
 * moodsim program: a context that keeps the last error's message; load
 * (model, protocol) -> compile (the protocol into one patient's event
 * table) -> simulate; every call's status checked; every handle freed by
 * its own *_free, which accepts NULL.  tests/CMakeLists.txt builds and runs
 * it, so it cannot drift from the library.
 */
#include "moodsim.h"

#include <stdio.h>
#include <string.h>

#define WEEKS 6

/* HAM-D-17 at weeks 0..WEEKS into hamd[], with `ev` (NULL: untreated). */
static ms_status run(ms_sim *sim, const ms_events *ev, double *hamd)
{
    double times[WEEKS + 1];
    for (int w = 0; w <= WEEKS; w++)
        times[w] = w * 7 * 24.0; /* the engine's time is in hours */
    size_t nout = ms_sim_output_count(sim), col = nout;
    for (size_t j = 0; j < nout; j++)
        if (strcmp(ms_sim_output_name(sim, j), "HAMD") == 0)
            col = j;
    if (col == nout)
        return MS_ERR_ARG; /* the model has no HAMD observable */
    double out[(WEEKS + 1) * 256];
    if (nout > 256)
        return MS_ERR_ARG;
    ms_status st = ms_sim_run(sim, ev, times, WEEKS + 1, out);
    for (int w = 0; !st && w <= WEEKS; w++)
        hamd[w] = out[(size_t)w * nout + col];
    return st;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL.yaml PROTOCOL.yaml\n", argv[0]);
        return 2;
    }
    ms_context *ctx = NULL;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 1;
    ms_model *model = NULL;
    ms_protocol *proto = NULL;
    ms_events *ev = NULL;
    ms_sim *sim = NULL;
    double untreated[WEEKS + 1], treated[WEEKS + 1];
    /* the protocol as written (no missed sessions, no body weight needed) */
    ms_status st = ms_model_load(ctx, argv[1], &model);
    if (!st)
        st = ms_protocol_read(ctx, argv[2], &proto);
    if (!st)
        st = ms_protocol_compile(ctx, proto, model, NULL, &ev);
    if (!st)
        st = ms_sim_new(ctx, model, &sim);
    if (!st)
        st = run(sim, NULL, untreated);
    if (!st)
        st = run(sim, ev, treated);
    if (st) /* the message names the file, line and column where there is one */
        fprintf(stderr, "tms_course: %s\n", *ms_errmsg(ctx) ? ms_errmsg(ctx) : ms_strerror(st));
    else {
        printf("the model's nominal patient, %s (%zu events)\n", ms_protocol_name(proto),
               ms_events_count(ev));
        printf("week  HAM-D-17 untreated  with TMS\n");
        for (int w = 0; w <= WEEKS; w++)
            printf("%4d  %18.1f  %8.1f\n", w, untreated[w], treated[w]);
    }
    ms_sim_free(sim);
    ms_events_free(ev);
    ms_protocol_free(proto);
    ms_model_free(model);
    ms_context_free(ctx);
    return st ? 1 : 0;
}
