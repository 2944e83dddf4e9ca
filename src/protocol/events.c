/*
 * events.c — the event table of one patient: bolus doses, zero-order
 * infusions and piecewise-constant levels at known times, each checked
 * against the kind of model input it drives (when the table has a model).
 * Also its export as CSV or in the NONMEM data convention, and NONMEM-style
 * import.  Owns ms_events; the engine reads it and turns it into stops.
 */
#include "calendar.h"
#include "events_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ms_status ms_events_new(ms_context *ctx, const ms_model *model, ms_events **out)
{
    if (!ctx || !out)
        return MS_ERR_ARG;
    *out = msi_alloc(ctx, sizeof **out);
    if (!*out)
        return msi_nomem(ctx);
    (*out)->ctx = ctx;
    (*out)->model = model;
    (*out)->start_day = MS_NO_DATE;
    (*out)->start_weekday = -1;
    return msi_ok(ctx);
}

void ms_events_free(ms_events *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->nnames; i++)
        msi_free(ev->ctx, ev->names[i]);
    msi_free(ev->ctx, ev->names);
    msi_free(ev->ctx, ev->e);
    msi_free(ev->ctx, ev->tmp);
    msi_free(ev->ctx, ev->sess);
    msi_free(ev->ctx, ev->sess_idx);
    ms_protocol_free(ev->owned);
    msi_free(ev->ctx, ev);
}

ms_status msi_events_copy(ms_events *dst, const ms_events *src)
{
    for (size_t i = 0; i < dst->nnames; i++)
        msi_free(dst->ctx, dst->names[i]);
    dst->nnames = 0;
    dst->n = 0;
    if (msi_grow(dst->ctx, (void **)&dst->names, &dst->names_cap, src->nnames + 1,
                 sizeof *dst->names) ||
        msi_grow(dst->ctx, (void **)&dst->e, &dst->cap, src->n + 1, sizeof *dst->e))
        return msi_nomem(dst->ctx);
    for (size_t i = 0; i < src->nnames; i++) {
        if (!(dst->names[i] = msi_strdup(dst->ctx, src->names[i])))
            return msi_nomem(dst->ctx);
        dst->nnames = i + 1;
    }
    memcpy(dst->e, src->e, src->n * sizeof *dst->e);
    dst->n = src->n;
    dst->model = src->model;
    dst->start_day = src->start_day;
    dst->start_weekday = src->start_weekday;
    dst->rules = src->rules;
    dst->patient = src->patient;
    return MS_OK;
}

size_t ms_events_count(const ms_events *ev)
{
    return ev ? ev->n : 0;
}

static int intern_name(ms_events *ev, const char *name)
{
    for (size_t i = 0; i < ev->nnames; i++)
        if (strcmp(ev->names[i], name) == 0)
            return (int)i;
    if (msi_grow(ev->ctx, (void **)&ev->names, &ev->names_cap, ev->nnames + 1, sizeof *ev->names))
        return -1;
    char *c = msi_strdup(ev->ctx, name);
    if (!c)
        return -1;
    ev->names[ev->nnames] = c;
    return (int)ev->nnames++;
}

static const char *kind_name(ms_input_kind k)
{
    return k == MS_INPUT_RATE ? "rate" : k == MS_INPUT_LEVEL ? "level" : "bolus";
}

