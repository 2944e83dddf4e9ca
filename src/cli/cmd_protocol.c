/*
 * cmd_protocol.c — `moodsim protocol show FILE` (a protocol as a
 * week-by-week calendar, a virtual patient's missed sessions in lower case)
 * and `moodsim protocol events FILE` (its event table, CSV or NONMEM).
 */
#include "cli.h"

#include <math.h>
#include <string.h>

const char CLI_HELP_PROTOCOL[] =
    "usage: moodsim protocol show FILE [--weeks N] [--patient ID --seed S] [--weight KG]\n"
    "       moodsim protocol events FILE [--format csv|nonmem] [--model MODEL]\n"
    "                               [--patient ID --seed S] [--weight KG] [--out FILE]\n"
    "\n"
    "show     prints the protocol as a week-by-week calendar (week 0 is the first week),\n"
    "         one letter per session or dose, with a legend and totals.  With --patient\n"
    "         and --seed, the calendar of that virtual patient: missed sessions in\n"
    "         lower case.\n"
    "events   writes the event table: CSV (time_h, day, date, weekday, clock, treatment,\n"
    "         input, kind, amount, level, duration_h) or the NONMEM data convention\n"
    "         (ID,TIME,EVID,CMT,AMT,RATE; TIME in hours, one '#' line maps CMT to inputs;\n"
    "         with --model, CMT is the model's input number).  With --model, inputs,\n"
    "         kinds and dose units are checked against the model.\n"
    "\n"
    "options:\n"
    "  --weeks N          show only the first N weeks\n"
    "  --patient ID       a virtual patient (missed sessions are drawn for it)\n"
    "  --seed S           the trial's random seed (default 1)\n"
    "  --weight KG        body weight, needed by doses in mg/kg\n"
    "  --format F         csv (default) or nonmem\n"
    "  --model MODEL      check against this model (events)\n"
    "  --out FILE         output file (default: standard output)\n";

static void assign_letters(const ms_protocol *p, char *letters)
{
    size_t n = ms_protocol_treatment_count(p);
    for (size_t i = 0; i < n; i++) {
        const char *name = ms_protocol_treatment_name(p, i);
        char c = 0;
        for (const char *q = name; *q && !c; q++) {
            char u = (char)((*q >= 'a' && *q <= 'z') ? *q - 32 : *q);
            if (!((u >= 'A' && u <= 'Z')))
                continue;
            int taken = 0;
            for (size_t j = 0; j < i; j++)
                taken |= letters[j] == u;
            if (!taken)
                c = u;
        }
        letters[i] = c ? c : (char)('1' + (int)(i % 9));
    }
}

static int treatment_index(const ms_protocol *p, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < ms_protocol_treatment_count(p); i++)
        if (strcmp(ms_protocol_treatment_name(p, i), name) == 0)
            return (int)i;
    return -1;
}

