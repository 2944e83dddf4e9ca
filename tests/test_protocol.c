/*
 * test_protocol.c — every protocol in protocols/ compiled and its events
 * checked against counts and times worked out by hand from the calendar:
 * e.g. the seed 004 schedule over 26 weeks gives 6x5 + 20x2 = 70 TMS
 * sessions and 13 exosome infusions (days 0, 14, ..., 168), each starting
 * at 09:30 when that Monday's 09:00-09:30 session ends.  Also: missed
 * sessions drawn per patient (reproducible, independent of other patients,
 * at the stated rate), skipped dates, mg/kg dosing, the NONMEM export read
 * back to the same events and the same trajectories, and the simulated
 * exposure of each input.
 */
#include "moodsim.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *src;

static ms_protocol *read_proto(ms_context *ctx, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    ms_protocol *p = NULL;
    CHECK(ms_protocol_read(ctx, path, &p) == MS_OK, "read %s: %s", path, ms_errmsg(ctx));
    return p;
}

static ms_model *fixture(ms_context *ctx)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/models/treatment_inputs.yaml", src);
    ms_model *m = NULL;
    CHECK(ms_model_load(ctx, path, &m) == MS_OK, "fixture: %s", ms_errmsg(ctx));
    return m;
}

typedef struct {
    int n;
    double first_h, last_h;
    int bad_clock;   /* events not at the expected clock time */
    int bad_weekday; /* events on a weekday not allowed */
    double amount;   /* of the last event */
    double duration; /* of the last event */
} tally;

/* Counts the events of `treatment`; checks clock time (hours) and allowed
 * weekdays (bit 0 = Monday; the protocols start on a Monday). */
static tally count(const ms_events *ev, const char *treatment, double clock, unsigned days)
{
    tally t = {0, -1, -1, 0, 0, 0, 0};
    for (size_t i = 0; i < ms_events_count(ev); i++) {
        ms_event_info e;
        ms_events_get(ev, i, &e);
        if (!e.treatment || strcmp(e.treatment, treatment) != 0)
            continue;
        if (t.n == 0)
            t.first_h = e.time_h;
        t.last_h = e.time_h;
        t.n++;
        long day = (long)(e.time_h / 24);
        if (clock >= 0 && fabs(e.time_h - 24.0 * day - clock) > 1e-9)
            t.bad_clock++;
        if (!((days >> (day % 7)) & 1u))
            t.bad_weekday++;
        t.amount = e.amount;
        t.duration = e.duration_h;
    }
    return t;
}

#define MON_FRI 0x1Fu
#define MON_THU 0x09u
#define EVERY_DAY 0x7Fu