static ms_status add(ms_events *ev, double t, ms_event_kind kind, int input, int input_name,
                     int treatment, double amount, double duration)
{
    if (ev->model && input >= 0 && (size_t)input < ev->model->count[MS_INPUT] &&
        ev->model->sym[MS_INPUT][input].course)
        return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "'%s' is a course input: the engine sets it from the calendar of the "
                        "inputs that count toward it, and no event can drive it",
                        ev->model->sym[MS_INPUT][input].name);
    const ms_model *m = ev->model;
    const char *name = input_name >= 0 ? ev->names[input_name] : "?";
    if (m) {
        if (input < 0 || (size_t)input >= m->count[MS_INPUT])
            return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0, "input index %d out of range (0..%zu)",
                            input, m->count[MS_INPUT]);
        const msi_symdef *in = &m->sym[MS_INPUT][input];
        name = in->name;
        if (kind == MS_EVENT_BOLUS && in->input_kind != MS_INPUT_BOLUS)
            return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                            "a bolus dose on input '%s', which is a %s input; expected a bolus "
                            "input",
                            in->name, kind_name(in->input_kind));
        if (kind == MS_EVENT_PULSE && in->input_kind == MS_INPUT_BOLUS)
            return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                            "an infusion or level on input '%s', which is a bolus input", in->name);
    }
    if (!isfinite(t) || t < 0)
        return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "event time %g h for input '%s'; expected a finite time >= 0", t, name);
    if (!isfinite(amount))
        return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0, "non-finite amount for input '%s'", name);
    if (kind == MS_EVENT_PULSE && !(duration > 0))
        return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "duration %g h for input '%s'; expected > 0", duration, name);
    if (input_name < 0 && m) {
        input_name = intern_name(ev, m->sym[MS_INPUT][input].name);
        if (input_name < 0)
            return msi_nomem(ev->ctx);
    }
    if (msi_grow(ev->ctx, (void **)&ev->e, &ev->cap, ev->n + 1, sizeof *ev->e))
        return msi_nomem(ev->ctx);
    ev->e[ev->n++] = (msi_event){t, kind, input, input_name, treatment, amount, duration};
    return msi_ok(ev->ctx);
}

static ms_status need_model(ms_events *ev)
{
    return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                    "this event table has no model: add events by input name");
}

ms_status ms_events_bolus(ms_events *ev, double t_h, int input, double amount)
{
    if (!ev)
        return MS_ERR_ARG;
    if (!ev->model)
        return need_model(ev);
    return add(ev, t_h, MS_EVENT_BOLUS, input, -1, -1, amount, 0);
}

ms_status ms_events_pulse(ms_events *ev, double t_h, int input, double level, double duration_h)
{
    if (!ev)
        return MS_ERR_ARG;
    if (!ev->model)
        return need_model(ev);
    return add(ev, t_h, MS_EVENT_PULSE, input, -1, -1, level, duration_h);
}

ms_status ms_events_infusion(ms_events *ev, double t_h, int input, double amount, double duration_h)
{
    if (!ev)
        return MS_ERR_ARG;
    if (!ev->model)
        return need_model(ev);
    if (!(duration_h > 0) || !isfinite(duration_h))
        return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "infusion duration %g h; expected a finite duration > 0", duration_h);
    if (input >= 0 && (size_t)input < ev->model->count[MS_INPUT] &&
        ev->model->sym[MS_INPUT][input].input_kind != MS_INPUT_RATE)
        return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "an infusion on input '%s', which is not a rate input",
                        ev->model->sym[MS_INPUT][input].name);
    return add(ev, t_h, MS_EVENT_PULSE, input, -1, -1, amount / duration_h, duration_h);
}

ms_status msi_events_add_named(ms_events *ev, double t, ms_event_kind kind, const char *input,
                               const char *treatment, double amount, double duration)
{
    int idx = -1;
    if (ev->model) {
        idx = ms_model_find(ev->model, MS_INPUT, input);
        if (idx < 0)
            return msi_fail(ev->ctx, MS_ERR_ARG, NULL, 0, 0, "'%s' is not an input of model '%s'",
                            input, ev->model->name);
    }
    int in = intern_name(ev, input);
    int tr = treatment ? intern_name(ev, treatment) : -1;
    if (in < 0 || (treatment && tr < 0))
        return msi_nomem(ev->ctx);
    return add(ev, t, kind, idx, in, tr, amount, duration);
}

/* Stable merge sort by time (equal times keep insertion order), bottom-up,
 * with a scratch array kept by the table: sorting a refilled table
 * allocates nothing. */
