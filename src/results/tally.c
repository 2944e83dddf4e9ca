/*
 * tally.c — the streaming accumulators of a trial: as each simulated
 * patient-arm record goes past (in (patient, arm) order, once), it updates
 * per arm and subgroup the moments of the score's change and the response,
 * remission and failure counts; per arm and visit the moments of every
 * observable (the report's figures); per arm the first MS_KEEP_PER_ARM
 * changes and baselines (resampled for power, drawn as the waterfall); the
 * first failures with their reasons; and, for a 2x2 factorial, the weighted
 * sums of every Poisson-bootstrap replicate; and, in a matched design, the
 * moments of each patient's change in an arm minus the same patient's
 * change on control (a patient's records go past together, so only the
 * current patient is held); per group, arm and visit the patients first
 * responding there (time to response).  Owns msi_tally.  Its size does
 * not depend on the number of patients.
 */
#include "../core/rng.h"
#include "results.h"

#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

ms_status msi_tally_init(msi_tally *ty, ms_context *ctx, const ms_scenario *sc,
                         unsigned long long seed)
{
    memset(ty, 0, sizeof *ty);
    ty->ctx = ctx;
    ty->sc = sc;
    ty->seed = seed;
    ty->na = sc->narms;
    ty->ngroups = 1 + 2 * sc->nsub;
    ty->nobs = sc->model->count[MS_OBSERVABLE];
    size_t ng = ty->ngroups * ty->na;
    ty->change = msi_alloc(ctx, ng * sizeof *ty->change);
    ty->nresp = msi_alloc(ctx, ng * sizeof *ty->nresp);
    ty->nrem = msi_alloc(ctx, ng * sizeof *ty->nrem);
    ty->nfail = msi_alloc(ctx, ng * sizeof *ty->nfail);
    ty->sessions = msi_alloc(ctx, ng * sizeof *ty->sessions);
    ty->doses = msi_alloc(ctx, ng * sizeof *ty->doses);
    ty->courses = msi_alloc(ctx, ng * sizeof *ty->courses);
    ty->inresp = msi_alloc(ctx, ng * sizeof *ty->inresp);
    ty->vfirst = msi_alloc(ctx, ng * sc->nvisits * sizeof *ty->vfirst);
    ty->base = msi_alloc(ctx, ty->na * sizeof *ty->base);
    ty->fin = msi_alloc(ctx, ty->na * sizeof *ty->fin);
    ty->visit = msi_alloc(ctx, (ty->na * sc->nvisits * ty->nobs + 1) * sizeof *ty->visit);
    ty->vresp = msi_alloc(ctx, ty->na * sc->nvisits * sizeof *ty->vresp);
    ty->vrem = msi_alloc(ctx, ty->na * sc->nvisits * sizeof *ty->vrem);
    size_t nvv = ty->na * sc->nvisits * sc->nvisits;
    ty->vsust = msi_alloc(ctx, nvv * sizeof *ty->vsust);
    ty->vkeeprem = msi_alloc(ctx, nvv * sizeof *ty->vkeeprem);
    ty->keep_change = msi_alloc(ctx, ty->na * sizeof *ty->keep_change);
    ty->keep_base = msi_alloc(ctx, ty->na * sizeof *ty->keep_base);
    ty->nkeep = msi_alloc(ctx, ty->na * sizeof *ty->nkeep);
    if (sc->fac[0] >= 0) {
        ty->nboot = (size_t)sc->bootstrap;
        ty->boot = msi_alloc(ctx, ty->nboot * 12 * sizeof *ty->boot);
        ty->paired = sc->design == MS_DESIGN_MATCHED;
    }
    int matched = sc->design == MS_DESIGN_MATCHED && sc->control >= 0;
    if (matched) {
        ty->pdiff = msi_alloc(ctx, ng * sizeof *ty->pdiff);
        ty->pchg = msi_alloc(ctx, ty->na * sizeof *ty->pchg);
        ty->pok = msi_alloc(ctx, ty->na * sizeof *ty->pok);
        ty->psub = msi_alloc(ctx, (ty->na * sc->nsub + 1) * sizeof *ty->psub);
        ty->cdiff = msi_alloc(ctx, (sc->ncmp + 1) * sizeof *ty->cdiff);
    }
    int bad = !ty->change || !ty->nresp || !ty->nrem || !ty->nfail || !ty->sessions || !ty->doses ||
              !ty->courses || !ty->inresp || !ty->vfirst || !ty->base || !ty->fin || !ty->visit ||
              !ty->vresp || !ty->vrem || !ty->vsust || !ty->vkeeprem || !ty->keep_change ||
              !ty->keep_base || !ty->nkeep || (ty->nboot && !ty->boot) ||
              (matched && (!ty->pdiff || !ty->pchg || !ty->pok || !ty->psub || !ty->cdiff));
    if (bad) {
        msi_tally_free(ty);
        return msi_nomem(ctx);
    }
    memset(ty->change, 0, ng * sizeof *ty->change);
    memset(ty->nresp, 0, ng * sizeof *ty->nresp);
    memset(ty->nrem, 0, ng * sizeof *ty->nrem);
    memset(ty->nfail, 0, ng * sizeof *ty->nfail);
    memset(ty->sessions, 0, ng * sizeof *ty->sessions);
    memset(ty->doses, 0, ng * sizeof *ty->doses);
    memset(ty->courses, 0, ng * sizeof *ty->courses);
    memset(ty->inresp, 0, ng * sizeof *ty->inresp);
    memset(ty->vfirst, 0, ng * sc->nvisits * sizeof *ty->vfirst);
    memset(ty->base, 0, ty->na * sizeof *ty->base);
    memset(ty->fin, 0, ty->na * sizeof *ty->fin);
    memset(ty->visit, 0, (ty->na * sc->nvisits * ty->nobs + 1) * sizeof *ty->visit);
    memset(ty->nkeep, 0, ty->na * sizeof *ty->nkeep);
    memset(ty->vresp, 0, ty->na * sc->nvisits * sizeof *ty->vresp);
    memset(ty->vrem, 0, ty->na * sc->nvisits * sizeof *ty->vrem);
    memset(ty->vsust, 0, nvv * sizeof *ty->vsust);
    memset(ty->vkeeprem, 0, nvv * sizeof *ty->vkeeprem);
    if (ty->boot)
        memset(ty->boot, 0, ty->nboot * 12 * sizeof *ty->boot);
    if (matched) {
        memset(ty->pdiff, 0, ng * sizeof *ty->pdiff);
        memset(ty->cdiff, 0, (sc->ncmp + 1) * sizeof *ty->cdiff);
        memset(ty->pok, 0, ty->na * sizeof *ty->pok);
        ty->pcur = -1;
    }
    for (size_t a = 0; a < ty->na; a++) {
        ty->keep_change[a] = msi_alloc(ctx, MS_KEEP_PER_ARM * sizeof **ty->keep_change);
        ty->keep_base[a] = msi_alloc(ctx, MS_KEEP_PER_ARM * sizeof **ty->keep_base);
        if (!ty->keep_change[a] || !ty->keep_base[a]) {
            msi_tally_free(ty);
            return msi_nomem(ctx);
        }
    }
    return MS_OK;
}

