/*
 * sim.c — the simulator: runs a compiled model from t = 0 through an event
 * table with one of two SUNDIALS integrators, both given the model's exact
 * Jacobian (a sparse one goes to KLU, a dense one to the dense solver; the
 * arithmetic of their vectors and matrices is kernels.c's):
 *   - MS_METHOD_BDF (default): CVODE, variable-order BDF (orders 1-5);
 *   - MS_METHOD_DIRK: ARKODE's ARKStep with an L-stable, stiffly accurate
 *     8-stage diagonally implicit Runge-Kutta method of order 5 (Kennedy &
 *     Carpenter 2019, ARK5(4)8L[2]SA), which restarts at its full order.
 * Every event time is a known discontinuity: the solver stops exactly there
 * (SetStopTime), the dose or level change is applied, and the solver
 * restarts (CVodeReInit / ARKStepReset); nothing is searched for.
 * Owns ms_sim and its workspaces, which are allocated at creation and grown
 * only when a larger event table arrives, so a run allocates nothing in the
 * steady state.
 */
#include "../model/model_impl.h"
#include "../model/vm.h"
#include "../protocol/events_impl.h"
#include "../protocol/rules.h"
#include "kernels.h"
#include "sim_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arkode/arkode_arkstep.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

/* One change at a known time. */
typedef struct {
    double t;
    int bolus;    /* 1: add amount to state `target`; 0: level change */
    int index;    /* input index */
    double delta; /* amount, or level change (+ on, - off) */
    int on;       /* level changes: +1 start, -1 end */
} transition;

struct ms_sim {
    ms_context *ctx;
    const ms_model *m;
    size_t ns, nout;
    double *regs; /* one register per DAG node */
    double *params;
    double *inputs; /* current level of each input */
    int *active;    /* pulses currently on, per input */
    int params_dirty;
    double rtol, atol;
    long max_steps;
    /* the integrator: CVODE's memory (BDF) or ARKStep's (DIRK) */
    SUNContext sunctx;
    ms_method method;
    void *cvode;
    void *ark;
    ms_sim_stats ark_seen; /* ARKStep's counters survive a reset: last values read */
    N_Vector y;
    N_Vector atolv;       /* absolute tolerance per state: atol * max(1, peak) */
    double *peak;         /* largest |y_i| seen in this run at a restart */
    N_Vector constraints; /* 1 for non_negative states, else 0; NULL if none */
    SUNMatrix A;          /* dense, or sparse (CSC) when `slot` is set */
    SUNLinearSolver LS;
    sunindextype *slot;    /* sparse: position of each Jacobian entry in A's data */
    sunindextype *pattern; /* sparse: column pointers (ns + 1) then row indices */
    char cvmsg[512];
    /* workspace */
    transition *tr;
    size_t tr_cap;
    double *cw; /* course inputs: event spans and gaps (build_transitions) */
    size_t cw_cap;
    ms_sim_stats stats;
    size_t rows_done;
    unsigned char *trig;    /* each state event's trigger value, as last seen */
    unsigned char *pending; /* workspace: events waiting to execute */
    double *ev_store;       /* values of pending events computed when triggered */
    /* delayed executions, unordered: time, event, values (trigger-time values) */
    struct msi_delayed {
        double t;
        size_t e;
        double *val;
    } * queue;
    size_t nq, qcap;
    double *ev_val; /* workspace: assignment values of one event */
    /* a protocol's decision rules (ms_events with rules): the run follows a
     * copy of the caller's table that the decider edits at assessments */
    ms_events *work;
    msi_decider *dec;
    const double *dtimes; /* the run's assessments */
    size_t nd, di;
    double *drow;          /* the outputs at an assessment */
    const ms_events *last; /* the table the last run followed */
    long ntr, k;           /* a batch lane's transitions and the next one (batch.c) */
};

/* ------------------------------------------------------ model evaluation */

static void load_state(ms_sim *s, double t, const double *y)
{
    const msi_compiled *c = &s->m->c;
    double *r = s->regs;
    for (size_t i = 0; i < s->ns; i++)
        if (c->state_reg[i] >= 0)
            r[c->state_reg[i]] = y[i];
    if (c->time_reg >= 0)
        r[c->time_reg] = t;
}

static void set_input(ms_sim *s, size_t i, double v)
{
    s->inputs[i] = v;
    int32_t reg = s->m->c.input_reg[i];
    if (reg >= 0)
        s->regs[reg] = v;
}

static void inputs_default(ms_sim *s)
{
    for (size_t i = 0; i < s->m->count[MS_INPUT]; i++) {
        s->active[i] = 0;
        set_input(s, i, s->m->sym[MS_INPUT][i].value);
    }
}

static void refresh_params(ms_sim *s)
{
    if (!s->params_dirty)
        return;
    const msi_compiled *c = &s->m->c;
    for (size_t i = 0; i < s->m->count[MS_PARAM]; i++)
        if (c->param_reg[i] >= 0)
            s->regs[c->param_reg[i]] = s->params[i];
    msi_prog_run(&c->pre, s->regs);
    s->params_dirty = 0;
}

/* The model's right-hand side and Jacobian programs on the registers: its
 * machine code if the model was compiled natively (native.c), else the
 * bytecode; the results are the same bits. */
static void run_rhs(ms_sim *s)
{
    const msi_compiled *c = &s->m->c;
    if (c->rhs_fn)
        c->rhs_fn(s->regs);
    else
        msi_prog_run(&c->rhs, s->regs);
}

static void run_jac(ms_sim *s)
{
    const msi_compiled *c = &s->m->c;
    if (c->jac_fn)
        c->jac_fn(s->regs);
    else
        msi_prog_run(&c->jac, s->regs);
}

int msi_sim_rhs_at(ms_sim *s, double t, const double *y, double *yd)
{
    const msi_compiled *c = &s->m->c;
    load_state(s, t, y);
    run_rhs(s);
    int bad = 0;
    for (size_t i = 0; i < s->ns; i++) {
        yd[i] = s->regs[c->ode_reg[i]];
        bad |= !isfinite(yd[i]);
    }
    return bad;
}

static int rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void *ud)
{
    /* 1: recoverable, CVODE retries with a smaller step */
    return msi_sim_rhs_at(ud, t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
}

int msi_sim_jac_at(ms_sim *s, double t, const double *y, double *vals)
{
    const msi_compiled *c = &s->m->c;
    load_state(s, t, y);
    run_jac(s);
    int bad = 0;
    for (size_t k = 0; k < c->jac_nnz; k++) {
        vals[k] = s->regs[c->jac_entries[k].reg];
        bad |= !isfinite(vals[k]);
    }
    return bad;
}

static int jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *ud, N_Vector t1,
                  N_Vector t2, N_Vector t3)
{
    (void)fy;
    (void)t1;
    (void)t2;
    (void)t3;
    ms_sim *s = ud;
    const msi_compiled *c = &s->m->c;
    load_state(s, t, N_VGetArrayPointer(y));
    run_jac(s);
    int bad = 0;
    if (s->slot) {
        msi_kernels_csc_reset(J, s->pattern, s->ns);
        sunrealtype *data = SUNSparseMatrix_Data(J);
        for (size_t k = 0; k < c->jac_nnz; k++) {
            double v = s->regs[c->jac_entries[k].reg];
            bad |= !isfinite(v);
            data[s->slot[k]] = v;
        }
        return bad;
    }
    SUNMatZero(J);
    for (size_t k = 0; k < c->jac_nnz; k++) {
        const msi_jentry *e = &c->jac_entries[k];
        double v = s->regs[e->reg];
        bad |= !isfinite(v);
        SM_ELEMENT_D(J, e->row, e->col) = v;
    }
    return bad;
}

