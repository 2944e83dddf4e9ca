/*
 * sensitivity.c — what a scenario's answers rest on: global sensitivity of
 * each reported answer (every arm against control and every compare:
 * pair -- the difference in mean change, response and remission -- and a
 * factorial's interaction contrast) to the model's hypotheses.
 *
 * The parameters: by default every parameter labelled a hypothesis, not
 * drawn per patient, on which the scenario's score depends (the expression
 * graph's dependencies, ms_model_dependencies), each over its plausible
 * range (ms_model_param_range: the model's range: or the documented
 * default), centred on the scenario's value where every arm sets one.
 * Methods: Morris's elementary effects (r trajectories on a p-level grid,
 * mu*, mu and sigma; Morris 1991, Technometrics 33:161-174,
 * doi:10.1080/00401706.1991.10484804; mu*: Campolongo, Cariboni & Saltelli
 * 2007, Environ Model Softw 22:1509-1518, doi:10.1016/j.envsoft.2006.10.004)
 * and Sobol's first-order and total indices (Saltelli's design on GSL's
 * quasi-random Sobol sequence -- Halton beyond its 40 dimensions -- with
 * Jansen's estimators; Saltelli et al. 2010, Comput Phys Commun
 * 181:259-270, doi:10.1016/j.cpc.2009.09.018), with percentile bootstrap
 * intervals; and one at a time, each parameter at the ends of its range
 * (the tornado).  Every evaluation is a whole trial on the same virtual
 * patients (the scenario's seed: common random numbers), one setting,
 * without bootstrap or power (not reported here).  Sits above the trial
 * and reads the scenario; owns ms_sensitivity.
 */
#define _DEFAULT_SOURCE /* truncate */
#include "sensitivity.h"
#include "../core/rng.h"
#include "../protocol/protocol_impl.h"

#include <errno.h>
#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS_RNG_SENS 6 /* (trajectory, parameter, purpose): the Morris design */

/* -------------------------------------------------------- the parameters */

static double value_at(const ms_param_range *r, double u)
{
    if (r->log)
        return exp(log(r->low) + u * (log(r->high) - log(r->low)));
    return r->low + u * (r->high - r->low);
}

/* The scenario's value of parameter i: the value of the arms that set it
 * (set:) if they agree -- a claim the exosome arms set is the scenario's
 * value though the sham arm, which gives no exosome, leaves it -- else the
 * model's. */
static double scenario_value(const ms_scenario *sc, size_t i)
{
    double v = NAN;
    for (size_t a = 0; a < sc->narms; a++)
        for (size_t j = 0; j < sc->arms[a].nset; j++)
            if ((size_t)sc->arms[a].set_idx[j] == i) {
                if (!isnan(v) && sc->arms[a].set_val[j] != v)
                    return sc->model->sym[MS_PARAM][i].value;
                v = sc->arms[a].set_val[j];
            }
    return isnan(v) ? sc->model->sym[MS_PARAM][i].value : v;
}

/* The states no arm moves (compartments of treatments no arm gives): the
 * inputs the arms' protocols drive, their calendars' and courses', and the
 * course inputs they count toward. */
static ms_status held_states(const ms_scenario *sc, unsigned char *held, unsigned char *used)
{
    const ms_model *m = sc->model;
    size_t ns = m->count[MS_STATE];
    double *y = msi_alloc(sc->ctx, 2 * (ns + 1) * sizeof *y);
    ms_sim *sim = NULL;
    ms_status st = y ? ms_sim_new(sc->ctx, m, &sim) : msi_nomem(sc->ctx);
    size_t ni = m->count[MS_INPUT];
    for (size_t a = 0; !st && a < sc->narms; a++) {
        const ms_protocol *p = sc->arms[a].proto;
        for (size_t c = 0; p && c <= p->ncourses; c++) {
            const ms_protocol *cal = c ? p->courses[c - 1].cal : p;
            for (size_t t = 0; t < cal->ntr; t++) {
                int i = ms_model_find(m, MS_INPUT, cal->tr[t].input);
                if (i >= 0)
                    used[i] = 1;
            }
            for (size_t d = 0; c == 0 && d < p->ndoses; d++) {
                int i = ms_model_find(m, MS_INPUT, p->doses[d].input);
                if (i >= 0)
                    used[i] = 1;
            }
        }
    }
    for (size_t i = 0; !st && i < ni; i++)
        if (used[i] && m->sym[MS_INPUT][i].course_of >= 0)
            used[m->sym[MS_INPUT][i].course_of] = 1;
    if (!st)
        st = ms_sim_initial(sim, y);
    if (!st)
        st = ms_sim_rhs(sim, 0, y, y + ns);
    if (!st)
        st = msi_model_held_states(m, used, y, y + ns, held);
    ms_sim_free(sim);
    msi_free(sc->ctx, y);
    return st;
}

static int is_varying(const ms_model *m, size_t i)
{
    for (size_t v = 0; v < m->nvar; v++)
        if ((size_t)m->var[v].param == i)
            return 1;
    return 0;
}

