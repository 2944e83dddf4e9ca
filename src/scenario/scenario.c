/*
 * scenario.c — reads a scenario file (docs/scenario-format.md): the model,
 * the arms and their protocols, cohort size, seed, randomisation, visits,
 * endpoints, inclusion criteria, subgroups and analysis settings.  Loads and
 * checks the model and every protocol, resolving paths relative to the
 * scenario file.  Owns ms_scenario.
 */
#include "scenario.h"
#include "../core/yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    ms_context *ctx;
    msi_ydoc doc;
    ms_scenario *sc;
} sreader;

/* An error at a node of the scenario file. */
#define sfail(R, n, ...) msi_yfail((R)->ctx, &(R)->doc, (n), MS_ERR_ARG, __VA_ARGS__)

void ms_scenario_free(ms_scenario *sc)
{
    if (!sc)
        return;
    ms_context *ctx = sc->ctx;
    for (size_t i = 0; i < sc->narms; i++) {
        msi_free(ctx, sc->arms[i].name);
        msi_free(ctx, sc->arms[i].protocol_path);
        msi_free(ctx, sc->arms[i].label);
        msi_free(ctx, sc->arms[i].label_ja);
        ms_protocol_free(sc->arms[i].proto);
        msi_free(ctx, sc->arms[i].set_idx);
        msi_free(ctx, sc->arms[i].set_val);
    }
    for (size_t i = 0; i < sc->ncrit; i++)
        msi_free(ctx, sc->crit_names[i]);
    for (size_t i = 0; i < sc->nsub; i++) {
        msi_free(ctx, sc->sub[i].name);
        msi_free(ctx, sc->sub[i].var);
    }
    msi_free(ctx, sc->arms);
    msi_free(ctx, sc->crit);
    msi_free(ctx, sc->crit_names);
    msi_free(ctx, sc->sub);
    msi_free(ctx, sc->cmp);
    msi_free(ctx, sc->visits);
    msi_free(ctx, sc->markers);
    msi_population_free(ctx, &sc->pop);
    ms_model_free(sc->model);
    msi_free(ctx, sc->file);
    msi_free(ctx, sc->dir);
    msi_free(ctx, sc->name);
    msi_free(ctx, sc->question);
    msi_free(ctx, sc->question_ja);
    msi_free(ctx, sc->desc_ja);
    msi_free(ctx, sc->desc);
    msi_free(ctx, sc->model_path);
    msi_free(ctx, sc);
}

const ms_model *ms_scenario_model(const ms_scenario *sc)
{
    return sc ? sc->model : NULL;
}

ms_status ms_scenario_compile_native(ms_context *ctx, ms_scenario *sc)
{
    return sc ? ms_model_compile_native(ctx, sc->model) : MS_ERR_ARG;
}

/* An error in a file the scenario refers to, reported at the reference:
 * "scenario.yaml:6:33: in the protocol of arm 'A': tms.yaml:13:12: ..." */
static ms_status wrap(sreader *R, const msi_ynode *at, ms_status st, const char *fmt,
                      const char *arg) __attribute__((format(printf, 4, 0)));
static ms_status wrap(sreader *R, const msi_ynode *at, ms_status st, const char *fmt,
                      const char *arg)
{
    if (st == MS_ERR_NOMEM)
        return st;
    char what[256], why[MS_ERRMSG_MAX];
    snprintf(what, sizeof what, fmt, arg);
    snprintf(why, sizeof why, "%s", ms_errmsg(R->ctx));
    return msi_fail(R->ctx, st, R->doc.file, at ? at->line : 1, at ? at->col : 1, "in %s: %s", what,
                    why);
}

static ms_status text(sreader *R, const msi_ynode *map, const char *key, const char *what,
                      int required, char **out)
{
    const msi_ynode *v;
    ms_status st = msi_yget_string(R->ctx, &R->doc, map, key, what, required, &v, MS_ERR_ARG);
    if (st || !v)
        return st;
    *out = msi_strdup(R->ctx, v->str);
    return *out ? MS_OK : msi_nomem(R->ctx);
}

/* A path relative to the scenario's directory. */
static char *rel_path(sreader *R, const char *p)
{
    if (p[0] == '/' || !R->sc->dir[0])
        return msi_strdup(R->ctx, p);
    size_t n = strlen(R->sc->dir) + strlen(p) + 2;
    char *s = msi_alloc(R->ctx, n);
    if (s)
        snprintf(s, n, "%s/%s", R->sc->dir, p);
    return s;
}

static ms_status number(sreader *R, const msi_ynode *n, const char *what, double lo, double hi,
                        double *out)
{
    ms_status st = msi_yget_number(R->ctx, &R->doc, n, what, out, MS_ERR_ARG);
    if (st)
        return st;
    if (*out < lo || *out > hi)
        return sfail(R, n, "%s is %g; expected a number from %g to %g", what, *out, lo, hi);
    return MS_OK;
}

/* A name the model has as an observable (kind 0), or as observable, state
 * or parameter (kind 1). */
