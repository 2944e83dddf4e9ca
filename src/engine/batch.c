/*
 * batch.c — integrates the patients of a batch that share a calendar as
 * one system: one CVODE BDF solver over the lanes' states end to end, each
 * lane a patient evaluated by its own simulator (sim.c lends its model
 * evaluation, switches and outputs: sim_impl.h).
 *
 * Why: a patient of the flagship model has 21 states, and Debian's SUNDIALS
 * is built without optimisation, so most of a step's cost is the solver's
 * bookkeeping, not the patient's arithmetic (bench/README.md).  A batch pays
 * the bookkeeping once a step for all its lanes.
 *
 * Each lane keeps its own error control: the lanes' vector (kernels.c,
 * msi_kernels_lane_vector) has as its weighted RMS norm the largest of the
 * lanes' own, so a step is accepted, and a Newton iteration has converged,
 * only if it would be for every lane alone; each lane's absolute tolerance
 * follows its own peaks (msi_sim_atol).  The Jacobian is block-diagonal (one
 * block per lane, each the model's sparse pattern) and goes to KLU, which
 * factors the blocks independently.  The lanes take the batch's steps, the
 * smallest any of them needs, so a lane's values differ from its values
 * alone by less than the tolerance, not bit for bit.
 *
 * Only lanes that switch at the same times (one calendar) and that stop at
 * no time of their own (no state events, no decision rules) can share a
 * solver; msi_batch_run says MS_ERR_SOLVER otherwise, and when the solver
 * fails, and the caller runs those patients alone.
 *
 * Owns msi_batch: the solver, built for a number of lanes and rebuilt when
 * that number changes; the lanes' simulators are the caller's.
 */
#include "batch.h"

#include "../core/core.h"
#include "../model/model_impl.h"
#include "kernels.h"
#include "sim_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>

struct msi_batch {
    ms_context *ctx;
    const ms_model *m;
    size_t ns, nout, lanes; /* the solver below is built for `lanes` */
    SUNContext sunctx;
    void *cvode;
    N_Vector y, atolv, constraints;
    SUNMatrix A;
    SUNLinearSolver LS;
    sunindextype *pat, *slot; /* one lane's pattern and where its entries go */
    size_t nnz, njac;
    sunindextype *full; /* the whole matrix's pattern: column pointers, rows */
    double *jv;         /* one lane's Jacobian entries */
    ms_sim **lane;      /* the run's lanes */
    char msg[256];
};

static void err_cb(int code, const char *module, const char *function, char *msg, void *ud)
{
    (void)code;
    (void)module;
    (void)function;
    msi_batch *b = ud;
    snprintf(b->msg, sizeof b->msg, "%s", msg);
}

static int rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void *ud)
{
    msi_batch *b = ud;
    const double *yv = N_VGetArrayPointer(y);
    double *yd = N_VGetArrayPointer(ydot);
    int bad = 0;
    for (size_t l = 0; l < b->lanes; l++)
        bad |= msi_sim_rhs_at(b->lane[l], t, yv + l * b->ns, yd + l * b->ns);
    return bad; /* 1: recoverable, CVODE retries with a smaller step */
}

static int jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *ud, N_Vector t1,
                  N_Vector t2, N_Vector t3)
{
    (void)fy;
    (void)t1;
    (void)t2;
    (void)t3;
    msi_batch *b = ud;
    msi_kernels_csc_reset(J, b->full, b->lanes * b->ns);
    sunrealtype *data = SUNSparseMatrix_Data(J);
    const double *yv = N_VGetArrayPointer(y);
    int bad = 0;
    for (size_t l = 0; l < b->lanes; l++) {
        bad |= msi_sim_jac_at(b->lane[l], t, yv + l * b->ns, b->jv);
        for (size_t k = 0; k < b->njac; k++)
            data[l * b->nnz + (size_t)b->slot[k]] = b->jv[k];
    }
    return bad;
}

static void solver_free(msi_batch *b)
{
    if (b->cvode)
        CVodeFree(&b->cvode);
    if (b->LS)
        SUNLinSolFree(b->LS);
    if (b->A)
        SUNMatDestroy(b->A);
    if (b->y)
        N_VDestroy(b->y);
    if (b->atolv)
        N_VDestroy(b->atolv);
    if (b->constraints)
        N_VDestroy(b->constraints);
    msi_free(b->ctx, b->full);
    b->cvode = NULL;
    b->LS = NULL;
    b->A = NULL;
    b->y = b->atolv = b->constraints = NULL;
    b->full = NULL;
    b->lanes = 0;
}

/* The solver for n lanes; returns 0, or -1 (out of memory, or SUNDIALS
 * refused a setting). */
