/*
 * cmd_trial.c — `moodsim trial SCENARIO --out DIR` (a virtual trial: CSV
 * results and an HTML report; --resume DIR continues an interrupted one;
 * under mpirun the processes share the patients) and `moodsim power
 * SCENARIO` (patients per arm for the scenario's power).  Steps: options,
 * the output directory and its run.txt, the run with its claims
 * counterpart, the files, the summary on stdout.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli.h"
#include "mpi_transport.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char CLI_HELP_TRIAL[] =
    "usage: moodsim trial SCENARIO --out DIR [--set NAME=VALUE] [--threads N] [--lang en|ja]\n"
    "                     [--bytecode] [--one-setting] [--batch N] [--sensitivity METHOD]\n"
    "                     [--quiet]\n"
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
    "  --set NAME=VALUE   a model parameter's value for every patient of every arm, before\n"
    "                     the arms' own set: (repeatable; kept for --resume)\n"
    "  --threads N        threads (default: all cores); results do not depend on it\n"
    "  --lang L           report language: en (default) or ja\n"
    "  --bytecode         run the model with the bytecode interpreter instead of compiling\n"
    "                     it to machine code with the system C compiler (the same results,\n"
    "                     slower; needs no compiler)\n"
    "  --one-setting      skip the claims' counterpart (the report then says it shows\n"
    "                     one setting only): for scenarios the claims cannot affect\n"
    "  --batch N          integrate an arm's patients that share a calendar N at a time\n"
    "                     (default: the scenario's solver: batch:; 32 is about twice as\n"
    "                     fast; the numbers within the tolerance; kept for --resume)\n"
    "  --sensitivity M    then what the answers rest on (docs/sensitivity.md): morris\n"
    "                     (10 trajectories), oat or sobol (64 samples) over the hypotheses\n"
    "                     the score depends on, with the claims' tipping points, on the\n"
    "                     scenario's patients; the report gains the section \"What this\n"
    "                     answer rests on\" and DIR sensitivity.csv (kept for --resume)\n"
    "  --quiet            no progress\n";

const char CLI_HELP_POWER[] =
    "usage: moodsim power SCENARIO [--set NAME=VALUE] [--threads N] [--bytecode] [--quiet]\n"
    "\n"
    "Runs the scenario's trial and estimates, by repeated simulated trials drawn from its\n"
    "patients, how many patients per arm give the scenario's power (default 80 %) at its\n"
    "two-sided alpha (default 0.05): for the difference between the combination and the\n"
    "control arm, and for the interaction (2x2 factorial scenarios), and for every arm\n"
    "against the control.\n";

/* Patient-arms of every `moodsim trial` simulated again with the other
 * integration method (ms_trial_options.check_records). */
#define MS_CLI_CHECK_RECORDS 16

/* What a trial or power run was asked for. */
typedef struct {
    int power_only;
    const char *sc_path, *out_dir, *resume_dir, *lang;
    const char *sens; /* --sensitivity METHOD, or NULL */
    double threads, batch;
    int quiet, bytecode, one_setting;
    cli_sets sets;
    char run_sc[4096], run_lang[16], run_sens[16]; /* read back from DIR/run.txt (--resume) */
    char run_set[CLI_MAX_SET][256];
} trial_args;

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

static void print_n(long n, const char *what)
{
    if (n < 0)
        printf("  %s: more than the maximum per arm searched (analysis: max_per_arm)\n", what);
    else
        printf("  %s: %ld patients per arm\n", what, n);
}

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

static void number(char *buf, size_t n, double x, int digits)
{
    if (!isfinite(x)) {
        snprintf(buf, n, "-");
        return;
    }
    double p = pow(10, digits), r = round(x * p) / p;
    snprintf(buf, n, "%.*f", digits, r == 0 ? 0.0 : r);
}

static int cli_column(const ms_arm_stat *d, int paired)
{
    return (d->outputs & MS_OUT_CLI) && (d->scope != MS_SCOPE_PAIRED || paired);
}

static int cli_width(const ms_arm_stat *d)
{
    size_t w = strlen(d->cli) + (d->shape == MS_SHAPE_COUNT ? 0 : strlen(" [95% CI]"));
    return d->shape == MS_SHAPE_COUNT ? (w > 6 ? (int)w : 6) : (w > 22 ? (int)w : 22);
}

