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
    "  --events FILE      write the events the protocol gave (its calendar, and the courses\n"
    "                     its decision rules started, without what they stopped)\n"
    "  --events-format F  csv (default; as 'protocol events') or nonmem\n"
    "\n"
    "moodsim simulate --scenario FILE --patient ID --arm NAME --out FILE.csv [options]\n"
    "simulates one patient of the scenario's trial as the trial does (the same cohort\n"
    "draw after screening, the arm's settings and protocol, the scenario's solver; for\n"
    "the follow-up unless --days): the patient behind a row of endpoints.csv, with\n"
    "--events to see what the protocol and its decision rules gave.  --setting null or\n"
    "as_claimed puts every claim at that setting (the trial's counterpart); --set\n"
    "applies last.\n"
    "\n"
    "The patient is the model's nominal one (every varying parameter at its typical\n"
    "value) unless one is drawn from the model's population -- the first candidate of\n"
    "the cohort with --seed S (default 1) that fits the profile:\n"
    "  --hamd X           baseline HAMD within X +- 2 points\n"
    "  --crp X            baseline CRP_mgL within X / 1.25 to X x 1.25\n"
    "  --failed N         failed adequate antidepressant trials: the model's\n"
    "                     placebo_scale as for 'moodsim ask' (2 or more: 0.4)\n"
    "  --seed S           the cohort drawn from (alone: its first patient)\n"
    "What the patient is -- the candidate, its baseline values, and the latent\n"
    "classes the model declares (class: on an observable, e.g. a TMS responder) --\n"
    "is written to standard error.\n"
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

/* The most candidates a profile may screen before it is refused. */
#define PROFILE_MAX_CANDIDATES 1000000

typedef struct {
    double seed, hamd, crp, failed; /* NAN where not given */
} sim_profile;

static int profile_given(const sim_profile *p)
{
    return !isnan(p->seed) || !isnan(p->hamd) || !isnan(p->crp) || !isnan(p->failed);
}

/* Draws candidates of the cohort with p->seed until one fits the profile
 * and sets its parameters (with --set and --failed over the draw) in sim. */
static int draw_patient(const cli_command *cmd, ms_context *ctx, const ms_model *m, ms_sim *sim,
                        const cli_sets *sets, const sim_profile *p, const char *model_path)
{
    static const char *const need[] = {"HAMD", "CRP_mgL"};
    const double given[] = {p->hamd, p->crp};
    for (int k = 0; k < 2; k++)
        if (!isnan(given[k]) && ms_model_find(m, MS_OBSERVABLE, need[k]) < 0) {
            fprintf(stderr, "moodsim simulate: --%s: %s has no observable %s\n", k ? "crp" : "hamd",
                    model_path, need[k]);
            return EXIT_INPUT;
        }
    if (!isnan(p->crp) && !(p->crp > 0))
        return cli_usage(cmd, "--crp must be > 0 (it is matched within a factor)%s", "");
    int ps = ms_model_find(m, MS_PARAM, "placebo_scale");
    if (!isnan(p->failed)) {
        if (ps < 0) {
            fprintf(stderr, "moodsim simulate: --failed: %s has no placebo_scale parameter\n",
                    model_path);
            return EXIT_INPUT;
        }
        for (int k = 0; k < sets->n; k++)
            if (sets->idx[k] == ps)
                return cli_usage(cmd, "--failed sets placebo_scale; so does --set %s: give one",
                                 sets->text[k]);
    }
    size_t np = ms_model_count(m, MS_PARAM);
    double *par = malloc((np ? np : 1) * sizeof *par);
    if (!par) {
        fprintf(stderr, "moodsim simulate: out of memory\n");
        return EXIT_INTERNAL;
    }
    unsigned long long seed = isnan(p->seed) ? 1 : (unsigned long long)p->seed;
    int rc = EXIT_OK;
    long c;
    double h = NAN, r = NAN;
    for (c = 0; c < PROFILE_MAX_CANDIDATES; c++) {
        ms_status st = ms_cohort_draw(ctx, m, seed, (unsigned long long)c, par);
        for (int k = 0; !st && k < sets->n; k++)
            par[sets->idx[k]] = sets->value[k];
        if (!st && !isnan(p->failed))
            par[ps] = ms_profile_placebo_scale(p->failed);
        if (!st)
            st = ms_sim_set_params(sim, par);
        if (!st && !isnan(p->hamd))
            st = ms_sim_baseline(sim, "HAMD", &h);
        if (!st && !isnan(p->crp))
            st = ms_sim_baseline(sim, "CRP_mgL", &r);
        if (st) {
            rc = cli_report(ctx, st);
            break;
        }
        if (!isnan(p->hamd) && fabs(h - p->hamd) > MS_PROFILE_SCORE_POINTS)
            continue;
        if (!isnan(p->crp) && !(r >= p->crp / MS_PROFILE_RATIO && r <= p->crp * MS_PROFILE_RATIO))
            continue;
        break;
    }
    if (!rc && c == PROFILE_MAX_CANDIDATES) {
        fprintf(stderr,
                "moodsim simulate: none of %d candidates of cohort seed %llu fits the profile "
                "(HAMD within 2 points, CRP within a factor of 1.25); is it one the model's "
                "population holds?\n",
                PROFILE_MAX_CANDIDATES, seed);
        rc = EXIT_INPUT;
    }
    if (!rc) {
        fprintf(stderr, "patient: candidate %ld of cohort seed %llu (%ld screened)", c, seed,
                c + 1);
        if (!isnan(p->hamd))
            fprintf(stderr, "; HAMD %.1f (profile %g +- %g)", h, p->hamd, MS_PROFILE_SCORE_POINTS);
        if (!isnan(p->crp))
            fprintf(stderr, "; CRP_mgL %.2f (profile %g, within a factor of %g)", r, p->crp,
                    MS_PROFILE_RATIO);
        if (!isnan(p->failed))
            fprintf(stderr, "; placebo_scale %g (%g failed antidepressant trials)",
                    ms_profile_placebo_scale(p->failed), p->failed);
        fputc('\n', stderr);
    }
    free(par);
    return rc;
}

