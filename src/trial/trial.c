/*
 * trial.c — runs a virtual trial.  Patients are screened against the
 * inclusion criteria candidate by candidate (sequentially, so the cohort
 * depends on nothing but the seed), randomised in permuted blocks of one
 * patient per arm (or given every arm, matched), and simulated in blocks of
 * MS_BLOCK_PATIENTS patients: the patient-arms of a block on a pool of
 * threads (one context and simulator per thread, created once), then, in
 * (patient, arm) order, streamed to disk (visits.csv, endpoints.csv,
 * failures.csv, and results.bin for resuming) and into the tally that the
 * analysis reads.  Memory does not grow with the number of patients.
 *
 * A checkpoint (stream.c) is written at most every second; a run that stops
 * (Ctrl-C, a kill, a crash) resumes from it without losing or repeating a
 * patient, with results identical to an uninterrupted run.  Across
 * processes (MPI), block b is simulated by rank b mod K and sent to rank 0,
 * which alone writes: the same bytes as one process.  Owns ms_trial.
 * The records go to the results module (src/results/: tally, analysis,
 * summary.csv); the report is in src/report/.
 */
#define _DEFAULT_SOURCE /* flock */
#include "../core/rng.h"
#include "../engine/batch.h"
#include "trial_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define MS_MAX_SCREEN_RATIO 1000 /* candidates screened per patient included, at most */
#define MS_CHECKPOINT_S 1.0
/* the numerical check: differences a report could show (moodsim.h) */
#define MS_CHECK_SCORE 0.01
#define MS_CHECK_REL 1e-3

void ms_trial_free(ms_trial *t)
{
    if (!t)
        return;
    ms_context *ctx = t->ctx;
    ms_trial_free(t->cp.trial);
    msi_free(ctx, t->cp.idx);
    msi_free(ctx, t->cp.val);
    msi_free(ctx, t->set_idx);
    msi_free(ctx, t->set_val);
    msi_free(ctx, t->force_idx);
    msi_free(ctx, t->force_val);
    msi_tally_free(&t->tally);
    msi_free(ctx, t->rejected);
    msi_results_free(ctx, &t->res);
    if (t->lock_fd >= 0)
        close(t->lock_fd); /* releases the lock */
    msi_free(ctx, t->out_dir);
    msi_free(ctx, t);
}

/* One run at a time in an output directory: a second (say, two --resume of
 * one directory) would write every patient twice. */
