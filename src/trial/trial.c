/*
 * trial.c — runs a virtual trial: screens a cohort against the inclusion
 * criteria (sequentially, candidate by candidate, so the cohort does not
 * depend on threads), randomises it to the arms with a keyed shuffle,
 * simulates every (arm, patient) pair on a pool of threads (one context and
 * one simulator per thread, created once), keeps failures apart with their
 * reasons, and writes the tidy CSV outputs.  Owns ms_trial.  Analysis is in
 * analysis.c, the report in src/report/.
 */
#include "trial_impl.h"
#include "../core/rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define MS_MAX_SCREEN_RATIO 1000 /* candidates screened per patient included, at most */

void ms_trial_free(ms_trial *t)
{
    if (!t)
        return;
    ms_context *ctx = t->ctx;
    for (size_t i = 0; i < t->nres; i++) {
        ms_free(ctx, t->res[i].reason);
        ms_free(ctx, t->res[i].obs);
        ms_free(ctx, t->res[i].sub_values);
    }
    ms_free(ctx, t->res);
    ms_free(ctx, t->rejected);
    ms_free(ctx, t->stat);
    ms_free(ctx, t);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    unsigned long long key;
    long patient;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->patient > y->patient) - (x->patient < y->patient);
}

static int long_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Screening: the first `total` candidates that meet every criterion. */
static ms_status screen(ms_context *ctx, ms_trial *t, const ms_trial_options *opt, long total,
                        double **params_out, unsigned long long **cand_out)
{
    const ms_scenario *sc = t->sc;
    const ms_model *m = sc->model;
    size_t np = m->count[MS_PARAM];
    double *params = ms_alloc(ctx, (size_t)total * (np ? np : 1) * sizeof *params);
    unsigned long long *cand = ms_alloc(ctx, (size_t)total * sizeof *cand);
    ms_sim *sim = NULL;
    ms_status st = (!params || !cand) ? ms_nomem(ctx) : ms_sim_new(ctx, m, &sim);
    long got = 0;
    unsigned long long k = 0;
    for (; !st && got < total; k++) {
        if (k >= (unsigned long long)total * MS_MAX_SCREEN_RATIO + 1000) {
            st = ms_fail(ctx, MS_ERR_ARG, sc->file, 0, 0,
                         "the inclusion criteria accepted %ld of %llu candidates; they exclude "
                         "almost everyone",
                         got, k);
            break;
        }
        double *p = params + (size_t)got * np;
        if ((st = ms_cohort_draw(ctx, m, sc->seed, k, p)))
            break;
        for (size_t j = 0; j < opt->n_set; j++)
            p[opt->set_param[j]] = opt->set_value[j];
        if ((st = ms_sim_set_params(sim, p)))
            break;
        int ok = 1;
        for (size_t c = 0; c < sc->ncrit && ok; c++) {
            double v;
            if ((st = ms_sim_baseline(sim, sc->crit[c].name, &v)))
                break;
            if (!(v >= sc->crit[c].min && v <= sc->crit[c].max)) {
                t->rejected[c]++;
                ok = 0;
            }
        }
        if (st)
            break;
        if (ok)
            cand[got++] = k;
    }
    t->screened = (long)k;
    t->included = got;
    ms_sim_free(sim);
    if (st) {
        ms_free(ctx, params);
        ms_free(ctx, cand);
        return st;
    }
    *params_out = params;
    *cand_out = cand;
    return MS_OK;
}

