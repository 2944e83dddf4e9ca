/*
 * yamldoc.c — builds an msi_ydoc tree from libyaml events, iteratively (an
 * explicit stack, no recursion on the input), with the limits listed in
 * yamldoc.h.  Entry points: msi_ydoc_load_file, msi_ydoc_load_string.
 */
#include "yamldoc.h"
#include "strmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static void node_free(ms_context *ctx, msi_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            node_free(ctx, n->keys[i]);
        if (n->vals)
            node_free(ctx, n->vals[i]);
    }
    msi_free(ctx, n->keys);
    msi_free(ctx, n->vals);
    msi_free(ctx, n->str);
    msi_free(ctx, n);
}

void msi_ydoc_free(ms_context *ctx, msi_ydoc *doc)
{
    if (!doc)
        return;
    node_free(ctx, doc->root);
    doc->root = NULL;
}

static msi_ynode *node_new(ms_context *ctx, msi_ytype t, const yaml_mark_t *m)
{
    msi_ynode *n = msi_alloc(ctx, sizeof *n);
    if (n) {
        n->type = t;
        n->line = (int)m->line + 1;
        n->col = (int)m->column + 1;
    }
    return n;
}

/* Appends child (and, for maps, the pending key) to parent. */
static int node_append(ms_context *ctx, msi_ynode *parent, msi_ynode *key, msi_ynode *child)
{
    size_t cap = parent->cap;
    if (msi_grow(ctx, (void **)&parent->vals, &cap, parent->n + 1, sizeof *parent->vals))
        return -1;
    if (parent->type == MS_Y_MAP) {
        size_t kcap = parent->cap;
        if (msi_grow(ctx, (void **)&parent->keys, &kcap, parent->n + 1, sizeof *parent->keys))
            return -1;
        parent->keys[parent->n] = key;
    }
    parent->cap = cap;
    parent->vals[parent->n++] = child;
    return 0;
}

typedef struct {
    msi_ynode *node;
    msi_ynode *pending_key; /* maps: key read, value not yet */
    msi_strmap keys;        /* maps: keys seen, for duplicates in linear time */
} frame;

/* Line and column (1-based) of byte `off` of `text`; for libyaml's reader
 * errors, which give an offset rather than a mark. */
static void offset_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*col; /* count characters, not UTF-8 continuation bytes */
        }
    }
}

