/*
 * protocol.c — treatment protocols as calendars.  A protocol file (YAML,
 * docs/protocol-format.md) is read into an ms_protocol that does not depend
 * on any model: a start date, phases, days to skip, treatments with their
 * recurrence rules, time of day, duration, dose and unit, ordering
 * constraints ("after: tms") and per-session probability of being missed;
 * plus optional explicit doses.  ms_protocol_compile turns it into the
 * sorted event table of one patient, resolving inputs, kinds and units
 * against a model when one is given.  Model-independent mistakes (a rule
 * that produces no event, overlapping sessions of one device, an infusion
 * that cannot finish before the next starts, an "after" without its anchor
 * that day) are found when the file is read, each with file, line, column.
 */
#include "../core/rng.h"
#include "../core/yamldoc.h"
#include "calendar.h"
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_MAX_REPEATS 100000

static const char *const TKIND[] = {"session", "infusion", "bolus", "oral", NULL};

static int rule_hits(const ms_protocol *p, const prule *r, long day);

/* ------------------------------------------------------------- freeing */

void ms_protocol_free(ms_protocol *p)
{
    if (!p)
        return;
    ms_context *ctx = p->ctx;
    for (size_t i = 0; i < p->ntr; i++) {
        ptreat *t = &p->tr[i];
        for (size_t r = 0; r < t->nrules; r++)
            msi_free(ctx, t->rules[r].days);
        msi_free(ctx, t->rules);
        msi_free(ctx, t->name);
        msi_free(ctx, t->input);
        msi_free(ctx, t->device);
        msi_free(ctx, t->after);
        msi_free(ctx, t->unit);
        msi_free(ctx, t->summary);
        msi_free(ctx, t->summary_ja);
    }
    for (size_t i = 0; i < p->nphases; i++)
        msi_free(ctx, p->phases[i].name);
    for (size_t i = 0; i < p->ndoses; i++)
        msi_free(ctx, p->doses[i].input);
    msi_free(ctx, p->tr);
    msi_free(ctx, p->assess.days);
    for (size_t i = 0; i < p->ncourses; i++) {
        msi_free(ctx, p->courses[i].name);
        ms_protocol_free(p->courses[i].cal);
    }
    msi_free(ctx, p->courses);
    for (size_t i = 0; i < p->nrules; i++) {
        pdecision *d = &p->rules[i];
        msi_free(ctx, d->name);
        msi_free(ctx, d->observable);
        msi_free(ctx, d->summary);
        msi_free(ctx, d->summary_ja);
        for (size_t k = 0; k < d->nstop; k++)
            msi_free(ctx, d->stop[k]);
        msi_free(ctx, d->stop);
    }
    msi_free(ctx, p->rules);
    for (size_t i = 0; i < p->nlimits; i++)
        msi_free(ctx, p->limits[i].treatment);
    msi_free(ctx, p->limits);
    msi_free(ctx, p->phases);
    msi_free(ctx, p->skip);
    msi_free(ctx, p->doses);
    msi_free(ctx, p->file);
    msi_free(ctx, p->name);
    msi_free(ctx, p->desc);
    msi_free(ctx, p->desc_ja);
    msi_free(ctx, p);
}

/* ------------------------------------------------------------- reading */

typedef struct {
    ms_context *ctx;
    msi_ydoc doc;
    ms_protocol *p;
} reader;

/* An error at a node of the protocol file. */
#define rfail(R, n, ...) msi_yfail((R)->ctx, &(R)->doc, (n), MS_ERR_PROTOCOL, __VA_ARGS__)

static pos pos_of(const msi_ynode *n)
{
    return (pos){n ? n->line : 1, n ? n->col : 1};
}

static ms_status text(reader *R, const msi_ynode *map, const char *key, const char *what,
                      int required, char **out)
{
    const msi_ynode *v;
    ms_status st = msi_yget_string(R->ctx, &R->doc, map, key, what, required, &v, MS_ERR_PROTOCOL);
    if (st || !v)
        return st;
    *out = msi_strdup(R->ctx, v->str);
    return *out ? MS_OK : msi_nomem(R->ctx);
}

static ms_status number(reader *R, const msi_ynode *n, const char *what, double lo, double hi,
                        double *out)
{
    ms_status st = msi_yget_number(R->ctx, &R->doc, n, what, out, MS_ERR_PROTOCOL);
    if (st)
        return st;
    if (*out < lo || *out > hi)
        return rfail(R, n, "%s is %g; expected a number from %g to %g", what, *out, lo, hi);
    return MS_OK;
}

static ms_status whole(reader *R, const msi_ynode *n, const char *what, long lo, long hi, long *out)
{
    double v = 0;
    ms_status st = msi_yget_number(R->ctx, &R->doc, n, what, &v, MS_ERR_PROTOCOL);
    if (st)
        return st;
    if (v != floor(v) || v < (double)lo || v > (double)hi)
        return rfail(R, n, "%s is %g; expected a whole number from %ld to %ld", what, v, lo, hi);
    *out = (long)v;
    return MS_OK;
}

/* One of two keys giving a duration, in hours: `<base>_h` or `<base>_min`. */
static ms_status duration(reader *R, const msi_ynode *map, const char *kh, const char *km,
                          double *out, int *found)
{
    const msi_ynode *h = msi_ymap_get(map, kh), *m = msi_ymap_get(map, km);
    *found = 0;
    if (h && m)
        return rfail(R, m, "both '%s' and '%s'; expected one", kh, km);
    if (!h && !m)
        return MS_OK;
    double v = 0;
    ms_status st = msi_yget_number(R->ctx, &R->doc, h ? h : m, "the duration", &v, MS_ERR_PROTOCOL);
    if (st)
        return st;
    if (!(v > 0))
        return rfail(R, h ? h : m, "the duration is %g; expected > 0", v);
    *out = h ? v : v / 60.0;
    if (*out > 24.0 * 7)
        return rfail(R, h ? h : m, "a duration of %g h is longer than a week", *out);
    *found = 1;
    return MS_OK;
}

static ms_status clock_of(reader *R, const msi_ynode *map, double *out, int *found)
{
    const msi_ynode *c = msi_ymap_get(map, "time");
    *found = 0;
    if (!c)
        return MS_OK;
    if (c->type != MS_Y_SCALAR || msi_parse_clock(c->str, out) != 0)
        return rfail(R, c, "time '%s'; expected a clock time such as \"09:30\"",
                     c->type == MS_Y_SCALAR ? c->str : "?");
    *found = 1;
    return MS_OK;
}

static ms_status weekday_list(reader *R, const msi_ynode *n, unsigned *mask)
{
    *mask = 0;
    if (n->type != MS_Y_SEQ || n->n == 0)
        return rfail(R, n, "weekdays must be a list such as [mon, thu]");
    for (size_t i = 0; i < n->n; i++) {
        const msi_ynode *w = n->vals[i];
        int d = w->type == MS_Y_SCALAR ? msi_parse_weekday(w->str) : -1;
        if (d < 0)
            return rfail(R, w,
                         "'%s' is not a weekday; expected mon, tue, wed, thu, fri, sat or sun",
                         w->type == MS_Y_SCALAR ? w->str : "?");
        if (*mask & (1u << d))
            return rfail(R, w, "%s appears twice", msi_weekday_abbr[d]);
        *mask |= 1u << d;
    }
    return MS_OK;
}

/* Fixed weekday patterns for "times_per_week: N" (documented). */
static const unsigned PER_WEEK[8] = {0, 0x01, 0x09, 0x15, 0x1B, 0x1F, 0x3F, 0x7F};

static ms_status read_rule(reader *R, const msi_ynode *n, prule *r)
{
    static const char *const keys[] = {"phase",     "from_week",      "until_week", "from_day",
                                       "until_day", "weekdays",       "every_days", "every_weeks",
                                       "weekday",   "times_per_week", "on_days",    "on_weeks",
                                       "daily",     "time",           "note",       NULL};
    ms_protocol *p = R->p;
    r->at = pos_of(n);
    r->first_weekday = -1;
    if (n->type != MS_Y_MAP)
        return rfail(R, n, "a schedule rule must be a mapping such as {weekdays: [mon, thu]}");
    ms_status st =
        msi_ymap_check_keys(R->ctx, &R->doc, n, "a schedule rule", keys, MS_ERR_PROTOCOL);
    if (st)
        return st;
    /* window */
    r->from = 0;
    r->until = p->length_days;
    const msi_ynode *ph = msi_ymap_get(n, "phase");
    if (ph) {
        size_t i;
        for (i = 0; i < p->nphases; i++)
            if (ph->type == MS_Y_SCALAR && strcmp(p->phases[i].name, ph->str) == 0)
                break;
        if (i == p->nphases)
            return rfail(R, ph,
                         "unknown phase '%s'; the protocol's phases are listed under "
                         "phases:",
                         ph->type == MS_Y_SCALAR ? ph->str : "?");
        r->from = p->phases[i].from;
        r->until = p->phases[i].until;
    }
    static const char *const wk[4] = {"from_week", "until_week", "from_day", "until_day"};
    for (int k = 0; k < 4; k++) {
        const msi_ynode *v = msi_ymap_get(n, wk[k]);
        if (!v)
            continue;
        if (ph)
            return rfail(R, v, "'%s' together with 'phase'; expected one way to give the window",
                         wk[k]);
        long x = 0;
        if ((st = whole(R, v, wk[k], 0, k < 2 ? p->length_days / 7 + 1 : p->length_days, &x)))
            return st;
        long d = k < 2 ? 7 * x : x;
        if (k % 2 == 0)
            r->from = d;
        else
            r->until = d < p->length_days ? d : p->length_days;
    }
    if (r->from >= r->until)
        return rfail(R, n, "the rule's window is empty (days %ld to %ld)", r->from, r->until);
    /* recurrence: exactly one */
    static const char *const forms[] = {"weekdays", "every_days", "every_weeks", "times_per_week",
                                        "on_days",  "on_weeks",   "daily"};
    const msi_ynode *f = NULL;
    int which = -1;
    for (int k = 0; k < 7; k++) {
        const msi_ynode *v = msi_ymap_get(n, forms[k]);
        if (!v)
            continue;
        if (f)
            return rfail(R, v, "'%s' and '%s' in one rule; expected one recurrence", forms[which],
                         forms[k]);
        f = v;
        which = k;
    }
    if (!f)
        return rfail(R, n,
                     "a schedule rule needs one of weekdays:, every_days:, every_weeks:, "
                     "times_per_week:, on_days:, on_weeks:, daily:");
    const msi_ynode *wd = msi_ymap_get(n, "weekday");
    if (wd && which != 1 && which != 2)
        return rfail(R, wd, "'weekday' goes with every_days or every_weeks");
    long x = 0;
    switch (which) {
    case 0:
        r->kind = R_WEEKDAYS;
        st = weekday_list(R, f, &r->mask);
        break;
    case 1:
    case 2:
        r->kind = R_EVERY;
        st = whole(R, f, forms[which], 1, MS_MAX_DAYS, &x);
        r->every = which == 1 ? x : 7 * x;
        if (!st && wd) {
            r->first_weekday = wd->type == MS_Y_SCALAR ? msi_parse_weekday(wd->str) : -1;
            if (r->first_weekday < 0)
                st = rfail(R, wd, "'%s' is not a weekday", wd->type == MS_Y_SCALAR ? wd->str : "?");
        }
        break;
    case 3:
        r->kind = R_TIMES_PER_WEEK;
        st = whole(R, f, "times_per_week", 1, 7, &x);
        if (!st)
            r->mask = PER_WEEK[x];
        break;
    case 4:
    case 5:
        r->kind = R_ON_DAYS;
        if (f->type != MS_Y_SEQ || f->n == 0) {
            st = rfail(R, f, "%s must be a list of numbers", forms[which]);
            break;
        }
        r->days = msi_alloc(R->ctx, f->n * sizeof *r->days);
        if (!r->days)
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < f->n && !st; i++) {
            st = whole(R, f->vals[i], which == 4 ? "a day" : "a week", 0, MS_MAX_DAYS, &x);
            r->days[i] = which == 4 ? x : 7 * x;
            if (!st && i && r->days[i] <= r->days[i - 1])
                st = rfail(R, f->vals[i], "the list must increase");
            /* a day outside the rule's window would never happen */
            if (!st && (r->days[i] < r->from || r->days[i] >= r->until))
                st = rfail(R, f->vals[i],
                           "%s %ld is outside the rule's window (days %ld to %ld%s); it would "
                           "never be given",
                           which == 4 ? "day" : "week", x, r->from, r->until - 1,
                           r->until == p->length_days ? ", the protocol's last day" : "");
            r->ndays = i + 1;
        }
        break;
    case 6:
        r->kind = R_DAILY;
        if (f->type != MS_Y_SCALAR || strcmp(f->str, "true") != 0)
            st = rfail(R, f, "daily: expects true");
        break;
    }
    if (!st)
        st = clock_of(R, n, &r->clock, &r->has_clock);
    return st;
}