void msi_tally_free(msi_tally *ty)
{
    ms_context *ctx = ty->ctx;
    if (!ctx)
        return;
    for (size_t a = 0; ty->keep_change && a < ty->na; a++)
        msi_free(ctx, ty->keep_change[a]);
    for (size_t a = 0; ty->keep_base && a < ty->na; a++)
        msi_free(ctx, ty->keep_base[a]);
    msi_free(ctx, ty->keep_change);
    msi_free(ctx, ty->keep_base);
    msi_free(ctx, ty->nkeep);
    msi_free(ctx, ty->change);
    msi_free(ctx, ty->nresp);
    msi_free(ctx, ty->nrem);
    msi_free(ctx, ty->nfail);
    msi_free(ctx, ty->sessions);
    msi_free(ctx, ty->doses);
    msi_free(ctx, ty->courses);
    msi_free(ctx, ty->inresp);
    msi_free(ctx, ty->vfirst);
    msi_free(ctx, ty->base);
    msi_free(ctx, ty->fin);
    msi_free(ctx, ty->visit);
    msi_free(ctx, ty->vresp);
    msi_free(ctx, ty->vrem);
    msi_free(ctx, ty->vsust);
    msi_free(ctx, ty->vkeeprem);
    msi_free(ctx, ty->boot);
    msi_free(ctx, ty->pdiff);
    msi_free(ctx, ty->cdiff);
    msi_free(ctx, ty->pchg);
    msi_free(ctx, ty->pok);
    msi_free(ctx, ty->psub);
    memset(ty, 0, sizeof *ty);
}

/* Group g holds a record with these subgroup values (g 0: everyone). */
static int in_group(const ms_scenario *sc, size_t g, const double *sub)
{
    if (g == 0)
        return 1;
    size_t s = (g - 1) / 2;
    int above = sub[s] > sc->sub[s].threshold;
    return above == ((g - 1) % 2 == 0);
}

/* The held patient's differences from control into every group that holds
 * both records; then nothing is held. */
static void pair_flush(msi_tally *ty)
{
    const ms_scenario *sc = ty->sc;
    size_t c = (size_t)sc->control, ns = sc->nsub;
    for (size_t a = 0; ty->pok[c] && a < ty->na; a++) {
        if (a == c || !ty->pok[a])
            continue;
        for (size_t g = 0; g < ty->ngroups; g++)
            if (in_group(sc, g, ty->psub + a * ns) && in_group(sc, g, ty->psub + c * ns))
                msi_moments_add(&ty->pdiff[g * ty->na + a], ty->pchg[a] - ty->pchg[c]);
    }
    for (size_t i = 0; i < sc->ncmp; i++) {
        size_t a = (size_t)sc->cmp[i].arm, b = (size_t)sc->cmp[i].versus;
        if (ty->pok[a] && ty->pok[b])
            msi_moments_add(&ty->cdiff[i], ty->pchg[a] - ty->pchg[b]);
    }
    memset(ty->pok, 0, ty->na * sizeof *ty->pok);
    ty->pseen = 0;
}

