/*
 * kernels.c — the per-step arithmetic that CVODE asks of its vectors and
 * matrices, compiled with moodsim's own flags.
 *
 * Why this exists: Debian's SUNDIALS 6.4.1 (libsundials-cvode6
 * 6.4.1+dfsg1-3) is built without optimisation — every function keeps its
 * arguments and locals on the stack (objdump of N_VWSqrSumLocal_Serial or
 * CVodeGetNumSteps in libsundials_cvode.so.6.4.1 shows it) — and a profile of
 * the flagship model (perf, bench/README.md) put 54 % of a simulation's
 * time in the serial vector operations and 5 % in the sparse-matrix ones
 * (and a model small enough for the dense solver spends its time in an
 * unoptimised LU).
 * The N_Vector and SUNMatrix interfaces are tables of function pointers so
 * that a user can supply implementations; this module replaces the
 * arithmetic entries of SUNDIALS' own serial vector, dense matrix and CSC
 * sparse matrix (their content, constructors, clone and destroy stay
 * SUNDIALS'), and the factorisation and solve of SUNDIALS' dense direct
 * linear solver; a vector's clones copy its table and a matrix's clone is
 * given ours, so every vector and matrix CVODE makes from ours uses these.
 *
 * Each function computes what the SUNDIALS routine of the same name
 * computes, with the same special cases and the same order of floating-point
 * operations (reductions are summed in index order), so results are
 * bit-for-bit those of the library (checked: bench_moodsim's final HAM-D-17,
 * CRP and step count are unchanged to the last digit).  Operations not
 * replaced (the fused and vector-array operations, which CVODE leaves off
 * for serial vectors) stay SUNDIALS'.
 *
 * Lane vectors (msi_kernels_lane_vector) hold several patients' systems
 * end to end for batch.c; their norm is the worst lane's.
 *
 * Owns nothing: no allocation, no state.
 */
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

#define LEN(v) ((size_t)NV_LENGTH_S(v))
#define DATA(v) NV_DATA_S(v)

/* ---- vectors ----------------------------------------------------------- */

static void v_axpy(realtype a, N_Vector x, N_Vector y) /* y += a x (x may be y) */
{
    const realtype *xd = DATA(x);
    realtype *yd = DATA(y);
    size_t n = LEN(x);
    if (a == 1.0)
        for (size_t i = 0; i < n; i++)
            yd[i] += xd[i];
    else if (a == -1.0)
        for (size_t i = 0; i < n; i++)
            yd[i] -= xd[i];
    else
        for (size_t i = 0; i < n; i++)
            yd[i] += a * xd[i];
}

/* z = a x + b y, with N_VLinearSum_Serial's cases (z may alias x or y). */
static void v_linearsum(realtype a, N_Vector x, realtype b, N_Vector y, N_Vector z)
{
    if (b == 1.0 && z == y) {
        v_axpy(a, x, y);
        return;
    }
    if (a == 1.0 && z == x) {
        v_axpy(b, y, x);
        return;
    }
    const realtype *xd = DATA(x), *yd = DATA(y);
    realtype *zd = DATA(z);
    size_t n = LEN(x);
    if (a == 1.0 && b == 1.0) {
        for (size_t i = 0; i < n; i++)
            zd[i] = xd[i] + yd[i];
        return;
    }
    int test;
    if ((test = (a == 1.0 && b == -1.0)) || (a == -1.0 && b == 1.0)) {
        const realtype *v1 = test ? yd : xd, *v2 = test ? xd : yd;
        for (size_t i = 0; i < n; i++)
            zd[i] = v2[i] - v1[i];
        return;
    }
    if ((test = (a == 1.0)) || b == 1.0) {
        realtype c = test ? b : a;
        const realtype *v1 = test ? yd : xd, *v2 = test ? xd : yd;
        for (size_t i = 0; i < n; i++)
            zd[i] = (c * v1[i]) + v2[i];
        return;
    }
    if ((test = (a == -1.0)) || b == -1.0) {
        realtype c = test ? b : a;
        const realtype *v1 = test ? yd : xd, *v2 = test ? xd : yd;
        for (size_t i = 0; i < n; i++)
            zd[i] = (c * v1[i]) - v2[i];
        return;
    }
    if (a == b) {
        for (size_t i = 0; i < n; i++)
            zd[i] = a * (xd[i] + yd[i]);
        return;
    }
    if (a == -b) {
        for (size_t i = 0; i < n; i++)
            zd[i] = a * (xd[i] - yd[i]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        zd[i] = (a * xd[i]) + (b * yd[i]);
}

static void v_const(realtype c, N_Vector z)
{
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(z); i < n; i++)
        zd[i] = c;
}

static void v_prod(N_Vector x, N_Vector y, N_Vector z)
{
    const realtype *xd = DATA(x), *yd = DATA(y);
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(x); i < n; i++)
        zd[i] = xd[i] * yd[i];
}