static void test_seed_protocols(ms_context *ctx)
{
    ms_model *m = fixture(ctx);
    ms_patient pt = {1, 1, 70.0, 0};
    struct {
        const char *file;
        int n_events;
    } all[] = {{"protocols/tms.yaml", 70},         {"protocols/sham_tms.yaml", 70},
               {"protocols/exosome.yaml", 13},     {"protocols/nmn.yaml", 26},
               {"protocols/tms_exosome.yaml", 83}, {"protocols/tms_exosome_nmn.yaml", 109},
               {"protocols/ssri.yaml", 182},       {"protocols/anti_cytokine.yaml", 3}};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
        ms_protocol *p = read_proto(ctx, all[k].file);
        if (!p)
            continue;
        CHECK(ms_protocol_days(p) == 182, "%s lasts 26 weeks", all[k].file);
        CHECK(ms_protocol_start_weekday(p) == 0, "%s starts on a Monday", all[k].file);
        ms_events *ev = NULL;
        CHECK(ms_protocol_compile(ctx, p, m, &pt, &ev) == MS_OK, "%s: %s", all[k].file,
              ms_errmsg(ctx));
        CHECK((int)ms_events_count(ev) == all[k].n_events, "%s: %zu events, expected %d",
              all[k].file, ms_events_count(ev), all[k].n_events);
        const char *f = all[k].file;
        if (strstr(f, "tms") && !strstr(f, "sham")) {
            tally t = count(ev, "tms", 9.0, MON_FRI);
            CHECK(t.n == 70, "%s: 6 x 5 + 20 x 2 = 70 TMS sessions, got %d", f, t.n);
            CHECK(t.bad_clock == 0 && t.bad_weekday == 0, "%s: TMS at 09:00 on weekdays", f);
            CHECK(t.duration == 0.5, "%s: 30-minute sessions", f);
            /* maintenance: only Monday and Thursday from day 42 */
            int late_bad = 0, induction = 0;
            for (size_t i = 0; i < ms_events_count(ev); i++) {
                ms_event_info e;
                ms_events_get(ev, i, &e);
                if (!e.treatment || strcmp(e.treatment, "tms") != 0)
                    continue;
                long day = (long)(e.time_h / 24);
                induction += day < 42;
                if (day >= 42 && day % 7 != 0 && day % 7 != 3)
                    late_bad++;
            }
            CHECK(induction == 30 && late_bad == 0, "%s: 30 induction sessions, then Mon+Thu", f);
        }
        if (strstr(f, "sham")) {
            tally t = count(ev, "sham_tms", 9.0, MON_FRI);
            CHECK(t.n == 70 && t.bad_clock == 0, "%s: 70 sham sessions at 09:00", f);
        }
        if (strstr(f, "exosome")) {
            double clock = strstr(f, "tms") ? 9.5 : 10.0; /* after TMS, or at 10:00 */
            tally t = count(ev, "exosome", clock, 0x01u /* Mondays */);
            CHECK(t.n == 13, "%s: 13 exosome infusions (days 0..168 every 14), got %d", f, t.n);
            CHECK(t.bad_clock == 0 && t.bad_weekday == 0, "%s: exosome on Mondays at %g h", f,
                  clock);
            CHECK(t.first_h == clock && t.last_h == 168 * 24 + clock, "%s: first %g, last %g", f,
                  t.first_h, t.last_h);
            CHECK(close_rel(t.amount, 1.5e10, 1e-12, 1), "%s: 1.5e10 particles each", f);
            CHECK(t.duration == 1.0, "%s: over 60 min", f);
        }
        if (strstr(f, "nmn")) {
            double clock = strstr(f, "tms") ? 9.5 : 10.0;
            tally t = count(ev, "nmn", clock, 0x08u /* Thursdays */);
            CHECK(t.n == 26 && t.bad_clock == 0 && t.bad_weekday == 0,
                  "%s: 26 weekly NMN infusions on Thursdays at %g h (got %d)", f, clock, t.n);
            CHECK(close_rel(t.amount, 300, 1e-12, 1) && close_rel(t.duration, 1.0 / 3, 1e-12, 1),
                  "%s: 300 mg over 20 min", f);
        }
        if (strstr(f, "ssri")) {
            tally t = count(ev, "sertraline", 8.0, EVERY_DAY);
            CHECK(t.n == 182 && t.bad_clock == 0 && t.amount == 50, "%s: 50 mg daily at 08:00", f);
        }
        if (strstr(f, "anti_cytokine")) {
            tally t = count(ev, "infliximab", 10.0, 0x01u);
            CHECK(t.n == 3 && t.first_h == 10 && t.last_h == 42 * 24 + 10,
                  "%s: weeks 0, 2, 6 (days 0, 14, 42)", f);
            CHECK(close_rel(t.amount, 5 * 70, 1e-12, 1) && t.duration == 2,
                  "%s: 5 mg/kg x 70 kg = 350 mg over 2 h, got %g over %g", f, t.amount, t.duration);
            ms_events *nw = NULL;
            ms_patient unknown = {1, 1, NAN, 0};
            CHECK(ms_protocol_compile(ctx, p, m, &unknown, &nw) == MS_ERR_PROTOCOL,
                  "mg/kg without a body weight is refused");
            CHECK(strstr(ms_errmsg(ctx), "body weight") != NULL, "%s", ms_errmsg(ctx));
        }
        ms_events_free(ev);
        ms_protocol_free(p);
    }
    ms_model_free(m);
}

