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
#include <stdio.h>

#define MS_ERRMSG_MAX 1024

struct ms_context {
    ms_allocator alloc;
    ms_status last;
    char msg[MS_ERRMSG_MAX];
};

/* Allocation through the context's allocator.  ms_alloc zero-fills. */
void *ms_alloc(ms_context *ctx, size_t size);
void *ms_realloc(ms_context *ctx, void *p, size_t size);
void ms_free(ms_context *ctx, void *p);
/* Array growth with overflow check: ensures capacity for `need` elements. */
int ms_grow(ms_context *ctx, void **arr, size_t *cap, size_t need, size_t elem);
char *ms_strdup(ms_context *ctx, const char *s);
char *ms_strndup(ms_context *ctx, const char *s, size_t n);

/* Records an error and returns `code`.  `file` may be NULL; line/col 0 means
 * unknown.  The message reads "file:line:col: text". */
ms_status ms_fail(ms_context *ctx, ms_status code, const char *file, int line, int col,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
ms_status ms_vfail(ms_context *ctx, ms_status code, const char *file, int line, int col,
                   const char *fmt, va_list ap);
/* Out-of-memory shortcut. */
ms_status ms_nomem(ms_context *ctx);
/* Marks the last call as successful. */
ms_status ms_ok(ms_context *ctx);

/* An output file that replaces its destination only when complete
 * (outfile.c): the text goes to a temporary file beside `path`; closing with
 * keep nonzero syncs it and renames it over path, closing with keep zero (or
 * after a write error) removes it and leaves path as it was.  A symlink at
 * path is replaced, not followed.  Path "-" writes to standard output.  The
 * ms_outfile owns the temporary file and its name until ms_out_close(). */
typedef struct ms_outfile {
    FILE *f; /* write here */
    char *path, *tmp;
} ms_outfile;
ms_status ms_out_open(ms_context *ctx, ms_outfile *o, const char *path);
ms_status ms_out_close(ms_context *ctx, ms_outfile *o, int keep);
/* Copies src to dst through an ms_outfile; nothing to do if dst is src. */
ms_status ms_file_copy(ms_context *ctx, const char *src, const char *dst);

/* Parses a whole string as a finite double.  0 on success. */
int ms_parse_double(const char *s, double *out);
/* Levenshtein distance, capped; for "did you mean" suggestions. */
size_t ms_edit_distance(const char *a, const char *b);

#endif
