/*
 * stream.c — the per-patient files of a trial as they are written:
 * visits.csv, endpoints.csv and failures.csv (appended block by block in
 * (patient, arm) order), results.bin (the same records as exact doubles, for
 * rebuilding the tally when resuming) and the checkpoint (blocks done and the
 * length of every file, written atomically), with the fingerprint of the
 * inputs that ties a checkpoint to its run.  Owns msi_stream.  The run loop
 * is in trial.c.
 */
#include "trial_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const OUT_NAMES[4] = {"visits.csv", "endpoints.csv", "failures.csv",
                                         "results.bin"};

static void write_headers(const ms_scenario *sc, msi_stream *o)
{
    const ms_model *m = sc->model;
    size_t no = m->count[MS_OBSERVABLE];
    char score[128];
    msi_lower_copy(score, m->sym[MS_OBSERVABLE][sc->score].name, sizeof score);
    fputs("arm,patient,week", o->f[0]);
    for (size_t j = 0; j < no; j++)
        fprintf(o->f[0], ",%s", m->sym[MS_OBSERVABLE][j].name);
    fputc('\n', o->f[0]);
    fprintf(o->f[1], "arm,patient,baseline_%s,final_%s,change,response,remission", score, score);
    for (size_t s = 0; s < sc->nsub; s++)
        fprintf(o->f[1], ",%s", sc->sub[s].var);
    fputs(",sessions,doses,courses\n", o->f[1]);
    fputs("arm,patient,reason\n", o->f[2]);
}

void msi_stream_write(msi_stream *o, const ms_scenario *sc, const msi_rechdr *h, const double *subs,
                      const double *obss, size_t n)
{
    size_t no = sc->model->count[MS_OBSERVABLE], per = sc->nvisits * no;
    for (size_t i = 0; i < n; i++) {
        const msi_rechdr *r = &h[i];
        const double *obs = obss + i * per, *sub = subs + i * sc->nsub;
        fwrite(r, sizeof *r, 1, o->f[3]);
        fwrite(sub, sizeof *sub, sc->nsub, o->f[3]);
        fwrite(obs, sizeof *obs, per, o->f[3]);
        if (r->failed) {
            msi_csv_str(o->f[2], sc->arms[r->arm].name);
            fprintf(o->f[2], ",%" PRId64 ",", r->patient);
            msi_csv_str(o->f[2], r->reason);
            fputc('\n', o->f[2]);
            continue;
        }
        for (size_t v = 0; v < sc->nvisits; v++) {
            msi_csv_str(o->f[0], sc->arms[r->arm].name);
            fprintf(o->f[0], ",%" PRId64 ",%g", r->patient, sc->visits[v]);
            for (size_t j = 0; j < no; j++)
                fprintf(o->f[0], ",%.8g", obs[v * no + j]);
            fputc('\n', o->f[0]);
        }
        msi_csv_str(o->f[1], sc->arms[r->arm].name);
        fprintf(o->f[1], ",%" PRId64 ",%.8g,%.8g,%.8g,%d,%d", r->patient, r->baseline, r->final,
                r->change, r->response, r->remission);
        for (size_t s = 0; s < sc->nsub; s++)
            fprintf(o->f[1], ",%.8g", sub[s]);
        fprintf(o->f[1], ",%d,%d,%d\n", r->sessions, r->doses, r->courses);
    }
}

ms_status msi_stream_close(ms_context *ctx, msi_stream *o, ms_status st)
{
    for (int i = 0; i < 4; i++) {
        if (!o->f[i])
            continue;
        int bad = ferror(o->f[i]);
        bad |= fclose(o->f[i]) != 0;
        o->f[i] = NULL;
        if (bad && !st)
            st = msi_fail(ctx, MS_ERR_WRITE, NULL, 0, 0, "%s/%s: cannot write", o->dir,
                          OUT_NAMES[i]);
    }
    msi_free(ctx, o->fp);
    o->fp = NULL;
    return st;
}

#define FNV0 MSI_FNV0
#define fnv msi_fnv1a

/* Extends *h by bytes [from, to) of the file at path (read back: they were
 * just written, or are being checked on resume).  0, or -1 if the file is
 * shorter or cannot be read. */
static int sum_range(const char *path, long from, long to, uint64_t *h)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, from, SEEK_SET) != 0) {
        if (f)
            fclose(f);
        return -1;
    }
    unsigned char buf[65536];
    long left = to - from;
    while (left > 0) {
        size_t n = fread(buf, 1, left < (long)sizeof buf ? (size_t)left : sizeof buf, f);
        if (n == 0)
            break;
        *h = fnv(*h, buf, n);
        left -= (long)n;
    }
    fclose(f);
    return left == 0 ? 0 : -1;
}

