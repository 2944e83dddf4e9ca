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
} ms_strmap_entry;

typedef struct {
    ms_context *ctx;
    ms_strmap_entry *e;
    size_t cap, len;
} ms_strmap;

void ms_strmap_init(ms_strmap *m, ms_context *ctx);
void ms_strmap_free(ms_strmap *m);
/* Inserts key.  Returns 0 if inserted, 1 if the key was present (then *old,
 * if given, points at the existing entry and nothing changes), -1 if out of
 * memory. */
int ms_strmap_put(ms_strmap *m, const char *key, int32_t kind, int32_t index,
                  const ms_strmap_entry **old);
const ms_strmap_entry *ms_strmap_get(const ms_strmap *m, const char *key);

#endif