/* Splits "mg/kg" into unit "mg" and per_kg. */
static ms_status read_dose(reader *R, const msi_ynode *n, ptreat *t)
{
    static const char *const keys[] = {"amount", "unit", NULL};
    if (n->type != MS_Y_MAP)
        return rfail(R, n, "dose must be a mapping such as {amount: 1.5e10, unit: particles}");
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, n, "a dose", keys, MS_ERR_PROTOCOL);
    const msi_ynode *a = msi_ymap_get(n, "amount");
    if (!st && !a)
        st = rfail(R, n, "the dose has no 'amount:'");
    if (!st)
        st = number(R, a, "the dose amount", 0, 1e300, &t->amount);
    if (!st && !(t->amount > 0))
        st = rfail(R, a, "the dose amount must be > 0");
    char *unit = NULL;
    if (!st)
        st = text(R, n, "unit", "the dose", 1, &unit);
    if (st)
        return st;
    size_t len = strlen(unit);
    if (len > 3 && strcmp(unit + len - 3, "/kg") == 0) {
        t->per_kg = 1;
        unit[len - 3] = '\0';
    }
    t->unit = unit;
    return MS_OK;
}

static ms_status read_treatment(reader *R, const msi_ynode *key, const msi_ynode *n, ptreat *t,
                                size_t index)
{
    static const char *const keys[] = {
        "input", "kind",   "device", "time",    "duration_min", "duration_h", "level",
        "dose",  "rate",   "after",  "gap_min", "missed",       "schedule",   "description",
        "note",  "pulses", NULL};
    ms_protocol *p = R->p;
    char what[160];
    snprintf(what, sizeof what, "treatment '%s'", key->str);
    t->at = pos_of(key);
    t->after_idx = -1;
    t->level = 1;
    t->pulses = NAN;
    if (n->type != MS_Y_MAP)
        return rfail(R, n, "%s must be a mapping with input:, kind: and schedule:", what);
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, n, what, keys, MS_ERR_PROTOCOL);
    if (!st)
        st = text(R, n, "input", what, 1, &t->input);
    if (st)
        return st;
    t->at_input = pos_of(msi_ymap_get(n, "input"));
    char *kind = NULL;
    if ((st = text(R, n, "kind", what, 1, &kind)))
        return st;
    int k = -1;
    for (int i = 0; TKIND[i]; i++)
        if (strcmp(TKIND[i], kind) == 0)
            k = i;
    if (k < 0) {
        st = rfail(R, msi_ymap_get(n, "kind"),
                   "kind '%s' of %s; expected session, infusion, bolus or oral", kind, what);
        msi_free(R->ctx, kind);
        return st;
    }
    msi_free(R->ctx, kind);
    t->kind = (tkind)k;
    if ((st = text(R, n, "device", what, 0, &t->device)))
        return st;
    if (!t->device && !(t->device = msi_strdup(R->ctx, key->str)))
        return msi_nomem(R->ctx);
    if ((st = clock_of(R, n, &t->clock, &t->has_clock)))
        return st;
    int has_dur;
    if ((st = duration(R, n, "duration_h", "duration_min", &t->duration_h, &has_dur)))
        return st;
    const msi_ynode *dose = msi_ymap_get(n, "dose"), *lvl = msi_ymap_get(n, "level"),
                    *rate = msi_ymap_get(n, "rate"), *pul = msi_ymap_get(n, "pulses");
    t->at_dose = pos_of(dose ? dose : key);
    if (pul && t->kind != T_SESSION)
        return rfail(R, pul, "pulses: belongs to a session (a stimulation), not a %s",
                     TKIND[t->kind]);
    switch (t->kind) {
    case T_SESSION:
        if (dose)
            return rfail(R, dose,
                         "a session has no dose; it sets its input to 'level' (default "
                         "1) for its duration");
        if (rate)
            return rfail(R, rate, "a session has no rate");
        if (!has_dur)
            return rfail(R, n, "%s is a session; expected duration_min: or duration_h:", what);
        if (lvl && pul)
            return rfail(R, pul,
                         "both level: and pulses:; expected one (pulses: sets the level "
                         "to pulses per hour of the session)");
        if (lvl && (st = number(R, lvl, "the level", 0, 1e300, &t->level)))
            return st;
        if (pul) {
            if ((st =
                     number(R, pul, "the number of pulses a session delivers", 1, 1e9, &t->pulses)))
                return st;
            t->level = t->pulses / t->duration_h;
            t->at_dose = pos_of(pul);
        }
        break;
    case T_INFUSION:
        if (lvl)
            return rfail(R, lvl, "an infusion has a dose, not a level");
        if (!dose)
            return rfail(R, n, "%s is an infusion; expected dose: {amount:, unit:}", what);
        if ((st = read_dose(R, dose, t)))
            return st;
        if (rate && has_dur)
            return rfail(R, rate, "both a duration and a rate; expected one");
        if (!rate && !has_dur)
            return rfail(R, n,
                         "%s is an infusion; expected duration_min:, duration_h: or rate:", what);
        if (rate &&
            (st = number(R, rate, "the rate (dose units per hour)", 1e-300, 1e300, &t->rate)))
            return st;
        break;
    case T_BOLUS:
    case T_ORAL:
        if (lvl || rate || has_dur)
            return rfail(R,
                         lvl    ? lvl
                         : rate ? rate
                                : n,
                         "a %s dose has no level, rate or duration", TKIND[t->kind]);
        if (!dose)
            return rfail(R, n, "%s needs dose: {amount:, unit:}", what);
        if ((st = read_dose(R, dose, t)))
            return st;
        break;
    }
    /* ordering */
    const msi_ynode *after = msi_ymap_get(n, "after");
    if (after) {
        if ((st = text(R, n, "after", what, 1, &t->after)))
            return st;
        for (size_t j = 0; j < index; j++)
            if (strcmp(p->tr[j].name, t->after) == 0)
                t->after_idx = (int)j;
        if (t->after_idx < 0)
            return rfail(R, after, "'after: %s' must name a treatment defined above this one",
                         t->after);
        if (t->has_clock)
            return rfail(R, msi_ymap_get(n, "time"),
                         "'time' together with 'after'; the start follows '%s'", t->after);
        const msi_ynode *gap = msi_ymap_get(n, "gap_min");
        if (gap) {
            if ((st = number(R, gap, "gap_min", 0, 24 * 60, &t->gap_h)))
                return st;
            t->gap_h /= 60.0;
        }
    } else if (msi_ymap_get(n, "gap_min")) {
        return rfail(R, msi_ymap_get(n, "gap_min"), "'gap_min' goes with 'after'");
    }
    const msi_ynode *missed = msi_ymap_get(n, "missed");
    if (missed &&
        (st = number(R, missed, "the probability of missing a session", 0, 0.99, &t->missed)))
        return st;
    /* schedule */
    const msi_ynode *sch = msi_ymap_get(n, "schedule");
    if (!sch)
        return rfail(R, n, "%s has no 'schedule:'; expected a list of rules", what);
    if (sch->type != MS_Y_SEQ || sch->n == 0)
        return rfail(R, sch, "schedule must be a list of rules such as - {weekdays: [mon]}");
    t->rules = msi_alloc(R->ctx, sch->n * sizeof *t->rules);
    if (!t->rules)
        return msi_nomem(R->ctx);
    for (size_t i = 0; i < sch->n; i++) {
        t->nrules = i + 1;
        if ((st = read_rule(R, sch->vals[i], &t->rules[i])))
            return st;
        prule *r = &t->rules[i];
        if (!r->has_clock && !t->has_clock && t->after_idx < 0)
            return rfail(R, sch->vals[i],
                         "no time of day for %s; expected time: \"HH:MM\" on "
                         "the treatment or the rule",
                         what);
        if (r->has_clock && t->after_idx >= 0)
            return rfail(R, sch->vals[i], "'time' in a rule of %s, which follows '%s'", what,
                         t->after);
    }
    return MS_OK;
}