static ms_status choose_params(ms_sensitivity *s, const ms_sensitivity_options *opt)
{
    const ms_scenario *sc = s->sc;
    const ms_model *m = sc->model;
    size_t np = m->count[MS_PARAM];
    unsigned char *dep = msi_alloc(s->ctx, np + 1);
    s->param = msi_alloc(s->ctx, (np + 1) * sizeof *s->param);
    s->range = msi_alloc(s->ctx, (np + 1) * sizeof *s->range);
    s->nominal = msi_alloc(s->ctx, (np + 1) * sizeof *s->nominal);
    if (!dep || !s->param || !s->range || !s->nominal) {
        msi_free(s->ctx, dep);
        return msi_nomem(s->ctx);
    }
    unsigned char *held = msi_alloc(s->ctx, m->count[MS_STATE] + 1);
    unsigned char *used = msi_alloc(s->ctx, m->count[MS_INPUT] + 1);
    ms_status st = held && used ? held_states(sc, held, used) : msi_nomem(s->ctx);
    if (!st)
        st = msi_model_dependencies(m, MS_OBSERVABLE, (size_t)sc->score, dep, held, used);
    msi_free(s->ctx, held);
    msi_free(s->ctx, used);
    for (size_t j = 0; !st && opt->nparams && j < opt->nparams; j++) {
        int i = ms_model_find(m, MS_PARAM, opt->params[j]);
        if (i < 0) {
            const char *best = msi_model_suggest(m, MS_PARAM, opt->params[j]);
            st = msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                          "'%s' is not a parameter of model '%s'%s%s%s", opt->params[j], m->name,
                          best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
        } else if (is_varying(m, (size_t)i)) {
            st = msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                          "'%s' varies between patients (variability:); its spread, not one "
                          "value, is the model's",
                          opt->params[j]);
        } else {
            for (size_t q = 0; q < s->k; q++)
                if (s->param[q] == i)
                    st = msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0, "'%s' named twice",
                                  opt->params[j]);
            s->param[s->k++] = i;
        }
    }
    for (size_t i = 0; !st && !opt->nparams && i < np; i++)
        if (dep[i] && m->sym[MS_PARAM][i].hypothesis && !is_varying(m, i))
            s->param[s->k++] = (int)i;
    msi_free(s->ctx, dep);
    if (st)
        return st;
    size_t kept = 0; /* a hypothesis at 0 without a declared range has none: left out */
    for (size_t r = 0; r < s->k; r++) {
        size_t i = (size_t)s->param[r], q = kept;
        s->param[q] = (int)i;
        s->nominal[q] = scenario_value(sc, i);
        ms_model_param_range(m, i, &s->range[q]);
        if (!s->range[q].declared && !m->sym[MS_PARAM][i].claim &&
            s->nominal[q] != m->sym[MS_PARAM][i].value && s->nominal[q] != 0) {
            /* the default range about the scenario's value */
            double v = s->nominal[q];
            s->range[q].low = v > 0 ? v / 2 : 2 * v;
            s->range[q].high = v > 0 ? 2 * v : v / 2;
            s->range[q].log = v > 0;
        }
        if (s->range[q].high > s->range[q].low)
            kept++;
        else if (opt->nparams) /* asked for by name: say why it cannot be */
            return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                            "parameter '%s' has no range (its value is 0): declare range: in "
                            "the model or leave it out",
                            m->sym[MS_PARAM][i].name);
    }
    s->k = kept;
    if (!s->k)
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "no parameter to vary: the score depends on no hypothesis that is not "
                        "drawn per patient");
    return MS_OK;
}

/* ----------------------------------------------------------- the answers */

static void add_answer(ms_sensitivity *s, int arm, int versus, int kind)
{
    static const char *const what[] = {"mean change", "response", "remission"};
    msi_sens_answer *x = &s->ans[s->na++];
    x->arm = arm;
    x->versus = versus;
    x->kind = kind;
    if (versus < 0)
        snprintf(x->name, sizeof x->name, "interaction contrast (mean change)");
    else
        snprintf(x->name, sizeof x->name, "%s vs %s: %s", s->sc->arms[arm].name,
                 s->sc->arms[versus].name, what[kind]);
}

static ms_status choose_answers(ms_sensitivity *s)
{
    const ms_scenario *sc = s->sc;
    size_t cap = 3 * (sc->narms + sc->ncmp) + 1;
    if (!(s->ans = msi_alloc(s->ctx, cap * sizeof *s->ans)))
        return msi_nomem(s->ctx);
    for (size_t a = 0; sc->control >= 0 && a < sc->narms; a++)
        if ((int)a != sc->control)
            for (int kd = 0; kd < 3; kd++)
                add_answer(s, (int)a, sc->control, kd);
    for (size_t c = 0; c < sc->ncmp; c++)
        if (sc->cmp[c].versus != sc->control)
            for (int kd = 0; kd < 3; kd++)
                add_answer(s, sc->cmp[c].arm, sc->cmp[c].versus, kd);
    if (sc->fac[0] >= 0)
        add_answer(s, -1, -1, ANS_CHANGE);
    if (!s->na)
        return msi_fail(s->ctx, MS_ERR_ARG, sc->file, 0, 0,
                        "the scenario has no comparison to report (no control arm and no "
                        "compare:)");
    return MS_OK;
}

/* ------------------------------------------------------------ journal */

/* The analysis's fingerprint: its inputs' bytes, its settings, and the
 * parameters and ranges chosen.  The bootstrap is not in it: it only
 * analyses the trials. */