static void v_div(N_Vector x, N_Vector y, N_Vector z)
{
    const realtype *xd = DATA(x), *yd = DATA(y);
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(x); i < n; i++)
        zd[i] = xd[i] / yd[i];
}

static void v_scale(realtype c, N_Vector x, N_Vector z)
{
    realtype *zd = DATA(z);
    size_t n = LEN(x);
    if (z == x) {
        for (size_t i = 0; i < n; i++)
            zd[i] *= c;
        return;
    }
    const realtype *xd = DATA(x);
    if (c == 1.0)
        for (size_t i = 0; i < n; i++)
            zd[i] = xd[i];
    else if (c == -1.0)
        for (size_t i = 0; i < n; i++)
            zd[i] = -xd[i];
    else
        for (size_t i = 0; i < n; i++)
            zd[i] = c * xd[i];
}

static void v_abs(N_Vector x, N_Vector z)
{
    const realtype *xd = DATA(x);
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(x); i < n; i++)
        zd[i] = fabs(xd[i]);
}

static void v_inv(N_Vector x, N_Vector z)
{
    const realtype *xd = DATA(x);
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(x); i < n; i++)
        zd[i] = 1.0 / xd[i];
}

static void v_addconst(N_Vector x, realtype b, N_Vector z)
{
    const realtype *xd = DATA(x);
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(x); i < n; i++)
        zd[i] = xd[i] + b;
}

static realtype v_dotprod(N_Vector x, N_Vector y)
{
    const realtype *xd = DATA(x), *yd = DATA(y);
    realtype sum = 0;
    for (size_t i = 0, n = LEN(x); i < n; i++)
        sum += xd[i] * yd[i];
    return sum;
}

static realtype v_maxnorm(N_Vector x)
{
    const realtype *xd = DATA(x);
    realtype max = 0;
    for (size_t i = 0, n = LEN(x); i < n; i++)
        if (fabs(xd[i]) > max)
            max = fabs(xd[i]);
    return max;
}

static realtype v_wsqrsum(N_Vector x, N_Vector w)
{
    const realtype *xd = DATA(x), *wd = DATA(w);
    realtype sum = 0;
    for (size_t i = 0, n = LEN(x); i < n; i++) {
        realtype p = xd[i] * wd[i];
        sum += p * p;
    }
    return sum;
}

static realtype v_wsqrsummask(N_Vector x, N_Vector w, N_Vector id)
{
    const realtype *xd = DATA(x), *wd = DATA(w), *idd = DATA(id);
    realtype sum = 0;
    for (size_t i = 0, n = LEN(x); i < n; i++)
        if (idd[i] > 0) {
            realtype p = xd[i] * wd[i];
            sum += p * p;
        }
    return sum;
}

static realtype v_wrmsnorm(N_Vector x, N_Vector w)
{
    return sqrt(v_wsqrsum(x, w) / (realtype)NV_LENGTH_S(x));
}

static realtype v_wrmsnormmask(N_Vector x, N_Vector w, N_Vector id)
{
    return sqrt(v_wsqrsummask(x, w, id) / (realtype)NV_LENGTH_S(x));
}

static realtype v_wl2norm(N_Vector x, N_Vector w)
{
    return sqrt(v_wsqrsum(x, w));
}

static realtype v_min(N_Vector x)
{
    const realtype *xd = DATA(x);
    realtype min = xd[0];
    for (size_t i = 1, n = LEN(x); i < n; i++)
        if (xd[i] < min)
            min = xd[i];
    return min;
}

static realtype v_l1norm(N_Vector x)
{
    const realtype *xd = DATA(x);
    realtype sum = 0;
    for (size_t i = 0, n = LEN(x); i < n; i++)
        sum += fabs(xd[i]);
    return sum;
}