static ms_status read_doses(reader *R, const msi_ynode *list)
{
    static const char *const keys[] = {
        "input",        "at_h",    "at_d",    "amount", "rate", "level", "duration_h",
        "duration_min", "every_h", "every_d", "times",  "note", NULL};
    ms_protocol *p = R->p;
    if (list->type != MS_Y_SEQ || list->n == 0)
        return rfail(R, list, "expected 'doses:' with a list of doses");
    size_t cap = 0;
    for (size_t i = 0; i < list->n; i++) {
        const msi_ynode *d = list->vals[i];
        if (d->type != MS_Y_MAP)
            return rfail(R, d,
                         "a dose must be a mapping with input:, at_h: and "
                         "amount:/rate:/level:");
        ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, d, "a dose", keys, MS_ERR_PROTOCOL);
        char *input = NULL;
        if (!st)
            st = text(R, d, "input", "a dose", 1, &input);
        if (st)
            return st;
        pdose base = {
            .input = input, .at = pos_of(d), .at_input = pos_of(msi_ymap_get(d, "input"))};
        /* own it at once, so an error below frees it with the protocol */
        if (msi_grow(R->ctx, (void **)&p->doses, &cap, p->ndoses + 1, sizeof *p->doses)) {
            msi_free(R->ctx, input);
            return msi_nomem(R->ctx);
        }
        size_t first = p->ndoses;
        p->doses[p->ndoses++] = base;
        const msi_ynode *h = msi_ymap_get(d, "at_h"), *dd = msi_ymap_get(d, "at_d");
        if (h && dd)
            return rfail(R, dd, "both 'at_h' and 'at_d' given for the dose time; expected one");
        if (!h && !dd)
            return rfail(R, d, "no 'at_h:' or 'at_d:' for the dose time");
        double at = 0;
        if ((st = number(R, h ? h : dd, "the dose time", 0, 1e7, &at)))
            return st;
        if (dd)
            at *= 24;
        double dur = INFINITY;
        int has_dur;
        if ((st = duration(R, d, "duration_h", "duration_min", &dur, &has_dur)))
            return st;
        const msi_ynode *amt = msi_ymap_get(d, "amount"), *rate = msi_ymap_get(d, "rate"),
                        *lvl = msi_ymap_get(d, "level");
        int forms = !!amt + !!rate + !!lvl;
        if (forms != 1)
            return rfail(R, d, "a dose needs exactly one of amount:, rate:, level: (found %d)",
                         forms);
        const msi_ynode *vn = amt ? amt : rate ? rate : lvl;
        double v = 0;
        if ((st = msi_yget_number(R->ctx, &R->doc, vn, "the dose", &v, MS_ERR_PROTOCOL)))
            return st;
        if (lvl ? !(v >= 0) : !(v > 0))
            return rfail(R, vn, "the %s is %g; expected a number %s 0",
                         amt    ? "amount"
                         : rate ? "rate"
                                : "level",
                         v, lvl ? ">=" : ">");
        if (amt && !has_dur)
            p->doses[first].kind = MS_EVENT_BOLUS;
        else
            p->doses[first].kind = MS_EVENT_PULSE;
        p->doses[first].form = amt ? 0 : rate ? 1 : 2;
        p->doses[first].at_value = pos_of(vn);
        {
            const msi_ynode *dn = msi_ymap_get(d, "duration_h");
            p->doses[first].at_dur = pos_of(dn ? dn : msi_ymap_get(d, "duration_min"));
        }
        if (amt && has_dur)
            v /= dur; /* infusion: level = amount / duration */
        p->doses[first].value = v;
        p->doses[first].duration = dur;
        p->doses[first].t = at;
        /* repetition */
        const msi_ynode *eh = msi_ymap_get(d, "every_h"), *ed = msi_ymap_get(d, "every_d"),
                        *tn = msi_ymap_get(d, "times");
        if (eh && ed)
            return rfail(R, ed, "both 'every_h' and 'every_d'; expected one");
        long times = 1;
        if (tn && (st = whole(R, tn, "'times'", 1, MS_MAX_REPEATS, &times)))
            return st;
        if (times > 1 && !eh && !ed)
            return rfail(R, tn, "'times: %ld' without 'every_h:' or 'every_d:'", times);
        if ((eh || ed) && !tn)
            return rfail(R, eh ? eh : ed, "'every' without 'times:'; expected how many doses");
        double every = 0;
        if (eh || ed) {
            if ((st = number(R, eh ? eh : ed, "the interval", 0, 1e7, &every)))
                return st;
            if (!(every > 0))
                return rfail(R, eh ? eh : ed, "the interval must be > 0");
            if (ed)
                every *= 24;
        }
        if (has_dur && times > 1 && dur > every)
            return rfail(R,
                         msi_ymap_get(d, has_dur && msi_ymap_get(d, "duration_h") ? "duration_h"
                                                                                  : "duration_min"),
                         "each dose lasts %g h but they repeat every %g h; they would overlap", dur,
                         every);
        for (long r = 1; r < times; r++) {
            if (msi_grow(R->ctx, (void **)&p->doses, &cap, p->ndoses + 1, sizeof *p->doses))
                return msi_nomem(R->ctx);
            pdose c = p->doses[first];
            c.input = msi_strdup(R->ctx, input);
            if (!c.input)
                return msi_nomem(R->ctx);
            c.t = at + (double)r * every;
            p->doses[p->ndoses++] = c;
        }
    }
    return MS_OK;
}

/* The length (weeks:, days:) and phases: of a protocol or a course; the
 * protocol's length is -1 if it gives none (doses only). */
static ms_status read_length(reader *R, const msi_ynode *root)
{
    ms_protocol *p = R->p;
    ms_status st;
    /* length and phases */
    const msi_ynode *wn = msi_ymap_get(root, "weeks"), *dn = msi_ymap_get(root, "days"),
                    *phs = msi_ymap_get(root, "phases");
    if (wn && dn)
        return rfail(R, dn, "both 'weeks' and 'days'; expected one");
    long length = -1;
    if (wn || dn) {
        long x = 0;
        if ((st = whole(R, wn ? wn : dn, wn ? "weeks" : "days", 1,
                        wn ? MS_MAX_DAYS / 7 : MS_MAX_DAYS, &x)))
            return st;
        length = wn ? 7 * x : x;
    }
    if (phs) {
        if (phs->type != MS_Y_SEQ || phs->n == 0)
            return rfail(R, phs, "phases must be a list such as - {name: induction, weeks: 6}");
        p->phases = msi_alloc(R->ctx, phs->n * sizeof *p->phases);
        if (!p->phases)
            return msi_nomem(R->ctx);
        long day = 0;
        for (size_t i = 0; i < phs->n; i++) {
            static const char *const pk[] = {"name", "weeks", "days", "note", NULL};
            const msi_ynode *ph = phs->vals[i];
            if (ph->type != MS_Y_MAP)
                return rfail(R, ph, "a phase must be a mapping with name: and weeks: or days:");
            if ((st = msi_ymap_check_keys(R->ctx, &R->doc, ph, "a phase", pk, MS_ERR_PROTOCOL)))
                return st;
            p->nphases = i + 1;
            if ((st = text(R, ph, "name", "a phase", 1, &p->phases[i].name)))
                return st;
            for (size_t j = 0; j < i; j++)
                if (strcmp(p->phases[j].name, p->phases[i].name) == 0)
                    return rfail(R, msi_ymap_get(ph, "name"), "phase '%s' named twice",
                                 p->phases[i].name);
            const msi_ynode *pw = msi_ymap_get(ph, "weeks"), *pd = msi_ymap_get(ph, "days");
            if ((pw && pd) || (!pw && !pd))
                return rfail(R, ph,
                             "phase '%s' needs exactly one of weeks:, days:", p->phases[i].name);
            long x = 0;
            if ((st = whole(R, pw ? pw : pd, "the phase length", 1, MS_MAX_DAYS, &x)))
                return st;
            p->phases[i].from = day;
            day += pw ? 7 * x : x;
            p->phases[i].until = day;
            if (day > MS_MAX_DAYS)
                return rfail(R, ph, "the phases last more than %ld days", MS_MAX_DAYS);
        }
        if (length >= 0 && length != day)
            return rfail(R, wn ? wn : dn,
                         "the protocol lasts %ld days but its phases add up to "
                         "%ld",
                         length, day);
        length = day;
    }
    if (length < 0 && msi_ymap_get(root, "treatments"))
        return rfail(R, root, "the %s needs its length: weeks:, days: or phases:",
                     p->name ? "protocol" : "course");
    p->length_days = length;
    return MS_OK;
}

/* The treatments: of a protocol or a course (R->p). */
static ms_status read_treatments(reader *R, const msi_ynode *trs)
{
    ms_protocol *p = R->p;
    if (trs->type != MS_Y_MAP || trs->n == 0)
        return rfail(R, trs, "treatments must be a mapping of names to treatments");
    p->tr = msi_alloc(R->ctx, trs->n * sizeof *p->tr);
    if (!p->tr)
        return msi_nomem(R->ctx);
    for (size_t i = 0; i < trs->n; i++) {
        p->ntr = i + 1;
        if (!(p->tr[i].name = msi_strdup(R->ctx, trs->keys[i]->str)))
            return msi_nomem(R->ctx);
        ms_status st = read_treatment(R, trs->keys[i], trs->vals[i], &p->tr[i], i);
        if (st)
            return st;
    }
    return MS_OK;
}

/* ------------------------------------------------------- decision rules */

static ms_status read_course(reader *R, const msi_ynode *key, const msi_ynode *n, pcourse *c)
{
    static const char *const keys[] = {"weeks",       "days", "phases", "treatments",
                                       "description", "note", NULL};
    ms_protocol *p = R->p;
    char what[160];
    snprintf(what, sizeof what, "course '%s'", key->str);
    c->at = pos_of(key);
    if (!(c->name = msi_strdup(R->ctx, key->str)))
        return msi_nomem(R->ctx);
    if (n->type != MS_Y_MAP)
        return rfail(R, n, "%s must be a mapping with weeks: (or days:) and treatments:", what);
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, n, what, keys, MS_ERR_PROTOCOL);
    if (st)
        return st;
    ms_protocol *cal = msi_alloc(R->ctx, sizeof *cal);
    if (!cal)
        return msi_nomem(R->ctx);
    c->cal = cal;
    cal->ctx = R->ctx;
    cal->start_day = MS_NO_DATE;
    cal->start_wd = p->start_wd;
    if (!(cal->file = msi_strdup(R->ctx, p->file)))
        return msi_nomem(R->ctx);
    const msi_ynode *trs = msi_ymap_get(n, "treatments");
    if (!trs)
        return rfail(R, n, "%s has no 'treatments:'; expected what the course gives", what);
    R->p = cal;
    st = read_length(R, n);
    if (!st && cal->length_days < 0)
        st = rfail(R, n, "%s needs its length: weeks:, days: or phases:", what);
    if (!st)
        st = read_treatments(R, trs);
    R->p = p;
    return st;
}