static void test_after_constraint(ms_context *ctx)
{
    /* every exosome infusion starts exactly when a TMS session ends */
    ms_protocol *p = read_proto(ctx, "protocols/tms_exosome.yaml");
    ms_events *ev = NULL;
    CHECK(ms_protocol_compile(ctx, p, NULL, NULL, &ev) == MS_OK, "%s", ms_errmsg(ctx));
    int matched = 0, infusions = 0;
    for (size_t i = 0; i < ms_events_count(ev); i++) {
        ms_event_info e;
        ms_events_get(ev, i, &e);
        if (strcmp(e.treatment, "exosome") != 0)
            continue;
        infusions++;
        for (size_t j = 0; j < ms_events_count(ev); j++) {
            ms_event_info s;
            ms_events_get(ev, j, &s);
            if (strcmp(s.treatment, "tms") == 0 && s.time_h + s.duration_h == e.time_h)
                matched++;
        }
    }
    CHECK(infusions == 13 && matched == 13, "each of %d infusions follows a session (%d)",
          infusions, matched);
    ms_events_free(ev);
    ms_protocol_free(p);
}

static void test_missed_sessions(ms_context *ctx)
{
    char path[] = "/tmp/moodsim-missed-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temp file");
    FILE *f = fdopen(fd, "w");
    fputs("protocol: adherence\nstart: {weekday: mon}\nweeks: 20\ntreatments:\n"
          "  tms:\n    input: tms\n    kind: session\n    time: \"09:00\"\n"
          "    duration_min: 30\n    missed: 0.2\n    schedule:\n      - {daily: true}\n",
          f);
    fclose(f);
    ms_protocol *p = NULL;
    CHECK(ms_protocol_read(ctx, path, &p) == MS_OK, "%s", ms_errmsg(ctx));
    long given = 0, planned = 0;
    for (unsigned long long id = 0; id < 200; id++) {
        ms_patient pt = {42, id, NAN, 1};
        ms_events *ev = NULL;
        CHECK(ms_protocol_compile(ctx, p, NULL, &pt, &ev) == MS_OK, "compile");
        given += (long)ms_events_count(ev);
        planned += 140;
        /* the same (seed, id) gives the same calendar */
        ms_events *again = NULL;
        ms_protocol_compile(ctx, p, NULL, &pt, &again);
        int same = ms_events_count(ev) == ms_events_count(again);
        for (size_t i = 0; same && i < ms_events_count(ev); i++) {
            ms_event_info a, b;
            ms_events_get(ev, i, &a);
            ms_events_get(again, i, &b);
            same = a.time_h == b.time_h;
        }
        if (!same)
            CHECK(same, "patient %llu reproducible", id);
        ms_events_free(ev);
        ms_events_free(again);
    }
    double rate = 1.0 - (double)given / (double)planned;
    /* 28,000 sessions: the binomial SD of the rate is 0.0024; allow 5 SD */
    CHECK(fabs(rate - 0.2) < 0.012, "missed fraction %.4f, expected 0.2", rate);
    ms_patient a = {42, 5, NAN, 1}, b = {43, 5, NAN, 1};
    ms_events *ea = NULL, *eb = NULL;
    ms_protocol_compile(ctx, p, NULL, &a, &ea);
    ms_protocol_compile(ctx, p, NULL, &b, &eb);
    int differ = ms_events_count(ea) != ms_events_count(eb);
    for (size_t i = 0; !differ && i < ms_events_count(ea); i++) {
        ms_event_info x, y;
        ms_events_get(ea, i, &x);
        ms_events_get(eb, i, &y);
        differ = x.time_h != y.time_h;
    }
    CHECK(differ, "another seed gives another calendar");
    ms_events_free(ea);
    ms_events_free(eb);
    ms_protocol_free(p);
    unlink(path);
}

static void test_skip_dates(ms_context *ctx)
{
    char path[] = "/tmp/moodsim-skip-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    /* 2027-01-11 is the Monday of week 1; 2027-02-11 a Thursday (National Foundation Day) */
    fputs("protocol: holidays\nstart: {date: 2027-01-04, weekday: monday}\nweeks: 8\n"
          "skip_dates: [2027-01-11, 2027-02-11]\ntreatments:\n"
          "  tms:\n    input: tms\n    kind: session\n    time: \"09:00\"\n"
          "    duration_min: 30\n    schedule:\n      - {weekdays: [mon, thu]}\n",
          f);
    fclose(f);
    ms_protocol *p = NULL;
    CHECK(ms_protocol_read(ctx, path, &p) == MS_OK, "%s", ms_errmsg(ctx));
    ms_events *ev = NULL;
    CHECK(ms_protocol_compile(ctx, p, NULL, NULL, &ev) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_events_count(ev) == 14, "8 weeks x 2 - 2 holidays = 14, got %zu", ms_events_count(ev));
    for (size_t i = 0; i < ms_events_count(ev); i++) {
        ms_event_info e;
        ms_events_get(ev, i, &e);
        long day = (long)(e.time_h / 24);
        CHECK(day != 7 && day != 38, "no session on a skipped date (day %ld)", day);
    }
    CHECK(strcmp(ms_protocol_start_date(p), "2027-01-04") == 0, "start date");
    ms_events_free(ev);
    ms_protocol_free(p);
    unlink(path);
}

