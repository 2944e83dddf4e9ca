/*
 * main.c — the `moodsim` command: parses the command line, calls the
 * library, prints results and errors.  The only place that prints.
 * Subcommands: check, simulate, protocol (show, events), cohort, trial, power,
 * version, help.  Exit codes: 0 success,
 * 1 internal error (out of memory, cannot write output), 2 bad input,
 * 3 numerical failure.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "moodsim.h"
#include "mpi_transport.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int g_rank, g_ranks = 1; /* MPI: this process, and how many (mpi.c) */

enum { EXIT_OK = 0, EXIT_INTERNAL = 1, EXIT_INPUT = 2, EXIT_NUMERIC = 3 };

static int exit_code(ms_status st)
{
    switch (st) {
    case MS_OK: return EXIT_OK;
    case MS_ERR_SOLVER: return EXIT_NUMERIC;
    case MS_ERR_NOMEM:
    case MS_ERR_WRITE: return EXIT_INTERNAL;
    default: return EXIT_INPUT;
    }
}

static int report(ms_context *ctx, ms_status st)
{
    const char *msg = ms_errmsg(ctx);
    fprintf(stderr, "%s\n", msg && *msg ? msg : ms_strerror(st));
    return exit_code(st);
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "moodsim %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'moodsim %s --help')\n", cmd);
    return EXIT_INPUT;
}

static const char *HELP_MAIN =
    "moodsim " MS_VERSION " - mechanistic simulation of inflammation-linked depression and its\n"
    "treatments (TMS, exosome and NMN infusions), and an ODE engine for your own models.\n"
    "\n"
    "usage: moodsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  check MODEL        load and validate a model; print its states, parameters and the\n"
    "                     source or hypothesis behind every parameter\n"
    "  simulate MODEL     simulate a model, optionally under a protocol, into a CSV file\n"
    "  protocol show FILE     print a protocol as a week-by-week calendar\n"
    "  protocol events FILE   export a protocol's events (CSV or NONMEM convention)\n"
    "  cohort MODEL       draw virtual patients from a model's variability section\n"
    "  trial SCENARIO     run a virtual trial: CSV results and an HTML report\n"
    "  power SCENARIO     patients per arm needed for the scenario's power target\n"
    "  calibrate TARGETS  fit population parameters to published figures\n"
    "  export MODEL --sbml OUT.xml   write a model as SBML Level 3 Version 2\n"
    "  version            print the version\n"
    "  help [COMMAND]     this text, or a command's help\n"
    "\n"
    "Exit codes: 0 success, 1 internal error, 2 bad input, 3 numerical failure.\n"
    "Docs: docs/model-format.md, docs/protocol-format.md\n";

static const char *HELP_CHECK =
    "usage: moodsim check MODEL.yaml [--ledger]\n"
    "\n"
    "Loads MODEL, checks every name, unit, formula and citation, compiles it, and prints\n"
    "its states, parameters (each with its source or its hypothesis), inputs, rules in\n"
    "dependency order, observables and the size of the exact Jacobian.  Errors name the\n"
    "file, line and column; the exit code is then 2.\n"
    "\n"
    "--ledger prints only the evidence ledger, one parameter (or distribution) a line,\n"
    "tab-separated: name, value, unit, evidence level, basis (source: or hypothesis:).\n";

static void ledger_field(const char *s)
{
    for (; s && *s; s++)
        putchar(*s == '\t' || *s == '\n' ? ' ' : *s);
}

static void print_ledger(const ms_model *m)
{
    printf("parameter\tvalue\tunit\tevidence\tbasis\n");
    for (size_t i = 0; i < ms_model_count(m, MS_PARAM); i++) {
        ms_symbol s;
        ms_model_symbol(m, MS_PARAM, i, &s);
        printf("%s\t%.6g\t", s.name, s.value);
        ledger_field(s.unit);
        printf("\t%s\t%s", s.evidence ? s.evidence : "unstated",
               s.hypothesis ? "hypothesis: " : "source: ");
        ledger_field(s.hypothesis ? s.hypothesis : s.source);
        if (s.contested) {
            printf(" [contested: ");
            ledger_field(s.contested);
            putchar(']');
        }
        if (s.claim)
            printf(" [claim: null 0, as-claimed %g]", s.as_claimed);
        putchar('\n');
    }
    for (size_t i = 0; i < ms_model_variability_count(m); i++) {
        ms_variability v;
        ms_model_variability(m, i, &v);
        printf("%s (between patients)\t", v.param);
        ledger_field(v.summary);
        printf("\t\t%s\t%s", v.evidence ? v.evidence : "unstated",
               v.hypothesis ? "hypothesis: " : "source: ");
        ledger_field(v.hypothesis ? v.hypothesis : v.source);
        putchar('\n');
    }
}

static const char *HELP_SIMULATE =
    "usage: moodsim simulate MODEL.yaml --days N --out FILE.csv [options]\n"
    "\n"
    "Simulates MODEL from t = 0 for N days and writes a tidy CSV: time_h, then one column\n"
    "per state and observable, one row per output time.\n"
    "\n"
    "options:\n"
    "  --days N           length of the simulation in days (required, > 0)\n"
    "  --out FILE         output CSV ('-' for standard output) (required)\n"
    "  --every HOURS      output interval in hours (default 1)\n"
    "  --protocol FILE    doses and stimulation to apply (docs/protocol-format.md); a\n"
    "                     .csv file is read as NONMEM-style doses (ID,TIME,EVID,CMT,AMT,RATE)\n"
    "  --set NAME=VALUE   override a parameter's value (repeatable)\n"
    "  --weight KG        body weight, for doses in mg/kg\n"
    "  --rtol X           relative tolerance (default 1e-6)\n"
    "  --atol X           absolute tolerance (default 1e-9)\n"
    "  --method M         integration method: bdf (default; CVODE) or dirk (ARKODE's\n"
    "                     order-5 diagonally implicit Runge-Kutta); a second, independent\n"
    "                     integrator to check a result against\n"
    "\n"
    "Exit codes: 0 success, 1 cannot write output, 2 bad input, 3 the integration failed\n"
    "(the rows before the failure are kept in the CSV).\n";

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

