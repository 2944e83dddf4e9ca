/*
 * events_impl.h — the inside of an ms_events table, read by the engine and
 * filled by the protocol compiler.  Not installed.
 */
#ifndef MS_EVENTS_IMPL_H
#define MS_EVENTS_IMPL_H

#include "../model/model_impl.h"

typedef struct msi_event {
    double t; /* hours from the start */
    ms_event_kind kind;
    int input;       /* index into the model's inputs; -1 in a table without a model */
    int input_name;  /* index into names */
    int treatment;   /* index into names, or -1 */
    double amount;   /* bolus: amount added; pulse: level added */
    double duration; /* pulse: hours (INFINITY: to the end) */
} msi_event;

struct ms_events {
    ms_context *ctx;
    const ms_model *model; /* may be NULL */
    msi_event *e;
    size_t n, cap;
    char **names; /* input and treatment names */
    size_t nnames, names_cap;
    msi_event *tmp; /* scratch of msi_events_sort */
    size_t tmp_cap;
    void *sess; /* protocol.c's workspace: sessions of every treatment */
    size_t sess_cap;
    void *sess_idx; /* and where each treatment's are */
    size_t sess_idx_cap;
    long start_day;    /* civil day of t = 0, or MS_NO_DATE */
    int start_weekday; /* 0 = Monday, or -1 if unknown */
    /* a table compiled from a protocol with decision rules (rules:): the
     * protocol (which must outlive the table) and the patient; the engine
     * evaluates the rules as it runs (rules.c).  NULL in other tables. */
    const ms_protocol *rules;
    ms_patient patient;
    ms_protocol *owned; /* a protocol the table owns (ms_protocol_load), or NULL */
};

#define MS_NO_DATE (-2147483647L)

/* Adds an event by input name (resolved against the model when there is
 * one).  Checks as the public adders do.  `treatment` may be NULL. */
ms_status msi_events_add_named(ms_events *ev, double t, ms_event_kind kind, const char *input,
                               const char *treatment, double amount, double duration);
/* Makes dst (a table of the same context) a copy of src's events, names
 * and rules, keeping dst's storage. */
ms_status msi_events_copy(ms_events *dst, const ms_events *src);
/* Sorts by time (stable: equal times keep insertion order). */
ms_status msi_events_sort(ms_events *ev);

#endif