static ms_status model_name(sreader *R, const msi_ynode *n, int any, const char *what, int *obs)
{
    const ms_model *m = R->sc->model;
    if (n->type != MS_Y_SCALAR)
        return sfail(R, n, "%s must be a name", what);
    int k = ms_model_find(m, MS_OBSERVABLE, n->str);
    if (obs)
        *obs = k;
    if (k >= 0)
        return MS_OK;
    if (any && (ms_model_find(m, MS_STATE, n->str) >= 0 || ms_model_find(m, MS_PARAM, n->str) >= 0))
        return MS_OK;
    return sfail(R, n, "%s '%s' is not %s of model '%s'", what, n->str,
                 any ? "an observable, state or parameter" : "an observable", m->name);
}

static ms_status read_arms(sreader *R, const msi_ynode *arms)
{
    ms_scenario *sc = R->sc;
    ms_status st;
    if (!arms || arms->type != MS_Y_SEQ || arms->n == 0)
        return sfail(R, arms, "expected 'arms:' with a list of {name:, protocol:}");
    if (arms->n > MS_MAX_ARMS)
        return sfail(R, arms->vals[MS_MAX_ARMS], "a 65th arm; a trial has at most 64");
    sc->arms = msi_alloc(R->ctx, arms->n * sizeof *sc->arms);
    if (!sc->arms)
        return msi_nomem(R->ctx);
    for (size_t i = 0; i < arms->n; i++) {
        static const char *const keys[] = {"name", "protocol", "label", "set", "note", NULL};
        const msi_ynode *a = arms->vals[i];
        msi_arm *arm = &sc->arms[i];
        sc->narms = i + 1;
        if (a->type != MS_Y_MAP)
            return sfail(R, a, "an arm must be a mapping {name:, protocol:}");
        if ((st = msi_ymap_check_keys(R->ctx, &R->doc, a, "an arm", keys, MS_ERR_ARG)) ||
            (st = text(R, a, "name", "an arm", 1, &arm->name)) ||
            (st = text(R, a, "label", "an arm", 0, &arm->label)))
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(sc->arms[j].name, arm->name) == 0)
                return sfail(R, msi_ymap_get(a, "name"), "arm '%s' named twice", arm->name);
        char *pp = NULL;
        if ((st = text(R, a, "protocol", "an arm", 0, &pp)))
            return st;
        if (pp) {
            arm->protocol_path = rel_path(R, pp);
            msi_free(R->ctx, pp);
            if (!arm->protocol_path)
                return msi_nomem(R->ctx);
            st = ms_protocol_read(R->ctx, arm->protocol_path, &arm->proto);
            if (!st) {
                /* check inputs, kinds and units now, with a 70 kg stand-in weight */
                ms_events *ev = NULL;
                ms_patient pt = {0, 0, 70.0, 0};
                st = ms_protocol_compile(R->ctx, arm->proto, sc->model, &pt, &ev);
                ms_events_free(ev);
            }
            if (st)
                return wrap(R, msi_ymap_get(a, "protocol"), st, "the protocol of arm '%s'",
                            arm->name);
        }
        const msi_ynode *set = msi_ymap_get(a, "set");
        if (set) {
            if (set->type != MS_Y_MAP)
                return sfail(R, set, "set: must map parameter names to values");
            arm->set_idx = msi_alloc(R->ctx, (set->n + 1) * sizeof *arm->set_idx);
            arm->set_val = msi_alloc(R->ctx, (set->n + 1) * sizeof *arm->set_val);
            if (!arm->set_idx || !arm->set_val)
                return msi_nomem(R->ctx);
            for (size_t k = 0; k < set->n; k++) {
                int idx = ms_model_find(sc->model, MS_PARAM, set->keys[k]->str);
                if (idx < 0)
                    return sfail(R, set->keys[k], "'%s' is not a parameter of model '%s'",
                                 set->keys[k]->str, sc->model->name);
                for (size_t v = 0; v < sc->model->nvar; v++)
                    if (sc->model->var[v].param == idx)
                        return sfail(R, set->keys[k],
                                     "'%s' varies between patients; an arm "
                                     "cannot fix it",
                                     set->keys[k]->str);
                arm->set_idx[k] = idx;
                if ((st = msi_yget_number(R->ctx, &R->doc, set->vals[k], "the value",
                                          &arm->set_val[k], MS_ERR_ARG)))
                    return st;
                arm->nset = k + 1;
            }
        }
    }
    return MS_OK;
}

/* population: FILE -- the population's values in every arm, under the
 * arm's own set: (an arm that sets a parameter keeps its value). */