static ms_status lock_dir(ms_context *ctx, ms_trial *t, const char *dir)
{
    if (!(t->out_dir = msi_strdup(ctx, dir)))
        return msi_nomem(ctx);
    t->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->lock_fd < 0)
        return msi_fail(ctx, MS_ERR_IO, dir, 0, 0, "cannot open: %s", strerror(errno));
    if (flock(t->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return msi_fail(ctx, MS_ERR_ARG, dir, 0, 0,
                        "another moodsim run is writing to this directory; wait for it, or "
                        "choose another output directory");
    return MS_OK;
}

ms_status ms_trial_finish(ms_context *ctx, ms_trial *t)
{
    if (!ctx || !t)
        return MS_ERR_ARG;
    if (t->out_dir && !t->interrupted)
        msi_stream_finished(t->out_dir);
    return msi_ok(ctx);
}

/* ------------------------------------------------------------ the blocks */

/* The records of one block: headers, subgroup values and visit
 * observables, in one buffer (sent whole between processes). */
typedef struct {
    size_t cap; /* records */
    size_t n;
    msi_rechdr *h;
    double *sub, *obs;
    unsigned char *mem;
    size_t bytes;
    unsigned long long *cand; /* per patient of the block: its candidate number */
    long p0, np;              /* first patient, patients */
    /* what is simulated together: unit u is records idx[uoff[u]] ..
     * idx[uoff[u + 1] - 1] (one record each unless solver: batch:) */
    size_t *idx, *uoff, nunits;
} block;

static int block_init(ms_context *ctx, block *b, const ms_scenario *sc)
{
    size_t per_patient = sc->design == MS_DESIGN_MATCHED ? sc->narms : 1;
    size_t no = sc->model->count[MS_OBSERVABLE];
    b->cap = MS_BLOCK_PATIENTS * per_patient;
    size_t hb = b->cap * sizeof(msi_rechdr), sb = b->cap * sc->nsub * sizeof(double),
           ob = b->cap * sc->nvisits * no * sizeof(double);
    b->bytes = hb + sb + ob;
    b->mem = msi_alloc(ctx, b->bytes);
    b->cand = msi_alloc(ctx, MS_BLOCK_PATIENTS * sizeof *b->cand);
    b->idx = msi_alloc(ctx, b->cap * sizeof *b->idx);
    b->uoff = msi_alloc(ctx, (b->cap + 1) * sizeof *b->uoff);
    if (!b->mem || !b->cand || !b->idx || !b->uoff)
        return -1;
    memset(b->mem, 0, b->bytes);
    b->h = (msi_rechdr *)(void *)b->mem;
    b->sub = (double *)(void *)(b->mem + hb);
    b->obs = (double *)(void *)(b->mem + hb + sb);
    return 0;
}

static void block_free(ms_context *ctx, block *b)
{
    msi_free(ctx, b->mem);
    msi_free(ctx, b->cand);
    msi_free(ctx, b->idx);
    msi_free(ctx, b->uoff);
}

/* Arm of patient p in a parallel or factorial design: permuted blocks of
 * one patient per arm, the permutation keyed by (seed, block). */
int msi_trial_arm_of(const ms_scenario *sc, unsigned long long seed, long p)
{
    size_t na = sc->narms;
    int perm[64];
    uint64_t blk = (uint64_t)p / na;
    for (size_t i = 0; i < na; i++)
        perm[i] = (int)i;
    for (size_t i = na - 1; i > 0; i--) {
        size_t j = msi_rng_bits(seed, MS_RNG_ARMS, blk, i, 0) % (i + 1);
        int tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    return perm[(uint64_t)p % na];
}

/* What is simulated together (solver: batch:): an arm's records in block
 * order, in batches of sc->batch; without batches, each record alone.  The
 * batches depend only on the block, never on threads or ranks. */
static void block_units(const ms_scenario *sc, block *b)
{
    size_t per = sc->batch > 1 ? sc->batch : 1, k = 0;
    b->nunits = 0;
    if (per == 1) {
        for (size_t i = 0; i < b->n; i++) {
            b->idx[i] = i;
            b->uoff[b->nunits++] = i;
        }
        b->uoff[b->nunits] = b->n;
        return;
    }
    for (size_t a = 0; a < sc->narms; a++) {
        size_t in = 0;
        for (size_t i = 0; i < b->n; i++) {
            if (b->h[i].arm != (int32_t)a)
                continue;
            if (in++ % per == 0)
                b->uoff[b->nunits++] = k;
            b->idx[k++] = i;
        }
    }
    b->uoff[b->nunits] = k;
}

/* The record layout of a block: which (patient, arm) each record is. */
static void block_plan(const ms_scenario *sc, unsigned long long seed, block *b)
{
    b->n = 0;
    for (long i = 0; i < b->np; i++) {
        long p = b->p0 + i;
        if (sc->design == MS_DESIGN_MATCHED) {
            for (size_t a = 0; a < sc->narms; a++)
                b->h[b->n++] = (msi_rechdr){.patient = p, .arm = (int32_t)a};
        } else {
            b->h[b->n++] = (msi_rechdr){.patient = p, .arm = msi_trial_arm_of(sc, seed, p)};
        }
    }
    block_units(sc, b);
}

/* Screening, one block's worth: the next candidates that meet every
 * criterion.  `k` is the next candidate number, carried across blocks. */
static ms_status screen_block(ms_context *ctx, ms_trial *t, const ms_trial_options *opt,
                              ms_sim *sim, double *params, block *b, unsigned long long *k)
{
    const ms_scenario *sc = t->sc;
    const ms_model *m = sc->model;
    long total = t->included;
    ms_status st = MS_OK;
    for (long i = 0; i < b->np; (*k)++) {
        if (*k >= (unsigned long long)total * MS_MAX_SCREEN_RATIO + 1000)
            return msi_fail(ctx, MS_ERR_ARG, sc->file, 0, 0,
                            "the inclusion criteria accepted %ld of %llu candidates; they exclude "
                            "almost everyone",
                            b->p0 + i, *k);
        if ((st = ms_cohort_draw(ctx, m, t->seed, *k, params)))
            return st;
        for (size_t j = 0; j < opt->n_set; j++)
            params[opt->set_param[j]] = opt->set_value[j];
        for (size_t j = 0; j < opt->n_force; j++)
            params[opt->force_param[j]] = opt->force_value[j];
        if ((st = ms_sim_set_params(sim, params)))
            return st;
        int ok = 1;
        for (size_t c = 0; c < sc->ncrit && ok; c++) {
            double v;
            if ((st = ms_sim_baseline(sim, sc->crit[c].name, &v)))
                return st;
            if (!(v >= sc->crit[c].min && v <= sc->crit[c].max)) {
                t->rejected[c]++;
                ok = 0;
            }
        }
        if (ok)
            b->cand[i++] = *k;
    }
    t->screened = (long)*k;
    return MS_OK;
}

/* The parameters of candidate `cand` in an arm, in the order the runner
 * applies them: the cohort's draw, the run's set, the arm's set:, the run's
 * forced values (the claims' counterpart). */
static ms_status arm_params(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                            unsigned long long seed, unsigned long long cand, const msi_arm *arm,
                            double *pp)
{
    ms_status st = ms_cohort_draw(ctx, sc->model, seed, cand, pp);
    for (size_t j = 0; j < opt->n_set; j++)
        pp[opt->set_param[j]] = opt->set_value[j];
    for (size_t k = 0; k < arm->nset; k++)
        pp[arm->set_idx[k]] = arm->set_val[k];
    for (size_t j = 0; j < opt->n_force; j++)
        pp[opt->force_param[j]] = opt->force_value[j];
    return st;
}

/* One thread's simulator and workspaces, made once per run. */
typedef struct {
    ms_context *ctx;
    ms_sim *sim;
    ms_events *ev; /* refilled for every patient */
    double *params, *times, *buf;
    char why[MS_REASON_MAX]; /* the last patient's failure, when the engine gave none */
    /* solver: batch: the batch solver and each lane's simulator, table and
     * outputs (NULL without batches) */
    msi_batch *bt;
    ms_sim **lane;
    ms_events **lev;
    const ms_events **lev_used;
    double **lout;
    size_t *lrec;
    size_t nlane;
} worker;

/* Record i's parameters into sim and its arm's events into evt: *used is
 * the table to run (NULL: the arm has no protocol). */
static ms_status prepare(worker *w, const ms_scenario *sc, const ms_trial_options *opt,
                         const block *b, size_t i, ms_sim *sim, ms_events *evt,
                         const ms_events **used)
{
    const ms_model *m = sc->model;
    const msi_rechdr *r = &b->h[i];
    const msi_arm *arm = &sc->arms[r->arm];
    double *pp = w->params;
    unsigned long long seed = opt->seed ? *opt->seed : sc->seed;
    *used = NULL;
    ms_status st = arm_params(w->ctx, sc, opt, seed, b->cand[r->patient - b->p0], arm, pp);
    if (!st)
        st = ms_sim_set_params(sim, pp);
    if (!st && arm->proto) {
        ms_patient pt = {seed, (unsigned long long)r->patient,
                         m->body_weight >= 0 ? pp[m->body_weight] : NAN, 1};
        st = ms_protocol_compile_into(w->ctx, arm->proto, &pt, evt);
        *used = evt;
    }
    return st;
}

/* Record i's results from sim's run through ev (st: how it went; buf: its
 * outputs at the visits).  Returns nonzero only if out of memory. */
static int finish(worker *w, const ms_scenario *sc, block *b, size_t i, ms_sim *sim,
                  const ms_events *ev, ms_status st, const double *buf)
{
    const ms_model *m = sc->model;
    msi_rechdr *r = &b->h[i];
    size_t ns = m->count[MS_STATE], no = m->count[MS_OBSERVABLE];
    double *obs = b->obs + i * sc->nvisits * no, *sub = b->sub + i * sc->nsub;
    if (!st && ev) { /* the burden: what was given up to the last visit */
        const ms_events *given = ms_sim_events(sim);
        ms_sim_stats ss;
        ms_sim_stats_get(sim, &ss);
        double t_end = w->times[sc->nvisits - 1];
        int32_t n[2] = {0, 0}; /* sessions; infusions and doses */
        ms_event_info e;
        for (size_t k = 0; k < ms_events_count(given); k++) {
            if (ms_events_get(given, k, &e) != MS_OK || e.time_h > t_end)
                continue;
            int in = ms_model_find(m, MS_INPUT, e.input);
            n[in < 0 || m->sym[MS_INPUT][in].input_kind != MS_INPUT_LEVEL]++;
        }
        r->sessions = n[0];
        r->doses = n[1];
        r->courses = (int32_t)ss.courses;
    }
    for (size_t s = 0; !st && s < sc->nsub; s++)
        st = ms_sim_baseline(sim, sc->sub[s].var, &sub[s]);
    if (st == MS_ERR_NOMEM)
        return -1;
    const char *why = st ? ms_errmsg(w->ctx) : NULL;
    if (!st) {
        for (size_t v = 0; v < sc->nvisits; v++)
            memcpy(obs + v * no, buf + v * (ns + no) + ns, no * sizeof *obs);
        double base = obs[sc->score], fin = obs[(sc->nvisits - 1) * no + sc->score];
        r->baseline = base;
        r->final = fin;
        r->change = fin - base;
        r->response = fin <= (1 - sc->response_frac) * base;
        r->remission = fin <= sc->remission_max;
        if (!isfinite(base) || !isfinite(fin))
            why = "the score is not finite";
        /* an observable that is not a number at a visit (a log of zero, a
         * division by a state that reached zero) fails the patient: it
         * would otherwise turn the arm's means into NaN */
        for (size_t j = 0; !why && j < sc->nvisits * no; j++)
            if (!isfinite(obs[j])) {
                ms_symbol o;
                ms_model_symbol(m, MS_OBSERVABLE, j % no, &o);
                snprintf(w->why, sizeof w->why, "observable '%s' is not a number at week %g",
                         o.name, sc->visits[j / no]);
                why = w->why;
            }
    }
    if (why) {
        r->failed = 1;
        snprintf(r->reason, sizeof r->reason, "%s", why);
        for (size_t j = 0; j < sc->nvisits * no; j++)
            obs[j] = NAN; /* nothing of an earlier block's patient is left in its place */
        for (size_t s = 0; s < sc->nsub; s++)
            sub[s] = NAN;
    }
    return 0;
}

/* Simulates record i of the block alone.  Returns nonzero only if out of
 * memory. */
static int simulate_one(worker *w, const ms_scenario *sc, const ms_trial_options *opt, block *b,
                        size_t i)
{
    const ms_events *ev;
    ms_status st = prepare(w, sc, opt, b, i, w->sim, w->ev, &ev);
    if (!st)
        st = ms_sim_run(w->sim, ev, w->times, sc->nvisits, w->buf);
    return finish(w, sc, b, i, w->sim, ev, st, w->buf);
}

/* Simulates unit u of the block: its records together as one batch
 * (batch.c) when they can be, else each alone.  Returns nonzero only if out
 * of memory. */
static int simulate_unit(worker *w, const ms_scenario *sc, const ms_trial_options *opt, block *b,
                         size_t u)
{
    size_t from = b->uoff[u], n = b->uoff[u + 1] - from, k = 0;
    if (!w->bt || n == 1)
        return simulate_one(w, sc, opt, b, b->idx[from]);
    for (size_t j = 0; j < n; j++) {
        size_t i = b->idx[from + j];
        ms_status st = prepare(w, sc, opt, b, i, w->lane[k], w->lev[k], &w->lev_used[k]);
        if (st) { /* this patient fails alone */
            if (finish(w, sc, b, i, w->lane[k], w->lev_used[k], st, NULL))
                return -1;
            continue;
        }
        w->lrec[k++] = i;
    }
    ms_status st =
        k > 1 ? msi_batch_run(w->bt, w->lane, w->lev_used, k, w->times, sc->nvisits, w->lout)
              : MS_ERR_SOLVER;
    if (st == MS_ERR_NOMEM)
        return -1;
    for (size_t j = 0; j < k; j++) {
        /* a batch that could not run: each patient alone, which says who fails */
        ms_status sj =
            st ? ms_sim_run(w->lane[j], w->lev_used[j], w->times, sc->nvisits, w->lout[j]) : MS_OK;
        if (finish(w, sc, b, w->lrec[j], w->lane[j], w->lev_used[j], sj, w->lout[j]))
            return -1;
    }
    return 0;
}

/* A worker's context, simulator (with the scenario's tolerances and the
 * given method), event table and buffers; with solver: batch: and the BDF
 * method, the batch solver and its lanes. */
static ms_status worker_init(ms_context *ctx, worker *w, const ms_scenario *sc, ms_method method)
{
    const ms_model *m = sc->model;
    size_t np = m->count[MS_PARAM], ns = m->count[MS_STATE], no = m->count[MS_OBSERVABLE];
    ms_status st;
    w->params = msi_alloc(ctx, (np + 1) * sizeof *w->params);
    w->times = msi_alloc(ctx, sc->nvisits * sizeof *w->times);
    w->buf = msi_alloc(ctx, sc->nvisits * (ns + no) * sizeof *w->buf);
    if (!w->params || !w->times || !w->buf || ms_context_new(&w->ctx, &ctx->alloc) != MS_OK)
        return msi_nomem(ctx);
    if ((st = ms_sim_new(w->ctx, m, &w->sim)) || (st = ms_events_new(w->ctx, m, &w->ev)) ||
        (st = ms_sim_set_tolerances(w->sim, sc->rtol, sc->atol)) ||
        (st = ms_sim_set_method(w->sim, method)))
        return msi_fail(ctx, st, NULL, 0, 0, "%s", ms_errmsg(w->ctx));
    for (size_t v = 0; v < sc->nvisits; v++)
        w->times[v] = sc->visits[v] * 168.0;
    if (sc->batch <= 1 || method != MS_METHOD_BDF)
        return MS_OK;
    size_t nl = sc->batch;
    w->lane = msi_alloc(ctx, nl * sizeof *w->lane);
    w->lev = msi_alloc(ctx, nl * sizeof *w->lev);
    w->lev_used = msi_alloc(ctx, nl * sizeof *w->lev_used);
    w->lout = msi_alloc(ctx, nl * sizeof *w->lout);
    w->lrec = msi_alloc(ctx, nl * sizeof *w->lrec);
    if (!w->lane || !w->lev || !w->lev_used || !w->lout || !w->lrec)
        return msi_nomem(ctx);
    w->nlane = nl;
    if ((st = msi_batch_new(w->ctx, m, &w->bt)))
        return msi_fail(ctx, st, NULL, 0, 0, "%s", ms_errmsg(w->ctx));
    for (size_t l = 0; l < nl; l++) {
        if ((st = ms_sim_new(w->ctx, m, &w->lane[l])) ||
            (st = ms_events_new(w->ctx, m, &w->lev[l])) ||
            (st = ms_sim_set_tolerances(w->lane[l], sc->rtol, sc->atol)))
            return msi_fail(ctx, st, NULL, 0, 0, "%s", ms_errmsg(w->ctx));
        if (!(w->lout[l] = msi_alloc(ctx, sc->nvisits * (ns + no) * sizeof **w->lout)))
            return msi_nomem(ctx);
    }
    return MS_OK;
}

static void worker_free(ms_context *ctx, worker *w)
{
    for (size_t l = 0; l < w->nlane; l++) {
        ms_sim_free(w->lane[l]);
        ms_events_free(w->lev[l]);
        msi_free(ctx, w->lout[l]);
    }
    msi_batch_free(w->bt);
    msi_free(ctx, w->lane);
    msi_free(ctx, w->lev);
    msi_free(ctx, w->lev_used);
    msi_free(ctx, w->lout);
    msi_free(ctx, w->lrec);
    ms_sim_free(w->sim);
    ms_events_free(w->ev);
    ms_context_free(w->ctx);
    msi_free(ctx, w->params);
    msi_free(ctx, w->times);
    msi_free(ctx, w->buf);
    memset(w, 0, sizeof *w);
}

/* The numerical check: the first records of block 0 (planned in b)
 * simulated with the scenario's method and with the other one, compared
 * visit by visit.  The same records whatever the threads, ranks or
 * resumption.  Relative differences are taken against the larger
 * magnitude, or against 1e-6 for values smaller than that. */
static ms_status numerics_check(ms_context *ctx, ms_trial *t, const ms_trial_options *opt,
                                const block *b)
{
    const ms_scenario *sc = t->sc;
    size_t no = sc->model->count[MS_OBSERVABLE], nv = sc->nvisits;
    size_t k = (size_t)opt->check_records < b->n ? (size_t)opt->check_records : b->n;
    ms_numerics_check *c = &t->check;
    memset(c, 0, sizeof *c);
    c->method = sc->method;
    c->other = sc->method == MS_METHOD_BDF ? MS_METHOD_DIRK : MS_METHOD_BDF;
    worker w[2] = {{0}};
    block x[2] = {{0}};
    ms_status st = MS_OK;
    for (int j = 0; j < 2 && !st; j++) {
        if ((st = worker_init(ctx, &w[j], sc, j ? c->other : c->method)))
            break;
        if (block_init(ctx, &x[j], sc)) {
            st = msi_nomem(ctx);
            break;
        }
        /* the scenario's method as the trial runs it: in batches, the
         * whole block (its batches are the trial's); the other alone */
        size_t nrec = j == 0 && w[0].bt ? b->n : k;
        memcpy(x[j].h, b->h, nrec * sizeof *b->h);
        memcpy(x[j].cand, b->cand, (size_t)b->np * sizeof *b->cand);
        x[j].p0 = b->p0;
        x[j].np = b->np;
        x[j].n = nrec;
        block_units(sc, &x[j]);
        for (size_t u = 0; j == 0 && u < x[j].nunits && !st; u++)
            if (simulate_unit(&w[j], sc, opt, &x[j], u))
                st = msi_nomem(ctx);
        for (size_t i = 0; j == 1 && i < nrec && !st; i++)
            if (simulate_one(&w[j], sc, opt, &x[j], i))
                st = msi_nomem(ctx);
    }
    for (size_t i = 0; i < k && !st; i++) {
        const msi_rechdr *ra = &x[0].h[i], *rb = &x[1].h[i];
        c->n++;
        if (ra->failed != rb->failed)
            c->failed_one++;
        if (ra->failed || rb->failed)
            continue;
        const double *oa = x[0].obs + i * nv * no, *ob = x[1].obs + i * nv * no;
        for (size_t j = 0; j < nv * no; j++) {
            double d = fabs(oa[j] - ob[j]);
            double mag = fmax(fmax(fabs(oa[j]), fabs(ob[j])), 1e-6);
            if (j % no == (size_t)sc->score && d > c->score_diff)
                c->score_diff = d;
            if (d / mag > c->rel_diff)
                c->rel_diff = d / mag;
        }
    }
    for (int j = 0; j < 2; j++) {
        worker_free(ctx, &w[j]);
        block_free(ctx, &x[j]);
    }
    c->disagree = c->failed_one > 0 || c->score_diff > MS_CHECK_SCORE || c->rel_diff > MS_CHECK_REL;
    if (st)
        memset(c, 0, sizeof *c);
    return st;
}

/* ------------------------------------------------------------------ run */

ms_status ms_trial_patient(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                           long patient, size_t arm, double *params, ms_patient *pt)
{
    static const ms_trial_options none = {0};
    if (!ctx || !sc || !params || !pt || patient < 0 || arm >= sc->narms)
        return MS_ERR_ARG;
    opt = opt ? opt : &none;
    const ms_model *m = sc->model;
    unsigned long long seed = opt->seed ? *opt->seed : sc->seed;
    ms_sim *sim = NULL;
    ms_status st = ms_sim_new(ctx, m, &sim);
    /* screening again, as screen_block: the patient-th candidate included */
    long included = -1;
    unsigned long long k = 0;
    for (; !st && included < patient; k++) {
        if (k >= (unsigned long long)(patient + 1) * MS_MAX_SCREEN_RATIO + 1000) {
            st = msi_fail(ctx, MS_ERR_ARG, sc->file, 0, 0,
                          "the inclusion criteria accepted %ld of %llu candidates before patient "
                          "%ld; they exclude almost everyone",
                          included + 1, k, patient);
            break;
        }
        if ((st = ms_cohort_draw(ctx, m, seed, k, params)))
            break;
        for (size_t j = 0; j < opt->n_set; j++)
            params[opt->set_param[j]] = opt->set_value[j];
        for (size_t j = 0; j < opt->n_force; j++)
            params[opt->force_param[j]] = opt->force_value[j];
        if ((st = ms_sim_set_params(sim, params)))
            break;
        int ok = 1;
        for (size_t c = 0; c < sc->ncrit && ok && !st; c++) {
            double v;
            st = ms_sim_baseline(sim, sc->crit[c].name, &v);
            ok = v >= sc->crit[c].min && v <= sc->crit[c].max;
        }
        included += ok;
    }
    ms_sim_free(sim);
    if (st)
        return st;
    /* the values simulate_one gives the patient in this arm */
    if ((st = arm_params(ctx, sc, opt, seed, k - 1, &sc->arms[arm], params)))
        return st;
    *pt = (ms_patient){seed, (unsigned long long)patient,
                       m->body_weight >= 0 ? params[m->body_weight] : NAN, 1};
    return msi_ok(ctx);
}

ms_status ms_trial_run(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                       ms_trial **out)
{
    if (!ctx || !sc || !out)
        return MS_ERR_ARG;
    *out = NULL;
    ms_trial_options defaults = {0};
    if (!opt)
        opt = &defaults;
    const ms_model *m = sc->model;
    size_t np = m->count[MS_PARAM];
    int nranks = opt->nranks > 1 ? opt->nranks : 1, rank = nranks > 1 ? opt->rank : 0;
    if (rank < 0 || rank >= nranks || (nranks > 1 && (!opt->send || !opt->recv)))
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0,
                        "rank %d of %d: expected 0 <= rank < ranks and send/recv functions", rank,
                        nranks);
    if (opt->resume && !opt->out_dir)
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "resuming needs the output directory");
    for (size_t j = 0; j < opt->n_set; j++)
        if (!opt->set_param || opt->set_param[j] < 0 || (size_t)opt->set_param[j] >= np ||
            !isfinite(opt->set_value[j]))
            return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "invalid parameter override %zu", j);
    for (size_t j = 0; j < opt->n_force; j++)
        if (!opt->force_param || !opt->force_value || opt->force_param[j] < 0 ||
            (size_t)opt->force_param[j] >= np || !isfinite(opt->force_value[j]))
            return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "invalid forced parameter %zu", j);
    if (sc->narms > 64)
        return msi_fail(ctx, MS_ERR_LIMIT, sc->file, 0, 0, "more than 64 arms");
    if (opt->batch < 0 || opt->batch > MS_BATCH_MAX ||
        (opt->batch > 1 && sc->method != MS_METHOD_BDF))
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0,
                        "batch %d: expected 0 to %d patients, more than 1 with the bdf method "
                        "only",
                        opt->batch, MS_BATCH_MAX);
    double t0 = msi_now_s();
    ms_trial *t = msi_alloc(ctx, sizeof *t);
    if (!t)
        return msi_nomem(ctx);
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    t->given = sc;
    t->run_sc = *sc; /* shares the scenario's arrays: it outlives the trial */
    if (opt->batch > 0)
        t->run_sc.batch = (size_t)opt->batch;
    t->sc = sc = &t->run_sc;
    t->worker_rank = rank;
    t->lock_fd = -1;
    long total = sc->design == MS_DESIGN_MATCHED ? sc->per_arm : sc->per_arm * (long)sc->narms;
    t->included = total;
    t->nres = sc->design == MS_DESIGN_MATCHED ? (size_t)total * sc->narms : (size_t)total;
    t->rejected = msi_alloc(ctx, (sc->ncrit + 1) * sizeof *t->rejected);
    t->seed = opt->seed ? *opt->seed : sc->seed;
    t->set_idx = msi_alloc(ctx, (opt->n_set + 1) * sizeof *t->set_idx);
    t->set_val = msi_alloc(ctx, (opt->n_set + 1) * sizeof *t->set_val);
    t->force_idx = msi_alloc(ctx, (opt->n_force + 1) * sizeof *t->force_idx);
    t->force_val = msi_alloc(ctx, (opt->n_force + 1) * sizeof *t->force_val);
    int kept = t->set_idx && t->set_val && t->force_idx && t->force_val;
    if (kept) {
        t->nset = opt->n_set;
        t->nforce = opt->n_force;
        if (opt->n_set) {
            memcpy(t->set_idx, opt->set_param, opt->n_set * sizeof *t->set_idx);
            memcpy(t->set_val, opt->set_value, opt->n_set * sizeof *t->set_val);
        }
        if (opt->n_force) {
            memcpy(t->force_idx, opt->force_param, opt->n_force * sizeof *t->force_idx);
            memcpy(t->force_val, opt->force_value, opt->n_force * sizeof *t->force_val);
        }
    }
    ms_status st =
        t->rejected && kept ? msi_tally_init(&t->tally, ctx, sc, t->seed) : msi_nomem(ctx);
    if (st) {
        ms_trial_free(t);
        return st;
    }
    memset(t->rejected, 0, (sc->ncrit + 1) * sizeof *t->rejected);

    int threads = opt->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_num_procs();
