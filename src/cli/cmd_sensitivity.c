/*
 * cmd_sensitivity.c — `moodsim sensitivity SCENARIO`: what the scenario's
 * answers rest on (ms_sensitivity_run): Morris screening, Sobol indices or
 * one at a time, into sensitivity.csv, figures and sensitivity.html.  The
 * trials done go to DIR/sensitivity.journal and the analysis's arguments to
 * DIR/sensitivity-run.txt, so that --resume DIR continues an interrupted
 * one; both are removed when it completes.  Under mpirun every trial is
 * shared by the processes (the trial runner's blocks) and rank 0 writes.
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

const char CLI_HELP_SENSITIVITY[] =
    "usage: moodsim sensitivity SCENARIO --out DIR [--method morris|sobol|oat]\n"
    "                           [--trajectories R] [--samples N] [--params A,B,...]\n"
    "                           [--patients N] [--bootstrap B] [--seed S] [--tipping]\n"
    "                           [--batch N] [--lang en|ja] [--threads N] [--quiet]\n"
    "       moodsim sensitivity --resume DIR [--threads N] [--quiet]\n"
    "       mpirun -np K moodsim sensitivity SCENARIO --out DIR ...\n"
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
    "  --batch N          integrate each trial's patients that share a calendar N at a\n"
    "                     time (default: the scenario's solver: batch:; 32 is about twice\n"
    "                     as fast; docs/scenario-format.md)\n"
    "  --lang L           sensitivity.html in en (default) or ja (sensitivity.csv's keys\n"
    "                     stay English)\n"
    "  --threads N        each trial's threads (default: all cores)\n"
    "  --quiet            no progress\n"
    "  --resume DIR       continue the interrupted analysis in DIR (its scenario, model and\n"
    "                     protocols unchanged): the trials it finished are not run again\n"
    "Ctrl-C stops; the trajectories (Sobol rows) that finished are analysed and written,\n"
    "and --resume DIR continues.  Under mpirun each trial's patients are shared by the\n"
    "processes; the results are those of one process.\n";

/* What the command line asks for. */
typedef struct {
    const char *scenario, *out, *params, *resume, *lang;
    double traj, samples, patients, boot, seed, threads, batch;
    ms_sens_method method;
    int quiet, tipping, threads_given, quiet_given;
} sens_args;

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
    O_TIPPING,
    O_RESUME,
    O_LANG,
    O_BATCH
};

static const char *const METHOD_NAMES[] = {
    [MS_SENS_MORRIS] = "morris", [MS_SENS_SOBOL] = "sobol", [MS_SENS_OAT] = "oat"};

/* Parses argv into *sa; 0, or -1 with *rc the exit code. */
static int parse_args(const cli_command *cmd, int argc, char **argv, sens_args *sa, int *rc)
{
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
                                         {"resume", required_argument, NULL, O_RESUME},
                                         {"lang", required_argument, NULL, O_LANG},
                                         {"batch", required_argument, NULL, O_BATCH},
                                         {0}};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    const char *v;
    int o;
    while ((o = cli_next(&a, &v)) > 0) {
        if (o == O_OUT)
            sa->out = v;
        else if (o == O_PARAMS)
            sa->params = v;
        else if (o == O_RESUME)
            sa->resume = v;
        else if (o == O_LANG) {
            if (strcmp(v, "en") != 0 && strcmp(v, "ja") != 0) {
                *rc = cli_usage(cmd, "--lang '%s': expected en or ja", v);
                return -1;
            }
            sa->lang = v;
        } else if (o == O_QUIET)
            sa->quiet = sa->quiet_given = 1;
        else if (o == O_TIPPING)
            sa->tipping = 1;
        else if (o == O_METHOD) {
            int k = -1;
            for (int i = 0; i < 3; i++)
                if (strcmp(v, METHOD_NAMES[i]) == 0)
                    k = i;
            if (k < 0) {
                *rc = cli_usage(cmd, "--method '%s': expected morris, sobol or oat", v);
                return -1;
            }
            sa->method = (ms_sens_method)k;
        } else if ((o == O_TRAJ &&
                    cli_whole(cmd, "--trajectories", v, 2, 10000, &sa->traj, rc) < 0) ||
                   (o == O_SAMPLES &&
                    cli_whole(cmd, "--samples", v, 2, 1e6, &sa->samples, rc) < 0) ||
                   (o == O_PATIENTS &&
                    cli_whole(cmd, "--patients", v, 1, 1e9, &sa->patients, rc) < 0) ||
                   (o == O_BOOT && cli_whole(cmd, "--bootstrap", v, 0, 1e6, &sa->boot, rc) < 0) ||
                   (o == O_SEED &&
                    cli_whole(cmd, "--seed", v, 0, 9007199254740992.0, &sa->seed, rc) < 0) ||
                   (o == O_THREADS &&
                    cli_whole(cmd, "--threads", v, 1, 1024, &sa->threads, rc) < 0) ||
                   (o == O_BATCH && cli_whole(cmd, "--batch", v, 1, 256, &sa->batch, rc) < 0))
            return -1;
        if (o == O_THREADS)
            sa->threads_given = 1;
    }
    if (o < 0 ||
        cli_positionals(&a, sa->resume ? 0 : 1, sa->resume ? 0 : 1,
                        sa->resume ? "nothing but options with --resume" : "a SCENARIO file") < 0) {
        *rc = a.rc;
        return -1;
    }
    if (!sa->resume)
        sa->scenario = a.pos[0];
    return 0;
}

