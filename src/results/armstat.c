/*
 * armstat.c — MS_ARM_STAT_LIST (moodsim.h) expanded into a table that code
 * can walk: each per-arm statistic's members (names, offsets, what each
 * is), where it is shown and how; the summary.csv cells made from it; the
 * public accessors bindings use.  Owns the table (static, read-only).
 */
#include "results.h"

#include <math.h>
#include <stddef.h>

#define NARGS(...) NARGS_(__VA_ARGS__, 5, 4, 3, 2, 1, 0)
#define NARGS_(a, b, c, d, e, n, ...) n
#define CAT(a, b) CAT_(a, b)
#define CAT_(a, b) a##b
#define STRS_1(a) #a
#define STRS_2(a, b) #a, #b
#define STRS_3(a, b, c) #a, #b, #c
#define STRS_4(a, b, c, d) #a, #b, #c, #d
#define STRS_5(a, b, c, d, e) #a, #b, #c, #d, #e
#define STRS(...) CAT(STRS_, NARGS(__VA_ARGS__))(__VA_ARGS__)
#define OFF(a) offsetof(ms_arm_summary, a)
#define OFFS_1(a) OFF(a)
#define OFFS_2(a, b) OFF(a), OFF(b)
#define OFFS_3(a, b, c) OFF(a), OFF(b), OFF(c)
#define OFFS_4(a, b, c, d) OFF(a), OFF(b), OFF(c), OFF(d)
#define OFFS_5(a, b, c, d, e) OFF(a), OFF(b), OFF(c), OFF(d), OFF(e)
#define OFFS(...) CAT(OFFS_, NARGS(__VA_ARGS__))(__VA_ARGS__)

#define PARTS_COUNT                                                                                \
    {                                                                                              \
        MS_PART_COUNT                                                                              \
    }
#define PARTS_VALUE                                                                                \
    {                                                                                              \
        MS_PART_ESTIMATE                                                                           \
    }
#define PARTS_CI                                                                                   \
    {                                                                                              \
        MS_PART_ESTIMATE, MS_PART_LO, MS_PART_HI                                                   \
    }
#define PARTS_CI_P                                                                                 \
    {                                                                                              \
        MS_PART_ESTIMATE, MS_PART_LO, MS_PART_HI, MS_PART_P                                        \
    }
#define PARTS_SD_CI                                                                                \
    {                                                                                              \
        MS_PART_ESTIMATE, MS_PART_SD, MS_PART_LO, MS_PART_HI                                       \
    }
#define PARTS_N_CI_P                                                                               \
    {                                                                                              \
        MS_PART_COUNT, MS_PART_ESTIMATE, MS_PART_LO, MS_PART_HI, MS_PART_P                         \
    }

static const ms_arm_stat STATS[] = {
#define MS_X_ROW(key, shape, scope, outputs, members, csv, scale, unit, digits, cli_digits, cli,   \
                 en, ja)                                                                           \
    {#key,                                                                                         \
     MS_SHAPE_##shape,                                                                             \
     MS_SCOPE_##scope,                                                                             \
     outputs,                                                                                      \
     NARGS members,                                                                                \
     {STRS members},                                                                               \
     csv,                                                                                          \
     {OFFS members},                                                                               \
     PARTS_##shape,                                                                                \
     scale,                                                                                        \
     unit,                                                                                         \
     digits,                                                                                       \
     cli_digits,                                                                                   \
     cli,                                                                                          \
     en,                                                                                           \
     ja},
    MS_ARM_STAT_LIST(MS_X_ROW)
#undef MS_X_ROW
};
#define NSTATS (sizeof STATS / sizeof *STATS)

size_t ms_arm_stat_count(void)
{
    return NSTATS;
}

const ms_arm_stat *ms_arm_stat_get(size_t i)
{
    return i < NSTATS ? &STATS[i] : NULL;
}

double ms_arm_summary_value(const ms_arm_summary *s, size_t stat, size_t part)
{
    if (!s || stat >= NSTATS || part >= STATS[stat].nparts)
        return NAN;
    const char *p = (const char *)s + STATS[stat].offset[part];
    if (STATS[stat].part[part] == MS_PART_COUNT)
        return (double)*(const long *)(const void *)p;
    return *(const double *)(const void *)p;
}

int ms_arm_summary_has(const ms_arm_summary *s, size_t stat, int is_control)
{
    if (!s || stat >= NSTATS)
        return 0;
    switch (STATS[stat].scope) {
    case MS_SCOPE_ARM: return 1;
    case MS_SCOPE_VS_CONTROL: return !is_control;
    case MS_SCOPE_PAIRED: return !is_control && s->n_paired > 0;
    }
    return 0;
}

void msi_armstat_csv_header(FILE *f)
{
    for (size_t i = 0; i < NSTATS; i++)
        if (STATS[i].outputs & MS_OUT_CSV)
            fprintf(f, ",%s", STATS[i].csv);
}

/* Counts as integers, every other number as the shortest decimal that reads
 * back as the same double (so a reloaded summary compares exactly). */
void msi_armstat_csv_row(FILE *f, const ms_arm_summary *s, int is_control)
{
    for (size_t i = 0; i < NSTATS; i++) {
        const ms_arm_stat *d = &STATS[i];
        if (!(d->outputs & MS_OUT_CSV))
            continue;
        int has = ms_arm_summary_has(s, i, is_control);
        for (size_t k = 0; k < d->nparts; k++) {
            fputc(',', f);
            if (!has)
                continue;
            double v = ms_arm_summary_value(s, i, k);
            char num[40];
            if (d->part[k] == MS_PART_COUNT)
                fprintf(f, "%ld", (long)v);
            else {
                msi_shortest(num, sizeof num, v);
                fputs(num, f);
            }
        }
    }
}
