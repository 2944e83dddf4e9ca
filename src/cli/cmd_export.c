/*
 * cmd_export.c — `moodsim export MODEL --sbml OUT.xml`: a model as SBML Level 3
 * Version 2.
 */
#include "cli.h"

const char CLI_HELP_EXPORT[] =
    "usage: moodsim export MODEL --sbml OUT.xml\n"
    "\n"
    "Writes MODEL as SBML Level 3 Version 2, checked by libSBML's consistency check:\n"
    "states as parameters with rate rules and initial assignments, rules and observables\n"
    "as assignment rules, inputs as parameters at their default level, and each\n"
    "parameter's unit, source or hypothesis and evidence level as an annotation.\n"
    "Protocols (doses, sessions) are not part of the SBML.\n";

int cmd_export(const cli_command *cmd, int argc, char **argv)
{
    enum { OPT_SBML = 2 };
    static const struct option opts[] = {{"sbml", required_argument, NULL, OPT_SBML}, {0}};
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    const char *out = NULL, *v;
    int o;
    while ((o = cli_next(&a, &v)) > 0)
        out = v;
    if (o < 0 || cli_positionals(&a, 1, 1, "MODEL --sbml OUT.xml") < 0)
        return a.rc;
    if (!out)
        return cli_usage(cmd, "expected MODEL --sbml OUT.xml%s", "");
    const char *model_path = a.pos[0];
    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_model *m = NULL;
    ms_status st = ms_model_load(ctx, model_path, &m);
    if (!st)
        st = ms_model_export_sbml(ctx, m, out);
    int rc = st ? cli_report(ctx, st) : EXIT_OK;
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}
