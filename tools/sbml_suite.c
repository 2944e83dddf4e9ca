/*
 * sbml_suite.c — runs the SBML Test Suite's semantic cases through moodsim
 * and compares with the expected results by the suite's own criterion:
 * |expected - actual| <= absolute + relative * |expected| at every point.
 * Writes OUT/NNNNN-moodsim.csv (the case's layout) and OUT/results.csv
 * (case, result, reason), and prints a summary with counts by component
 * tag.  Unsupported cases (refused by the importer) are counted, never
 * hidden.  With --expect FILE, exits non-zero if a case listed there (one
 * case number a line) does not pass: a regression test.  --method dirk
 * runs every case with the DIRK integrator instead of BDF; --native
 * compiles every case's model to machine code first (about 60 ms each).
 * usage: sbml_suite SUITE_CASES_DIR OUT_DIR [FIRST LAST] [--expect FILE] [--method bdf|dirk]
 *        [--native]
 */
#include "moodsim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 256

typedef struct {
    double start, duration, abs_tol, rel_tol;
    int steps;
    char vars[MAXV][128];
    int nvars;
    char amount[MAXV][128], conc[MAXV][128];
    int namount, nconc;
} settings;

static void trim(char *s)
{
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    char *b = s;
    while (isspace((unsigned char)*b))
        b++;
    memmove(s, b, strlen(b) + 1);
}

static int split(char *list, char out[][128], int max)
{
    int n = 0;
    for (char *tok = strtok(list, ","); tok && n < max; tok = strtok(NULL, ",")) {
        trim(tok);
        if (*tok)
            snprintf(out[n++], 128, "%s", tok);
    }
    return n;
}

static int read_settings(const char *path, settings *s)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    memset(s, 0, sizeof *s);
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!c)
            continue;
        *c = '\0';
        char *key = line, *val = c + 1;
        trim(key);
        trim(val);
        if (!strcmp(key, "start"))
            s->start = atof(val);
        else if (!strcmp(key, "duration"))
            s->duration = atof(val);
        else if (!strcmp(key, "steps"))
            s->steps = atoi(val);
        else if (!strcmp(key, "absolute"))
            s->abs_tol = atof(val);
        else if (!strcmp(key, "relative"))
            s->rel_tol = atof(val);
        else if (!strcmp(key, "variables"))
            s->nvars = split(val, s->vars, MAXV);
        else if (!strcmp(key, "amount"))
            s->namount = split(val, s->amount, MAXV);
        else if (!strcmp(key, "concentration"))
            s->nconc = split(val, s->conc, MAXV);
    }
    fclose(f);
    return s->steps > 0 ? 0 : -1;
}

static int in_list(char list[][128], int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], v))
            return 1;
    return 0;
}

/* tags of a case, from NNNNN-model.m */
static void read_tags(const char *path, char *tags, size_t n)
{
    tags[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "componentTags:", 14)) {
            snprintf(tags, n, "%s", line + 14);
            trim(tags);
            break;
        }
    fclose(f);
}

typedef struct {
    char tag[64];
    int pass, fail, unsup;
} tagcount;

static tagcount tc[256];
static int ntc;

static void count_tags(const char *tags, int result)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", tags);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        trim(tok);
        int i;
        for (i = 0; i < ntc; i++)
            if (!strcmp(tc[i].tag, tok))
                break;
        if (i == ntc && ntc < 256)
            snprintf(tc[ntc++].tag, sizeof tc[0].tag, "%s", tok);
        if (i < 256) {
            if (result == 0)
                tc[i].pass++;
            else if (result == 1)
                tc[i].fail++;
            else
                tc[i].unsup++;
        }
    }
}

/* Runs one case: 0 pass, 1 fail, 2 unsupported. */
static ms_method method = MS_METHOD_BDF;      /* --method */
static int native;                            /* --native */
static double g_rtol = 1e-10, g_atol = 1e-14; /* --rtol, --atol: the simulator's tolerances */