/* Simulates one (arm, patient).  Fills r; returns nonzero only if out of memory. */
static int simulate_one(ms_context *ctx, ms_sim *sim, const ms_scenario *sc, ms_result *r,
                        const double *params, double *times, double *buf)
{
    const ms_model *m = sc->model;
    const ms_arm *arm = &sc->arms[r->arm];
    size_t np = m->count[MS_PARAM], ns = m->count[MS_STATE], no = m->count[MS_OBSERVABLE];
    double p[1024];
    double *pp = np <= 1024 ? p : ms_alloc(ctx, np * sizeof *pp);
    if (!pp)
        return -1;
    memcpy(pp, params, np * sizeof *pp);
    for (size_t k = 0; k < arm->nset; k++)
        pp[arm->set_idx[k]] = arm->set_val[k];
    ms_events *ev = NULL;
    ms_status st = ms_sim_set_params(sim, pp);
    if (!st && arm->proto) {
        ms_patient pt = {sc->seed, (unsigned long long)r->patient,
                         m->body_weight >= 0 ? pp[m->body_weight] : NAN, 1};
        st = ms_protocol_compile(ctx, arm->proto, m, &pt, &ev);
    }
    if (!st)
        st = ms_sim_run(sim, ev, times, sc->nvisits, buf);
    for (size_t s = 0; !st && s < sc->nsub; s++)
        st = ms_sim_baseline(sim, sc->sub[s].var, &r->sub_values[s]);
    ms_events_free(ev);
    if (pp != p)
        ms_free(ctx, pp);
    if (st == MS_ERR_NOMEM)
        return -1;
    if (st) {
        r->failed = 1;
        r->reason = ms_strdup(ctx, ms_errmsg(ctx));
        return r->reason ? 0 : -1;
    }
    for (size_t v = 0; v < sc->nvisits; v++)
        memcpy(r->obs + v * no, buf + v * (ns + no) + ns, no * sizeof *buf);
    double b = r->obs[sc->score], f = r->obs[(sc->nvisits - 1) * no + sc->score];
    r->baseline = b;
    r->final = f;
    r->change = f - b;
    r->response = f <= (1 - sc->response_frac) * b;
    r->remission = f <= sc->remission_max;
    if (!isfinite(b) || !isfinite(f)) {
        r->failed = 1;
        r->reason = ms_strdup(ctx, "the score is not finite");
        return r->reason ? 0 : -1;
    }
    return 0;
}

ms_status ms_trial_run(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                       ms_trial **out)
{
    if (!ctx || !sc || !out)
        return MS_ERR_ARG;
    *out = NULL;
    ms_trial_options defaults = {0, NULL, NULL, NULL, NULL, NULL, 0};
    if (!opt)
        opt = &defaults;
    const ms_model *m = sc->model;
    size_t no = m->count[MS_OBSERVABLE], ns = m->count[MS_STATE];
    double t0 = now_s();
    ms_trial *t = ms_alloc(ctx, sizeof *t);
    if (!t)
        return ms_nomem(ctx);
    t->ctx = ctx;
    t->sc = sc;
    t->rejected = ms_alloc(ctx, (sc->ncrit + 1) * sizeof *t->rejected);
    if (!t->rejected) {
        ms_trial_free(t);
        return ms_nomem(ctx);
    }
    long total = sc->design == MS_DESIGN_MATCHED ? sc->per_arm : sc->per_arm * (long)sc->narms;
    double *params = NULL;
    unsigned long long *cand = NULL;
    for (size_t j = 0; j < opt->n_set; j++)
        if (!opt->set_param || opt->set_param[j] < 0 ||
            (size_t)opt->set_param[j] >= m->count[MS_PARAM] || !isfinite(opt->set_value[j])) {
            ms_trial_free(t);
            return ms_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "invalid parameter override %zu", j);
        }
    ms_status st = screen(ctx, t, opt, total, &params, &cand);
    if (st) {
        ms_trial_free(t);
        return st;
    }
    (void)cand;

    /* randomisation */
    t->nres = sc->design == MS_DESIGN_MATCHED ? (size_t)total * sc->narms : (size_t)total;
    t->res = ms_alloc(ctx, t->nres * sizeof *t->res);
    keyed *order = ms_alloc(ctx, (size_t)total * sizeof *order);
    long *per = ms_alloc(ctx, (size_t)total * sizeof *per);
    if (!t->res || !order || !per) {
        ms_free(ctx, order);
        ms_free(ctx, per);
        ms_free(ctx, params);
        ms_free(ctx, cand);
        ms_trial_free(t);
        return ms_nomem(ctx);
    }
    size_t nr = 0;
    if (sc->design == MS_DESIGN_MATCHED) {
        for (size_t a = 0; a < sc->narms; a++)
            for (long p = 0; p < total; p++)
                t->res[nr++] = (ms_result){.patient = p, .arm = (int)a};
    } else {
        for (long p = 0; p < total; p++)
            order[p] = (keyed){ms_rng_bits(sc->seed, MS_RNG_ARMS, (uint64_t)p, 0, 0), p};
        qsort(order, (size_t)total, sizeof *order, keyed_cmp);
        for (size_t a = 0; a < sc->narms; a++) {
            long n = 0;
            for (long j = (long)a; j < total; j += (long)sc->narms)
                per[n++] = order[j].patient;
            qsort(per, (size_t)n, sizeof *per, long_cmp);
            for (long j = 0; j < n; j++)
                t->res[nr++] = (ms_result){.patient = per[j], .arm = (int)a};
        }
    }
    ms_free(ctx, order);
    ms_free(ctx, per);
    for (size_t i = 0; i < t->nres; i++) {
        t->res[i].obs = ms_alloc(ctx, (sc->nvisits * no + 1) * sizeof *t->res[i].obs);
        t->res[i].sub_values = ms_alloc(ctx, (sc->nsub + 1) * sizeof *t->res[i].sub_values);
        if (!t->res[i].obs || !t->res[i].sub_values) {
            ms_free(ctx, params);
            ms_free(ctx, cand);
            ms_trial_free(t);
            return ms_nomem(ctx);
        }
        t->res[i].failed = -1; /* not run yet */
    }

    /* simulation: threads over (arm, patient) pairs */
    int threads = opt->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_num_procs();
