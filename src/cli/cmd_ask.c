/*
 * cmd_ask.c — `moodsim ask`: the clinician's question in one command.  "Would
 * adding B to treatment A help a patient like mine?" becomes a matched
 * virtual trial of the patients who resemble the profile (inclusion windows
 * around the given baseline HAM-D-17 and CRP; treatment resistance from the
 * number of failed antidepressant trials), with arms [sham,] A and A + B and
 * the comparison A + B versus A, run on both claims settings like any trial.
 * Writes the scenario it ran into DIR (ask_scenario.yaml, with the profile
 * as its patient: block, so the run can be read, repeated and edited) and
 * then runs `moodsim trial` on it.  The profile's meaning (windows, the
 * expectation scale of treatment resistance) is the scenario module's.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char CLI_HELP_ASK[] =
    "usage: moodsim ask --treatment A.yaml --add A_PLUS_B.yaml --out DIR\n"
    "                   [--sham SHAM.yaml] [--hamd X] [--crp X] [--failed N]\n"
    "                   [--model MODEL] [--weeks N] [--patients N] [--seed S]\n"
    "                   [--threads N] [--lang en|ja] [--quiet]\n"
    "\n"
    "Answers \"would adding B to treatment A help a patient like mine, and how big a\n"
    "study would show it?\" with a matched virtual trial: every virtual patient who\n"
    "resembles the profile is simulated on A (--treatment), on A + B (--add) and, with\n"
    "--sham, on sham; A + B is compared with A (difference in improvement, response,\n"
    "remission, NNT, patients per arm a real trial would need), with the unproven\n"
    "effects at null and as claimed.  The scenario is written to DIR/ask_scenario.yaml\n"
    "and run as 'moodsim trial' runs it; the report is DIR/report.html.\n"
    "\n"
    "The profile conditions the virtual cohort by inclusion windows on baseline values:\n"
    "  --hamd X     HAM-D-17 at baseline: patients within X +- 2 points\n"
    "  --crp X      CRP in mg/L: patients within X / 1.25 to X x 1.25\n"
    "  --failed N   failed adequate antidepressant trials: 2 or more is treatment-resistant\n"
    "               depression (McIntyre et al. 2023, World Psychiatry 22:394-412), where\n"
    "               the model's expectation effect is scaled to 0.4 (placebo_scale, a\n"
    "               hypothesis of the model); 1 failed trial: 0.7 (a hypothesis: halfway);\n"
    "               0: 1\n"
    "\n"
    "options:\n"
    "  --treatment FILE  protocol of the treatment the patient would get anyway (A)\n"
    "  --add FILE        protocol of A together with the add-on (A + B)\n"
    "  --sham FILE       protocol of a sham arm (optional)\n"
    "  --model FILE      the model (default models/depression_inflammation.yaml)\n"
    "  --weeks N         follow-up in weeks (default 26, the seeds' 3-6 months)\n"
    "  --patients N      virtual patients (default 300; each is simulated in every arm)\n"
    "  --seed S          random seed (default 1)\n"
    "  --out DIR         output directory (created if missing)\n"
    "  --threads N, --lang L, --quiet   as for 'moodsim trial'\n";

/* the visit weeks of a follow-up of `weeks`: weekly to 4, then 6, 8, 12
 * and every 4 weeks, and the last week */
static size_t visit_weeks(double weeks, double *v, size_t cap)
{
    static const double w[] = {0, 1, 2, 3, 4, 6, 8, 12};
    size_t n = 0;
    for (size_t i = 0; i < sizeof w / sizeof *w && w[i] < weeks && n < cap; i++)
        v[n++] = w[i];
    for (double x = 16; x < weeks && n < cap; x += 4)
        v[n++] = x;
    if (n < cap)
        v[n++] = weeks;
    return n;
}