static ms_status read_population(sreader *R, const msi_ynode *pn)
{
    ms_scenario *sc = R->sc;
    if (!pn)
        return MS_OK;
    if (pn->type != MS_Y_SCALAR || !pn->len)
        return sfail(R, pn, "population: expected the path of a population file (populations/)");
    char *path = rel_path(R, pn->str);
    if (!path)
        return msi_nomem(R->ctx);
    ms_status st = msi_population_read(R->ctx, path, sc->model, &sc->pop);
    msi_free(R->ctx, path);
    if (st)
        return wrap(R, pn, st, "the population%s", "");
    sc->has_pop = 1;
    const msi_population *p = &sc->pop;
    for (size_t a = 0; a < sc->narms; a++) {
        msi_arm *arm = &sc->arms[a];
        int *ix = msi_realloc(R->ctx, arm->set_idx, (arm->nset + p->n + 1) * sizeof *ix);
        if (!ix)
            return msi_nomem(R->ctx);
        arm->set_idx = ix;
        double *vv = msi_realloc(R->ctx, arm->set_val, (arm->nset + p->n + 1) * sizeof *vv);
        if (!vv)
            return msi_nomem(R->ctx);
        arm->set_val = vv;
        size_t own = arm->nset;
        for (size_t i = 0; i < p->n; i++) {
            int mine = 0;
            for (size_t j = 0; j < own && !mine; j++)
                mine = arm->set_idx[j] == p->idx[i];
            if (mine)
                continue;
            arm->set_idx[arm->nset] = p->idx[i];
            arm->set_val[arm->nset] = p->val[i];
            arm->nset++;
        }
    }
    return MS_OK;
}

static int arm_index(const ms_scenario *sc, const char *name);

/* ja: {question:, description:, arms: {ARM: LABEL}} -- the Japanese texts
 * of the scenario, which a Japanese report shows in place of the others */
static ms_status read_ja(sreader *R, const msi_ynode *ja)
{
    ms_scenario *sc = R->sc;
    if (!ja)
        return MS_OK;
    static const char *const jk[] = {"question", "description", "arms", NULL};
    if (ja->type != MS_Y_MAP)
        return sfail(R, ja,
                     "ja: expected {question:, description:, arms: {ARM: LABEL}} (the "
                     "Japanese texts)");
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, ja, "ja:", jk, MS_ERR_ARG);
    if (!st)
        st = text(R, ja, "question", "ja:", 0, &sc->question_ja);
    if (!st)
        st = text(R, ja, "description", "ja:", 0, &sc->desc_ja);
    const msi_ynode *arms = msi_ymap_get(ja, "arms");
    if (st || !arms)
        return st;
    if (arms->type != MS_Y_MAP)
        return sfail(R, arms,
                     "ja: arms: expected {ARM: LABEL} (an arm's name, its Japanese label)");
    for (size_t i = 0; i < arms->n; i++) {
        int a = arm_index(sc, arms->keys[i]->str);
        if (a < 0)
            return sfail(R, arms->keys[i], "ja: arms: '%s' is not an arm of the scenario",
                         arms->keys[i]->str);
        if (arms->vals[i]->type != MS_Y_SCALAR || !arms->vals[i]->len)
            return sfail(R, arms->vals[i], "ja: arms: expected the Japanese label of arm '%s'",
                         arms->keys[i]->str);
        if (!(sc->arms[a].label_ja = msi_strdup(R->ctx, arms->vals[i]->str)))
            return msi_nomem(R->ctx);
    }
    return MS_OK;
}