static ms_status journal_key(ms_sensitivity *s, const ms_sensitivity_options *opt,
                             const ms_scenario *run_sc, unsigned long long seed, uint64_t *key)
{
    uint64_t h = MSI_FNV0;
    ms_status st = msi_scenario_inputs_hash(s->ctx, s->sc, &h);
    if (st)
        return st;
    int32_t ints[5] = {(int32_t)opt->method, opt->trajectories, opt->levels, opt->samples,
                       opt->tipping};
    h = msi_fnv1a(h, ints, sizeof ints);
    h = msi_fnv1a(h, &run_sc->per_arm, sizeof run_sc->per_arm);
    h = msi_fnv1a(h, &run_sc->batch, sizeof run_sc->batch);
    h = msi_fnv1a(h, &seed, sizeof seed);
    for (size_t j = 0; j < s->k; j++) {
        const char *name = s->sc->model->sym[MS_PARAM][s->param[j]].name;
        h = msi_fnv1a(h, name, strlen(name) + 1);
        double r[3] = {s->range[j].low, s->range[j].high, (double)s->range[j].log};
        h = msi_fnv1a(h, r, sizeof r);
        h = msi_fnv1a(h, &s->nominal[j], sizeof s->nominal[j]);
    }
    *key = h;
    return MS_OK;
}

#define JOURNAL_MAGIC "moodsim sensitivity journal 1"

/* Opens the journal: with resume, reads back its trials first (a record
 * cut short by a stop is dropped, and the file cut back to the last whole
 * one); then appends.  Without resume, the file must not exist. */
