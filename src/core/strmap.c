/*
 * strmap.c — open-addressing string hash map (FNV-1a, linear probing, load
 * factor at most 1/2).  See strmap.h.
 */
#include "strmap.h"

#include <string.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void msi_strmap_init(msi_strmap *m, ms_context *ctx)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
}

void msi_strmap_free(msi_strmap *m)
{
    msi_free(m->ctx, m->e);
    m->e = NULL;
    m->cap = m->len = 0;
}

static int resize(msi_strmap *m, size_t ncap)
{
    msi_strmap_entry *e = msi_alloc(m->ctx, ncap * sizeof *e);
    if (!e)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].key)
            continue;
        size_t k = hash_str(m->e[i].key) & (ncap - 1);
        while (e[k].key)
            k = (k + 1) & (ncap - 1);
        e[k] = m->e[i];
    }
    msi_free(m->ctx, m->e);
    m->e = e;
    m->cap = ncap;
    return 0;
}

int msi_strmap_put(msi_strmap *m, const char *key, int32_t kind, int32_t index,
                   const msi_strmap_entry **old)
{
    const msi_strmap_entry *o = msi_strmap_get(m, key);
    if (o) {
        if (old)
            *old = o;
        return 1;
    }
    if ((m->len + 1) * 2 > m->cap && resize(m, m->cap ? m->cap * 2 : 16))
        return -1;
    size_t k = hash_str(key) & (m->cap - 1);
    while (m->e[k].key)
        k = (k + 1) & (m->cap - 1);
    m->e[k].key = key;
    m->e[k].kind = kind;
    m->e[k].index = index;
    m->len++;
    return 0;
}

const msi_strmap_entry *msi_strmap_get(const msi_strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t k = hash_str(key) & (m->cap - 1);
    while (m->e[k].key) {
        if (strcmp(m->e[k].key, key) == 0)
            return &m->e[k];
        k = (k + 1) & (m->cap - 1);
    }
    return NULL;
}