static void print_n_per_arm(long n, const char *what)
{
    if (n == 0)
        printf("none, no difference (%s)", what);
    else if (n < 0)
        printf("over the maximum (%s)", what);
    else
        printf("%ld (%s)", n, what);
}

/* The scenario's comparisons (compare:), one line each, judged against the
 * minimal important difference. */
static void print_comparisons(const ms_scenario *sc, const ms_trial *t, double power, double alpha)
{
    for (size_t i = 0; i < ms_scenario_compare_count(sc); i++) {
        ms_comparison c;
        if (ms_trial_comparison(t, i, &c))
            continue;
        printf("%s vs %s: mean change %+.2f [%.2f, %.2f]%s, response %+.1f pp [%.1f, %.1f], "
               "remission %+.1f pp [%.1f, %.1f]; %s the minimal important difference (%g "
               "points); per arm for %.0f%% power at alpha %g: ",
               ms_scenario_arm_name(sc, c.arm), ms_scenario_arm_name(sc, c.versus), c.diff_change,
               c.diff_change_lo, c.diff_change_hi, c.paired ? " (paired)" : "",
               100 * c.diff_response, 100 * c.diff_response_lo, 100 * c.diff_response_hi,
               100 * c.diff_remission, 100 * c.diff_remission_lo, 100 * c.diff_remission_hi,
               c.reaches_mid ? "reaches" : "below", c.mid, 100 * power, alpha);
        print_n_per_arm(c.n_change, "mean change");
        printf(", ");
        print_n_per_arm(c.n_remission, "remission");
        printf("\n");
    }
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
                /* an arm's estimate that does not exist although the arm has
                 * patients: a median time the share responding never reached
                 * (every other per-arm statistic exists whenever n > 0) */
                int unreached =
                    !isfinite(v[MS_PART_ESTIMATE]) && s.n > 0 && d->scope == MS_SCOPE_ARM;
                snprintf(c, sizeof c, "%s%s [%s, %s]", unreached ? "not reached" : e,
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
    print_comparisons(sc, t, y.power, y.alpha);
}

static const char *setting_name(ms_claims_setting s)
{
    return s == MS_CLAIMS_NULL ? "null" : s == MS_CLAIMS_AS_CLAIMED ? "as-claimed" : "as set";
}

static void print_summary(const ms_scenario *sc, const ms_trial *t, const char *dir, int power)
{
    long screened, included, failed, finished = 0;
    ms_trial_counts(t, &screened, &included, &failed);
    for (size_t a = 0; a < ms_scenario_arm_count(sc); a++) {
        ms_arm_summary s;
        ms_trial_arm_summary(t, a, &s);
        finished += s.n + s.failed;
    }
    if (ms_trial_interrupted(t)) /* what finished, not what was planned */
        printf("interrupted: %ld patient-arms finished of the %ld patients planned; %ld "
               "simulations failed\n",
               finished, included, failed);
    else
        printf("%ld candidates screened, %ld included, %ld simulations failed\n", screened,
               included, failed);
    ms_claims_setting set, other;
    const ms_trial *cp = ms_trial_counterpart(t, &set, &other);
    if (cp)
        printf("claims %s (this run):\n", setting_name(set));
    print_arms(sc, t);
    if (cp) {
        long cp_failed = 0;
        ms_trial_counts(cp, NULL, NULL, &cp_failed);
        printf("claims %s (the same patients again; %s/%s/summary.csv", setting_name(other),
               dir ? dir : ".", ms_claims_dir(other));
        if (cp_failed)
            printf("; %ld simulations failed: report.html lists the first", cp_failed);
        printf("):\n");
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
 * absolute path, the report language, whether --one-setting was given and
 * every --set). */
static int write_run_file(const trial_args *ta)
{
    char abs[4096], path[4096];
    if (!realpath(ta->sc_path, abs)) {
        fprintf(stderr, "%s: %s\n", ta->sc_path, strerror(errno));
        return EXIT_INPUT;
    }
    snprintf(path, sizeof path, "%s/run.txt", ta->out_dir);
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_output *o;
    FILE *f;
    ms_status st = ms_output_open(ctx, path, &o, &f);
    if (!st) {
        fprintf(f, "scenario %s\nlang %s\n%s", abs, ta->lang,
                ta->one_setting ? "one-setting\n" : "");
        if (ta->sens)
            fprintf(f, "sensitivity %s\n", ta->sens);
        if (ta->batch > 0)
            fprintf(f, "batch %.0f\n", ta->batch);
        for (int k = 0; k < ta->sets.n; k++)
            fprintf(f, "set %s\n", ta->sets.text[k]);
        st = ms_output_close(ctx, o, 1);
    }
    int rc = st ? cli_report(ctx, st) : EXIT_OK;
    ms_context_free(ctx);
    return rc;
}

/* --sensitivity's methods: morris, oat, sobol; -1 for another word. */
static int sens_method(const char *name)
{
    return strcmp(name, "morris") == 0  ? MS_SENS_MORRIS
           : strcmp(name, "oat") == 0   ? MS_SENS_OAT
           : strcmp(name, "sobol") == 0 ? MS_SENS_SOBOL
                                        : -1;
}

static int read_run_file(trial_args *ta)
{
    char path[4096], line[4200];
    snprintf(path, sizeof path, "%s/run.txt", ta->resume_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot resume: %s (not a trial output directory?)\n", path,
                strerror(errno));
        return -1;
    }
    ta->run_sc[0] = '\0';
    snprintf(ta->run_lang, sizeof ta->run_lang, "en");
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "scenario ", 9) == 0 && strlen(line + 9) < sizeof ta->run_sc)
            snprintf(ta->run_sc, sizeof ta->run_sc, "%s", line + 9);
        else if (strncmp(line, "lang ", 5) == 0 && strlen(line + 5) < sizeof ta->run_lang)
            snprintf(ta->run_lang, sizeof ta->run_lang, "%s", line + 5);
        else if (strcmp(line, "one-setting") == 0)
            ta->one_setting = 1;
        else if (strncmp(line, "batch ", 6) == 0 && cli_number(line + 6, &ta->batch) == 0 &&
                 ta->batch >= 1 && ta->batch <= 256 && ta->batch == floor(ta->batch))
            ;
        else if (strncmp(line, "sensitivity ", 12) == 0 && sens_method(line + 12) >= 0) {
            /* one of the method names: shorter than run_sens */
            memcpy(ta->run_sens, line + 12, strlen(line + 12) + 1);
            ta->sens = ta->run_sens;
        } else if (strncmp(line, "set ", 4) == 0 && strlen(line + 4) < sizeof ta->run_set[0] &&
                   ta->sets.n < CLI_MAX_SET) {
            snprintf(ta->run_set[ta->sets.n], sizeof ta->run_set[0], "%s", line + 4);
            ta->sets.text[ta->sets.n] = ta->run_set[ta->sets.n];
            ta->sets.n++;
        } else {
            fprintf(stderr,
                    "%s:%d:1: expected 'scenario PATH', 'lang L', 'one-setting', "
                    "'sensitivity METHOD', 'batch N' or 'set NAME=VALUE'\n",
                    path, lineno);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (!ta->run_sc[0]) {
        fprintf(stderr, "%s:1:1: no 'scenario PATH' line\n", path);
        return -1;
    }
    return 0;
}

