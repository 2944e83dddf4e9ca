/*
 * events.c — the event table of one patient: bolus doses, zero-order
 * infusions and piecewise-constant levels at known times, each checked
 * against the kind of model input it drives.  Owns ms_events; the engine
 * reads it and turns it into solver stops.
 */
#include "events_impl.h"

#include <math.h>

ms_status ms_events_new(ms_context *ctx, const ms_model *model, ms_events **out)
{
    if (!ctx || !model || !out)
        return MS_ERR_ARG;
    *out = ms_alloc(ctx, sizeof **out);
    if (!*out)
        return ms_nomem(ctx);
    (*out)->ctx = ctx;
    (*out)->model = model;
    return ms_ok(ctx);
}

void ms_events_free(ms_events *ev)
{
    if (!ev)
        return;
    ms_free(ev->ctx, ev->e);
    ms_free(ev->ctx, ev);
}

size_t ms_events_count(const ms_events *ev) { return ev ? ev->n : 0; }

static ms_status add(ms_events *ev, double t, ms_event_kind kind, int input, double amount,
                     double duration)
{
    const ms_model *m = ev->model;
    if (input < 0 || (size_t)input >= m->count[MS_INPUT])
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0, "input index %d out of range (0..%zu)",
                       input, m->count[MS_INPUT]);
    const ms_symdef *in = &m->sym[MS_INPUT][input];
    if (!isfinite(t) || t < 0)
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "event time %g h for input '%s'; expected a finite time >= 0", t,
                       in->name);
    if (!isfinite(amount))
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "non-finite amount for input '%s'", in->name);
    if (kind == MS_EV_BOLUS && in->input_kind != MS_INPUT_BOLUS)
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "a bolus dose on input '%s', which is a %s input; expected a bolus input",
                       in->name, in->input_kind == MS_INPUT_RATE ? "rate" : "level");
    if (kind == MS_EV_PULSE && in->input_kind == MS_INPUT_BOLUS)
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "an infusion or level on input '%s', which is a bolus input", in->name);
    if (kind == MS_EV_PULSE && !(duration > 0))
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "duration %g h for input '%s'; expected > 0", duration, in->name);
    if (ms_grow(ev->ctx, (void **)&ev->e, &ev->cap, ev->n + 1, sizeof *ev->e))
        return ms_nomem(ev->ctx);
    ev->e[ev->n++] = (ms_event){t, kind, input, amount, duration};
    return ms_ok(ev->ctx);
}

ms_status ms_events_bolus(ms_events *ev, double t_h, int input, double amount)
{
    if (!ev)
        return MS_ERR_ARG;
    return add(ev, t_h, MS_EV_BOLUS, input, amount, 0);
}

ms_status ms_events_pulse(ms_events *ev, double t_h, int input, double level, double duration_h)
{
    if (!ev)
        return MS_ERR_ARG;
    return add(ev, t_h, MS_EV_PULSE, input, level, duration_h);
}

ms_status ms_events_infusion(ms_events *ev, double t_h, int input, double amount,
                             double duration_h)
{
    if (!ev)
        return MS_ERR_ARG;
    if (!(duration_h > 0) || !isfinite(duration_h))
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "infusion duration %g h; expected a finite duration > 0", duration_h);
    if (input >= 0 && (size_t)input < ev->model->count[MS_INPUT] &&
        ev->model->sym[MS_INPUT][input].input_kind != MS_INPUT_RATE)
        return ms_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                       "an infusion on input '%s', which is not a rate input",
                       ev->model->sym[MS_INPUT][input].name);
    return add(ev, t_h, MS_EV_PULSE, input, amount / duration_h, duration_h);
}