static int arm_index(const ms_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->narms; i++)
        if (strcmp(sc->arms[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* patient: {baseline: {NAME: value, ...}, failed_trials: N} -- the virtual
 * patients conditioned on a profile (docs/scenario-format.md).  Each
 * baseline value becomes an inclusion window: the score within
 * MS_PROFILE_SCORE_POINTS points, anything else within a factor of
 * MS_PROFILE_RATIO; failed antidepressant trials set the model's
 * placebo_scale in every arm (2 or more is treatment-resistant depression,
 * McIntyre RS et al. 2023, World Psychiatry 22:394-412, for which the model
 * hypothesises 0.4; one failed trial 0.7, halfway, also a hypothesis). */
double ms_profile_placebo_scale(double failed_trials)
{
    return failed_trials >= 2 ? 0.4 : failed_trials >= 1 ? 0.7 : 1.0;
}

static ms_status read_patient(sreader *R, const msi_ynode *pt)
{
    ms_scenario *sc = R->sc;
    ms_status st;
    if (!pt)
        return MS_OK;
    static const char *const pk[] = {"baseline", "failed_trials", NULL};
    if (pt->type != MS_Y_MAP)
        return sfail(R, pt, "patient: expected {baseline: {NAME: value}, failed_trials: N}");
    if ((st = msi_ymap_check_keys(R->ctx, &R->doc, pt, "patient", pk, MS_ERR_ARG)))
        return st;
    const msi_ynode *bl = msi_ymap_get(pt, "baseline");
    if (bl) {
        if (bl->type != MS_Y_MAP || bl->n == 0)
            return sfail(R, bl,
                         "baseline: expected {NAME: value} of observables, states or "
                         "parameters at baseline");
        size_t n = sc->ncrit + bl->n;
        ms_criterion *c = msi_realloc(R->ctx, sc->crit, (n + 1) * sizeof *c);
        if (!c)
            return msi_nomem(R->ctx);
        sc->crit = c;
        char **names = msi_realloc(R->ctx, sc->crit_names, (n + 1) * sizeof *names);
        if (!names)
            return msi_nomem(R->ctx);
        sc->crit_names = names;
        for (size_t i = 0; i < bl->n; i++) {
            const msi_ynode *k = bl->keys[i], *v = bl->vals[i];
            int obs = -1;
            double x;
            if ((st = model_name(R, k, 1, "patient baseline", &obs)) ||
                (st = number(R, v, k->str, -1e300, 1e300, &x)))
                return st;
            size_t j = sc->ncrit;
            if (!(sc->crit_names[j] = msi_strdup(R->ctx, k->str)))
                return msi_nomem(R->ctx);
            sc->ncrit = j + 1;
            sc->crit[j].name = sc->crit_names[j];
            if (obs == sc->score) {
                sc->crit[j].min = x - MS_PROFILE_SCORE_POINTS;
                sc->crit[j].max = x + MS_PROFILE_SCORE_POINTS;
            } else {
                if (!(x > 0))
                    return sfail(R, v,
                                 "%s is %g; a baseline other than the score is matched within "
                                 "a factor of %g and must be > 0",
                                 k->str, x, MS_PROFILE_RATIO);
                sc->crit[j].min = x / MS_PROFILE_RATIO;
                sc->crit[j].max = x * MS_PROFILE_RATIO;
            }
        }
    }
    const msi_ynode *ft = msi_ymap_get(pt, "failed_trials");
    if (ft) {
        double n;
        if ((st = number(R, ft, "failed_trials", 0, 20, &n)))
            return st;
        if (n != floor(n))
            return sfail(R, ft, "failed_trials is %g; expected a whole number", n);
        int ps = ms_model_find(sc->model, MS_PARAM, "placebo_scale");
        if (ps < 0)
            return sfail(R, ft,
                         "failed_trials: model '%s' has no placebo_scale parameter to express "
                         "treatment resistance",
                         sc->model->name);
        for (size_t a = 0; a < sc->narms; a++) {
            msi_arm *arm = &sc->arms[a];
            for (size_t j = 0; j < arm->nset; j++)
                if (arm->set_idx[j] == ps)
                    return sfail(R, ft,
                                 "arm '%s' sets placebo_scale, which patient: failed_trials "
                                 "decides; remove one of them",
                                 arm->name);
            int *ix = msi_realloc(R->ctx, arm->set_idx, (arm->nset + 2) * sizeof *ix);
            if (!ix)
                return msi_nomem(R->ctx);
            arm->set_idx = ix;
            double *vv = msi_realloc(R->ctx, arm->set_val, (arm->nset + 2) * sizeof *vv);
            if (!vv)
                return msi_nomem(R->ctx);
            arm->set_val = vv;
            arm->set_idx[arm->nset] = ps;
            arm->set_val[arm->nset] = ms_profile_placebo_scale(n);
            arm->nset++;
        }
    }
    return MS_OK;
}

static ms_status read_rest(sreader *R, const msi_ynode *root)
{
    ms_scenario *sc = R->sc;
    ms_status st;
    /* randomisation and factorial roles */
    const msi_ynode *rz = msi_ymap_get(root, "randomisation");
    sc->design = MS_DESIGN_PARALLEL;
    if (rz) {
        if (rz->type != MS_Y_SCALAR)
            return sfail(R, rz, "randomisation: expected parallel, factorial or matched");
        if (strcmp(rz->str, "factorial") == 0)
            sc->design = MS_DESIGN_FACTORIAL;
        else if (strcmp(rz->str, "matched") == 0)
            sc->design = MS_DESIGN_MATCHED;
        else if (strcmp(rz->str, "parallel") != 0)
            return sfail(R, rz, "randomisation '%s'; expected parallel, factorial or matched",
                         rz->str);
    }
    for (int k = 0; k < 4; k++)
        sc->fac[k] = -1;
    const msi_ynode *fac = msi_ymap_get(root, "factorial");
    if (sc->design == MS_DESIGN_FACTORIAL && !fac)
        return sfail(R, rz,
                     "a factorial design needs factorial: {control:, a:, b:, ab:} naming "
                     "its four arms");
    if (fac) {
        static const char *const roles[] = {"control", "a", "b", "ab", NULL};
        if (fac->type != MS_Y_MAP)
            return sfail(R, fac, "factorial: expected {control:, a:, b:, ab:}");
        if ((st = msi_ymap_check_keys(R->ctx, &R->doc, fac, "factorial", roles, MS_ERR_ARG)))
            return st;
        for (int k = 0; k < 4; k++) {
            const msi_ynode *v = msi_ymap_get(fac, roles[k]);
            if (!v)
                return sfail(R, fac, "factorial has no '%s:'", roles[k]);
            if (v->type != MS_Y_SCALAR || (sc->fac[k] = arm_index(sc, v->str)) < 0)
                return sfail(R, v, "'%s' is not an arm", v->type == MS_Y_SCALAR ? v->str : "?");
            for (int j = 0; j < k; j++)
                if (sc->fac[j] == sc->fac[k])
                    return sfail(R, v, "arm '%s' has two factorial roles", v->str);
        }
    }
    sc->control = sc->fac[0] >= 0 ? sc->fac[0] : 0;
    const msi_ynode *ctl = msi_ymap_get(root, "control");
    if (ctl) {
        if (ctl->type != MS_Y_SCALAR || (sc->control = arm_index(sc, ctl->str)) < 0)
            return sfail(R, ctl, "control '%s' is not an arm",
                         ctl->type == MS_Y_SCALAR ? ctl->str : "?");
        if (sc->fac[0] >= 0 && sc->control != sc->fac[0])
            return sfail(R, ctl, "control differs from factorial's control");
    }

    /* comparisons between two arms */
    const msi_ynode *cmp = msi_ymap_get(root, "compare");
    if (cmp) {
        if (cmp->type != MS_Y_SEQ || cmp->n < 1 || cmp->n > MS_MAX_COMPARE)
            return sfail(R, cmp, "compare: expected a list of 1 to %d {arm:, versus:}",
                         MS_MAX_COMPARE);
        sc->cmp = msi_alloc(R->ctx, cmp->n * sizeof *sc->cmp);
        if (!sc->cmp)
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < cmp->n; i++) {
            static const char *const ck[] = {"arm", "versus", NULL};
            static const char *const role[2] = {"arm", "versus"};
            const msi_ynode *c = cmp->vals[i];
            if (c->type != MS_Y_MAP)
                return sfail(R, c, "a comparison must be {arm:, versus:}");
            if ((st = msi_ymap_check_keys(R->ctx, &R->doc, c, "a comparison", ck, MS_ERR_ARG)))
                return st;
            int ix[2];
            for (int k = 0; k < 2; k++) {
                const msi_ynode *v = msi_ymap_get(c, role[k]);
                if (!v)
                    return sfail(R, c, "a comparison has no '%s:'", role[k]);
                if (v->type != MS_Y_SCALAR || (ix[k] = arm_index(sc, v->str)) < 0)
                    return sfail(R, v, "'%s' is not an arm", v->type == MS_Y_SCALAR ? v->str : "?");
            }
            if (ix[0] == ix[1])
                return sfail(R, c, "an arm compared with itself");
            for (size_t j = 0; j < i; j++)
                if (sc->cmp[j].arm == ix[0] && sc->cmp[j].versus == ix[1])
                    return sfail(R, c, "this comparison is already listed");
            sc->cmp[i] = (msi_compare){ix[0], ix[1]};
            sc->ncmp = i + 1;
        }
    }

    /* visits */
    const msi_ynode *vis = msi_ymap_get(root, "visits_weeks");
    if (!vis || vis->type != MS_Y_SEQ || vis->n < 2)
        return sfail(R, vis ? vis : root,
                     "expected visits_weeks: a list starting at 0, e.g. "
                     "[0, 1, 2, 4, 6, 12, 26]");
    sc->visits = msi_alloc(R->ctx, vis->n * sizeof *sc->visits);
    if (!sc->visits)
        return msi_nomem(R->ctx);
    for (size_t i = 0; i < vis->n; i++) {
        if ((st = number(R, vis->vals[i], "a visit week", 0, 520, &sc->visits[i])))
            return st;
        if (i == 0 && sc->visits[0] != 0)
            return sfail(R, vis->vals[0], "the first visit must be week 0 (baseline)");
        if (i && sc->visits[i] <= sc->visits[i - 1])
            return sfail(R, vis->vals[i], "visit weeks must increase");
        sc->nvisits = i + 1;
    }
    const msi_ynode *fu = msi_ymap_get(root, "follow_up_weeks");
    if (fu) {
        double w;
        if ((st = number(R, fu, "follow_up_weeks", 0.1, 520, &w)))
            return st;
        if (w != sc->visits[sc->nvisits - 1])
            return sfail(R, fu,
                         "follow_up_weeks is %g but the last visit is week %g; they must "
                         "agree",
                         w, sc->visits[sc->nvisits - 1]);
    }

    /* endpoints */
    static const char *const ek[] = {"score", "response_reduction", "remission_max", "markers",
                                     NULL};
    const msi_ynode *ep = msi_ymap_get(root, "endpoints");
    if (!ep || ep->type != MS_Y_MAP)
        return sfail(R, ep ? ep : root, "expected endpoints: {score: <observable>}");
    if ((st = msi_ymap_check_keys(R->ctx, &R->doc, ep, "endpoints", ek, MS_ERR_ARG)))
        return st;
    const msi_ynode *score = msi_ymap_get(ep, "score");
    if (!score)
        return sfail(R, ep, "endpoints has no 'score:' (the symptom-score observable)");
    if ((st = model_name(R, score, 0, "score", &sc->score)))
        return st;
    sc->response_frac = 0.5;
    sc->remission_max = 7;
    const msi_ynode *rr = msi_ymap_get(ep, "response_reduction"),
                    *rm = msi_ymap_get(ep, "remission_max");
    if (rr && (st = number(R, rr, "response_reduction", 0.01, 1, &sc->response_frac)))
        return st;
    if (rm && (st = number(R, rm, "remission_max", -1e300, 1e300, &sc->remission_max)))
        return st;
    const msi_ynode *mk = msi_ymap_get(ep, "markers");
    if (mk) {
        if (mk->type != MS_Y_SEQ)
            return sfail(R, mk, "markers: expected a list of observables");
        sc->markers = msi_alloc(R->ctx, (mk->n + 1) * sizeof *sc->markers);
        if (!sc->markers)
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < mk->n; i++) {
            if ((st = model_name(R, mk->vals[i], 0, "marker", &sc->markers[i])))
                return st;
            sc->nmarkers = i + 1;
        }
    }

    /* inclusion */
    const msi_ynode *inc = msi_ymap_get(root, "inclusion");
    if (inc) {
        if (inc->type != MS_Y_SEQ)
            return sfail(R, inc, "inclusion: expected a list of {name:, min:, max:}");
        sc->crit = msi_alloc(R->ctx, (inc->n + 1) * sizeof *sc->crit);
        sc->crit_names = msi_alloc(R->ctx, (inc->n + 1) * sizeof *sc->crit_names);
        if (!sc->crit || !sc->crit_names)
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < inc->n; i++) {
            static const char *const ck[] = {"name", "min", "max", NULL};
            const msi_ynode *c = inc->vals[i];
            if (c->type != MS_Y_MAP)
                return sfail(R, c, "an inclusion criterion must be {name:, min:, max:}");
            if ((st = msi_ymap_check_keys(R->ctx, &R->doc, c, "an inclusion criterion", ck,
                                          MS_ERR_ARG)) ||
                (st = text(R, c, "name", "an inclusion criterion", 1, &sc->crit_names[i])))
                return st;
            sc->ncrit = i + 1;
            if ((st = model_name(R, msi_ymap_get(c, "name"), 1, "inclusion", NULL)))
                return st;
            sc->crit[i].name = sc->crit_names[i];
            sc->crit[i].min = -INFINITY;
            sc->crit[i].max = INFINITY;
            const msi_ynode *mn = msi_ymap_get(c, "min"), *mx = msi_ymap_get(c, "max");
            if (!mn && !mx)
                return sfail(R, c, "an inclusion criterion needs min: or max:");
            if (mn && (st = number(R, mn, "min", -1e300, 1e300, &sc->crit[i].min)))
                return st;
            if (mx && (st = number(R, mx, "max", -1e300, 1e300, &sc->crit[i].max)))
                return st;
            if (sc->crit[i].min > sc->crit[i].max)
                return sfail(R, c, "min exceeds max");
        }
    }

    /* a patient profile: more inclusion criteria, and treatment resistance */
    if ((st = read_patient(R, msi_ymap_get(root, "patient"))))
        return st;

    /* subgroups */
    const msi_ynode *sg = msi_ymap_get(root, "subgroups");
    if (sg) {
        if (sg->type != MS_Y_SEQ)
            return sfail(R, sg, "subgroups: expected a list of {name:, variable:, above:}");
        sc->sub = msi_alloc(R->ctx, (sg->n + 1) * sizeof *sc->sub);
        if (!sc->sub)
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < sg->n; i++) {
            static const char *const gk[] = {"name", "variable", "above", NULL};
            const msi_ynode *g = sg->vals[i];
            if (g->type != MS_Y_MAP)
                return sfail(R, g, "a subgroup must be {name:, variable:, above:}");
            if ((st = msi_ymap_check_keys(R->ctx, &R->doc, g, "a subgroup", gk, MS_ERR_ARG)))
                return st;
            sc->nsub = i + 1;
            if ((st = text(R, g, "name", "a subgroup", 1, &sc->sub[i].name)) ||
                (st = text(R, g, "variable", "a subgroup", 1, &sc->sub[i].var)) ||
                (st = model_name(R, msi_ymap_get(g, "variable"), 1, "subgroup variable", NULL)))
                return st;
            const msi_ynode *ab = msi_ymap_get(g, "above");
            if (!ab)
                return sfail(R, g, "a subgroup needs above: (the baseline threshold)");
            if ((st = number(R, ab, "above", -1e300, 1e300, &sc->sub[i].threshold)))
                return st;
            sc->sub[i].above = 1;
        }
    }

    /* solver tolerances and method */
    sc->rtol = 1e-6;
    sc->atol = 1e-9;
    sc->method = MS_METHOD_BDF;
    const msi_ynode *sv = msi_ymap_get(root, "solver");
    if (sv) {
        static const char *const svk[] = {"rtol", "atol", "method", "batch", NULL};
        if (sv->type != MS_Y_MAP)
            return sfail(R, sv, "solver: expected {rtol:, atol:, method:, batch:}");
        if ((st = msi_ymap_check_keys(R->ctx, &R->doc, sv, "solver", svk, MS_ERR_ARG)))
            return st;
        const msi_ynode *v;
        if ((v = msi_ymap_get(sv, "rtol")) && (st = number(R, v, "rtol", 1e-14, 0.1, &sc->rtol)))
            return st;
        if ((v = msi_ymap_get(sv, "atol")) && (st = number(R, v, "atol", 1e-300, 1e300, &sc->atol)))
            return st;
        if ((v = msi_ymap_get(sv, "method"))) {
            int k = v->type == MS_Y_SCALAR ? ms_method_from_name(v->str) : -1;
            if (k < 0)
                return sfail(R, v, "solver method '%s'; expected bdf or dirk",
                             v->type == MS_Y_SCALAR ? v->str : "?");
            sc->method = (ms_method)k;
        }
        if ((v = msi_ymap_get(sv, "batch"))) {
            double nb;
            if ((st = number(R, v, "batch", 1, MS_BATCH_MAX, &nb)))
                return st;
            if (nb != floor(nb))
                return sfail(R, v, "solver batch %g; expected a whole number of patients", nb);
            if (nb > 1 && sc->method != MS_METHOD_BDF)
                return sfail(R, v,
                             "solver batch: patients are integrated together by the bdf "
                             "method only; drop batch: or use method: bdf");
            sc->batch = (size_t)nb;
        }
    }

    /* analysis settings */
    sc->alpha = 0.05;
    sc->power_target = 0.8;
    sc->power_max = 5000;
    sc->bootstrap = 2000;
    /* 3 HAM-D-17 points: NICE's criterion of a clinically important difference
     * (NICE 2004, clinical guideline 23; applied by Kirsch et al. 2008, PLoS
     * Med 5:e45, doi:10.1371/journal.pmed.0050045) -- docs/scenario-format.md */
    sc->mid = 3;
    const msi_ynode *an = msi_ymap_get(root, "analysis");
    if (an) {
        static const char *const ak[] = {"alpha", "power", "max_per_arm", "bootstrap", "mid", NULL};
        double x;
        if (an->type != MS_Y_MAP)
            return sfail(R, an, "analysis: expected {alpha:, power:, max_per_arm:, bootstrap:}");
        if ((st = msi_ymap_check_keys(R->ctx, &R->doc, an, "analysis", ak, MS_ERR_ARG)))
            return st;
        const msi_ynode *v;
        if ((v = msi_ymap_get(an, "alpha")) && (st = number(R, v, "alpha", 1e-6, 0.5, &sc->alpha)))
            return st;
        if ((v = msi_ymap_get(an, "power")) &&
            (st = number(R, v, "power", 0.5, 0.999, &sc->power_target)))
            return st;
        if ((v = msi_ymap_get(an, "max_per_arm"))) {
            if ((st = number(R, v, "max_per_arm", 2, 1e6, &x)))
                return st;
            sc->power_max = (long)x;
        }
        if ((v = msi_ymap_get(an, "mid")) && (st = number(R, v, "mid", 1e-9, 1e9, &sc->mid)))
            return st;
        if ((v = msi_ymap_get(an, "bootstrap"))) {
            if ((st = number(R, v, "bootstrap", 100, 1e5, &x)))
                return st;
            sc->bootstrap = (long)x;
        }
    }
    return MS_OK;
}