static int parse_num(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* ----------------------------------------------------------------- check */

static void print_wrapped(const char *label, const char *text)
{
    printf("      %-11s %s\n", label, text);
}

static int cmd_check(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(HELP_CHECK, stdout);
        return EXIT_OK;
    }
    int ledger = 0;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--ledger") == 0)
            ledger = 1;
        else if (argv[i][0] == '-')
            return usage_error("check", "unknown option '%s'", argv[i]);
        else if (path)
            return usage_error("check", "expected exactly one MODEL file%s", "");
        else
            path = argv[i];
    }
    if (!path)
        return usage_error("check", "expected exactly one MODEL file%s", "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m;
    ms_status st = ms_model_load(ctx, path, &m);
    if (st != MS_OK) {
        int rc = report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    if (ledger) {
        print_ledger(m);
        ms_model_free(m);
        ms_context_free(ctx);
        return EXIT_OK;
    }
    ms_symbol s;
    printf("model %s (%s)\n", ms_model_name(m), path);
    if (*ms_model_description(m))
        printf("  %s\n", ms_model_description(m));
    size_t n = ms_model_count(m, MS_STATE);
    printf("\nstates (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        ms_model_symbol(m, MS_STATE, i, &s);
        printf("  %-18s [%s]  initial %s", s.name, s.unit, s.init);
        if (s.abs_tol > 0)
            printf("  abs_tol %g", s.abs_tol);
        printf("\n");
        print_wrapped("d/dt =", s.expr);
    }
    n = ms_model_count(m, MS_PARAM);
    size_t nhyp = 0;
    printf("\nparameters (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        ms_model_symbol(m, MS_PARAM, i, &s);
        printf("  %-18s = %-12.6g [%s]%s%s", s.name, s.value, s.unit,
               s.evidence ? "  evidence: " : "", s.evidence ? s.evidence : "");
        if (s.claim)
            printf("  claim: null 0, as-claimed %g", s.as_claimed);
        printf("\n");
        if (s.source)
            print_wrapped("source:", s.source);
        if (s.hypothesis) {
            print_wrapped("hypothesis:", s.hypothesis);
            nhyp++;
        }
        if (s.contested)
            print_wrapped("contested:", s.contested);
    }
    n = ms_model_count(m, MS_INPUT);
    if (n) {
        printf("\ninputs (%zu):\n", n);
        for (size_t i = 0; i < n; i++) {
            ms_model_symbol(m, MS_INPUT, i, &s);
            if (s.input_kind == MS_INPUT_BOLUS) {
                ms_symbol tgt;
                ms_model_symbol(m, MS_STATE, (size_t)s.target, &tgt);
                printf("  %-18s bolus [%s] -> adds to %s\n", s.name, s.unit, tgt.name);
            } else {
                printf("  %-18s %s [%s], default %g\n", s.name,
                       s.input_kind == MS_INPUT_RATE ? "rate" : "level", s.unit, s.value);
            }
        }
    }
    n = ms_model_count(m, MS_RULE);
    if (n) {
        printf("\nrules (%zu, in dependency order):\n", n);
        for (size_t i = 0; i < n; i++) {
            ms_model_symbol(m, MS_RULE, i, &s);
            printf("  %-18s = %s%s%s%s\n", s.name, s.expr, s.unit ? "  [" : "",
                   s.unit ? s.unit : "", s.unit ? "]" : "");
        }
    }
    n = ms_model_count(m, MS_OBSERVABLE);
    if (n) {
        printf("\nobservables (%zu):\n", n);
        for (size_t i = 0; i < n; i++) {
            ms_model_symbol(m, MS_OBSERVABLE, i, &s);
            printf("  %-18s = %s  [%s]\n", s.name, s.expr, s.unit);
        }
    }
    size_t ns = ms_model_count(m, MS_STATE);
    printf("\nexact Jacobian: %zu nonzero entries of %zu\n", ms_model_jacobian_nnz(m), ns * ns);
    printf("%zu of %zu parameters rest on a hypothesis rather than a source\n", nhyp,
           ms_model_count(m, MS_PARAM));
    ms_model_free(m);
    ms_context_free(ctx);
    return EXIT_OK;
}

/* -------------------------------------------------------------- simulate */

static int cmd_simulate(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(HELP_SIMULATE, stdout);
        return EXIT_OK;
    }
    const char *model_path = NULL, *out_path = NULL, *proto_path = NULL;
    double days = -1, every = 1, rtol = 1e-6, atol = 1e-9, weight = NAN;
    int method = MS_METHOD_BDF;
    const char *sets[256];
    int nsets = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (model_path)
                return usage_error("simulate", "unexpected argument '%s'", a);
            model_path = a;
            continue;
        }
        if (!has_val)
            return usage_error("simulate", "option '%s' needs a value", a);
        const char *v = argv[++i];
        double *num = NULL;
        if (strcmp(a, "--days") == 0)
            num = &days;
        else if (strcmp(a, "--every") == 0)
            num = &every;
        else if (strcmp(a, "--rtol") == 0)
            num = &rtol;
        else if (strcmp(a, "--atol") == 0)
            num = &atol;
        else if (strcmp(a, "--weight") == 0)
            num = &weight;
        else if (strcmp(a, "--out") == 0)
            out_path = v;
        else if (strcmp(a, "--protocol") == 0)
            proto_path = v;
        else if (strcmp(a, "--method") == 0) {
            if ((method = ms_method_from_name(v)) < 0)
                return usage_error("simulate", "--method '%s': expected bdf or dirk", v);
        } else if (strcmp(a, "--set") == 0) {
            if (nsets == 256)
                return usage_error("simulate", "too many --set options (limit 256)%s", "");
            sets[nsets++] = v;
        } else
            return usage_error("simulate", "unknown option '%s'", a);
        if (num && parse_num(v, num) != 0)
            return usage_error("simulate", "'%s' is not a finite number", v);
    }
    if (!model_path)
        return usage_error("simulate", "expected a MODEL file%s", "");
    if (days <= 0)
        return usage_error("simulate", "expected --days N with N > 0%s", "");
    if (days > 365.0 * 100)
        return usage_error("simulate", "--days is limited to 100 years%s", "");
    if (!(every > 0))
        return usage_error("simulate", "expected --every HOURS with HOURS > 0%s", "");
    if (!out_path)
        return usage_error("simulate", "expected --out FILE.csv%s", "");
    double n_pts = floor(days * 24.0 / every + 1e-9) + 1;
    if (n_pts > 1e7)
        return usage_error("simulate", "more than 10 million output rows; raise --every%s", "");

    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_events *ev = NULL;
    ms_sim *sim = NULL;
    double *times = NULL, *out = NULL;
    FILE *f = NULL;
    int rc = EXIT_OK;
    ms_patient pt = {0, 0, weight, 0}; /* the protocol as written, at this weight */
    ms_status st = ms_model_load(ctx, model_path, &m);
    if (!st && proto_path)
        st = ms_protocol_load(ctx, m, proto_path, &pt, &ev);
    if (!st)
        st = ms_sim_new(ctx, m, &sim);
    if (!st)
        st = ms_sim_set_tolerances(sim, rtol, atol);
    if (!st)
        st = ms_sim_set_method(sim, (ms_method)method);
    for (int k = 0; !st && k < nsets; k++) {
        const char *eq = strchr(sets[k], '=');
        char name[256];
        double v;
        if (!eq || (size_t)(eq - sets[k]) >= sizeof name || parse_num(eq + 1, &v) != 0) {
            rc = usage_error("simulate", "--set '%s': expected NAME=NUMBER", sets[k]);
            goto done;
        }
        memcpy(name, sets[k], (size_t)(eq - sets[k]));
        name[eq - sets[k]] = '\0';
        int idx = ms_model_find(m, MS_PARAM, name);
        if (idx < 0) {
            rc = usage_error("simulate", "--set: '%s' is not a parameter of the model", name);
            goto done;
        }
        st = ms_sim_set_param(sim, (size_t)idx, v);
    }
    if (st) {
        rc = report(ctx, st);
        goto done;
    }
    size_t nt = (size_t)n_pts, nout = ms_sim_output_count(sim);
    times = malloc(nt * sizeof *times);
    out = malloc(nt * nout * sizeof *out);
    if (!times || !out) {
        fprintf(stderr, "moodsim simulate: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    for (size_t k = 0; k < nt; k++)
        times[k] = (double)k * every;
    st = ms_sim_run(sim, ev, times, nt, out);
    size_t rows = ms_sim_rows_done(sim);
    if (st != MS_OK && st != MS_ERR_SOLVER) {
        rc = report(ctx, st);
        goto done;
    }
    f = strcmp(out_path, "-") == 0 ? stdout : fopen(out_path, "w");
    if (!f) {
        fprintf(stderr, "%s: cannot write: %s\n", out_path, strerror(errno));
        rc = EXIT_INTERNAL;
        goto done;
    }
    fputs("time_h", f);
    for (size_t j = 0; j < nout; j++)
        fprintf(f, ",%s", ms_sim_output_name(sim, j));
    fputc('\n', f);
    for (size_t k = 0; k < rows; k++) {
        fprintf(f, "%.10g", times[k]);
        for (size_t j = 0; j < nout; j++)
            fprintf(f, ",%.10g", out[k * nout + j]);
        fputc('\n', f);
    }
    if (ferror(f) || (f != stdout && fclose(f) != 0) || (f == stdout && fflush(f) != 0)) {
        fprintf(stderr, "%s: write error\n", out_path);
        rc = EXIT_INTERNAL;
    }
    f = NULL;
    if (rc == EXIT_OK && st == MS_ERR_SOLVER) {
        fprintf(stderr, "%s (%zu of %zu rows written)\n", ms_errmsg(ctx), rows, nt);
        rc = EXIT_NUMERIC;
    }
done:
    free(times);
    free(out);
    ms_sim_free(sim);
    ms_events_free(ev);
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}

/* -------------------------------------------------------------- protocol */

static const char *HELP_PROTOCOL =
    "usage: moodsim protocol show FILE [--weeks N] [--patient ID --seed S] [--weight KG]\n"
    "       moodsim protocol events FILE [--format csv|nonmem] [--model MODEL]\n"
    "                               [--patient ID --seed S] [--weight KG] [--out FILE]\n"
    "\n"
    "show     prints the protocol as a week-by-week calendar (week 0 is the first week),\n"
    "         one letter per session or dose, with a legend and totals.  With --patient\n"
    "         and --seed, the calendar of that virtual patient: missed sessions in\n"
    "         lower case.\n"
    "events   writes the event table: CSV (time_h, day, date, weekday, clock, treatment,\n"
    "         input, kind, amount, level, duration_h) or the NONMEM data convention\n"
    "         (ID,TIME,EVID,CMT,AMT,RATE; TIME in hours, one '#' line maps CMT to inputs;\n"
    "         with --model, CMT is the model's input number).  With --model, inputs,\n"
    "         kinds and dose units are checked against the model.\n"
    "\n"
    "options:\n"
    "  --weeks N          show only the first N weeks\n"
    "  --patient ID       a virtual patient (missed sessions are drawn for it)\n"
    "  --seed S           the trial's random seed (default 1)\n"
    "  --weight KG        body weight, needed by doses in mg/kg\n"
    "  --format F         csv (default) or nonmem\n"
    "  --model MODEL      check against this model (events)\n"
    "  --out FILE         output file (default: standard output)\n";

/* One letter per treatment: its initial, or the next unused letter of its name. */
static void assign_letters(const ms_protocol *p, char *letters)
{
    size_t n = ms_protocol_treatment_count(p);
    for (size_t i = 0; i < n; i++) {
        const char *name = ms_protocol_treatment_name(p, i);
        char c = 0;
        for (const char *q = name; *q && !c; q++) {
            char u = (char)((*q >= 'a' && *q <= 'z') ? *q - 32 : *q);
            if (!((u >= 'A' && u <= 'Z')))
                continue;
            int taken = 0;
            for (size_t j = 0; j < i; j++)
                taken |= letters[j] == u;
            if (!taken)
                c = u;
        }
        letters[i] = c ? c : (char)('1' + (int)(i % 9));
    }
}

static int treatment_index(const ms_protocol *p, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < ms_protocol_treatment_count(p); i++)
        if (strcmp(ms_protocol_treatment_name(p, i), name) == 0)
            return (int)i;
    return -1;
}