static ms_status journal_open(ms_sensitivity *s, const ms_sensitivity_options *opt,
                              const ms_scenario *run_sc, unsigned long long seed)
{
    if (!opt->journal)
        return MS_OK;
    uint64_t key;
    ms_status st = journal_key(s, opt, run_sc, seed, &key);
    if (st)
        return st;
    const char *path = opt->journal;
    s->jpath = path;
    size_t w = s->k + s->na;
    long keep = 0;
    if (!opt->resume) {
        FILE *old = fopen(path, "r");
        if (old) {
            fclose(old);
            return msi_fail(s->ctx, MS_ERR_ARG, path, 0, 0,
                            "holds an unfinished analysis; resume it (--resume) or choose "
                            "another output directory");
        }
        if (!(s->jf = fopen(path, "w")))
            return msi_fail(s->ctx, MS_ERR_IO, path, 0, 0, "cannot create: %s", strerror(errno));
        fprintf(s->jf, "%s %016llx %zu %zu\n", JOURNAL_MAGIC, (unsigned long long)key, s->k, s->na);
        return fflush(s->jf) ? msi_fail(s->ctx, MS_ERR_IO, path, 0, 0, "cannot write") : MS_OK;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return msi_fail(s->ctx, MS_ERR_ARG, path, 0, 0,
                        "no unfinished analysis to resume here (%s)", strerror(errno));
    char line[256];
    unsigned long long fkey = 0;
    size_t fk = 0, fna = 0;
    if (!fgets(line, sizeof line, f) ||
        strncmp(line, JOURNAL_MAGIC " ", strlen(JOURNAL_MAGIC) + 1) ||
        sscanf(line + strlen(JOURNAL_MAGIC), " %llx %zu %zu", &fkey, &fk, &fna) != 3) {
        fclose(f);
        return msi_fail(s->ctx, MS_ERR_ARG, path, 1, 1, "not a sensitivity journal");
    }
    if (fkey != key || fk != s->k || fna != s->na) {
        fclose(f);
        return msi_fail(s->ctx, MS_ERR_ARG, path, 1, 1,
                        "is the journal of another analysis (its scenario, model, protocols or "
                        "settings have changed since); start a new one in another directory");
    }
    keep = ftell(f);
    size_t cap = 0;
    for (long lineno = 2;; lineno++) {
        double *rec;
        if (msi_grow(s->ctx, (void **)&s->jrec, &cap, (s->jn + 1) * w, sizeof *s->jrec)) {
            fclose(f);
            return msi_nomem(s->ctx);
        }
        rec = s->jrec + s->jn * w;
        size_t got = 0;
        int c = 0, whole = 0;
        while (got < w && fscanf(f, "%lf", &rec[got]) == 1)
            got++;
        /* a record ends with its line */
        while ((c = fgetc(f)) == ' ')
            ;
        whole = got == w && c == '\n';
        if (!whole) {
            if (got == 0 && c == EOF)
                break;
            if (c != EOF) { /* not a cut-off last line: a damaged file */
                fclose(f);
                return msi_fail(s->ctx, MS_ERR_ARG, path, (int)lineno, 1,
                                "expected %zu numbers on the line (a trial's parameter values "
                                "and answers)",
                                w);
            }
            break; /* the last record, cut short by a stop: run that trial again */
        }
        s->jn++;
        keep = ftell(f);
    }
    fclose(f);
    if (truncate(path, keep) != 0 || !(s->jf = fopen(path, "a")))
        return msi_fail(s->ctx, MS_ERR_IO, path, 0, 0, "cannot append: %s", strerror(errno));
    return MS_OK;
}

/* The next trial from the journal, if it holds it: 1 (answers in out), 0
 * (run it), or -1 (the journal's trial has other parameter values: fail). */
static int journal_replay(ms_sensitivity *s, const double *x, double *out)
{
    if (s->jpos >= s->jn)
        return 0;
    const double *rec = s->jrec + s->jpos * (s->k + s->na);
    for (size_t j = 0; j < s->k; j++)
        if (rec[j] != x[j])
            return -1;
    memcpy(out, rec + s->k, s->na * sizeof *out);
    s->jpos++;
    return 1;
}

static ms_status journal_add(ms_sensitivity *s, const double *x, const double *out)
{
    if (!s->jf)
        return MS_OK;
    char buf[32];
    for (size_t j = 0; j < s->k + s->na; j++) {
        double v = j < s->k ? x[j] : out[j - s->k];
        snprintf(buf, sizeof buf, "%.17g", v);
        fprintf(s->jf, j ? " %s" : "%s", buf);
    }
    fputc('\n', s->jf);
    if (fflush(s->jf))
        return msi_fail(s->ctx, MS_ERR_IO, s->jpath, 0, 0, "cannot write: %s", strerror(errno));
    return MS_OK;
}

/* Under MPI, what rank 0 tells the others about each trial: before it,
 * whether to run it or its answers from the journal; after it, its answers
 * or that it stopped or failed. */
enum { TRIAL_RAN = 0, TRIAL_REPLAYED = 1, TRIAL_STOPPED = 2, TRIAL_FAILED = 3, TRIAL_RUN = 4 };

static int multi(const ms_sensitivity_options *opt)
{
    return opt->nranks > 1;
}

/* Rank 0 to every other: the trial's outcome and its answers. */
static ms_status tell_ranks(ms_sensitivity *s, const ms_sensitivity_options *opt, int what,
                            const double *out)
{
    double hdr = what;
    for (int r = 1; r < opt->nranks; r++)
        if (opt->send(opt->xud, r, &hdr, sizeof hdr) ||
            ((what == TRIAL_RAN || what == TRIAL_REPLAYED) &&
             opt->send(opt->xud, r, out, s->na * sizeof *out)))
            return msi_fail(s->ctx, MS_ERR_IO, NULL, 0, 0, "cannot reach rank %d", r);
    return MS_OK;
}

/* One trial with the parameters at x (values); the answers into out. */
static ms_status evaluate(ms_sensitivity *s, const ms_scenario *run_sc,
                          const ms_sensitivity_options *opt, const double *x, double *out)
{
    const ms_scenario *sc = s->sc;
    int rank = multi(opt) ? opt->rank : 0;
    double hdr = TRIAL_RAN;
    /* replayed from the journal (rank 0 has it; it tells the others first) */
    int r = rank == 0 ? journal_replay(s, x, out) : 0;
    if (r < 0)
        return msi_fail(s->ctx, MS_ERR_ARG, s->jpath, (int)(s->jpos + 2), 1,
                        "the journal's trial %zu has other parameter values than this "
                        "analysis's; start a new one in another directory",
                        s->jpos + 1);
    if (multi(opt) && rank == 0) { /* first: replayed (answers follow) or to run */
        ms_status st = tell_ranks(s, opt, r > 0 ? TRIAL_REPLAYED : TRIAL_RUN, out);
        if (st)
            return st;
    }
    if (multi(opt) && rank > 0) {
        if (opt->recv(opt->xud, 0, &hdr, sizeof hdr))
            return msi_fail(s->ctx, MS_ERR_IO, NULL, 0, 0, "no word from rank 0");
        if (hdr == TRIAL_REPLAYED) {
            if (opt->recv(opt->xud, 0, out, s->na * sizeof *out))
                return msi_fail(s->ctx, MS_ERR_IO, NULL, 0, 0, "no answers from rank 0");
            r = 1;
        }
    }
    if (r > 0) {
        s->evals++;
        s->replayed++;
        return MS_OK;
    }
    ms_trial_options to = {0};
    to.threads = opt->threads;
    to.stop = opt->stop;
    to.force_param = s->param;
    to.force_value = x;
    to.n_force = s->k;
    if (multi(opt)) {
        to.rank = opt->rank;
        to.nranks = opt->nranks;
        to.send = opt->send;
        to.recv = opt->recv;
        to.xud = opt->xud;
    }
    ms_trial *t = NULL;
    ms_status st = ms_trial_run(s->ctx, run_sc, &to, &t);
    if (multi(opt) && rank > 0) { /* the answers are rank 0's */
        ms_trial_free(t);
        if (opt->recv(opt->xud, 0, &hdr, sizeof hdr))
            return msi_fail(s->ctx, MS_ERR_IO, NULL, 0, 0, "no word from rank 0");
        if (hdr == TRIAL_STOPPED)
            return MS_STOPPED;
        if (hdr == TRIAL_FAILED)
            return st ? st : msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "rank 0's trial failed");
        if (opt->recv(opt->xud, 0, out, s->na * sizeof *out))
            return msi_fail(s->ctx, MS_ERR_IO, NULL, 0, 0, "no answers from rank 0");
        s->evals++;
        return MS_OK;
    }
    if (st) {
        ms_trial_free(t);
        if (multi(opt))
            tell_ranks(s, opt, st == MS_STOPPED ? TRIAL_STOPPED : TRIAL_FAILED, NULL);
        return st;
    }
    s->evals++;
    ms_synergy_summary syn = {0};
    if (sc->fac[0] >= 0)
        ms_trial_synergy(t, &syn);
    for (size_t i = 0; i < s->na; i++) {
        const msi_sens_answer *a = &s->ans[i];
        if (a->versus < 0) {
            out[i] = syn.valid ? syn.contrast : NAN;
            continue;
        }
        ms_arm_summary A, B;
        ms_trial_arm_summary(t, (size_t)a->arm, &A);
        ms_trial_arm_summary(t, (size_t)a->versus, &B);
        out[i] = a->kind == ANS_CHANGE     ? A.mean_change - B.mean_change
                 : a->kind == ANS_RESPONSE ? A.response - B.response
                                           : A.remission - B.remission;
    }
    ms_trial_free(t);
    if (multi(opt) && (st = tell_ranks(s, opt, TRIAL_RAN, out)))
        return st;
    return journal_add(s, x, out);
}

/* ------------------------------------------------------------- helpers */

