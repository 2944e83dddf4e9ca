/*
 * cli.h — what the files of the `moodsim` command share: the command
 * table's entry, exit codes, error reporting, the one option parser
 * (getopt_long), --set NAME=VALUE, numbers, output files, and Ctrl-C.  One
 * file per command (cmd_*.c, git's builtin/ layout), listed once in the
 * table in moodsim.c.  The command is a user of the public API only
 * (moodsim.h) and the only part of moodsim that prints.
 */
#ifndef MS_CLI_H
#define MS_CLI_H

#include "moodsim.h"

#include <getopt.h>
#include <stdio.h>

enum {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1, /* out of memory, cannot write an output */
    EXIT_INPUT = 2,    /* bad input: a file, an option */
    EXIT_NUMERIC = 3,  /* the integration failed */
    EXIT_TARGETS = 4,  /* calibrate: a target outside its interval */
    EXIT_STOPPED = 130 /* Ctrl-C: what finished is kept */
};

/* One command: `moodsim NAME ...` runs run(cmd, argc, argv) with argv[0]
 * the command's name. */
typedef struct cli_command {
    const char *name;
    int (*run)(const struct cli_command *cmd, int argc, char **argv);
    const char *synopsis; /* "check MODEL": the command list's first column */
    const char *summary;  /* its one line in the command list */
    const char *help;     /* `moodsim help NAME`, `moodsim NAME --help` */
} cli_command;

/* The commands (cmd_*.c). */
int cmd_check(const cli_command *cmd, int argc, char **argv);
int cmd_simulate(const cli_command *cmd, int argc, char **argv);
int cmd_protocol(const cli_command *cmd, int argc, char **argv);
int cmd_cohort(const cli_command *cmd, int argc, char **argv);
int cmd_trial(const cli_command *cmd, int argc, char **argv);
int cmd_power(const cli_command *cmd, int argc, char **argv);
int cmd_calibrate(const cli_command *cmd, int argc, char **argv);
int cmd_export(const cli_command *cmd, int argc, char **argv);
int cmd_ask(const cli_command *cmd, int argc, char **argv);
int cmd_validate(const cli_command *cmd, int argc, char **argv);
int cmd_sensitivity(const cli_command *cmd, int argc, char **argv);
extern const char CLI_HELP_CHECK[], CLI_HELP_SIMULATE[], CLI_HELP_PROTOCOL[], CLI_HELP_COHORT[],
    CLI_HELP_TRIAL[], CLI_HELP_POWER[], CLI_HELP_CALIBRATE[], CLI_HELP_EXPORT[], CLI_HELP_ASK[],
    CLI_HELP_VALIDATE[], CLI_HELP_SENSITIVITY[];

/* MPI: this process and how many (moodsim.c, from mpi.c). */
extern int cli_rank, cli_ranks;

/* The exit code of a status, and the library's message for it on stderr. */
int cli_exit_code(ms_status st);
int cli_report(ms_context *ctx, ms_status st);
/* "moodsim CMD: <fmt with arg> (see 'moodsim CMD --help')" on stderr;
 * returns EXIT_INPUT. */
int cli_usage(const cli_command *cmd, const char *fmt, const char *arg);

/* ------------------------------------------------------------ options */

/* Arguments after the command name, parsed with getopt_long: `--opt
 * value`, `--opt=value`, unique abbreviations, -h/--help anywhere;
 * positionals in order.  An unknown option is refused with the closest
 * known one ("did you mean"). */
#define CLI_MAX_POS 8
typedef struct {
    const cli_command *cmd;
    int argc;
    char **argv;
    struct option opts[40]; /* the command's, then help */
    const char *pos[CLI_MAX_POS];
    int npos;
    int rc; /* when cli_next returns -1: the exit code (EXIT_OK after help) */
} cli_args;
/* opts: the command's options, ended by a zeroed entry; each `val` > 1 and
 * not 'h'. */
void cli_args_init(cli_args *a, const cli_command *cmd, int argc, char **argv,
                   const struct option *opts);
/* The next option's val (its argument in *value), 0 at the end, -1 on an
 * error or after printing the help (a->rc the exit code). */
int cli_next(cli_args *a, const char **value);
/* -1 with a->rc set if there are not between min and max positionals
 * (`what` names them in the message). */
int cli_positionals(cli_args *a, int min, int max, const char *what);

/* A whole string as a finite number; 0 on success. */
int cli_number(const char *s, double *out);
/* As cli_number, a whole number in [lo, hi]; else a usage error naming the
 * option (returns -1, *rc the exit code). */
int cli_whole(const cli_command *cmd, const char *opt, const char *s, double lo, double hi,
              double *out, int *rc);

/* --set NAME=VALUE (repeatable), resolved against a model's parameters. */
#define CLI_MAX_SET 256
typedef struct {
    const char *text[CLI_MAX_SET];
    int n;
    int idx[CLI_MAX_SET]; /* after cli_set_resolve: parameter indices */
    double value[CLI_MAX_SET];
} cli_sets;
/* Adds one --set; -1 (a usage error) if there are too many. */
int cli_set_add(const cli_command *cmd, cli_sets *s, const char *text, int *rc);
/* Checks every NAME=NUMBER and finds NAME among m's parameters; -1 with a
 * usage error naming the bad one ("did you mean" a parameter). */
int cli_set_resolve(const cli_command *cmd, cli_sets *s, const ms_model *m, int *rc);

/* --------------------------------------------------------- Ctrl-C etc. */

/* A long run's progress line on stderr (trial, calibrate): quiet, and
 * whether a line has been shown (so that a newline ends it). */
typedef struct {
    int quiet, shown;
} progress_state;
/* ms_sensitivity_options.progress: "N of M trials, about S s left" on
 * stderr (ud: a progress_state). */
void cli_progress_trials(void *ud, size_t done, size_t planned, double eta_s);

/* Set by SIGINT while cli_catch_sigint(1) is in force. */
extern volatile int cli_stop;
void cli_catch_sigint(int on);

/* Levenshtein distance, for "did you mean". */
size_t cli_edit_distance(const char *a, const char *b);

#endif