static const char *const CMP_KEY[] = {"above", "at_least", "below", "at_most"};
static const char *const CMP_SIGN[] = {">", ">=", "<", "<="};

static ms_status read_when(reader *R, const msi_ynode *n, pdecision *d)
{
    static const char *const keys[] = {"observable", "above",       "at_least",    "below",
                                       "at_most",    "relative_to", "consecutive", NULL};
    if (n->type != MS_Y_MAP)
        return rfail(R, n,
                     "when: must be a mapping such as {observable: HAMD, above: 0.75, "
                     "relative_to: baseline}");
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, n, "when:", keys, MS_ERR_PROTOCOL);
    if (!st)
        st = text(R, n, "observable", "when:", 1, &d->observable);
    if (st)
        return st;
    d->at_obs = pos_of(msi_ymap_get(n, "observable"));
    const msi_ynode *v = NULL;
    for (int k = 0; k < 4; k++) {
        const msi_ynode *x = msi_ymap_get(n, CMP_KEY[k]);
        if (!x)
            continue;
        if (v)
            return rfail(R, x, "'%s' and '%s' in one condition; expected one", CMP_KEY[d->cmp],
                         CMP_KEY[k]);
        v = x;
        d->cmp = (pcmp)k;
    }
    if (!v)
        return rfail(R, n, "the condition needs one of above:, at_least:, below:, at_most:");
    if ((st = msi_yget_number(R->ctx, &R->doc, v, "the threshold", &d->threshold, MS_ERR_PROTOCOL)))
        return st;
    const msi_ynode *rel = msi_ymap_get(n, "relative_to");
    if (rel) {
        if (rel->type != MS_Y_SCALAR || strcmp(rel->str, "baseline") != 0)
            return rfail(R, rel,
                         "relative_to: '%s'; expected baseline (the threshold is then a "
                         "fraction of the patient's value at the start)",
                         rel->type == MS_Y_SCALAR ? rel->str : "?");
        d->relative = 1;
        /* a fraction of a positive baseline: <= 0 is met by every positive
         * value (above) or by none (below) */
        if (!(d->threshold > 0))
            return rfail(R, v,
                         "%s %g of the baseline %s; expected a fraction of the baseline such as "
                         "0.5",
                         CMP_KEY[d->cmp], d->threshold,
                         d->cmp <= CMP_AT_LEAST ? "holds at every assessment with a positive value"
                                                : "never holds for a positive value");
        if (d->threshold > 100)
            return rfail(R, v, "%s %g times the baseline; expected a fraction such as 0.5",
                         CMP_KEY[d->cmp], d->threshold);
    }
    d->consecutive = 1;
    const msi_ynode *c = msi_ymap_get(n, "consecutive");
    if (c && (st = whole(R, c, "consecutive", 1, 100, &d->consecutive)))
        return st;
    return MS_OK;
}

static ms_status read_decision(reader *R, const msi_ynode *n, pdecision *d)
{
    static const char *const keys[] = {
        "name",      "when",       "start", "stop", "max_courses", "min_interval_weeks",
        "from_week", "until_week", "note",  NULL};
    ms_protocol *p = R->p;
    d->at = pos_of(n);
    d->course = -1;
    d->from = 0;
    d->until = p->length_days;
    if (n->type != MS_Y_MAP)
        return rfail(R, n, "a rule must be a mapping with name:, when: and start: or stop:");
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, n, "a rule", keys, MS_ERR_PROTOCOL);
    if (!st)
        st = text(R, n, "name", "a rule", 1, &d->name);
    if (st)
        return st;
    const msi_ynode *w = msi_ymap_get(n, "when");
    if (!w)
        return rfail(R, n, "rule '%s' has no 'when:'; expected the condition it acts on", d->name);
    if ((st = read_when(R, w, d)))
        return st;
    const msi_ynode *start = msi_ymap_get(n, "start"), *stop = msi_ymap_get(n, "stop");
    if (!start && !stop)
        return rfail(R, n, "rule '%s' does nothing; expected start: COURSE and/or stop: [...]",
                     d->name);
    if (start) {
        d->at_course = pos_of(start);
        for (size_t i = 0; start->type == MS_Y_SCALAR && i < p->ncourses; i++)
            if (strcmp(p->courses[i].name, start->str) == 0)
                d->course = (int)i;
        if (d->course < 0) {
            char list[512] = "";
            for (size_t i = 0; i < p->ncourses; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         p->courses[i].name);
            return rfail(R, start, "rule '%s' starts course '%s', which is not defined; %s%s",
                         d->name, start->type == MS_Y_SCALAR ? start->str : "?",
                         p->ncourses ? "courses: " : "the protocol has no courses:", list);
        }
    }
    if (stop) {
        d->at_stop = pos_of(stop);
        size_t k = stop->type == MS_Y_SEQ ? stop->n : 1;
        if ((stop->type != MS_Y_SEQ && stop->type != MS_Y_SCALAR) || k == 0)
            return rfail(R, stop, "stop: expects a treatment or a list of treatments");
        if (!(d->stop = msi_alloc(R->ctx, k * sizeof *d->stop)))
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < k; i++) {
            const msi_ynode *x = stop->type == MS_Y_SEQ ? stop->vals[i] : stop;
            if (x->type != MS_Y_SCALAR || !msi_protocol_has_treatment(p, -1, x->str))
                return rfail(R, x,
                             "rule '%s' stops '%s', which is no treatment of the protocol or "
                             "its courses",
                             d->name, x->type == MS_Y_SCALAR ? x->str : "?");
            d->nstop = i + 1;
            if (!(d->stop[i] = msi_strdup(R->ctx, x->str)))
                return msi_nomem(R->ctx);
        }
    }
    const msi_ynode *mc = msi_ymap_get(n, "max_courses"),
                    *gap = msi_ymap_get(n, "min_interval_weeks");
    if (start && !mc)
        return rfail(R, n,
                     "rule '%s' starts course '%s' with no limit; expected max_courses: N "
                     "(re-treatment without a limit is not a protocol)",
                     d->name, p->courses[d->course].name);
    if (!start && (mc || gap))
        return rfail(R, mc ? mc : gap,
                     "'%s' goes with start:", mc ? "max_courses" : "min_interval_weeks");
    if (mc && (st = whole(R, mc, "max_courses", 1, 1000, &d->max_courses)))
        return st;
    if (gap) {
        double wk = 0;
        if ((st = number(R, gap, "min_interval_weeks", 0, 520, &wk)))
            return st;
        d->min_gap_h = wk * 168.0;
    }
    static const char *const wk[2] = {"from_week", "until_week"};
    for (int k = 0; k < 2; k++) {
        const msi_ynode *v = msi_ymap_get(n, wk[k]);
        long x = 0;
        if (v && (st = whole(R, v, wk[k], 0, p->length_days / 7 + 1, &x)))
            return st;
        if (v && k == 0)
            d->from = 7 * x;
        else if (v)
            d->until = 7 * x < p->length_days ? 7 * x : p->length_days;
    }
    if (d->from >= d->until)
        return rfail(R, n, "rule '%s' has an empty window (days %ld to %ld)", d->name, d->from,
                     d->until);
    return MS_OK;
}

/* Can both conditions hold at one assessment?  On one observable (both
 * relative or both absolute) when their ranges meet; on two, always. */
static int may_coincide(const pdecision *a, const pdecision *b)
{
    if (strcmp(a->observable, b->observable) != 0 || a->relative != b->relative)
        return 1;
    const pdecision *x[2] = {a, b};
    double lo = -INFINITY, hi = INFINITY;
    int lo_strict = 0, hi_strict = 0;
    for (int k = 0; k < 2; k++) {
        const pdecision *d = x[k];
        int strict = d->cmp == CMP_ABOVE || d->cmp == CMP_BELOW;
        if (d->cmp <= CMP_AT_LEAST) {
            if (d->threshold > lo || (d->threshold == lo && strict)) {
                lo = d->threshold;
                lo_strict = strict;
            }
        } else if (d->threshold < hi || (d->threshold == hi && strict)) {
            hi = d->threshold;
            hi_strict = strict;
        }
    }
    return lo < hi || (lo == hi && !lo_strict && !hi_strict);
}

/* assess:, courses:, rules:, limits: (after the treatments) and their
 * model-independent checks. */
