/*
 * cmd_check.c — `moodsim check MODEL`: loads and validates a model and prints its
 * states, parameters (each with its source or hypothesis), inputs, rules,
 * observables and Jacobian size; --ledger prints the evidence ledger only.
 */
#include "cli.h"

#include <string.h>

const char CLI_HELP_CHECK[] =
    "usage: moodsim check MODEL.yaml [--ledger [--lang en|ja]]\n"
    "\n"
    "Loads MODEL, checks every name, unit, formula and citation, compiles it, and prints\n"
    "its states, parameters (each with its source or its hypothesis), inputs, rules in\n"
    "dependency order, observables and the size of the exact Jacobian.  Errors name the\n"
    "file, line and column; the exit code is then 2.\n"
    "\n"
    "--ledger prints only the evidence ledger, one parameter (or distribution) a line,\n"
    "tab-separated: name, value, unit, evidence level, basis (source: or hypothesis:).\n"
    "--lang ja gives the notes' Japanese (their ja: texts) and the distributions in\n"
    "Japanese; a note without a ja: text is printed in English and named on stderr.\n";

static void ledger_field(const char *s)
{
    for (; s && *s; s++)
        putchar(*s == '\t' || *s == '\n' ? ' ' : *s);
}

/* A note in `lang`, counting (and naming on stderr) one that has no
 * translation where one was asked for. */
static const char *note(const char *en, const char *tr, const char *lang, const char *name,
                        size_t *missing)
{
    if (tr && en && tr == en && lang && strcmp(lang, "en") != 0) {
        fprintf(stderr, "%s%s", (*missing)++ ? ", " : "moodsim: no ja: text for: ", name);
    }
    return tr;
}

static void print_ledger(const ms_model *m, const char *lang)
{
    size_t missing = 0;
    printf("parameter\tvalue\tunit\tevidence\tbasis\n");
    for (size_t i = 0; i < ms_model_count(m, MS_PARAM); i++) {
        ms_symbol s;
        ms_model_symbol(m, MS_PARAM, i, &s);
        printf("%s\t%.6g\t", s.name, s.value);
        ledger_field(s.unit);
        printf("\t%s\t%s", s.evidence ? s.evidence : "unstated",
               s.hypothesis ? "hypothesis: " : "source: ");
        ms_note basis = s.hypothesis ? MS_NOTE_HYPOTHESIS : MS_NOTE_SOURCE;
        ledger_field(note(s.hypothesis ? s.hypothesis : s.source,
                          ms_model_param_note(m, i, basis, lang), lang, s.name, &missing));
        if (s.contested) {
            printf(" [contested: ");
            ledger_field(note(s.contested, ms_model_param_note(m, i, MS_NOTE_CONTESTED, lang), lang,
                              s.name, &missing));
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
        ledger_field(ms_model_variability_summary(m, i, lang));
        printf("\t\t%s\t%s", v.evidence ? v.evidence : "unstated",
               v.hypothesis ? "hypothesis: " : "source: ");
        ms_note basis = v.hypothesis ? MS_NOTE_HYPOTHESIS : MS_NOTE_SOURCE;
        char what[200];
        snprintf(what, sizeof what, "%s (between patients)", v.param);
        ledger_field(note(v.hypothesis ? v.hypothesis : v.source,
                          ms_model_variability_note(m, i, basis, lang), lang, what, &missing));
        putchar('\n');
    }
    if (missing)
        fprintf(stderr, " (%zu notes in English)\n", missing);
}

static void print_wrapped(const char *label, const char *text)
{
    printf("      %-11s %s\n", label, text);
}

int cmd_check(const cli_command *cmd, int argc, char **argv)
{
    enum { OPT_LEDGER = 2, OPT_LANG };
    static const struct option opts[] = {{"ledger", no_argument, NULL, OPT_LEDGER},
                                         {"lang", required_argument, NULL, OPT_LANG},
                                         {0}};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    int ledger = 0, o;
    const char *v, *lang = "en";
    while ((o = cli_next(&a, &v)) > 0) {
        ledger |= o == OPT_LEDGER;
        if (o == OPT_LANG)
            lang = v;
    }
    if (o < 0 || cli_positionals(&a, 1, 1, "exactly one MODEL file") < 0)
        return a.rc;
    if (strcmp(lang, "en") && strcmp(lang, "ja"))
        return cli_usage(cmd, "--lang '%s'; expected en or ja", lang);
    if (strcmp(lang, "en") && !ledger)
        return cli_usage(cmd, "--lang applies to --ledger; add --ledger%s", "");
    const char *path = a.pos[0];
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m;
    ms_status st = ms_model_load(ctx, path, &m);
    if (st != MS_OK) {
        int rc = cli_report(ctx, st);
        ms_context_free(ctx);
        return rc;
    }
    if (ledger) {
        print_ledger(m, lang);
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
        if (s.non_negative)
            printf("  non_negative");
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