static const char *const WD[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static void show_calendar(const ms_protocol *p, const ms_events *plan, const ms_events *given,
                          long weeks)
{
    size_t nt = ms_protocol_treatment_count(p);
    char letters[64];
    assign_letters(p, letters);
    long days = (long)ms_protocol_days(p);
    long nweeks = (days + 6) / 7;
    if (weeks > 0 && weeks < nweeks)
        nweeks = weeks;
    int wd0 = ms_protocol_start_weekday(p);
    printf("protocol %s\n", ms_protocol_name(p));
    if (*ms_protocol_description(p))
        printf("  %s\n", ms_protocol_description(p));
    printf("starts %s%s%s, lasts %ld days (%ld weeks%s)\n\n", WD[wd0],
           *ms_protocol_start_date(p) ? " " : "", ms_protocol_start_date(p), days, days / 7,
           days % 7 ? " and part of one" : "");
    for (size_t i = 0; i < nt && i < 64; i++)
        printf("  %c  %s: %s\n", letters[i], ms_protocol_treatment_name(p, i),
               ms_protocol_treatment_summary(p, i));
    int has_explicit = 0;
    for (size_t k0 = 0; k0 < ms_events_count(plan); k0++) {
        ms_event_info e;
        ms_events_get(plan, k0, &e);
        has_explicit |= e.treatment == NULL;
    }
    if (has_explicit)
        printf("  *  explicit doses\n");
    printf("\n");
    printf("week  ");
    for (int d = 0; d < 6; d++)
        printf("%-8s", WD[(wd0 + d) % 7]);
    printf("%s\n", WD[(wd0 + 6) % 7]);
    size_t np = ms_events_count(plan), k = 0, kg = 0, ng = given ? ms_events_count(given) : 0;
    long total[65] = {0}, missed[65] = {0};
    for (long w = 0; w < (days + 6) / 7; w++) {
        char cells[7][64];
        memset(cells, 0, sizeof cells);
        for (; k < np; k++) {
            ms_event_info e;
            ms_events_get(plan, k, &e);
            long day = (long)(e.time_h / 24.0);
            if (day >= 7 * (w + 1))
                break;
            int ti = treatment_index(p, e.treatment);
            char c = ti >= 0 && ti < 64 ? letters[ti] : '*';
            /* given to this patient? the realized table is a subsequence */
            int got = 1;
            if (given) {
                got = 0;
                while (kg < ng) {
                    ms_event_info g;
                    ms_events_get(given, kg, &g);
                    if (g.time_h > e.time_h)
                        break;
                    kg++;
                    if (g.time_h == e.time_h && strcmp(g.input, e.input) == 0) {
                        got = 1;
                        break;
                    }
                }
            }
            int slot = ti >= 0 && ti < 64 ? ti : 64;
            total[slot]++;
            if (!got) {
                missed[slot]++;
                c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            size_t l = strlen(cells[day - 7 * w]);
            if (l < 6)
                cells[day - 7 * w][l] = c;
        }
        if (w >= nweeks)
            continue;
        char row[128];
        int off = snprintf(row, sizeof row, "%4ld  ", w);
        for (int d = 0; d < 7 && off > 0 && off < (int)sizeof row; d++) {
            long day = 7 * w + d;
            off += snprintf(row + off, sizeof row - (size_t)off, "%-8s",
                            day >= days   ? ""
                            : cells[d][0] ? cells[d]
                                          : ".");
        }
        size_t len = strlen(row);
        while (len && row[len - 1] == ' ')
            row[--len] = '\0';
        printf("%s\n", row);
    }
    if (nweeks < (days + 6) / 7)
        printf(" ...  (%ld more weeks)\n", (days + 6) / 7 - nweeks);
    printf("\ntotals over %ld days:", days);
    for (size_t i = 0; i <= nt && i < 65; i++) {
        size_t slot = i < nt ? i : 64;
        if (i == nt && total[64] == 0)
            break;
        printf("%s %s %ld", i ? "," : "", i < nt ? ms_protocol_treatment_name(p, i) : "explicit",
               total[slot]);
        if (given)
            printf(" (%ld missed)", missed[slot]);
    }
    printf("\n");
}

static int cmd_protocol(int argc, char **argv)
{
    if (argc < 1 || wants_help(argc, argv)) {
        fputs(HELP_PROTOCOL, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_INPUT : EXIT_OK;
    }
    const char *sub = argv[0];
    int show = strcmp(sub, "show") == 0;
    if (!show && strcmp(sub, "events") != 0)
        return usage_error("protocol", "unknown subcommand '%s'; expected show or events", sub);
    const char *file = NULL, *model_path = NULL, *out_path = "-", *format = "csv";
    double weeks = 0, patient = -1, seed = 1, weight = NAN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (file)
                return usage_error("protocol", "unexpected argument '%s'", a);
            file = a;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("protocol", "option '%s' needs a value", a);
        const char *v = argv[++i];
        double *num = NULL;
        if (strcmp(a, "--weeks") == 0 && show)
            num = &weeks;
        else if (strcmp(a, "--patient") == 0)
            num = &patient;
        else if (strcmp(a, "--seed") == 0)
            num = &seed;
        else if (strcmp(a, "--weight") == 0)
            num = &weight;
        else if (strcmp(a, "--format") == 0 && !show)
            format = v;
        else if (strcmp(a, "--model") == 0 && !show)
            model_path = v;
        else if (strcmp(a, "--out") == 0 && !show)
            out_path = v;
        else
            return usage_error("protocol", "unknown option '%s'", a);
        if (num && parse_num(v, num) != 0)
            return usage_error("protocol", "'%s' is not a finite number", v);
    }
    if (!file)
        return usage_error("protocol", "expected a protocol FILE%s", "");
    if (strcmp(format, "csv") != 0 && strcmp(format, "nonmem") != 0)
        return usage_error("protocol", "--format '%s'; expected csv or nonmem", format);
    if (patient != -1 && (patient < 0 || patient != floor(patient) || patient > 1e15))
        return usage_error("protocol", "--patient expects a whole number >= 0%s", "");
    if (seed < 0 || seed != floor(seed) || seed > 1e15)
        return usage_error("protocol", "--seed expects a whole number >= 0%s", "");
    if (weeks < 0 || weeks != floor(weeks))
        return usage_error("protocol", "--weeks expects a whole number%s", "");

    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_protocol *p = NULL;
    ms_model *m = NULL;
    ms_events *plan = NULL, *given = NULL;
    int rc = EXIT_OK;
    ms_patient pt = {(unsigned long long)seed, patient < 0 ? 0 : (unsigned long long)patient,
                     weight, 1};
    ms_status st = ms_protocol_read(ctx, file, &p);
    if (!st && model_path)
        st = ms_model_load(ctx, model_path, &m);
    /* "as written": every session, no missed ones */
    ms_patient as_written = {0, 0, weight, 0};
    if (!st)
        st = ms_protocol_compile(ctx, p, m, &as_written, &plan);
    if (!st && patient >= 0)
        st = ms_protocol_compile(ctx, p, m, &pt, &given);
    if (st) {
        rc = report(ctx, st);
    } else if (show) {
        show_calendar(p, plan, given, (long)weeks);
    } else {
        st = ms_events_write(ctx, given ? given : plan, out_path,
                             strcmp(format, "nonmem") == 0 ? MS_EVENTS_NONMEM : MS_EVENTS_CSV,
                             patient < 0 ? 1 : (long)patient);
        if (st)
            rc = report(ctx, st);
    }
    ms_events_free(plan);
    ms_events_free(given);
    ms_protocol_free(p);
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}

/* ---------------------------------------------------------------- cohort */

static const char *HELP_COHORT =
    "usage: moodsim cohort MODEL --n N --seed S --out FILE.csv [--min NAME=V] [--max NAME=V]\n"
    "                      [--set NAME=VALUE]\n"
    "\n"
    "Draws N virtual patients from the model's variability: section and writes one row\n"
    "per patient: patient, candidate, every varying parameter, then the baseline (t = 0)\n"
    "value of every observable.  --min/--max are inclusion criteria on a baseline\n"
    "observable, state or parameter, applied by rejection; how many candidates each\n"
    "rejected is reported on stderr.  Patient k is the same whatever N.  --set gives a\n"
    "parameter a value for every patient, after the draw (e.g. another population's\n"
    "parameters); repeatable.\n";

static int cmd_cohort(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(HELP_COHORT, stdout);
        return EXIT_OK;
    }
    const char *model_path = NULL, *out_path = NULL;
    double n = -1, seed = -1;
    ms_criterion crit[64];
    char names[64][128], set_names[64][128];
    double set_vals[64];
    int ncrit = 0, nset = 0, set_idx[64];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (model_path)
                return usage_error("cohort", "unexpected argument '%s'", a);
            model_path = a;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("cohort", "option '%s' needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--n") == 0 || strcmp(a, "--seed") == 0) {
            double *x = a[2] == 'n' ? &n : &seed;
            if (parse_num(v, x) != 0 || *x < 0 || *x != floor(*x))
                return usage_error("cohort", "'%s' is not a whole number >= 0", v);
        } else if (strcmp(a, "--out") == 0) {
            out_path = v;
        } else if (strcmp(a, "--set") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof set_names[0] ||
                parse_num(eq + 1, &set_vals[nset < 64 ? nset : 63]))
                return usage_error("cohort", "--set '%s': expected NAME=NUMBER", v);
            if (nset == 64)
                return usage_error("cohort", "too many --set%s", "");
            memcpy(set_names[nset], v, (size_t)(eq - v));
            set_names[nset][eq - v] = '\0';
            nset++;
        } else if (strcmp(a, "--min") == 0 || strcmp(a, "--max") == 0) {
            const char *eq = strchr(v, '=');
            double x;
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof names[0] || parse_num(eq + 1, &x))
                return usage_error("cohort", "'%s': expected NAME=NUMBER", v);
            if (ncrit == 64)
                return usage_error("cohort", "too many criteria%s", "");
            memcpy(names[ncrit], v, (size_t)(eq - v));
            names[ncrit][eq - v] = '\0';
            crit[ncrit].name = names[ncrit];
            crit[ncrit].min = a[3] == 'i' ? x : -INFINITY;
            crit[ncrit].max = a[3] == 'a' ? x : INFINITY;
            ncrit++;
        } else {
            return usage_error("cohort", "unknown option '%s'", a);
        }
    }
    if (!model_path || n < 1 || seed < 0 || !out_path)
        return usage_error("cohort", "expected MODEL --n N --seed S --out FILE%s", "");
    if (n > 1e7)
        return usage_error("cohort", "--n is limited to 10 million%s", "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_sim *sim = NULL;
    FILE *f = NULL;
    double *p = NULL, *y = NULL, *obs = NULL;
    long *rej = calloc(65, sizeof *rej);
    int rc = EXIT_OK;
    ms_status st = ms_model_load(ctx, model_path, &m);
    if (!st)
        st = ms_sim_new(ctx, m, &sim);
    size_t np = m ? ms_model_count(m, MS_PARAM) : 0, nv = m ? ms_model_variability_count(m) : 0,
           no = m ? ms_model_count(m, MS_OBSERVABLE) : 0, ns = m ? ms_model_count(m, MS_STATE) : 0;
    for (int c = 0; !st && c < ncrit; c++) {
        double v;
        st = ms_sim_baseline(sim, crit[c].name, &v);
    }
    if (st) {
        rc = report(ctx, st);
        goto done;
    }
    for (int j = 0; j < nset; j++)
        if ((set_idx[j] = ms_model_find(m, MS_PARAM, set_names[j])) < 0) {
            fprintf(stderr, "moodsim cohort: --set: '%s' is not a parameter of %s\n", set_names[j],
                    model_path);
            rc = EXIT_INPUT;
            goto done;
        }
    p = calloc(np + 1, sizeof *p);
    y = calloc(ns + 1, sizeof *y);
    obs = calloc(no + 1, sizeof *obs);
    f = strcmp(out_path, "-") == 0 ? stdout : fopen(out_path, "w");
    if (!p || !y || !obs || !rej || !f) {
        fprintf(stderr, "%s: cannot write: %s\n", out_path, strerror(errno));
        rc = EXIT_INTERNAL;
        goto done;
    }
    fputs("patient,candidate", f);
    int *vidx = calloc(nv + 1, sizeof *vidx);
    for (size_t j = 0; j < nv; j++) {
        ms_variability v;
        ms_model_variability(m, j, &v);
        vidx[j] = ms_model_find(m, MS_PARAM, v.param);
        fprintf(f, ",%s", v.param);
    }
    for (size_t j = 0; j < no; j++) {
        ms_symbol s;
        ms_model_symbol(m, MS_OBSERVABLE, j, &s);
        fprintf(f, ",%s", s.name);
    }
    fputc('\n', f);
    long got = 0;
    unsigned long long k = 0;
    for (; got < (long)n; k++) {
        if (k > (unsigned long long)n * 1000 + 1000) {
            fprintf(stderr,
                    "moodsim cohort: the criteria accepted %ld of %llu candidates; "
                    "stopping\n",
                    got, k);
            rc = EXIT_INPUT;
            break;
        }
        st = ms_cohort_draw(ctx, m, (unsigned long long)seed, k, p);
        for (int j = 0; j < nset; j++)
            p[set_idx[j]] = set_vals[j];
        if (st || (st = ms_sim_set_params(sim, p))) {
            rc = report(ctx, st);
            break;
        }
        int ok = 1;
        for (int c = 0; c < ncrit && ok; c++) {
            double v = NAN;
            ms_sim_baseline(sim, crit[c].name, &v);
            if (!(v >= crit[c].min && v <= crit[c].max)) {
                rej[c]++;
                ok = 0;
            }
        }
        if (!ok)
            continue;
        if ((st = ms_sim_initial(sim, y)) || (st = ms_sim_observe(sim, 0, y, obs))) {
            rc = report(ctx, st);
            break;
        }
        fprintf(f, "%ld,%llu", got, k);
        for (size_t j = 0; j < nv; j++)
            fprintf(f, ",%.10g", p[vidx[j]]);
        for (size_t j = 0; j < no; j++)
            fprintf(f, ",%.10g", obs[j]);
        fputc('\n', f);
        got++;
    }
    free(vidx);
    fprintf(stderr, "cohort: %ld patients from %llu candidates screened", got, k);
    for (int c = 0; c < ncrit; c++)
        fprintf(stderr, "; %ld rejected by %s", rej[c], crit[c].name);
    fprintf(stderr, "\n");
done:
    if (f && f != stdout && fclose(f) != 0 && rc == EXIT_OK)
        rc = EXIT_INTERNAL;
    free(p);
    free(y);
    free(obs);
    free(rej);
    ms_sim_free(sim);
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}