static ms_status read_decisions(reader *R, const msi_ynode *root)
{
    ms_protocol *p = R->p;
    ms_status st;
    const msi_ynode *as = msi_ymap_get(root, "assess"), *cs = msi_ymap_get(root, "courses"),
                    *rs = msi_ymap_get(root, "rules"), *ls = msi_ymap_get(root, "limits");
    if (!rs) {
        const msi_ynode *x = as ? as : cs ? cs : ls;
        if (x)
            return rfail(R, x, "%s without rules:; expected the decision rules that use it",
                         as   ? "assess:"
                         : cs ? "courses:"
                              : "limits:");
        return MS_OK;
    }
    if (!as)
        return rfail(R, rs,
                     "rules: need assess: (the assessments at which they are evaluated, e.g. "
                     "{weekdays: [mon], time: \"08:00\"})");
    if (!p->ntr)
        return rfail(R, rs, "rules: need treatments: (rules act on a calendar)");
    if ((st = read_rule(R, as, &p->assess)))
        return st;
    p->has_assess = 1;
    if (!p->assess.has_clock)
        return rfail(R, as, "assess: needs time: \"HH:MM\" (when in the day the rating is made)");
    if (cs) {
        if (cs->type != MS_Y_MAP || cs->n == 0)
            return rfail(R, cs, "courses: must be a mapping of names to courses");
        if (!(p->courses = msi_alloc(R->ctx, cs->n * sizeof *p->courses)))
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < cs->n; i++) {
            p->ncourses = i + 1;
            if ((st = read_course(R, cs->keys[i], cs->vals[i], &p->courses[i])))
                return st;
        }
    }
    if (rs->type != MS_Y_SEQ || rs->n == 0)
        return rfail(R, rs, "rules: must be a list of rules such as - {name:, when:, start:}");
    if (!(p->rules = msi_alloc(R->ctx, rs->n * sizeof *p->rules)))
        return msi_nomem(R->ctx);
    for (size_t i = 0; i < rs->n; i++) {
        p->nrules = i + 1;
        if ((st = read_decision(R, rs->vals[i], &p->rules[i])))
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->rules[j].name, p->rules[i].name) == 0)
                return rfail(R, rs->vals[i], "rule '%s' named twice", p->rules[i].name);
    }
    /* each rule meets an assessment; each course is started by a rule */
    for (size_t i = 0; i < p->nrules; i++) {
        const pdecision *d = &p->rules[i];
        long day = d->from;
        while (day < d->until && !rule_hits(p, &p->assess, day))
            day++;
        if (day == d->until)
            return msi_fail(R->ctx, MS_ERR_PROTOCOL, R->doc.file, d->at.line, d->at.col,
                            "rule '%s' can never fire: no assessment (assess:) falls in its "
                            "window, days %ld to %ld",
                            d->name, d->from, d->until - 1);
    }
    for (size_t c = 0; c < p->ncourses; c++) {
        size_t i = 0;
        while (i < p->nrules && p->rules[i].course != (int)c)
            i++;
        if (i == p->nrules)
            return msi_fail(R->ctx, MS_ERR_PROTOCOL, R->doc.file, p->courses[c].at.line,
                            p->courses[c].at.col, "course '%s' is started by no rule",
                            p->courses[c].name);
    }
    /* a rule that stops a treatment and one that starts a course giving it,
     * both possible at one assessment, would undo each other */
    for (size_t i = 0; i < p->nrules; i++)
        for (size_t j = 0; j < p->nrules; j++) {
            const pdecision *a = &p->rules[i], *b = &p->rules[j];
            if (i == j || b->course < 0 || !may_coincide(a, b))
                continue;
            for (size_t k = 0; k < a->nstop; k++)
                if (msi_protocol_has_treatment(p, b->course, a->stop[k]))
                    return msi_fail(
                        R->ctx, MS_ERR_PROTOCOL, R->doc.file, a->at_stop.line, a->at_stop.col,
                        "rule '%s' stops '%s' and rule '%s' starts course '%s', which gives it, "
                        "and both can fire at one assessment (%s %s %g%s, %s %s %g%s); expected "
                        "conditions that exclude each other",
                        a->name, a->stop[k], b->name, p->courses[b->course].name, a->observable,
                        CMP_SIGN[a->cmp], a->threshold, a->relative ? " x baseline" : "",
                        b->observable, CMP_SIGN[b->cmp], b->threshold,
                        b->relative ? " x baseline" : "");
        }
    if (ls) {
        if (ls->type != MS_Y_MAP || ls->n == 0)
            return rfail(R, ls,
                         "limits: must be a mapping of treatments to numbers, e.g. {tms: 100}");
        if (!(p->limits = msi_alloc(R->ctx, ls->n * sizeof *p->limits)))
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < ls->n; i++) {
            plimit *l = &p->limits[i];
            p->nlimits = i + 1;
            l->at = pos_of(ls->keys[i]);
            if (!msi_protocol_has_treatment(p, -1, ls->keys[i]->str))
                return rfail(R, ls->keys[i],
                             "limits: '%s' is no treatment of the protocol or its courses",
                             ls->keys[i]->str);
            if (!(l->treatment = msi_strdup(R->ctx, ls->keys[i]->str)))
                return msi_nomem(R->ctx);
            if ((st = whole(R, ls->vals[i], "the limit", 1, 100000, &l->max)))
                return st;
        }
    }
    return MS_OK;
}

int msi_protocol_has_treatment(const ms_protocol *p, int c, const char *name)
{
    const ms_protocol *cal = c < 0 ? p : p->courses[c].cal;
    for (size_t i = 0; i < cal->ntr; i++)
        if (strcmp(cal->tr[i].name, name) == 0)
            return 1;
    for (size_t k = 0; c < 0 && k < p->ncourses; k++)
        if (msi_protocol_has_treatment(p, (int)k, name))
            return 1;
    return 0;
}

static ms_status read_top(reader *R)
{
    static const char *const top[] = {"protocol", "description", "start",      "weeks",  "days",
                                      "phases",   "skip_dates",  "treatments", "doses",  "ja",
                                      "assess",   "courses",     "rules",      "limits", NULL};
    ms_protocol *p = R->p;
    const msi_ynode *root = R->doc.root;
    if (!root || (root->type == MS_Y_SCALAR && root->len == 0))
        return msi_fail(R->ctx, MS_ERR_PROTOCOL, R->doc.file, 1, 1,
                        "the file is empty; expected a protocol (protocol:, treatments: or "
                        "doses:)");
    if (root->type != MS_Y_MAP)
        return rfail(R, root, "expected a mapping with protocol: and treatments: or doses:");
    ms_status st = msi_ymap_check_keys(R->ctx, &R->doc, root, "the protocol", top, MS_ERR_PROTOCOL);
    if (!st)
        st = text(R, root, "protocol", "the protocol", 1, &p->name);
    if (!st)
        st = text(R, root, "description", "the protocol", 0, &p->desc);
    /* ja: the Japanese texts of the file, for a Japanese report */
    const msi_ynode *ja = msi_ymap_get(root, "ja");
    if (!st && ja) {
        static const char *const jk[] = {"description", NULL};
        if (ja->type != MS_Y_MAP)
            return rfail(R, ja, "ja: expected {description: TEXT} (the Japanese texts)");
        st = msi_ymap_check_keys(R->ctx, &R->doc, ja, "ja:", jk, MS_ERR_PROTOCOL);
        if (!st)
            st = text(R, ja, "description", "ja:", 0, &p->desc_ja);
    }
    if (st)
        return st;

    /* start */
    p->start_day = MS_NO_DATE;
    p->start_wd = 0;
    const msi_ynode *start = msi_ymap_get(root, "start");
    if (start) {
        static const char *const sk[] = {"date", "weekday", NULL};
        if (start->type != MS_Y_MAP)
            return rfail(R, start, "start must be a mapping such as {date: 2027-01-04}");
        if ((st = msi_ymap_check_keys(R->ctx, &R->doc, start, "start", sk, MS_ERR_PROTOCOL)))
            return st;
        const msi_ynode *d = msi_ymap_get(start, "date"), *w = msi_ymap_get(start, "weekday");
        if (d) {
            if (d->type != MS_Y_SCALAR || msi_parse_date(d->str, &p->start_day) != 0)
                return rfail(R, d, "date '%s'; expected a date YYYY-MM-DD that exists",
                             d->type == MS_Y_SCALAR ? d->str : "?");
            p->start_wd = msi_weekday(p->start_day);
            msi_format_date(p->start_day, p->start_date);
        }
        if (w) {
            int wd = w->type == MS_Y_SCALAR ? msi_parse_weekday(w->str) : -1;
            if (wd < 0)
                return rfail(R, w, "'%s' is not a weekday", w->type == MS_Y_SCALAR ? w->str : "?");
            if (d && wd != p->start_wd)
                return rfail(R, w, "the start date %s is a %s, not a %s", p->start_date,
                             msi_weekday_abbr[p->start_wd], msi_weekday_abbr[wd]);
            p->start_wd = wd;
        }
        if (!d && !w)
            return rfail(R, start, "start needs date: or weekday:");
    }

    if ((st = read_length(R, root)))
        return st;
    const msi_ynode *trs = msi_ymap_get(root, "treatments"), *doses = msi_ymap_get(root, "doses");
    /* skipped dates */
    const msi_ynode *sk = msi_ymap_get(root, "skip_dates");
    if (sk) {
        if (p->start_day == MS_NO_DATE)
            return rfail(R, sk, "skip_dates needs a start date (start: {date: YYYY-MM-DD})");
        if (sk->type != MS_Y_SEQ)
            return rfail(R, sk, "skip_dates must be a list of dates");
        p->skip = msi_alloc(R->ctx, (sk->n + 1) * sizeof *p->skip);
        if (!p->skip)
            return msi_nomem(R->ctx);
        for (size_t i = 0; i < sk->n; i++) {
            const msi_ynode *d = sk->vals[i];
            long day = 0;
            if (d->type != MS_Y_SCALAR || msi_parse_date(d->str, &day) != 0)
                return rfail(R, d, "'%s' is not a date YYYY-MM-DD",
                             d->type == MS_Y_SCALAR ? d->str : "?");
            day -= p->start_day;
            if (day < 0 || (p->length_days >= 0 && day >= p->length_days))
                return rfail(R, d, "%s is outside the protocol (%s plus %ld days)", d->str,
                             p->start_date, p->length_days);
            p->skip[p->nskip++] = day;
        }
    }

    /* treatments */
    if (!trs && !doses)
        return rfail(R, root, "the protocol has neither treatments: nor doses:");
    if (trs && (st = read_treatments(R, trs)))
        return st;
    if ((st = read_decisions(R, root)))
        return st;
    if (doses && (st = read_doses(R, doses)))
        return st;
    if (p->length_days < 0) { /* doses only: up to the day the last one ends */
        double end = 0;
        for (size_t i = 0; i < p->ndoses; i++) {
            double e = p->doses[i].t + (isfinite(p->doses[i].duration) ? p->doses[i].duration : 0);
            end = e > end ? e : end;
        }
        p->length_days = (long)floor(end / 24.0) + 1;
    }
    return MS_OK;
}

/* ----------------------------------------------------------- compiling */

typedef struct {
    long day;
    double start, end;
    int rule;
} session;

static int is_skipped(const ms_protocol *p, long day)
{
    for (size_t i = 0; i < p->nskip; i++)
        if (p->skip[i] == day)
            return 1;
    return 0;
}

static int rule_hits(const ms_protocol *p, const prule *r, long day)
{
    if (day < r->from || day >= r->until)
        return 0;
    int wd = (p->start_wd + (int)(day % 7)) % 7;
    switch (r->kind) {
    case R_WEEKDAYS:
    case R_TIMES_PER_WEEK: return (r->mask >> wd) & 1u;
    case R_DAILY: return 1;
    case R_EVERY: {
        long first = r->from;
        if (r->first_weekday >= 0) {
            int wf = (p->start_wd + (int)(first % 7)) % 7;
            first += (r->first_weekday - wf + 7) % 7;
        }
        return day >= first && (day - first) % r->every == 0;
    }
    case R_ON_DAYS:
        for (size_t i = 0; i < r->ndays; i++)
            if (r->days[i] == day)
                return 1;
        return 0;
    }
    return 0;
}

