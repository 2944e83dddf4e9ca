/*
 * events_impl.h — the inside of an ms_events table, read by the engine.
 * Not installed.
 */
#ifndef MS_EVENTS_IMPL_H
#define MS_EVENTS_IMPL_H

#include "../model/model_impl.h"

typedef enum { MS_EV_BOLUS = 0, MS_EV_PULSE = 1 } ms_event_kind;

typedef struct ms_event {
    double t;         /* hours from the start */
    ms_event_kind kind;
    int input;        /* index into the model's inputs */
    double amount;    /* bolus: amount added; pulse: level added */
    double duration;  /* pulse: hours (INFINITY: to the end) */
} ms_event;

struct ms_events {
    ms_context *ctx;
    const ms_model *model;
    ms_event *e;
    size_t n, cap;
};

#endif