/* State events: one root function per comparison in a trigger (a - b), so
 * that CVODE locates every crossing, even of a short-lived condition. */
static int root_cb(sunrealtype t, N_Vector y, sunrealtype *g, void *ud)
{
    ms_sim *s = ud;
    const ms_model *m = s->m;
    load_state(s, t, N_VGetArrayPointer(y));
    msi_prog_run(&m->c.evp, s->regs);
    for (size_t r = 0; r < m->nroot; r++)
        g[r] = m->root_b[r] >= 0 ? s->regs[m->root_a[r]] - s->regs[m->root_b[r]]
                                 : (s->regs[m->root_a[r]] != 0 ? 1.0 : -1.0);
    return 0;
}

static void err_cb(int code, const char *module, const char *function, char *msg, void *ud)
{
    (void)module;
    (void)function;
    ms_sim *s = ud;
    if (code < 0) /* keep errors, not warnings */
        snprintf(s->cvmsg, sizeof s->cvmsg, "%s", msg ? msg : "");
}

/* ------------------------------------------------------------ integrator */

/* CVODE and ARKStep number their return flags alike; the run loop below
 * uses CVODE's names for both. */
_Static_assert(CV_SUCCESS == ARK_SUCCESS && CV_TSTOP_RETURN == ARK_TSTOP_RETURN &&
                   CV_ROOT_RETURN == ARK_ROOT_RETURN,
               "CVODE and ARKODE return flags differ");

/* The DIRK method and how its Newton iteration is run (measured with the
 * benchmark's hand-written peer on the flagship model over 26 weeks of the
 * seeds' protocol, bench/README.md): the maximum-order predictor (1) and a
 * convergence coefficient of 0.3 take 40 % fewer Newton iterations than
 * ARKStep's defaults (0, 0.1), at the same accuracy. */
#define MS_DIRK_TABLE "ARKODE_ARK548L2SA_DIRK_8_4_5"
#define MS_DIRK_PREDICTOR 1
#define MS_DIRK_NLSCOEF 0.3

static void solver_free(ms_sim *s)
{
    if (s->cvode)
        CVodeFree(&s->cvode);
    if (s->ark)
        ARKStepFree(&s->ark);
}

/* Creates the integrator of s->method on s->y, s->A and s->LS; returns the
 * failing call's name, or NULL. */
static const char *solver_create(ms_sim *s)
{
    const ms_model *m = s->m;
    N_VConst(0.0, s->y);
    if (s->method == MS_METHOD_DIRK) {
        memset(&s->ark_seen, 0, sizeof s->ark_seen);
        if (!(s->ark = ARKStepCreate(NULL, rhs_cb, 0.0, s->y, s->sunctx)))
            return "ARKStepCreate";
        void *a = s->ark;
        if (ARKStepSetErrHandlerFn(a, err_cb, s) != ARK_SUCCESS ||
            ARKStepSetTableName(a, MS_DIRK_TABLE, "ARKODE_ERK_NONE") != ARK_SUCCESS ||
            ARKStepSetPredictorMethod(a, MS_DIRK_PREDICTOR) != ARK_SUCCESS ||
            ARKStepSetNonlinConvCoef(a, MS_DIRK_NLSCOEF) != ARK_SUCCESS ||
            ARKStepSetUserData(a, s) != ARK_SUCCESS ||
            ARKStepSStolerances(a, s->rtol, s->atol) != ARK_SUCCESS ||
            ARKStepSetLinearSolver(a, s->LS, s->A) != ARK_SUCCESS ||
            ARKStepSetJacFn(a, jac_cb) != ARK_SUCCESS ||
            ARKStepSetMaxNumSteps(a, s->max_steps) != ARK_SUCCESS ||
            ARKStepSetMaxHnilWarns(a, -1) != ARK_SUCCESS ||
            (m->nroot && (ARKStepRootInit(a, (int)m->nroot, root_cb) != ARK_SUCCESS ||
                          ARKStepSetNoInactiveRootWarn(a) != ARK_SUCCESS)) ||
            (s->constraints && (ARKStepSetConstraints(a, s->constraints) != ARK_SUCCESS ||
                                ARKStepSetMaxNumConstrFails(a, 100) != ARK_SUCCESS)))
            return "ARKStep set-up";
        return NULL;
    }
    if (!(s->cvode = CVodeCreate(CV_BDF, s->sunctx)))
        return "CVodeCreate";
    void *c = s->cvode;
    if (CVodeSetErrHandlerFn(c, err_cb, s) != CV_SUCCESS ||
        CVodeInit(c, rhs_cb, 0.0, s->y) != CV_SUCCESS || CVodeSetUserData(c, s) != CV_SUCCESS ||
        CVodeSStolerances(c, s->rtol, s->atol) != CV_SUCCESS ||
        CVodeSetLinearSolver(c, s->LS, s->A) != CV_SUCCESS ||
        CVodeSetJacFn(c, jac_cb) != CV_SUCCESS ||
        CVodeSetMaxNumSteps(c, s->max_steps) != CV_SUCCESS ||
        CVodeSetMaxHnilWarns(c, -1) != CV_SUCCESS ||
        (m->nroot && (CVodeRootInit(c, (int)m->nroot, root_cb) != CV_SUCCESS ||
                      CVodeSetNoInactiveRootWarn(c) != CV_SUCCESS)) ||
        (s->constraints && CVodeSetConstraints(c, s->constraints) != CV_SUCCESS))
        return "CVODE set-up";
    return NULL;
}

static int solver_sv_tolerances(ms_sim *s)
{
    return s->ark ? ARKStepSVtolerances(s->ark, s->rtol, s->atolv)
                  : CVodeSVtolerances(s->cvode, s->rtol, s->atolv);
}

/* A fresh start at t from s->y, to stop exactly at tstop.  BDF starts again
 * at order 1 with a small step; the DIRK method has no history to rebuild
 * and ARKStepReset keeps the step size its controller had planned. */
static int solver_restart(ms_sim *s, double t, double tstop)
{
    /* the solver accepts a step whose non_negative states end a rounding
     * error below zero (its constraint test has a tolerance), but a restart
     * from such a value is refused ("y0 fails to satisfy constraints"): start
     * again from 0, the value the step meant */
    if (s->constraints) {
        double *y = N_VGetArrayPointer(s->y);
        for (size_t i = 0; i < s->ns; i++)
            if (y[i] < 0 && s->m->sym[MS_STATE][i].non_negative)
                y[i] = 0;
    }
    if (s->ark)
        return ARKStepReset(s->ark, t, s->y) != ARK_SUCCESS ||
               ARKStepSetStopTime(s->ark, tstop) != ARK_SUCCESS;
    return CVodeReInit(s->cvode, t, s->y) != CV_SUCCESS ||
           CVodeSetStopTime(s->cvode, tstop) != CV_SUCCESS;
}