#else
    threads = 1;
#endif
    t->threads = threads;
    block b = {0};
    msi_stream o = {0};
    int stopped = 0;
    worker *w = msi_alloc(ctx, (size_t)threads * sizeof *w);
    ms_sim *screen_sim = NULL;
    double *screen_params = msi_alloc(ctx, (np + 1) * sizeof *screen_params);
    if (!w || !screen_params || block_init(ctx, &b, sc)) {
        st = msi_nomem(ctx);
        goto done;
    }
    memset(w, 0, (size_t)threads * sizeof *w);
    for (int i = 0; i < threads && !st; i++)
        st = worker_init(ctx, &w[i], sc, sc->method);
    if (!st)
        st = ms_sim_new(ctx, m, &screen_sim);
    if (st)
        goto done;

    /* outputs, and where to start */
    long start = 0;
    if (rank == 0 && opt->out_dir) {
        st = lock_dir(ctx, t, opt->out_dir);
        if (st)
            goto done;
        st = opt->resume ? msi_stream_resume(ctx, sc, opt, &o, &t->tally, b.h, b.sub, b.obs, b.cap,
                                             threads, &start)
                         : msi_stream_open(ctx, sc, opt, &o);
        if (st)
            goto done;
    }
    if (nranks > 1) {
        /* every rank starts at rank 0's block (a resumed run's checkpoint) */
        int64_t s64 = start;
        for (int r = 1; r < nranks && rank == 0; r++)
            if (opt->send(opt->xud, r, &s64, sizeof s64)) {
                st = msi_fail(ctx, MS_ERR_IO, NULL, 0, 0, "cannot reach rank %d", r);
                goto done;
            }
        if (rank > 0 && opt->recv(opt->xud, 0, &s64, sizeof s64)) {
            st = msi_fail(ctx, MS_ERR_IO, NULL, 0, 0, "no start from rank 0");
            goto done;
        }
        start = (long)s64;
    }

    long nblocks = (total + MS_BLOCK_PATIENTS - 1) / MS_BLOCK_PATIENTS;
    unsigned long long cand = 0;
    double last_report = msi_now_s(), last_cp = msi_now_s();
    long consumed = t->tally.nrec, blocks_done = start;
    for (long bi = 0; bi < nblocks; bi++) {
        b.p0 = bi * MS_BLOCK_PATIENTS;
        b.np = total - b.p0 < MS_BLOCK_PATIENTS ? total - b.p0 : MS_BLOCK_PATIENTS;
        /* every rank screens every block: the cohort is sequential */
        if ((st = screen_block(ctx, t, opt, screen_sim, screen_params, &b, &cand)))
            break;
        if (bi == 0 && rank == 0 && opt->check_records > 0) {
            block_plan(sc, t->seed, &b);
            if ((st = numerics_check(ctx, t, opt, &b)))
                break;
        }
        if (bi < start)
            continue;
        if (rank == 0 && opt->stop && *opt->stop) {
            stopped = 1;
            break;
        }
        int owner = (int)(bi % nranks);
        block_plan(sc, t->seed, &b);
        if (owner == rank) {
            int nomem = 0;
            long n = (long)b.nunits;
            volatile int *stop = rank == 0 ? opt->stop : NULL;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
            for (long i = 0; i < n; i++) {
#ifdef _OPENMP
                worker *me = &w[omp_get_thread_num()];
#else
                worker *me = &w[0];
#endif
                if (stop && *stop)
                    continue; /* the block is dropped; a resumed run redoes it */
                if (simulate_unit(me, sc, opt, &b, (size_t)i)) {
#pragma omp atomic write
                    nomem = 1;
                }
            }
            if (nomem) {
                st = msi_nomem(ctx);
                break;
            }
            if (stop && *stop) {
                stopped = 1;
                break;
            }
            if (rank != 0 && opt->send(opt->xud, 0, b.mem, b.bytes)) {
                st = msi_fail(ctx, MS_ERR_IO, NULL, 0, 0, "cannot send block %ld", bi);
                break;
            }
        } else if (rank == 0 && opt->recv(opt->xud, owner, b.mem, b.bytes)) {
            st = msi_fail(ctx, MS_ERR_IO, NULL, 0, 0, "no block %ld from rank %d", bi, owner);
            break;
        }
        if (rank != 0)
            continue;
        /* rank 0: in order, to disk and into the tally */
        if (o.f[0])
            msi_stream_write(&o, sc, b.h, b.sub, b.obs, b.n);
        msi_tally_add(&t->tally, b.h, b.sub, b.obs, b.n, threads);
        consumed += (long)b.n;
        blocks_done = bi + 1;
        double tn = msi_now_s();
        if (o.f[0] && (tn - last_cp >= MS_CHECKPOINT_S || bi + 1 == nblocks)) {
            if ((st = msi_stream_checkpoint(ctx, &o, blocks_done, consumed)))
                break;
            last_cp = tn;
        }
        if (opt->progress && tn - last_report >= 0.5) {
            opt->progress(opt->ud, (size_t)consumed, t->nres, tn - t0);
            last_report = tn;
        }
    }
    if (!st && stopped && o.f[0])
        st = msi_stream_checkpoint(ctx, &o, blocks_done, consumed);
    if (rank == 0 && opt->progress)
        opt->progress(opt->ud, (size_t)consumed, t->nres, msi_now_s() - t0);
    st = msi_stream_close(ctx, &o, st);
    /* the checkpoint stays until ms_trial_finish(): a run stopped while its
     * summary and report are written still resumes */
    t->interrupted = stopped;
    if (!st && rank == 0)
        st = msi_results_analyse(ctx, &t->tally, &t->res);
    t->seconds = msi_now_s() - t0;
