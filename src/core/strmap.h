/*
 * strmap.h — a string-keyed hash map to (kind, index) pairs, for name
 * resolution and duplicate detection in linear time.  Keys are borrowed: the
 * caller keeps them alive as long as the map.
 */
#ifndef MS_STRMAP_H
#define MS_STRMAP_H

#include "core.h"

#include <stdint.h>

typedef struct {
    const char *key;
    int32_t kind, index;
} msi_strmap_entry;

typedef struct {
    ms_context *ctx;
    msi_strmap_entry *e;
    size_t cap, len;
} msi_strmap;

void msi_strmap_init(msi_strmap *m, ms_context *ctx);
void msi_strmap_free(msi_strmap *m);
/* Inserts key.  Returns 0 if inserted, 1 if the key was present (then *old,
 * if given, points at the existing entry and nothing changes), -1 if out of
 * memory. */
int msi_strmap_put(msi_strmap *m, const char *key, int32_t kind, int32_t index,
                   const msi_strmap_entry **old);
const msi_strmap_entry *msi_strmap_get(const msi_strmap *m, const char *key);

#endif