/* Integrates towards tout; returns a CV_ flag (see the assertion above). */
static int solver_advance(ms_sim *s, double tout, double *tret)
{
    return s->ark ? ARKStepEvolve(s->ark, tout, s->y, tret, ARK_NORMAL)
                  : CVode(s->cvode, tout, s->y, tret, CV_NORMAL);
}

static const char *solver_flag_name(const ms_sim *s, int flag)
{
    return s->ark ? ARKStepGetReturnFlagName(flag) : CVodeGetReturnFlagName(flag);
}

/* Adds the counters since the last call (CVODE's restart from zero at
 * every re-initialisation; ARKStep's keep counting, so the difference). */
static void add_stats(ms_sim *s)
{
    long v = 0;
    if (s->ark) {
        long fe = 0, fi = 0;
        ms_sim_stats now = s->ark_seen;
        if (ARKStepGetNumSteps(s->ark, &v) == ARK_SUCCESS)
            now.steps = v;
        if (ARKStepGetNumRhsEvals(s->ark, &fe, &fi) == ARK_SUCCESS)
            now.rhs_evals = fi;
        if (ARKStepGetNumJacEvals(s->ark, &v) == ARK_SUCCESS)
            now.jac_evals = v;
        s->stats.steps += now.steps - s->ark_seen.steps;
        s->stats.rhs_evals += now.rhs_evals - s->ark_seen.rhs_evals;
        s->stats.jac_evals += now.jac_evals - s->ark_seen.jac_evals;
        s->ark_seen = now;
        return;
    }
    if (CVodeGetNumSteps(s->cvode, &v) == CV_SUCCESS)
        s->stats.steps += v;
    if (CVodeGetNumRhsEvals(s->cvode, &v) == CV_SUCCESS)
        s->stats.rhs_evals += v;
    if (CVodeGetNumJacEvals(s->cvode, &v) == CV_SUCCESS)
        s->stats.jac_evals += v;
}

/* ------------------------------------------------------------- lifecycle */

void ms_sim_free(ms_sim *s)
{
    if (!s)
        return;
    ms_context *ctx = s->ctx;
    solver_free(s);
    if (s->LS)
        SUNLinSolFree(s->LS);
    if (s->A)
        SUNMatDestroy(s->A);
    if (s->y)
        N_VDestroy(s->y);
    msi_free(ctx, s->slot);
    msi_free(ctx, s->pattern);
    if (s->atolv)
        N_VDestroy(s->atolv);
    if (s->constraints)
        N_VDestroy(s->constraints);
    msi_free(ctx, s->peak);
    if (s->sunctx)
        SUNContext_Free(&s->sunctx);
    msi_free(ctx, s->regs);
    msi_free(ctx, s->params);
    msi_free(ctx, s->inputs);
    msi_free(ctx, s->active);
    msi_free(ctx, s->tr);
    msi_free(ctx, s->cw);
    msi_free(ctx, s->trig);
    msi_free(ctx, s->pending);
    msi_free(ctx, s->ev_store);
    for (size_t i = 0; i < s->qcap; i++)
        msi_free(ctx, s->queue ? s->queue[i].val : NULL);
    msi_free(ctx, s->queue);
    msi_free(ctx, s->ev_val);
    ms_events_free(s->work);
    msi_decider_free(s->dec);
    msi_free(ctx, s->drow);
    msi_free(ctx, s);
}

/* Sparse (KLU) when the Jacobian and the diagonal fill at most a quarter of
 * the matrix of a system of at least MS_SPARSE_MIN states: there a dense LU
 * and its solves are most of the cost of a step. */
#define MS_SPARSE_MIN 12
static int use_sparse(const ms_model *m)
{
    size_t n = m->count[MS_STATE];
    return n >= MS_SPARSE_MIN && 4 * (m->c.jac_nnz + n) <= n * n;
}

static int make_dense(ms_sim *s)
{
    sunindextype n = (sunindextype)s->ns;
    return !(s->A = SUNDenseMatrix(n, n, s->sunctx)) ||
           !(s->LS = SUNLinSol_Dense(s->y, s->A, s->sunctx));
}

/* CSC pattern: the Jacobian's entries and the whole diagonal (CVODE forms
 * I - gamma J in place, which must not need new entries). */
int msi_sim_pattern(ms_context *ctx, const ms_model *m, sunindextype **pattern, sunindextype **slot,
                    size_t *nnz_out, size_t *njac)
{
    const msi_compiled *c = &m->c;
    size_t n = m->count[MS_STATE];
    unsigned char *mark = msi_alloc(ctx, n * n + 1);
    sunindextype *sl = msi_alloc(ctx, (c->jac_nnz + 1) * sizeof *sl), *p = NULL;
    size_t nnz = 0;
    if (mark && sl) {
        memset(mark, 0, n * n + 1);
        for (size_t k = 0; k < c->jac_nnz; k++)
            mark[(size_t)c->jac_entries[k].col * n + (size_t)c->jac_entries[k].row] = 1;
        for (size_t i = 0; i < n; i++)
            mark[i * n + i] = 1;
        for (size_t i = 0; i < n * n; i++)
            nnz += mark[i];
        p = msi_alloc(ctx, (n + 1 + nnz) * sizeof *p);
    }
    if (!p) {
        msi_free(ctx, mark);
        msi_free(ctx, sl);
        return -1;
    }
    sunindextype *colptr = p, *rowval = p + n + 1, at = 0;
    for (size_t col = 0; col < n; col++) {
        colptr[col] = at;
        for (size_t row = 0; row < n; row++)
            if (mark[col * n + row])
                rowval[at++] = (sunindextype)row;
    }
    colptr[n] = at;
    for (size_t k = 0; k < c->jac_nnz; k++) {
        sunindextype col = c->jac_entries[k].col, row = c->jac_entries[k].row;
        for (sunindextype j = colptr[col]; j < colptr[col + 1]; j++)
            if (rowval[j] == row)
                sl[k] = j;
    }
    msi_free(ctx, mark);
    *pattern = p;
    *slot = sl;
    *nnz_out = nnz;
    *njac = c->jac_nnz;
    return 0;
}

static int make_sparse(ms_sim *s)
{
    size_t n = s->ns, nnz, njac;
    if (msi_sim_pattern(s->ctx, s->m, &s->pattern, &s->slot, &nnz, &njac))
        return -1;
    s->A = SUNSparseMatrix((sunindextype)n, (sunindextype)n, (sunindextype)nnz, CSC_MAT, s->sunctx);
    if (!s->A)
        return -1;
    memcpy(SUNSparseMatrix_IndexPointers(s->A), s->pattern, (n + 1) * sizeof *s->pattern);
    memcpy(SUNSparseMatrix_IndexValues(s->A), s->pattern + n + 1, nnz * sizeof *s->pattern);
    return !(s->LS = SUNLinSol_KLU(s->y, s->A, s->sunctx));
}

/* States declared non_negative: SUNDIALS rejects a step that would end below
 * zero and retries it with a smaller one (CVodeSetConstraints), so a
 * quantity decaying to zero does not overshoot into negative amounts. */