done:
    for (int i = 0; w && i < threads; i++)
        worker_free(ctx, &w[i]);
    msi_free(ctx, w);
    msi_free(ctx, screen_params);
    ms_sim_free(screen_sim);
    block_free(ctx, &b);
    if (o.fp || o.f[0])
        msi_stream_close(ctx, &o, st);
    if (st) {
        ms_trial_free(t);
        return st;
    }
    *out = t;
    msi_ok(ctx);
    return stopped ? MS_STOPPED : MS_OK;
}

/* ---------------------------------------------------------------- output */

/* Copies the run's inputs (scenario, model, every arm's protocol) into
 * dir/inputs, as a record of what ran.  Two different files of one name are
 * kept apart as NAME, 2-NAME, 3-NAME...; an input that already lies there
 * (the scenario was read from dir/inputs) is left as it is. */
static ms_status copy_inputs(ms_context *ctx, const ms_scenario *sc, const char *dir)
{
    char in_dir[4096];
    snprintf(in_dir, sizeof in_dir, "%s/inputs", dir);
    if (mkdir(in_dir, 0777) != 0 && errno != EEXIST)
        return msi_fail(ctx, MS_ERR_WRITE, in_dir, 0, 0, "cannot create: %s", strerror(errno));
    size_t n = 2 + sc->narms;
    const char **src = msi_alloc(ctx, n * sizeof *src);
    if (!src)
        return msi_nomem(ctx);
    size_t k = 0;
    src[k++] = sc->file;
    src[k++] = sc->model_path;
    for (size_t a = 0; a < sc->narms; a++)
        if (sc->arms[a].protocol_path)
            src[k++] = sc->arms[a].protocol_path;
    ms_status st = MS_OK;
    for (size_t i = 0; !st && i < k; i++) {
        const char *base = strrchr(src[i], '/');
        base = base ? base + 1 : src[i];
        int dup = 0, same = 0;
        for (size_t j = 0; j < i; j++) {
            const char *b = strrchr(src[j], '/');
            if (strcmp(b ? b + 1 : src[j], base) == 0)
                strcmp(src[j], src[i]) == 0 ? (void)(same = 1) : (void)dup++;
        }
        if (same)
            continue;
        char dst[4096 + 512];
        if (dup)
            snprintf(dst, sizeof dst, "%s/%d-%s", in_dir, dup + 1, base);
        else
            snprintf(dst, sizeof dst, "%s/%s", in_dir, base);
        st = msi_file_copy(ctx, src[i], dst);
    }
    msi_free(ctx, (void *)src);
    return st;
}