#define RUN_FILE "sensitivity-run.txt"
#define RUN_MAGIC "moodsim sensitivity arguments 1"
#define JOURNAL_FILE "sensitivity.journal"

/* DIR/sensitivity-run.txt: the analysis's arguments, one a line, with the
 * scenario and the directory as absolute paths (--resume may run
 * elsewhere); written to a temporary file, then renamed.  0, or -1 (said). */
static int write_run_file(const char *dir, const sens_args *sa)
{
    char path[4096], tmp[4200], scen[4096], outd[4096];
    if (!realpath(sa->scenario, scen) || !realpath(dir, outd)) {
        fprintf(stderr, "moodsim sensitivity: %s: %s\n", sa->scenario, strerror(errno));
        return -1;
    }
    if (strchr(scen, '\n') || strchr(outd, '\n') || (sa->params && strchr(sa->params, '\n'))) {
        fprintf(stderr, "moodsim sensitivity: a path or --params with a line break cannot be "
                        "kept for --resume\n");
        return -1;
    }
    snprintf(path, sizeof path, "%s/" RUN_FILE, dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "moodsim sensitivity: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f,
            "%s\n%s\n--out\n%s\n--method\n%s\n--trajectories\n%.0f\n--samples\n%.0f\n"
            "--bootstrap\n%.0f\n",
            RUN_MAGIC, scen, outd, METHOD_NAMES[sa->method], sa->traj, sa->samples, sa->boot);
    if (sa->params)
        fprintf(f, "--params\n%s\n", sa->params);
    if (sa->patients > 0)
        fprintf(f, "--patients\n%.0f\n", sa->patients);
    if (sa->seed > 0)
        fprintf(f, "--seed\n%.0f\n", sa->seed);
    if (sa->tipping)
        fputs("--tipping\n", f);
    if (sa->lang)
        fprintf(f, "--lang\n%s\n", sa->lang);
    if (sa->batch > 0)
        fprintf(f, "--batch\n%.0f\n", sa->batch);
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "moodsim sensitivity: %s: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Reads DIR/sensitivity-run.txt into *sa (the run's own --threads and
 * --quiet kept); the strings live in *store (the caller frees it). */
static int read_run_file(const cli_command *cmd, const char *dir, sens_args *sa, char **store,
                         int *rc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/" RUN_FILE, dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "moodsim sensitivity: %s: no interrupted analysis to resume (%s)\n", path,
                strerror(errno));
        *rc = EXIT_INPUT;
        return -1;
    }
    size_t cap = 0, len = 0;
    char *buf = NULL;
    for (int c; (c = fgetc(f)) != EOF;) {
        if (len + 2 > cap) {
            cap = cap ? 2 * cap : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                *rc = EXIT_INTERNAL;
                return -1;
            }
            buf = nb;
        }
        buf[len++] = (char)c;
    }
    fclose(f);
    if (!buf || strncmp(buf, RUN_MAGIC "\n", strlen(RUN_MAGIC) + 1) != 0) {
        fprintf(stderr, "moodsim sensitivity: %s:1:1: expected '%s'\n", path, RUN_MAGIC);
        free(buf);
        *rc = EXIT_INPUT;
        return -1;
    }
    buf[len] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)cmd->name;
    for (char *save = NULL, *p = strtok_r(buf + strlen(RUN_MAGIC) + 1, "\n", &save); p;
         p = strtok_r(NULL, "\n", &save)) {
        if (argc == 63) {
            fprintf(stderr, "moodsim sensitivity: %s: too many lines\n", path);
            free(buf);
            *rc = EXIT_INPUT;
            return -1;
        }
        argv[argc++] = p;
    }
    argv[argc] = NULL;
    sens_args saved = {.traj = 10, .samples = 64, .boot = 1000, .method = MS_SENS_MORRIS};
    if (parse_args(cmd, argc, argv, &saved, rc) < 0 || saved.resume || !saved.out) {
        fprintf(stderr, "moodsim sensitivity: %s: not the arguments of an analysis\n", path);
        free(buf);
        *rc = EXIT_INPUT;
        return -1;
    }
    saved.resume = sa->resume;
    saved.threads = sa->threads;
    saved.threads_given = sa->threads_given;
    saved.quiet = sa->quiet;
    *sa = saved;
    *store = buf;
    return 0;
}