static ms_status parse_events(ms_context *ctx, yaml_parser_t *p, msi_ydoc *doc, const char *text,
                              size_t len)
{
    frame stack[MS_YAML_MAX_DEPTH + 1];
    int depth = 0;
    int docs = 0;
    ms_status st = MS_OK;
    const char *file = doc->file;

    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev)) {
            const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;
            int line = (int)m->line + 1, col = (int)m->column + 1;
            if (p->error == YAML_READER_ERROR)
                offset_pos(text, len, p->problem_offset, &line, &col);
            st = msi_fail(ctx, MS_ERR_SYNTAX, file, line, col, "malformed YAML: %s%s%s",
                          p->problem ? p->problem : "parse error", p->context ? " " : "",
                          p->context ? p->context : "");
            break;
        }
        yaml_event_type_t t = ev.type;
        const yaml_mark_t *m = &ev.start_mark;
        msi_ynode *made = NULL;

        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        switch (t) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                st = msi_fail(ctx, MS_ERR_SYNTAX, file, (int)m->line + 1, (int)m->column + 1,
                              "a second YAML document ('---'); expected exactly one");
            break;
        case YAML_ALIAS_EVENT:
            st = msi_fail(ctx, MS_ERR_SYNTAX, file, (int)m->line + 1, (int)m->column + 1,
                          "YAML alias '*%s': aliases are not supported; write the value out",
                          (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            made = node_new(ctx, MS_Y_SCALAR, m);
            if (made) {
                made->str =
                    msi_strndup(ctx, (const char *)ev.data.scalar.value, ev.data.scalar.length);
                made->len = ev.data.scalar.length;
                made->style = (int)ev.data.scalar.style;
                if (!made->str) {
                    node_free(ctx, made);
                    made = NULL;
                } else {
                    /* block scalars end with a newline (YAML's default "clip"):
                     * the text a user wrote has none */
                    while (made->len &&
                           (made->style == YAML_LITERAL_SCALAR_STYLE ||
                            made->style == YAML_FOLDED_SCALAR_STYLE) &&
                           (made->str[made->len - 1] == '\n' || made->str[made->len - 1] == ' '))
                        made->str[--made->len] = '\0';
                }
            }
            if (!made)
                st = msi_nomem(ctx);
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth >= MS_YAML_MAX_DEPTH) {
                st = msi_fail(ctx, MS_ERR_LIMIT, file, (int)m->line + 1, (int)m->column + 1,
                              "YAML nested deeper than %d levels", MS_YAML_MAX_DEPTH);
                break;
            }
            made = node_new(ctx, t == YAML_MAPPING_START_EVENT ? MS_Y_MAP : MS_Y_SEQ, m);
            if (!made)
                st = msi_nomem(ctx);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            made = stack[--depth].node; /* completed container: already attached */
            msi_strmap_free(&stack[depth].keys);
            break;
        default: break;
        }
        int closing = t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT;
        int opening = t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT;
        yaml_event_delete(&ev);
        if (st != MS_OK) {
            if (made && !closing)
                node_free(ctx, made);
            break;
        }
        if (!made)
            continue;
        if (opening) {
            stack[depth].node = made;
            stack[depth].pending_key = NULL;
            msi_strmap_init(&stack[depth].keys, ctx);
            /* attach now so that an error later frees it with the tree */
            if (depth == 0) {
                doc->root = made;
            } else {
                frame *f = &stack[depth - 1];
                if (f->node->type == MS_Y_MAP && !f->pending_key) {
                    st = msi_fail(ctx, MS_ERR_SYNTAX, file, made->line, made->col,
                                  "a mapping or list used as a key; expected a name");
                    node_free(ctx, made);
                    break;
                }
                if (node_append(ctx, f->node, f->pending_key, made)) {
                    node_free(ctx, made);
                    st = msi_nomem(ctx);
                    break;
                }
                f->pending_key = NULL;
            }
            depth++;
            continue;
        }
        if (closing)
            continue; /* already attached when it opened */
        /* a scalar */
        if (depth == 0) {
            doc->root = made;
            continue;
        }
        frame *f = &stack[depth - 1];
        if (f->node->type == MS_Y_MAP && !f->pending_key) {
            const msi_strmap_entry *old = NULL;
            int r = msi_strmap_put(&f->keys, made->str, 0, made->line, &old);
            if (r != 0) {
                if (r < 0)
                    st = msi_nomem(ctx);
                else
                    st = msi_fail(ctx, MS_ERR_SYNTAX, file, made->line, made->col,
                                  "duplicate key '%s' (first at line %d); each name may appear "
                                  "once",
                                  made->str, (int)old->index);
                node_free(ctx, made);
                break;
            }
            f->pending_key = made;
            continue;
        }
        if (node_append(ctx, f->node, f->pending_key, made)) {
            node_free(ctx, made);
            st = msi_nomem(ctx);
            break;
        }
        f->pending_key = NULL;
    }
    /* keys read without values, and key sets (only on error paths) */
    for (int i = 0; i < depth; i++) {
        node_free(ctx, stack[i].pending_key);
        msi_strmap_free(&stack[i].keys);
    }
    if (st != MS_OK)
        msi_ydoc_free(ctx, doc);
    return st;
}

ms_status msi_ydoc_load_string(ms_context *ctx, const char *name, const char *text, size_t len,
                               msi_ydoc *doc)
{
    doc->file = name;
    doc->root = NULL;
    if (len > MS_YAML_MAX_BYTES)
        return msi_fail(ctx, MS_ERR_LIMIT, name, 1, 1,
                        "file is %zu bytes; the limit is %u bytes (16 MiB)", len,
                        MS_YAML_MAX_BYTES);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return msi_nomem(ctx);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    ms_status st = parse_events(ctx, &p, doc, text, len);
    yaml_parser_delete(&p);
    return st;
}