static int solver_build(msi_batch *b, size_t n, double rtol, long max_steps)
{
    if (b->lanes == n) {
        return CVodeSetMaxNumSteps(b->cvode, max_steps) != CV_SUCCESS;
    }
    solver_free(b);
    const ms_model *m = b->m;
    size_t ns = b->ns, N = n * ns, nnz = n * b->nnz;
    int any_nonneg = 0;
    for (size_t i = 0; i < ns; i++)
        any_nonneg |= m->sym[MS_STATE][i].non_negative != 0;
    if (!(b->y = msi_kernels_lane_vector(n, ns, b->sunctx)) || !(b->atolv = N_VClone(b->y)) ||
        (any_nonneg && !(b->constraints = N_VClone(b->y))) ||
        !(b->full = msi_alloc(b->ctx, (N + 1 + nnz) * sizeof *b->full)))
        goto fail;
    /* block-diagonal: lane l's columns are the one-lane pattern, shifted */
    for (size_t l = 0; l < n; l++) {
        for (size_t c = 0; c < ns; c++)
            b->full[l * ns + c] = (sunindextype)(l * b->nnz) + b->pat[c];
        for (size_t k = 0; k < b->nnz; k++)
            b->full[N + 1 + l * b->nnz + k] = (sunindextype)(l * ns) + b->pat[ns + 1 + k];
    }
    b->full[N] = (sunindextype)nnz;
    if (b->constraints) {
        double *c = N_VGetArrayPointer(b->constraints);
        for (size_t i = 0; i < N; i++)
            c[i] = m->sym[MS_STATE][i % ns].non_negative ? 1.0 : 0.0;
    }
    N_VConst(rtol, b->atolv);
    if (!(b->A = SUNSparseMatrix((sunindextype)N, (sunindextype)N, (sunindextype)nnz, CSC_MAT,
                                 b->sunctx)))
        goto fail;
    memcpy(SUNSparseMatrix_IndexPointers(b->A), b->full, (N + 1) * sizeof *b->full);
    memcpy(SUNSparseMatrix_IndexValues(b->A), b->full + N + 1, nnz * sizeof *b->full);
    msi_kernels_matrix(b->A);
    if (!(b->LS = SUNLinSol_KLU(b->y, b->A, b->sunctx)) ||
        !(b->cvode = CVodeCreate(CV_BDF, b->sunctx)))
        goto fail;
    msi_kernels_klu_solver(b->LS);
    void *c = b->cvode;
    if (CVodeSetErrHandlerFn(c, err_cb, b) != CV_SUCCESS ||
        CVodeInit(c, rhs_cb, 0.0, b->y) != CV_SUCCESS || CVodeSetUserData(c, b) != CV_SUCCESS ||
        CVodeSVtolerances(c, rtol, b->atolv) != CV_SUCCESS ||
        CVodeSetLinearSolver(c, b->LS, b->A) != CV_SUCCESS ||
        CVodeSetJacFn(c, jac_cb) != CV_SUCCESS || CVodeSetMaxNumSteps(c, max_steps) != CV_SUCCESS ||
        CVodeSetMaxHnilWarns(c, -1) != CV_SUCCESS ||
        (b->constraints && CVodeSetConstraints(c, b->constraints) != CV_SUCCESS))
        goto fail;
    b->lanes = n;
    return 0;
fail:
    solver_free(b);
    return -1;
}

ms_status msi_batch_new(ms_context *ctx, const ms_model *m, msi_batch **out)
{
    *out = NULL;
    msi_batch *b = msi_alloc(ctx, sizeof *b); /* zero-filled */
    if (!b)
        return msi_nomem(ctx);
    b->ctx = ctx;
    b->m = m;
    b->ns = m->count[MS_STATE];
    b->nout = b->ns + m->count[MS_OBSERVABLE];
    if (SUNContext_Create(NULL, &b->sunctx) != 0) {
        msi_free(ctx, b);
        return msi_fail(ctx, MS_ERR_NOMEM, NULL, 0, 0, "cannot create the batch solver");
    }
    if (msi_sim_pattern(ctx, m, &b->pat, &b->slot, &b->nnz, &b->njac) ||
        !(b->jv = msi_alloc(ctx, (b->njac + 1) * sizeof *b->jv))) {
        msi_batch_free(b);
        return msi_nomem(ctx);
    }
    *out = b;
    return msi_ok(ctx);
}

void msi_batch_free(msi_batch *b)
{
    if (!b)
        return;
    solver_free(b);
    if (b->sunctx)
        SUNContext_Free(&b->sunctx);
    msi_free(b->ctx, b->pat);
    msi_free(b->ctx, b->slot);
    msi_free(b->ctx, b->jv);
    msi_free(b->ctx, b);
}