/* The options of `trial` or `power`; -1 with *rc the exit code. */
static int parse_args(const cli_command *cmd, int argc, char **argv, trial_args *ta, int *rc)
{
    enum {
        O_QUIET = 2,
        O_ONE,
        O_BYTECODE,
        O_THREADS,
        O_OUT,
        O_RESUME,
        O_LANG,
        O_SET,
        O_SENS,
        O_BATCH
    };
    static const struct option trial_opts[] = {{"quiet", no_argument, NULL, O_QUIET},
                                               {"one-setting", no_argument, NULL, O_ONE},
                                               {"bytecode", no_argument, NULL, O_BYTECODE},
                                               {"threads", required_argument, NULL, O_THREADS},
                                               {"set", required_argument, NULL, O_SET},
                                               {"out", required_argument, NULL, O_OUT},
                                               {"resume", required_argument, NULL, O_RESUME},
                                               {"lang", required_argument, NULL, O_LANG},
                                               {"sensitivity", required_argument, NULL, O_SENS},
                                               {"batch", required_argument, NULL, O_BATCH},
                                               {0}};
    /* power: no output directory, report or counterpart */
    static const struct option power_opts[] = {{"quiet", no_argument, NULL, O_QUIET},
                                               {"bytecode", no_argument, NULL, O_BYTECODE},
                                               {"threads", required_argument, NULL, O_THREADS},
                                               {"set", required_argument, NULL, O_SET},
                                               {0}};
    ta->lang = "en";
    ta->quiet = cli_rank > 0;
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, ta->power_only ? power_opts : trial_opts);
    const char *v;
    int o;
    while ((o = cli_next(&a, &v)) > 0) {
        switch (o) {
        case O_QUIET: ta->quiet = 1; break;
        case O_ONE: ta->one_setting = 1; break;
        case O_BYTECODE: ta->bytecode = 1; break;
        case O_OUT: ta->out_dir = v; break;
        case O_RESUME: ta->resume_dir = v; break;
        case O_THREADS:
            if (cli_whole(cmd, "--threads", v, 1, 1024, &ta->threads, rc) < 0)
                return -1;
            break;
        case O_LANG:
            if (strcmp(v, "en") != 0 && strcmp(v, "ja") != 0) {
                *rc = cli_usage(cmd, "--lang '%s': expected en or ja", v);
                return -1;
            }
            ta->lang = v;
            break;
        case O_SET:
            if (cli_set_add(cmd, &ta->sets, v, rc) < 0)
                return -1;
            break;
        case O_BATCH:
            if (cli_whole(cmd, "--batch", v, 1, 256, &ta->batch, rc) < 0)
                return -1;
            break;
        case O_SENS:
            if (sens_method(v) < 0) {
                *rc = cli_usage(cmd, "--sensitivity '%s': expected morris, oat or sobol", v);
                return -1;
            }
            ta->sens = v;
            break;
        }
    }
    if (o < 0 || cli_positionals(&a, 0, 1, "a SCENARIO file") < 0) {
        *rc = a.rc;
        return -1;
    }
    ta->sc_path = a.npos ? a.pos[0] : NULL;
    if (ta->resume_dir) {
        if (ta->sc_path || ta->out_dir || ta->sets.n || ta->sens || ta->batch > 0) {
            *rc = cli_usage(cmd,
                            "--resume DIR takes the scenario, output directory, --set, "
                            "--batch and --sensitivity of the run in DIR; give none of them%s",
                            "");
            return -1;
        }
        if (read_run_file(ta)) {
            *rc = EXIT_INPUT;
            return -1;
        }
        ta->sc_path = ta->run_sc;
        ta->lang = ta->run_lang;
        ta->out_dir = ta->resume_dir;
    }
    if (!ta->sc_path) {
        *rc = cli_usage(cmd, "expected a SCENARIO file%s", "");
        return -1;
    }
    if (!ta->power_only && !ta->out_dir) {
        *rc = cli_usage(cmd, "expected --out DIR%s", "");
        return -1;
    }
    return 0;
}

