/*
 * context.c — the ms_context: the allocator every library allocation goes
 * through, and the last status and message of calls made with it.  Also the
 * status texts (from MS_STATUS_LIST), ms_version() and ms_struct_size().
 */
#include "core.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *ms_version(void)
{
    return MS_VERSION;
}

size_t ms_struct_size(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } t[] = {{"ms_symbol", sizeof(ms_symbol)},
             {"ms_variability", sizeof(ms_variability)},
             {"ms_event_info", sizeof(ms_event_info)},
             {"ms_patient", sizeof(ms_patient)},
             {"ms_criterion", sizeof(ms_criterion)},
             {"ms_sim_stats", sizeof(ms_sim_stats)},
             {"ms_trial_options", sizeof(ms_trial_options)},
             {"ms_param_range", sizeof(ms_param_range)},
             {"ms_sensitivity_options", sizeof(ms_sensitivity_options)},
             {"ms_sensitivity_index", sizeof(ms_sensitivity_index)}};
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].size;
    return 0;
}

const char *ms_strerror(ms_status code)
{
    switch (code) {
#define MS_X_CASE(name, value, text)                                                               \
    case name: return text;
        MS_STATUS_LIST(MS_X_CASE)
#undef MS_X_CASE
    }
    return "unknown status code";
}

static void *std_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}

static void std_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

ms_status ms_context_new(ms_context **out, const ms_allocator *alloc)
{
    ms_allocator a = {std_realloc, std_free, NULL};
    if (!out)
        return MS_ERR_ARG;
    *out = NULL;
    if (alloc) {
        if (!alloc->realloc || !alloc->free)
            return MS_ERR_ARG;
        a = *alloc;
    }
    /* GSL's default error handler aborts the process; the library reports
     * errors through status codes instead.  (Process-wide, idempotent.) */
    gsl_set_error_handler_off();
    ms_context *ctx = a.realloc(a.ud, NULL, sizeof *ctx);
    if (!ctx)
        return MS_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = a;
    *out = ctx;
    return MS_OK;
}

void ms_context_free(ms_context *ctx)
{
    if (ctx)
        ctx->alloc.free(ctx->alloc.ud, ctx);
}

const char *ms_errmsg(const ms_context *ctx)
{
    return ctx ? ctx->msg : "no context";
}
ms_status ms_errcode(const ms_context *ctx)
{
    return ctx ? ctx->last : MS_ERR_ARG;
}

void *msi_alloc(ms_context *ctx, size_t size)
{
    void *p = ctx->alloc.realloc(ctx->alloc.ud, NULL, size ? size : 1);
    if (p)
        memset(p, 0, size ? size : 1);
    return p;
}

void *msi_realloc(ms_context *ctx, void *p, size_t size)
{
    return ctx->alloc.realloc(ctx->alloc.ud, p, size ? size : 1);
}

void msi_free(ms_context *ctx, void *p)
{
    if (p)
        ctx->alloc.free(ctx->alloc.ud, p);
}

int msi_grow(ms_context *ctx, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return -1;
    void *p = msi_realloc(ctx, *arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

char *msi_strndup(ms_context *ctx, const char *s, size_t n)
{
    char *d = msi_alloc(ctx, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *msi_strdup(ms_context *ctx, const char *s)
{
    return s ? msi_strndup(ctx, s, strlen(s)) : NULL;
}

ms_status msi_vfail(ms_context *ctx, ms_status code, const char *file, int line, int col,
                    const char *fmt, va_list ap)
{
    if (!ctx)
        return code;
    size_t off = 0;
    int n = 0;
    if (file && line > 0)
        n = snprintf(ctx->msg, sizeof ctx->msg, "%s:%d:%d: ", file, line, col > 0 ? col : 1);
    else if (file)
        n = snprintf(ctx->msg, sizeof ctx->msg, "%s: ", file);
    if (n > 0)
        off = (size_t)n < sizeof ctx->msg ? (size_t)n : sizeof ctx->msg - 1;
    vsnprintf(ctx->msg + off, sizeof ctx->msg - off, fmt, ap);
    /* Messages are one line: fold any newline a library put in its text. */
    for (char *c = ctx->msg; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    ctx->last = code;
    return code;
}

ms_status msi_fail(ms_context *ctx, ms_status code, const char *file, int line, int col,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_status s = msi_vfail(ctx, code, file, line, col, fmt, ap);
    va_end(ap);
    return s;
}

ms_status msi_nomem(ms_context *ctx)
{
    return msi_fail(ctx, MS_ERR_NOMEM, NULL, 0, 0, "out of memory");
}

ms_status msi_ok(ms_context *ctx)
{
    if (ctx) {
        ctx->last = MS_OK;
        ctx->msg[0] = '\0';
    }
    return MS_OK;
}

int msi_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

size_t msi_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

double msi_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
