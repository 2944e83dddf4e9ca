/*
 * protocol.c — reads a protocol file into an event table for one model:
 * explicit doses (bolus, zero-order infusion, level/stimulation pulses),
 * optionally repeated at a fixed interval.  Every input named must exist in
 * the model and the dose form must suit its kind.  Calendar rules (weekdays,
 * phases) build on this table.  Format: docs/protocol-format.md.
 */
#include "events_impl.h"
#include "../core/yamldoc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MS_MAX_REPEATS 100000

typedef struct {
    ms_context *ctx;
    ms_ydoc doc;
    const ms_model *m;
    ms_events *ev;
} ploader;

static ms_status pfail(ploader *P, const ms_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ms_status pfail(ploader *P, const ms_ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_status s = ms_vfail(P->ctx, MS_ERR_PROTOCOL, P->doc.file, n ? n->line : 1,
                           n ? n->col : 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A time from one of two keys (hours or days); `required` if one must be
 * present.  *found says whether one was. */
static ms_status get_time(ploader *P, const ms_ynode *map, const char *kh, const char *kd,
                          const char *what, int required, double *out, int *found)
{
    const ms_ynode *h = ms_ymap_get(map, kh), *d = ms_ymap_get(map, kd);
    *found = 0;
    if (h && d)
        return pfail(P, d, "both '%s' and '%s' given for %s; expected one", kh, kd, what);
    const ms_ynode *v = h ? h : d;
    if (!v) {
        if (required)
            return pfail(P, map, "no '%s:' or '%s:' for %s", kh, kd, what);
        return MS_OK;
    }
    double x;
    ms_status st = ms_yget_number(P->ctx, &P->doc, v, what, &x, MS_ERR_PROTOCOL);
    if (st)
        return st;
    if (x < 0)
        return pfail(P, v, "%s is %g; expected a time >= 0", what, x);
    *out = d ? x * 24.0 : x;
    *found = 1;
    return MS_OK;
}

static ms_status read_dose(ploader *P, const ms_ynode *d)
{
    static const char *const keys[] = {"input", "at_h", "at_d", "amount", "rate", "level",
                                       "duration_h", "duration_min", "every_h", "every_d",
                                       "times", "note", NULL};
    if (d->type != MS_Y_MAP)
        return pfail(P, d, "a dose must be a mapping with input:, at_h: and amount:/rate:/level:");
    ms_status st = ms_ymap_check_keys(P->ctx, &P->doc, d, "a dose", keys, MS_ERR_PROTOCOL);
    if (st)
        return st;
    const ms_ynode *in;
    if ((st = ms_yget_string(P->ctx, &P->doc, d, "input", "a dose", 1, &in, MS_ERR_PROTOCOL)))
        return st;
    int idx = ms_model_find(P->m, MS_INPUT, in->str);
    if (idx < 0) {
        const char *best = NULL;
        size_t bd = 3;
        for (size_t i = 0; i < P->m->count[MS_INPUT]; i++) {
            size_t e = ms_edit_distance(in->str, P->m->sym[MS_INPUT][i].name);
            if (e < bd) {
                bd = e;
                best = P->m->sym[MS_INPUT][i].name;
            }
        }
        return pfail(P, in, "input '%s' is not an input of model '%s'%s%s%s", in->str,
                     P->m->name, best ? " (did you mean '" : "", best ? best : "",
                     best ? "'?)" : "");
    }
    const ms_symdef *sd = &P->m->sym[MS_INPUT][idx];
    double at = 0, dur = INFINITY, every = 0;
    int has_at, has_dur, has_every;
    if ((st = get_time(P, d, "at_h", "at_d", "the dose time", 1, &at, &has_at)))
        return st;
    const ms_ynode *dh = ms_ymap_get(d, "duration_h"), *dm = ms_ymap_get(d, "duration_min");
    if (dh && dm)
        return pfail(P, dm, "both 'duration_h' and 'duration_min' given; expected one");
    has_dur = dh || dm;
    if (has_dur) {
        const ms_ynode *v = dh ? dh : dm;
        if ((st = ms_yget_number(P->ctx, &P->doc, v, "the duration", &dur, MS_ERR_PROTOCOL)))
            return st;
        if (!(dur > 0))
            return pfail(P, v, "the duration is %g; expected > 0", dur);
        if (dm)
            dur /= 60.0;
    }
    if ((st = get_time(P, d, "every_h", "every_d", "the interval", 0, &every, &has_every)))
        return st;
    long times = 1;
    const ms_ynode *tn = ms_ymap_get(d, "times");
    if (tn) {
        double x;
        if ((st = ms_yget_number(P->ctx, &P->doc, tn, "'times'", &x, MS_ERR_PROTOCOL)))
            return st;
        if (x < 1 || x != floor(x) || x > MS_MAX_REPEATS)
            return pfail(P, tn, "'times' is %g; expected a whole number from 1 to %d", x,
                         MS_MAX_REPEATS);
        times = (long)x;
        if (times > 1 && !has_every)
            return pfail(P, tn, "'times: %ld' without 'every_h:' or 'every_d:'", times);
    }
    if (has_every && !(every > 0))
        return pfail(P, ms_ymap_get(d, "every_h") ? ms_ymap_get(d, "every_h")
                                                  : ms_ymap_get(d, "every_d"),
                     "the interval must be > 0");
    if (has_every && !tn)
        return pfail(P, d, "'every' without 'times:'; expected how many doses");

    const ms_ynode *amt = ms_ymap_get(d, "amount"), *rate = ms_ymap_get(d, "rate"),
                   *lvl = ms_ymap_get(d, "level");
    int forms = !!amt + !!rate + !!lvl;
    if (forms != 1)
        return pfail(P, d, "a dose needs exactly one of amount:, rate:, level: (found %d)", forms);
    const ms_ynode *vn = amt ? amt : rate ? rate : lvl;
    double v;
    if ((st = ms_yget_number(P->ctx, &P->doc, vn, "the dose", &v, MS_ERR_PROTOCOL)))
        return st;
    const char *kind = sd->input_kind == MS_INPUT_RATE    ? "rate"
                       : sd->input_kind == MS_INPUT_LEVEL ? "level"
                                                          : "bolus";
    if (sd->input_kind == MS_INPUT_BOLUS) {
        if (!amt)
            return pfail(P, vn, "'%s' is a bolus input; expected 'amount:' (in %s)", sd->name,
                         sd->unit);
        if (has_dur)
            return pfail(P, dh ? dh : dm, "a bolus has no duration; '%s' is a bolus input",
                         sd->name);
    } else if (sd->input_kind == MS_INPUT_RATE) {
        if (lvl)
            return pfail(P, lvl, "'%s' is a rate input; expected 'amount:' with a duration, or "
                                 "'rate:' (in %s)",
                         sd->name, sd->unit);
        if (amt && !has_dur)
            return pfail(P, amt, "an infusion amount needs 'duration_h:' or 'duration_min:'");
    } else if (!lvl) {
        return pfail(P, vn, "'%s' is a level input; expected 'level:' (in %s)", sd->name,
                     sd->unit);
    }
    (void)kind;
    if (has_every && has_dur && dur > every)
        return pfail(P, dh ? dh : dm,
                     "each dose lasts %g h but they repeat every %g h; they would overlap", dur,
                     every);
    for (long r = 0; r < times; r++) {
        double t = at + (double)r * every;
        if (amt && sd->input_kind == MS_INPUT_BOLUS)
            st = ms_events_bolus(P->ev, t, idx, v);
        else if (amt)
            st = ms_events_infusion(P->ev, t, idx, v, dur);
        else
            st = ms_events_pulse(P->ev, t, idx, v, dur);
        if (st == MS_ERR_NOMEM)
            return st;
        if (st) {
            char why[MS_ERRMSG_MAX];
            snprintf(why, sizeof why, "%s", ms_errmsg(P->ctx));
            return pfail(P, d, "%s", why);
        }
    }
    return MS_OK;
}

ms_status ms_protocol_load(ms_context *ctx, const ms_model *model, const char *path,
                           ms_events **out)
{
    static const char *const top[] = {"protocol", "description", "doses", NULL};
    if (!ctx || !model || !path || !out)
        return MS_ERR_ARG;
    *out = NULL;
    ploader P = {.ctx = ctx, .m = model};
    ms_status st = ms_ydoc_load_file(ctx, path, &P.doc);
    if (st)
        return st;
    const ms_ynode *root = P.doc.root;
    const ms_ynode *doses = NULL, *name = NULL;
    if (!root || (root->type == MS_Y_SCALAR && root->len == 0))
        st = ms_fail(ctx, MS_ERR_PROTOCOL, path, 1, 1,
                     "the file is empty; expected a protocol (protocol:, doses:)");
    else if (root->type != MS_Y_MAP)
        st = pfail(&P, root, "expected a mapping with protocol: and doses:");
    if (!st)
        st = ms_ymap_check_keys(ctx, &P.doc, root, "the protocol", top, MS_ERR_PROTOCOL);
    if (!st)
        st = ms_yget_string(ctx, &P.doc, root, "protocol", "the protocol", 1, &name,
                            MS_ERR_PROTOCOL);
    if (!st) {
        doses = ms_ymap_get(root, "doses");
        if (!doses || doses->type != MS_Y_SEQ || doses->n == 0)
            st = pfail(&P, doses ? doses : root, "expected 'doses:' with a list of doses");
    }
    if (!st)
        st = ms_events_new(ctx, model, &P.ev);
    for (size_t i = 0; !st && i < doses->n; i++)
        st = read_dose(&P, doses->vals[i]);
    ms_ydoc_free(ctx, &P.doc);
    if (st) {
        ms_events_free(P.ev);
        return st;
    }
    *out = P.ev;
    return ms_ok(ctx);
}