/* The latent classes the model declares (class: on an observable), at
 * baseline for the patient simulated. */
static void print_classes(const ms_model *m, ms_sim *sim)
{
    size_t no = ms_model_count(m, MS_OBSERVABLE);
    for (size_t i = 0; i < no; i++) {
        ms_symbol s;
        double v;
        if (ms_model_symbol(m, MS_OBSERVABLE, i, &s) || !s.latent_class ||
            ms_sim_baseline(sim, s.name, &v))
            continue;
        fprintf(stderr, "latent class %s (%s): %s\n", s.name, s.latent_class,
                v == 1   ? "yes"
                : v == 0 ? "no"
                         : "neither 0 nor 1");
    }
}

/* --scenario: patient `patient` of arm `arm` as the scenario's trial
 * simulates it (ms_trial_patient): its parameters, protocol patient and
 * protocol; the follow-up if *days is 0.  Says who it is on stderr. */
static int scenario_patient(const cli_command *cmd, ms_context *ctx, const ms_scenario *sc,
                            long patient, const char *arm, double **par, ms_patient *pt,
                            const char **proto, double *days)
{
    size_t a = 0, na = ms_scenario_arm_count(sc);
    while (a < na && strcmp(ms_scenario_arm_name(sc, a), arm) != 0)
        a++;
    if (a == na) {
        fprintf(stderr, "moodsim simulate: --arm '%s': the scenario's arms are", arm);
        for (size_t i = 0; i < na; i++)
            fprintf(stderr, "%s %s", i ? "," : "", ms_scenario_arm_name(sc, i));
        fputc('\n', stderr);
        return EXIT_INPUT;
    }
    size_t np = ms_model_count(ms_scenario_model(sc), MS_PARAM);
    if (!(*par = malloc((np ? np : 1) * sizeof **par))) {
        fprintf(stderr, "moodsim simulate: out of memory\n");
        return EXIT_INTERNAL;
    }
    ms_status st = ms_trial_patient(ctx, sc, NULL, patient, a, *par, pt);
    if (st)
        return cli_report(ctx, st);
    *proto = ms_scenario_arm_protocol(sc, a);
    if (*days <= 0)
        *days = 7 * ms_scenario_visit_week(sc, ms_scenario_visit_count(sc) - 1);
    fprintf(stderr, "patient %ld of the trial, arm %s (%s), simulated as the trial does\n", patient,
            arm, *proto ? *proto : "no protocol");
    (void)cmd;
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
        O_TIME_UNIT,
        O_SEED,
        O_HAMD,
        O_CRP,
        O_FAILED,
        O_EVENTS,
        O_EVENTS_FORMAT,
        O_SCENARIO,
        O_PATIENT,
        O_ARM,
        O_SETTING
    };
    static const struct option opts[] = {
        {"days", required_argument, NULL, O_DAYS},
        {"every", required_argument, NULL, O_EVERY},
        {"rtol", required_argument, NULL, O_RTOL},
        {"atol", required_argument, NULL, O_ATOL},
        {"weight", required_argument, NULL, O_WEIGHT},
        {"out", required_argument, NULL, O_OUT},
        {"protocol", required_argument, NULL, O_PROTOCOL},
        {"method", required_argument, NULL, O_METHOD},
        {"set", required_argument, NULL, O_SET},
        {"time-unit", required_argument, NULL, O_TIME_UNIT},
        {"seed", required_argument, NULL, O_SEED},
        {"hamd", required_argument, NULL, O_HAMD},
        {"crp", required_argument, NULL, O_CRP},
        {"failed", required_argument, NULL, O_FAILED},
        {"events", required_argument, NULL, O_EVENTS},
        {"events-format", required_argument, NULL, O_EVENTS_FORMAT},
        {"scenario", required_argument, NULL, O_SCENARIO},
        {"patient", required_argument, NULL, O_PATIENT},
        {"arm", required_argument, NULL, O_ARM},
        {"setting", required_argument, NULL, O_SETTING},
        {0}};
    const char *scenario_path = NULL, *arm_name = NULL, *setting = NULL;
    double patient = -1;
    const char *out_path = NULL, *proto_path = NULL, *time_unit = NULL, *events_path = NULL, *v;
    ms_events_format events_format = MS_EVENTS_CSV;
    /* tolerances: one simulation is cheap, and at 1e-6/1e-9 39 of the SBML
     * Test Suite's cases missed the suite's own tolerance (all pass at
     * these; docs/numerics.md) */
    double days = -1, every = 1, rtol = NAN, atol = NAN, weight = NAN;
    int method = -1, o, rc = EXIT_OK;
    sim_profile prof = {NAN, NAN, NAN, NAN};
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
        else if (o == O_EVENTS)
            events_path = v;
        else if (o == O_SCENARIO)
            scenario_path = v;
        else if (o == O_ARM)
            arm_name = v;
        else if (o == O_SETTING && strcmp(v, "null") && strcmp(v, "as_claimed"))
            return cli_usage(cmd, "--setting '%s': expected null or as_claimed", v);
        else if (o == O_SETTING)
            setting = v;
        else if (o == O_PATIENT && cli_whole(cmd, "--patient", v, 0, 1e12, &patient, &rc) < 0)
            return rc;
        else if (o == O_EVENTS_FORMAT && strcmp(v, "csv") && strcmp(v, "nonmem"))
            return cli_usage(cmd, "--events-format '%s': expected csv or nonmem", v);
        else if (o == O_EVENTS_FORMAT)
            events_format = strcmp(v, "csv") ? MS_EVENTS_NONMEM : MS_EVENTS_CSV;
        else if (o == O_SEED &&
                 cli_whole(cmd, "--seed", v, 0, 9007199254740992.0, &prof.seed, &rc) < 0)
            return rc;
        else if (o == O_FAILED && cli_whole(cmd, "--failed", v, 0, 20, &prof.failed, &rc) < 0)
            return rc;
        else if ((o == O_HAMD || o == O_CRP) &&
                 cli_number(v, o == O_HAMD ? &prof.hamd : &prof.crp) != 0)
            return cli_usage(cmd, "'%s' is not a finite number", v);
    }
    if (o < 0 || cli_positionals(&a, scenario_path ? 0 : 1, scenario_path ? 0 : 1,
                                 scenario_path ? "no MODEL with --scenario (the scenario's model)"
                                               : "a MODEL file") < 0)
        return a.rc;
    const char *model_path = scenario_path ? scenario_path : a.pos[0];
    if (!scenario_path && (patient >= 0 || arm_name || setting))
        return cli_usage(cmd, "--patient, --arm and --setting go with --scenario FILE%s", "");
    if (scenario_path && (patient < 0 || !arm_name))
        return cli_usage(
            cmd, "--scenario needs --patient ID and --arm NAME (a row of endpoints.csv)%s", "");
    if (scenario_path && (proto_path || profile_given(&prof) || !isnan(weight)))
        return cli_usage(cmd,
                         "--scenario gives the patient and the arm's protocol: no --protocol, "
                         "--weight or profile%s",
                         "");
    if (scenario_path && days <= 0)
        days = 0; /* the scenario's follow-up, once it is read */
    else if (days <= 0)
        return cli_usage(cmd, "expected --days N with N > 0%s", "");
    if (days > 365.0 * 100)
        return cli_usage(cmd, "--days is limited to 100 years%s", "");
    if (!(every > 0))
        return cli_usage(cmd, "expected --every HOURS with HOURS > 0%s", "");
    if (!out_path)
        return cli_usage(cmd, "expected --out FILE.csv%s", "");
    if (events_path && !proto_path && !scenario_path)
        return cli_usage(cmd, "--events writes the events a protocol gave: expected --protocol%s",
                         "");

    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *owned = NULL;
    const ms_model *m = NULL;
    ms_scenario *sc = NULL;
    double *scpar = NULL; /* --scenario: the trial patient's parameters */
    ms_events *ev = NULL;
    ms_sim *sim = NULL;
    double *times = NULL, *out = NULL;
    ms_output *of = NULL;
    FILE *f = NULL;
    ms_patient pt = {0, 0, weight, 0}; /* the protocol as written, at this weight */
    ms_status st;
    if (scenario_path) {
        st = ms_scenario_load(ctx, scenario_path, &sc);
        if (!st && (rc = scenario_patient(cmd, ctx, sc, (long)patient, arm_name, &scpar, &pt,
                                          &proto_path, &days)))
            goto done;
        m = st ? NULL : ms_scenario_model(sc);
    } else {
        st = ms_model_load(ctx, model_path, &owned);
        m = owned;
    }
    if (!st && cli_set_resolve(cmd, &sets, m, &rc) < 0)
        goto done;
    /* a trial's patient as the trial simulates it: the scenario's solver
     * settings unless given */
    double s_rtol = 1e-10, s_atol = 1e-14;
    ms_method s_method = MS_METHOD_BDF;
    if (!st && sc)
        ms_scenario_solver(sc, &s_rtol, &s_atol, &s_method);
    rtol = isnan(rtol) ? s_rtol : rtol;
    atol = isnan(atol) ? s_atol : atol;
    method = method < 0 ? (int)s_method : method;
    double n_pts = floor(days * 24.0 / every + 1e-9) + 1;
    if (!st && n_pts > 1e7) {
        rc = cli_usage(cmd, "more than 10 million output rows; raise --every%s", "");
        goto done;
    }
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
    if (!st && scpar)
        st = ms_sim_set_params(sim, scpar);
    for (size_t i = 0; !st && setting && i < ms_model_count(m, MS_PARAM); i++) {
        ms_symbol ps;
        ms_model_symbol(m, MS_PARAM, i, &ps);
        if (ps.claim) /* the claims at the setting asked, as a trial's counterpart */
            st = ms_sim_set_param(sim, i, strcmp(setting, "null") ? ps.as_claimed : 0);
    }
    for (int k = 0; !st && k < sets.n; k++)
        st = ms_sim_set_param(sim, (size_t)sets.idx[k], sets.value[k]);
    if (st) {
        rc = cli_report(ctx, st);
        goto done;
    }
    if (profile_given(&prof) && (rc = draw_patient(cmd, ctx, m, sim, &sets, &prof, model_path)))
        goto done;
    print_classes(m, sim);
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
    /* the events given: the calendar's, and what the protocol's decision
     * rules started or stopped */
    ms_sim_stats ss;
    ms_sim_stats_get(sim, &ss);
    if (ss.decisions)
        fprintf(stderr, "decision rules acted %ld times, starting %ld courses; %zu events given\n",
                ss.decisions, ss.courses, ms_events_count(ms_sim_events(sim)));
    if (events_path &&
        (wst = ms_events_write(ctx, ms_sim_events(sim), events_path, events_format, 1))) {
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
    free(scpar);
    ms_sim_free(sim);
    ms_events_free(ev);
    ms_model_free(owned);
    ms_scenario_free(sc);
    ms_context_free(ctx);
    return rc;
}