/* path made absolute (the scenario lives in DIR, not where the user is) */
static int absolute(const char *opt, const char *path, char *out)
{
    if (!realpath(path, out)) {
        fprintf(stderr, "moodsim ask: %s %s: %s\n", opt, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* s as a YAML double-quoted scalar: a path or label with '#', ': ' or a
 * quote in it stays one string */
static void yq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\x%02x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* one arm of the scenario */
static void arm_line(FILE *f, const char *name, const char *label, const char *protocol)
{
    fprintf(f, "  - {name: %s, label: ", name);
    yq(f, label);
    fputs(", protocol: ", f);
    yq(f, protocol);
    fputs("}\n", f);
}

/* a protocol's display label from its file name ("tms_exosome") */
static void label_of(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, n, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot)
        *dot = '\0';
}

enum {
    O_TREAT = 2,
    O_ADD,
    O_SHAM,
    O_MODEL,
    O_HAMD,
    O_CRP,
    O_FAILED,
    O_WEEKS,
    O_PATIENTS,
    O_SEED,
    O_OUT,
    O_THREADS,
    O_LANG,
    O_QUIET
};

int cmd_ask(const cli_command *cmd, int argc, char **argv)
{
    static const struct option opts[] = {{"treatment", required_argument, NULL, O_TREAT},
                                         {"add", required_argument, NULL, O_ADD},
                                         {"sham", required_argument, NULL, O_SHAM},
                                         {"model", required_argument, NULL, O_MODEL},
                                         {"hamd", required_argument, NULL, O_HAMD},
                                         {"crp", required_argument, NULL, O_CRP},
                                         {"failed", required_argument, NULL, O_FAILED},
                                         {"weeks", required_argument, NULL, O_WEEKS},
                                         {"patients", required_argument, NULL, O_PATIENTS},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"threads", required_argument, NULL, O_THREADS},
                                         {"lang", required_argument, NULL, O_LANG},
                                         {"quiet", no_argument, NULL, O_QUIET},
                                         {0}};
    const char *treat = NULL, *add = NULL, *sham = NULL, *out = NULL, *threads = NULL, *lang = "en",
               *model = "models/depression_inflammation.yaml", *v;
    double hamd = NAN, crp = NAN, failed = -1, weeks = 26, patients = 300, seed = 1;
    int quiet = 0, o, rc = EXIT_OK;
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    while ((o = cli_next(&a, &v)) > 0) {
        switch (o) {
        case O_TREAT: treat = v; break;
        case O_ADD: add = v; break;
        case O_SHAM: sham = v; break;
        case O_MODEL: model = v; break;
        case O_OUT: out = v; break;
        case O_THREADS: threads = v; break;
        case O_LANG: lang = v; break;
        case O_QUIET: quiet = 1; break;
        case O_HAMD:
            if (cli_number(v, &hamd) || hamd < 8 || hamd > 52)
                return cli_usage(cmd, "--hamd '%s': expected a HAM-D-17 score from 8 to 52", v);
            break;
        case O_CRP:
            if (cli_number(v, &crp) || !(crp > 0) || crp > 500)
                return cli_usage(cmd, "--crp '%s': expected CRP in mg/L, > 0 and at most 500", v);
            break;
        case O_FAILED:
            if (cli_whole(cmd, "--failed", v, 0, 20, &failed, &rc) < 0)
                return rc;
            break;
        case O_WEEKS:
            if (cli_whole(cmd, "--weeks", v, 1, 520, &weeks, &rc) < 0)
                return rc;
            break;
        case O_PATIENTS:
            if (cli_whole(cmd, "--patients", v, 2, 1e6, &patients, &rc) < 0)
                return rc;
            break;
        case O_SEED:
            if (cli_whole(cmd, "--seed", v, 0, 9007199254740992.0, &seed, &rc) < 0)
                return rc;
            break;
        }
    }
    if (o < 0 || cli_positionals(&a, 0, 0, "nothing") < 0)
        return a.rc;
    if (!treat || !add)
        return cli_usage(cmd, "expected --treatment A.yaml and --add A_PLUS_B.yaml%s", "");
    if (!out)
        return cli_usage(cmd, "expected --out DIR%s", "");
    if (strcmp(lang, "en") && strcmp(lang, "ja"))
        return cli_usage(cmd, "--lang '%s': expected en or ja", lang);

    /* the model must have what the profile speaks of */
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_status st = ms_model_load(ctx, model, &m);
    if (st) {
        rc = cli_report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    const char *missing =
        ms_model_find(m, MS_OBSERVABLE, "HAMD") < 0                      ? "observable HAMD"
        : !isnan(crp) && ms_model_find(m, MS_OBSERVABLE, "CRP_mgL") < 0  ? "observable CRP_mgL"
        : failed >= 0 && ms_model_find(m, MS_PARAM, "placebo_scale") < 0 ? "parameter placebo_scale"
                                                                         : NULL;
    ms_model_free(m);
    ms_context_free(ctx);
    if (missing) {
        fprintf(stderr, "moodsim ask: %s: the model has no %s, which the profile needs\n", model,
                missing);
        return EXIT_INPUT;
    }
    char p_model[PATH_MAX], p_treat[PATH_MAX], p_add[PATH_MAX], p_sham[PATH_MAX];
    if (absolute("--model", model, p_model) || absolute("--treatment", treat, p_treat) ||
        absolute("--add", add, p_add) || (sham && absolute("--sham", sham, p_sham)))
        return EXIT_INPUT;
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "moodsim ask: %s: cannot create: %s\n", out, strerror(errno));
        return EXIT_INTERNAL;
    }

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/ask_scenario.yaml", out);
    ctx = NULL;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_output *of = NULL;
    FILE *f = NULL;
    if ((st = ms_output_open(ctx, path, &of, &f))) {
        rc = cli_report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    char la[128], lb[128], ls[128];
    label_of(treat, la, sizeof la);
    label_of(add, lb, sizeof lb);
    label_of(sham ? sham : "sham", ls, sizeof ls);
    fprintf(f, "# written by moodsim ask; run again with: moodsim trial %s --out DIR\n", path);
    char sname[300];
    snprintf(sname, sizeof sname, "ask_%s_vs_%s", lb, la);
    fputs("scenario: ", f);
    yq(f, sname);
    fputc('\n', f);
    fprintf(f, "question: >\n  Would %s help a patient like this one more than %s alone?", lb, la);
    if (!isnan(hamd))
        fprintf(f, "  HAM-D-17 %g at baseline.", hamd);
    if (!isnan(crp))
        fprintf(f, "  CRP %g mg/L.", crp);
    if (failed >= 0)
        fprintf(f, "  %g failed antidepressant trial%s.", failed, failed == 1 ? "" : "s");
    fprintf(f,
            "\ndescription: >\n  Matched virtual trial (every patient in every arm) of the "
            "virtual patients\n  within the profile's windows, followed for %g weeks.\n",
            weeks);
    fputs("model: ", f);
    yq(f, p_model);
    fprintf(f, "\nseed: %.0f\npatients_per_arm: %.0f\nrandomisation: matched\narms:\n", seed,
            patients);
    if (sham)
        arm_line(f, "sham", ls, p_sham);
    arm_line(f, "treatment", la, p_treat);
    arm_line(f, "with_add_on", lb, p_add);
    fprintf(f, "control: %s\ncompare:\n  - {arm: with_add_on, versus: treatment}\n",
            sham ? "sham" : "treatment");
    double vw[64];
    size_t nv = visit_weeks(weeks, vw, 64);
    fprintf(f, "follow_up_weeks: %g\nvisits_weeks: [", weeks);
    for (size_t i = 0; i < nv; i++)
        fprintf(f, "%s%g", i ? ", " : "", vw[i]);
    fprintf(f, "]\nendpoints:\n  score: HAMD\n");
    if (!isnan(crp))
        fprintf(f, "  markers: [CRP_mgL]\n");
    /* the profile; the scenario turns it into inclusion windows and the
     * expectation scale of treatment resistance (docs/scenario-format.md) */
    if (!isnan(hamd) || !isnan(crp) || failed >= 0) {
        fprintf(f, "patient:\n");
        if (!isnan(hamd) || !isnan(crp)) {
            fprintf(f, "  baseline: {");
            if (!isnan(hamd))
                fprintf(f, "HAMD: %g%s", hamd, isnan(crp) ? "" : ", ");
            if (!isnan(crp))
                fprintf(f, "CRP_mgL: %g", crp);
            fprintf(f, "}\n");
        }
        if (failed >= 0)
            fprintf(f, "  failed_trials: %g\n", failed);
    }
    if ((st = ms_output_close(ctx, of, 1))) {
        rc = cli_report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    ms_context_free(ctx);

    if (!quiet) {
        fprintf(stderr, "moodsim ask: patients like yours:");
        if (!isnan(hamd))
            fprintf(stderr, " HAM-D-17 %g-%g;", hamd - 2, hamd + 2);
        if (!isnan(crp))
            fprintf(stderr, " CRP %.3g-%.3g mg/L;", crp / 1.25, crp * 1.25);
        if (failed >= 0)
            fprintf(stderr,
                    " %g failed antidepressant trial%s (2 or more: treatment-resistant "
                    "depression, a smaller expectation effect in the model; the report's "
                    "ledger shows the value used);",
                    failed, failed == 1 ? "" : "s");
        fprintf(stderr, " the scenario is %s\n", path);
    }
    static const cli_command trial = {"trial", cmd_trial, "trial SCENARIO", "", CLI_HELP_TRIAL};
    char *targv[12] = {"trial", path, "--out", (char *)out, "--lang", (char *)lang};
    int targc = 6;
    if (threads) {
        targv[targc++] = "--threads";
        targv[targc++] = (char *)threads;
    }
    if (quiet)
        targv[targc++] = "--quiet";
    targv[targc] = NULL;
    return cmd_trial(&trial, targc, targv);
}