static void progress(ms_sensitivity *s, const ms_sensitivity_options *opt, double t0)
{
    if (!opt->progress)
        return;
    double el = msi_now_s() - t0;
    size_t ran = s->evals - s->replayed; /* trials from the journal take no time */
    double eta = ran ? el / (double)ran * (double)(s->evals_planned - s->evals) : NAN;
    opt->progress(opt->ud, s->evals, s->evals_planned, eta);
}

/* 2.5 and 97.5 percentiles of B bootstrap means of |x| (or x) over n. */
static void boot_ci(const double *x, size_t n, int absval, unsigned long long seed, uint64_t key,
                    size_t B, double *scratch, double *lo, double *hi)
{
    if (n < 2 || !B) {
        *lo = *hi = NAN;
        return;
    }
    for (size_t b = 0; b < B; b++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)(msi_rng_u01(seed, MS_RNG_SENS, key, b, 1000000 + i) * (double)n);
            sum += absval ? fabs(x[j]) : x[j];
        }
        scratch[b] = sum / (double)n;
    }
    msi_percentile_ci(scratch, B, lo, hi);
}

/* -------------------------------------------------------------- Morris */

static ms_status run_morris(ms_sensitivity *s, const ms_scenario *run_sc,
                            const ms_sensitivity_options *opt, unsigned long long seed)
{
    size_t k = s->k, na = s->na, r = (size_t)opt->trajectories;
    int p = opt->levels;
    double delta = p / (2.0 * (p - 1));
    s->evals_planned = r * (k + 1) + 1;
    double *u = msi_alloc(s->ctx, k * sizeof *u), *x = msi_alloc(s->ctx, k * sizeof *x);
    double *f0 = msi_alloc(s->ctx, na * sizeof *f0), *f1 = msi_alloc(s->ctx, na * sizeof *f1);
    double *ee = msi_alloc(s->ctx, (r * k * na + 1) * sizeof *ee); /* [answer][param][traj] */
    size_t *order = msi_alloc(s->ctx, (k + 1) * sizeof *order);
    double *scratch = msi_alloc(s->ctx, ((size_t)opt->bootstrap + 1) * sizeof *scratch);
    ms_status st = MS_OK;
    if (!u || !x || !f0 || !f1 || !ee || !order || !scratch)
        st = msi_nomem(s->ctx);
    double t0 = msi_now_s();
    if (!st) /* the answers at the scenario's values */
        st = evaluate(s, run_sc, opt, s->nominal, s->base);
    progress(s, opt, t0);
    size_t done = 0; /* complete trajectories */
    for (size_t t = 0; !st && t < r; t++) {
        /* a random start on the grid, a random order, a random direction */
        int dir[256];
        for (size_t j = 0; j < k; j++) {
            int up = msi_rng_u01(seed, MS_RNG_SENS, t, j, 1) < 0.5;
            int lvl = (int)(msi_rng_u01(seed, MS_RNG_SENS, t, j, 2) * (p / 2));
            dir[j % 256] = up ? 1 : -1;
            u[j] = up ? (double)lvl / (p - 1) : 1 - (double)lvl / (p - 1);
            order[j] = j;
        }
        for (size_t j = k; j > 1; j--) {
            size_t q = (size_t)(msi_rng_u01(seed, MS_RNG_SENS, t, j, 3) * (double)j);
            size_t tmp = order[j - 1];
            order[j - 1] = order[q];
            order[q] = tmp;
        }
        for (size_t j = 0; j < k; j++)
            x[j] = value_at(&s->range[j], u[j]);
        if ((st = evaluate(s, run_sc, opt, x, f0)))
            break;
        progress(s, opt, t0);
        for (size_t step = 0; step < k && !st; step++) {
            size_t j = order[step];
            u[j] += dir[j % 256] * delta;
            x[j] = value_at(&s->range[j], u[j]);
            if ((st = evaluate(s, run_sc, opt, x, f1)))
                break;
            progress(s, opt, t0);
            for (size_t a = 0; a < na; a++) {
                ee[(a * k + j) * r + t] = (f1[a] - f0[a]) / (dir[j % 256] * delta);
                f0[a] = f1[a];
            }
        }
        if (!st)
            done = t + 1;
    }
    if (st == MS_STOPPED)
        s->stopped = 1;
    if ((!st || st == MS_STOPPED) && done) {
        for (size_t a = 0; a < na; a++)
            for (size_t j = 0; j < k; j++) {
                const double *e = ee + (a * k + j) * r;
                double sa = 0, sm = 0, ss = 0;
                for (size_t t = 0; t < done; t++) {
                    sa += fabs(e[t]);
                    sm += e[t];
                }
                double mu = sm / (double)done;
                for (size_t t = 0; t < done; t++)
                    ss += (e[t] - mu) * (e[t] - mu);
                ms_sensitivity_index *ix = &s->idx[a * k + j];
                ix->mu_star = sa / (double)done;
                ix->mu = mu;
                ix->sigma = done > 1 ? sqrt(ss / (double)(done - 1)) : NAN;
                boot_ci(e, done, 1, seed, a * k + j, (size_t)opt->bootstrap, scratch,
                        &ix->mu_star_lo, &ix->mu_star_hi);
            }
        st = st == MS_STOPPED ? MS_STOPPED : MS_OK;
    }
    msi_free(s->ctx, u);
    msi_free(s->ctx, x);
    msi_free(s->ctx, f0);
    msi_free(s->ctx, f1);
    msi_free(s->ctx, ee);
    msi_free(s->ctx, order);
    msi_free(s->ctx, scratch);
    return st;
}

/* --------------------------------------------------------------- Sobol */