static void v_compare(realtype c, N_Vector x, N_Vector z)
{
    const realtype *xd = DATA(x);
    realtype *zd = DATA(z);
    for (size_t i = 0, n = LEN(x); i < n; i++)
        zd[i] = fabs(xd[i]) >= c ? 1.0 : 0.0;
}

static booleantype v_invtest(N_Vector x, N_Vector z)
{
    const realtype *xd = DATA(x);
    realtype *zd = DATA(z);
    booleantype no_zero = SUNTRUE;
    for (size_t i = 0, n = LEN(x); i < n; i++) {
        if (xd[i] == 0)
            no_zero = SUNFALSE;
        else
            zd[i] = 1.0 / xd[i];
    }
    return no_zero;
}

/* as N_VConstrMask_Serial: m_i = 1 where x_i breaks constraint c_i (2: > 0,
 * 1: >= 0, -1: <= 0, -2: < 0), else 0; false if any does */
static booleantype v_constrmask(N_Vector c, N_Vector x, N_Vector m)
{
    const realtype *cd = DATA(c), *xd = DATA(x);
    realtype *md = DATA(m);
    booleantype ok = SUNTRUE;
    for (size_t i = 0, n = LEN(x); i < n; i++) {
        md[i] = 0;
        if (cd[i] == 0)
            continue;
        realtype p = xd[i] * cd[i];
        if ((fabs(cd[i]) > 1.5 && p <= 0) || (fabs(cd[i]) > 0.5 && fabs(cd[i]) <= 1.5 && p < 0)) {
            ok = SUNFALSE;
            md[i] = 1;
        }
    }
    return ok;
}

/* as N_VMinQuotient_Serial: the least num_i / denom_i over denom_i != 0,
 * BIG_REAL if there is none */
static realtype v_minquotient(N_Vector num, N_Vector denom)
{
    const realtype *nd = DATA(num), *dd = DATA(denom);
    realtype min = BIG_REAL;
    int none = 1;
    for (size_t i = 0, n = LEN(num); i < n; i++) {
        if (dd[i] == 0)
            continue;
        realtype q = nd[i] / dd[i];
        if (none || q < min)
            min = q;
        none = 0;
    }
    return min;
}

void msi_kernels_vector(N_Vector v)
{
    if (!v || N_VGetVectorID(v) != SUNDIALS_NVEC_SERIAL)
        return;
    N_Vector_Ops o = v->ops;
    o->nvlinearsum = v_linearsum;
    o->nvconst = v_const;
    o->nvprod = v_prod;
    o->nvdiv = v_div;
    o->nvscale = v_scale;
    o->nvabs = v_abs;
    o->nvinv = v_inv;
    o->nvaddconst = v_addconst;
    o->nvdotprod = v_dotprod;
    o->nvmaxnorm = v_maxnorm;
    o->nvwrmsnorm = v_wrmsnorm;
    o->nvwrmsnormmask = v_wrmsnormmask;
    o->nvmin = v_min;
    o->nvwl2norm = v_wl2norm;
    o->nvl1norm = v_l1norm;
    o->nvcompare = v_compare;
    o->nvinvtest = v_invtest;
    o->nvconstrmask = v_constrmask;
    o->nvminquotient = v_minquotient;
    /* the local reductions are the same sums on one process */
    o->nvdotprodlocal = v_dotprod;
    o->nvmaxnormlocal = v_maxnorm;
    o->nvminlocal = v_min;
    o->nvl1normlocal = v_l1norm;
    o->nvinvtestlocal = v_invtest;
    o->nvwsqrsumlocal = v_wsqrsum;
    o->nvwsqrsummasklocal = v_wsqrsummask;
    o->nvconstrmasklocal = v_constrmask;
    o->nvminquotientlocal = v_minquotient;
}

/* ---- lane vectors ------------------------------------------------------ */

/* A serial vector that holds `lanes` systems of `len` components each, one
 * after another: SUNDIALS' serial content with the lane length after it (the
 * serial functions see only the prefix they know).  Its weighted RMS norm
 * is the largest of the lanes' own, so an integrator that tests errors and
 * Newton convergence with it controls every lane as if it ran alone. */
typedef struct {
    struct _N_VectorContent_Serial serial;
    size_t lane;
} lane_content;

#define LANE(v) (((lane_content *)(v)->content)->lane)