ms_status msi_events_sort(ms_events *ev)
{
    size_t n = ev->n;
    if (n < 2)
        return MS_OK;
    if (msi_grow(ev->ctx, (void **)&ev->tmp, &ev->tmp_cap, n, sizeof *ev->tmp))
        return msi_nomem(ev->ctx);
    msi_event *from = ev->e, *to = ev->tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = from[j].t < from[i].t ? from[j++] : from[i++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        msi_event *x = from;
        from = to;
        to = x;
    }
    if (from != ev->e) { /* the sorted run ended in the scratch array: swap the arrays */
        size_t cap = ev->cap;
        ev->tmp = ev->e;
        ev->e = from;
        ev->cap = ev->tmp_cap;
        ev->tmp_cap = cap;
    }
    return MS_OK;
}

ms_status ms_events_get(const ms_events *ev, size_t i, ms_event_info *out)
{
    if (!ev || !out || i >= ev->n)
        return MS_ERR_ARG;
    const msi_event *e = &ev->e[i];
    out->time_h = e->t;
    out->kind = e->kind;
    out->input = ev->names[e->input_name];
    out->treatment = e->treatment >= 0 ? ev->names[e->treatment] : NULL;
    if (e->kind == MS_EVENT_BOLUS) {
        out->amount = e->amount;
        out->level = 0;
        out->duration_h = 0;
    } else {
        out->level = e->amount;
        out->duration_h = e->duration;
        out->amount = e->amount * e->duration;
    }
    return MS_OK;
}

/* ------------------------------------------------------------ export */

/* CMT number of an event's input: 1-based model input index with a model,
 * else 1-based order of first appearance in the table. */
static int cmt_of(const ms_events *ev, const msi_event *e)
{
    if (ev->model)
        return e->input + 1;
    int k = 0;
    for (size_t j = 0; j < ev->nnames; j++) {
        int used = 0;
        for (size_t i = 0; i < ev->n && !used; i++)
            used = ev->e[i].input_name == (int)j;
        if (used)
            k++;
        if ((int)j == e->input_name)
            return k;
    }
    return 0;
}

ms_status ms_events_write(ms_context *ctx, const ms_events *ev, const char *path,
                          ms_events_format format, long id)
{
    if (!ctx || !ev || !path)
        return MS_ERR_ARG;
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, path);
    if (st)
        return st;
    FILE *f = o.f;
    if (format == MS_EVENTS_NONMEM) {
        /* '#' records are skipped by NONMEM's default IGNORE=# */
        fputs("# moodsim events: TIME in hours; RATE > 0: infusion or level of RATE for "
              "AMT/RATE h, RATE 0: bolus; CMT",
              f);
        int last = 0;
        for (size_t i = 0; i < ev->n; i++) {
            int c = cmt_of(ev, &ev->e[i]);
            if (c > last) {
                fprintf(f, " %d=%s", c, ev->names[ev->e[i].input_name]);
                last = c;
            }
        }
        fputs("\nID,TIME,EVID,CMT,AMT,RATE\n", f);
        for (size_t i = 0; i < ev->n; i++) {
            ms_event_info in;
            ms_events_get(ev, i, &in);
            if (in.kind == MS_EVENT_PULSE && !isfinite(in.duration_h)) {
                msi_out_close(ctx, &o, 0);
                return msi_fail(ctx, MS_ERR_ARG, path, 0, 0,
                                "a level without an end (input '%s' at %g h) has no NONMEM form",
                                in.input, in.time_h);
            }
            fprintf(f, "%ld,%.17g,1,%d,%.17g,%.17g\n", id, in.time_h, cmt_of(ev, &ev->e[i]),
                    in.amount, in.kind == MS_EVENT_PULSE ? in.level : 0.0);
        }
    } else {
        fputs("time_h,day,date,weekday,clock,treatment,input,kind,amount,level,duration_h\n", f);
        for (size_t i = 0; i < ev->n; i++) {
            ms_event_info in;
            ms_events_get(ev, i, &in);
            long day = (long)floor(in.time_h / 24.0);
            double clock = in.time_h - 24.0 * (double)day;
            int hh = (int)floor(clock + 1e-9), mm = (int)floor((clock - hh) * 60 + 0.5);
            if (mm == 60) {
                hh++;
                mm = 0;
            }
            char date[16] = "";
            if (ev->start_day != MS_NO_DATE)
                msi_format_date(ev->start_day + day, date);
            const char *wd = ev->start_weekday >= 0
                                 ? msi_weekday_abbr[(ev->start_weekday + day % 7 + 7) % 7]
                                 : "";
            fprintf(f, "%.10g,%ld,%s,%s,%02d:%02d,%s,%s,%s,%.10g,%.10g,%.10g\n", in.time_h, day,
                    date, wd, hh, mm, in.treatment ? in.treatment : "", in.input,
                    in.kind == MS_EVENT_BOLUS ? "bolus" : "pulse", in.amount, in.level,
                    in.duration_h);
        }
    }
    if ((st = msi_out_close(ctx, &o, 1)))
        return st;
    return msi_ok(ctx);
}

