/*
 * cmd_validate.c — `moodsim validate`: the validation suite.  Every entry
 * is a targets file (the format of `moodsim calibrate`) that names a
 * published result, its interval and its source, and says whether the
 * figure was used in fitting (role: calibration) or never was (role:
 * validation).  Each is evaluated at the model file's values; one table
 * says, figure by figure, what was published, what the model gives with
 * its Monte-Carlo interval, and whether the model lies inside the
 * published interval.  A miss is a result, not an error: the exit code is
 * 0 unless an entry could not be run (2), and the other entries are still
 * evaluated and reported.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char CLI_HELP_VALIDATE[] =
    "usage: moodsim validate PATH... [--out FILE.md] [--only ROLE] [--quiet]\n"
    "\n"
    "Runs a validation suite.  Every PATH is a targets file, a calibration plan (its\n"
    "steps' and checks' targets) or a directory of them (*.yaml, in name order); each\n"
    "names published results with their intervals and sources, and a role:\n"
    "calibration (figures fitting may use) or validation (figures the model is tested\n"
    "on and never fitted to: such a file has no fit:, and calibrate refuses to fit it).\n"
    "Each is evaluated at the model file's values and one table printed: published\n"
    "value and interval, simulated value with its Monte-Carlo 95 % interval (+-1.96\n"
    "sampling SE over the virtual patients; '-' where a statistic has none), and\n"
    "whether the simulated value lies inside the published interval.\n"
    "\n"
    "  --out FILE.md   also write the table as Markdown (through a temporary file)\n"
    "  --only ROLE     only the entries of one role: calibration or validation\n"
    "  --quiet         no progress lines on stderr\n"
    "\n"
    "Exit code 0 when every entry ran, whatever it found (a miss is a result); 2 if an\n"
    "entry could not be loaded or run (its message printed, the others still run).\n"
    "The flagship model's suite: make validate (validation/ and the calibration plan;\n"
    "docs/validation.md).\n";

#define MAX_ENTRIES 256

/* One entry to evaluate: a targets file, and the scenario replacing its own
 * (a plan's check), or NULL.  Both owned. */
typedef struct {
    char *path, *scenario;
} entry;

/* A growing text buffer for the Markdown table. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0 || t->oom)
        return;
    if (t->n + (size_t)k + 1 > t->cap) {
        size_t cap = (t->cap ? 2 * t->cap : 4096) + (size_t)k;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->oom = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

/* Adds a file to list: a targets file as it is, a calibration plan as its
 * stages (each fitted step's targets but those of a step that keeps
 * nothing, and each check's targets on its scenario).  -1 with a message if
 * it cannot be read. */
static int add_file(ms_context *ctx, const char *path, entry *list, size_t *n)
{
    ms_calplan *p = NULL;
    ms_status st = ms_calplan_load(ctx, path, &p);
    if (st) {
        cli_report(ctx, st);
        return -1;
    }
    size_t k = ms_calplan_single(p) ? 1 : ms_calplan_stage_count(p);
    for (size_t i = 0; i < k; i++) {
        int check = 0;
        const char *sc = NULL;
        const char *stage = ms_calplan_single(p) ? path : ms_calplan_stage(p, i, &check, &sc);
        /* a step that keeps nothing fits another population (its values
         * are not the model file's): nothing to evaluate here */
        if (!ms_calplan_single(p) && !check && ms_calplan_stage_keeps(p, i) == 0)
            continue;
        if (*n >= MAX_ENTRIES || !(list[*n].path = strdup(stage)) ||
            (sc && !(list[*n].scenario = strdup(sc)))) {
            fprintf(stderr, "moodsim validate: more than %d entries, or out of memory\n",
                    MAX_ENTRIES);
            ms_calplan_free(p);
            return -1;
        }
        (*n)++;
    }
    ms_calplan_free(p);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path (a file, or a plan: add_file) or the *.yaml files of path (a
 * directory, in name order) to list; -1 with a message if path cannot be
 * read. */
static int collect(ms_context *ctx, const char *path, entry *list, size_t *n)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "moodsim validate: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return add_file(ctx, path, list, n);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "moodsim validate: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *names[MAX_ENTRIES];
    size_t k = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0 || e->d_name[0] == '.')
            continue;
        size_t sz = strlen(path) + len + 2;
        if (k >= MAX_ENTRIES || !(names[k] = malloc(sz))) {
            fprintf(stderr, "moodsim validate: more than %d entries, or out of memory\n",
                    MAX_ENTRIES);
            rc = -1;
            break;
        }
        snprintf(names[k++], sz, "%s/%s", path, e->d_name);
    }
    closedir(d);
    qsort(names, k, sizeof *names, by_name);
    if (!rc && k == 0) {
        fprintf(stderr, "moodsim validate: %s: no *.yaml entries\n", path);
        rc = -1;
    }
    for (size_t i = 0; i < k; i++) {
        if (!rc && add_file(ctx, names[i], list, n) < 0)
            rc = -1;
        free(names[i]);
    }
    return rc;
}