/* ----------------------------------------------------------------- trial */

static volatile int g_stop;

static void on_sigint(int sig)
{
    (void)sig;
    g_stop = 1;
}

typedef struct {
    int quiet, shown;
} progress_state;

static void progress(void *ud, size_t done, size_t total, double seconds)
{
    progress_state *ps = ud;
    if (ps->quiet || (seconds < 2 && !ps->shown))
        return;
    double rate = seconds > 0 ? (double)done / seconds : 0;
    double left = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\rtrial: %zu/%zu patient-arms (%3.0f%%), %.0f/s, %.0f s left   ", done, total,
            total ? 100.0 * (double)done / (double)total : 100.0, rate, left);
    ps->shown = 1;
}

static const char *HELP_TRIAL =
    "usage: moodsim trial SCENARIO --out DIR [--threads N] [--lang en|ja] [--bytecode]\n"
    "                     [--one-setting] [--quiet]\n"
    "       moodsim trial --resume DIR [--threads N] [--quiet]\n"
    "       mpirun -np K moodsim trial SCENARIO --out DIR ...\n"
    "\n"
    "Runs the virtual trial a scenario describes (docs/scenario-format.md) on all cores\n"
    "and writes into DIR: visits.csv, endpoints.csv and failures.csv (streamed as patients\n"
    "finish), summary.csv, synergy.csv (2x2 factorial designs), report.html (self-contained)\n"
    "and inputs/ (the exact model, protocols and scenario used).  The first 16 patient-arms\n"
    "are also simulated with the other integration method, and the report says how far\n"
    "apart the two are (a warning if they disagree).  Memory does not grow with\n"
    "the number of patients.  Progress goes to stderr unless --quiet; Ctrl-C stops cleanly,\n"
    "keeps what finished and leaves a checkpoint: --resume DIR continues the run where it\n"
    "stopped (same inputs, unchanged, and the run's --lang and --one-setting), losing and\n"
    "repeating no patient.  Under mpirun each process simulates a share of the patients\n"
    "and rank 0 writes the same files, byte for byte, as one process would.  On a model\n"
    "with claims (as_claimed: parameters) the same patients are simulated again with\n"
    "every claim at the other setting (null or as-claimed) and the report shows both;\n"
    "the counterpart's summary goes to DIR/null/ or DIR/as_claimed/.\n"
    "\n"
    "options:\n"
    "  --out DIR          output directory (created if missing)\n"
    "  --resume DIR       continue the interrupted run in DIR\n"
    "  --threads N        threads (default: all cores); results do not depend on it\n"
    "  --lang L           report language: en (default) or ja\n"
    "  --bytecode         run the model with the bytecode interpreter instead of compiling\n"
    "                     it to machine code with the system C compiler (the same results,\n"
    "                     slower; needs no compiler)\n"
    "  --one-setting      skip the claims' counterpart (the report then says it shows\n"
    "                     one setting only): for scenarios the claims cannot affect\n"
    "  --quiet            no progress\n";