/* ------------------------------------------------------------ import */

ms_status ms_events_read_nonmem(ms_context *ctx, const ms_model *model, const char *path, long id,
                                ms_events **out)
{
    if (!ctx || !model || !path || !out)
        return MS_ERR_ARG;
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    ms_events *ev;
    ms_status st = ms_events_new(ctx, model, &ev);
    if (st) {
        fclose(f);
        return st;
    }
    char line[1024];
    /* the columns moodsim reads; DV and MDV (observations) are allowed and
     * not used; any other column is refused, since a covariate there (WT)
     * would be silently ignored */
    enum { C_ID, C_TIME, C_EVID, C_CMT, C_AMT, C_RATE, C_ADDL, C_II, C_SS, C_DV, C_MDV, NCOL };
    static const char *const name[NCOL] = {"ID",   "TIME", "EVID", "CMT", "AMT", "RATE",
                                           "ADDL", "II",   "SS",   "DV",  "MDV"};
    int lineno = 0, header = 0, col[NCOL], rows = 0;
    long first_id_line = 0;
    for (int k = 0; k < NCOL; k++)
        col[k] = -1;
    while (!st && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, 1, "line longer than %zu characters",
                          sizeof line - 2);
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *fields[32];
        int nf = 0, at[32];
        for (char *p = line; nf < 32;) {
            at[nf] = (int)(p - line) + 1;
            fields[nf++] = p;
            char *c = strchr(p, ',');
            if (!c)
                break;
            *c = '\0';
            p = c + 1;
        }
        if (!header) {
            for (int i = 0; i < nf && !st; i++) {
                int k = 0;
                while (k < NCOL && strcmp(fields[i], name[k]) != 0)
                    k++;
                if (k == NCOL)
                    st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, at[i],
                                  "column '%s' is not one moodsim reads (ID, TIME, EVID, CMT, "
                                  "AMT, RATE, ADDL, II, SS; DV and MDV are allowed and not "
                                  "used); a covariate belongs in the model's parameters (--set)",
                                  fields[i]);
                else if (col[k] >= 0)
                    st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, at[i],
                                  "column '%s' appears twice", fields[i]);
                else
                    col[k] = i;
            }
            for (int k = 0; k <= C_RATE && !st; k++)
                if (col[k] < 0)
                    st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, 1,
                                  "no %s column; expected a header with ID,TIME,EVID,CMT,AMT,RATE",
                                  name[k]);
            header = 1;
            continue;
        }
        double v[NCOL] = {0};
        for (int k = 0; k <= C_SS && !st; k++) {
            if (col[k] < 0)
                continue;
            const char *s = col[k] < nf ? fields[col[k]] : "";
            int c = col[k] < nf ? at[col[k]] : 1;
            if (k >= C_RATE && (strcmp(s, ".") == 0 || *s == '\0'))
                continue; /* RATE, ADDL, II, SS: empty or '.' is 0 */
            if (msi_parse_double(s, &v[k]) != 0)
                st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, c,
                              "%s is '%s'; expected a finite number", name[k], s);
        }
        if (st)
            break;
        int idc = col[C_ID] < nf ? at[col[C_ID]] : 1;
        if (v[C_ID] != floor(v[C_ID])) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, idc, "ID %g is not a whole number",
                          v[C_ID]);
            break;
        }
        if (id < 0) {
            id = (long)v[C_ID];
            first_id_line = lineno;
        }
        if ((long)v[C_ID] == id)
            rows++;
        if ((long)v[C_ID] != id) {
            if (first_id_line) /* no ID asked for: one patient only, or a refusal */
                st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, idc,
                              "a second patient (ID %g; ID %ld began at line %ld): moodsim "
                              "simulates one patient's table; give each patient a file of its "
                              "own",
                              v[C_ID], id, first_id_line);
            if (st)
                break;
            continue;
        }
        int evc = col[C_EVID] < nf ? at[col[C_EVID]] : 1;
        double evid = v[C_EVID];
        if (evid == 0 || evid == 2)
            continue; /* an observation or an "other" record: no dose */
        if (evid != 1) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, evc,
                          "EVID %g is not supported (0 observation, 1 dose and 2 other are; 3 "
                          "and 4 reset the system, which moodsim does not do)",
                          evid);
            break;
        }
        if (v[C_SS] != 0) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, col[C_SS] < nf ? at[col[C_SS]] : 1,
                          "SS %g: steady-state doses are not supported; give the doses that "
                          "lead to it (ADDL and II)",
                          v[C_SS]);
            break;
        }
        double addl = v[C_ADDL], ii = v[C_II];
        if (addl < 0 || addl != floor(addl) || addl > 100000 || (addl > 0 && !(ii > 0))) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno,
                          col[C_ADDL] >= 0 && col[C_ADDL] < nf ? at[col[C_ADDL]] : 1,
                          "ADDL %g with II %g; expected a whole number of additional doses "
                          "(0 to 100000) and, with any, an interval II > 0",
                          addl, ii);
            break;
        }
        int cmt = (int)v[C_CMT];
        if (v[C_CMT] != cmt || cmt < 1 || (size_t)cmt > model->count[MS_INPUT]) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, col[C_CMT] < nf ? at[col[C_CMT]] : 1,
                          "CMT %g is not an input of model '%s' (1..%zu)", v[C_CMT], model->name,
                          model->count[MS_INPUT]);
            break;
        }
        if (v[C_RATE] < 0) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, col[C_RATE] < nf ? at[col[C_RATE]] : 1,
                          "RATE %g; expected >= 0", v[C_RATE]);
            break;
        }
        /* the dose, and ADDL more every II hours */
        for (long r = 0; !st && r <= (long)addl; r++) {
            double t = v[C_TIME] + (double)r * ii;
            if (v[C_RATE] > 0)
                st = add(ev, t, MS_EVENT_PULSE, cmt - 1, -1, -1, v[C_RATE], v[C_AMT] / v[C_RATE]);
            else
                st = add(ev, t, MS_EVENT_BOLUS, cmt - 1, -1, -1, v[C_AMT], 0);
        }
        if (st && st != MS_ERR_NOMEM && strncmp(ctx->msg, path, strlen(path)) != 0) {
            char why[MS_ERRMSG_MAX];
            snprintf(why, sizeof why, "%s", ctx->msg);
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, 1, "%s", why);
        }
    }
    /* a patient with rows but no dose is untreated; no row at all is an
     * empty table or a patient the file does not hold */
    if (!st && header && rows == 0)
        st = id < 0 ? msi_fail(ctx, MS_ERR_SYNTAX, path, lineno ? lineno : 1, 1,
                               "the table has a header and no rows")
                    : msi_fail(ctx, MS_ERR_SYNTAX, path, 1, 1, "no row for patient (ID) %ld", id);
    if (!st && ferror(f))
        st = msi_fail(ctx, MS_ERR_IO, path, 0, 0, "read error");
    if (!st && !header)
        st = msi_fail(ctx, MS_ERR_SYNTAX, path, 1, 1,
                      "no header; expected ID,TIME,EVID,CMT,AMT,RATE");
    fclose(f);
    if (!st)
        st = msi_events_sort(ev);
    if (st) {
        ms_events_free(ev);
        return st;
    }
    *out = ev;
    return msi_ok(ctx);
}