static int run_case(ms_context *ctx, const char *dir, int num, const char *out, char *reason,
                    size_t rn)
{
    char base[1024], path[1200];
    snprintf(base, sizeof base, "%s/%05d/%05d", dir, num, num);
    settings s;
    snprintf(path, sizeof path, "%s-settings.txt", base);
    if (read_settings(path, &s)) {
        snprintf(reason, rn, "no time course to simulate (flux balance or steady-state case)");
        return 2;
    }
    static const char *const levels[] = {"l3v2", "l3v1", "l2v5", "l2v4", "l2v3",
                                         "l2v2", "l2v1", "l1v2", NULL};
    for (int i = 0; levels[i]; i++) {
        snprintf(path, sizeof path, "%s-sbml-%s.xml", base, levels[i]);
        FILE *probe = fopen(path, "r");
        if (probe) {
            fclose(probe);
            break;
        }
    }
    ms_model *m = NULL;
    ms_status st = ms_model_load(ctx, path, &m);
    if (st) {
        snprintf(reason, rn, "%s", ms_errmsg(ctx));
        return 2;
    }
    ms_sim *sim = NULL;
    int result = 1;
    size_t npts = (size_t)s.steps + 1;
    double *times = calloc(npts, sizeof *times), *res = NULL;
    int col[MAXV];
    if ((native && ms_model_compile_native(ctx, m)) || ms_sim_new(ctx, m, &sim) ||
        ms_sim_set_tolerances(sim, g_rtol, g_atol) || ms_sim_set_method(sim, method)) {
        snprintf(reason, rn, "%s", ms_errmsg(ctx));
        goto done;
    }
    size_t nout = ms_sim_output_count(sim), ns = ms_model_count(m, MS_STATE);
    for (int v = 0; v < s.nvars; v++) {
        char name[200];
        if (in_list(s.amount, s.namount, s.vars[v]))
            snprintf(name, sizeof name, "__amount_%s", s.vars[v]);
        else if (in_list(s.conc, s.nconc, s.vars[v]))
            snprintf(name, sizeof name, "__conc_%s", s.vars[v]);
        else
            snprintf(name, sizeof name, "%s", s.vars[v]);
        int k = ms_model_find(m, MS_OBSERVABLE, name);
        if (k < 0) /* the suite also lists compartments under amount: their size */
            k = ms_model_find(m, MS_OBSERVABLE, s.vars[v]);
        if (k < 0) {
            snprintf(reason, rn, "no output for '%s'", s.vars[v]);
            result = 2;
            goto done;
        }
        col[v] = (int)ns + k;
    }
    if (s.start != 0) {
        snprintf(reason, rn, "start time %g", s.start);
        result = 2;
        goto done;
    }
    for (size_t i = 0; i < npts; i++)
        times[i] = s.duration * (double)i / (double)s.steps;
    res = calloc(npts * nout, sizeof *res);
    ms_sim_set_max_steps(sim, 500000);
    st = ms_sim_run(sim, NULL, times, npts, res);
    if (st) {
        snprintf(reason, rn, "%s", ms_errmsg(ctx));
        goto done;
    }
    /* write our results in the case's layout */
    snprintf(path, sizeof path, "%s/%05d-moodsim.csv", out, num);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("time", f);
        for (int v = 0; v < s.nvars; v++)
            fprintf(f, ",%s", s.vars[v]);
        fputc('\n', f);
        for (size_t i = 0; i < npts; i++) {
            fprintf(f, "%.17g", times[i]);
            for (int v = 0; v < s.nvars; v++)
                fprintf(f, ",%.17g", res[i * nout + (size_t)col[v]]);
            fputc('\n', f);
        }
        fclose(f);
    }
    /* compare */
    snprintf(path, sizeof path, "%s-results.csv", base);
    FILE *e = fopen(path, "r");
    if (!e) {
        snprintf(reason, rn, "no expected results");
        goto done;
    }
    char line[65536];
    int ecol[MAXV], ne = 0;
    if (!fgets(line, sizeof line, e)) {
        fclose(e);
        goto done;
    }
    char hdr[MAXV][128];
    ne = split(line, hdr, MAXV);
    for (int v = 0; v < s.nvars; v++) {
        ecol[v] = -1;
        for (int j = 0; j < ne; j++)
            if (!strcmp(hdr[j], s.vars[v]))
                ecol[v] = j;
    }
    result = 0;
    size_t row = 0;
    while (fgets(line, sizeof line, e) && row < npts && result == 0) {
        double val[MAXV];
        int nv = 0;
        for (char *tok = strtok(line, ","); tok && nv < MAXV; tok = strtok(NULL, ","))
            val[nv++] = strtod(tok, NULL);
        for (int v = 0; v < s.nvars; v++) {
            if (ecol[v] < 0 || ecol[v] >= nv)
                continue;
            double ex = val[ecol[v]], ac = res[row * nout + (size_t)col[v]];
            int ok = (isnan(ex) && isnan(ac)) || (isinf(ex) && ex == ac) ||
                     fabs(ex - ac) <= s.abs_tol + s.rel_tol * fabs(ex);
            if (!ok) {
                snprintf(reason, rn, "%s at t = %g: expected %.10g, got %.10g", s.vars[v],
                         times[row], ex, ac);
                result = 1;
                break;
            }
        }
        row++;
    }
    if (result == 0 && row < npts) {
        snprintf(reason, rn, "expected results have %zu rows, not %zu", row, npts);
        result = 1;
    }
    fclose(e);
