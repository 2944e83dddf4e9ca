/*
 * rewrite.c — writes a copy of a model file with new values for named
 * parameters (e.g. the values a calibration re-derived), changing nothing
 * else: each parameter's `value:` scalar is found by the YAML parser's
 * position and replaced in the file's text, so comments, sources and layout
 * stay as written.  Owns nothing after it returns.
 */
#include "../core/yamldoc.h"
#include "model_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

typedef struct {
    size_t start, len; /* byte span in the text */
    size_t k;          /* which value */
} edit;

static int by_start(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Byte offset of (line, col), 1-based, counting columns in characters as
 * libyaml does (UTF-8 continuation bytes are not columns); SIZE_MAX if the
 * text has no such place. */
static size_t offset_of(const char *text, size_t n, int line, int col)
{
    size_t i = 0;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(text + i, '\n', n - i);
        if (!nl)
            return (size_t)-1;
        i = (size_t)(nl - text) + 1;
    }
    for (int c = 1; c < col; c++) {
        if (i >= n || text[i] == '\n')
            return (size_t)-1;
        i++;
        while (i < n && ((unsigned char)text[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

ms_status ms_model_write_values(ms_context *ctx, const char *model_path, const char *out_path,
                                const char *const *names, const double *values, size_t n)
{
    if (!ctx || !model_path || !out_path || (n && (!names || !values)))
        return MS_ERR_ARG;
    char *text = NULL;
    size_t len = 0;
    ms_status st = msi_read_text_file(ctx, model_path, &text, &len);
    if (st)
        return st;
    ms_model *m = NULL; /* a valid model, read from the same text */
    if ((st = ms_model_load_string(ctx, model_path, text, len, &m))) {
        msi_free(ctx, text);
        return st;
    }
    ms_model_free(m);
    msi_ydoc d = {0};
    edit *ed = msi_alloc(ctx, (n ? n : 1) * sizeof *ed);
    st = ed ? msi_ydoc_load_string(ctx, model_path, text, len, &d) : msi_nomem(ctx);
    const msi_ynode *params = !st ? msi_ymap_get(d.root, "parameters") : NULL;
    for (size_t k = 0; !st && k < n; k++) {
        const msi_ynode *def = params ? msi_ymap_get(params, names[k]) : NULL;
        const msi_ynode *v = def && def->type == MS_Y_MAP ? msi_ymap_get(def, "value") : NULL;
        if (!v || v->type != MS_Y_SCALAR) {
            st = msi_fail(ctx, MS_ERR_ARG, model_path, 0, 0,
                          "'%s' is not a parameter with a "
                          "value: of the model",
                          names[k]);
            break;
        }
        if (!isfinite(values[k])) {
            st = msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0,
                          "the value for '%s' is not a finite "
                          "number",
                          names[k]);
            break;
        }
        size_t at = offset_of(text, len, v->line, v->col);
        if (v->style != YAML_PLAIN_SCALAR_STYLE || at == (size_t)-1 || at + v->len > len ||
            memcmp(text + at, v->str, v->len) != 0) {
            st = msi_fail(ctx, MS_ERR_ARG, model_path, v->line, v->col,
                          "the value of '%s' is not a plain number where the parser found it; "
                          "write it as a plain number (value: 0.5) to have it replaced",
                          names[k]);
            break;
        }
        ed[k] = (edit){at, v->len, k};
    }
    msi_ydoc_free(ctx, &d);
    if (!st) {
        qsort(ed, n, sizeof *ed, by_start);
        for (size_t k = 1; !st && k < n; k++)
            if (ed[k].start == ed[k - 1].start)
                st = msi_fail(ctx, MS_ERR_ARG, NULL, 0, 0, "'%s' is named twice", names[ed[k].k]);
    }
    /* the new text in memory, checked to load before it replaces anything */
    char *out = !st ? msi_alloc(ctx, len + 40 * n + 1) : NULL;
    size_t pos = 0, olen = 0;
    if (!st && !out)
        st = msi_nomem(ctx);
    for (size_t k = 0; !st && k < n; k++) {
        memcpy(out + olen, text + pos, ed[k].start - pos);
        olen += ed[k].start - pos;
        msi_shortest(out + olen, 40, values[ed[k].k]);
        olen += strlen(out + olen);
        pos = ed[k].start + ed[k].len;
    }
    if (!st) {
        memcpy(out + olen, text + pos, len - pos);
        olen += len - pos;
        if ((st = ms_model_load_string(ctx, out_path, out, olen, &m)) == MS_OK)
            ms_model_free(m);
    }
    msi_outfile o;
    if (!st && !(st = msi_out_open(ctx, &o, out_path))) {
        fwrite(out, 1, olen, o.f);
        st = msi_out_close(ctx, &o, 1); /* a failed write is seen there */
    }
    msi_free(ctx, out);
    msi_free(ctx, ed);
    msi_free(ctx, text);
    return st ? st : msi_ok(ctx);
}