static int session_cmp(const void *a, const void *b)
{
    const session *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Mass units relative to the gram; other units must match exactly. */
static int unit_factor(const char *from, const char *to, double *f)
{
    static const struct {
        const char *u;
        double g;
    } mass[] = {{"kg", 1e3},  {"g", 1},      {"mg", 1e-3}, {"ug", 1e-6},
                {"µg", 1e-6}, {"mcg", 1e-6}, {"ng", 1e-9}, {"pg", 1e-12}};
    if (strcmp(from, to) == 0) {
        *f = 1;
        return 0;
    }
    double a = 0, b = 0;
    for (size_t i = 0; i < sizeof mass / sizeof *mass; i++) {
        if (strcmp(mass[i].u, from) == 0)
            a = mass[i].g;
        if (strcmp(mass[i].u, to) == 0)
            b = mass[i].g;
    }
    if (a > 0 && b > 0) {
        *f = a / b;
        return 0;
    }
    return -1;
}

ms_status msi_protocol_fail_at(ms_context *ctx, const ms_protocol *p, pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_status s = msi_vfail(ctx, MS_ERR_PROTOCOL, p->file, at.line, at.col, fmt, ap);
    va_end(ap);
    return s;
}

static void day_label(const ms_protocol *p, long day, char *buf, size_t n)
{
    if (p->start_day != MS_NO_DATE) {
        char d[16];
        msi_format_date(p->start_day + day, d);
        snprintf(buf, n, "day %ld (%s %s)", day, msi_weekday_abbr[(p->start_wd + day % 7) % 7], d);
    } else {
        snprintf(buf, n, "day %ld (%s)", day, msi_weekday_abbr[(p->start_wd + day % 7) % 7]);
    }
}

/* Checks a treatment against the model: input exists, kind fits, unit
 * converts.  *factor receives the unit conversion of the dose. */
static ms_status check_against_model(ms_context *ctx, const ms_protocol *p, const ptreat *t,
                                     const ms_model *m, double *factor)
{
    *factor = 1;
    int idx = ms_model_find(m, MS_INPUT, t->input);
    if (idx < 0) {
        const char *best = msi_model_suggest(m, MS_INPUT, t->input);
        return msi_protocol_fail_at(ctx, p, t->at_input,
                                    "input '%s' of treatment '%s' is not an input of "
                                    "model '%s'%s%s%s",
                                    t->input, t->name, m->name, best ? " (did you mean '" : "",
                                    best ? best : "", best ? "'?)" : "");
    }
    const msi_symdef *in = &m->sym[MS_INPUT][idx];
    if (in->course)
        return msi_protocol_fail_at(
            ctx, p, t->at_input,
            "input '%s' of treatment '%s' is a course input: the engine sets it "
            "while a course of the inputs that count toward it is on; expected a "
            "treatment's own input",
            in->name, t->name);
    static const ms_input_kind need[] = {MS_INPUT_LEVEL, MS_INPUT_RATE, MS_INPUT_BOLUS,
                                         MS_INPUT_BOLUS};
    static const char *const need_name[] = {"level", "rate", "bolus", "bolus"};
    if (in->input_kind != need[t->kind])
        return msi_protocol_fail_at(
            ctx, p, t->at_input,
            "treatment '%s' is a %s, which needs a %s input, but '%s' is a %s input", t->name,
            TKIND[t->kind], need_name[t->kind], in->name,
            in->input_kind == MS_INPUT_RATE    ? "rate"
            : in->input_kind == MS_INPUT_LEVEL ? "level"
                                               : "bolus");
    if (t->kind == T_SESSION) {
        /* a stimulation dosed in pulses: the input's level is pulses per
         * hour, so that its integral over a session is the session's pulses */
        int in_pulses = strcmp(in->unit, "pulses/h") == 0;
        if (in_pulses && isnan(t->pulses))
            return msi_protocol_fail_at(
                ctx, p, t->at_input,
                "input '%s' of treatment '%s' is dosed in pulses (pulses/h); "
                "expected pulses: (the pulses a session delivers, e.g. 3000)",
                in->name, t->name);
        if (!in_pulses && !isnan(t->pulses))
            return msi_protocol_fail_at(
                ctx, p, t->at_dose,
                "treatment '%s' gives pulses:, but input '%s' has unit '%s'; "
                "pulses: needs an input in pulses/h",
                t->name, in->name, in->unit);
        return MS_OK;
    }
    char base[128];
    snprintf(base, sizeof base, "%s", in->unit);
    if (t->kind == T_INFUSION) {
        size_t len = strlen(base);
        if (len < 3 || strcmp(base + len - 2, "/h") != 0)
            return msi_protocol_fail_at(
                ctx, p, t->at_input,
                "rate input '%s' has unit '%s'; an infusion needs a rate per hour "
                "('<amount unit>/h')",
                in->name, in->unit);
        base[len - 2] = '\0';
    }
    if (unit_factor(t->unit, base, factor) != 0)
        return msi_protocol_fail_at(
            ctx, p, t->at_dose,
            "dose unit '%s%s' of treatment '%s' does not fit input '%s' (%s); "
            "expected %s%s",
            t->unit, t->per_kg ? "/kg" : "", t->name, in->name, in->unit, base,
            t->per_kg ? "/kg" : "");
    return MS_OK;
}

/* Generates the sessions of every treatment, checks them, and (if ev) emits
 * events.  weight: kg, or NAN (then per-kg doses are an error unless
 * `validate_only`). */
static ms_status generate(ms_context *ctx, const ms_protocol *p, const ms_model *m,
                          const ms_patient *pt, int validate_only, ms_events *ev)
{
    ms_status st = MS_OK;
    /* every treatment's sessions in one array (treatment i at off[i], nall[i]
     * of them), kept by the event table between patients when there is one */
    ms_events scratch = {0};
    ms_events *keep = ev ? ev : &scratch;
    if (msi_grow(ctx, &keep->sess_idx, &keep->sess_idx_cap, 2 * (p->ntr + 1), sizeof(size_t)))
        return msi_nomem(ctx);
    size_t *off = keep->sess_idx, *nall = off + p->ntr + 1, used = 0;
#define SESS(i) ((session *)keep->sess + off[i])
    char lab[64], lab2[64];
    for (size_t i = 0; i < p->ntr && !st; i++) {
        const ptreat *t = &p->tr[i];
        double factor = 1;
        if (m && (st = check_against_model(ctx, p, t, m, &factor)))
            break;
        double weight = pt ? pt->weight_kg : NAN;
        if (t->per_kg && !(weight > 0)) {
            if (!validate_only) {
                st = msi_protocol_fail_at(
                    ctx, p, t->at_dose,
                    "the dose of '%s' is %g %s/kg: the patient's body weight is "
                    "needed (--weight KG)",
                    t->name, t->amount, t->unit);
                break;
            }
            weight = 1;
        }
        double amount = t->amount * (t->per_kg ? weight : 1) * factor;
        double dur = t->kind == T_SESSION || t->kind == T_INFUSION
                         ? (t->rate > 0 ? t->amount / t->rate : t->duration_h)
                         : 0;
        off[i] = used;
        nall[i] = 0;
        for (size_t r = 0; r < t->nrules && !st; r++) {
            const prule *ru = &t->rules[r];
            long made = 0, skipped = 0;
            for (long day = ru->from; day < ru->until; day++) {
                if (!rule_hits(p, ru, day))
                    continue;
                if (is_skipped(p, day)) {
                    skipped++;
                    continue;
                }
                double start;
                if (t->after_idx >= 0) {
                    const session *a = NULL;
                    for (size_t k = 0; k < nall[t->after_idx]; k++)
                        if (SESS(t->after_idx)[k].day == day)
                            a = &SESS(t->after_idx)[k];
                    if (!a) {
                        day_label(p, day, lab, sizeof lab);
                        st = msi_protocol_fail_at(
                            ctx, p, ru->at,
                            "'%s' on %s follows '%s', which has no session that day", t->name, lab,
                            t->after);
                        break;
                    }
                    start = a->end + t->gap_h;
                } else {
                    start = 24.0 * (double)day + (ru->has_clock ? ru->clock : t->clock);
                }
                double end = start + dur;
                if (msi_grow(ctx, &keep->sess, &keep->sess_cap, used + 1, sizeof(session))) {
                    st = msi_nomem(ctx);
                    break;
                }
                ((session *)keep->sess)[used++] = (session){day, start, end, (int)r};
                nall[i]++;
                made++;
            }
            if (!st && made == 0)
                st = msi_protocol_fail_at(
                    ctx, p, ru->at,
                    "this rule of '%s' gives no session%s; check its window and "
                    "recurrence",
                    t->name, skipped ? " (every day it names is skipped)" : "");
        }
        if (st)
            break;
        qsort(SESS(i), nall[i], sizeof(session), session_cmp);
        /* an infusion must end before the next starts; sessions of one
         * treatment must not overlap (checked with the device below) */
        for (size_t k = 1; k < nall[i] && t->kind == T_INFUSION; k++)
            if (SESS(i)[k].start < SESS(i)[k - 1].end) {
                day_label(p, SESS(i)[k - 1].day, lab, sizeof lab);
                st = msi_protocol_fail_at(
                    ctx, p, t->rules[SESS(i)[k].rule].at,
                    "the infusion of '%s' on %s (%.4g h) cannot finish before the next "
                    "one starts",
                    t->name, lab, dur);
                break;
            }
        for (size_t k = 1; k < nall[i] && !st && t->kind != T_INFUSION; k++)
            if (SESS(i)[k].start < SESS(i)[k - 1].end ||
                (dur == 0 && SESS(i)[k].start == SESS(i)[k - 1].start)) {
                day_label(p, SESS(i)[k].day, lab, sizeof lab);
                st = msi_protocol_fail_at(ctx, p, t->rules[SESS(i)[k].rule].at,
                                          "two %ss of '%s' overlap on %s", TKIND[t->kind], t->name,
                                          lab);
            }
        /* the same device in another treatment */
        for (size_t j = 0; j < i && !st; j++) {
            if (strcmp(p->tr[j].device, t->device) != 0)
                continue;
            for (size_t a = 0; a < nall[i] && !st; a++)
                for (size_t b = 0; b < nall[j] && !st; b++)
                    if (SESS(i)[a].start < SESS(j)[b].end && SESS(j)[b].start < SESS(i)[a].end) {
                        day_label(p, SESS(i)[a].day, lab, sizeof lab);
                        snprintf(lab2, sizeof lab2, "%s", p->tr[j].name);
                        st = msi_protocol_fail_at(
                            ctx, p, t->rules[SESS(i)[a].rule].at,
                            "'%s' and '%s' use the same device '%s' at overlapping "
                            "times on %s",
                            t->name, lab2, t->device, lab);
                    }
        }
        if (st || !ev)
            continue;
        for (size_t k = 0; k < nall[i] && !st; k++) {
            const session *s = &SESS(i)[k];
            if (pt && pt->draw_missed && t->missed > 0 &&
                msi_rng_u01(pt->seed, MS_RNG_MISSED, pt->id, i, k) < t->missed)
                continue; /* missed; it still anchors treatments that follow it */
            if (t->kind == T_SESSION)
                st = msi_events_add_named(ev, s->start, MS_EVENT_PULSE, t->input, t->name, t->level,
                                          dur);
            else if (t->kind == T_INFUSION)
                st = msi_events_add_named(ev, s->start, MS_EVENT_PULSE, t->input, t->name,
                                          amount / dur, dur);
            else
                st = msi_events_add_named(ev, s->start, MS_EVENT_BOLUS, t->input, t->name, amount,
                                          0);
        }
    }
#undef SESS
    if (!ev) {
        msi_free(ctx, scratch.sess);
        msi_free(ctx, scratch.sess_idx);
    }
    if (st)
        return st;

    /* explicit doses */
    for (size_t i = 0; i < p->ndoses && !st; i++) {
        const pdose *d = &p->doses[i];
        if (m) {
            int idx = ms_model_find(m, MS_INPUT, d->input);
            if (idx < 0) {
                const char *best = msi_model_suggest(m, MS_INPUT, d->input);
                return msi_protocol_fail_at(
                    ctx, p, d->at_input, "input '%s' is not an input of model '%s'%s%s%s", d->input,
                    m->name, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
            }
            const msi_symdef *in = &m->sym[MS_INPUT][idx];
            if (in->input_kind == MS_INPUT_BOLUS && d->form == 0 && d->kind != MS_EVENT_BOLUS)
                return msi_protocol_fail_at(
                    ctx, p, d->at_dur, "a bolus has no duration; '%s' is a bolus input", in->name);
            if (in->input_kind == MS_INPUT_BOLUS && d->form != 0)
                return msi_protocol_fail_at(ctx, p, d->at_value,
                                            "'%s' is a bolus input; expected 'amount:' (in %s)",
                                            in->name, in->unit);
            if (in->input_kind == MS_INPUT_RATE && d->form == 2)
                return msi_protocol_fail_at(
                    ctx, p, d->at_value,
                    "'%s' is a rate input; expected 'amount:' with a duration, or "
                    "'rate:' (in %s)",
                    in->name, in->unit);
            if (in->input_kind == MS_INPUT_RATE && d->kind == MS_EVENT_BOLUS)
                return msi_protocol_fail_at(
                    ctx, p, d->at_value,
                    "an infusion amount needs 'duration_h:' or 'duration_min:'");
            if (in->input_kind == MS_INPUT_LEVEL && d->form != 2)
                return msi_protocol_fail_at(ctx, p, d->at_value,
                                            "'%s' is a level input; expected 'level:' (in %s)",
                                            in->name, in->unit);
        }
        if (ev) {
            st = msi_events_add_named(ev, d->t, d->kind, d->input, NULL, d->value, d->duration);
            if (st && st != MS_ERR_NOMEM) {
                char why[MS_ERRMSG_MAX];
                snprintf(why, sizeof why, "%s", ctx->msg);
                st = msi_protocol_fail_at(ctx, p, d->at, "%s", why);
            }
        }
    }
    return st;
}

size_t msi_protocol_assess_times(const ms_protocol *p, double t_end, double *out)
{
    size_t n = 0;
    for (long day = 0; p->has_assess && day < p->length_days; day++) {
        double t = 24.0 * (double)day + p->assess.clock;
        if (t > t_end)
            break;
        if (rule_hits(p, &p->assess, day) && !is_skipped(p, day)) {
            if (out)
                out[n] = t;
            n++;
        }
    }
    return n;
}

ms_status msi_protocol_generate(ms_context *ctx, const ms_protocol *p, const ms_model *m,
                                const ms_patient *pt, int validate_only, ms_events *ev)
{
    return generate(ctx, p, m, pt, validate_only, ev);
}

/* The words of a treatment's one-line summary, per language (whole phrases
 * with their arguments; the summary lists them in order). */
typedef struct {
    const char *session, *pulses, *level, *infusion, *dose, *input, *after, *gap, *clock;
    const char *first_rule, *next_rule, *list_sep, *daily, *every_week, *every_weeks, *every_day,
        *every_days, *on_weekday, *on_day, *on_days, *in_week, *in_weeks, *days_range, *missed;
    const char *kind[4];
    const char *const *weekday; /* Monday first, 7 names */
    /* decision rules: the condition (absolute, relative to the baseline; by
     * comparison), repeated assessments, the window, what it does, limits */
    const char *day_one, *len_day, *len_days, *len_week, *len_weeks;
    const char *when[2][4], *consecutive, *window, *assess, *stop, *then, *start, *course,
        *course_sep, *max_courses, *min_gap, *limit;
} summary_words;

static const summary_words SUMMARY_EN = {
    .session = "session of %g min",
    .pulses = ", %g pulses",
    .level = " at level %g",
    .infusion = "infusion of %g %s%s over %g min",
    .dose = "%s dose of %g %s%s",
    .input = " on '%s'",
    .after = ", starting when that day's '%s' ends%s",
    .gap = " plus a gap",
    .clock = " at %02d:%02d",
    .first_rule = ": ",
    .next_rule = "; ",
    .list_sep = ",",
    .daily = "daily",
    .every_week = "every %ld week",
    .every_weeks = "every %ld weeks",
    .every_day = "every %ld day",
    .every_days = "every %ld days",
    .on_weekday = " on %s",
    .on_day = "on day",
    .on_days = "on days",
    .in_week = " in week %ld",
    .in_weeks = " in weeks %ld-%ld",
    .days_range = " on days %ld-%ld",
    .missed = "; each missed with probability %g",
    .kind = {"session", "infusion", "bolus", "oral"},
    .weekday = msi_weekday_abbr,
    .day_one = " on day %ld",
    .len_day = "%ld day",
    .len_days = "%ld days",
    .len_week = "%ld week",
    .len_weeks = "%ld weeks",
    .when = {{"when %1$s is above %2$g", "when %1$s is at least %2$g", "when %1$s is below %2$g",
              "when %1$s is at most %2$g"},
             {"when %1$s is above %2$g x its baseline", "when %1$s is at least %2$g x its baseline",
              "when %1$s is below %2$g x its baseline",
              "when %1$s is at most %2$g x its baseline"}},
    .consecutive = " at %ld assessments in a row",
    .window = " (weeks %ld-%ld)",
    .assess = "at each assessment (",
    .stop = "stop %s",
    .then = ", then ",
    .start = "start course '%s' (%s",
    .course = ": %s: %s",
    .course_sep = "; ",
    .max_courses = "), at most %ld courses",
    .min_gap = ", %g weeks or more after the last ended",
    .limit = "; %s at most %ld in all"};

static const char *const WEEKDAY_JA[7] = {"月", "火", "水", "木", "金", "土", "日"};
static const summary_words SUMMARY_JA = {
    .session = "1回%g分のセッション",
    .pulses = "、%gパルス",
    .level = "（レベル%g）",
    .infusion = "%g %s%s の点滴（%g分）",
    .dose = "%s投与 %g %s%s",
    .input = "（入力 '%s'）",
    .after = "、その日の '%s' の終了後に開始%s",
    .gap = "（間隔をあけて）",
    .clock = "、%02d:%02d",
    .first_rule = "：",
    .next_rule = "；",
    .list_sep = "・",
    .daily = "毎日",
    .every_week = "%ld週ごと",
    .every_weeks = "%ld週ごと",
    .every_day = "%ld日ごと",
    .every_days = "%ld日ごと",
    .on_weekday = "（%s曜）",
    .on_day = "日",
    .on_days = "日",
    .in_week = "、週 %ld",
    .in_weeks = "、週 %ld〜%ld",
    .days_range = "、日 %ld〜%ld",
    .missed = "；各回 %g の確率で欠席",
    .kind = {"セッション", "点滴", "ボーラス", "経口"},
    .weekday = WEEKDAY_JA,
    .day_one = "、日 %ld",
    .len_day = "%ld日間",
    .len_days = "%ld日間",
    .len_week = "%ld週間",
    .len_weeks = "%ld週間",
    .when = {{"%1$sが%2$gを超え", "%1$sが%2$g以上となり", "%1$sが%2$g未満となり",
              "%1$sが%2$g以下となり"},
             {"%1$sがベースラインの%2$g倍を超え", "%1$sがベースラインの%2$g倍以上となり",
              "%1$sがベースラインの%2$g倍未満となり", "%1$sがベースラインの%2$g倍以下となり"}},
    .consecutive = "、それが%ld回の評価で続いたら",
    .window = "（週 %ld〜%ld）",
    .assess = "各評価時（",
    .stop = "%sを中止",
    .then = "し、",
    .start = "コース「%s」（%s",
    .course = "：%s：%s",
    .course_sep = "；",
    .max_courses = "）を開始（最大%ldコース",
    .min_gap = "、前のコースの終了から%g週以上あけて",
    .limit = "；%sは全体で%ld回まで"};

#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + off, sizeof buf - off, __VA_ARGS__);                               \
        if (w_ > 0)                                                                                \
            off = off + (size_t)w_ < sizeof buf ? off + (size_t)w_ : sizeof buf - 1;               \
    } while (0)

/* A recurrence rule's days and window (and its time of day) into buf at
 * *offp. */
static void put_recurrence(char *buf, size_t size, size_t *offp, const prule *ru,
                           const summary_words *w)
{
    size_t off = *offp;
#undef PUT
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + off, size - off, __VA_ARGS__);                                     \
        if (w_ > 0)                                                                                \
            off = off + (size_t)w_ < size ? off + (size_t)w_ : size - 1;                           \
    } while (0)
    switch (ru->kind) {
    case R_WEEKDAYS:
    case R_TIMES_PER_WEEK:
        for (int d = 0, n = 0; d < 7; d++)
            if ((ru->mask >> d) & 1u)
                PUT("%s%s", n++ ? w->list_sep : "", w->weekday[d]);
        break;
    case R_DAILY: PUT("%s", w->daily); break;
    case R_EVERY:
        if (ru->every % 7 == 0)
            PUT(ru->every == 7 ? w->every_week : w->every_weeks, ru->every / 7);
        else
            PUT(ru->every == 1 ? w->every_day : w->every_days, ru->every);
        if (ru->first_weekday >= 0)
            PUT(w->on_weekday, w->weekday[ru->first_weekday]);
        break;
    case R_ON_DAYS:
        PUT("%s", ru->ndays > 1 ? w->on_days : w->on_day);
        for (size_t k = 0; k < ru->ndays; k++)
            PUT("%s%ld", k ? "," : " ", ru->days[k]);
        break;
    }
    if (ru->from % 7 == 0 && ru->until % 7 == 0) {
        if (ru->until - ru->from > 7)
            PUT(w->in_weeks, ru->from / 7, ru->until / 7 - 1);
        else
            PUT(w->in_week, ru->from / 7);
    } else if (ru->until - ru->from == 1) {
        PUT(w->day_one, ru->from);
    } else {
        PUT(w->days_range, ru->from, ru->until - 1);
    }
    if (ru->has_clock)
        PUT(w->clock, (int)ru->clock, (int)(fmod(ru->clock, 1) * 60 + 0.5));