static const char *make_constraints(ms_sim *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ns; i++)
        n += s->m->sym[MS_STATE][i].non_negative != 0;
    if (!n)
        return NULL;
    if (!(s->constraints = N_VNew_Serial((sunindextype)s->ns, s->sunctx)))
        return "constraint vector";
    double *c = N_VGetArrayPointer(s->constraints);
    for (size_t i = 0; i < s->ns; i++)
        c[i] = s->m->sym[MS_STATE][i].non_negative ? 1.0 : 0.0;
    return NULL;
}

ms_status ms_sim_new(ms_context *ctx, const ms_model *m, ms_sim **out)
{
    if (!ctx || !m || !out)
        return MS_ERR_ARG;
    *out = NULL;
    ms_sim *s = msi_alloc(ctx, sizeof *s);
    if (!s)
        return msi_nomem(ctx);
    s->ctx = ctx;
    s->m = m;
    s->ns = m->count[MS_STATE];
    s->nout = s->ns + m->count[MS_OBSERVABLE];
    s->rtol = 1e-6;
    s->atol = 1e-9;
    s->max_steps = 100000;
    s->regs = msi_alloc(ctx, m->c.nregs * sizeof *s->regs);
    s->params = msi_alloc(ctx, (m->count[MS_PARAM] + 1) * sizeof *s->params);
    s->inputs = msi_alloc(ctx, (m->count[MS_INPUT] + 1) * sizeof *s->inputs);
    s->active = msi_alloc(ctx, (m->count[MS_INPUT] + 1) * sizeof *s->active);
    size_t maxn = 1;
    for (size_t e = 0; e < m->nev; e++)
        maxn = m->ev[e].n > maxn ? m->ev[e].n : maxn;
    s->trig = msi_alloc(ctx, m->nev + 1);
    s->pending = msi_alloc(ctx, m->nev + 1);
    s->ev_store =
        msi_alloc(ctx, ((m->nev ? m->ev[m->nev - 1].offset + m->ev[m->nev - 1].n : 0) + 1) *
                           sizeof *s->ev_store);
    s->ev_val = msi_alloc(ctx, maxn * sizeof *s->ev_val);
    if (!s->regs || !s->params || !s->inputs || !s->active || !s->trig || !s->ev_val ||
        !s->pending || !s->ev_store) {
        ms_sim_free(s);
        return msi_nomem(ctx);
    }
    memcpy(s->regs, m->c.reg_init, m->c.nregs * sizeof *s->regs);
    for (size_t i = 0; i < m->count[MS_PARAM]; i++)
        s->params[i] = m->sym[MS_PARAM][i].value;
    s->params_dirty = 1;
    inputs_default(s);

    const char *fail = NULL;
    if (SUNContext_Create(NULL, &s->sunctx) != 0)
        fail = "SUNContext_Create";
    else if (!(s->y = N_VNew_Serial((sunindextype)s->ns, s->sunctx)))
        fail = "N_VNew_Serial";
    else if (!(s->atolv = N_VNew_Serial((sunindextype)s->ns, s->sunctx)) ||
             !(s->peak = msi_alloc(ctx, (s->ns + 1) * sizeof *s->peak)))
        fail = "tolerance vector";
    if (!fail)
        fail = make_constraints(s);
    if (!fail) { /* our arithmetic in SUNDIALS' vectors (kernels.c); clones inherit it */
        msi_kernels_vector(s->y);
        msi_kernels_vector(s->atolv);
        if (use_sparse(m) ? make_sparse(s) : make_dense(s))
            fail = "linear solver";
        else {
            msi_kernels_matrix(s->A);
            msi_kernels_dense_solver(s->LS);
            fail = solver_create(s);
        }
    }
    if (fail) {
        ms_sim_free(s);
        return msi_fail(ctx, MS_ERR_NOMEM, NULL, 0, 0, "cannot create the solver (%s)", fail);
    }
    *out = s;
    return msi_ok(ctx);
}

/* Before every (re)start: the absolute tolerance of each state scales with
 * the largest magnitude it has reached in this run (at least 1), so that a
 * quantity counted in billions (exosome particles) is not followed down to
 * 1e-9 of a particle after it clears; states of magnitude <= 1 keep atol. */
void msi_sim_atol(ms_sim *s, const double *y, double *a)
{
    for (size_t i = 0; i < s->ns; i++) {
        double v = fabs(y[i]);
        if (v > s->peak[i] && isfinite(v))
            s->peak[i] = v;
        a[i] = s->atol * (s->peak[i] > 1 ? s->peak[i] : 1);
        if (a[i] < s->m->sym[MS_STATE][i].abs_tol) /* the model's floor (abs_tol:) */
            a[i] = s->m->sym[MS_STATE][i].abs_tol;
    }
}

static int scale_tolerances(ms_sim *s, const double *y)
{
    msi_sim_atol(s, y, N_VGetArrayPointer(s->atolv));
    return solver_sv_tolerances(s);
}

ms_status ms_sim_set_tolerances(ms_sim *s, double rtol, double atol)
{
    if (!s)
        return MS_ERR_ARG;
    if (!(rtol > 0 && rtol < 1 && isfinite(rtol)) || !(atol > 0 && isfinite(atol)))
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "tolerances rtol=%g atol=%g; expected 0 < rtol < 1 and atol > 0", rtol,
                        atol);
    s->rtol = rtol;
    s->atol = atol;
    if (s->ark ? ARKStepSStolerances(s->ark, rtol, atol) : CVodeSStolerances(s->cvode, rtol, atol))
        return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "cannot set the tolerances");
    return msi_ok(s->ctx);
}

ms_status ms_sim_set_max_steps(ms_sim *s, long n)
{
    if (!s)
        return MS_ERR_ARG;
    if (n <= 0)
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0, "max steps %ld; expected > 0", n);
    s->max_steps = n;
    if (s->ark ? ARKStepSetMaxNumSteps(s->ark, n) : CVodeSetMaxNumSteps(s->cvode, n))
        return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "cannot set the step limit");
    return msi_ok(s->ctx);
}

ms_status ms_sim_set_method(ms_sim *s, ms_method method)
{
    if (!s)
        return MS_ERR_ARG;
    if (method != MS_METHOD_BDF && method != MS_METHOD_DIRK)
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "integration method %d; expected MS_METHOD_BDF or MS_METHOD_DIRK",
                        (int)method);
    if (method == s->method)
        return msi_ok(s->ctx);
    solver_free(s);
    s->method = method;
    const char *fail = solver_create(s);
    if (fail) { /* leave a working simulator behind: back to BDF */
        solver_free(s);
        s->method = MS_METHOD_BDF;
        const char *again = solver_create(s);
        return msi_fail(s->ctx, again ? MS_ERR_NOMEM : MS_ERR_SOLVER, NULL, 0, 0,
                        "cannot create the %s integrator (%s)%s",
                        method == MS_METHOD_DIRK ? "DIRK" : "BDF", fail,
                        again ? "; the simulator is unusable" : "");
    }
    return msi_ok(s->ctx);
}

ms_method ms_sim_method(const ms_sim *s)
{
    return s ? s->method : MS_METHOD_BDF;
}

int ms_method_from_name(const char *name)
{
    if (name && strcmp(name, "bdf") == 0)
        return MS_METHOD_BDF;
    if (name && strcmp(name, "dirk") == 0)
        return MS_METHOD_DIRK;
    return -1;
}

