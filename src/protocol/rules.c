/*
 * rules.c — a protocol's decision rules (rules:, docs/protocol-format.md)
 * at work on one patient.  At each assessment the engine hands the decider
 * the patient's observables; every rule whose condition holds (at enough
 * assessments in a row, inside its window) stops its treatments -- their
 * events after the decision are removed -- and starts its course: the
 * course's calendar, compiled for the patient from the day of the
 * decision, adds its events after the decision, within the rule's
 * max_courses and min_interval_weeks and the protocol's limits:.  A
 * course's session that would overlap one already planned on the same
 * input is not added (the patient has that session).  Everything is a pure
 * function of the patient, so decisions are the same with any threads or
 * ranks.  Owns msi_decider.
 */
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msi_decider {
    ms_context *ctx;
    const ms_protocol *p;
    ms_patient pt;
    double *times; /* assessments, hours */
    size_t ntimes, times_cap;
    int *obs;         /* per rule: the observable's index */
    double *base;     /* per rule: its value at t = 0 */
    long *streak;     /* per rule: assessments in a row its condition held */
    long *started;    /* per rule: courses it started */
    double *last_end; /* per rule: when its last course ends (h), or -INFINITY */
    size_t rules_cap;
    long *skip; /* a course's skipped days */
    size_t skip_cap;
    ms_events *scratch; /* a course's events, from its own day 0 */
    long courses, fired;
};

ms_status msi_rules_check_model(ms_context *ctx, const ms_protocol *p, const ms_model *m)
{
    for (size_t i = 0; i < p->nrules; i++) {
        const pdecision *d = &p->rules[i];
        if (ms_model_find(m, MS_OBSERVABLE, d->observable) >= 0)
            continue;
        const char *best = msi_model_suggest(m, MS_OBSERVABLE, d->observable);
        return msi_protocol_fail_at(
            ctx, p, d->at_obs,
            "rule '%s' watches '%s', which is not an observable of model '%s'%s%s%s", d->name,
            d->observable, m->name, best ? " (did you mean '" : "", best ? best : "",
            best ? "'?)" : "");
    }
    for (size_t c = 0; c < p->ncourses; c++) {
        ms_status st = msi_protocol_generate(ctx, p->courses[c].cal, m, NULL, 1, NULL);
        if (st)
            return st;
    }
    return MS_OK;
}

void msi_decider_free(msi_decider *d)
{
    if (!d)
        return;
    ms_context *ctx = d->ctx;
    msi_free(ctx, d->times);
    msi_free(ctx, d->obs);
    msi_free(ctx, d->base);
    msi_free(ctx, d->streak);
    msi_free(ctx, d->started);
    msi_free(ctx, d->last_end);
    msi_free(ctx, d->skip);
    ms_events_free(d->scratch);
    msi_free(ctx, d);
}

ms_status msi_decider_begin(ms_context *ctx, msi_decider **dp, const ms_events *ev, double t_end,
                            const double *obs0)
{
    const ms_protocol *p = ev->rules;
    msi_decider *d = *dp;
    if (!d) {
        if (!(d = msi_alloc(ctx, sizeof *d)))
            return msi_nomem(ctx);
        d->ctx = ctx;
        *dp = d;
    }
    d->p = p;
    d->pt = ev->patient;
    d->courses = d->fired = 0;
    size_t nr = p->nrules;
    if (nr > d->rules_cap) {
        msi_free(ctx, d->obs);
        msi_free(ctx, d->base);
        msi_free(ctx, d->streak);
        msi_free(ctx, d->started);
        msi_free(ctx, d->last_end);
        d->obs = msi_alloc(ctx, nr * sizeof *d->obs);
        d->base = msi_alloc(ctx, nr * sizeof *d->base);
        d->streak = msi_alloc(ctx, nr * sizeof *d->streak);
        d->started = msi_alloc(ctx, nr * sizeof *d->started);
        d->last_end = msi_alloc(ctx, nr * sizeof *d->last_end);
        d->rules_cap = nr;
        if (!d->obs || !d->base || !d->streak || !d->started || !d->last_end) {
            d->rules_cap = 0;
            return msi_nomem(ctx);
        }
    }
    for (size_t i = 0; i < nr; i++) {
        const pdecision *r = &p->rules[i];
        d->obs[i] = ms_model_find(ev->model, MS_OBSERVABLE, r->observable);
        if (d->obs[i] < 0)
            return msi_protocol_fail_at(ctx, p, r->at_obs,
                                        "rule '%s' watches '%s', which is not an observable",
                                        r->name, r->observable);
        d->base[i] = obs0[d->obs[i]];
        d->streak[i] = d->started[i] = 0;
        d->last_end[i] = -INFINITY;
    }
    size_t n = msi_protocol_assess_times(p, t_end, NULL);
    if (msi_grow(ctx, (void **)&d->times, &d->times_cap, n + 1, sizeof *d->times))
        return msi_nomem(ctx);
    d->ntimes = msi_protocol_assess_times(p, t_end, d->times);
    if (!d->scratch && ms_events_new(ctx, ev->model, &d->scratch))
        return msi_nomem(ctx);
    d->scratch->model = ev->model;
    return MS_OK;
}

size_t msi_decider_times(const msi_decider *d, const double **times)
{
    *times = d->times;
    return d->ntimes;
}