int cmd_sensitivity(const cli_command *cmd, int argc, char **argv)
{
    sens_args sa = {.traj = 10, .samples = 64, .boot = 1000, .method = MS_SENS_MORRIS};
    int rc = EXIT_OK;
    char *store = NULL;
    sa.quiet = cli_rank > 0;
    if (parse_args(cmd, argc, argv, &sa, &rc) < 0)
        return rc;
    if (sa.resume) {
        if (sa.out || sa.params || sa.tipping || sa.lang || sa.batch > 0)
            return cli_usage(cmd, "--resume DIR takes only --threads and --quiet%s", "");
        if (read_run_file(cmd, sa.resume, &sa, &store, &rc) < 0)
            return rc;
    }
    if (!sa.out) {
        free(store);
        return cli_usage(cmd, "expected --out DIR%s", "");
    }
    /* --params a,b,c */
    char *plist = sa.params ? strdup(sa.params) : NULL;
    const char *names[512];
    size_t nn = 0;
    for (char *save = NULL, *p = plist ? strtok_r(plist, ",", &save) : NULL; p;
         p = strtok_r(NULL, ",", &save)) {
        if (nn == 512) {
            free(plist);
            free(store);
            return cli_usage(cmd, "--params: at most 512 parameters%s", "");
        }
        names[nn++] = p;
    }
    if (sa.params && !nn) {
        free(plist);
        free(store);
        return cli_usage(cmd, "--params: expected NAME[,NAME...]%s", "");
    }
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK) {
        free(plist);
        free(store);
        return EXIT_INTERNAL;
    }
    ms_scenario *sc = NULL;
    ms_sensitivity *s = NULL;
    const char *out = sa.out;
    char journal[4096];
    snprintf(journal, sizeof journal, "%s/" JOURNAL_FILE, out);
    ms_status st = ms_scenario_load(ctx, sa.scenario, &sc);
    if (!st && ms_scenario_compile_native(ctx, sc) != MS_OK && !sa.quiet)
        fprintf(stderr, "note: %s; the model runs as bytecode\n", ms_errmsg(ctx));
    if (!st && cli_rank == 0 && mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "moodsim sensitivity: %s: cannot create the directory: %s\n", out,
                strerror(errno));
        rc = EXIT_INTERNAL;
        goto done;
    }
    if (!st && cli_rank == 0 && !sa.resume) {
        if (access(journal, F_OK) == 0) {
            fprintf(stderr,
                    "moodsim sensitivity: %s holds an unfinished analysis (%s); resume it "
                    "(moodsim sensitivity --resume %s) or choose another output directory\n",
                    out, JOURNAL_FILE, out);
            rc = EXIT_INPUT;
            goto done;
        }
        if (write_run_file(out, &sa) < 0) {
            rc = EXIT_INTERNAL;
            goto done;
        }
    }
    progress_state ps = {sa.quiet, 0};
    ms_sensitivity_options so = {.method = sa.method,
                                 .trajectories = (int)sa.traj,
                                 .levels = 4,
                                 .samples = (int)sa.samples,
                                 .bootstrap = (int)sa.boot,
                                 .params = nn ? names : NULL,
                                 .nparams = nn,
                                 .patients_per_arm = (long)sa.patients,
                                 .seed = (unsigned long long)sa.seed,
                                 .batch = (int)sa.batch,
                                 .threads = (int)sa.threads,
                                 .progress = cli_progress_trials,
                                 .ud = &ps,
                                 .stop = &cli_stop,
                                 .tipping = sa.tipping,
                                 .journal = cli_rank == 0 ? journal : NULL,
                                 .resume = sa.resume != NULL,
                                 .rank = cli_rank,
                                 .nranks = cli_ranks,
                                 .send = msi_cli_mpi_send,
                                 .recv = msi_cli_mpi_recv};
    if (!st) {
        cli_catch_sigint(1);
        st = ms_sensitivity_run(ctx, sc, &so, &s);
        cli_catch_sigint(0);
        if (ps.shown)
            fputc('\n', stderr);
    }
    if (cli_rank > 0) { /* rank 0 writes */
        rc = st && st != MS_STOPPED ? cli_report(ctx, st) : EXIT_OK;
        goto done;
    }
    if (s && (!st || st == MS_STOPPED)) {
        ms_status wst = ms_sensitivity_write_lang(ctx, s, out, sa.lang ? sa.lang : "en");
        size_t ev, planned;
        int stopped;
        double secs;
        ms_sensitivity_counts(s, &ev, &planned, &stopped, &secs);
        if (wst) {
            rc = cli_report(ctx, wst);
        } else {
            size_t resumed = ms_sensitivity_resumed(s);
            char from[64] = "";
            if (resumed)
                snprintf(from, sizeof from, " (%zu of them from the journal)", resumed);
            printf("%zu parameters, %zu answers, %zu trials%s in %.1f s%s\n",
                   ms_sensitivity_param_count(s), ms_sensitivity_answer_count(s), ev, from, secs,
                   stopped ? " (stopped early: moodsim sensitivity --resume DIR continues)" : "");
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
            if (!stopped) { /* complete: nothing left to resume */
                char run[4096];
                snprintf(run, sizeof run, "%s/" RUN_FILE, out);
                remove(journal);
                remove(run);
            }
        }
    } else if (st) {
        rc = cli_report(ctx, st);
    }
done:
    ms_sensitivity_free(s);
    ms_scenario_free(sc);
    ms_context_free(ctx);
    free(plist);
    free(store);
    return rc;
}
