/*
 * cmd_sensitivity.c — `moodsim sensitivity SCENARIO`: what the scenario's
 * answers rest on (ms_sensitivity_run): Morris screening, Sobol indices or
 * one at a time, into sensitivity.csv, figures and sensitivity.html.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char CLI_HELP_SENSITIVITY[] =
    "usage: moodsim sensitivity SCENARIO --out DIR [--method morris|sobol|oat]\n"
    "                           [--trajectories R] [--samples N] [--params A,B,...]\n"
    "                           [--patients N] [--bootstrap B] [--seed S] [--tipping]\n"
    "                           [--threads N] [--quiet]\n"
    "\n"
    "How much each of the model's hypotheses moves each answer the scenario reports --\n"
    "every arm against control and every compare: pair (difference in mean change, in\n"
    "response, in remission) and a factorial's interaction contrast -- over each\n"
    "parameter's plausible range (the model's range:, else half to twice the scenario's\n"
    "value; 0 to twice as-claimed for a claim).  Every evaluation is a whole trial on\n"
    "the same virtual patients (common random numbers).  Writes DIR/sensitivity.csv\n"
    "(answer, parameter, range, index, estimate, 95% interval), a figure per answer and\n"
    "DIR/sensitivity.html (\"What this answer rests on\").  docs/sensitivity.md.\n"
    "\n"
    "options:\n"
    "  --method M         morris (default; screening: (k + 1) R + 1 trials), sobol (first-\n"
    "                     order and total indices: N (k + 2) + 1 trials) or oat (each\n"
    "                     parameter at both ends of its range: 2 k + 1 trials, a tornado)\n"
    "  --trajectories R   Morris trajectories (default 10)\n"
    "  --samples N        Sobol base samples (default 64)\n"
    "  --params LIST      the parameters to vary, comma-separated (default: every\n"
    "                     hypothesis not drawn per patient that the score depends on)\n"
    "  --patients N       patients per arm in each trial (default: the scenario's)\n"
    "  --bootstrap B      resamples for the intervals (default 1000)\n"
    "  --seed S           the design's seed (default: the scenario's)\n"
    "  --tipping          also, for each claim's strength, the value (the others at the\n"
    "                     scenario's) at which a difference in mean change reaches the\n"
    "                     minimal important difference, and the interaction contrast 0\n"
    "                     (about 7 trials per claim)\n"
    "  --threads N        each trial's threads (default: all cores)\n"
    "  --quiet            no progress\n"
    "Ctrl-C stops; the trajectories (Sobol rows) that finished are analysed and written.\n";

static void progress(void *ud, size_t done, size_t planned, double eta)
{
    progress_state *ps = ud;
    if (ps->quiet)
        return;
    if (isfinite(eta))
        fprintf(stderr, "\r%zu of %zu trials, about %.0f s left   ", done, planned, eta);
    else
        fprintf(stderr, "\r%zu of %zu trials   ", done, planned);
    ps->shown = 1;
}

int cmd_sensitivity(const cli_command *cmd, int argc, char **argv)
{
    enum {
        O_OUT = 2,
        O_METHOD,
        O_TRAJ,
        O_SAMPLES,
        O_PARAMS,
        O_PATIENTS,
        O_BOOT,
        O_SEED,
        O_THREADS,
        O_QUIET,
        O_TIPPING
    };
    static const struct option opts[] = {{"out", required_argument, NULL, O_OUT},
                                         {"method", required_argument, NULL, O_METHOD},
                                         {"trajectories", required_argument, NULL, O_TRAJ},
                                         {"samples", required_argument, NULL, O_SAMPLES},
                                         {"params", required_argument, NULL, O_PARAMS},
                                         {"patients", required_argument, NULL, O_PATIENTS},
                                         {"bootstrap", required_argument, NULL, O_BOOT},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"threads", required_argument, NULL, O_THREADS},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"tipping", no_argument, NULL, O_TIPPING},
                                         {0}};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    const char *out = NULL, *params = NULL, *v;
    double traj = 10, samples = 64, patients = 0, boot = 1000, seed = 0, threads = 0;
    ms_sens_method method = MS_SENS_MORRIS;
    int o, rc = EXIT_OK, quiet = 0, tipping = 0;
    while ((o = cli_next(&a, &v)) > 0) {
        if (o == O_OUT)
            out = v;
        else if (o == O_PARAMS)
            params = v;
        else if (o == O_QUIET)
            quiet = 1;
        else if (o == O_TIPPING)
            tipping = 1;
        else if (o == O_METHOD) {
            if (strcmp(v, "morris") == 0)
                method = MS_SENS_MORRIS;
            else if (strcmp(v, "sobol") == 0)
                method = MS_SENS_SOBOL;
            else if (strcmp(v, "oat") == 0)
                method = MS_SENS_OAT;
            else
                return cli_usage(cmd, "--method '%s': expected morris, sobol or oat", v);
        } else if ((o == O_TRAJ && cli_whole(cmd, "--trajectories", v, 2, 10000, &traj, &rc) < 0) ||
                   (o == O_SAMPLES && cli_whole(cmd, "--samples", v, 2, 1e6, &samples, &rc) < 0) ||
                   (o == O_PATIENTS &&
                    cli_whole(cmd, "--patients", v, 1, 1e9, &patients, &rc) < 0) ||
                   (o == O_BOOT && cli_whole(cmd, "--bootstrap", v, 0, 1e6, &boot, &rc) < 0) ||
                   (o == O_SEED &&
                    cli_whole(cmd, "--seed", v, 0, 9007199254740992.0, &seed, &rc) < 0) ||
                   (o == O_THREADS && cli_whole(cmd, "--threads", v, 1, 1024, &threads, &rc) < 0))
            return rc;
    }
    if (o < 0 || cli_positionals(&a, 1, 1, "a SCENARIO file") < 0)
        return a.rc;
    if (!out)
        return cli_usage(cmd, "expected --out DIR%s", "");
    /* --params a,b,c */
    char *plist = params ? strdup(params) : NULL;
    const char *names[512];
    size_t nn = 0;
    for (char *save = NULL, *p = plist ? strtok_r(plist, ",", &save) : NULL; p;
         p = strtok_r(NULL, ",", &save)) {
        if (nn == 512) {
            free(plist);
            return cli_usage(cmd, "--params: at most 512 parameters%s", "");
        }
        names[nn++] = p;
    }
    if (params && !nn) {
        free(plist);
        return cli_usage(cmd, "--params: expected NAME[,NAME...]%s", "");
    }
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK) {
        free(plist);
        return EXIT_INTERNAL;
    }
    ms_scenario *sc = NULL;
    ms_sensitivity *s = NULL;
    ms_status st = ms_scenario_load(ctx, a.pos[0], &sc);
    if (!st && ms_scenario_compile_native(ctx, sc) != MS_OK && !quiet)
        fprintf(stderr, "note: %s; the model runs as bytecode\n", ms_errmsg(ctx));
    if (!st && mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "moodsim sensitivity: %s: cannot create the directory: %s\n", out,
                strerror(errno));
        ms_scenario_free(sc);
        ms_context_free(ctx);
        free(plist);
        return EXIT_INTERNAL;
    }
    progress_state ps = {quiet, 0};
    ms_sensitivity_options so = {.method = method,
                                 .trajectories = (int)traj,
                                 .levels = 4,
                                 .samples = (int)samples,
                                 .bootstrap = (int)boot,
                                 .params = nn ? names : NULL,
                                 .nparams = nn,
                                 .patients_per_arm = (long)patients,
                                 .seed = (unsigned long long)seed,
                                 .threads = (int)threads,
                                 .progress = progress,
                                 .ud = &ps,
                                 .stop = &cli_stop,
                                 .tipping = tipping};
    if (!st) {
        cli_catch_sigint(1);
        st = ms_sensitivity_run(ctx, sc, &so, &s);
        cli_catch_sigint(0);
        if (ps.shown)
            fputc('\n', stderr);
    }
    if (s && (!st || st == MS_STOPPED)) {
        ms_status wst = ms_sensitivity_write(ctx, s, out);
        size_t ev, planned;
        int stopped;
        double secs;
        ms_sensitivity_counts(s, &ev, &planned, &stopped, &secs);
        if (wst) {
            rc = cli_report(ctx, wst);
        } else {
            printf("%zu parameters, %zu answers, %zu trials in %.1f s%s\n",
                   ms_sensitivity_param_count(s), ms_sensitivity_answer_count(s), ev, secs,
                   stopped ? " (stopped early)" : "");
            /* the largest lever of each answer */
            for (size_t i = 0; i < ms_sensitivity_answer_count(s); i++) {
                double base, best = -1;
                size_t bj = 0;
                const char *an = ms_sensitivity_answer(s, i, &base);
                for (size_t j = 0; j < ms_sensitivity_param_count(s); j++) {
                    ms_sensitivity_index x;
                    ms_sensitivity_index_get(s, i, j, &x);
                    double m = isfinite(x.mu_star) ? x.mu_star
                               : isfinite(x.st)    ? x.st
                                                   : fabs(x.at_high - x.at_low);
                    if (m > best) {
                        best = m;
                        bj = j;
                    }
                }
                printf("  %-48s %9.3f  largest: %s (%.3g)\n", an, base,
                       ms_sensitivity_param(s, bj, NULL, NULL), best);
            }
            printf("results in %s/ (sensitivity.html, sensitivity.csv)\n", out);
            rc = stopped ? EXIT_STOPPED : EXIT_OK;
        }
    } else if (st) {
        rc = cli_report(ctx, st);
    }
    ms_sensitivity_free(s);
    ms_scenario_free(sc);
    ms_context_free(ctx);
    free(plist);
    return rc;
}