/* Markdown cells must not contain a bar or a newline. */
static void put_cell(text *t, const char *s)
{
    for (; *s; s++)
        put(t, "%s", *s == '|' ? "\\|" : *s == '\n' ? " " : (char[2]){*s, 0});
}

/* path relative to the working directory where it lies under it (the
 * model a scenario names is reached through ../..), else as given. */
static const char *shown_path(const char *path, char *buf, size_t n)
{
    char abs[PATH_MAX], cwd[PATH_MAX];
    if (!realpath(path, abs) || !getcwd(cwd, sizeof cwd))
        return path;
    size_t k = strlen(cwd);
    if (strncmp(abs, cwd, k) == 0 && abs[k] == '/')
        snprintf(buf, n, "%s", abs + k + 1);
    else
        snprintf(buf, n, "%s", abs);
    return buf;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cmd_validate(const cli_command *cmd, int argc, char **argv)
{
    enum { O_OUT = 2, O_ONLY, O_QUIET };
    static const struct option opts[] = {{"out", required_argument, NULL, O_OUT},
                                         {"only", required_argument, NULL, O_ONLY},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {0}};
    const char *out = NULL, *v;
    int only = -1, quiet = 0, o;
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    while ((o = cli_next(&a, &v)) > 0) {
        switch (o) {
        case O_OUT: out = v; break;
        case O_QUIET: quiet = 1; break;
        case O_ONLY:
            if (strcmp(v, "validation") == 0)
                only = 1;
            else if (strcmp(v, "calibration") == 0)
                only = 0;
            else
                return cli_usage(cmd, "--only '%s'; expected calibration or validation", v);
            break;
        }
    }
    if (o < 0 || cli_positionals(&a, 1, CLI_MAX_POS, "targets files or directories") < 0)
        return a.rc;
    entry list[MAX_ENTRIES] = {{0}};
    size_t n = 0;
    int rc = EXIT_OK;
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    for (int i = 0; i < a.npos; i++)
        if (collect(ctx, a.pos[i], list, &n) < 0)
            rc = EXIT_INPUT;
    if (rc) {
        for (size_t i = 0; i < n; i++) {
            free(list[i].path);
            free(list[i].scenario);
        }
        ms_context_free(ctx);
        return rc;
    }
    text md = {0};
    put(&md, "| role | entry | figure | published [95 %% interval] | simulated [Monte-Carlo 95 %%] "
             "| inside | source |\n|---|---|---|---|---|---|---|\n");
    long figs[2] = {0}, inside[2] = {0}, entries[2] = {0}, failed = 0;
    printf("%-4s %-56s %-26s %-28s %s\n", "role", "entry / figure", "published [95% int.]",
           "simulated [MC 95%]", "inside");
    for (size_t i = 0; i < n; i++) {
        double t0 = now();
        if (!quiet)
            fprintf(stderr, "[%zu/%zu] %s%s%s ...\n", i + 1, n, list[i].path,
                    list[i].scenario ? " on " : "", list[i].scenario ? list[i].scenario : "");
        ms_calibration *c = NULL;
        ms_status st = ms_calibration_evaluate(ctx, list[i].path, list[i].scenario, &c);
        if (st) {
            cli_report(ctx, st);
            printf("%-4s %s: could not be evaluated (see stderr)\n", "!", list[i].path);
            put(&md, "| ! | `%s` | could not be evaluated | | | | |\n", list[i].path);
            failed++;
            rc = EXIT_INPUT;
            continue;
        }
        int role = ms_calibration_is_validation(c);
        if (only >= 0 && role != only) {
            ms_calibration_free(c);
            continue;
        }
        entries[role]++;
        const char *rname = role ? "V" : "C";
        char shown[PATH_MAX], shown_sc[PATH_MAX], label[512];
        snprintf(label, sizeof label, "%s%s%s", ms_calibration_name(c),
                 list[i].scenario ? " on " : "",
                 list[i].scenario ? shown_path(list[i].scenario, shown_sc, sizeof shown_sc) : "");
        printf("%-4s %s (%s, %.0f s)\n", rname, label,
               shown_path(ms_calibration_model_path(c), shown, sizeof shown), now() - t0);
        for (size_t k = 0; k < ms_calibration_target_count(c); k++) {
            double val, lo, hi, got;
            const char *src;
            const char *name = ms_calibration_target(c, k, &val, &lo, &hi, &got, &src);
            double se = ms_calibration_target_se(c, k);
            int in = got >= lo && got <= hi;
            figs[role]++;
            inside[role] += in;
            char pub[64], sim[64];
            snprintf(pub, sizeof pub, "%.4g [%.4g, %.4g]", val, lo, hi);
            if (isfinite(se))
                snprintf(sim, sizeof sim, "%.4g [%.4g, %.4g]", got, got - 1.96 * se,
                         got + 1.96 * se);
            else
                snprintf(sim, sizeof sim, "%.4g [-]", got);
            printf("     %-56.56s %-26s %-28s %s\n", name, pub, sim,
                   isnan(got) ? "n/a"
                   : in       ? "yes"
                              : "no");
            put(&md, "| %s | %s | ", role ? "validation" : "calibration", label);
            put_cell(&md, name);
            put(&md, " | %s | %s | %s | ", pub, sim, isnan(got) ? "n/a" : in ? "yes" : "**no**");
            put_cell(&md, src);
            put(&md, " |\n");
        }
        ms_calibration_free(c);
    }
    char sum[512];
    snprintf(sum, sizeof sum,
             "validation: %ld of %ld figures inside the published interval (%ld %s, "
             "never fitted); calibration: %ld of %ld (%ld %s)%s",
             inside[1], figs[1], entries[1], entries[1] == 1 ? "entry" : "entries", inside[0],
             figs[0], entries[0], entries[0] == 1 ? "entry" : "entries",
             failed ? "; some entries could not be evaluated" : "");
    printf("\n%s\n", sum);
    put(&md, "\n%s.\n", sum);
    if (out && !md.oom) {
        ms_status st = ms_write_file(ctx, out, md.s, md.n);
        if (st) {
            cli_report(ctx, st);
            rc = EXIT_INTERNAL;
        } else if (!quiet) {
            fprintf(stderr, "table written to %s\n", out);
        }
    } else if (md.oom) {
        fprintf(stderr, "moodsim validate: out of memory\n");
        rc = EXIT_INTERNAL;
    }
    free(md.s);
    for (size_t i = 0; i < n; i++) {
        free(list[i].path);
        free(list[i].scenario);
    }
    ms_context_free(ctx);
    return rc;
}