/* Opens one of the streamed files, new (truncating a previous run's) or to
 * append to when resuming.  A symbolic link there is refused, not followed:
 * the run writes only files of its own. */
static ms_status open_stream(ms_context *ctx, const char *path, int append, FILE **out)
{
    int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_CREAT | O_TRUNC);
    int fd = open(path, flags, 0666);
    if (fd < 0 && errno == ELOOP)
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0,
                        "is a symbolic link; moodsim writes only "
                        "files of its own: remove the link or "
                        "choose another output directory");
    if (fd < 0 || !(*out = fdopen(fd, append ? "ab" : "wb"))) {
        ms_status st = msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return st;
    }
    return MS_OK;
}

ms_status msi_stream_checkpoint(ms_context *ctx, msi_stream *o, long blocks, long records)
{
    long off[4];
    for (int i = 0; i < 4; i++) {
        FILE *f = o->f[i];
        /* the data on disk before the checkpoint that counts it */
        if (fflush(f) != 0 || ferror(f) || (off[i] = ftell(f)) < 0 || fsync(fileno(f)) != 0)
            return msi_fail(ctx, MS_ERR_WRITE, NULL, 0, 0, "%s/%s: cannot write: %s", o->dir,
                            OUT_NAMES[i], strerror(errno));
    }
    char path[4096];
    /* the checksum of every file up to its length here: only the bytes
     * written since the last checkpoint are read back */
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", o->dir, OUT_NAMES[i]);
        if (sum_range(path, o->sumoff[i], off[i], &o->sum[i]) != 0)
            return msi_fail(ctx, MS_ERR_WRITE, path, 0, 0, "cannot read back what was written");
        o->sumoff[i] = off[i];
    }
    snprintf(path, sizeof path, "%s/checkpoint", o->dir);
    msi_outfile of;
    ms_status st = msi_out_open(ctx, &of, path);
    if (st)
        return st;
    FILE *f = of.f;
    fprintf(f, "moodsim-checkpoint 2\nfingerprint %s\nblocks %ld\nrecords %ld\n", o->fp, blocks,
            records);
    for (int i = 0; i < 4; i++)
        fprintf(f, "%s %ld %016" PRIx64 "\n", OUT_NAMES[i], off[i], o->sum[i]);
    return msi_out_close(ctx, &of, 1);
}

/* FNV-1a over every input file and the run's settings: a checkpoint only
 * resumes the run that wrote it. */
static ms_status fingerprint(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                             char **out)
{
    uint64_t h = FNV0;
    ms_status st = msi_scenario_inputs_hash(ctx, sc, &h);
    if (st)
        return st;
    for (size_t j = 0; j < opt->n_set; j++) {
        h = fnv(h, &opt->set_param[j], sizeof opt->set_param[j]);
        h = fnv(h, &opt->set_value[j], sizeof opt->set_value[j]);
    }
    for (size_t j = 0; j < opt->n_force; j++) {
        h = fnv(h, &opt->force_param[j], sizeof opt->force_param[j]);
        h = fnv(h, &opt->force_value[j], sizeof opt->force_value[j]);
    }
    if (opt->seed)
        h = fnv(h, opt->seed, sizeof *opt->seed);
    if (sc->batch > 1) /* the batches change the numbers (within the tolerance) */
        h = fnv(h, &sc->batch, sizeof sc->batch);
    int32_t layout[2] = {MS_BLOCK_PATIENTS, (int32_t)sizeof(msi_rechdr)};
    h = fnv(h, layout, sizeof layout);
    *out = msi_alloc(ctx, 17);
    if (!*out)
        return msi_nomem(ctx);
    snprintf(*out, 17, "%016" PRIx64, h);
    return MS_OK;
}

ms_status msi_stream_open(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                          msi_stream *o)
{
    const char *dir = opt->out_dir;
    char path[4096];
    memset(o, 0, sizeof *o);
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    ms_status st = fingerprint(ctx, sc, opt, &o->fp);
    if (st)
        return st;
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    if (access(path, F_OK) == 0)
        return msi_fail(ctx, MS_ERR_ARG, dir, 0, 0,
                        "holds an unfinished run (checkpoint); resume it (moodsim trial --resume "
                        "%s) or choose another output directory",
                        dir);
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, OUT_NAMES[i]);
        if ((st = open_stream(ctx, path, 0, &o->f[i])))
            return st;
    }
    write_headers(sc, o);
    for (int i = 0; i < 4; i++)
        o->sum[i] = FNV0;
    return MS_OK;
}