const char *ms_method_name(ms_method method)
{
    return method == MS_METHOD_DIRK ? "dirk" : method == MS_METHOD_BDF ? "bdf" : "unknown";
}

ms_status ms_sim_set_param(ms_sim *s, size_t i, double v)
{
    if (!s)
        return MS_ERR_ARG;
    if (i >= s->m->count[MS_PARAM] || !isfinite(v))
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "parameter %zu = %g; expected an index below %zu and a finite value", i, v,
                        s->m->count[MS_PARAM]);
    s->params[i] = v;
    s->params_dirty = 1;
    return msi_ok(s->ctx);
}

double ms_sim_param(const ms_sim *s, size_t i)
{
    return (s && i < s->m->count[MS_PARAM]) ? s->params[i] : NAN;
}

size_t ms_sim_output_count(const ms_sim *s)
{
    return s ? s->nout : 0;
}

const char *ms_sim_output_name(const ms_sim *s, size_t j)
{
    if (!s || j >= s->nout)
        return NULL;
    return j < s->ns ? s->m->sym[MS_STATE][j].name : s->m->sym[MS_OBSERVABLE][j - s->ns].name;
}

size_t ms_sim_rows_done(const ms_sim *s)
{
    return s ? s->rows_done : 0;
}

void ms_sim_stats_get(const ms_sim *s, ms_sim_stats *out)
{
    if (s && out)
        *out = s->stats;
}

/* --------------------------------------------------- point evaluations */

ms_status ms_sim_initial(ms_sim *s, double *y0)
{
    if (!s || !y0)
        return MS_ERR_ARG;
    refresh_params(s);
    for (size_t i = 0; i < s->ns; i++) {
        y0[i] = s->regs[s->m->c.init_reg[i]];
        if (!isfinite(y0[i]))
            return msi_fail(s->ctx, MS_ERR_MODEL, s->m->file, s->m->sym[MS_STATE][i].line,
                            s->m->sym[MS_STATE][i].col,
                            "the initial value of '%s' is not finite (%g) with these parameters",
                            s->m->sym[MS_STATE][i].name, y0[i]);
    }
    return msi_ok(s->ctx);
}

ms_status ms_sim_set_params(ms_sim *s, const double *params)
{
    if (!s || !params)
        return MS_ERR_ARG;
    for (size_t i = 0; i < s->m->count[MS_PARAM]; i++)
        if (!isfinite(params[i]))
            return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0, "parameter '%s' = %g is not finite",
                            s->m->sym[MS_PARAM][i].name, params[i]);
    memcpy(s->params, params, s->m->count[MS_PARAM] * sizeof *params);
    s->params_dirty = 1;
    return msi_ok(s->ctx);
}

ms_status ms_sim_observe(ms_sim *s, double t, const double *y, double *obs)
{
    if (!s || !y || !obs)
        return MS_ERR_ARG;
    refresh_params(s);
    inputs_default(s);
    load_state(s, t, y);
    msi_prog_run(&s->m->c.obs, s->regs);
    for (size_t i = 0; i < s->m->count[MS_OBSERVABLE]; i++)
        obs[i] = s->regs[s->m->c.obs_reg[i]];
    return msi_ok(s->ctx);
}

ms_status ms_sim_baseline(ms_sim *s, const char *name, double *value)
{
    if (!s || !name || !value)
        return MS_ERR_ARG;
    int k;
    if ((k = ms_model_find(s->m, MS_PARAM, name)) >= 0) {
        *value = s->params[k];
        return msi_ok(s->ctx);
    }
    double *y = N_VGetArrayPointer(s->y);
    ms_status st = ms_sim_initial(s, y);
    if (st)
        return st;
    if ((k = ms_model_find(s->m, MS_STATE, name)) >= 0) {
        *value = y[k];
        return msi_ok(s->ctx);
    }
    if ((k = ms_model_find(s->m, MS_OBSERVABLE, name)) >= 0) {
        inputs_default(s);
        load_state(s, 0, y);
        msi_prog_run(&s->m->c.obs, s->regs);
        *value = s->regs[s->m->c.obs_reg[k]];
        return msi_ok(s->ctx);
    }
    return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                    "'%s' is not an observable, state or parameter of model '%s'", name,
                    s->m->name);
}

ms_status ms_sim_rhs(ms_sim *s, double t, const double *y, double *ydot)
{
    if (!s || !y || !ydot)
        return MS_ERR_ARG;
    refresh_params(s);
    inputs_default(s);
    load_state(s, t, y);
    run_rhs(s);
    for (size_t i = 0; i < s->ns; i++)
        ydot[i] = s->regs[s->m->c.ode_reg[i]];
    return msi_ok(s->ctx);
}

ms_status ms_sim_jacobian(ms_sim *s, double t, const double *y, double *jac)
{
    if (!s || !y || !jac)
        return MS_ERR_ARG;
    refresh_params(s);
    inputs_default(s);
    load_state(s, t, y);
    run_jac(s);
    memset(jac, 0, s->ns * s->ns * sizeof *jac);
    for (size_t k = 0; k < s->m->c.jac_nnz; k++) {
        const msi_jentry *e = &s->m->c.jac_entries[k];
        jac[(size_t)e->row * s->ns + (size_t)e->col] = s->regs[e->reg];
    }
    return msi_ok(s->ctx);
}

/* ------------------------------------------------------------------ run */

