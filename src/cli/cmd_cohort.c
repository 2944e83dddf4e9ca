/*
 * cmd_cohort.c — `moodsim cohort MODEL --n N --seed S --out FILE.csv`:
 * virtual patients drawn from a model's variability section, screened by
 * --min/--max criteria, with their baseline observables.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char CLI_HELP_COHORT[] =
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

int cmd_cohort(const cli_command *cmd, int argc, char **argv)
{
    enum { O_N = 2, O_SEED, O_OUT, O_SET, O_MIN, O_MAX };
    static const struct option opts[] = {{"n", required_argument, NULL, O_N},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"set", required_argument, NULL, O_SET},
                                         {"min", required_argument, NULL, O_MIN},
                                         {"max", required_argument, NULL, O_MAX},
                                         {0}};
    const char *out_path = NULL, *arg;
    double n = -1, seed = -1;
    ms_criterion crit[64];
    char names[64][128];
    int ncrit = 0, o, rc = EXIT_OK;
    cli_sets sets = {0};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    while ((o = cli_next(&a, &arg)) > 0) {
        const char *v = arg;
        if (o == O_N) {
            if (cli_whole(cmd, "--n", v, 1, 1e7, &n, &rc) < 0)
                return rc;
        } else if (o == O_SEED) {
            if (cli_whole(cmd, "--seed", v, 0, 1e15, &seed, &rc) < 0)
                return rc;
        } else if (o == O_OUT) {
            out_path = v;
        } else if (o == O_SET) {
            if (cli_set_add(cmd, &sets, v, &rc) < 0)
                return rc;
        } else {
            const char *eq = strchr(v, '=');
            double x;
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof names[0] || cli_number(eq + 1, &x))
                return cli_usage(cmd, "'%s': expected NAME=NUMBER", v);
            if (ncrit == 64)
                return cli_usage(cmd, "too many criteria%s", "");
            memcpy(names[ncrit], v, (size_t)(eq - v));
            names[ncrit][eq - v] = '\0';
            crit[ncrit].name = names[ncrit];
            crit[ncrit].min = o == O_MIN ? x : -INFINITY;
            crit[ncrit].max = o == O_MAX ? x : INFINITY;
            ncrit++;
        }
    }
    if (o < 0 || cli_positionals(&a, 1, 1, "MODEL --n N --seed S --out FILE") < 0)
        return a.rc;
    const char *model_path = a.pos[0];
    if (n < 1 || seed < 0 || !out_path)
        return cli_usage(cmd, "expected MODEL --n N --seed S --out FILE%s", "");
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_sim *sim = NULL;
    FILE *f = NULL;
    double *p = NULL, *y = NULL, *obs = NULL;
    long *rej = calloc(65, sizeof *rej);
    ms_output *of = NULL;
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
        rc = cli_report(ctx, st);
        goto done;
    }
    if (cli_set_resolve(cmd, &sets, m, &rc) < 0)
        goto done;
    p = calloc(np + 1, sizeof *p);
    y = calloc(ns + 1, sizeof *y);
    obs = calloc(no + 1, sizeof *obs);
    if (!p || !y || !obs || !rej) {
        fprintf(stderr, "moodsim cohort: out of memory\n");
        rc = EXIT_INTERNAL;
        goto done;
    }
    if ((st = ms_output_open(ctx, out_path, &of, &f))) {
        rc = cli_report(ctx, st);
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
        for (int j = 0; j < sets.n; j++)
            p[sets.idx[j]] = sets.value[j];
        if (st || (st = ms_sim_set_params(sim, p))) {
            rc = cli_report(ctx, st);
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
            rc = cli_report(ctx, st);
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
    /* the patients written are whole and correct even if a later draw failed */
    if (of && (st = ms_output_close(ctx, of, 1)) && rc == EXIT_OK)
        rc = cli_report(ctx, st);
    free(p);
    free(y);
    free(obs);
    free(rej);
    ms_sim_free(sim);
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}
