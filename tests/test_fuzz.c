/*
 * test_fuzz.c — mutation fuzzing of every parser, run under AddressSanitizer
 * and UndefinedBehaviorSanitizer by `make check`: each seed file (models,
 * protocols, scenarios) is mutated thousands of times — bytes flipped,
 * inserted, deleted, lines duplicated or swapped, numbers replaced by
 * extremes — and loaded.  A load must return a status (never crash, hang or
 * leak); a failure must come with a message naming the file.  The mutations
 * are deterministic (a fixed seed), so a failure reproduces.  SBML files go
 * through the whole SBML path (libxml2's check, libSBML, the importer).
 * usage: test_fuzz SOURCE_DIR ITERATIONS_PER_SEED
 */
#include "moodsim.h"
#include "testlib.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[len] = '\0';
        *n = (size_t)len;
    }
    return b;
}

static const char *const EXTREMES[] = {
    "1e999", "-1e999", "nan", ".inf",   "0",        "-0", "1e-320", "99999999999999999999",
    "[",     "]",      "{",   "}",      ":",        "&a", "*a",     "!!binary",
    "'",     "\"",     "\t",  "\n  - ", "%YAML 1.1"};

/* One mutation of buf (capacity cap) in place; returns the new length. */
static size_t mutate(char *buf, size_t n, size_t cap)
{
    size_t pos = n ? next() % n : 0;
    switch (next() % 6) {
    case 0: /* flip a byte */
        if (n)
            buf[pos] = (char)(next() & 0xff);
        return n;
    case 1: /* delete a run */ {
        size_t len = 1 + next() % 8;
        if (pos + len > n)
            len = n - pos;
        memmove(buf + pos, buf + pos + len, n - pos - len);
        return n - len;
    }
    case 2: /* insert an extreme token */ {
        const char *e = EXTREMES[next() % (sizeof EXTREMES / sizeof *EXTREMES)];
        size_t len = strlen(e);
        if (n + len >= cap)
            return n;
        memmove(buf + pos + len, buf + pos, n - pos);
        memcpy(buf + pos, e, len);
        return n + len;
    }
    case 3: /* duplicate a slice */ {
        size_t len = 1 + next() % 64;
        if (pos + len > n)
            len = n - pos;
        if (n + len >= cap)
            return n;
        memmove(buf + pos + len, buf + pos, n - pos);
        return n + len;
    }
    case 4: /* truncate */ return pos;
    default: /* replace a digit run by another number */
        for (size_t i = pos; i < n; i++)
            if (buf[i] >= '0' && buf[i] <= '9') {
                buf[i] = (char)('0' + next() % 10);
                break;
            }
        return n;
    }
}

static int run_seed(const char *dir, const char *rel, int kind, long iterations, ms_context *ctx,
                    const ms_model *fixture)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t n0;
    char *orig = slurp(path, &n0);
    CHECK(orig != NULL, "read %s", path);
    if (!orig)
        return 0;
    if (kind == 2) { /* a scenario's paths are relative to it: make them absolute */
        char *abs = malloc(n0 * 4 + 4096), *o = abs;
        for (const char *q = orig; *q;) {
            const char *keys[] = {"model: ", "protocol: "};
            int hit = 0;
            for (int k = 0; k < 2 && !hit; k++)
                if (strncmp(q, keys[k], strlen(keys[k])) == 0) {
                    o += sprintf(o, "%s%s/tests/trial/", keys[k], dir);
                    q += strlen(keys[k]);
                    hit = 1;
                }
            if (!hit)
                *o++ = *q++;
        }
        *o = '\0';
        free(orig);
        orig = abs;
        n0 = strlen(abs);
    }
    size_t cap = n0 * 2 + 4096;
    char *buf = malloc(cap);
    char tmp[] = "/tmp/moodsim-fuzz-XXXXXX.yaml", tmpx[] = "/tmp/moodsim-fuzz-XXXXXX.xml";
    int fd = kind == 3 ? mkstemps(tmpx, 4) : mkstemps(tmp, 5);
    close(fd);
    long rejected = 0, accepted = 0;
    for (long it = 0; it < iterations; it++) {
        memcpy(buf, orig, n0);
        size_t n = n0;
        int rounds = 1 + (int)(next() % 4);
        for (int r = 0; r < rounds; r++)
            n = mutate(buf, n, cap);
        ms_status st;
        if (kind == 0) {
            ms_model *m = NULL;
            st = ms_model_load_string(ctx, "fuzz.yaml", buf, n, &m);
            ms_model_free(m);
        } else if (kind == 3) { /* SBML: a file ending in .xml */
            FILE *f = fopen(tmpx, "wb");
            fwrite(buf, 1, n, f);
            fclose(f);
            ms_model *m = NULL;
            st = ms_model_load(ctx, tmpx, &m);
            ms_model_free(m);
        } else {
            FILE *f = fopen(tmp, "wb");
            fwrite(buf, 1, n, f);
            fclose(f);
            if (kind == 1) {
                ms_protocol *p = NULL;
                st = ms_protocol_read(ctx, tmp, &p);
                if (!st && fixture) {
                    ms_events *ev = NULL;
                    ms_patient pt = {1, 1, 70, 1};
                    st = ms_protocol_compile(ctx, p, fixture, &pt, &ev);
                    ms_events_free(ev);
                }
                ms_protocol_free(p);
            } else {
                ms_scenario *sc = NULL;
                st = ms_scenario_load(ctx, tmp, &sc);
                ms_scenario_free(sc);
            }
        }
        if (st == MS_OK) {
            accepted++;
        } else {
            rejected++;
            if (!*ms_errmsg(ctx))
                CHECK(0, "%s mutation %ld: status %d without a message", rel, it, st);
        }
    }
    printf("%s: %ld mutations, %ld rejected with a message, %ld still valid\n", rel, iterations,
           rejected, accepted);
    t_pass++;
    unlink(kind == 3 ? tmpx : tmp);
    free(buf);
    free(orig);
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    long iterations = argc > 2 ? atol(argv[2]) : 500;
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return 2;
    char fx[512];
    snprintf(fx, sizeof fx, "%s/tests/models/treatment_inputs.yaml", dir);
    ms_model *fixture = NULL;
    CHECK(ms_model_load(ctx, fx, &fixture) == MS_OK, "fixture");
    run_seed(dir, "models/depression_inflammation.yaml", 0, iterations, ctx, NULL);
    run_seed(dir, "tests/models/functions.yaml", 0, iterations, ctx, NULL);
    run_seed(dir, "protocols/tms_exosome_nmn.yaml", 1, iterations, ctx, fixture);
    run_seed(dir, "protocols/anti_cytokine.yaml", 1, iterations, ctx, fixture);
    run_seed(dir, "tests/trial/closed_form_scenario.yaml", 2, iterations / 5, ctx, NULL);
    /* SBML: slower to load (two XML parses), so a fifth of the iterations */
    run_seed(dir, "tests/sbml/time_in_days.xml", 3, iterations / 5, ctx, NULL);
    run_seed(dir, "tests/sbml/l1_denominator.xml", 3, iterations / 5, ctx, NULL);
    run_seed(dir, "tests/sbml/hostile/recursive_function.xml", 3, iterations / 5, ctx, NULL);
    ms_model_free(fixture);
    ms_context_free(ctx);
    return test_done("fuzz");
}
