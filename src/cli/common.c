/*
 * common.c — the pieces every command of `moodsim` uses (cli.h): exit codes
 * and error reports, the option parser over getopt_long, numbers, --set
 * NAME=VALUE, Ctrl-C.  Owns cli_stop.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

volatile int cli_stop;

int cli_exit_code(ms_status st)
{
    switch (st) {
    case MS_OK: return EXIT_OK;
    case MS_ERR_SOLVER: return EXIT_NUMERIC;
    case MS_ERR_NOMEM:
    case MS_ERR_WRITE: return EXIT_INTERNAL;
    default: return EXIT_INPUT;
    }
}

int cli_report(ms_context *ctx, ms_status st)
{
    const char *msg = ms_errmsg(ctx);
    fprintf(stderr, "%s\n", msg && *msg ? msg : ms_strerror(st));
    return cli_exit_code(st);
}

int cli_usage(const cli_command *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "moodsim %s: ", cmd->name);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'moodsim %s --help')\n", cmd->name);
    return EXIT_INPUT;
}

size_t cli_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(b), row[64];
    if (n >= 64 || strlen(a) >= 64)
        return 64;
    for (size_t j = 0; j <= n; j++)
        row[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= n; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[n];
}

/* ------------------------------------------------------------ options */

void cli_args_init(cli_args *a, const cli_command *cmd, int argc, char **argv,
                   const struct option *opts)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
    size_t n = 0;
    for (; opts && opts[n].name && n + 2 < sizeof a->opts / sizeof *a->opts; n++)
        a->opts[n] = opts[n];
    a->opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    a->opts[n] = (struct option){0};
    optind = 0; /* glibc: start again (each process parses once, tests call twice) */
    opterr = 0;
}

/* The option a user meant by `text` (--name or --name=value): the closest
 * long name, or NULL if none is close. */
static const char *closest(const cli_args *a, const char *text, size_t len)
{
    char given[64];
    if (len >= sizeof given)
        return NULL;
    memcpy(given, text, len);
    given[len] = '\0';
    const char *best = NULL;
    size_t bd = 3; /* at most two edits away */
    for (const struct option *o = a->opts; o->name; o++) {
        size_t d = cli_edit_distance(given, o->name);
        if (d < bd) {
            bd = d;
            best = o->name;
        }
    }
    return best;
}

static int unknown_option(cli_args *a, const char *arg)
{
    char msg[256];
    if (strncmp(arg, "--", 2) != 0) {
        a->rc = cli_usage(a->cmd, "unknown option '%s'", arg);
        return -1;
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (const struct option *o = a->opts; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0 &&
            o->has_arg == no_argument) {
            snprintf(msg, sizeof msg, "option '--%s' takes no value", o->name);
            a->rc = cli_usage(a->cmd, "%s", msg);
            return -1;
        }
    int prefix = 0; /* an abbreviation of several options */
    for (const struct option *o = a->opts; o->name; o++)
        prefix += strlen(o->name) > len && strncmp(o->name, name, len) == 0;
    const char *best = closest(a, name, len);
    if (prefix > 1)
        snprintf(msg, sizeof msg, "option '%.*s' is ambiguous", (int)(len + 2), arg);
    else if (best)
        snprintf(msg, sizeof msg, "unknown option '%.*s' (did you mean '--%s'?)", (int)(len + 2),
                 arg, best);
    else
        snprintf(msg, sizeof msg, "unknown option '%.*s'", (int)(len + 2), arg);
    a->rc = cli_usage(a->cmd, "%s", msg);
    return -1;
}

int cli_next(cli_args *a, const char **value)
{
    *value = NULL;
    for (;;) {
        int c = getopt_long(a->argc, a->argv, "-:h", a->opts, NULL);
        if (c == -1)
            return 0;
        if (c == 1) { /* a positional */
            if (a->npos == CLI_MAX_POS) {
                a->rc = cli_usage(a->cmd, "unexpected argument '%s'", optarg);
                return -1;
            }
            a->pos[a->npos++] = optarg;
            continue;
        }
        if (c == 'h') {
            fputs(a->cmd->help, stdout);
            a->rc = EXIT_OK;
            return -1;
        }
        if (c == ':') {
            a->rc = cli_usage(a->cmd, "option '%s' needs a value", a->argv[optind - 1]);
            return -1;
        }
        if (c == '?') {
            const char *arg = a->argv[optind - 1];
            if (strncmp(arg, "--", 2) == 0)
                return unknown_option(a, arg);
            char s[3] = {'-', (char)(optopt > ' ' && optopt < 127 ? optopt : '?'), 0};
            a->rc = cli_usage(a->cmd, "unknown option '%s'", s);
            return -1;
        }
        *value = optarg;
        return c;
    }
}

int cli_positionals(cli_args *a, int min, int max, const char *what)
{
    if (a->npos > max && max > 0) {
        a->rc = cli_usage(a->cmd, "unexpected argument '%s'", a->pos[max]);
        return -1;
    }
    if (a->npos < min || (max == 0 && a->npos > 0)) {
        a->rc = cli_usage(a->cmd, "expected %s", what);
        return -1;
    }
    return 0;
}

int cli_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cli_whole(const cli_command *cmd, const char *opt, const char *s, double lo, double hi,
              double *out, int *rc)
{
    double v;
    if (cli_number(s, &v) != 0 || v != floor(v) || v < lo || v > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s '%%s': expected a whole number from %.0f to %.0f", opt, lo,
                 hi);
        *rc = cli_usage(cmd, msg, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- --set */

int cli_set_add(const cli_command *cmd, cli_sets *s, const char *text, int *rc)
{
    if (s->n == CLI_MAX_SET) {
        *rc = cli_usage(cmd, "too many --set options (limit 256)%s", "");
        return -1;
    }
    s->text[s->n++] = text;
    return 0;
}

int cli_set_resolve(const cli_command *cmd, cli_sets *s, const ms_model *m, int *rc)
{
    for (int k = 0; k < s->n; k++) {
        const char *t = s->text[k], *eq = strchr(t, '=');
        char name[256];
        if (!eq || eq == t || (size_t)(eq - t) >= sizeof name ||
            cli_number(eq + 1, &s->value[k]) != 0) {
            *rc = cli_usage(cmd, "--set '%s': expected NAME=NUMBER", t);
            return -1;
        }
        memcpy(name, t, (size_t)(eq - t));
        name[eq - t] = '\0';
        if ((s->idx[k] = ms_model_find(m, MS_PARAM, name)) < 0) {
            const char *best = NULL;
            size_t bd = 3;
            for (size_t i = 0; i < ms_model_count(m, MS_PARAM); i++) {
                ms_symbol p;
                ms_model_symbol(m, MS_PARAM, i, &p);
                size_t d = cli_edit_distance(name, p.name);
                if (d < bd) {
                    bd = d;
                    best = p.name;
                }
            }
            char msg[400];
            snprintf(msg, sizeof msg, "--set: '%s' is not a parameter of the model%s%s%s", name,
                     best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
            *rc = cli_usage(cmd, "%s", msg);
            return -1;
        }
    }
    return 0;
}

/* --------------------------------------------------------------- Ctrl-C */

static void on_sigint(int sig)
{
    (void)sig;
    cli_stop = 1;
}

void cli_catch_sigint(int on)
{
    signal(SIGINT, on ? on_sigint : SIG_DFL);
}

void cli_progress_trials(void *ud, size_t done, size_t planned, double eta)
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