static const char *HELP_POWER =
    "usage: moodsim power SCENARIO [--threads N] [--bytecode] [--quiet]\n"
    "\n"
    "Runs the scenario's trial and estimates, by repeated simulated trials drawn from its\n"
    "patients, how many patients per arm give the scenario's power (default 80 %) at its\n"
    "two-sided alpha (default 0.05): for the difference between the combination and the\n"
    "control arm, and for the interaction (2x2 factorial scenarios), and for every arm\n"
    "against the control.\n";

static void print_n(long n, const char *what)
{
    if (n < 0)
        printf("  %s: more than the maximum per arm searched (analysis: max_per_arm)\n", what);
    else
        printf("  %s: %ld patients per arm\n", what, n);
}

/* Patient-arms of every `moodsim trial` simulated again with the other
 * integration method (ms_trial_options.check_records). */
#define MS_CLI_CHECK_RECORDS 16

/* One line on the numerical check, and a warning if the two integrators
 * disagree by more than a report could hide. */
static void print_numerics(const ms_trial *t)
{
    ms_numerics_check c;
    ms_trial_numerics(t, &c);
    if (!c.n)
        return;
    printf("numerical check: %d patient-arms simulated again with %s: the score within %.2g "
           "points at every visit, every observable within %.2g (relative)",
           c.n, ms_method_name(c.other), c.score_diff, c.rel_diff);
    if (c.failed_one)
        printf("; %d failed with one method only", c.failed_one);
    printf("\n");
    if (c.disagree)
        printf("warning: the two integration methods disagree; tighten the scenario's "
               "solver: {rtol:} and run again\n");
}

/* The arms' table and the synergy line of a trial (or of its counterpart). */
/* x with `digits` decimals, without the sign of a value that rounds to zero
 * (a null effect's difference is zero to the integration accuracy); "-"
 * for a value that does not exist (a median not reached) */
static void number(char *buf, size_t n, double x, int digits)
{
    if (!isfinite(x)) {
        snprintf(buf, n, "-");
        return;
    }
    double p = pow(10, digits), r = round(x * p) / p;
    snprintf(buf, n, "%.*f", digits, r == 0 ? 0.0 : r);
}

/* The CLI's columns: the statistics MS_ARM_STAT_LIST shows in the CLI
 * (paired ones only if a matched design gave them). */
static int cli_column(const ms_arm_stat *d, int paired)
{
    return (d->outputs & MS_OUT_CLI) && (d->scope != MS_SCOPE_PAIRED || paired);
}

static int cli_width(const ms_arm_stat *d)
{
    size_t w = strlen(d->cli) + (d->shape == MS_SHAPE_COUNT ? 0 : strlen(" [95% CI]"));
    return d->shape == MS_SHAPE_COUNT ? (w > 6 ? (int)w : 6) : (w > 22 ? (int)w : 22);
}

static void print_arms(const ms_scenario *sc, const ms_trial *t)
{
    /* a matched design adds the same patients' paired difference from control */
    int paired = 0;
    for (size_t a = 0; a < ms_scenario_arm_count(sc); a++) {
        ms_arm_summary s;
        ms_trial_arm_summary(t, a, &s);
        paired |= s.n_paired > 0;
    }
    size_t ns = ms_arm_stat_count();
    printf("%-18s", "arm");
    for (size_t i = 0; i < ns; i++) {
        const ms_arm_stat *d = ms_arm_stat_get(i);
        if (!cli_column(d, paired))
            continue;
        char h[128];
        snprintf(h, sizeof h, "%s%s", d->cli, d->shape == MS_SHAPE_COUNT ? "" : " [95% CI]");
        printf(" %*s", cli_width(d), h);
    }
    printf("\n");
    for (size_t a = 0; a < ms_scenario_arm_count(sc); a++) {
        ms_arm_summary s;
        ms_trial_arm_summary(t, a, &s);
        printf("%-18s", ms_scenario_arm_name(sc, a));
        for (size_t i = 0; i < ns; i++) {
            const ms_arm_stat *d = ms_arm_stat_get(i);
            if (!cli_column(d, paired))
                continue;
            char c[160] = "-";
            if (d->shape == MS_SHAPE_COUNT) {
                snprintf(c, sizeof c, "%ld", (long)ms_arm_summary_value(&s, i, 0));
            } else if (ms_arm_summary_has(&s, i, a == ms_scenario_control(sc))) {
                double v[MS_PART_P + 1] = {NAN, NAN, NAN, NAN, NAN, NAN};
                for (size_t k = 0; k < d->nparts; k++)
                    v[d->part[k]] = ms_arm_summary_value(&s, i, k) * d->scale;
                char e[32], l[32], h[32];
                number(e, sizeof e, v[MS_PART_ESTIMATE], d->cli_digits);
                number(l, sizeof l, v[MS_PART_LO], d->cli_digits);
                number(h, sizeof h, v[MS_PART_HI], d->cli_digits);
                snprintf(c, sizeof c, "%s%s [%s, %s]", e,
                         isfinite(v[MS_PART_ESTIMATE]) ? d->unit : "", l, h);
            }
            printf(" %*s", cli_width(d), c);
        }
        printf("\n");
    }
    ms_synergy_summary y;
    ms_trial_synergy(t, &y);
    if (y.valid)
        printf("synergy: interaction contrast on mean change %.2f [%.2f, %.2f] (negative = more "
               "than additive): %s\n",
               y.contrast, y.contrast_lo, y.contrast_hi, y.verdict);
}

static const char *setting_name(ms_claims_setting s)
{
    return s == MS_CLAIMS_NULL ? "null" : s == MS_CLAIMS_AS_CLAIMED ? "as-claimed" : "as set";
}

static void print_summary(const ms_scenario *sc, const ms_trial *t, const char *dir, int power)
{
    long screened, included, failed;
    ms_trial_counts(t, &screened, &included, &failed);
    printf("%ld candidates screened, %ld included, %ld simulations failed\n", screened, included,
           failed);
    ms_claims_setting set, other;
    const ms_trial *cp = ms_trial_counterpart(t, &set, &other);
    if (cp)
        printf("claims %s (this run):\n", setting_name(set));
    print_arms(sc, t);
    if (cp) {
        printf("claims %s (the same patients again; %s/%s/summary.csv):\n", setting_name(other),
               dir ? dir : ".", ms_claims_dir(other));
        print_arms(sc, cp);
    }
    ms_synergy_summary y;
    ms_trial_synergy(t, &y);
    print_numerics(t);
    if (power) {
        printf("patients per arm for %.0f%% power at two-sided alpha %g:\n", 100 * y.power,
               y.alpha);
        for (size_t a = 0; a < ms_scenario_arm_count(sc); a++) {
            ms_arm_summary s;
            ms_trial_arm_summary(t, a, &s);
            if (isnan(s.diff_change))
                continue;
            char what[256];
            snprintf(what, sizeof what, "%s vs control (difference %.2f)",
                     ms_scenario_arm_name(sc, a), s.diff_change);
            print_n(s.n_for_power, what);
        }
        if (y.valid) {
            print_n(y.n_difference, "combination vs control");
            print_n(y.n_interaction, "interaction (synergy)");
        }
    }
    if (dir)
        printf("results in %s/ (report.html, summary.csv, endpoints.csv, visits.csv)\n", dir);
}

/* DIR/run.txt: what --resume DIR needs to continue a run (the scenario's
 * absolute path, the report language and whether --one-setting was given). */
static int write_run_file(const char *dir, const char *sc_path, const char *lang, int one_setting)
{
    char abs[4096], path[4096];
    if (!realpath(sc_path, abs)) {
        fprintf(stderr, "%s: %s\n", sc_path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/run.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "scenario %s\nlang %s\n%s", abs, lang, one_setting ? "one-setting\n" : "");
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        return -1;
    }
    return 0;
}