ms_status msi_read_text_file(ms_context *ctx, const char *path, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "not a regular file");
    }
    if ((unsigned long long)sb.st_size > MS_YAML_MAX_BYTES) {
        fclose(f);
        return msi_fail(ctx, MS_ERR_LIMIT, path, 1, 1,
                        "file is %lld bytes; the limit is %u bytes (16 MiB)", (long long)sb.st_size,
                        MS_YAML_MAX_BYTES);
    }
    size_t n = (size_t)sb.st_size;
    char *buf = msi_alloc(ctx, n + 1);
    if (!buf) {
        fclose(f);
        return msi_nomem(ctx);
    }
    size_t got = fread(buf, 1, n, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != n) {
        msi_free(ctx, buf);
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "read error");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return MS_OK;
}

ms_status msi_ydoc_load_file(ms_context *ctx, const char *path, msi_ydoc *doc)
{
    doc->file = path;
    doc->root = NULL;
    char *buf;
    size_t n;
    ms_status st = msi_read_text_file(ctx, path, &buf, &n);
    if (st)
        return st;
    st = msi_ydoc_load_string(ctx, path, buf, n, doc);
    msi_free(ctx, buf);
    return st;
}

long msi_ymap_index(const msi_ynode *map, const char *key)
{
    if (!map || map->type != MS_Y_MAP)
        return -1;
    for (size_t i = 0; i < map->n; i++)
        if (map->keys[i] && strcmp(map->keys[i]->str, key) == 0)
            return (long)i;
    return -1;
}

msi_ynode *msi_ymap_get(const msi_ynode *map, const char *key)
{
    long i = msi_ymap_index(map, key);
    return i < 0 ? NULL : map->vals[i];
}

ms_status msi_yfail(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *node, ms_status code,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ms_status s =
        msi_vfail(ctx, code, doc->file, node ? node->line : 1, node ? node->col : 1, fmt, ap);
    va_end(ap);
    return s;
}

static const char *type_name(const msi_ynode *n)
{
    if (!n)
        return "nothing";
    return n->type == MS_Y_MAP ? "a mapping" : n->type == MS_Y_SEQ ? "a list" : "a scalar";
}

ms_status msi_ymap_check_keys(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *map,
                              const char *what, const char *const *allowed, ms_status code)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->str;
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k) == 0)
                ok = 1;
        if (ok)
            continue;
        char list[512];
        size_t off = 0;
        for (const char *const *a = allowed; *a && off < sizeof list; a++) {
            int w = snprintf(list + off, sizeof list - off, "%s%s", off ? ", " : "", *a);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        return msi_yfail(ctx, doc, map->keys[i], code,
                         "unknown key '%s' in %s; expected one of: %s", k, what, list);
    }
    return MS_OK;
}

ms_status msi_yget_string(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *map,
                          const char *key, const char *what, int required, const msi_ynode **out,
                          ms_status code)
{
    const msi_ynode *v = msi_ymap_get(map, key);
    *out = NULL;
    if (!v) {
        if (required)
            return msi_yfail(ctx, doc, map, code, "%s has no '%s:'; expected one", what, key);
        return MS_OK;
    }
    if (v->type != MS_Y_SCALAR)
        return msi_yfail(ctx, doc, v, code, "'%s' of %s is %s; expected text", key, what,
                         type_name(v));
    if (v->len == 0 || strspn(v->str, " \t") == v->len)
        return msi_yfail(ctx, doc, v, code, "'%s' of %s is empty; expected text", key, what);
    *out = v;
    return MS_OK;
}

ms_status msi_yget_number(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *node,
                          const char *what, double *out, ms_status code)
{
    if (node->type != MS_Y_SCALAR)
        return msi_yfail(ctx, doc, node, code, "%s is %s; expected a number", what,
                         type_name(node));
    if (msi_parse_double(node->str, out) != 0) {
        double v;
        char *end;
        v = strtod(node->str, &end);
        if (end != node->str && *end == '\0')
            return msi_yfail(ctx, doc, node, code, "%s is '%s', not a finite number (%s)", what,
                             node->str, v != v ? "NaN" : "overflow or infinity");
        return msi_yfail(ctx, doc, node, code, "%s is '%s'; expected a finite number", what,
                         node->str);
    }
    return MS_OK;
}