ms_status ms_scenario_load(ms_context *ctx, const char *path, ms_scenario **out)
{
    static const char *const top[] = {"scenario",
                                      "question",
                                      "description",
                                      "model",
                                      "seed",
                                      "patients_per_arm",
                                      "randomisation",
                                      "arms",
                                      "control",
                                      "factorial",
                                      "follow_up_weeks",
                                      "visits_weeks",
                                      "endpoints",
                                      "inclusion",
                                      "subgroups",
                                      "analysis",
                                      "solver",
                                      "compare",
                                      "patient",
                                      "population",
                                      "ja",
                                      NULL};
    if (!ctx || !path || !out)
        return MS_ERR_ARG;
    *out = NULL;
    msi_ok(ctx);
    ms_scenario *sc = msi_alloc(ctx, sizeof *sc);
    if (!sc)
        return msi_nomem(ctx);
    sc->ctx = ctx;
    sreader R = {.ctx = ctx, .sc = sc};
    ms_status st = MS_OK;
    sc->file = msi_strdup(ctx, path);
    const char *slash = strrchr(path, '/');
    sc->dir = slash ? msi_strndup(ctx, path, (size_t)(slash - path)) : msi_strdup(ctx, "");
    if (!sc->file || !sc->dir)
        st = msi_nomem(ctx);
    if (!st)
        st = msi_ydoc_load_file(ctx, sc->file, &R.doc);
    const msi_ynode *root = R.doc.root;
    if (!st && (!root || (root->type == MS_Y_SCALAR && root->len == 0)))
        st = msi_fail(ctx, MS_ERR_ARG, sc->file, 1, 1,
                      "the file is empty; expected a scenario (scenario:, model:, arms:, ...)");
    else if (!st && root->type != MS_Y_MAP)
        st = sfail(&R, root, "expected a mapping with scenario:, model:, arms:, ...");
    if (!st)
        st = msi_ymap_check_keys(ctx, &R.doc, root, "the scenario", top, MS_ERR_ARG);
    if (!st)
        st = text(&R, root, "scenario", "the scenario", 1, &sc->name);
    if (!st)
        st = text(&R, root, "question", "the scenario", 0, &sc->question);
    if (!st)
        st = text(&R, root, "description", "the scenario", 0, &sc->desc);
    char *mp = NULL;
    if (!st)
        st = text(&R, root, "model", "the scenario", 1, &mp);
    if (!st) {
        sc->model_path = rel_path(&R, mp);
        msi_free(ctx, mp);
        st = sc->model_path ? ms_model_load(ctx, sc->model_path, &sc->model) : msi_nomem(ctx);
        if (st)
            st = wrap(&R, msi_ymap_get(root, "model"), st, "the model%s", "");
        /* visits, follow-up and protocols are in hours and weeks */
        else if (ms_model_time_unit(sc->model) != 1)
            st = sfail(&R, msi_ymap_get(root, "model"),
                       "the model's unit of time is not the hour (%g h; an SBML model's "
                       "timeUnits); a scenario's visits and protocols are in hours and weeks",
                       ms_model_time_unit(sc->model));
    }
    if (!st) {
        const msi_ynode *seed = msi_ymap_get(root, "seed");
        double x;
        if (!seed)
            st = sfail(&R, root, "the scenario has no 'seed:'; a trial must be reproducible");
        else if (!(st = number(&R, seed, "seed", 0, 9007199254740992.0, &x))) {
            if (x != floor(x))
                st = sfail(&R, seed, "seed must be a whole number");
            sc->seed = (unsigned long long)x;
        }
    }
    if (!st) {
        const msi_ynode *n = msi_ymap_get(root, "patients_per_arm");
        double x;
        if (!n)
            st = sfail(&R, root, "the scenario has no 'patients_per_arm:'");
        else if (!(st = number(&R, n, "patients_per_arm", 1, 10000000, &x))) {
            if (x != floor(x))
                st = sfail(&R, n, "patients_per_arm must be a whole number");
            sc->per_arm = (long)x;
        }
    }
    if (!st)
        st = read_arms(&R, msi_ymap_get(root, "arms"));
    if (!st)
        st = read_population(&R, msi_ymap_get(root, "population"));
    if (!st)
        st = read_ja(&R, msi_ymap_get(root, "ja"));
    if (!st)
        st = read_rest(&R, root);
    if (!st && sc->design == MS_DESIGN_FACTORIAL && sc->narms != 4)
        st = sfail(&R, msi_ymap_get(root, "arms"), "a 2x2 factorial has 4 arms; found %zu",
                   sc->narms);
    msi_ydoc_free(ctx, &R.doc);
    if (st) {
        if (ctx->last == MS_OK)
            msi_nomem(ctx);
        ms_scenario_free(sc);
        return ctx->last;
    }
    *out = sc;
    return msi_ok(ctx);
}

