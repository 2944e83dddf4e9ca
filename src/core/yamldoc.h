/*
 * yamldoc.h — a YAML document as a small tree with the line and column of
 * every node, built from libyaml's event stream.  Owns the tree; knows
 * nothing of models or protocols (their loaders walk the tree).  Refuses what
 * a hand-written configuration never needs and an attacker loves: aliases,
 * several documents, duplicate keys, non-scalar keys, nesting deeper than
 * MS_YAML_MAX_DEPTH and files larger than MS_YAML_MAX_BYTES.
 */
#ifndef MS_YAMLDOC_H
#define MS_YAMLDOC_H

#include "core.h"

#define MS_YAML_MAX_BYTES (16u * 1024u * 1024u)
#define MS_YAML_MAX_DEPTH 64

typedef enum { MS_Y_SCALAR, MS_Y_MAP, MS_Y_SEQ } ms_ytype;

typedef struct ms_ynode ms_ynode;
struct ms_ynode {
    ms_ytype type;
    int line, col; /* 1-based position of the node's first character */
    int style;     /* scalars: libyaml style (plain, quoted, block) */
    char *str;     /* scalars: the text (NUL-terminated) */
    size_t len;    /* scalars: its length */
    size_t n;      /* maps: pairs; sequences: items */
    size_t cap;
    ms_ynode **keys; /* maps: key scalars */
    ms_ynode **vals; /* maps: values; sequences: items */
};

typedef struct ms_ydoc {
    const char *file; /* the name given to the loader (borrowed) */
    ms_ynode *root;   /* NULL for an empty document */
} ms_ydoc;

/* Reads a whole regular file of at most 16 MiB into *out (NUL-terminated;
 * the caller frees it with ms_free), its length in *len. */
ms_status ms_read_text_file(ms_context *ctx, const char *path, char **out, size_t *len);
/* Reads and parses `path`.  On error the context holds "path:line:col: ...". */
ms_status ms_ydoc_load_file(ms_context *ctx, const char *path, ms_ydoc *doc);
ms_status ms_ydoc_load_string(ms_context *ctx, const char *name, const char *text, size_t len,
                              ms_ydoc *doc);
void ms_ydoc_free(ms_context *ctx, ms_ydoc *doc);

/* Value for `key` in a map, or NULL. */
ms_ynode *ms_ymap_get(const ms_ynode *map, const char *key);
/* Index of key `key` in a map, or -1. */
long ms_ymap_index(const ms_ynode *map, const char *key);

/* Reports that `node` was not what was expected. */
ms_status ms_yfail(ms_context *ctx, const ms_ydoc *doc, const ms_ynode *node, ms_status code,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks that every key of `map` is in the NULL-terminated list `allowed`;
 * otherwise fails naming the unknown key and the expected ones. */
ms_status ms_ymap_check_keys(ms_context *ctx, const ms_ydoc *doc, const ms_ynode *map,
                             const char *what, const char *const *allowed, ms_status code);
/* Scalar accessors: fail with a message naming `what` if the node is missing
 * or of the wrong type.  A string must be non-empty. */
ms_status ms_yget_string(ms_context *ctx, const ms_ydoc *doc, const ms_ynode *map, const char *key,
                         const char *what, int required, const ms_ynode **out, ms_status code);
ms_status ms_yget_number(ms_context *ctx, const ms_ydoc *doc, const ms_ynode *node,
                         const char *what, double *out, ms_status code);

#endif