static ms_status run_sobol(ms_sensitivity *s, const ms_scenario *run_sc,
                           const ms_sensitivity_options *opt, unsigned long long seed)
{
    size_t k = s->k, na = s->na, N = (size_t)opt->samples;
    s->evals_planned = N * (k + 2) + 1;
    gsl_qrng *q = gsl_qrng_alloc(2 * k <= 40 ? gsl_qrng_sobol : gsl_qrng_halton, (unsigned)(2 * k));
    double *pt = msi_alloc(s->ctx, 2 * k * sizeof *pt);
    double *A = msi_alloc(s->ctx, N * k * sizeof *A), *Bm = msi_alloc(s->ctx, N * k * sizeof *Bm);
    double *fA = msi_alloc(s->ctx, N * na * sizeof *fA),
           *fB = msi_alloc(s->ctx, N * na * sizeof *fB);
    double *fAB = msi_alloc(s->ctx, N * k * na * sizeof *fAB); /* [row][param][answer] */
    double *x = msi_alloc(s->ctx, k * sizeof *x);
    double *scratch = msi_alloc(s->ctx, ((size_t)opt->bootstrap + 1) * sizeof *scratch);
    ms_status st = MS_OK;
    if (!q || !pt || !A || !Bm || !fA || !fB || !fAB || !x || !scratch)
        st = msi_nomem(s->ctx);
    double t0 = msi_now_s();
    if (!st) {
        gsl_qrng_get(q, pt); /* the sequence's first point is 0: skipped */
        for (size_t i = 0; i < N; i++) {
            gsl_qrng_get(q, pt);
            for (size_t j = 0; j < k; j++) {
                A[i * k + j] = pt[j];
                Bm[i * k + j] = pt[k + j];
            }
        }
        st = evaluate(s, run_sc, opt, s->nominal, s->base);
        progress(s, opt, t0);
    }
    size_t done = 0;
    for (size_t i = 0; !st && i < N; i++) {
        for (size_t j = 0; j < k; j++)
            x[j] = value_at(&s->range[j], A[i * k + j]);
        if ((st = evaluate(s, run_sc, opt, x, fA + i * na)))
            break;
        progress(s, opt, t0);
        for (size_t j = 0; j < k; j++)
            x[j] = value_at(&s->range[j], Bm[i * k + j]);
        if ((st = evaluate(s, run_sc, opt, x, fB + i * na)))
            break;
        progress(s, opt, t0);
        for (size_t c = 0; c < k && !st; c++) {
            for (size_t j = 0; j < k; j++)
                x[j] = value_at(&s->range[j], j == c ? Bm[i * k + j] : A[i * k + j]);
            st = evaluate(s, run_sc, opt, x, fAB + (i * k + c) * na);
            progress(s, opt, t0);
        }
        if (!st)
            done = i + 1;
    }
    if (st == MS_STOPPED)
        s->stopped = 1;
    if ((!st || st == MS_STOPPED) && done > 1) {
        size_t B = (size_t)opt->bootstrap;
        double *s1b = scratch, *stb = msi_alloc(s->ctx, (B + 1) * sizeof *stb);
        if (!stb) {
            st = msi_nomem(s->ctx);
            goto out;
        }
        for (size_t a = 0; a < na; a++)
            for (size_t c = 0; c < k; c++) {
                ms_sensitivity_index *ix = &s->idx[a * k + c];
                /* Jansen: V from the A and B rows; S1 = 1 - mean((fB - fABc)^2) / 2V,
                 * ST = mean((fA - fABc)^2) / 2V; replicate 0 is the estimate, the
                 * others resample the rows */
                for (size_t b = 0; b <= B; b++) {
                    double m = 0, m2 = 0, d1 = 0, dt = 0;
                    for (size_t i = 0; i < done; i++) {
                        size_t r0 = b == 0 ? i
                                           : (size_t)(msi_rng_u01(seed, MS_RNG_SENS, a * k + c, b,
                                                                  2000000 + i) *
                                                      (double)done);
                        double ya = fA[r0 * na + a], yb = fB[r0 * na + a];
                        double yc = fAB[(r0 * k + c) * na + a];
                        m += ya + yb;
                        m2 += ya * ya + yb * yb;
                        d1 += (yb - yc) * (yb - yc);
                        dt += (ya - yc) * (ya - yc);
                    }
                    double n2 = 2.0 * (double)done, mean = m / n2, V = m2 / n2 - mean * mean;
                    double S1 = V > 0 ? 1 - d1 / (double)done / (2 * V) : NAN;
                    double ST = V > 0 ? dt / (double)done / (2 * V) : NAN;
                    if (b == 0) {
                        ix->s1 = S1;
                        ix->st = ST;
                    } else {
                        s1b[b - 1] = S1;
                        stb[b - 1] = ST;
                    }
                }
                if (B) {
                    msi_percentile_ci(s1b, B, &ix->s1_lo, &ix->s1_hi);
                    msi_percentile_ci(stb, B, &ix->st_lo, &ix->st_hi);
                } else {
                    ix->s1_lo = ix->s1_hi = ix->st_lo = ix->st_hi = NAN;
                }
            }
        msi_free(s->ctx, stb);
        st = st == MS_STOPPED ? MS_STOPPED : MS_OK;
    }
out:
    gsl_qrng_free(q);
    msi_free(s->ctx, pt);
    msi_free(s->ctx, A);
    msi_free(s->ctx, Bm);
    msi_free(s->ctx, fA);
    msi_free(s->ctx, fB);
    msi_free(s->ctx, fAB);
    msi_free(s->ctx, x);
    msi_free(s->ctx, scratch);
    return st;
}