static int tr_cmp(const void *a, const void *b)
{
    const transition *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

/* Course inputs (kind: course, docs/model-format.md) are 1 while a course
 * of an input that counts toward them is on.  A course of one input runs
 * from its first event to its last event's end plus a tail: the median
 * interval between the starts of its events, at least COURSE_MIN_TAIL_H
 * (a one-off treatment is a course of a day) and at most COURSE_BREAK_H; a
 * gap of more than COURSE_BREAK_H without the input ends its course, and
 * the next event starts another.  The courses of every input counting
 * toward one course input are merged. */
#define COURSE_MIN_TAIL_H 24.0
#define COURSE_BREAK_H (28 * 24.0)

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int span_cmp(const void *a, const void *b)
{
    return dbl_cmp(a, b); /* (start, end) pairs, by start */
}

/* Appends course input c's transitions up to t_end to s->tr from index *n;
 * returns 0, or -1 out of memory. */
static int course_transitions(ms_sim *s, const ms_events *ev, int c, double t_end, size_t *n)
{
    const ms_model *m = s->m;
    /* workspace: the events of one input (start, end pairs), then the
     * spans of every input (pairs), then gaps: at most 5 doubles an event */
    if (msi_grow(s->ctx, (void **)&s->cw, &s->cw_cap, 5 * ev->n + 2, sizeof *s->cw))
        return -1;
    double *evs = s->cw, *spans = s->cw + 2 * ev->n, *gaps = s->cw + 4 * ev->n;
    size_t nspan = 0;
    for (size_t j = 0; j < m->count[MS_INPUT]; j++) {
        if (m->sym[MS_INPUT][j].course_of != c)
            continue;
        size_t k = 0;
        for (size_t i = 0; i < ev->n; i++)
            if (ev->e[i].input == (int)j) {
                double d = ev->e[i].kind == MS_EVENT_BOLUS ? 0 : ev->e[i].duration;
                evs[2 * k] = ev->e[i].t;
                evs[2 * k + 1] = ev->e[i].t + (isfinite(d) ? d : INFINITY);
                k++;
            }
        if (!k)
            continue;
        qsort(evs, k, 2 * sizeof *evs, span_cmp);
        for (size_t i = 1; i < k; i++)
            gaps[i - 1] = evs[2 * i] - evs[2 * (i - 1)];
        double tail = COURSE_MIN_TAIL_H;
        if (k > 1) {
            qsort(gaps, k - 1, sizeof *gaps, dbl_cmp);
            double med =
                (k - 1) % 2 ? gaps[(k - 1) / 2] : 0.5 * (gaps[(k - 1) / 2 - 1] + gaps[(k - 1) / 2]);
            tail = fmin(fmax(med, COURSE_MIN_TAIL_H), COURSE_BREAK_H);
        }
        double a = evs[0], b = evs[1];
        for (size_t i = 1; i <= k; i++) {
            if (i == k || evs[2 * i] - b > COURSE_BREAK_H) {
                spans[2 * nspan] = a;
                spans[2 * nspan + 1] = b + tail;
                nspan++;
                if (i < k) {
                    a = evs[2 * i];
                    b = evs[2 * i + 1];
                }
                continue;
            }
            b = fmax(b, evs[2 * i + 1]);
        }
    }
    qsort(spans, nspan, 2 * sizeof *spans, span_cmp);
    for (size_t i = 0; i < nspan;) {
        double a = spans[2 * i], b = spans[2 * i + 1];
        size_t j = i + 1;
        while (j < nspan && spans[2 * j] <= b) {
            b = fmax(b, spans[2 * j + 1]);
            j++;
        }
        if (a <= t_end) {
            s->tr[(*n)++] = (transition){a, 0, c, 1, +1};
            if (isfinite(b) && b <= t_end)
                s->tr[(*n)++] = (transition){b, 0, c, -1, -1};
        }
        i = j;
    }
    return 0;
}

/* Builds the sorted transitions up to t_end.  Returns the count, or -1. */
static long build_transitions(ms_sim *s, const ms_events *ev, double t_end)
{
    size_t n = 0;
    if (!ev)
        return 0;
    size_t ncourse = 0;
    for (size_t j = 0; j < s->m->count[MS_INPUT]; j++)
        ncourse += (size_t)s->m->sym[MS_INPUT][j].course;
    /* every event gives at most two transitions, and so does every merged
     * course span (at most one per event) */
    if (msi_grow(s->ctx, (void **)&s->tr, &s->tr_cap, 2 * ev->n * (1 + ncourse) + 1, sizeof *s->tr))
        return -1;
    for (size_t k = 0; k < ev->n; k++) {
        const msi_event *e = &ev->e[k];
        if (e->t > t_end)
            continue;
        if (e->kind == MS_EVENT_BOLUS) {
            s->tr[n++] = (transition){e->t, 1, s->m->sym[MS_INPUT][e->input].target, e->amount, 0};
            continue;
        }
        s->tr[n++] = (transition){e->t, 0, e->input, e->amount, +1};
        double end = e->t + e->duration;
        if (isfinite(end) && end <= t_end)
            s->tr[n++] = (transition){end, 0, e->input, -e->amount, -1};
    }
    for (size_t j = 0; ncourse && j < s->m->count[MS_INPUT]; j++)
        if (s->m->sym[MS_INPUT][j].course && course_transitions(s, ev, (int)j, t_end, &n))
            return -1;
    qsort(s->tr, n, sizeof *s->tr, tr_cmp);
    return (long)n;
}

/* Applies every transition at time tr[*k].t; returns that time. */
static void apply_at(ms_sim *s, double t, long ntr, long *k, double *y)
{
    const msi_symdef *in = s->m->sym[MS_INPUT];
    for (; *k < ntr && s->tr[*k].t <= t; (*k)++) {
        const transition *x = &s->tr[*k];
        if (x->bolus) {
            y[x->index] += x->delta;
            continue;
        }
        s->active[x->index] += x->on;
        /* back to the exact default when nothing is on: no drift */
        set_input(s, (size_t)x->index,
                  s->active[x->index] == 0 ? in[x->index].value : s->inputs[x->index] + x->delta);
    }
}

/* Fires every state event whose trigger went from false to true at t.
 * Pending events execute one at a time, highest priority first (events
 * without a priority after those with one, in document order); each computes
 * its values just before it executes; after each, triggers are evaluated
 * again: events whose triggers became true join the pending ones, and a
 * pending non-persistent event whose trigger became false is cancelled.
 * Returns -1 if events keep firing (a cascade without end). */
static void eval_events(ms_sim *s, double t, const double *y)
{
    load_state(s, t, y);
    msi_prog_run(&s->m->c.evp, s->regs);
}

/* Event e is triggered: it waits to execute, with its values as they are
 * now if it uses trigger-time values (the registers hold the current point). */
static int trigger(ms_sim *s, size_t e, double t)
{
    const msi_eventdef *ev = &s->m->ev[e];
    if (ev->delay >= 0) { /* runs later: into the queue, with its values if due now */
        double d = s->regs[ev->delay];
        if (!(d >= 0) || !isfinite(d))
            return -1;
        if (s->nq == s->qcap) {
            size_t ncap = s->qcap ? 2 * s->qcap : 16;
            struct msi_delayed *q = msi_realloc(s->ctx, s->queue, ncap * sizeof *q);
            if (!q)
                return -1;
            memset(q + s->qcap, 0, (ncap - s->qcap) * sizeof *q);
            s->queue = q;
            s->qcap = ncap;
        }
        struct msi_delayed *x = &s->queue[s->nq];
        if (!x->val) {
            size_t maxn = 1;
            for (size_t i = 0; i < s->m->nev; i++)
                maxn = s->m->ev[i].n > maxn ? s->m->ev[i].n : maxn;
            x->val = msi_alloc(s->ctx, maxn * sizeof *x->val);
            if (!x->val)
                return -1;
        }
        x->t = t + d;
        x->e = e;
        if (ev->trigger_values)
            for (size_t k = 0; k < ev->n; k++)
                x->val[k] = s->regs[ev->value[k]];
        s->nq++;
        return 0;
    }
    s->pending[e] = 1;
    if (ev->trigger_values)
        for (size_t k = 0; k < ev->n; k++)
            s->ev_store[ev->offset + k] = s->regs[ev->value[k]];
    return 0;
}

/* Earliest delayed execution, or INFINITY. */
static double next_delayed(const ms_sim *s)
{
    double t = INFINITY;
    for (size_t i = 0; i < s->nq; i++)
        t = s->queue[i].t < t ? s->queue[i].t : t;
    return t;
}

/* A delayed execution of a non-persistent event is cancelled when the
 * event's trigger turns false before it runs (registers: the current point). */
static void cancel_delayed(ms_sim *s)
{
    const ms_model *m = s->m;
    for (size_t i = 0; i < s->nq;) {
        const msi_eventdef *ev = &m->ev[s->queue[i].e];
        if (!ev->persistent && s->regs[ev->trigger] == 0) {
            struct msi_delayed tmp = s->queue[i];
            s->queue[i] = s->queue[--s->nq];
            s->queue[s->nq] = tmp;
            continue;
        }
        i++;
    }
}

/* Moves the delayed executions due at t into the pending events, one per
 * event (a second execution of the same event waits for the next round);
 * returns how many. */
static int take_due(ms_sim *s, double t, const double *y)
{
    const ms_model *m = s->m;
    int taken = 0;
    eval_events(s, t, y);
    for (size_t i = 0; i < s->nq;) {
        size_t e = s->queue[i].e;
        if (s->queue[i].t > t || s->pending[e]) {
            i++;
            continue;
        }
        const msi_eventdef *ev = &m->ev[e];
        s->pending[e] = 1;
        for (size_t k = 0; k < ev->n; k++)
            s->ev_store[ev->offset + k] =
                ev->trigger_values ? s->queue[i].val[k] : s->regs[ev->value[k]];
        struct msi_delayed tmp = s->queue[i]; /* remove, keeping its buffer */
        s->queue[i] = s->queue[--s->nq];
        s->queue[s->nq] = tmp;
        taken++;
    }
    return taken;
}

static int fire_events(ms_sim *s, double t, double *y)
{
    const ms_model *m = s->m;
    if (!m->nev)
        return 0;
    unsigned char *pending = s->pending;
    memset(pending, 0, m->nev);
    eval_events(s, t, y);
    cancel_delayed(s);
    /* delayed executions due now join the pending events */
    take_due(s, t, y);
    for (size_t e = 0; e < m->nev; e++) {
        int now = s->regs[m->ev[e].trigger] != 0;
        if (now && !s->trig[e] && trigger(s, e, t))
            return -1;
        s->trig[e] = (unsigned char)now;
    }
    for (int step = 0; step < 10000; step++) {
        /* choose the next event */
        long best = -1;
        double bp = -INFINITY;
        for (size_t e = 0; e < m->nev; e++) {
            if (!pending[e])
                continue;
            double p = m->ev[e].priority >= 0 ? s->regs[m->ev[e].priority] : -INFINITY;
            if (best < 0 || p > bp) {
                best = (long)e;
                bp = p;
            }
        }
        if (best < 0) {
            /* more delayed executions due at this same time (a second one of
             * an event that already ran)? */
            if (!take_due(s, t, y))
                return 0;
            continue;
        }
        const msi_eventdef *ev = &m->ev[best];
        pending[best] = 0;
        for (size_t k = 0; k < ev->n; k++)
            s->ev_val[k] = ev->trigger_values || ev->delay >= 0 ? s->ev_store[ev->offset + k]
                                                                : s->regs[ev->value[k]];
        for (size_t k = 0; k < ev->n; k++)
            y[ev->target[k]] = s->ev_val[k];
        eval_events(s, t, y);
        cancel_delayed(s);
        for (size_t e = 0; e < m->nev; e++) {
            int now = s->regs[m->ev[e].trigger] != 0;
            if (now && !s->trig[e] && trigger(s, e, t))
                return -1;
            else if (!now && pending[e] && !m->ev[e].persistent)
                pending[e] = 0;
            s->trig[e] = (unsigned char)now;
        }
    }
    return -1;
}

/* Writes the states and observables at t into row.  The solver keeps a
 * non_negative state >= 0 at the end of every step (its constraint); the
 * interpolating polynomial between two steps may still dip below zero where
 * the state falls fast towards it, so a negative value of such a state is
 * written as 0 (and observables see the 0).  A model that drives the state
 * itself below zero fails in the solver ("unable to satisfy inequality
 * constraints"), which names the time. */
static ms_status record(ms_sim *s, double t, const double *y, double *row)
{
    const msi_compiled *c = &s->m->c;
    memcpy(row, y, s->ns * sizeof *row);
    for (size_t i = 0; s->constraints && i < s->ns; i++)
        if (row[i] < 0 && s->m->sym[MS_STATE][i].non_negative)
            row[i] = 0;
    size_t nobs = s->m->count[MS_OBSERVABLE];
    if (!nobs)
        return MS_OK;
    load_state(s, t, row);
    msi_prog_run(&c->obs, s->regs);
    for (size_t i = 0; i < nobs; i++)
        row[s->ns + i] = s->regs[c->obs_reg[i]];
    return MS_OK;
}

/* After CVODE found a trigger switching at tret: fire the events, bring the
 * stop forward if one scheduled an earlier execution, restart the solver. */
static ms_status after_root(ms_sim *s, double tret, double *y, double *target)
{
    add_stats(s);
    if (fire_events(s, tret, y))
        return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "events keep firing at t = %g h", tret);
    if (next_delayed(s) < *target)
        *target = next_delayed(s);
    if (scale_tolerances(s, y) != CV_SUCCESS || solver_restart(s, tret, *target))
        return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "solver restart failed at t = %g h",
                        tret);
    s->stats.restarts++;
    return MS_OK;
}

