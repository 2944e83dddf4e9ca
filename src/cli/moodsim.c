/*
 * moodsim.c — the `moodsim` command's entry point: the one table of
 * commands (name, function, synopsis, one-line summary, long help), from
 * which dispatch, the command list and `help COMMAND` are made; -h/--help,
 * -V/--version, and "did you mean" for a mistyped command.  Each command
 * lives in its own cmd_*.c (cli.h).  Under mpirun, MPI starts and ends
 * here (mpi.c).
 */
#include "cli.h"
#include "mpi_transport.h"

#include <string.h>

int cli_rank, cli_ranks = 1;

static const cli_command COMMANDS[] = {
    {"check", cmd_check, "check MODEL",
     "load and validate a model; print its states, parameters and the source or hypothesis "
     "behind every parameter",
     CLI_HELP_CHECK},
    {"simulate", cmd_simulate, "simulate MODEL",
     "simulate a model, optionally under a protocol, into a CSV file", CLI_HELP_SIMULATE},
    {"protocol", cmd_protocol, "protocol show|events FILE",
     "print a protocol as a week-by-week calendar, or export its events (CSV or NONMEM)",
     CLI_HELP_PROTOCOL},
    {"cohort", cmd_cohort, "cohort MODEL", "draw virtual patients from a model's variability",
     CLI_HELP_COHORT},
    {"trial", cmd_trial, "trial SCENARIO", "run a virtual trial: CSV results and an HTML report",
     CLI_HELP_TRIAL},
    {"ask", cmd_ask, "ask --treatment A --add A+B",
     "a patient like mine: would adding B to A help, and how big a study would show it?",
     CLI_HELP_ASK},
    {"power", cmd_power, "power SCENARIO",
     "patients per arm needed for the scenario's power target", CLI_HELP_POWER},
    {"calibrate", cmd_calibrate, "calibrate TARGETS",
     "fit population parameters to published figures", CLI_HELP_CALIBRATE},
    {"validate", cmd_validate, "validate DIR",
     "run a validation suite: published results vs the model, inside or not", CLI_HELP_VALIDATE},
    {"sensitivity", cmd_sensitivity, "sensitivity SCENARIO",
     "what a scenario's answers rest on: Morris, Sobol or one-at-a-time over the hypotheses",
     CLI_HELP_SENSITIVITY},
    {"export", cmd_export, "export MODEL --sbml OUT.xml", "write a model as SBML Level 3 Version 2",
     CLI_HELP_EXPORT},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof *COMMANDS)

static const char TRAILER[] =
    "\n"
    "Exit codes: 0 success, 1 internal error (out of memory, cannot write an output),\n"
    "2 bad input, 3 numerical failure, 4 calibrate: a target outside its interval,\n"
    "130 interrupted (Ctrl-C; what finished is kept).\n"
    "Options take their value as --opt VALUE or --opt=VALUE.  'moodsim help COMMAND' or\n"
    "'moodsim COMMAND --help' for a command's options.\n"
    "Docs: docs/model-format.md, docs/protocol-format.md, docs/scenario-format.md\n";

static void print_main_help(FILE *f)
{
    fprintf(f,
            "moodsim %s - mechanistic simulation of inflammation-linked depression and its\n"
            "treatments (TMS, exosome and NMN infusions), and an ODE engine for your own "
            "models.\n\nusage: moodsim <command> [options]\n\ncommands:\n",
            ms_version());
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *syn = COMMANDS[i].synopsis;
        if (strlen(syn) > 27)
            fprintf(f, "  %s\n  %-27s %s\n", syn, "", COMMANDS[i].summary);
        else
            fprintf(f, "  %-27s %s\n", syn, COMMANDS[i].summary);
    }
    fprintf(f, "  %-27s %s\n  %-27s %s\n", "version", "print the version", "help [COMMAND]",
            "this text, or a command's help");
    fputs(TRAILER, f);
}

static const cli_command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

/* "moodsim: unknown command 'X' (did you mean 'Y'?)" */
static int unknown_command(const char *name)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        size_t d = cli_edit_distance(name, COMMANDS[i].name);
        if (d < bd) {
            bd = d;
            best = COMMANDS[i].name;
        }
    }
    fprintf(stderr, "moodsim: unknown command '%s'%s%s%s (see 'moodsim --help')\n", name,
            best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
    return EXIT_INPUT;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        print_main_help(stderr);
        return EXIT_INPUT;
    }
    const char *name = argv[1];
    if (!strcmp(name, "version") || !strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("moodsim %s\n", ms_version());
        return EXIT_OK;
    }
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        if (argc < 3) {
            print_main_help(stdout);
            return EXIT_OK;
        }
        const cli_command *c = find(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        fputs(c->help, stdout);
        return EXIT_OK;
    }
    const cli_command *c = find(name);
    if (!c)
        return name[0] == '-'
                   ? (fprintf(stderr, "moodsim: unknown option '%s' (see 'moodsim --help')\n",
                              name),
                      EXIT_INPUT)
                   : unknown_command(name);
    return c->run(c, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    msi_cli_mpi_start(&argc, &argv, &cli_rank, &cli_ranks);
    int rc = dispatch(argc, argv);
    /* under MPI, a rank that failed or was interrupted would leave the others
     * waiting for it: stop them all (a resumed run goes on from the last
     * checkpoint) */
    msi_cli_mpi_finish(cli_ranks > 1 && rc != EXIT_OK ? rc : 0);
    return rc;
}