/* ------------------------------------------------- one at a time (tornado) */

static ms_status run_oat(ms_sensitivity *s, const ms_scenario *run_sc,
                         const ms_sensitivity_options *opt)
{
    size_t k = s->k, na = s->na;
    s->evals_planned = 2 * k + 1;
    double *x = msi_alloc(s->ctx, k * sizeof *x), *f = msi_alloc(s->ctx, na * sizeof *f);
    ms_status st = x && f ? MS_OK : msi_nomem(s->ctx);
    double t0 = msi_now_s();
    if (!st)
        st = evaluate(s, run_sc, opt, s->nominal, s->base);
    progress(s, opt, t0);
    for (size_t j = 0; !st && j < k; j++)
        for (int end = 0; end < 2 && !st; end++) {
            memcpy(x, s->nominal, k * sizeof *x);
            x[j] = end ? s->range[j].high : s->range[j].low;
            if ((st = evaluate(s, run_sc, opt, x, f)))
                break;
            progress(s, opt, t0);
            for (size_t a = 0; a < na; a++) {
                ms_sensitivity_index *ix = &s->idx[a * k + j];
                *(end ? &ix->at_high : &ix->at_low) = f[a];
            }
        }
    if (st == MS_STOPPED)
        s->stopped = 1;
    msi_free(s->ctx, x);
    msi_free(s->ctx, f);
    return st;
}

/* -------------------------------------------------------- tipping points */

/* The threshold of answer a: an improvement by the MID for a difference in
 * mean change, 0 for the interaction contrast; NAN for a rate. */
static double threshold_of(const ms_sensitivity *s, size_t a)
{
    const msi_sens_answer *x = &s->ans[a];
    if (x->kind != ANS_CHANGE)
        return NAN;
    return x->versus < 0 ? 0 : -s->sc->mid;
}

/* For each claim among the parameters: the answers at 5 points along its
 * range (the others at the scenario's values), then for each difference in
 * mean change that crosses its threshold between two of them, two steps of
 * regula falsi. */
static ms_status run_tipping(ms_sensitivity *s, const ms_scenario *run_sc,
                             const ms_sensitivity_options *opt)
{
    enum { G = 5 };
    size_t k = s->k, na = s->na;
    const ms_model *m = s->sc->model;
    double *x = msi_alloc(s->ctx, k * sizeof *x), *f = msi_alloc(s->ctx, G * na * sizeof *f);
    double *g = msi_alloc(s->ctx, na * sizeof *g);
    ms_status st = x && f && g ? MS_OK : msi_nomem(s->ctx);
    double t0 = msi_now_s();
    for (size_t j = 0; !st && j < k; j++) {
        if (!m->sym[MS_PARAM][s->param[j]].claim)
            continue;
        s->evals_planned += G;
        double v[G];
        for (int q = 0; q < G && !st; q++) {
            memcpy(x, s->nominal, k * sizeof *x);
            v[q] = x[j] = value_at(&s->range[j], (double)q / (G - 1));
            st = evaluate(s, run_sc, opt, x, f + (size_t)q * na);
            progress(s, opt, t0);
        }
        for (size_t a = 0; !st && a < na; a++) {
            double T = threshold_of(s, a);
            if (isnan(T))
                continue;
            int q = 0;
            while (q < G - 1 && (f[q * na + a] - T) * (f[(q + 1) * na + a] - T) > 0)
                q++;
            ms_sensitivity_index *ix = &s->idx[a * k + j];
            if (q == G - 1) { /* no crossing: short of it, or past it, throughout */
                int past = threshold_of(s, a) == 0 ? f[a] > T : f[a] <= T;
                ix->tipping_where = past ? 3 : 2;
                continue;
            }
            ix->tipping_where = 1;
            double lo = v[q], hi = v[q + 1], flo = f[q * na + a] - T, fhi = f[(q + 1) * na + a] - T;
            double c = flo == fhi ? lo : lo - flo * (hi - lo) / (fhi - flo);
            for (int it = 0; it < 2 && !st && flo != fhi && flo != 0 && fhi != 0; it++) {
                s->evals_planned++;
                memcpy(x, s->nominal, k * sizeof *x);
                x[j] = c;
                st = evaluate(s, run_sc, opt, x, g);
                progress(s, opt, t0);
                double fc = g[a] - T;
                if (fc * flo > 0) {
                    lo = c;
                    flo = fc;
                } else {
                    hi = c;
                    fhi = fc;
                }
                c = flo == fhi ? c : lo - flo * (hi - lo) / (fhi - flo);
            }
            ix->tipping = flo == 0 ? lo : fhi == 0 ? hi : c;
        }
    }
    if (st == MS_STOPPED)
        s->stopped = 1;
    msi_free(s->ctx, x);
    msi_free(s->ctx, f);
    msi_free(s->ctx, g);
    return st;
}

/* ----------------------------------------------------------------- API */

void ms_sensitivity_free(ms_sensitivity *s)
{
    if (!s)
        return;
    ms_context *ctx = s->ctx;
    msi_free(ctx, s->param);
    msi_free(ctx, s->range);
    msi_free(ctx, s->nominal);
    msi_free(ctx, s->ans);
    msi_free(ctx, s->base);
    msi_free(ctx, s->idx);
    msi_free(ctx, s->jrec);
    if (s->jf)
        fclose(s->jf);
    msi_free(ctx, s);
}