/* The decisions due at t (assessments at or before t): each rule sees the
 * observables at (t, y); if the table changed, the transitions are rebuilt
 * from it, the input levels set to what the new table has on at t, and *k
 * moved past t (boluses at t were given already). */
static ms_status decide_due(ms_sim *s, double t, const double *y, double t_end, long *ntr, long *k)
{
    while (s->di < s->nd && s->dtimes[s->di] <= t) {
        s->di++;
        ms_status st = record(s, t, y, s->drow);
        int changed = 0;
        if (!st)
            st = msi_decider_decide(s->dec, t, s->drow + s->ns, s->work, &changed);
        if (st)
            return st;
        if (!changed)
            continue;
        long n = build_transitions(s, s->work, t_end);
        if (n < 0)
            return msi_nomem(s->ctx);
        *ntr = n;
        inputs_default(s);
        const msi_symdef *in = s->m->sym[MS_INPUT];
        long j = 0;
        for (; j < n && s->tr[j].t <= t; j++) {
            const transition *x = &s->tr[j];
            if (x->bolus)
                continue;
            s->active[x->index] += x->on;
            set_input(s, (size_t)x->index,
                      s->active[x->index] == 0 ? in[x->index].value
                                               : s->inputs[x->index] + x->delta);
        }
        *k = j;
    }
    return MS_OK;
}

/* The initial state into y, the inputs at their defaults, no peak seen. */
static ms_status start_state(ms_sim *s, double *y)
{
    ms_status st = ms_sim_initial(s, y);
    if (st != MS_OK)
        return st;
    for (size_t i = 0; s->constraints && i < s->ns; i++)
        if (y[i] < 0 && s->m->sym[MS_STATE][i].non_negative)
            return msi_fail(s->ctx, MS_ERR_SOLVER, s->m->file, s->m->sym[MS_STATE][i].line,
                            s->m->sym[MS_STATE][i].col,
                            "state '%s' starts at %g, but is declared non_negative",
                            s->m->sym[MS_STATE][i].name, y[i]);
    inputs_default(s);
    for (size_t i = 0; i < s->ns; i++)
        s->peak[i] = 0;
    return MS_OK;
}

const ms_events *ms_sim_events(const ms_sim *s)
{
    return s ? s->last : NULL;
}

