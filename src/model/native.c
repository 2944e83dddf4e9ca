/*
 * native.c — the model's right-hand side and Jacobian as machine code.  The
 * bytecode of compile.c is written out as C (one statement per instruction,
 * each op's text from msi_x_c_text, the same operations in the same order as
 * the interpreter), compiled by the system C compiler (`cc -O2`, ISO C,
 * no floating-point contraction or fast-math, so every operation rounds as
 * in the interpreter and the results are bit-for-bit the same) into a
 * shared object in a private temporary directory, and loaded with dlopen;
 * the files are removed at once.  It pays for itself on trials: about 60 ms
 * of compilation against about 0.2 µs saved per right-hand-side evaluation
 * (tens of thousands per patient).  Owns the dlopen handle in msi_compiled.
 */
#include "model_impl.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Writes `void name(double *restrict r)` running program p. */
static int emit(FILE *f, const char *name, const msi_prog *p)
{
    fprintf(f, "void %s(double *restrict r)\n{\n", name);
    for (size_t i = 0; i < p->n; i++) {
        const msi_instr *in = &p->code[i];
        const char *t = msi_x_c_text((msi_xop)in->op);
        if (!t)
            return -1;
        fprintf(f, "    r[%d] = ", (int)in->dst);
        for (; *t; t++) {
            if (*t == 'A' || *t == 'B' || *t == 'C')
                fprintf(f, "r[%d]", (int)(*t == 'A' ? in->a : *t == 'B' ? in->b : in->c));
            else
                fputc(*t, f);
        }
        fputs(";\n", f);
    }
    fputs("}\n", f);
    return 0;
}

/* Runs `cc` with argv, stderr into errpath; returns its exit status, or -1
 * if it could not be started (errno set). */
static int run_cc(char *const argv[], const char *errpath)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The first line of a file, for an error message. */
static void first_line(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(buf, (int)n, f))
        buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

/* The files a compilation leaves in its directory, and nothing else. */
static const char *const WORK_FILES[] = {"model.c", "model.so", "cc.txt"};

/* Removes the directories of earlier compilations whose process is gone (a
 * run killed while the compiler ran): moodsim-PID-<6 characters> with no process
 * PID.  Only the files a compilation writes are removed, then the
 * directory if that emptied it; anything else there stays. */
static void sweep_stale(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid;
        char rest[16];
        if (sscanf(e->d_name, "moodsim-%ld-%15s", &pid, rest) != 2 || pid <= 1 ||
            strlen(rest) != 6 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to judge */
        char path[1024];
        for (size_t i = 0; i < sizeof WORK_FILES / sizeof *WORK_FILES; i++) {
            snprintf(path, sizeof path, "%s/%s/%s", tmp, e->d_name, WORK_FILES[i]);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
        rmdir(path);
    }
    closedir(d);
}

ms_status msi_native_compile(ms_context *ctx, msi_compiled *c)
{
    if (c->native)
        return MS_OK;
    const char *tmp = getenv("TMPDIR");
    char dir[512], src[600], so[600], err[600];
    tmp = tmp && *tmp ? tmp : "/tmp";
    sweep_stale(tmp);
    int len = snprintf(dir, sizeof dir - 7, "%s/moodsim-%ld-", tmp, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof dir - 7)
        return msi_fail(ctx, MS_ERR_IO, NULL, 0, 0, "TMPDIR is too long: %s", tmp);
    memset(dir + len, 'X', 6); /* the six characters mkdtemp replaces */
    dir[len + 6] = '\0';
    if (!mkdtemp(dir))
        return msi_fail(ctx, MS_ERR_IO, dir, 0, 0,
                        "cannot make a directory to compile the model to machine code: %s",
                        strerror(errno));
    snprintf(src, sizeof src, "%s/model.c", dir);
    snprintf(so, sizeof so, "%s/model.so", dir);
    snprintf(err, sizeof err, "%s/cc.txt", dir);
    ms_status st = MS_OK;
    FILE *f = fopen(src, "w");
    if (!f) {
        st = msi_fail(ctx, MS_ERR_IO, src, 0, 0, "cannot write: %s", strerror(errno));
        goto done;
    }
    fputs("/* generated by moodsim from a model's bytecode (src/model/native.c) */\n"
          "#include <math.h>\n",
          f);
    int bad = emit(f, "msi_rhs", &c->rhs) || emit(f, "msi_jac", &c->jac);
    bad |= ferror(f);
    bad |= fclose(f) != 0;
    if (bad) {
        st = msi_fail(ctx, MS_ERR_IO, src, 0, 0, "cannot write the model as C");
        goto done;
    }
    char *argv[] = {"cc",
                    "-std=c11",
                    "-O2",
                    "-ffp-contract=off",
                    "-fno-fast-math",
                    "-fPIC",
                    "-shared",
                    "-w",
                    "-o",
                    so,
                    src,
                    "-lm",
                    NULL};
    int rc = run_cc(argv, err);
    if (rc != 0) {
        char line[300];
        first_line(err, line, sizeof line);
        st = rc < 0 ? msi_fail(ctx, MS_ERR_IO, NULL, 0, 0,
                               "cannot run the C compiler 'cc' to compile the model to machine "
                               "code: %s",
                               strerror(errno))
                    : msi_fail(ctx, MS_ERR_IO, NULL, 0, 0,
                               "the C compiler 'cc' failed on the model (exit %d): %s", rc, line);
        goto done;
    }
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        st = msi_fail(ctx, MS_ERR_IO, so, 0, 0, "cannot load the compiled model: %s",
                      e ? e : "dlopen failed");
        goto done;
    }
    void (*rhs)(double *), (*jac)(double *);
    /* POSIX: dlsym's result converts to a function pointer */
    *(void **)(void *)&rhs = dlsym(h, "msi_rhs");
    *(void **)(void *)&jac = dlsym(h, "msi_jac");
    if (!rhs || !jac) {
        dlclose(h);
        st = msi_fail(ctx, MS_ERR_IO, so, 0, 0, "the compiled model lacks its functions");
        goto done;
    }
    c->native = h;
    c->rhs_fn = rhs;
    c->jac_fn = jac;
done:
    unlink(src);
    unlink(so);
    unlink(err);
    rmdir(dir);
    return st;
}

void msi_native_free(msi_compiled *c)
{
    if (c->native)
        dlclose(c->native);
    c->native = NULL;
    c->rhs_fn = c->jac_fn = NULL;
}