static const char *const WD[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static void show_calendar(const ms_protocol *p, const ms_events *plan, const ms_events *given,
                          long weeks)
{
    size_t nt = ms_protocol_treatment_count(p);
    char letters[64];
    assign_letters(p, letters);
    long days = (long)ms_protocol_days(p);
    long nweeks = (days + 6) / 7;
    if (weeks > 0 && weeks < nweeks)
        nweeks = weeks;
    int wd0 = ms_protocol_start_weekday(p);
    printf("protocol %s\n", ms_protocol_name(p));
    if (*ms_protocol_description(p))
        printf("  %s\n", ms_protocol_description(p));
    printf("starts %s%s%s, lasts %ld days (%ld weeks%s)\n\n", WD[wd0],
           *ms_protocol_start_date(p) ? " " : "", ms_protocol_start_date(p), days, days / 7,
           days % 7 ? " and part of one" : "");
    for (size_t i = 0; i < nt && i < 64; i++)
        printf("  %c  %s: %s\n", letters[i], ms_protocol_treatment_name(p, i),
               ms_protocol_treatment_summary(p, i));
    int has_explicit = 0;
    for (size_t k0 = 0; k0 < ms_events_count(plan); k0++) {
        ms_event_info e;
        ms_events_get(plan, k0, &e);
        has_explicit |= e.treatment == NULL;
    }
    if (has_explicit)
        printf("  *  explicit doses\n");
    for (size_t i = 0; i < ms_protocol_rule_count(p); i++)
        printf("  rule %s: %s\n", ms_protocol_rule_name(p, i),
               ms_protocol_rule_summary_lang(p, i, "en"));
    if (ms_protocol_rule_count(p))
        printf("  (the calendar below is before any rule acts: what a rule gives depends on the "
               "patient; 'moodsim simulate --protocol FILE --events OUT' shows one patient's)\n");
    printf("\n");
    printf("week  ");
    for (int d = 0; d < 6; d++)
        printf("%-8s", WD[(wd0 + d) % 7]);
    printf("%s\n", WD[(wd0 + 6) % 7]);
    size_t np = ms_events_count(plan), k = 0, kg = 0, ng = given ? ms_events_count(given) : 0;
    long total[65] = {0}, missed[65] = {0};
    for (long w = 0; w < (days + 6) / 7; w++) {
        char cells[7][64];
        memset(cells, 0, sizeof cells);
        for (; k < np; k++) {
            ms_event_info e;
            ms_events_get(plan, k, &e);
            long day = (long)(e.time_h / 24.0);
            if (day >= 7 * (w + 1))
                break;
            int ti = treatment_index(p, e.treatment);
            char c = ti >= 0 && ti < 64 ? letters[ti] : '*';
            /* given to this patient? the realized table is a subsequence */
            int got = 1;
            if (given) {
                got = 0;
                while (kg < ng) {
                    ms_event_info g;
                    ms_events_get(given, kg, &g);
                    if (g.time_h > e.time_h)
                        break;
                    kg++;
                    if (g.time_h == e.time_h && strcmp(g.input, e.input) == 0) {
                        got = 1;
                        break;
                    }
                }
            }
            int slot = ti >= 0 && ti < 64 ? ti : 64;
            total[slot]++;
            if (!got) {
                missed[slot]++;
                c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            size_t l = strlen(cells[day - 7 * w]);
            if (l < 6)
                cells[day - 7 * w][l] = c;
        }
        if (w >= nweeks)
            continue;
        char row[128];
        int off = snprintf(row, sizeof row, "%4ld  ", w);
        for (int d = 0; d < 7 && off > 0 && off < (int)sizeof row; d++) {
            long day = 7 * w + d;
            off += snprintf(row + off, sizeof row - (size_t)off, "%-8s",
                            day >= days   ? ""
                            : cells[d][0] ? cells[d]
                                          : ".");
        }
        size_t len = strlen(row);
        while (len && row[len - 1] == ' ')
            row[--len] = '\0';
        printf("%s\n", row);
    }
    if (nweeks < (days + 6) / 7)
        printf(" ...  (%ld more weeks)\n", (days + 6) / 7 - nweeks);
    printf("\ntotals over %ld days:", days);
    for (size_t i = 0; i <= nt && i < 65; i++) {
        size_t slot = i < nt ? i : 64;
        if (i == nt && total[64] == 0)
            break;
        printf("%s %s %ld", i ? "," : "", i < nt ? ms_protocol_treatment_name(p, i) : "explicit",
               total[slot]);
        if (given)
            printf(" (%ld missed)", missed[slot]);
    }
    printf("\n");
}

int cmd_protocol(const cli_command *cmd, int argc, char **argv)
{
    enum { O_WEEKS = 2, O_PATIENT, O_SEED, O_WEIGHT, O_FORMAT, O_MODEL, O_OUT };
    static const struct option opts[] = {{"weeks", required_argument, NULL, O_WEEKS},
                                         {"patient", required_argument, NULL, O_PATIENT},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"weight", required_argument, NULL, O_WEIGHT},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"model", required_argument, NULL, O_MODEL},
                                         {"out", required_argument, NULL, O_OUT},
                                         {0}};
    const char *model_path = NULL, *out_path = "-", *format = "csv", *v;
    double weeks = 0, patient = -1, seed = 1, weight = NAN;
    int o, rc = EXIT_OK, show_only = 0, events_only = 0;
    cli_args a;
    cli_args_init(&a, cmd, argc, argv, opts);
    while ((o = cli_next(&a, &v)) > 0) {
        if (o == O_WEEKS) {
            show_only = 1;
            if (cli_whole(cmd, "--weeks", v, 0, 1e6, &weeks, &rc) < 0)
                return rc;
        } else if (o == O_PATIENT) {
            if (cli_whole(cmd, "--patient", v, 0, 1e15, &patient, &rc) < 0)
                return rc;
        } else if (o == O_SEED) {
            if (cli_whole(cmd, "--seed", v, 0, 1e15, &seed, &rc) < 0)
                return rc;
        } else if (o == O_WEIGHT) {
            if (cli_number(v, &weight) != 0)
                return cli_usage(cmd, "'%s' is not a finite number", v);
        } else {
            events_only = 1;
            if (o == O_FORMAT)
                format = v;
            else if (o == O_MODEL)
                model_path = v;
            else
                out_path = v;
        }
    }
    if (o < 0)
        return a.rc;
    if (a.npos == 0) {
        fputs(cmd->help, stderr);
        return EXIT_INPUT;
    }
    const char *sub = a.pos[0];
    int show = strcmp(sub, "show") == 0;
    if (!show && strcmp(sub, "events") != 0)
        return cli_usage(cmd, "unknown subcommand '%s'; expected show or events", sub);
    if (cli_positionals(&a, 2, 2, "a protocol FILE") < 0)
        return a.rc;
    const char *file = a.pos[1];
    if (show && events_only)
        return cli_usage(cmd, "--format, --model and --out apply to 'protocol events'%s", "");
    if (!show && show_only)
        return cli_usage(cmd, "--weeks applies to 'protocol show'%s", "");
    if (strcmp(format, "csv") != 0 && strcmp(format, "nonmem") != 0)
        return cli_usage(cmd, "--format '%s'; expected csv or nonmem", format);

    ms_context *ctx;
    if (ms_context_new(&ctx, NULL) != MS_OK)
        return EXIT_INTERNAL;
    ms_protocol *p = NULL;
    ms_model *m = NULL;
    ms_events *plan = NULL, *given = NULL;
    ms_patient pt = {(unsigned long long)seed, patient < 0 ? 0 : (unsigned long long)patient,
                     weight, 1};
    ms_status st = ms_protocol_read(ctx, file, &p);
    if (!st && model_path)
        st = ms_model_load(ctx, model_path, &m);
    /* "as written": every session, no missed ones */
    ms_patient as_written = {0, 0, weight, 0};
    if (!st)
        st = ms_protocol_compile(ctx, p, m, &as_written, &plan);
    if (!st && patient >= 0)
        st = ms_protocol_compile(ctx, p, m, &pt, &given);
    if (st) {
        rc = cli_report(ctx, st);
    } else if (show) {
        show_calendar(p, plan, given, (long)weeks);
    } else {
        if (ms_protocol_rule_count(p))
            fprintf(stderr,
                    "moodsim protocol events: %s has decision rules; these are its calendar's "
                    "events before any rule acts ('moodsim simulate --protocol FILE --events OUT' "
                    "writes the events one patient was given)\n",
                    file);
        st = ms_events_write(ctx, given ? given : plan, out_path,
                             strcmp(format, "nonmem") == 0 ? MS_EVENTS_NONMEM : MS_EVENTS_CSV,
                             patient < 0 ? 1 : (long)patient);
        if (st)
            rc = cli_report(ctx, st);
    }
    ms_events_free(plan);
    ms_events_free(given);
    ms_protocol_free(p);
    ms_model_free(m);
    ms_context_free(ctx);
    return rc;
}