const char *msi_arm_label(const ms_scenario *sc, size_t a, int ja)
{
    const msi_arm *arm = &sc->arms[a];
    if (ja && arm->label_ja)
        return arm->label_ja;
    return arm->label ? arm->label : arm->name;
}

ms_model *msi_scenario_model(ms_scenario *sc)
{
    return sc ? sc->model : NULL;
}

size_t ms_scenario_control(const ms_scenario *sc)
{
    return sc && sc->control >= 0 ? (size_t)sc->control : 0;
}

size_t ms_scenario_compare_count(const ms_scenario *sc)
{
    return sc ? sc->ncmp : 0;
}

double ms_scenario_mid(const ms_scenario *sc)
{
    return sc ? sc->mid : NAN;
}

unsigned long long ms_scenario_seed(const ms_scenario *sc)
{
    return sc ? sc->seed : 0;
}

void ms_scenario_solver(const ms_scenario *sc, double *rtol, double *atol, ms_method *method)
{
    if (!sc)
        return;
    if (rtol)
        *rtol = sc->rtol;
    if (atol)
        *atol = sc->atol;
    if (method)
        *method = sc->method;
}

size_t ms_scenario_visit_count(const ms_scenario *sc)
{
    return sc ? sc->nvisits : 0;
}

double ms_scenario_visit_week(const ms_scenario *sc, size_t visit)
{
    return sc && visit < sc->nvisits ? sc->visits[visit] : NAN;
}