#undef PUT
    *offp = off;
}

#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + off, sizeof buf - off, __VA_ARGS__);                               \
        if (w_ > 0)                                                                                \
            off = off + (size_t)w_ < sizeof buf ? off + (size_t)w_ : sizeof buf - 1;               \
    } while (0)

/* A decision rule in words, in the language of `w`: when, at which
 * assessments, what it stops and starts (with the course's calendar), its
 * limits and the protocol's limits on what it gives. */
static char *rule_summary(ms_context *ctx, const ms_protocol *p, const pdecision *d,
                          const summary_words *w, int ja)
{
    char buf[4096];
    size_t off = 0;
    PUT("%s", w->assess);
    put_recurrence(buf, sizeof buf, &off, &p->assess, w);
    PUT("%s", ja ? "）、" : "): ");
    PUT(w->when[d->relative][d->cmp], d->observable, d->threshold);
    if (d->consecutive > 1)
        PUT(w->consecutive, d->consecutive);
    else if (ja)
        PUT("たら");
    if (d->from > 0 || d->until < p->length_days)
        PUT(w->window, d->from / 7, (d->until + 6) / 7 - 1);
    PUT("%s", ja ? "、" : ", ");
    if (d->nstop) {
        char names[512] = "";
        for (size_t k = 0; k < d->nstop; k++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     k ? w->list_sep : "", d->stop[k]);
        PUT(w->stop, names);
        PUT("%s", d->course >= 0 ? w->then : (ja ? "する" : ""));
    }
    if (d->course >= 0) {
        const ms_protocol *cal = p->courses[d->course].cal;
        char len[64];
        long n = cal->length_days % 7 ? cal->length_days : cal->length_days / 7;
        snprintf(len, sizeof len,
                 cal->length_days % 7 ? (n == 1 ? w->len_day : w->len_days)
                                      : (n == 1 ? w->len_week : w->len_weeks),
                 n);
        PUT(w->start, p->courses[d->course].name, len);
        for (size_t i = 0; i < cal->ntr; i++)
            PUT(i ? w->course_sep : w->course, cal->tr[i].name,
                ja ? cal->tr[i].summary_ja : cal->tr[i].summary);
        PUT(w->max_courses, d->max_courses);
        if (d->min_gap_h > 0)
            PUT(w->min_gap, d->min_gap_h / 168.0);
        if (ja)
            PUT("）");
        for (size_t k = 0; k < p->nlimits; k++)
            if (msi_protocol_has_treatment(p, d->course, p->limits[k].treatment))
                PUT(w->limit, p->limits[k].treatment, p->limits[k].max);
    }
    return msi_strdup(ctx, buf);
}