static int read_run_file(const char *dir, char *sc, size_t nsc, char *lang, size_t nlang,
                         int *one_setting)
{
    char path[4096], line[4200];
    snprintf(path, sizeof path, "%s/run.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot resume: %s (not a trial output directory?)\n", path,
                strerror(errno));
        return -1;
    }
    sc[0] = '\0';
    snprintf(lang, nlang, "en");
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "scenario ", 9) == 0 && strlen(line + 9) < nsc)
            snprintf(sc, nsc, "%s", line + 9);
        else if (strncmp(line, "lang ", 5) == 0 && strlen(line + 5) < nlang)
            snprintf(lang, nlang, "%s", line + 5);
        else if (strcmp(line, "one-setting") == 0)
            *one_setting = 1;
        else {
            fprintf(stderr, "%s:%d:1: expected 'scenario PATH', 'lang L' or 'one-setting'\n", path,
                    lineno);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (!sc[0]) {
        fprintf(stderr, "%s:1:1: no 'scenario PATH' line\n", path);
        return -1;
    }
    return 0;
}

static int run_trial(int argc, char **argv, int power_only)
{
    const char *cmd = power_only ? "power" : "trial";
    if (wants_help(argc, argv)) {
        fputs(power_only ? HELP_POWER : HELP_TRIAL, stdout);
        return EXIT_OK;
    }
    const char *sc_path = NULL, *out_dir = NULL, *resume_dir = NULL, *lang = "en";
    double threads = 0;
    int quiet = g_rank > 0, bytecode = 0, one_setting = 0;
    char run_sc[4096], run_lang[16];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (strcmp(a, "--one-setting") == 0 && !power_only) {
            one_setting = 1;
            continue;
        }
        if (strcmp(a, "--bytecode") == 0) {
            bytecode = 1;
            continue;
        }
        if (a[0] != '-') {
            if (sc_path)
                return usage_error(cmd, "unexpected argument '%s'", a);
            sc_path = a;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error(cmd, "option '%s' needs a value", a);
        const char *v = argv[++i];
        if (strcmp(a, "--threads") == 0) {
            if (parse_num(v, &threads) != 0 || threads < 1 || threads > 1024 ||
                threads != floor(threads))
                return usage_error(cmd, "--threads '%s': expected a whole number from 1", v);
        } else if (strcmp(a, "--out") == 0 && !power_only) {
            out_dir = v;
        } else if (strcmp(a, "--resume") == 0 && !power_only) {
            resume_dir = v;
        } else if (strcmp(a, "--lang") == 0 && !power_only) {
            lang = v;
            if (strcmp(lang, "en") != 0 && strcmp(lang, "ja") != 0)
                return usage_error(cmd, "--lang '%s': expected en or ja", v);
        } else {
            return usage_error(cmd, "unknown option '%s'", a);
        }
    }
    if (resume_dir) {
        if (sc_path || out_dir)
            return usage_error(cmd,
                               "--resume DIR takes the scenario and output directory of "
                               "the run in DIR; give no SCENARIO or --out%s",
                               "");
        if (read_run_file(resume_dir, run_sc, sizeof run_sc, run_lang, sizeof run_lang,
                          &one_setting))
            return EXIT_INPUT;
        sc_path = run_sc;
        lang = run_lang;
        out_dir = resume_dir;
    }
    if (!sc_path)
        return usage_error(cmd, "expected a SCENARIO file%s", "");
    if (!power_only && !out_dir)
        return usage_error(cmd, "expected --out DIR%s", "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_scenario *sc = NULL;
    ms_trial *t = NULL;
    int rc = EXIT_OK;
    ms_status st = ms_scenario_load(ctx, sc_path, &sc);
    if (st) {
        rc = report(ctx, st);
        goto done;
    }
    /* the model as machine code: the same results, faster (docs/model-format.md) */
    if (!bytecode && ms_scenario_compile_native(ctx, sc) != MS_OK && g_rank == 0)
        fprintf(stderr,
                "moodsim %s: note: %s; the model runs as bytecode (the same results, "
                "slower)\n",
                cmd, ms_errmsg(ctx));
    if (g_rank == 0 && out_dir && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create: %s\n", out_dir, strerror(errno));
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (g_rank == 0 && out_dir && !resume_dir &&
        write_run_file(out_dir, sc_path, lang, one_setting)) {
        rc = EXIT_INTERNAL;
        goto done;
    }
    progress_state ps = {quiet, 0};
    signal(SIGINT, on_sigint);
    ms_trial_options opt = {.threads = (int)threads,
                            .progress = progress,
                            .ud = &ps,
                            .stop = &g_stop,
                            .out_dir = power_only ? NULL : out_dir,
                            .resume = resume_dir != NULL,
                            .rank = g_rank,
                            .nranks = g_ranks,
                            .send = msi_cli_mpi_send,
                            .recv = msi_cli_mpi_recv,
                            .check_records = power_only ? 0 : MS_CLI_CHECK_RECORDS};
    st = ms_trial_run(ctx, sc, &opt, &t);
    if (ps.shown)
        fputc('\n', stderr);
    ps.shown = 0;
    /* a model with claims (as_claimed:): the same patients again at the
     * other setting, so that the report shows both (docs/scenario-format.md) */
    if (st == MS_OK && !power_only && !one_setting &&
        ms_model_claim_count(ms_scenario_model(sc)) > 0) {
        if (g_rank == 0 && !quiet)
            fprintf(stderr,
                    "moodsim %s: the model has claims without human evidence; the same "
                    "patients again with them at the other setting\n",
                    cmd);
        ms_status cst = ms_trial_run_counterpart(ctx, t, &opt);
        if (ps.shown)
            fputc('\n', stderr);
        if (cst == MS_STOPPED && g_rank == 0)
            fprintf(stderr, "moodsim %s: interrupted; the report shows this setting only\n", cmd);
        else if (cst != MS_OK && cst != MS_STOPPED) {
            rc = report(ctx, cst);
            goto done;
        }
    }
    signal(SIGINT, SIG_DFL);
    if (st != MS_OK && st != MS_STOPPED) {
        rc = report(ctx, st);
        goto done;
    }
    if (g_rank > 0)
        goto done; /* its patients went to rank 0, which writes */
    if (st == MS_STOPPED)
        fprintf(stderr, "moodsim %s: interrupted; keeping the patients that finished\n", cmd);
    if (power_only) {
        print_summary(sc, t, NULL, 1);
        rc = st == MS_STOPPED ? 130 : EXIT_OK;
        goto done;
    }
    char command[8192];
    size_t off = (size_t)snprintf(command, sizeof command, "moodsim");
    for (int i = -1; i < argc && off < sizeof command; i++)
        off +=
            (size_t)snprintf(command + off, sizeof command - off, " %s", i < 0 ? "trial" : argv[i]);
    if ((st = ms_trial_write(ctx, t, out_dir)) ||
        (st = ms_report_write(ctx, t, out_dir, lang, command))) {
        rc = report(ctx, st);
        goto done;
    }
    print_summary(sc, t, out_dir, 0);
    if (t && ms_trial_interrupted(t))
        fprintf(stderr, "moodsim trial: continue with: moodsim trial --resume %s\n", out_dir);
    if (rc == EXIT_OK && g_stop)
        rc = 130;
done:
    ms_trial_free(t);
    ms_scenario_free(sc);
    ms_context_free(ctx);
    return rc;
}

/* ------------------------------------------------------------- calibrate */

static const char *HELP_CALIBRATE =
    "usage: moodsim calibrate TARGETS.yaml [--evaluate [--scenario SCENARIO.yaml] [--replicates "
    "N]]\n"
    "                          [--quiet]\n"
    "       moodsim calibrate PLAN.yaml [--evaluate] [--from N] [--quiet]\n"
    "       (with a fit, of either: [--write-model OUT.yaml])\n"
    "\n"
    "Re-derives a model's fitted population parameters from a targets file: the model,\n"
    "a cohort (size, seed), the parameters to fit with bounds, and published figures with\n"
    "their 95 % intervals and citations (docs/model.md, calibration/).  Prints the fitted\n"
    "values and, for each target, the published value and interval and what the fitted\n"
    "model achieves.  Exit code 0 if every target lies within its interval, 4 if not.\n"
    "\n"
    "  --evaluate        no fitting: the targets at the model file's own values (a check\n"
    "                    that the model still reproduces its figures)\n"
    "  --scenario FILE   with --evaluate, a trial calibration's scenario replaced by FILE\n"
    "                    (the same arms, e.g. with more patients)\n"
    "  --replicates N    with --evaluate, on N independent cohorts or trials (seeds seed,\n"
    "                    seed+1, ...): each target's mean, SD, range and how many of the N\n"
    "                    met it -- whether the model meets a figure or one sample did;\n"
    "                    the exit code then judges the mean\n"
    "  --quiet           no progress on stderr (a fit reports its iterations there)\n"
    "\n"
    "A plan (calibration:, model:, steps:, checks:; e.g. "
    "calibration/depression_inflammation.yaml)\n"
    "runs targets files in order as one calibration: each step's kept values (keep:, all it\n"
    "fits by default) replace the model file's in every later step, rounded to the plan's\n"
    "significant_digits:; checks then evaluate targets at the values re-derived, optionally\n"
    "on other trials (scenario:).  It prints every stage and the values re-derived next to\n"
    "the model file's; exit code 4 if a check's target (with no checks, a step's) is missed.\n"
    "  --from N          a plan from step N, the earlier steps' values from the model file\n"
    "  --write-model OUT a copy of the model file with the values fitted (a plan: re-derived)\n"
    "                    in place of its own; nothing else in the file changes\n"
    "  --evaluate        (a plan) every stage at the model file's values, nothing fitted\n"
    "\n"
    "A fit uses GSL's Nelder-Mead simplex, or with method: levenberg-marquardt in the\n"
    "targets file GSL's nonlinear least squares (far fewer evaluations on smooth targets;\n"
    "difference_step: sets its finite-difference step, default 0.05 on the logistic scale\n"
    "of each parameter's bounds).\n"
    "A targets file's max_evaluations: N ends a fit after N evaluations with the best point\n"
    "evaluated (for trial fits, where each evaluation is a virtual trial); stderr says when a\n"
    "fit ended without converging.  A trial targets file's fit_replicates: N runs N trials\n"
    "(seeds seed, seed+1, ...) at each evaluation and minimises the mean of their objectives,\n"
    "so that a point must meet the figures on every trial, not on one trial's luck; the\n"
    "statistics printed are then the means over the N trials.  Ctrl-C stops a fit after the\n"
    "evaluation under way and prints the best point found so far, with the targets it\n"
    "achieves (exit code 130).\n";

/* A fit's progress on stderr (after 2 s, then on one line), unless --quiet. */
static int cal_progress(void *ud, int iteration, int evaluations, double best, double seconds)
{
    progress_state *ps = ud;
    if (!ps->quiet && (seconds >= 2 || ps->shown)) {
        fprintf(stderr, "\rcalibrate: iteration %d, %d evaluations, best objective %.4g, %.0f s   ",
                iteration, evaluations, best, seconds);
        ps->shown = 1;
    }
    return g_stop; /* Ctrl-C: stop with the best point so far */
}

/* How a fit ended, on stderr (the converged case only without --quiet). */
static void print_fit_end(const ms_calibration *c, int stopped, int quiet)
{
    int nev, nit;
    ms_fit_end end = ms_calibration_end(c, &nev, &nit);
    if (stopped)
        fprintf(stderr,
                "moodsim calibrate: interrupted after %d evaluations; the best point so "
                "far (not a converged fit):\n",
                nev);
    else if (end == MS_FIT_BUDGET)
        fprintf(stderr,
                "moodsim calibrate: stopped after %d evaluations (the targets file's "
                "max_evaluations:); the best point evaluated (not a converged fit)\n",
                nev);
    else if (end == MS_FIT_ITERATIONS)
        fprintf(stderr,
                "moodsim calibrate: the fit did not converge in %d iterations (%d "
                "evaluations); its best point (not a converged fit)\n",
                nit, nev);
    else if (end == MS_FIT_NO_PROGRESS)
        fprintf(stderr,
                "moodsim calibrate: after %d evaluations (%d iterations) no step lowered "
                "the objective (levenberg-marquardt); the best point evaluated: a "
                "minimum at the scale of difference_step:, an objective flat over "
                "that step, or a noisy one (not a tested convergence)\n",
                nev, nit);
    else if (end == MS_FIT_CONVERGED && !quiet)
        fprintf(stderr, "moodsim calibrate: converged after %d evaluations (%d iterations)\n", nev,
                nit);
}

/* Prints a calibration's parameters and targets on stdout; returns how
 * many targets lie outside their intervals. */
static int print_calibration(const ms_calibration *c, int eval, int stopped, int reps)
{
    ms_fit_end end = ms_calibration_end(c, NULL, NULL);
    printf(eval                      ? "the model's parameters:\n"
           : stopped                 ? "best parameters so far:\n"
           : end == MS_FIT_CONVERGED ? "fitted parameters:\n"
                                     : "best parameters evaluated (not converged):\n");
    for (size_t i = 0; i < ms_calibration_param_count(c); i++) {
        double v;
        const char *name = ms_calibration_param(c, i, &v);
        printf("  %-20s %.4g\n", name, v);
    }
    int fr = eval ? 1 : ms_calibration_fit_replicates(c);
    if (fr > 1)
        printf("targets (each statistic the mean over the %d trials of an evaluation; the "
               "objective the mean of their objectives):\n",
               fr);
    else
        printf("targets:\n");
    int outside = 0;
    for (size_t i = 0; i < ms_calibration_target_count(c); i++) {
        double v, lo, hi, a;
        const char *src;
        const char *name = ms_calibration_target(c, i, &v, &lo, &hi, &a, &src);
        int in = a >= lo && a <= hi;
        outside += !in;
        printf("  %-44s target %.4g [%.4g, %.4g]  model %.4g  %s\n", name, v, lo, hi, a,
               in ? "ok" : "OUTSIDE");
        int n, within;
        double sd, mn, mx;
        if (reps > 1 && ms_calibration_target_spread(c, i, &n, &sd, &mn, &mx, &within) == MS_OK)
            printf("      over %d replicates: mean %.4g, SD %.3g, range %.4g to %.4g; %d of %d "
                   "within the interval\n",
                   n, a, sd, mn, mx, within, n);
        printf("      %s%s\n", ms_calibration_target_fitted(c, i) ? "" : "(checked, not fitted) ",
               src);
    }
    if (!eval)
        printf("objective %.6g (the fitted targets' squared deviations in standard errors, "
               "summed%s)\n",
               ms_calibration_objective(c),
               fr > 1 ? "; the mean over the trials of an evaluation" : "");
    return outside;
}

/* --write-model: a copy of the model with the values re-derived. */
static int write_values(ms_context *ctx, const char *model, const char *out,
                        const char *const *names, const double *values, size_t n)
{
    ms_status st = ms_model_write_values(ctx, model, out, names, values, n);
    if (st)
        return report(ctx, st);
    fprintf(stderr, "moodsim calibrate: wrote %s: %s with the %zu value%s re-derived\n", out, model,
            n, n == 1 ? "" : "s");
    return EXIT_OK;
}

/* A calibration plan: its stages in order from stage `from` (0-based), each
 * printed as a single targets file is, then the values re-derived. */
static int run_plan(ms_context *ctx, ms_calplan *p, size_t from, int eval, progress_state *ps,
                    const char *write_model)
{
    size_t n = ms_calplan_stage_count(p), nsteps = 0, nchecks = 0;
    for (size_t i = 0; i < n; i++) {
        int check;
        ms_calplan_stage(p, i, &check, NULL);
        nchecks += (size_t)check;
    }
    nsteps = n - nchecks;
    if (from >= nsteps && from > 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%zu", nsteps);
        return usage_error("calibrate", "--from: beyond the plan's steps (it has %s)", buf);
    }
    int outside_steps = 0, outside_checks = 0, stopped = 0;
    if (from > 0)
        printf("(steps 1 to %zu skipped: --from %zu; their parameters keep the model file's "
               "values)\n\n",
               from, from + 1);
    if (!eval)
        signal(SIGINT, on_sigint);
    for (size_t i = from; i < n && !stopped; i++) {
        int check;
        const char *scen, *targets = ms_calplan_stage(p, i, &check, &scen);
        if (check)
            printf("== check %zu of %zu: %s%s%s, at the %s ==\n", i - nsteps + 1, nchecks, targets,
                   scen ? " on " : "", scen ? scen : "",
                   eval ? "model file's values" : "values re-derived");
        else if (eval && ms_calplan_stage_keeps(p, i) == 0) {
            printf("== step %zu of %zu: %s: not evaluated (it keeps nothing, so the model file "
                   "holds none of its values) ==\n\n",
                   i + 1, nsteps, targets);
            continue;
        } else
            printf("== step %zu of %zu: %s%s ==\n", i + 1, nsteps, targets,
                   eval ? " (evaluated, not fitted)" : "");
        fflush(stdout);
        if (!ps->quiet)
            fprintf(stderr, "moodsim calibrate: %s %zu of %zu (%s)\n", check ? "check" : "step",
                    check ? i - nsteps + 1 : i + 1, check ? nchecks : nsteps, targets);
        ms_calibration *c = NULL;
        ps->shown = 0;
        ms_status st = ms_calplan_run(ctx, p, i, eval, cal_progress, ps, &c);
        if (ps->shown)
            fputc('\n', stderr);
        stopped = st == MS_STOPPED;
        if (st && !stopped) {
            signal(SIGINT, SIG_DFL);
            return report(ctx, st);
        }
        if (!check && !eval)
            print_fit_end(c, stopped, ps->quiet);
        int out = print_calibration(c, eval || check, stopped, 1);
        if (check)
            outside_checks += out;
        else
            outside_steps += out;
        ms_calibration_free(c);
        printf("\n");
    }
    signal(SIGINT, SIG_DFL);
    size_t nv = ms_calplan_value_count(p);
    if (nv) {
        printf("re-derived values%s (the step that fitted each; the model file's value):\n",
               stopped ? " before the interruption" : "");
        for (size_t i = 0; i < nv; i++) {
            double v, fv;
            size_t st;
            const char *name = ms_calplan_value(p, i, &v, &fv, &st);
            if (v == fv)
                printf("  %-20s %-10.6g step %zu   model file %-10.6g same\n", name, v, st + 1, fv);
            else
                printf("  %-20s %-10.6g step %zu   model file %-10.6g differs by %.2g %%\n", name,
                       v, st + 1, fv, 100 * fabs(v - fv) / fmax(fabs(fv), 1e-300));
        }
    } else if (eval) {
        printf("(--evaluate: every stage at the model file's values; nothing re-derived)\n");
    }
    if (stopped) {
        fprintf(stderr, "moodsim calibrate: the plan was interrupted; later stages not run%s\n",
                write_model ? " (no model written)" : "");
        return 130;
    }
    if (write_model) {
        if (ms_calplan_write_model(ctx, p, write_model))
            return report(ctx, ms_errcode(ctx));
        fprintf(stderr, "moodsim calibrate: wrote %s: %s with the %zu value%s re-derived\n",
                write_model, ms_calplan_model(p), nv, nv == 1 ? "" : "s");
    }
    /* judged by the checks (targets on trials no step fitted) when there are any */
    int outside = nchecks ? outside_checks : outside_steps;
    if (outside)
        fprintf(stderr,
                "moodsim calibrate: %d target%s outside %s interval%s in the plan's "
                "%s\n",
                outside, outside > 1 ? "s" : "", outside > 1 ? "their" : "its",
                outside > 1 ? "s" : "", nchecks ? "checks" : "steps");
    return outside ? 4 : EXIT_OK;
}

static int cmd_calibrate(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(HELP_CALIBRATE, stdout);
        return EXIT_OK;
    }
    const char *file = NULL, *scenario = NULL, *write_model = NULL;
    int eval = 0, reps = 0;
    long from = 0;
    progress_state ps = {0};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--evaluate") == 0)
            eval = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            ps.quiet = 1;
        else if (strcmp(argv[i], "--replicates") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000)
                return usage_error("calibrate", "--replicates '%s'; expected 1 to 1000", argv[i]);
            reps = (int)v;
        } else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            char *end;
            from = strtol(argv[++i], &end, 10);
            if (*end || from < 1 || from > 1000)
                return usage_error("calibrate", "--from '%s'; expected a step number (1, 2, ...)",
                                   argv[i]);
        } else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            scenario = argv[++i];
        else if (strcmp(argv[i], "--write-model") == 0 && i + 1 < argc)
            write_model = argv[++i];
        else if (argv[i][0] == '-')
            return usage_error("calibrate", "unknown option '%s' (or a missing value)", argv[i]);
        else if (file)
            return usage_error("calibrate", "expected one TARGETS file%s", "");
        else
            file = argv[i];
    }
    if (!file)
        return usage_error("calibrate", "expected one TARGETS file%s", "");
    if (scenario && !eval)
        return usage_error("calibrate", "--scenario needs --evaluate%s", "");
    if (reps && !eval)
        return usage_error("calibrate", "--replicates needs --evaluate%s", "");
    if (write_model && eval)
        return usage_error("calibrate",
                           "--write-model writes fitted values; --evaluate fits "
                           "nothing%s",
                           "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_calplan *p = NULL;
    ms_status st = ms_calplan_load(ctx, file, &p);
    if (st) {
        int rc = report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    if (!ms_calplan_single(p)) {
        int rc = scenario || reps
                     ? usage_error("calibrate",
                                   "--scenario and --replicates apply to a targets "
                                   "file; '%s' is a plan (its checks: name their "
                                   "scenarios)",
                                   file)
                     : run_plan(ctx, p, (size_t)(from ? from - 1 : 0), eval, &ps, write_model);
        ms_calplan_free(p);
        ms_context_free(ctx);
        return rc;
    }
    ms_calplan_free(p);
    if (from) {
        ms_context_free(ctx);
        return usage_error("calibrate",
                           "--from applies to a plan (steps:); '%s' is a targets "
                           "file",
                           file);
    }
    ms_calibration *c = NULL;
    if (!eval)
        signal(SIGINT, on_sigint);
    st = eval ? ms_calibration_evaluate_replicates(ctx, file, scenario, reps ? reps : 1, &c)
              : ms_calibrate_progress(ctx, file, cal_progress, &ps, &c);
    signal(SIGINT, SIG_DFL);
    if (ps.shown)
        fputc('\n', stderr);
    int stopped = st == MS_STOPPED;
    if (st && !stopped) {
        int rc = report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    print_fit_end(c, stopped, ps.quiet);
    int outside = print_calibration(c, eval, stopped, reps), rc = EXIT_OK;
    if (write_model && stopped) {
        fprintf(stderr, "moodsim calibrate: interrupted; no model written\n");
    } else if (write_model) {
        size_t k = ms_calibration_param_count(c);
        const char **names = malloc((k ? k : 1) * sizeof *names);
        double *values = malloc((k ? k : 1) * sizeof *values);
        if (!names || !values) {
            rc = EXIT_INTERNAL;
        } else {
            for (size_t i = 0; i < k; i++)
                names[i] = ms_calibration_param(c, i, &values[i]);
            rc = write_values(ctx, ms_calibration_model_path(c), write_model, names, values, k);
        }
        free(names);
        free(values);
    }
    ms_calibration_free(c);
    ms_context_free(ctx);
    return rc ? rc : stopped ? 130 : outside ? 4 : EXIT_OK;
}

/* ---------------------------------------------------------------- export */

static const char *HELP_EXPORT =
    "usage: moodsim export MODEL --sbml OUT.xml\n"
    "\n"
    "Writes MODEL as SBML Level 3 Version 2, checked by libSBML's consistency check:\n"
    "states as parameters with rate rules and initial assignments, rules and observables\n"
    "as assignment rules, inputs as parameters at their default level, and each\n"
    "parameter's unit, source or hypothesis and evidence level as an annotation.\n"
    "Protocols (doses, sessions) are not part of the SBML.\n";

static int cmd_export(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(HELP_EXPORT, stdout);
        return EXIT_OK;
    }
    const char *model_path = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--sbml") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-')
            return usage_error("export", "unknown option '%s'", argv[i]);
        else if (!model_path)
            model_path = argv[i];
        else
            return usage_error("export", "unexpected argument '%s'", argv[i]);
    }
    if (!model_path || !out)
        return usage_error("export", "expected MODEL --sbml OUT.xml%s", "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_status st = ms_model_load(ctx, model_path, &m);
    if (!st)
        st = ms_model_export_sbml(ctx, m, out);
    int rc = st ? report(ctx, st) : EXIT_OK;
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    msi_cli_mpi_start(&argc, &argv, &g_rank, &g_ranks);
    int rc = dispatch(argc, argv);
    /* under MPI, a rank that failed or was interrupted would leave the others
     * waiting for it: stop them all (a resumed run goes on from the last
     * checkpoint) */
    msi_cli_mpi_finish(g_ranks > 1 && rc != EXIT_OK ? rc : 0);
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(HELP_MAIN, stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "simulate") == 0)
        return cmd_simulate(argc - 2, argv + 2);
    if (strcmp(cmd, "protocol") == 0)
        return cmd_protocol(argc - 2, argv + 2);
    if (strcmp(cmd, "cohort") == 0)
        return cmd_cohort(argc - 2, argv + 2);
    if (strcmp(cmd, "trial") == 0)
        return run_trial(argc - 2, argv + 2, 0);
    if (strcmp(cmd, "power") == 0)
        return run_trial(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "calibrate") == 0)
        return cmd_calibrate(argc - 2, argv + 2);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("moodsim %s\n", ms_version());
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2 && strcmp(argv[2], "check") == 0)
            fputs(HELP_CHECK, stdout);
        else if (argc > 2 && strcmp(argv[2], "simulate") == 0)
            fputs(HELP_SIMULATE, stdout);
        else if (argc > 2 && strcmp(argv[2], "protocol") == 0)
            fputs(HELP_PROTOCOL, stdout);
        else if (argc > 2 && strcmp(argv[2], "cohort") == 0)
            fputs(HELP_COHORT, stdout);
        else if (argc > 2 && strcmp(argv[2], "trial") == 0)
            fputs(HELP_TRIAL, stdout);
        else if (argc > 2 && strcmp(argv[2], "power") == 0)
            fputs(HELP_POWER, stdout);
        else if (argc > 2 && strcmp(argv[2], "calibrate") == 0)
            fputs(HELP_CALIBRATE, stdout);
        else if (argc > 2 && strcmp(argv[2], "export") == 0)
            fputs(HELP_EXPORT, stdout);
        else
            fputs(HELP_MAIN, stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "moodsim: unknown command '%s' (see 'moodsim --help')\n", cmd);
    return EXIT_INPUT;
}