static realtype l_wrmsnorm(N_Vector x, N_Vector w)
{
    const realtype *xd = DATA(x), *wd = DATA(w);
    size_t n = LEN(x), len = LANE(x);
    realtype worst = 0;
    for (size_t a = 0; a < n; a += len) {
        realtype sum = 0;
        for (size_t i = a; i < a + len; i++) {
            realtype p = xd[i] * wd[i];
            sum += p * p;
        }
        if (sum > worst)
            worst = sum;
    }
    return sqrt(worst / (realtype)len);
}

static realtype l_wrmsnormmask(N_Vector x, N_Vector w, N_Vector id)
{
    const realtype *xd = DATA(x), *wd = DATA(w), *idd = DATA(id);
    size_t n = LEN(x), len = LANE(x);
    realtype worst = 0;
    for (size_t a = 0; a < n; a += len) {
        realtype sum = 0;
        for (size_t i = a; i < a + len; i++)
            if (idd[i] > 0) {
                realtype p = xd[i] * wd[i];
                sum += p * p;
            }
        if (sum > worst)
            worst = sum;
    }
    return sqrt(worst / (realtype)len);
}

/* a lane vector's content in place of the serial one N_VCloneEmpty_Serial
 * made (one malloc'd block either way: N_VDestroy_Serial frees it) */
static int to_lanes(N_Vector v, size_t len)
{
    lane_content *c = realloc(v->content, sizeof *c);
    if (!c)
        return -1;
    c->lane = len;
    v->content = c;
    return 0;
}

static N_Vector l_cloneempty(N_Vector w)
{
    N_Vector v = N_VCloneEmpty_Serial(w);
    if (v && to_lanes(v, LANE(w))) {
        N_VDestroy_Serial(v);
        return NULL;
    }
    return v;
}

static N_Vector l_clone(N_Vector w)
{
    N_Vector v = l_cloneempty(w);
    if (!v)
        return NULL;
    realtype *d = malloc(LEN(w) * sizeof *d);
    if (!d) {
        N_VDestroy_Serial(v);
        return NULL;
    }
    NV_OWN_DATA_S(v) = SUNTRUE;
    NV_DATA_S(v) = d;
    return v;
}

N_Vector msi_kernels_lane_vector(size_t lanes, size_t len, SUNContext sunctx)
{
    if (!lanes || !len)
        return NULL;
    N_Vector v = N_VNew_Serial((sunindextype)(lanes * len), sunctx);
    if (!v)
        return NULL;
    if (to_lanes(v, len)) {
        N_VDestroy_Serial(v);
        return NULL;
    }
    msi_kernels_vector(v);
    v->ops->nvwrmsnorm = l_wrmsnorm;
    v->ops->nvwrmsnormmask = l_wrmsnormmask;
    v->ops->nvclone = l_clone;
    v->ops->nvcloneempty = l_cloneempty;
    return v;
}

/* ---- matrices ---------------------------------------------------------- */

static int d_zero(SUNMatrix A)
{
    memset(SM_DATA_D(A), 0, (size_t)SM_LDATA_D(A) * sizeof(realtype));
    return SUNMAT_SUCCESS;
}

static int d_copy(SUNMatrix A, SUNMatrix B) /* B = A */
{
    if (SUNMatGetID(B) != SUNMATRIX_DENSE || SM_ROWS_D(A) != SM_ROWS_D(B) ||
        SM_COLUMNS_D(A) != SM_COLUMNS_D(B))
        return SUNMatCopy_Dense(A, B); /* the library's checks and message */
    memcpy(SM_DATA_D(B), SM_DATA_D(A), (size_t)SM_LDATA_D(A) * sizeof(realtype));
    return SUNMAT_SUCCESS;
}

static int d_scaleaddi(realtype c, SUNMatrix A) /* A = c A + I */
{
    size_t rows = (size_t)SM_ROWS_D(A), cols = (size_t)SM_COLUMNS_D(A);
    for (size_t j = 0; j < cols; j++) {
        realtype *col = SM_COLUMN_D(A, j);
        for (size_t i = 0; i < rows; i++)
            col[i] *= c;
        if (j < rows)
            col[j] += 1.0;
    }
    return SUNMAT_SUCCESS;
}

/* SUNMatZero_Sparse clears the structure as well as the values. */
static int s_zero(SUNMatrix A)
{
    memset(SM_DATA_S(A), 0, (size_t)SM_NNZ_S(A) * sizeof(realtype));
    memset(SM_INDEXVALS_S(A), 0, (size_t)SM_NNZ_S(A) * sizeof(sunindextype));
    memset(SM_INDEXPTRS_S(A), 0, (size_t)(SM_NP_S(A) + 1) * sizeof(sunindextype));
    return SUNMAT_SUCCESS;
}

