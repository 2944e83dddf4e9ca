/*
 * protocol_impl.h — the inside of an ms_protocol, shared by the reader and
 * compiler (protocol.c) and the decision rules (rules.c).  Not installed.
 */
#ifndef MS_PROTOCOL_IMPL_H
#define MS_PROTOCOL_IMPL_H

#include "events_impl.h"

#define MS_MAX_DAYS (366L * 20) /* a protocol of at most 20 years */

typedef struct {
    int line, col;
} pos;

typedef enum { T_SESSION, T_INFUSION, T_BOLUS, T_ORAL } tkind;

typedef enum { R_WEEKDAYS, R_EVERY, R_TIMES_PER_WEEK, R_ON_DAYS, R_DAILY } rkind;

typedef struct {
    rkind kind;
    unsigned mask;     /* weekdays (bit 0 = Monday), for R_WEEKDAYS and R_TIMES_PER_WEEK */
    long every;        /* days, for R_EVERY */
    int first_weekday; /* R_EVERY: first occurrence on this weekday, or -1 */
    long *days;        /* R_ON_DAYS: days from the start */
    size_t ndays;
    long from, until; /* window [from, until) in days */
    double clock;
    int has_clock;
    pos at;
} prule;

typedef struct {
    char *name, *input, *device, *after, *unit, *summary;
    char *summary_ja; /* the same summary in Japanese */
    tkind kind;
    double clock;
    int has_clock;
    double duration_h; /* sessions, infusions (0: from rate) */
    double level;      /* sessions */
    double pulses;     /* sessions given by pulses: (NAN if not); level = pulses / duration */
    double amount;     /* dose amount, per kg if per_kg */
    int per_kg;
    double rate; /* infusions given by rate: dose units per hour (per kg if per_kg) */
    double gap_h;
    double missed;
    int after_idx;
    prule *rules;
    size_t nrules;
    pos at, at_input, at_dose;
} ptreat;

typedef struct {
    char *input;
    ms_event_kind kind;
    int form; /* 0 amount, 1 rate, 2 level */
    double t, value, duration;
    pos at, at_input, at_value, at_dur;
} pdose;

typedef struct {
    char *name;
    long from, until;
} pphase;

/* A course (courses:): a named calendar of its own -- length, phases,
 * treatments -- that a decision rule starts; its day 0 is the day of the
 * decision, its weekdays are the calendar's. */
typedef struct {
    char *name;
    ms_protocol *cal;
    pos at;
} pcourse;

typedef enum { CMP_ABOVE, CMP_AT_LEAST, CMP_BELOW, CMP_AT_MOST } pcmp;

/* A decision rule (rules:), evaluated at each assessment (assess:) in its
 * window: when `observable` compares with the threshold (times the
 * patient's baseline value if relative) at `consecutive` assessments in a
 * row, it stops the treatments `stop` (their events after the decision)
 * and starts course `course`. */
typedef struct {
    char *name;
    char *observable;
    pcmp cmp;
    double threshold;
    int relative;
    long consecutive;
    int course; /* index into courses, or -1 */
    char **stop;
    size_t nstop;
    long max_courses;           /* courses this rule may start (rules with a course) */
    double min_gap_h;           /* from the end of its last course to the start of the next */
    long from, until;           /* days in which it is evaluated */
    char *summary, *summary_ja; /* in words (ms_protocol_rule_summary_lang) */
    pos at, at_obs, at_course, at_stop;
} pdecision;

/* limits: at most `max` events of a treatment (its calendar's and every
 * course's) over the whole protocol; a course's events past it are not
 * given. */
typedef struct {
    char *treatment;
    long max;
    pos at;
} plimit;

struct ms_protocol {
    ms_context *ctx;
    char *file, *name, *desc;
    char *desc_ja; /* ja: {description:}, or NULL */
    char start_date[11];
    long start_day;
    int start_wd;
    long length_days;
    pphase *phases;
    size_t nphases;
    long *skip; /* days from the start, sorted */
    size_t nskip;
    ptreat *tr;
    size_t ntr;
    pdose *doses;
    size_t ndoses;
    /* decision rules (none in most protocols) */
    prule assess; /* the assessments at which rules are evaluated */
    int has_assess;
    pcourse *courses;
    size_t ncourses;
    pdecision *rules;
    size_t nrules;
    plimit *limits;
    size_t nlimits;
};

/* An error at a position of the protocol's file. */
ms_status msi_protocol_fail_at(ms_context *ctx, const ms_protocol *p, pos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Generates the protocol's sessions, checks them and (if ev) adds their
 * events for the patient (protocol.c); validate_only: checks only. */
ms_status msi_protocol_generate(ms_context *ctx, const ms_protocol *p, const ms_model *m,
                                const ms_patient *pt, int validate_only, ms_events *ev);
/* The assessment times (hours) up to t_end into out (NULL: count only);
 * returns how many. */
size_t msi_protocol_assess_times(const ms_protocol *p, double t_end, double *out);
/* Does treatment `name` exist in the calendar or in course c (-1: any)? */
int msi_protocol_has_treatment(const ms_protocol *p, int c, const char *name);

#endif