static ms_status unable(msi_batch *b, const char *fmt, double t)
{
    return msi_fail(b->ctx, MS_ERR_SOLVER, NULL, 0, 0, fmt, t, b->msg[0] ? b->msg : "");
}

/* Counters of the segment just integrated, added to the batch's. */
static void add_stats(msi_batch *b, ms_sim_stats *s)
{
    long v = 0;
    if (CVodeGetNumSteps(b->cvode, &v) == CV_SUCCESS)
        s->steps += v;
    if (CVodeGetNumRhsEvals(b->cvode, &v) == CV_SUCCESS)
        s->rhs_evals += v;
    if (CVodeGetNumJacEvals(b->cvode, &v) == CV_SUCCESS)
        s->jac_evals += v;
}

static ms_status record_all(msi_batch *b, double t, const double *y, double **out, size_t o)
{
    ms_status st = MS_OK;
    for (size_t l = 0; l < b->lanes && !st; l++)
        st = msi_sim_record(b->lane[l], t, y + l * b->ns, out[l] + b->nout * o);
    return st;
}

ms_status msi_batch_run(msi_batch *b, ms_sim **lane, const ms_events *const *ev, size_t n,
                        const double *times, size_t n_times, double **out)
{
    if (!b || !lane || !ev || !n || !times || !n_times || !out)
        return MS_ERR_ARG;
    double rtol;
    long max_steps;
    msi_sim_solver_settings(lane[0], &rtol, &max_steps);
    for (size_t l = 0; l < n; l++) {
        double r;
        long ms;
        msi_sim_solver_settings(lane[l], &r, &ms);
        if (!msi_sim_batchable(lane[l], ev[l]) || r != rtol)
            return msi_fail(b->ctx, MS_ERR_SOLVER, NULL, 0, 0,
                            "lane %zu cannot share the batch's solver", l);
    }
    if (solver_build(b, n, rtol, max_steps))
        return msi_fail(b->ctx, MS_ERR_NOMEM, NULL, 0, 0, "cannot create the batch solver");
    b->lane = lane;
    double t_end = times[n_times - 1], *y = N_VGetArrayPointer(b->y);
    for (size_t l = 0; l < n; l++) {
        ms_status st = msi_sim_begin(lane[l], ev[l], t_end, y + l * b->ns);
        if (st)
            return msi_fail(b->ctx, MS_ERR_SOLVER, NULL, 0, 0, "lane %zu cannot start", l);
        if (l && !msi_sim_same_switches(lane[0], lane[l]))
            return msi_fail(b->ctx, MS_ERR_SOLVER, NULL, 0, 0, "lane %zu follows another calendar",
                            l);
    }
    ms_sim_stats stats = {0};
    double t = 0;
    size_t o = 0;
    ms_status st = MS_OK;
    while (o < n_times && times[o] <= t)
        if ((st = record_all(b, t, y, out, o++)))
            return st;
    double *atol = N_VGetArrayPointer(b->atolv);
    while (o < n_times) {
        double target = msi_sim_next_switch(lane[0], t_end);
        for (size_t l = 0; l < n; l++)
            msi_sim_atol(lane[l], y + l * b->ns, atol + l * b->ns);
        b->msg[0] = '\0';
        if (CVodeSVtolerances(b->cvode, rtol, b->atolv) != CV_SUCCESS ||
            CVodeReInit(b->cvode, t, b->y) != CV_SUCCESS ||
            CVodeSetStopTime(b->cvode, target) != CV_SUCCESS)
            return unable(b, "batch restart failed at t = %g h %s", t);
        stats.restarts++;
        while (o < n_times && (times[o] < target || (times[o] == target && target > t))) {
            double tret = t;
            int flag = target > t ? CVode(b->cvode, times[o], b->y, &tret, CV_NORMAL) : CV_SUCCESS;
            if (flag < 0)
                return unable(b, "batch integration failed after t = %g h: %s", t);
            if (times[o] == target)
                break; /* recorded after the switches at `target` */
            if ((st = record_all(b, times[o], y, out, o)))
                return st;
            o++;
        }
        if (target > t && !(o < n_times && times[o] == target)) {
            double tret = t;
            int flag = CVode(b->cvode, target, b->y, &tret, CV_NORMAL);
            if (flag < 0)
                return unable(b, "batch integration failed after t = %g h: %s", t);
        }
        add_stats(b, &stats);
        t = target;
        for (size_t l = 0; l < n; l++)
            msi_sim_switch(lane[l], t, y + l * b->ns);
        while (o < n_times && times[o] <= t)
            if ((st = record_all(b, t, y, out, o++)))
                return st;
    }
    for (size_t l = 0; l < n; l++)
        msi_sim_end(lane[l], o, &stats);
    return msi_ok(b->ctx);
}
