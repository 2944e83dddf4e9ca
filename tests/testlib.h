/*
 * testlib.h — a minimal assertion harness for the C tests: CHECK records a
 * failure with file and line and carries on; test_done() prints the closing
 * "N passed, N failed" line and returns the exit code; t_realloc/t_free
 * count allocations and inject failures.
 */
#ifndef MS_TESTLIB_H
#define MS_TESTLIB_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int t_pass, t_fail;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* |a - b| <= rel * |b| (with `floor` as the smallest scale). */
static inline int close_rel(double a, double b, double rel, double floor_)
{
    double s = fabs(b) > floor_ ? fabs(b) : floor_;
    return fabs(a - b) <= rel * s;
}

/* An allocator (ms_allocator {t_realloc, t_free, NULL}) that counts
 * allocations in t_allocs and, while t_alloc_budget >= 0, fails once that
 * many more have been made. */
static long t_allocs, t_alloc_budget = -1;

static inline void *t_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (t_alloc_budget == 0)
        return NULL;
    if (t_alloc_budget > 0)
        t_alloc_budget--;
    t_allocs++;
    return realloc(p, n);
}

static inline void t_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static inline int test_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, t_pass, t_fail);
    return t_fail ? 1 : 0;
}

#endif