done:
    free(times);
    free(res);
    ms_sim_free(sim);
    ms_model_free(m);
    return result;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sbml_suite CASES_DIR OUT_DIR [FIRST LAST] [--expect FILE] "
                        "[--method bdf|dirk] [--native] [--rtol X --atol X]\n");
        return 2;
    }
    const char *dir = argv[1], *out = argv[2], *expect = NULL;
    int first = 1, last = 1821, pos = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--expect") && i + 1 < argc)
            expect = argv[++i];
        else if (!strcmp(argv[i], "--method") && i + 1 < argc) {
            int k = ms_method_from_name(argv[++i]);
            if (k < 0) {
                fprintf(stderr, "sbml_suite: unknown method '%s' (bdf, dirk)\n", argv[i]);
                return 2;
            }
            method = (ms_method)k;
        } else if (!strcmp(argv[i], "--native"))
            native = 1;
        else if (!strcmp(argv[i], "--rtol") && i + 1 < argc)
            g_rtol = atof(argv[++i]);
        else if (!strcmp(argv[i], "--atol") && i + 1 < argc)
            g_atol = atof(argv[++i]);
        else if (pos++ == 0)
            first = atoi(argv[i]);
        else
            last = atoi(argv[i]);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/results.csv", out);
    FILE *rf = fopen(path, "w");
    if (!rf) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 2;
    }
    fputs("case,result,reason\n", rf);
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL))
        return 2;
    static int outcome[2000];
    int np = 0, nf = 0, nu = 0;
    for (int c = first; c <= last && c < 2000; c++) {
        char reason[1024] = "", tags[4096];
        snprintf(path, sizeof path, "%s/%05d", dir, c);
        FILE *probe;
        snprintf(path, sizeof path, "%s/%05d/%05d-settings.txt", dir, c, c);
        if (!(probe = fopen(path, "r"))) {
            outcome[c] = -1;
            continue;
        }
        fclose(probe);
        int r = run_case(ctx, dir, c, out, reason, sizeof reason);
        outcome[c] = r;
        snprintf(path, sizeof path, "%s/%05d/%05d-model.m", dir, c, c);
        read_tags(path, tags, sizeof tags);
        count_tags(tags, r);
        for (char *q = reason; *q; q++)
            if (*q == '"' || *q == '\n')
                *q = '\'';
        fprintf(rf, "%05d,%s,\"%s\"\n", c,
                r == 0   ? "pass"
                : r == 1 ? "fail"
                         : "unsupported",
                reason);
        if (r == 0)
            np++;
        else if (r == 1)
            nf++;
        else
            nu++;
    }
    fclose(rf);
    printf("SBML test suite, cases %d-%d: %d pass, %d fail, %d unsupported (%.1f %% pass)\n", first,
           last, np, nf, nu, 100.0 * np / (np + nf + nu ? np + nf + nu : 1));
    printf("%-32s %6s %6s %6s\n", "component tag", "pass", "fail", "unsup");
    for (int i = 0; i < ntc; i++)
        printf("%-32s %6d %6d %6d\n", tc[i].tag, tc[i].pass, tc[i].fail, tc[i].unsup);
    int regress = 0;
    if (expect) {
        FILE *ef = fopen(expect, "r");
        char line[64];
        while (ef && fgets(line, sizeof line, ef)) {
            int c = atoi(line);
            if (c >= first && c <= last && c < 2000 && outcome[c] != 0) {
                fprintf(stderr, "regression: case %05d no longer passes\n", c);
                regress++;
            }
        }
        if (ef)
            fclose(ef);
        else
            regress = 1;
    }
    ms_context_free(ctx);
    printf("sbml-suite: %d passed, %d failed\n", np, nf + regress);
    return regress ? 1 : 0;
}
