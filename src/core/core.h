/*
 * core.h — plumbing shared by every module: the context (allocator and last
 * error), error formatting with file:line:col, and small allocation helpers.
 * Owns nothing of the model, protocol or engine.  Internal; not installed.
 */
#ifndef MS_CORE_H
#define MS_CORE_H

#include "moodsim.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MS_ERRMSG_MAX 1024

struct ms_context {
    ms_allocator alloc;
    ms_status last;
    char msg[MS_ERRMSG_MAX];
};

/* Allocation through the context's allocator.  msi_alloc zero-fills. */
void *msi_alloc(ms_context *ctx, size_t size);
void *msi_realloc(ms_context *ctx, void *p, size_t size);
void msi_free(ms_context *ctx, void *p);
/* Array growth with overflow check: ensures capacity for `need` elements. */
int msi_grow(ms_context *ctx, void **arr, size_t *cap, size_t need, size_t elem);
char *msi_strdup(ms_context *ctx, const char *s);
char *msi_strndup(ms_context *ctx, const char *s, size_t n);

/* Records an error and returns `code`.  `file` may be NULL; line/col 0 means
 * unknown.  The message reads "file:line:col: text". */
ms_status msi_fail(ms_context *ctx, ms_status code, const char *file, int line, int col,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
ms_status msi_vfail(ms_context *ctx, ms_status code, const char *file, int line, int col,
                    const char *fmt, va_list ap);
/* Out-of-memory shortcut. */
ms_status msi_nomem(ms_context *ctx);
/* Marks the last call as successful. */
ms_status msi_ok(ms_context *ctx);

/* An output file that replaces its destination only when complete
 * (outfile.c): the text goes to a temporary file beside `path`; closing with
 * keep nonzero syncs it and renames it over path, closing with keep zero (or
 * after a write error) removes it and leaves path as it was.  A symlink at
 * path is replaced, not followed.  Path "-" writes to standard output.  The
 * msi_outfile owns the temporary file and its name until msi_out_close(). */
typedef struct msi_outfile {
    FILE *f; /* write here */
    char *path, *tmp;
} msi_outfile;
ms_status msi_out_open(ms_context *ctx, msi_outfile *o, const char *path);
ms_status msi_out_close(ms_context *ctx, msi_outfile *o, int keep);
/* Copies src to dst through an msi_outfile; nothing to do if dst is src. */
ms_status msi_file_copy(ms_context *ctx, const char *src, const char *dst);

/* The shortest decimal that reads back as v exactly ("nan", "inf" for
 * those); n >= 32.  For numbers meant to be compared or reloaded. */
void msi_shortest(char *buf, size_t n, double v);
/* A CSV field (quoted when needed); a lower-case ASCII copy (outfile.c). */
void msi_csv_str(FILE *f, const char *s);
void msi_lower_copy(char *dst, const char *src, size_t n);
/* Seconds on the monotonic clock (for progress and timing). */
double msi_now_s(void);

/* FNV-1a: *h extended by n bytes at p (start from MSI_FNV0).  Fingerprints
 * of a run's inputs, so that a checkpoint resumes only the run it is of. */
#define MSI_FNV0 0xcbf29ce484222325ull
static inline uint64_t msi_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ull;
    return h;
}

/* Parses a whole string as a finite double.  0 on success. */
int msi_parse_double(const char *s, double *out);
/* Levenshtein distance, capped; for "did you mean" suggestions. */
size_t msi_edit_distance(const char *a, const char *b);

#endif
