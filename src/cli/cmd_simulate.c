/*
 * cmd_simulate.c — `moodsim simulate MODEL --days N --out FILE.csv`: one
 * simulation of a model, optionally under a protocol, as a tidy CSV (the
 * rows before an integration failure are kept).
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char CLI_HELP_SIMULATE[] =
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
    "  --rtol X           relative tolerance (default 1e-10)\n"
    "  --atol X           absolute tolerance (default 1e-14)\n"
    "  --time-unit U      an SBML model's unit of time if it declares none: second,\n"
    "                     minute, hour, day or week (--days and --every are converted to\n"
    "                     it; the CSV's time_h column is in hours)\n"
    "  --method M         integration method: bdf (default; CVODE) or dirk (ARKODE's\n"
    "                     order-5 diagonally implicit Runge-Kutta); a second, independent\n"
    "                     integrator to check a result against\n"
    "\n"
    "Exit codes: 0 success, 1 cannot write output, 2 bad input, 3 the integration failed\n"
    "(the rows before the failure are kept in the CSV).\n";

/* A parameter whose value in the file is itself infinite or NaN (SBML
 * allows such constants): its column is that value, not a failure. */
static int nonfinite_constant(const ms_model *m, const char *name)
{
    int i = ms_model_find(m, MS_PARAM, name);
    ms_symbol s;
    return i >= 0 && ms_model_symbol(m, MS_PARAM, (size_t)i, &s) == MS_OK && !isfinite(s.value);
}

/* Hours in the model's unit of time: the model's own, or --time-unit for an
 * SBML model that declares none; an error if neither says. */