ms_status ms_sim_run(ms_sim *s, const ms_events *ev, const double *times, size_t n_times,
                     double *out)
{
    if (!s || (!times && n_times) || (!out && n_times))
        return MS_ERR_ARG;
    s->rows_done = 0;
    memset(&s->stats, 0, sizeof s->stats);
    if (ev && ev->model != s->m)
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "the event table was made for another model");
    for (size_t k = 0; k < n_times; k++)
        if (!isfinite(times[k]) || times[k] < 0 || (k && times[k] < times[k - 1]))
            return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                            "output time %zu is %g; expected finite, >= 0 and non-decreasing", k,
                            times[k]);
    s->last = ev;
    s->nd = s->di = 0;
    if (n_times == 0)
        return msi_ok(s->ctx);
    double t_end = times[n_times - 1];
    if (ev && ev->rules) { /* the run edits its own copy */
        if (!s->work && ms_events_new(s->ctx, s->m, &s->work))
            return msi_nomem(s->ctx);
        if (!s->drow && !(s->drow = msi_alloc(s->ctx, s->nout * sizeof *s->drow)))
            return msi_nomem(s->ctx);
        if (msi_events_copy(s->work, ev))
            return msi_nomem(s->ctx);
        ev = s->last = s->work;
    }
    long ntr = build_transitions(s, ev, t_end);
    if (ntr < 0)
        return msi_nomem(s->ctx);

    double *y = N_VGetArrayPointer(s->y);
    ms_status st = start_state(s, y);
    if (st != MS_OK)
        return st;
    if (ev && ev->rules) { /* the baseline of relative thresholds: before any event */
        if ((st = record(s, 0, y, s->drow)) ||
            (st = msi_decider_begin(s->ctx, &s->dec, ev, t_end, s->drow + s->ns)))
            return st;
        s->nd = msi_decider_times(s->dec, &s->dtimes);
    }

    double t = 0;
    long k = 0;
    size_t o = 0;
    apply_at(s, t, ntr, &k, y);
    for (size_t e = 0; e < s->m->nev; e++)
        s->trig[e] = (unsigned char)(s->m->ev[e].initial_value != 0);
    s->nq = 0;
    if (fire_events(s, t, y))
        return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "events keep firing at t = 0");
    if (s->nd && (st = decide_due(s, t, y, t_end, &ntr, &k)))
        return st;
    while (o < n_times && times[o] <= t)
        if ((st = record(s, t, y, out + s->nout * o++)))
            return st;
    while (o < n_times) {
        double target = (k < ntr && s->tr[k].t < t_end) ? s->tr[k].t : t_end;
        double due = next_delayed(s);
        if (due < target)
            target = due;
        if (s->di < s->nd && s->dtimes[s->di] < target)
            target = s->dtimes[s->di];
        if (scale_tolerances(s, y) != CV_SUCCESS || solver_restart(s, t, target))
            return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "solver restart failed at t = %g h",
                            t);
        s->stats.restarts++;
        s->cvmsg[0] = '\0';
        while (o < n_times && (times[o] < target || (times[o] == target && target > t))) {
            double tret = t;
            int flag = target > t ? solver_advance(s, times[o], &tret) : CV_SUCCESS;
            if (flag == CV_ROOT_RETURN) {
                /* a state event inside the segment: fire, restart, go on */
                if ((st = after_root(s, tret, y, &target)))
                    return st;
                t = tret;
                if (tret >= times[o]) { /* the event fell on the output time */
                    if ((st = record(s, times[o], y, out + s->nout * o)))
                        return st;
                    s->rows_done = ++o;
                }
                continue;
            }
            if (flag < 0) {
                add_stats(s);
                s->rows_done = o;
                return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0,
                                "integration failed between t = %g h and t = %g h: %s", t, times[o],
                                s->cvmsg[0] ? s->cvmsg : solver_flag_name(s, flag));
            }
            if (times[o] == target)
                break; /* recorded after the events at `target` */
            if ((st = record(s, times[o], y, out + s->nout * o)))
                return st;
            s->rows_done = ++o;
        }
        if (target > t) {
            double tret = t;
            /* already at target if the last output was there; CVode returns at once */
            int flag = CV_SUCCESS;
            while (!(o < n_times && times[o] == target) && tret < target) {
                flag = solver_advance(s, target, &tret);
                if (flag != CV_ROOT_RETURN)
                    break;
                if ((st = after_root(s, tret, y, &target)))
                    return st;
                flag = CV_SUCCESS;
            }
            if (flag < 0) {
                add_stats(s);
                s->rows_done = o;
                return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0,
                                "integration failed between t = %g h and t = %g h: %s", t, target,
                                s->cvmsg[0] ? s->cvmsg : solver_flag_name(s, flag));
            }
        }
        add_stats(s);
        t = target;
        apply_at(s, t, ntr, &k, y);
        if (fire_events(s, t, y))
            return msi_fail(s->ctx, MS_ERR_SOLVER, NULL, 0, 0, "events keep firing at t = %g h", t);
        if (s->nd && (st = decide_due(s, t, y, t_end, &ntr, &k)))
            return st;
        while (o < n_times && times[o] <= t) {
            if ((st = record(s, t, y, out + s->nout * o)))
                return st;
            s->rows_done = ++o;
        }
    }
    s->rows_done = o;
    if (s->dec && s->nd)
        msi_decider_counts(s->dec, &s->stats.courses, &s->stats.decisions);
    return msi_ok(s->ctx);
}

/* ------------------------------------------------- a lane of a batch */

int msi_sim_batchable(const ms_sim *s, const ms_events *ev)
{
    return s->m->nev == 0 && s->m->nroot == 0 && !(ev && ev->rules);
}

ms_status msi_sim_begin(ms_sim *s, const ms_events *ev, double t_end, double *y)
{
    s->rows_done = 0;
    memset(&s->stats, 0, sizeof s->stats);
    s->last = ev;
    s->nd = s->di = 0;
    s->nq = 0;
    if (ev && ev->model != s->m)
        return msi_fail(s->ctx, MS_ERR_ARG, NULL, 0, 0,
                        "the event table was made for another model");
    if ((s->ntr = build_transitions(s, ev, t_end)) < 0)
        return msi_nomem(s->ctx);
    ms_status st = start_state(s, y);
    if (st != MS_OK)
        return st;
    s->k = 0;
    apply_at(s, 0, s->ntr, &s->k, y);
    return msi_ok(s->ctx);
}

int msi_sim_same_switches(const ms_sim *a, const ms_sim *b)
{
    if (a->ntr != b->ntr)
        return 0;
    for (long i = 0; i < a->ntr; i++)
        if (a->tr[i].t != b->tr[i].t)
            return 0;
    return 1;
}

double msi_sim_next_switch(const ms_sim *s, double t_end)
{
    return s->k < s->ntr && s->tr[s->k].t < t_end ? s->tr[s->k].t : t_end;
}

void msi_sim_switch(ms_sim *s, double t, double *y)
{
    apply_at(s, t, s->ntr, &s->k, y);
}

ms_status msi_sim_record(ms_sim *s, double t, const double *y, double *row)
{
    return record(s, t, y, row);
}

void msi_sim_end(ms_sim *s, size_t rows_done, const ms_sim_stats *stats)
{
    s->rows_done = rows_done;
    s->stats = *stats;
}

void msi_sim_solver_settings(const ms_sim *s, double *rtol, long *max_steps)
{
    *rtol = s->rtol;
    *max_steps = s->max_steps;
}