/* summary.csv and synergy.csv of t, and its counterpart's under dir */
static ms_status write_summary(ms_context *ctx, const ms_trial *t, const char *dir)
{
    ms_status st = msi_results_write(ctx, t->sc, &t->res, dir);
    if (!st && t->cp.trial) {
        /* the counterpart's summary beside the run's (claims.c) */
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, ms_claims_dir((ms_claims_setting)t->cp.other));
        if (mkdir(sub, 0777) != 0 && errno != EEXIST)
            return msi_fail(ctx, MS_ERR_WRITE, sub, 0, 0, "cannot create: %s", strerror(errno));
        st = write_summary(ctx, t->cp.trial, sub);
    }
    return st;
}

ms_status ms_trial_write(ms_context *ctx, const ms_trial *t, const char *dir)
{
    if (!ctx || !t || !dir)
        return MS_ERR_ARG;
    ms_status st = copy_inputs(ctx, t->sc, dir);
    if (!st)
        st = write_summary(ctx, t, dir);
    return st ? st : msi_ok(ctx);
}

ms_status ms_trial_arm_summary(const ms_trial *t, size_t arm, ms_arm_summary *out)
{
    if (!t || !out || arm >= t->sc->narms || !t->res.stat)
        return MS_ERR_ARG;
    *out = msi_results_arm(&t->res, 0, arm)->s;
    return MS_OK;
}

