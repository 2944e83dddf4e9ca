/*
 * outfile.c — files the library writes, written whole or not at all.  The
 * text goes to a new temporary file beside the destination, which replaces
 * the destination only once it is complete and synced (rename(2) is atomic
 * within a directory).  So a failed or interrupted write leaves the
 * destination as it was, a symlink at the destination is replaced rather
 * than followed, and a file is never opened for writing while something
 * reads it (the copy of a trial's inputs into its own output directory).
 * Owns the temporary file between msi_out_open() and msi_out_close().  Also
 * the CSV field quoting every CSV writer uses.
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint g_serial;

ms_status msi_out_open(ms_context *ctx, msi_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        return MS_OK;
    }
    size_t n = strlen(path) + 48;
    if (!(o->path = msi_strdup(ctx, path)) || !(o->tmp = msi_alloc(ctx, n))) {
        msi_free(ctx, o->path);
        o->path = NULL;
        return msi_nomem(ctx);
    }
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(o->tmp, n, "%s.tmp-%ld-%u", path, (long)getpid(), atomic_fetch_add(&g_serial, 1u));
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
        /* a place that cannot hold the file is a bad argument (exit 2); a
         * failure while writing (a full disk) is MS_ERR_WRITE (exit 1) */
        ms_status st = msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        msi_free(ctx, o->path);
        msi_free(ctx, o->tmp);
        memset(o, 0, sizeof *o);
        return st;
    }
    return MS_OK;
}

ms_status msi_out_close(ms_context *ctx, msi_outfile *o, int keep)
{
    ms_status st = MS_OK;
    if (!o->f)
        return MS_OK;
    if (!o->tmp) { /* stdout */
        if ((fflush(o->f) != 0 || ferror(o->f)) && keep)
            st = msi_fail(ctx, MS_ERR_WRITE, "-", 0, 0, "cannot write to standard output");
        o->f = NULL;
        return st;
    }
    int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
    int err = errno;
    bad |= fclose(o->f) != 0;
    if (keep && !bad && rename(o->tmp, o->path) != 0) {
        bad = 1;
        err = errno;
    }
    if (bad || !keep) {
        unlink(o->tmp);
        if (keep)
            st = msi_fail(ctx, MS_ERR_WRITE, o->path, 0, 0, "cannot write: %s",
                          err ? strerror(err) : "write error");
    }
    msi_free(ctx, o->path);
    msi_free(ctx, o->tmp);
    memset(o, 0, sizeof *o);
    return st;
}

ms_status msi_file_copy(ms_context *ctx, const char *src, const char *dst)
{
    struct stat a, b;
    if (stat(src, &a) != 0)
        return msi_fail(ctx, MS_ERR_IO, src, 0, 0, "cannot read: %s", strerror(errno));
    if (stat(dst, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return MS_OK; /* already there: the input lies in the output directory */
    FILE *in = fopen(src, "rb");
    if (!in)
        return msi_fail(ctx, MS_ERR_IO, src, 0, 0, "cannot read: %s", strerror(errno));
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, dst);
    char buf[65536];
    size_t n;
    while (!st && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, o.f) != n)
            st = msi_fail(ctx, MS_ERR_WRITE, dst, 0, 0, "cannot write: %s", strerror(errno));
    if (!st && ferror(in))
        st = msi_fail(ctx, MS_ERR_IO, src, 0, 0, "cannot read: %s", strerror(errno));
    fclose(in);
    if (o.f) {
        ms_status cst = msi_out_close(ctx, &o, !st);
        st = st ? st : cst;
    }
    return st;
}

void msi_shortest(char *buf, size_t n, double v)
{
    /* a whole number as one ("70", not the shorter-precision "7e+01") */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, n, "%.0f", v == 0 ? 0.0 : v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (!isfinite(v) || strtod(buf, NULL) == v)
            return;
    }
}

void msi_lower_copy(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)((src[i] >= 'A' && src[i] <= 'Z') ? src[i] + 32 : src[i]);
    dst[i] = '\0';
}

/* CSV field: quoted if it contains a comma, quote or newline. */
void msi_csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

/* The public face of msi_outfile (moodsim.h). */
struct ms_output {
    msi_outfile o;
};

ms_status ms_output_open(ms_context *ctx, const char *path, ms_output **out, FILE **f)
{
    if (!ctx || !path || !out || !f)
        return MS_ERR_ARG;
    *out = NULL;
    *f = NULL;
    ms_output *o = msi_alloc(ctx, sizeof *o);
    if (!o)
        return msi_nomem(ctx);
    ms_status st = msi_out_open(ctx, &o->o, path);
    if (st) {
        msi_free(ctx, o);
        return st;
    }
    *out = o;
    *f = o->o.f;
    return msi_ok(ctx);
}

ms_status ms_output_close(ms_context *ctx, ms_output *o, int keep)
{
    if (!ctx || !o)
        return MS_ERR_ARG;
    ms_status st = msi_out_close(ctx, &o->o, keep);
    msi_free(ctx, o);
    return st ? st : msi_ok(ctx);
}

ms_status ms_write_file(ms_context *ctx, const char *path, const char *text, size_t len)
{
    if (!ctx || !path || (!text && len))
        return MS_ERR_ARG;
    msi_outfile o;
    ms_status st = msi_out_open(ctx, &o, path);
    if (st)
        return st;
    int ok = fwrite(text, 1, len, o.f) == len;
    return msi_out_close(ctx, &o, ok);
}