/* A one-line summary of a treatment, for calendars and reports, in the
 * language of `w`. */
static char *summarise(ms_context *ctx, const ms_protocol *p, const ptreat *t,
                       const summary_words *w)
{
    char buf[1024];
    size_t off = 0;
    double dur = t->rate > 0 ? t->amount / t->rate : t->duration_h;
    switch (t->kind) {
    case T_SESSION:
        PUT(w->session, dur * 60);
        if (!isnan(t->pulses))
            PUT(w->pulses, t->pulses);
        else if (t->level != 1)
            PUT(w->level, t->level);
        break;
    case T_INFUSION: PUT(w->infusion, t->amount, t->unit, t->per_kg ? "/kg" : "", dur * 60); break;
    default: PUT(w->dose, w->kind[t->kind], t->amount, t->unit, t->per_kg ? "/kg" : ""); break;
    }
    PUT(w->input, t->input);
    if (t->after_idx >= 0)
        PUT(w->after, t->after, t->gap_h > 0 ? w->gap : "");
    else if (t->has_clock)
        PUT(w->clock, (int)t->clock, (int)(fmod(t->clock, 1) * 60 + 0.5));
    for (size_t r = 0; r < t->nrules; r++) {
        PUT("%s", r ? w->next_rule : w->first_rule);
        put_recurrence(buf, sizeof buf, &off, &t->rules[r], w);
    }
    if (t->missed > 0)
        PUT(w->missed, t->missed);
#undef PUT
    (void)p;
    return msi_strdup(ctx, buf);
}

ms_status ms_protocol_read(ms_context *ctx, const char *path, ms_protocol **out)
{
    if (!ctx || !path || !out)
        return MS_ERR_ARG;
    *out = NULL;
    msi_ok(ctx);
    ms_protocol *p = msi_alloc(ctx, sizeof *p);
    if (!p)
        return msi_nomem(ctx);
    p->ctx = ctx;
    p->start_day = MS_NO_DATE;
    if (!(p->file = msi_strdup(ctx, path))) {
        msi_free(ctx, p);
        return msi_nomem(ctx);
    }
    reader R = {.ctx = ctx, .p = p};
    ms_status st = msi_ydoc_load_file(ctx, p->file, &R.doc);
    if (!st) {
        R.doc.file = p->file;
        st = read_top(&R);
    }
    msi_ydoc_free(ctx, &R.doc);
    for (size_t c = 0; c <= p->ncourses && !st; c++) {
        ms_protocol *cal = c ? p->courses[c - 1].cal : p;
        for (size_t i = 0; i < cal->ntr && !st; i++)
            if (!(cal->tr[i].summary = summarise(ctx, cal, &cal->tr[i], &SUMMARY_EN)) ||
                !(cal->tr[i].summary_ja = summarise(ctx, cal, &cal->tr[i], &SUMMARY_JA)))
                st = msi_nomem(ctx);
        /* model-independent checks: generate once, keep nothing */
        if (!st)
            st = generate(ctx, cal, NULL, NULL, 1, NULL);
    }
    for (size_t i = 0; i < p->nrules && !st; i++)
        if (!(p->rules[i].summary = rule_summary(ctx, p, &p->rules[i], &SUMMARY_EN, 0)) ||
            !(p->rules[i].summary_ja = rule_summary(ctx, p, &p->rules[i], &SUMMARY_JA, 1)))
            st = msi_nomem(ctx);
    if (st) {
        if (ctx->last == MS_OK)
            msi_nomem(ctx);
        ms_protocol_free(p);
        return ctx->last;
    }
    *out = p;
    return msi_ok(ctx);
}

ms_status ms_protocol_compile_into(ms_context *ctx, const ms_protocol *p, const ms_patient *patient,
                                   ms_events *ev)
{
    if (!ctx || !p || !ev || ev->ctx != ctx)
        return MS_ERR_ARG;
    ev->n = 0; /* storage and interned names are kept */
    ev->start_day = p->start_day;
    ev->start_weekday = p->start_wd;
    ev->rules = p->nrules ? p : NULL;
    ev->patient = patient ? *patient : (ms_patient){0, 0, NAN, 0};
    ms_status st = generate(ctx, p, ev->model, patient, 0, ev);
    if (!st)
        st = msi_events_sort(ev);
    if (st) {
        ev->n = 0;
        return st;
    }
    return msi_ok(ctx);
}

ms_status ms_protocol_compile(ms_context *ctx, const ms_protocol *p, const ms_model *model,
                              const ms_patient *patient, ms_events **out)
{
    if (!ctx || !p || !out)
        return MS_ERR_ARG;
    *out = NULL;
    ms_events *ev = NULL;
    ms_status st = model && p->nrules ? msi_rules_check_model(ctx, p, model) : MS_OK;
    if (!st)
        st = ms_events_new(ctx, model, &ev);
    if (!st)
        st = ms_protocol_compile_into(ctx, p, patient, ev);
    if (st) {
        ms_events_free(ev);
        return st;
    }
    *out = ev;
    return MS_OK;
}

ms_status ms_protocol_load(ms_context *ctx, const ms_model *model, const char *path,
                           const ms_patient *patient, ms_events **out)
{
    if (!ctx || !model || !path || !out)
        return MS_ERR_ARG;
    size_t len = strlen(path);
    if (len > 4 && strcmp(path + len - 4, ".csv") == 0)
        return ms_events_read_nonmem(ctx, model, path, -1, out);
    ms_protocol *p;
    ms_status st = ms_protocol_read(ctx, path, &p);
    if (st)
        return st;
    st = ms_protocol_compile(ctx, p, model, patient, out);
    if (!st && p->nrules)
        (*out)->owned = p; /* its rules run with the table */
    else
        ms_protocol_free(p);
    return st;
}

const char *ms_protocol_name(const ms_protocol *p)
{
    return p ? p->name : NULL;
}
const char *ms_protocol_description(const ms_protocol *p)
{
    return p && p->desc ? p->desc : "";
}
const char *ms_protocol_description_lang(const ms_protocol *p, const char *lang)
{
    if (p && lang && strcmp(lang, "ja") == 0 && p->desc_ja)
        return p->desc_ja;
    return ms_protocol_description(p);
}
double ms_protocol_days(const ms_protocol *p)
{
    return p ? (double)p->length_days : 0;
}
const char *ms_protocol_start_date(const ms_protocol *p)
{
    return p ? p->start_date : "";
}
int ms_protocol_start_weekday(const ms_protocol *p)
{
    return p ? p->start_wd : 0;
}
size_t ms_protocol_treatment_count(const ms_protocol *p)
{
    return p ? p->ntr : 0;
}
const char *ms_protocol_treatment_name(const ms_protocol *p, size_t i)
{
    return p && i < p->ntr ? p->tr[i].name : NULL;
}
const char *ms_protocol_treatment_summary_lang(const ms_protocol *p, size_t i, const char *lang)
{
    if (!p || i >= p->ntr)
        return NULL;
    return lang && strcmp(lang, "ja") == 0 ? p->tr[i].summary_ja : p->tr[i].summary;
}
const char *ms_protocol_treatment_summary(const ms_protocol *p, size_t i)
{
    return p && i < p->ntr ? p->tr[i].summary : NULL;
}
size_t ms_protocol_rule_count(const ms_protocol *p)
{
    return p ? p->nrules : 0;
}
const char *ms_protocol_rule_name(const ms_protocol *p, size_t i)
{
    return p && i < p->nrules ? p->rules[i].name : NULL;
}
const char *ms_protocol_rule_summary_lang(const ms_protocol *p, size_t i, const char *lang)
{
    if (!p || i >= p->nrules)
        return NULL;
    return lang && strcmp(lang, "ja") == 0 ? p->rules[i].summary_ja : p->rules[i].summary;
}