#else
    threads = 1;
#endif
    t->threads = threads;
    size_t np = m->count[MS_PARAM];
    long done = 0;
    int nomem = 0, stopped = 0;
    double last_report = now_s();
#pragma omp parallel num_threads(threads)
    {
        ms_context *tctx = NULL;
        ms_sim *sim = NULL;
        double *times = malloc(sc->nvisits * sizeof *times);
        double *buf = malloc(sc->nvisits * (ns + no) * sizeof *buf);
        int ok = times && buf && ms_context_new(&tctx, &ctx->alloc) == MS_OK &&
                 ms_sim_new(tctx, m, &sim) == MS_OK &&
                 ms_sim_set_tolerances(sim, sc->rtol, sc->atol) == MS_OK;
        if (ok)
            for (size_t v = 0; v < sc->nvisits; v++)
                times[v] = sc->visits[v] * 168.0;
        if (!ok) {
#pragma omp atomic write
            nomem = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < t->nres; i++) {
            int halt;
#pragma omp atomic read
            halt = nomem;
            if (!ok || halt || (opt->stop && *opt->stop)) {
                if (opt->stop && *opt->stop) {
#pragma omp atomic write
                    stopped = 1;
                }
                continue;
            }
            ms_result *r = &t->res[i];
            r->failed = 0;
            if (simulate_one(tctx, sim, sc, r, params + (size_t)r->patient * np, times, buf)) {
#pragma omp atomic write
                nomem = 1;
            }
#pragma omp atomic
            done++;
#ifdef _OPENMP
            if (omp_get_thread_num() == 0 && opt->progress) {
#else
            if (opt->progress) {
#endif
                double tn = now_s();
                if (tn - last_report >= 0.5) {
                    long d;
#pragma omp atomic read
                    d = done;
                    opt->progress(opt->ud, (size_t)d, t->nres, tn - t0);
                    last_report = tn;
                }
            }
        }
        ms_sim_free(sim);
        ms_context_free(tctx);
        free(times);
        free(buf);
    }
    ms_free(ctx, params);
    ms_free(ctx, cand);
    if (opt->progress)
        opt->progress(opt->ud, (size_t)done, t->nres, now_s() - t0);
    if (nomem) {
        ms_trial_free(t);
        return ms_nomem(ctx);
    }
    t->interrupted = stopped;
    for (size_t i = 0; i < t->nres; i++)
        t->n_failed += t->res[i].failed == 1;
    st = ms_trial_analyse(t);
    t->seconds = now_s() - t0;
    if (st) {
        ms_trial_free(t);
        return st;
    }
    *out = t;
    ms_ok(ctx);
    return stopped ? MS_STOPPED : MS_OK;
}

/* ---------------------------------------------------------------- output */