/* The record k of a run, as the trial plans it: which patient and arm.
 * A record read back must be this one, so a record zeroed by a power
 * loss, or records of another layout, are refused. */
static void planned(const ms_scenario *sc, unsigned long long seed, long k, int64_t *patient,
                    int32_t *arm)
{
    if (sc->design == MS_DESIGN_MATCHED) {
        *patient = k / (long)sc->narms;
        *arm = (int32_t)(k % (long)sc->narms);
    } else {
        *patient = k;
        *arm = (int32_t)msi_trial_arm_of(sc, seed, k);
    }
}

/* Resuming: the checkpoint must come from the same inputs, be consistent
 * (its blocks hold its records), and every file must still hold, byte for
 * byte, what was written up to it (checksums); every output is then cut
 * back to its length at the checkpoint, and the tally is rebuilt from
 * results.bin (the exact doubles, in the order they were added), each
 * record checked to be the patient and arm the plan puts there. */
ms_status msi_stream_resume(ms_context *ctx, const ms_scenario *sc, const ms_trial_options *opt,
                            msi_stream *o, msi_tally *ty, msi_rechdr *h, double *subs, double *obss,
                            size_t cap, int threads, long *blocks_done)
{
    char path[4096];
    memset(o, 0, sizeof *o);
    snprintf(o->dir, sizeof o->dir, "%s", opt->out_dir);
    ms_status st = fingerprint(ctx, sc, opt, &o->fp);
    if (st)
        return st;
    snprintf(path, sizeof path, "%s/checkpoint", o->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return msi_fail(ctx, MS_ERR_ARG, o->dir, 0, 0,
                        "no checkpoint to resume from (the run finished, or never started here)");
    /* eight lines: the format, the fingerprint, blocks, records, then each
     * file's length (and, from format 2, its checksum) */
    char fp[64] = "", line[256];
    long off[4] = {-1, -1, -1, -1}, records = -1;
    uint64_t sum[4] = {0};
    static const char *const want[4] = {"fingerprint", "blocks", "records", NULL};
    int version = 0;
    st = MS_OK;
    for (int lineno = 1; !st && lineno <= 8; lineno++) {
        char key[64], val[64], hex[64] = "", extra[2];
        int nf = fgets(line, sizeof line, f)
                     ? sscanf(line, "%63s %63s %63s %1s", key, val, hex, extra)
                     : 0;
        int want_fields = lineno > 4 && version == 2 ? 3 : 2;
        if (nf != want_fields) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, 1,
                          "expected %d fields on this line of a moodsim checkpoint", want_fields);
            break;
        }
        const char *expect = lineno == 1   ? "moodsim-checkpoint"
                             : lineno <= 4 ? want[lineno - 2]
                                           : OUT_NAMES[lineno - 5];
        char *end, *hend = NULL;
        long v = strtol(val, &end, 10);
        int number_ok = *end == '\0' && v >= 0;
        if (lineno == 1)
            version = strcmp(val, "1") == 0 ? 1 : strcmp(val, "2") == 0 ? 2 : 0;
        if (want_fields == 3)
            sum[lineno - 5] = strtoull(hex, &hend, 16);
        if (strcmp(key, expect) != 0 || (lineno == 1 && !version) || (lineno > 2 && !number_ok) ||
            (hend && (*hend || strlen(hex) != 16))) {
            st = msi_fail(ctx, MS_ERR_SYNTAX, path, lineno, 1, "expected '%s %s'", expect,
                          lineno == 1   ? "2"
                          : lineno == 2 ? "HEX"
                          : lineno <= 4 ? "COUNT"
                                        : "LENGTH CHECKSUM");
            break;
        }
        if (lineno == 2)
            snprintf(fp, sizeof fp, "%s", val);
        else if (lineno == 3)
            *blocks_done = v;
        else if (lineno == 4)
            records = v;
        else if (lineno > 4)
            off[lineno - 5] = v;
    }
    fclose(f);
    if (st)
        return st;
    if (strcmp(fp, o->fp) != 0)
        return msi_fail(ctx, MS_ERR_ARG, path, 2, 1,
                        "the scenario, model, protocols or settings changed since this run "
                        "started; it cannot be resumed with different inputs");
    /* the blocks must hold exactly the records */
    int matched = sc->design == MS_DESIGN_MATCHED;
    long total = matched ? sc->per_arm : sc->per_arm * (long)sc->narms;
    long per_patient = matched ? (long)sc->narms : 1;
    long nblocks = (total + MS_BLOCK_PATIENTS - 1) / MS_BLOCK_PATIENTS;
    long patients =
        *blocks_done * MS_BLOCK_PATIENTS < total ? *blocks_done * MS_BLOCK_PATIENTS : total;
    if (*blocks_done > nblocks || records != patients * per_patient)
        return msi_fail(ctx, MS_ERR_SYNTAX, path, 3, 1,
                        "%ld blocks and %ld records do not go together (this run has %ld "
                        "blocks of %d patients, %ld record%s each); the checkpoint is not "
                        "this run's",
                        *blocks_done, records, nblocks, MS_BLOCK_PATIENTS, per_patient,
                        per_patient == 1 ? "" : "s");
    size_t no = sc->model->count[MS_OBSERVABLE], per = sc->nvisits * no;
    size_t rec = sizeof(msi_rechdr) + (sc->nsub + per) * sizeof(double);
    if ((size_t)off[3] != (size_t)records * rec)
        return msi_fail(ctx, MS_ERR_SYNTAX, path, 8, 1,
                        "results.bin's length does not match the checkpoint's %ld records",
                        records);
    for (int i = 0; i < 4; i++) {
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", o->dir, OUT_NAMES[i]);
        if (stat(path, &sb) != 0)
            return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot resume: %s", strerror(errno));
        if (sb.st_size < off[i])
            return msi_fail(ctx, MS_ERR_ARG, path, 0, 0,
                            "shorter (%lld bytes) than the checkpoint says (%ld bytes); the run "
                            "cannot be resumed",
                            (long long)sb.st_size, off[i]);
        /* what was written up to the checkpoint, unchanged (format 2) */
        uint64_t hs = FNV0;
        if (sum_range(path, 0, off[i], &hs) != 0)
            return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot read");
        if (version == 2 && hs != sum[i])
            return msi_fail(ctx, MS_ERR_ARG, path, 0, 0,
                            "its first %ld bytes are not what the run wrote (checksum); the "
                            "file was changed or damaged, and the run cannot be resumed",
                            off[i]);
        o->sum[i] = hs;
        o->sumoff[i] = off[i];
    }
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", o->dir, OUT_NAMES[i]);
        if (truncate(path, off[i]) != 0)
            return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot resume: %s", strerror(errno));
    }
    snprintf(path, sizeof path, "%s/results.bin", o->dir);
    if (!(f = fopen(path, "rb")))
        return msi_fail(ctx, MS_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    unsigned long long seed = opt->seed ? *opt->seed : sc->seed;
    for (long done = 0; done < records;) {
        size_t n = 0;
        for (; n < cap && done < records; n++, done++) {
            if (fread(&h[n], sizeof *h, 1, f) != 1 ||
                fread(subs + n * sc->nsub, sizeof(double), sc->nsub, f) != sc->nsub ||
                fread(obss + n * per, sizeof(double), per, f) != per) {
                fclose(f);
                return msi_fail(ctx, MS_ERR_SYNTAX, path, 0, 0, "truncated at record %ld", done);
            }
            int64_t pp;
            int32_t pa;
            planned(sc, seed, done, &pp, &pa);
            const msi_rechdr *r = &h[n];
            if (r->patient != pp || r->arm != pa || (r->failed & ~1) || (r->response & ~1) ||
                (r->remission & ~1) || memchr(r->reason, 0, sizeof r->reason) == NULL) {
                fclose(f);
                return msi_fail(ctx, MS_ERR_SYNTAX, path, 0, 0,
                                "record %ld is not the run's (patient %lld in arm %ld, "
                                "expected patient %lld in arm %ld); the file is damaged",
                                done, (long long)r->patient, (long)r->arm, (long long)pp, (long)pa);
            }
        }
        msi_tally_add(ty, h, subs, obss, n, threads);
    }
    fclose(f);
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", o->dir, OUT_NAMES[i]);
        /* at the end, so that ftell gives the length even before a write */
        if ((st = open_stream(ctx, path, 1, &o->f[i])))
            return st;
        if (fseek(o->f[i], 0, SEEK_END) != 0)
            return msi_fail(ctx, MS_ERR_WRITE, path, 0, 0, "cannot write: %s", strerror(errno));
    }
    return MS_OK;
}

/* A finished run: the resume files are no longer needed. */
void msi_stream_finished(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/results.bin", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    remove(path);
}