static int s_copy(SUNMatrix A, SUNMatrix B) /* B = A */
{
    if (SUNMatGetID(B) != SUNMATRIX_SPARSE || SM_ROWS_S(A) != SM_ROWS_S(B) ||
        SM_COLUMNS_S(A) != SM_COLUMNS_S(B) || SM_SPARSETYPE_S(A) != SM_SPARSETYPE_S(B) ||
        SM_NNZ_S(B) < SM_INDEXPTRS_S(A)[SM_NP_S(A)])
        return SUNMatCopy_Sparse(A, B); /* checks, or grows B */
    size_t nz = (size_t)SM_INDEXPTRS_S(A)[SM_NP_S(A)], np = (size_t)SM_NP_S(A);
    s_zero(B);
    memcpy(SM_DATA_S(B), SM_DATA_S(A), nz * sizeof(realtype));
    memcpy(SM_INDEXVALS_S(B), SM_INDEXVALS_S(A), nz * sizeof(sunindextype));
    memcpy(SM_INDEXPTRS_S(B), SM_INDEXPTRS_S(A), (np + 1) * sizeof(sunindextype));
    return SUNMAT_SUCCESS;
}

/* A = c A + I when A is square and every diagonal entry is stored;
 * otherwise the library routine, which makes room for missing ones. */
static int s_scaleaddi(realtype c, SUNMatrix A)
{
    const sunindextype *ptr = SM_INDEXPTRS_S(A), *idx = SM_INDEXVALS_S(A);
    sunindextype np = SM_NP_S(A);
    if (SM_ROWS_S(A) != SM_COLUMNS_S(A))
        return SUNMatScaleAddI_Sparse(c, A);
    for (sunindextype j = 0; j < np; j++) {
        sunindextype k = ptr[j];
        while (k < ptr[j + 1] && idx[k] != j)
            k++;
        if (k == ptr[j + 1])
            return SUNMatScaleAddI_Sparse(c, A);
    }
    realtype *x = SM_DATA_S(A);
    for (sunindextype j = 0; j < np; j++)
        for (sunindextype k = ptr[j]; k < ptr[j + 1]; k++)
            x[k] = idx[k] == j ? 1.0 + c * x[k] : c * x[k];
    return SUNMAT_SUCCESS;
}

/* The libraries' clones start from the default table: give them ours. */
static SUNMatrix d_clone(SUNMatrix A)
{
    SUNMatrix B = SUNMatClone_Dense(A);
    msi_kernels_matrix(B);
    return B;
}

static SUNMatrix s_clone(SUNMatrix A)
{
    SUNMatrix B = SUNMatClone_Sparse(A);
    msi_kernels_matrix(B);
    return B;
}

void msi_kernels_matrix(SUNMatrix A)
{
    if (!A)
        return;
    if (SUNMatGetID(A) == SUNMATRIX_DENSE) {
        A->ops->clone = d_clone;
        A->ops->zero = d_zero;
        A->ops->copy = d_copy;
        A->ops->scaleaddi = d_scaleaddi;
    } else if (SUNMatGetID(A) == SUNMATRIX_SPARSE) {
        A->ops->clone = s_clone;
        A->ops->zero = s_zero;
        A->ops->copy = s_copy;
        A->ops->scaleaddi = s_scaleaddi;
    }
}

/* ---- the dense direct solver ------------------------------------------- */

/* LU with partial pivoting in place, as SUNDlsMat_denseGETRF: returns 0, or
 * k + 1 if the k-th pivot is zero. */
static sunindextype lu_factor(realtype **a, sunindextype m, sunindextype n, sunindextype *p)
{
    for (sunindextype k = 0; k < n; k++) {
        realtype *col_k = a[k];
        sunindextype l = k;
        for (sunindextype i = k + 1; i < m; i++)
            if (fabs(col_k[i]) > fabs(col_k[l]))
                l = i;
        p[k] = l;
        if (col_k[l] == 0)
            return k + 1;
        if (l != k)
            for (sunindextype i = 0; i < n; i++) {
                realtype t = a[i][l];
                a[i][l] = a[i][k];
                a[i][k] = t;
            }
        realtype mult = 1.0 / col_k[k];
        for (sunindextype i = k + 1; i < m; i++)
            col_k[i] *= mult;
        for (sunindextype j = k + 1; j < n; j++) {
            realtype *restrict col_j = a[j];
            realtype a_kj = col_j[k];
            if (a_kj != 0)
                for (sunindextype i = k + 1; i < m; i++)
                    col_j[i] -= a_kj * col_k[i];
        }
    }
    return 0;
}