static FILE *open_out(ms_context *ctx, const char *dir, const char *name, ms_status *st)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        *st = ms_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    return f;
}

static ms_status close_out(ms_context *ctx, FILE *f, const char *dir, const char *name)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad)
        return ms_fail(ctx, MS_ERR_IO, dir, 0, 0, "write error in %s", name);
    return MS_OK;
}

static void lower_copy(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)((src[i] >= 'A' && src[i] <= 'Z') ? src[i] + 32 : src[i]);
    dst[i] = '\0';
}

/* CSV field: quoted if it contains a comma, quote or newline. */
static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static void write_stat_row(FILE *f, const ms_scenario *sc, size_t a, const char *group,
                           const ms_armstat *s)
{
    csv_str(f, sc->arms[a].name);
    fputc(',', f);
    csv_str(f, group);
    fprintf(f, ",%ld,%ld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g", s->n, s->nfail,
            s->mean, s->sd, s->lo, s->hi, s->n ? (double)s->nresp / (double)s->n : NAN,
            s->resp_lo, s->resp_hi, s->n ? (double)s->nrem / (double)s->n : NAN, s->rem_lo,
            s->rem_hi);
    if ((int)a == sc->control)
        fputs(",,,,,,,\n", f);
    else
        fprintf(f, ",%.6g,%.6g,%.6g,%.4g,%.6g,%.6g,%.6g\n", s->dmean, s->dmean_lo, s->dmean_hi,
                s->p_value, s->dresp, s->dresp_lo, s->dresp_hi);
}

ms_status ms_trial_write(ms_context *ctx, const ms_trial *t, const char *dir)
{
    if (!ctx || !t || !dir)
        return MS_ERR_ARG;
    const ms_scenario *sc = t->sc;
    const ms_model *m = sc->model;
    size_t no = m->count[MS_OBSERVABLE];
    ms_status st = MS_OK;
    char score[128];
    lower_copy(score, m->sym[MS_OBSERVABLE][sc->score].name, sizeof score);

    FILE *f = open_out(ctx, dir, "visits.csv", &st);
    if (!f)
        return st;
    fputs("arm,patient,week", f);
    for (size_t j = 0; j < no; j++)
        fprintf(f, ",%s", m->sym[MS_OBSERVABLE][j].name);
    fputc('\n', f);
    for (size_t i = 0; i < t->nres; i++) {
        const ms_result *r = &t->res[i];
        if (r->failed)
            continue;
        for (size_t v = 0; v < sc->nvisits; v++) {
            csv_str(f, sc->arms[r->arm].name);
            fprintf(f, ",%ld,%g", r->patient, sc->visits[v]);
            for (size_t j = 0; j < no; j++)
                fprintf(f, ",%.8g", r->obs[v * no + j]);
            fputc('\n', f);
        }
    }
    if ((st = close_out(ctx, f, dir, "visits.csv")))
        return st;

    if (!(f = open_out(ctx, dir, "endpoints.csv", &st)))
        return st;
    fprintf(f, "arm,patient,baseline_%s,final_%s,change,response,remission", score, score);
    for (size_t s = 0; s < sc->nsub; s++)
        fprintf(f, ",%s", sc->sub[s].var);
    fputc('\n', f);
    for (size_t i = 0; i < t->nres; i++) {
        const ms_result *r = &t->res[i];
        if (r->failed)
            continue;
        csv_str(f, sc->arms[r->arm].name);
        fprintf(f, ",%ld,%.8g,%.8g,%.8g,%d,%d", r->patient, r->baseline, r->final, r->change,
                r->response, r->remission);
        for (size_t s = 0; s < sc->nsub; s++)
            fprintf(f, ",%.8g", r->sub_values[s]);
        fputc('\n', f);
    }
    if ((st = close_out(ctx, f, dir, "endpoints.csv")))
        return st;

    if (!(f = open_out(ctx, dir, "summary.csv", &st)))
        return st;
    fputs("arm,subgroup,n,failed,mean_change,sd_change,mean_change_lo,mean_change_hi,"
          "response_rate,response_lo,response_hi,remission_rate,remission_lo,remission_hi,"
          "diff_change_vs_control,diff_change_lo,diff_change_hi,p_value,"
          "diff_response_vs_control,diff_response_lo,diff_response_hi\n",
          f);
    for (size_t a = 0; a < sc->narms; a++)
        write_stat_row(f, sc, a, "all", &t->stat[a]);
    for (size_t s = 0; s < sc->nsub; s++)
        for (int side = 0; side < 2; side++) {
            char g[256];
            snprintf(g, sizeof g, "%s %s %g", sc->sub[s].var, side ? "<=" : ">",
                     sc->sub[s].threshold);
            for (size_t a = 0; a < sc->narms; a++)
                write_stat_row(f, sc, a, g, &t->stat[sc->narms * (1 + 2 * s + (size_t)side) + a]);
        }
    if ((st = close_out(ctx, f, dir, "summary.csv")))
        return st;

    if (!(f = open_out(ctx, dir, "failures.csv", &st)))
        return st;
    fputs("arm,patient,reason\n", f);
    for (size_t i = 0; i < t->nres; i++) {
        const ms_result *r = &t->res[i];
        if (r->failed != 1)
            continue;
        csv_str(f, sc->arms[r->arm].name);
        fprintf(f, ",%ld,", r->patient);
        csv_str(f, r->reason ? r->reason : "");
        fputc('\n', f);
    }
    if ((st = close_out(ctx, f, dir, "failures.csv")))
        return st;

    if (t->syn.valid) {
        if (!(f = open_out(ctx, dir, "synergy.csv", &st)))
            return st;
        const ms_synergy *y = &t->syn;
        fputs("measure,estimate,lo,hi\n", f);
        fprintf(f, "interaction_contrast_mean_change,%.6g,%.6g,%.6g\n", y->contrast, y->lo, y->hi);
        fprintf(f, "response_minus_bliss_expected,%.6g,%.6g,%.6g\n", y->bliss, y->bliss_lo,
                y->bliss_hi);
        fprintf(f, "response_minus_highest_single_agent,%.6g,%.6g,%.6g\n", y->hsa, y->hsa_lo,
                y->hsa_hi);
        fprintf(f, "verdict,%s,,\n", y->verdict);
        if ((st = close_out(ctx, f, dir, "synergy.csv")))
            return st;
    }
    return ms_ok(ctx);
}