static int time_unit_of(const cli_command *cmd, const char *model_path, const char *given,
                        double *unit_h)
{
    static const char *const names[] = {"second", "minute", "hour", "day", "week"};
    static const double hours[] = {1.0 / 3600, 1.0 / 60, 1, 24, 168};
    if (given) {
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(given, names[i]) == 0)
                k = i;
        if (k < 0)
            return cli_usage(cmd, "--time-unit '%s': expected second, minute, hour, day or week",
                             given);
        if (isfinite(*unit_h) && *unit_h != hours[k]) {
            fprintf(stderr,
                    "moodsim simulate: %s declares its time unit (%g h); --time-unit is for "
                    "models that declare none\n",
                    model_path, *unit_h);
            return EXIT_INPUT;
        }
        *unit_h = hours[k];
    }
    if (!isfinite(*unit_h)) {
        fprintf(stderr,
                "moodsim simulate: %s: the SBML model declares no time unit (timeUnits on "
                "its <model>), so --days cannot be converted to its time; give --time-unit "
                "second, minute, hour, day or week\n",
                model_path);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

int cmd_simulate(const cli_command *cmd, int argc, char **argv)
{
    enum {
        O_DAYS = 2,
        O_EVERY,
        O_RTOL,
        O_ATOL,
        O_WEIGHT,
        O_OUT,
        O_PROTOCOL,
        O_METHOD,
        O_SET,
        O_TIME_UNIT
    };
    static const struct option opts[] = {{"days", required_argument, NULL, O_DAYS},
                                         {"every", required_argument, NULL, O_EVERY},
                                         {"rtol", required_argument, NULL, O_RTOL},
                                         {"atol", required_argument, NULL, O_ATOL},
                                         {"weight", required_argument, NULL, O_WEIGHT},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"protocol", required_argument, NULL, O_PROTOCOL},
                                         {"method", required_argument, NULL, O_METHOD},
                                         {"set", required_argument, NULL, O_SET},
                                         {"time-unit", required_argument, NULL, O_TIME_UNIT},
                                         {0}};
    const char *out_path = NULL, *proto_path = NULL, *time_unit = NULL, *v;
    /* tolerances: one simulation is cheap, and at 1e-6/1e-9 39 of the SBML
     * Test Suite's cases missed the suite's own tolerance (all pass at
     * these; docs/numerics.md) */
    double days = -1, every = 1, rtol = 1e-10, atol = 1e-14, weight = NAN;
    int method = MS_METHOD_BDF, o, rc = EXIT_OK;
    cli_sets sets = {0};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    while ((o = cli_next(&a, &v)) > 0) {
        double *num = o == O_DAYS     ? &days
                      : o == O_EVERY  ? &every
                      : o == O_RTOL   ? &rtol
                      : o == O_ATOL   ? &atol
                      : o == O_WEIGHT ? &weight
                                      : NULL;
        if (num && cli_number(v, num) != 0)
            return cli_usage(cmd, "'%s' is not a finite number", v);
        if (o == O_OUT)
            out_path = v;
        else if (o == O_PROTOCOL)
            proto_path = v;
        else if (o == O_METHOD && (method = ms_method_from_name(v)) < 0)
            return cli_usage(cmd, "--method '%s': expected bdf or dirk", v);
        else if (o == O_SET && cli_set_add(cmd, &sets, v, &rc) < 0)
            return rc;
        else if (o == O_TIME_UNIT)
            time_unit = v;
    }
    if (o < 0 || cli_positionals(&a, 1, 1, "a MODEL file") < 0)
        return a.rc;
    const char *model_path = a.pos[0];
    if (days <= 0)
        return cli_usage(cmd, "expected --days N with N > 0%s", "");
    if (days > 365.0 * 100)
        return cli_usage(cmd, "--days is limited to 100 years%s", "");
    if (!(every > 0))
        return cli_usage(cmd, "expected --every HOURS with HOURS > 0%s", "");
    if (!out_path)
        return cli_usage(cmd, "expected --out FILE.csv%s", "");
    double n_pts = floor(days * 24.0 / every + 1e-9) + 1;
    if (n_pts > 1e7)
        return cli_usage(cmd, "more than 10 million output rows; raise --every%s", "");

    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_events *ev = NULL;
    ms_sim *sim = NULL;
    double *times = NULL, *out = NULL;
    ms_output *of = NULL;
    FILE *f = NULL;
    ms_patient pt = {0, 0, weight, 0}; /* the protocol as written, at this weight */
    ms_status st = ms_model_load(ctx, model_path, &m);
    if (!st && cli_set_resolve(cmd, &sets, m, &rc) < 0)
        goto done;
    /* the model's time unit: --days and --every are converted to it, and
     * the output's time column is in hours whatever it is */
    double unit_h = st ? 1 : ms_model_time_unit(m);
    if (!st && (rc = time_unit_of(cmd, model_path, time_unit, &unit_h)))
        goto done;
    if (!st && proto_path && unit_h != 1) {
        fprintf(stderr,
                "moodsim simulate: %s: the model's time unit is %g h, and a protocol's times "
                "are in hours; use a model whose time is in hours with --protocol\n",
                model_path, unit_h);
        rc = EXIT_INPUT;
        goto done;
    }
    if (!st && proto_path)
        st = ms_protocol_load(ctx, m, proto_path, &pt, &ev);
    if (!st)
        st = ms_sim_new(ctx, m, &sim);
    if (!st)
        st = ms_sim_set_tolerances(sim, rtol, atol);
    if (!st)
        st = ms_sim_set_method(sim, (ms_method)method);
    for (int k = 0; !st && k < sets.n; k++)
        st = ms_sim_set_param(sim, (size_t)sets.idx[k], sets.value[k]);
    if (st) {
        rc = cli_report(ctx, st);
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
        times[k] = (double)k * every / unit_h; /* in the model's unit */
    st = ms_sim_run(sim, ev, times, nt, out);
    size_t rows = ms_sim_rows_done(sim);
    if (st != MS_OK && st != MS_ERR_SOLVER) {
        rc = cli_report(ctx, st);
        goto done;
    }
    char why[1024]; /* the solver's message, before writing resets it */
    snprintf(why, sizeof why, "%s", ms_errmsg(ctx));
    /* a value that is not a number (an observable's log of zero, say) is a
     * numerical failure too: the rows before it are kept */
    for (size_t k = 0, bad = 0; k < rows && !bad; k++)
        for (size_t j = 0; j < nout && !bad; j++)
            if (!isfinite(out[k * nout + j]) &&
                !nonfinite_constant(m, ms_sim_output_name(sim, j))) {
                snprintf(why, sizeof why, "%s: '%s' is not a number at t = %g h", model_path,
                         ms_sim_output_name(sim, j), times[k] * unit_h);
                rows = k; /* the rows before the first are kept */
                st = MS_ERR_SOLVER;
                bad = 1;
            }
    ms_status wst = ms_output_open(ctx, out_path, &of, &f);
    if (wst) {
        rc = cli_report(ctx, wst);
        goto done;
    }
    fputs("time_h", f);
    for (size_t j = 0; j < nout; j++)
        fprintf(f, ",%s", ms_sim_output_name(sim, j));
    fputc('\n', f);
    for (size_t k = 0; k < rows; k++) {
        fprintf(f, "%.10g", times[k] * unit_h); /* hours */
        for (size_t j = 0; j < nout; j++)
            fprintf(f, ",%.10g", out[k * nout + j]);
        fputc('\n', f);
    }
    if ((wst = ms_output_close(ctx, of, 1))) {
        rc = cli_report(ctx, wst);
        goto done;
    }
    if (st == MS_ERR_SOLVER) {
        fprintf(stderr, "%s (%zu of %zu rows written)\n", why, rows, nt);
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