void msi_decider_counts(const msi_decider *d, long *courses, long *fired)
{
    *courses = d ? d->courses : 0;
    *fired = d ? d->fired : 0;
}

static int holds(const pdecision *r, double v, double base)
{
    double x = r->relative ? r->threshold * base : r->threshold;
    switch (r->cmp) {
    case CMP_ABOVE: return v > x;
    case CMP_AT_LEAST: return v >= x;
    case CMP_BELOW: return v < x;
    case CMP_AT_MOST: return v <= x;
    }
    return 0;
}

static const char *name_of(const ms_events *ev, int i)
{
    return i >= 0 ? ev->names[i] : NULL;
}

/* Removes the events of treatment `name` after t; returns how many. */
static size_t stop_after(ms_events *ev, double t, const char *name)
{
    size_t w = 0, n0 = ev->n;
    for (size_t i = 0; i < ev->n; i++) {
        const char *tr = name_of(ev, ev->e[i].treatment);
        if (ev->e[i].t > t && tr && strcmp(tr, name) == 0)
            continue;
        ev->e[w++] = ev->e[i];
    }
    ev->n = w;
    return n0 - w;
}

static long count_of(const ms_events *ev, const char *name)
{
    long n = 0;
    for (size_t i = 0; i < ev->n; i++) {
        const char *tr = name_of(ev, ev->e[i].treatment);
        n += tr && strcmp(tr, name) == 0;
    }
    return n;
}

/* Does a pulse on `input` over [a, b) meet one already in ev? */
static int overlaps(const ms_events *ev, const char *input, double a, double b)
{
    for (size_t i = 0; i < ev->n; i++) {
        const msi_event *e = &ev->e[i];
        if (e->kind != MS_EVENT_PULSE || strcmp(ev->names[e->input_name], input) != 0)
            continue;
        if (e->t < b && a < e->t + e->duration)
            return 1;
    }
    return 0;
}

/* Course c of rule r, compiled for the patient from day `day`, into ev
 * after t. */
static ms_status start_course(msi_decider *d, size_t r, int c, long day, double t, ms_events *ev)
{
    const ms_protocol *p = d->p;
    ms_protocol cal = *p->courses[c].cal; /* a view of it starting on `day` */
    cal.start_wd = (p->start_wd + (int)(day % 7)) % 7;
    if (msi_grow(d->ctx, (void **)&d->skip, &d->skip_cap, p->nskip + 1, sizeof *d->skip))
        return msi_nomem(d->ctx);
    cal.skip = d->skip;
    cal.nskip = 0;
    for (size_t i = 0; i < p->nskip; i++)
        if (p->skip[i] >= day && p->skip[i] < day + cal.length_days)
            d->skip[cal.nskip++] = p->skip[i] - day;
    /* the course's missed sessions: their own stream, one per course given */
    ms_patient pt = d->pt;
    pt.id ^= (unsigned long long)(d->courses + 1) * 0x9E3779B97F4A7C15ULL;
    d->scratch->n = 0;
    ms_status st = msi_protocol_generate(d->ctx, &cal, ev->model, &pt, 0, d->scratch);
    if (st)
        return st;
    double off = 24.0 * (double)day;
    for (size_t i = 0; i < d->scratch->n; i++) {
        const msi_event *e = &d->scratch->e[i];
        double te = e->t + off;
        if (te <= t)
            continue;
        const char *input = d->scratch->names[e->input_name];
        const char *tr = name_of(d->scratch, e->treatment);
        if (e->kind == MS_EVENT_PULSE && overlaps(ev, input, te, te + e->duration))
            continue;
        int capped = 0;
        for (size_t k = 0; tr && k < p->nlimits; k++)
            if (strcmp(p->limits[k].treatment, tr) == 0 && count_of(ev, tr) >= p->limits[k].max)
                capped = 1;
        if (capped)
            continue;
        if ((st = msi_events_add_named(ev, te, e->kind, input, tr, e->amount, e->duration)))
            return st;
    }
    d->started[r]++;
    d->courses++;
    d->last_end[r] = off + 24.0 * (double)cal.length_days;
    return MS_OK;
}

ms_status msi_decider_decide(msi_decider *d, double t, const double *obs, ms_events *ev,
                             int *changed)
{
    const ms_protocol *p = d->p;
    int removed = 0, added = 0;
    long day = (long)floor(t / 24.0);
    for (size_t i = 0; i < p->nrules; i++) {
        const pdecision *r = &p->rules[i];
        if (day < r->from || day >= r->until)
            continue;
        d->streak[i] = holds(r, obs[d->obs[i]], d->base[i]) ? d->streak[i] + 1 : 0;
        if (d->streak[i] < r->consecutive)
            continue;
        int acted = 0;
        for (size_t k = 0; k < r->nstop; k++)
            if (stop_after(ev, t, r->stop[k])) {
                removed = 1;
                acted = 1;
            }
        if (r->course >= 0 && d->started[i] < r->max_courses && t >= d->last_end[i] &&
            t >= d->last_end[i] + r->min_gap_h) {
            size_t before = ev->n;
            ms_status st = start_course(d, i, r->course, day, t, ev);
            if (st)
                return st;
            added |= ev->n != before;
            acted = 1;
            d->streak[i] = 0;
        }
        d->fired += acted;
    }
    *changed = removed || added;
    if (added) {
        ms_status st = msi_events_sort(ev);
        if (st)
            return st;
    }
    return MS_OK;
}