ms_status ms_trial_arm_summary(const ms_trial *t, size_t arm, ms_arm_summary *out)
{
    if (!t || !out || arm >= t->sc->narms)
        return MS_ERR_ARG;
    const ms_armstat *s = &t->stat[arm];
    double n = (double)s->n;
    int ctl = (int)arm == t->sc->control;
    *out = (ms_arm_summary){s->n, s->nfail, s->mean, s->lo, s->hi,
                            s->n ? (double)s->nresp / n : NAN, s->resp_lo, s->resp_hi,
                            s->n ? (double)s->nrem / n : NAN, s->rem_lo, s->rem_hi,
                            ctl ? NAN : s->dmean, ctl ? NAN : s->dmean_lo,
                            ctl ? NAN : s->dmean_hi, ctl ? NAN : s->p_value,
                            ctl ? NAN : s->dresp, ctl ? NAN : s->dresp_lo,
                            ctl ? NAN : s->dresp_hi, ctl ? -1 : s->n_power};
    return MS_OK;
}

ms_status ms_trial_synergy(const ms_trial *t, ms_synergy_summary *out)
{
    if (!t || !out)
        return MS_ERR_ARG;
    const ms_synergy *y = &t->syn;
    *out = (ms_synergy_summary){y->valid, y->contrast, y->lo, y->hi, y->bliss, y->bliss_lo,
                                y->bliss_hi, y->hsa, y->hsa_lo, y->hsa_hi,
                                y->verdict ? y->verdict : "", y->n_diff, y->n_inter,
                                t->sc->alpha, t->sc->power_target};
    return MS_OK;
}

void ms_trial_counts(const ms_trial *t, long *screened, long *included, long *failed)
{
    if (!t)
        return;
    if (screened)
        *screened = t->screened;
    if (included)
        *included = t->included;
    if (failed)
        *failed = t->n_failed;
}