ms_status ms_sensitivity_run(ms_context *ctx, const ms_scenario *sc,
                             const ms_sensitivity_options *opt, ms_sensitivity **out)
{
    if (!ctx || !sc || !opt || !out)
        return MS_ERR_ARG;
    *out = NULL;
    if (opt->method < MS_SENS_MORRIS || opt->method > MS_SENS_OAT ||
        (opt->method == MS_SENS_MORRIS &&
         (opt->trajectories < 2 || opt->levels < 2 || opt->levels % 2)) ||
        (opt->method == MS_SENS_SOBOL && opt->samples < 2) || opt->bootstrap < 0 ||
        opt->patients_per_arm < 0 || opt->batch < 0 || opt->batch > MS_BATCH_MAX ||
        (opt->batch > 1 && sc->method != MS_METHOD_BDF))
        return msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0,
                        "sensitivity options: expected trajectories >= 2 and an even number of "
                        "levels >= 2 (Morris), samples >= 2 (Sobol), bootstrap >= 0, a batch "
                        "of 0 to 256 patients (more than 1 with the bdf method only)");
    ms_sensitivity *s = msi_alloc(ctx, sizeof *s);
    if (!s)
        return msi_nomem(ctx);
    s->ctx = ctx;
    s->sc = sc;
    s->method = opt->method;
    double t0 = msi_now_s();
    ms_status st = choose_params(s, opt);
    if (!st)
        st = choose_answers(s);
    if (!st && s->k > 256 && opt->method == MS_SENS_MORRIS)
        st = msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "at most 256 parameters (%zu chosen)", s->k);
    if (!st) {
        s->base = msi_alloc(ctx, s->na * sizeof *s->base);
        s->idx = msi_alloc(ctx, s->na * s->k * sizeof *s->idx);
        if (!s->base || !s->idx)
            st = msi_nomem(ctx);
        for (size_t i = 0; !st && i < s->na * s->k; i++) {
            ms_sensitivity_index *x = &s->idx[i];
            x->mu_star = x->mu_star_lo = x->mu_star_hi = x->mu = x->sigma = NAN;
            x->s1 = x->s1_lo = x->s1_hi = x->st = x->st_lo = x->st_hi = NAN;
            x->at_low = x->at_high = x->tipping = NAN;
        }
    }
    if (st) {
        ms_sensitivity_free(s);
        return st;
    }
    /* every evaluation: the scenario with its own patients (or as many as
     * asked), without the bootstrap and the power search it would report */
    ms_scenario run_sc = *sc;
    run_sc.bootstrap = 0;
    run_sc.power_max = 2; /* the search stops at once */
    if (opt->patients_per_arm > 0)
        run_sc.per_arm = opt->patients_per_arm;
    if (opt->batch > 0)
        run_sc.batch = (size_t)opt->batch;
    unsigned long long seed = opt->seed ? opt->seed : sc->seed;
    if ((st = journal_open(s, opt, &run_sc, seed))) {
        ms_sensitivity_free(s);
        return st;
    }
    st = opt->method == MS_SENS_MORRIS  ? run_morris(s, &run_sc, opt, seed)
         : opt->method == MS_SENS_SOBOL ? run_sobol(s, &run_sc, opt, seed)
                                        : run_oat(s, &run_sc, opt);
    if (!st && opt->tipping) {
        s->tipping_run = 1;
        st = run_tipping(s, &run_sc, opt);
    }
    s->seconds = msi_now_s() - t0;
    if (s->jf) {
        fclose(s->jf);
        s->jf = NULL;
    }
    if (!st && s->jn > s->jpos) /* the journal held trials this analysis never asked for */
        st = msi_fail(ctx, MS_ERR_ARG, opt->journal, 0, 0,
                      "holds %zu trials more than this analysis makes", s->jn - s->jpos);
    if (st && st != MS_STOPPED) {
        ms_sensitivity_free(s);
        return st;
    }
    *out = s;
    return st == MS_STOPPED ? MS_STOPPED : msi_ok(ctx);
}

size_t ms_sensitivity_resumed(const ms_sensitivity *s)
{
    return s ? s->replayed : 0;
}

size_t ms_sensitivity_param_count(const ms_sensitivity *s)
{
    return s ? s->k : 0;
}

const char *ms_sensitivity_param(const ms_sensitivity *s, size_t j, ms_param_range *range,
                                 double *nominal)
{
    if (!s || j >= s->k)
        return NULL;
    if (range)
        *range = s->range[j];
    if (nominal)
        *nominal = s->nominal[j];
    return s->sc->model->sym[MS_PARAM][s->param[j]].name;
}

size_t ms_sensitivity_answer_count(const ms_sensitivity *s)
{
    return s ? s->na : 0;
}

const char *ms_sensitivity_answer(const ms_sensitivity *s, size_t a, double *at_nominal)
{
    if (!s || a >= s->na)
        return NULL;
    if (at_nominal)
        *at_nominal = s->base[a];
    return s->ans[a].name;
}

ms_status ms_sensitivity_index_get(const ms_sensitivity *s, size_t a, size_t j,
                                   ms_sensitivity_index *out)
{
    if (!s || !out || a >= s->na || j >= s->k)
        return MS_ERR_ARG;
    *out = s->idx[a * s->k + j];
    return MS_OK;
}

void ms_sensitivity_counts(const ms_sensitivity *s, size_t *evaluations, size_t *planned,
                           int *stopped, double *seconds)
{
    if (!s)
        return;
    if (evaluations)
        *evaluations = s->evals;
    if (planned)
        *planned = s->evals_planned;
    if (stopped)
        *stopped = s->stopped;
    if (seconds)
        *seconds = s->seconds;
}