static void test_nonmem_round_trip(ms_context *ctx)
{
    ms_model *m = fixture(ctx);
    ms_protocol *p = read_proto(ctx, "protocols/tms_exosome_nmn.yaml");
    ms_events *ev = NULL;
    CHECK(ms_protocol_compile(ctx, p, m, NULL, &ev) == MS_OK, "%s", ms_errmsg(ctx));
    char path[] = "/tmp/moodsim-nonmem-XXXXXX.csv";
    int fd = mkstemps(path, 4);
    close(fd);
    CHECK(ms_events_write(ctx, ev, path, MS_EVENTS_NONMEM, 7) == MS_OK, "%s", ms_errmsg(ctx));
    ms_events *back = NULL;
    CHECK(ms_events_read_nonmem(ctx, m, path, 7, &back) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_events_count(back) == ms_events_count(ev), "%zu events back of %zu",
          ms_events_count(back), ms_events_count(ev));
    int same = 1;
    for (size_t i = 0; i < ms_events_count(ev) && i < ms_events_count(back); i++) {
        ms_event_info a, b;
        ms_events_get(ev, i, &a);
        ms_events_get(back, i, &b);
        same &= a.time_h == b.time_h && a.kind == b.kind && strcmp(a.input, b.input) == 0 &&
                a.level == b.level && fabs(a.duration_h - b.duration_h) <= 1e-15 * a.duration_h;
    }
    CHECK(same, "every event read back equal");
    ms_events *other = NULL;
    CHECK(ms_events_read_nonmem(ctx, m, path, 8, &other) == MS_ERR_SYNTAX &&
              strstr(ms_errmsg(ctx), "no row for patient (ID) 8") && !other,
          "an ID the table does not hold is refused: %s", ms_errmsg(ctx));
    ms_events_free(other);

    /* the same trajectories from both tables, and the exposure the calendar implies */
    ms_sim *s;
    CHECK(ms_sim_new(ctx, m, &s) == MS_OK, "sim");
    ms_sim_set_tolerances(s, 1e-9, 1e-6);
    double times[] = {0, 24 * 7, 24 * 42, 24 * 182};
    size_t nout = ms_sim_output_count(s);
    double *o1 = calloc(4 * nout, sizeof *o1), *o2 = calloc(4 * nout, sizeof *o2);
    CHECK(ms_sim_run(s, ev, times, 4, o1) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(ms_sim_run(s, back, times, 4, o2) == MS_OK, "%s", ms_errmsg(ctx));
    CHECK(memcmp(o1, o2, 4 * nout * sizeof *o1) == 0, "identical trajectories");
    /* tms_dose integrates the pulse rate: 70 sessions x 3,000 pulses = 210,000
     * (30 sessions by day 42: 90,000), whatever each session's length */
    CHECK(close_rel(o1[3 * nout + 0], 210000.0, 1e-6, 1), "cumulative pulses %g", o1[3 * nout + 0]);
    CHECK(close_rel(o1[2 * nout + 0], 90000.0, 1e-6, 1), "after 6 weeks %g pulses",
          o1[2 * nout + 0]);
    free(o1);
    free(o2);
    ms_sim_free(s);
    ms_events_free(back);
    ms_events_free(ev);
    ms_protocol_free(p);
    ms_model_free(m);
    unlink(path);
}

int main(int argc, char **argv)
{
    src = argc > 1 ? argv[1] : ".";
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 2;
    test_seed_protocols(ctx);
    test_after_constraint(ctx);
    test_missed_sessions(ctx);
    test_skip_dates(ctx);
    test_nonmem_round_trip(ctx);
    ms_context_free(ctx);
    return test_done("protocol");
}
