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

typedef enum { MS_Y_SCALAR, MS_Y_MAP, MS_Y_SEQ } msi_ytype;

typedef struct msi_ynode msi_ynode;
struct msi_ynode {
    msi_ytype type;
    int line, col; /* 1-based position of the node's first character */
    int style;     /* scalars: libyaml style (plain, quoted, block) */
    char *str;     /* scalars: the text (NUL-terminated) */
    size_t len;    /* scalars: its length */
    size_t n;      /* maps: pairs; sequences: items */
    size_t cap;
    msi_ynode **keys; /* maps: key scalars */
    msi_ynode **vals; /* maps: values; sequences: items */
};

typedef struct msi_ydoc {
    const char *file; /* the name given to the loader (borrowed) */
    msi_ynode *root;  /* NULL for an empty document */
} msi_ydoc;

/* Reads a whole regular file of at most 16 MiB into *out (NUL-terminated;
 * the caller frees it with msi_free), its length in *len. */
ms_status msi_read_text_file(ms_context *ctx, const char *path, char **out, size_t *len);
/* Reads and parses `path`.  On error the context holds "path:line:col: ...". */
ms_status msi_ydoc_load_file(ms_context *ctx, const char *path, msi_ydoc *doc);
ms_status msi_ydoc_load_string(ms_context *ctx, const char *name, const char *text, size_t len,
                               msi_ydoc *doc);
void msi_ydoc_free(ms_context *ctx, msi_ydoc *doc);

/* Value for `key` in a map, or NULL. */
msi_ynode *msi_ymap_get(const msi_ynode *map, const char *key);
/* Index of key `key` in a map, or -1. */
long msi_ymap_index(const msi_ynode *map, const char *key);

/* Reports that `node` was not what was expected. */
ms_status msi_yfail(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *node, ms_status code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks that every key of `map` is in the NULL-terminated list `allowed`;
 * otherwise fails naming the unknown key and the expected ones. */
ms_status msi_ymap_check_keys(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *map,
                              const char *what, const char *const *allowed, ms_status code);
/* Scalar accessors: fail with a message naming `what` if the node is missing
 * or of the wrong type.  A string must be non-empty. */
ms_status msi_yget_string(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *map,
                          const char *key, const char *what, int required, const msi_ynode **out,
                          ms_status code);
ms_status msi_yget_number(ms_context *ctx, const msi_ydoc *doc, const msi_ynode *node,
                          const char *what, double *out, ms_status code);

#endif