ms_status ms_trial_group_summary(const ms_trial *t, size_t group, size_t arm, ms_arm_summary *out)
{
    if (!t || !out || arm >= t->sc->narms || !t->res.stat || group >= t->res.ngroups)
        return MS_ERR_ARG;
    *out = msi_results_arm(&t->res, group, arm)->s;
    return MS_OK;
}

ms_status ms_trial_visit(const ms_trial *t, size_t arm, size_t visit, ms_visit_summary *out)
{
    const msi_tally *ty = t ? &t->tally : NULL;
    if (!t || !out || arm >= t->sc->narms || visit >= t->sc->nvisits || !ty->base)
        return MS_ERR_ARG;
    size_t nv = t->sc->nvisits;
    const msi_moments *b = &ty->base[arm];
    const msi_moments *at = &ty->visit[(arm * nv + visit) * ty->nobs + (size_t)t->sc->score];
    out->n = (long)b->n;
    out->score = b->n > 0 ? at->mean : NAN;
    out->change = b->n > 0 ? at->mean - b->mean : NAN;
    out->response = b->n > 0 ? (double)ty->vresp[arm * nv + visit] / b->n : NAN;
    out->remission = b->n > 0 ? (double)ty->vrem[arm * nv + visit] / b->n : NAN;
    return MS_OK;
}

