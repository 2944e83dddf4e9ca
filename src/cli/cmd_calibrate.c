/*
 * cmd_calibrate.c — `moodsim calibrate TARGETS.yaml` (fit population
 * parameters to published figures, or --evaluate them at the model file's
 * values, optionally on replicate trials) and `moodsim calibrate PLAN.yaml`
 * (a calibration of several steps and checks); --write-model writes the
 * values re-derived into a copy of the model file.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char CLI_HELP_CALIBRATE[] =
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

static int cal_progress(void *ud, int iteration, int evaluations, double best, double seconds)
{
    progress_state *ps = ud;
    if (!ps->quiet && (seconds >= 2 || ps->shown)) {
        fprintf(stderr, "\rcalibrate: iteration %d, %d evaluations, best objective %.4g, %.0f s   ",
                iteration, evaluations, best, seconds);
        ps->shown = 1;
    }
    return cli_stop; /* Ctrl-C: stop with the best point so far */
}

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
                "moodsim calibrate: stopped after %d evaluations (max_evaluations: of the "
                "targets file or the plan's step); the best point evaluated (not a "
                "converged fit)\n",
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

static int write_values(ms_context *ctx, const char *model, const char *out,
                        const char *const *names, const double *values, size_t n)
{
    ms_status st = ms_model_write_values(ctx, model, out, names, values, n);
    if (st)
        return cli_report(ctx, st);
    fprintf(stderr, "moodsim calibrate: wrote %s: %s with the %zu value%s re-derived\n", out, model,
            n, n == 1 ? "" : "s");
    return EXIT_OK;
}

static int run_plan(const cli_command *cmd, ms_context *ctx, ms_calplan *p, size_t from, int eval,
                    progress_state *ps, const char *write_model)
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
        return cli_usage(cmd, "--from: beyond the plan's steps (it has %s)", buf);
    }
    int outside_steps = 0, outside_checks = 0, stopped = 0;
    if (from > 0)
        printf("(steps 1 to %zu skipped: --from %zu; their parameters keep the model file's "
               "values)\n\n",
               from, from + 1);
    if (!eval)
        cli_catch_sigint(1);
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
            cli_catch_sigint(0);
            return cli_report(ctx, st);
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
    cli_catch_sigint(0);
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
        return EXIT_STOPPED;
    }
    if (write_model) {
        if (ms_calplan_write_model(ctx, p, write_model))
            return cli_report(ctx, ms_errcode(ctx));
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
    return outside ? EXIT_TARGETS : EXIT_OK;
}

int cmd_calibrate(const cli_command *cmd, int argc, char **argv)
{
    enum { O_EVALUATE = 2, O_QUIET, O_REPLICATES, O_FROM, O_SCENARIO, O_WRITE_MODEL };
    static const struct option opts[] = {{"evaluate", no_argument, NULL, O_EVALUATE},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {"replicates", required_argument, NULL, O_REPLICATES},
                                         {"from", required_argument, NULL, O_FROM},
                                         {"scenario", required_argument, NULL, O_SCENARIO},
                                         {"write-model", required_argument, NULL, O_WRITE_MODEL},
                                         {0}};
    const char *scenario = NULL, *write_model = NULL, *v;
    int eval = 0, reps = 0, o, rc = EXIT_OK;
    double x;
    long from = 0;
    progress_state ps = {0};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    while ((o = cli_next(&a, &v)) > 0) {
        switch (o) {
        case O_EVALUATE: eval = 1; break;
        case O_QUIET: ps.quiet = 1; break;
        case O_SCENARIO: scenario = v; break;
        case O_WRITE_MODEL: write_model = v; break;
        case O_REPLICATES:
            if (cli_whole(cmd, "--replicates", v, 1, 1000, &x, &rc) < 0)
                return rc;
            reps = (int)x;
            break;
        case O_FROM:
            if (cli_whole(cmd, "--from", v, 1, 1000, &x, &rc) < 0)
                return rc;
            from = (long)x;
            break;
        }
    }
    if (o < 0 || cli_positionals(&a, 1, 1, "one TARGETS file") < 0)
        return a.rc;
    const char *file = a.pos[0];
    if (scenario && !eval)
        return cli_usage(cmd, "--scenario needs --evaluate%s", "");
    if (reps && !eval)
        return cli_usage(cmd, "--replicates needs --evaluate%s", "");
    if (write_model && eval)
        return cli_usage(cmd,
                         "--write-model writes fitted values; --evaluate fits "
                         "nothing%s",
                         "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_calplan *p = NULL;
    ms_status st = ms_calplan_load(ctx, file, &p);
    if (st) {
        rc = cli_report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    if (!ms_calplan_single(p)) {
        rc = scenario || reps
                 ? cli_usage(cmd,
                             "--scenario and --replicates apply to a targets "
                             "file; '%s' is a plan (its checks: name their "
                             "scenarios)",
                             file)
                 : run_plan(cmd, ctx, p, (size_t)(from ? from - 1 : 0), eval, &ps, write_model);
        ms_calplan_free(p);
        ms_context_free(ctx);
        return rc;
    }
    ms_calplan_free(p);
    if (from) {
        ms_context_free(ctx);
        return cli_usage(cmd,
                         "--from applies to a plan (steps:); '%s' is a targets "
                         "file",
                         file);
    }
    ms_calibration *c = NULL;
    if (!eval)
        cli_catch_sigint(1);
    st = eval ? ms_calibration_evaluate_replicates(ctx, file, scenario, reps ? reps : 1, &c)
              : ms_calibrate_progress(ctx, file, cal_progress, &ps, &c);
    cli_catch_sigint(0);
    if (ps.shown)
        fputc('\n', stderr);
    int stopped = st == MS_STOPPED;
    if (st && !stopped) {
        rc = cli_report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    print_fit_end(c, stopped, ps.quiet);
    int outside = print_calibration(c, eval, stopped, reps);
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
    return rc ? rc : stopped ? EXIT_STOPPED : outside ? EXIT_TARGETS : EXIT_OK;
}