/* Solves with the factors, as SUNDlsMat_denseGETRS. */
static void lu_solve(realtype **a, sunindextype n, const sunindextype *p, realtype *b)
{
    for (sunindextype k = 0; k < n; k++)
        if (p[k] != k) {
            realtype t = b[k];
            b[k] = b[p[k]];
            b[p[k]] = t;
        }
    for (sunindextype k = 0; k < n - 1; k++) {
        const realtype *col_k = a[k];
        for (sunindextype i = k + 1; i < n; i++)
            b[i] -= col_k[i] * b[k];
    }
    for (sunindextype k = n - 1; k > 0; k--) {
        const realtype *col_k = a[k];
        b[k] /= col_k[k];
        for (sunindextype i = 0; i < k; i++)
            b[i] -= col_k[i] * b[k];
    }
    b[0] /= a[0][0];
}

static int dls_setup(SUNLinearSolver S, SUNMatrix A)
{
    SUNLinearSolverContent_Dense c = S->content;
    if (SUNMatGetID(A) != SUNMATRIX_DENSE)
        return SUNLinSolSetup_Dense(S, A); /* the library's checks and message */
    c->last_flag = lu_factor(SM_COLS_D(A), SM_ROWS_D(A), SM_COLUMNS_D(A), c->pivots);
    return c->last_flag > 0 ? SUNLS_LUFACT_FAIL : SUNLS_SUCCESS;
}

static int dls_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b, realtype tol)
{
    SUNLinearSolverContent_Dense c = S->content;
    if (SUNMatGetID(A) != SUNMATRIX_DENSE || N_VGetVectorID(x) != SUNDIALS_NVEC_SERIAL)
        return SUNLinSolSolve_Dense(S, A, x, b, tol);
    N_VScale(1.0, b, x);
    lu_solve(SM_COLS_D(A), SM_COLUMNS_D(A), c->pivots, NV_DATA_S(x));
    c->last_flag = SUNLS_SUCCESS;
    return SUNLS_SUCCESS;
}

void msi_kernels_dense_solver(SUNLinearSolver LS)
{
    if (LS && SUNLinSolGetID(LS) == SUNLINEARSOLVER_DENSE) {
        LS->ops->setup = dls_setup;
        LS->ops->solve = dls_solve;
    }
}

/* ---- a sparse Jacobian's pattern ---------------------------------------- */

void msi_kernels_csc_reset(SUNMatrix J, const sunindextype *pattern, size_t n)
{
    size_t nnz = (size_t)pattern[n];
    memcpy(SUNSparseMatrix_IndexPointers(J), pattern, (n + 1) * sizeof *pattern);
    memcpy(SUNSparseMatrix_IndexValues(J), pattern + n + 1, nnz * sizeof *pattern);
    memset(SUNSparseMatrix_Data(J), 0, nnz * sizeof(sunrealtype));
}

/* ---- the KLU solver ---------------------------------------------------- */

/* KLU's analysis of the pattern (block triangular form, fill-reducing
 * ordering) is done once per solver.  SUNDIALS' KLU solver repeats it
 * whenever the integrator restarts (its initialize sets first_factorize),
 * 180 times a patient on the seeds' calendar, for a pattern that never
 * changes: here a restart keeps it, and the next set-up refactors with the
 * pivots it has (SUNDIALS then estimates the condition number and factors
 * afresh if they went bad). */
static int klu_initialize(SUNLinearSolver S)
{
    SUNLinearSolverContent_KLU c = S->content;
    c->last_flag = SUNLS_SUCCESS;
    if (!c->symbolic || !c->numeric)
        c->first_factorize = 1;
    return SUNLS_SUCCESS;
}

void msi_kernels_klu_solver(SUNLinearSolver LS)
{
    if (LS && SUNLinSolGetID(LS) == SUNLINEARSOLVER_KLU)
        LS->ops->initialize = klu_initialize;
}