double ms_trial_sustained(const ms_trial *t, size_t arm, size_t from, size_t visit)
{
    if (!t || arm >= t->sc->narms || from >= t->sc->nvisits || visit >= t->sc->nvisits ||
        !t->tally.vresp)
        return NAN;
    size_t nv = t->sc->nvisits;
    long r = t->tally.vresp[arm * nv + from];
    return r > 0 ? (double)t->tally.vsust[(arm * nv + from) * nv + visit] / (double)r : NAN;
}

double ms_trial_remission_kept(const ms_trial *t, size_t arm, size_t from, size_t visit)
{
    if (!t || arm >= t->sc->narms || from >= t->sc->nvisits || visit >= t->sc->nvisits ||
        visit <= from || !t->tally.vrem)
        return NAN;
    size_t nv = t->sc->nvisits;
    long r = t->tally.vrem[arm * nv + from];
    return r > 0 ? (double)t->tally.vkeeprem[(arm * nv + from) * nv + visit] / (double)r : NAN;
}

ms_status ms_trial_visit_observable(const ms_trial *t, size_t arm, size_t visit, size_t obs,
                                    double *mean, double *sd, long *n)
{
    if (!t || !t->tally.visit || arm >= t->sc->narms || visit >= t->sc->nvisits ||
        obs >= ms_model_count(t->sc->model, MS_OBSERVABLE))
        return MS_ERR_ARG;
    size_t no = ms_model_count(t->sc->model, MS_OBSERVABLE);
    const msi_moments *m = &t->tally.visit[(arm * t->sc->nvisits + visit) * no + obs];
    if (mean)
        *mean = m->n > 0 ? m->mean : NAN;
    if (sd)
        *sd = m->n > 1 ? sqrt(m->m2 / (m->n - 1)) : NAN;
    if (n)
        *n = (long)m->n;
    return MS_OK;
}