static void pair_add(msi_tally *ty, const msi_rechdr *h, const double *sub)
{
    size_t a = (size_t)h->arm, ns = ty->sc->nsub;
    if (h->patient != ty->pcur) {
        pair_flush(ty);
        ty->pcur = h->patient;
    }
    ty->pok[a] = !h->failed;
    ty->pchg[a] = h->change;
    if (ns)
        memcpy(ty->psub + a * ns, sub, ns * sizeof *sub);
    if (++ty->pseen == ty->na)
        pair_flush(ty);
}

/* One record into every group it belongs to. */
static void add_one(msi_tally *ty, const msi_rechdr *h, const double *sub, const double *obs)
{
    const ms_scenario *sc = ty->sc;
    size_t a = (size_t)h->arm, na = ty->na;
    ty->nrec++;
    if (ty->pdiff)
        pair_add(ty, h, sub);
    if (h->failed) {
        ty->nfailed++;
        if (ty->nfail_kept < MS_FAIL_SHOWN)
            ty->fail[ty->nfail_kept++] = *h;
        /* a failed patient has no subgroup value: counted as failed in every group */
        for (size_t g = 0; g < ty->ngroups; g++)
            ty->nfail[g * na + a]++;
        return;
    }
    size_t nv = sc->nvisits, first = nv; /* the first visit responding (nv: none) */
    double resp_max = (1 - sc->response_frac) * h->baseline;
    double weeks_in = 0; /* in response: each visit interval by the rating at its end */
    for (size_t v = 0; v < nv; v++)
        if (obs[v * ty->nobs + sc->score] <= resp_max) {
            first = first < nv ? first : v;
            weeks_in += v ? sc->visits[v] - sc->visits[v - 1] : 0;
        }
    for (size_t g = 0; g < ty->ngroups; g++) {
        if (!in_group(sc, g, sub))
            continue;
        msi_moments_add(&ty->change[g * na + a], h->change);
        ty->nresp[g * na + a] += h->response;
        ty->nrem[g * na + a] += h->remission;
        msi_moments_add(&ty->sessions[g * na + a], h->sessions);
        msi_moments_add(&ty->doses[g * na + a], h->doses);
        msi_moments_add(&ty->courses[g * na + a], h->courses);
        msi_moments_add(&ty->inresp[g * na + a], weeks_in);
        if (first < nv)
            ty->vfirst[(g * na + a) * nv + first]++;
    }
    msi_moments_add(&ty->base[a], h->baseline);
    msi_moments_add(&ty->fin[a], h->final);
    size_t per = sc->nvisits * ty->nobs;
    for (size_t j = 0; j < per; j++)
        msi_moments_add(&ty->visit[a * per + j], obs[j]);
    for (size_t v = 0; v < nv; v++) {
        double y = obs[v * ty->nobs + sc->score];
        ty->vresp[a * nv + v] += y <= resp_max;
        ty->vrem[a * nv + v] += y <= sc->remission_max;
        /* a remitter here still in remission at every later visit up to w */
        if (y <= sc->remission_max)
            for (size_t w = v + 1; w < nv && obs[w * ty->nobs + sc->score] <= sc->remission_max;
                 w++)
                ty->vkeeprem[(a * nv + v) * nv + w]++;
        if (!(y <= resp_max))
            continue;
        for (size_t w = v + 1; w < nv; w++)
            ty->vsust[(a * nv + v) * nv + w] += obs[w * ty->nobs + sc->score] <= resp_max;
    }
    if (ty->nkeep[a] < MS_KEEP_PER_ARM) {
        ty->keep_change[a][ty->nkeep[a]] = h->change;
        ty->keep_base[a][ty->nkeep[a]] = h->baseline;
        ty->nkeep[a]++;
    }
}

void msi_tally_add(msi_tally *ty, const msi_rechdr *h, const double *sub, const double *obs,
                   size_t n, int threads)
{
    const ms_scenario *sc = ty->sc;
    size_t per = sc->nvisits * ty->nobs;
    for (size_t i = 0; i < n; i++)
        add_one(ty, &h[i], sub + i * sc->nsub, obs + i * per);
    if (!ty->nboot)
        return;
    /* bootstrap: every replicate sums over the records in order, so the
     * result does not depend on the threads or on how records were grouped */
    long nb = (long)ty->nboot;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long r = 0; r < nb; r++) {
        double *acc = ty->boot + (size_t)r * 12;
        for (size_t i = 0; i < n; i++) {
            int k = -1;
            for (int j = 0; j < 4; j++)
                if (sc->fac[j] == h[i].arm)
                    k = j;
            if (k < 0 || h[i].failed)
                continue;
            int w = msi_poisson1(msi_rng_bits(ty->seed, MS_RNG_BOOTSTRAP, (uint64_t)r,
                                              (uint64_t)h[i].patient,
                                              ty->paired ? 0 : (uint64_t)k + 1));
            if (!w)
                continue;
            acc[3 * k] += w;
            acc[3 * k + 1] += w * h[i].change;
            acc[3 * k + 2] += w * h[i].response;
        }
    }
}