const char *ms_scenario_model_path(const ms_scenario *sc)
{
    return sc ? sc->model_path : NULL;
}
size_t ms_scenario_arm_count(const ms_scenario *sc)
{
    return sc ? sc->narms : 0;
}
const char *ms_scenario_arm_name(const ms_scenario *sc, size_t a)
{
    return sc && a < sc->narms ? sc->arms[a].name : NULL;
}
const char *ms_scenario_arm_protocol(const ms_scenario *sc, size_t a)
{
    return sc && a < sc->narms ? sc->arms[a].protocol_path : NULL;
}

ms_status msi_scenario_inputs_hash(ms_context *ctx, const ms_scenario *sc, uint64_t *h)
{
    const char *files[MS_MAX_ARMS + 2];
    size_t nf = 0;
    files[nf++] = sc->file;
    files[nf++] = sc->model_path;
    for (size_t a = 0; a < sc->narms && nf < MS_MAX_ARMS + 2; a++)
        if (sc->arms[a].protocol_path)
            files[nf++] = sc->arms[a].protocol_path;
    for (size_t i = 0; i < nf; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f)
            return msi_fail(ctx, MS_ERR_IO, files[i], 0, 0, "cannot read: %s", strerror(errno));
        unsigned char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            *h = msi_fnv1a(*h, buf, n);
        fclose(f);
    }
    return MS_OK;
}