size_t ms_trial_arm_changes(const ms_trial *t, size_t arm, const double **changes)
{
    if (!t || arm >= t->sc->narms || !t->tally.nkeep) {
        if (changes)
            *changes = NULL;
        return 0;
    }
    if (changes)
        *changes = t->tally.keep_change[arm];
    return t->tally.nkeep[arm];
}

ms_status ms_trial_synergy(const ms_trial *t, ms_synergy_summary *out)
{
    if (!t || !out)
        return MS_ERR_ARG;
    const msi_synergy *y = &t->res.syn;
    *out = (ms_synergy_summary){y->valid,
                                y->contrast,
                                y->lo,
                                y->hi,
                                y->bliss,
                                y->bliss_lo,
                                y->bliss_hi,
                                y->hsa,
                                y->hsa_lo,
                                y->hsa_hi,
                                y->verdict ? y->verdict : "",
                                y->n_diff,
                                y->n_inter,
                                t->sc->alpha,
                                t->sc->power_target};
    return MS_OK;
}

ms_status ms_trial_comparison(const ms_trial *t, size_t i, ms_comparison *out)
{
    if (!t || !out || i >= t->res.ncmp)
        return MS_ERR_ARG;
    *out = t->res.cmp[i];
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
        *failed = t->res.n_failed;
}

void ms_trial_numerics(const ms_trial *t, ms_numerics_check *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (t)
        *out = t->check;
}

int ms_trial_interrupted(const ms_trial *t)
{
    return t ? t->interrupted : 0;
}