/* The output directory (created) and its run.txt (a new run). */
static int prepare_out_dir(const trial_args *ta)
{
    if (cli_rank != 0 || !ta->out_dir)
        return EXIT_OK;
    if (mkdir(ta->out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create: %s\n", ta->out_dir, strerror(errno));
        return EXIT_INTERNAL;
    }
    return ta->resume_dir ? EXIT_OK : write_run_file(ta);
}

/* The trial, then (a model with claims) its counterpart: the same patients
 * with every claim at the other setting, so that the report shows both
 * (docs/scenario-format.md).  Ctrl-C stops either, keeping what finished. */
static ms_status run(ms_context *ctx, const cli_command *cmd, const trial_args *ta,
                     const ms_scenario *sc, ms_trial **t)
{
    progress_state ps = {ta->quiet, 0};
    ms_trial_options opt = {.threads = (int)ta->threads,
                            .progress = progress,
                            .ud = &ps,
                            .stop = &cli_stop,
                            .out_dir = ta->power_only ? NULL : ta->out_dir,
                            .resume = ta->resume_dir != NULL,
                            .rank = cli_rank,
                            .nranks = cli_ranks,
                            .send = msi_cli_mpi_send,
                            .recv = msi_cli_mpi_recv,
                            .check_records = ta->power_only ? 0 : MS_CLI_CHECK_RECORDS,
                            .set_param = ta->sets.idx,
                            .set_value = ta->sets.value,
                            .n_set = (size_t)ta->sets.n,
                            .batch = (int)ta->batch};
    cli_catch_sigint(1);
    ms_status st = ms_trial_run(ctx, sc, &opt, t);
    if (ps.shown)
        fputc('\n', stderr);
    ps.shown = 0;
    if (st == MS_OK && !ta->power_only && !ta->one_setting &&
        ms_model_claim_count(ms_scenario_model(sc)) > 0) {
        if (cli_rank == 0 && !ta->quiet)
            fprintf(stderr,
                    "moodsim %s: the model has claims without human evidence; the same "
                    "patients again with them at the other setting\n",
                    cmd->name);
        ms_status cst = ms_trial_run_counterpart(ctx, *t, &opt);
        if (ps.shown)
            fputc('\n', stderr);
        if (cst == MS_STOPPED && cli_rank == 0)
            fprintf(stderr, "moodsim %s: interrupted; the report shows this setting only\n",
                    cmd->name);
        else if (cst != MS_OK && cst != MS_STOPPED)
            st = cst;
    }
    cli_catch_sigint(0);
    return st;
}

/* --sensitivity: what the trial's answers rest on (docs/sensitivity.md),
 * with the tipping points, on the scenario's patients; its trials are
 * journaled in DIR/sensitivity.journal, so that --resume continues it. */
static ms_status run_sensitivity(ms_context *ctx, const trial_args *ta, const ms_scenario *sc,
                                 ms_sensitivity **out)
{
    char journal[4096];
    snprintf(journal, sizeof journal, "%s/sensitivity.journal", ta->out_dir);
    progress_state ps = {ta->quiet, 0};
    ms_sensitivity_options so = {.method = (ms_sens_method)sens_method(ta->sens),
                                 .trajectories = 10,
                                 .levels = 4,
                                 .samples = 64,
                                 .bootstrap = 1000,
                                 .threads = (int)ta->threads,
                                 .progress = cli_progress_trials,
                                 .ud = &ps,
                                 .stop = &cli_stop,
                                 .tipping = 1,
                                 .batch = (int)ta->batch,
                                 .journal = cli_rank == 0 ? journal : NULL,
                                 .resume = ta->resume_dir && access(journal, F_OK) == 0,
                                 .rank = cli_rank,
                                 .nranks = cli_ranks,
                                 .send = msi_cli_mpi_send,
                                 .recv = msi_cli_mpi_recv};
    if (cli_rank == 0 && !ta->quiet)
        fprintf(stderr, "moodsim trial: what the answers rest on (--sensitivity %s)\n", ta->sens);
    cli_catch_sigint(1);
    ms_status st = ms_sensitivity_run(ctx, sc, &so, out);
    cli_catch_sigint(0);
    if (ps.shown)
        fputc('\n', stderr);
    return st;
}

/* summary.csv, the counterpart's, inputs/, the sensitivity analysis's files
 * and report.html. */
static ms_status write_outputs(ms_context *ctx, const trial_args *ta, ms_trial *t,
                               const ms_sensitivity *sens, int argc, char **argv)
{
    char command[8192];
    size_t off = (size_t)snprintf(command, sizeof command, "moodsim");
    for (int i = 0; i < argc && off < sizeof command; i++)
        off += (size_t)snprintf(command + off, sizeof command - off, " %s", argv[i]);
    ms_status st = ms_trial_write(ctx, t, ta->out_dir);
    if (!st && sens)
        st = ms_sensitivity_write_lang(ctx, sens, ta->out_dir, ta->lang);
    if (!st)
        st = ms_report_write_sensitivity(ctx, t, sens, ta->out_dir, ta->lang, command);
    if (!st) /* everything written: the checkpoint goes (a kill before this resumes) */
        st = ms_trial_finish(ctx, t);
    if (!st && sens) {
        char journal[4096];
        snprintf(journal, sizeof journal, "%s/sensitivity.journal", ta->out_dir);
        remove(journal);
    }
    return st;
}

/* A trial whose every simulation failed has no result to show, only NaN:
 * a numerical failure (exit 3), not a success. */
static int all_failed(const ms_scenario *sc, const ms_trial *t, const char *dir)
{
    long failed, analysed = 0;
    ms_trial_counts(t, NULL, NULL, &failed);
    for (size_t a = 0; a < ms_scenario_arm_count(sc); a++) {
        ms_arm_summary s;
        ms_trial_arm_summary(t, a, &s);
        analysed += s.n;
    }
    if (analysed > 0 || failed == 0)
        return EXIT_OK;
    fprintf(stderr, "moodsim trial: every simulation failed (%ld); no arm has a result%s%s%s\n",
            failed, dir ? " (the reasons: " : "", dir ? dir : "", dir ? "/failures.csv)" : "");
    return EXIT_NUMERIC;
}

static int trial_or_power(const cli_command *cmd, int argc, char **argv, int power_only)
{
    trial_args ta = {.power_only = power_only};
    int rc = EXIT_OK;
    if (parse_args(cmd, argc, argv, &ta, &rc) < 0)
        return rc;
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_scenario *sc = NULL;
    ms_trial *t = NULL;
    ms_sensitivity *sens = NULL;
    ms_status st = ms_scenario_load(ctx, ta.sc_path, &sc);
    if (st) {
        rc = cli_report(ctx, st);
        goto done;
    }
    if (cli_set_resolve(cmd, &ta.sets, ms_scenario_model(sc), &rc) < 0)
        goto done;
    /* the model as machine code: the same results, faster (docs/model-format.md) */
    if (!ta.bytecode && ms_scenario_compile_native(ctx, sc) != MS_OK && cli_rank == 0)
        fprintf(stderr,
                "moodsim %s: note: %s; the model runs as bytecode (the same results, "
                "slower)\n",
                cmd->name, ms_errmsg(ctx));
    if ((rc = prepare_out_dir(&ta)))
        goto done;
    st = run(ctx, cmd, &ta, sc, &t);
    if (st != MS_OK && st != MS_STOPPED) {
        rc = cli_report(ctx, st);
        goto done;
    }
    if (st == MS_OK && ta.sens && !power_only && !cli_stop) {
        ms_status sst = run_sensitivity(ctx, &ta, sc, &sens);
        if (sst == MS_STOPPED) { /* the trial is whole; the analysis resumes */
            if (cli_rank == 0)
                fprintf(stderr,
                        "moodsim trial: interrupted in the sensitivity analysis; continue "
                        "with: moodsim trial --resume %s\n",
                        ta.out_dir);
            rc = EXIT_STOPPED;
            goto done;
        }
        if (sst) {
            rc = cli_report(ctx, sst);
            goto done;
        }
    }
    if (cli_rank > 0)
        goto done; /* its patients went to rank 0, which writes */
    if (st == MS_STOPPED)
        fprintf(stderr, "moodsim %s: interrupted; keeping the patients that finished\n", cmd->name);
    if (power_only) {
        print_summary(sc, t, NULL, 1);
        rc = all_failed(sc, t, NULL);
        if (!rc && st == MS_STOPPED)
            rc = EXIT_STOPPED;
        goto done;
    }
    if ((st = write_outputs(ctx, &ta, t, sens, argc, argv))) {
        rc = cli_report(ctx, st);
        goto done;
    }
    print_summary(sc, t, ta.out_dir, 0);
    if ((rc = all_failed(sc, t, ta.out_dir)))
        goto done;
    if (ms_trial_interrupted(t))
        fprintf(stderr, "moodsim trial: continue with: moodsim trial --resume %s\n", ta.out_dir);
    if (cli_stop)
        rc = EXIT_STOPPED;
done:
    ms_sensitivity_free(sens);
    ms_trial_free(t);
    ms_scenario_free(sc);
    ms_context_free(ctx);
    return rc;
}

int cmd_trial(const cli_command *cmd, int argc, char **argv)
{
    return trial_or_power(cmd, argc, argv, 0);
}

int cmd_power(const cli_command *cmd, int argc, char **argv)
{
    return trial_or_power(cmd, argc, argv, 1);
}
