/*
 * test_kernels.c — moodsim's vector and matrix arithmetic (src/engine/
 * kernels.c) against SUNDIALS' own serial routines: every replaced operation,
 * with each special case of its coefficients and each way its arguments may
 * alias, must give bit-for-bit the library's result; a matrix without a
 * stored diagonal must still come out right (through the library's path);
 * clones must carry the replacements; the dense LU must pivot, fail on a
 * singular matrix and solve exactly as the library's; a lane vector's norm
 * must be its worst lane's.
 */
#include "engine/kernels.h"
#include "testlib.h"

#include <nvector/nvector_serial.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

static SUNContext sctx;
static unsigned long long rng = 88172645463325252ULL;

static double draw(void) /* xorshift64: values in (-4, 4), some exactly 0 or 1 */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    unsigned k = (unsigned)(rng % 16);
    if (k == 0)
        return 0.0;
    if (k == 1)
        return 1.0;
    return ((double)(rng >> 11) / 9007199254740992.0 - 0.5) * 8.0;
}

static void fill(N_Vector v)
{
    double *d = N_VGetArrayPointer(v);
    for (sunindextype i = 0; i < N_VGetLength(v); i++)
        d[i] = draw();
}

static int same(N_Vector a, N_Vector b)
{
    return memcmp(N_VGetArrayPointer(a), N_VGetArrayPointer(b),
                  (size_t)N_VGetLength(a) * sizeof(double)) == 0;
}

static int same_d(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ours: vectors with the kernels; lib: plain serial vectors with the same
 * data, operated on by the library's exported routines */
enum { NV = 4 };
static N_Vector ours[NV], lib[NV];

static void load(void)
{
    for (int i = 0; i < NV; i++) {
        fill(lib[i]);
        memcpy(N_VGetArrayPointer(ours[i]), N_VGetArrayPointer(lib[i]),
               (size_t)N_VGetLength(lib[i]) * sizeof(double));
    }
}

static int all_same(void)
{
    for (int i = 0; i < NV; i++)
        if (!same(ours[i], lib[i]))
            return 0;
    return 1;
}

static void vectors(sunindextype n)
{
    for (int i = 0; i < NV; i++) {
        lib[i] = N_VNew_Serial(n, sctx);
        ours[i] = i == 0 ? N_VNew_Serial(n, sctx) : N_VClone(ours[0]);
        if (i == 0)
            msi_kernels_vector(ours[0]);
    }
    /* clones made after the replacement carry it */
    CHECK(ours[1]->ops->nvlinearsum == ours[0]->ops->nvlinearsum &&
              ours[1]->ops->nvlinearsum != lib[0]->ops->nvlinearsum,
          "a clone keeps the replaced operations");

    const double coef[] = {1.0, -1.0, 0.5, -2.0, 0.0, 3.25};
    const int nc = (int)(sizeof coef / sizeof *coef);
    for (int ia = 0; ia < nc; ia++)
        for (int ib = 0; ib <= nc + 1; ib++) {
            double a = coef[ia], b = ib < nc ? coef[ib] : ib == nc ? a : -a;
            for (int alias = 0; alias < 3; alias++) { /* z separate, z == x, z == y */
                load();
                int z = alias == 0 ? 2 : alias == 1 ? 0 : 1;
                N_VLinearSum(a, ours[0], b, ours[1], ours[z]);
                N_VLinearSum_Serial(a, lib[0], b, lib[1], lib[z]);
                CHECK(all_same(), "linear sum a=%g b=%g alias %d n=%ld", a, b, alias, (long)n);
            }
        }
    for (int ic = 0; ic < nc; ic++)
        for (int alias = 0; alias < 2; alias++) {
            load();
            int z = alias ? 0 : 2;
            N_VScale(coef[ic], ours[0], ours[z]);
            N_VScale_Serial(coef[ic], lib[0], lib[z]);
            CHECK(all_same(), "scale c=%g alias %d", coef[ic], alias);
        }

    load();
    N_VConst(2.5, ours[2]);
    N_VConst_Serial(2.5, lib[2]);
    N_VProd(ours[0], ours[1], ours[2]);
    N_VProd_Serial(lib[0], lib[1], lib[2]);
    N_VAbs(ours[2], ours[3]);
    N_VAbs_Serial(lib[2], lib[3]);
    N_VAddConst(ours[3], -0.75, ours[3]);
    N_VAddConst_Serial(lib[3], -0.75, lib[3]);
    CHECK(all_same(), "const, prod, abs, add constant");
    load();
    N_VAddConst(ours[1], 5.0, ours[1]); /* no zeros: division and inverse */
    N_VAddConst_Serial(lib[1], 5.0, lib[1]);
    N_VDiv(ours[0], ours[1], ours[2]);
    N_VDiv_Serial(lib[0], lib[1], lib[2]);
    N_VInv(ours[1], ours[3]);
    N_VInv_Serial(lib[1], lib[3]);
    CHECK(all_same(), "div, inv");
    load();
    N_VCompare(1.5, ours[0], ours[2]);
    N_VCompare_Serial(1.5, lib[0], lib[2]);
    booleantype t1 = N_VInvTest(ours[1], ours[3]), t2 = N_VInvTest_Serial(lib[1], lib[3]);
    CHECK(all_same() && t1 == t2, "compare, inverse test (%d %d)", (int)t1, (int)t2);

    load();
    CHECK(same_d(N_VDotProd(ours[0], ours[1]), N_VDotProd_Serial(lib[0], lib[1])), "dot");
    CHECK(same_d(N_VMaxNorm(ours[0]), N_VMaxNorm_Serial(lib[0])), "max norm");
    CHECK(same_d(N_VWrmsNorm(ours[0], ours[1]), N_VWrmsNorm_Serial(lib[0], lib[1])), "wrms");
    CHECK(same_d(N_VWrmsNormMask(ours[0], ours[1], ours[2]),
                 N_VWrmsNormMask_Serial(lib[0], lib[1], lib[2])),
          "wrms mask");
    CHECK(same_d(N_VMin(ours[0]), N_VMin_Serial(lib[0])), "min");
    CHECK(same_d(N_VWL2Norm(ours[0], ours[1]), N_VWL2Norm_Serial(lib[0], lib[1])), "wl2");
    CHECK(same_d(N_VL1Norm(ours[0]), N_VL1Norm_Serial(lib[0])), "l1");
    CHECK(same_d(N_VWSqrSumLocal(ours[0], ours[1]), N_VWSqrSumLocal_Serial(lib[0], lib[1])),
          "weighted square sum");
    CHECK(same_d(N_VWSqrSumMaskLocal(ours[0], ours[1], ours[2]),
                 N_VWSqrSumMaskLocal_Serial(lib[0], lib[1], lib[2])),
          "masked weighted square sum");
    /* constraints: every kind (2: > 0, 1: >= 0, 0: none, -1: <= 0, -2: < 0)
     * against values of every sign, zero included */
    load();
    double *c = N_VGetArrayPointer(ours[2]), *cl = N_VGetArrayPointer(lib[2]);
    for (sunindextype i = 0; i < n; i++)
        c[i] = cl[i] = (double)((i % 5) - 2);
    booleantype m1 = N_VConstrMask(ours[2], ours[0], ours[3]),
                m2 = N_VConstrMask_Serial(lib[2], lib[0], lib[3]);
    CHECK(all_same() && m1 == m2, "constraint mask (%d %d)", (int)m1, (int)m2);
    CHECK(same_d(N_VMinQuotient(ours[0], ours[1]), N_VMinQuotient_Serial(lib[0], lib[1])),
          "min quotient");
    N_VConst(0.0, ours[1]);
    N_VConst_Serial(0.0, lib[1]);
    CHECK(same_d(N_VMinQuotient(ours[0], ours[1]), N_VMinQuotient_Serial(lib[0], lib[1])),
          "min quotient, no denominator");
    for (int i = 0; i < NV; i++) {
        N_VDestroy(ours[i]);
        N_VDestroy(lib[i]);
    }
}

/* Lane vectors: the weighted RMS norm is the worst lane's (each lane's own
 * norm computed on a vector of that lane alone), clones keep the lanes, and
 * the rest of the arithmetic is the kernels'. */
static void lanes(size_t nl, size_t len)
{
    N_Vector x = msi_kernels_lane_vector(nl, len, sctx);
    CHECK(x != NULL, "lane vector %zu x %zu", nl, len);
    if (!x)
        return;
    N_Vector w = N_VClone(x), id = N_VClone(x), one = N_VNew_Serial((sunindextype)len, sctx),
             onew = N_VNew_Serial((sunindextype)len, sctx),
             oneid = N_VNew_Serial((sunindextype)len, sctx);
    fill(x);
    fill(w);
    fill(id);
    double worst = 0, worst_mask = 0;
    for (size_t l = 0; l < nl; l++) {
        memcpy(N_VGetArrayPointer(one), N_VGetArrayPointer(x) + l * len, len * sizeof(double));
        memcpy(N_VGetArrayPointer(onew), N_VGetArrayPointer(w) + l * len, len * sizeof(double));
        memcpy(N_VGetArrayPointer(oneid), N_VGetArrayPointer(id) + l * len, len * sizeof(double));
        double v = N_VWrmsNorm_Serial(one, onew), vm = N_VWrmsNormMask_Serial(one, onew, oneid);
        worst = v > worst ? v : worst;
        worst_mask = vm > worst_mask ? vm : worst_mask;
    }
    CHECK(same_d(N_VWrmsNorm(x, w), worst), "lanes %zu x %zu: the worst lane's norm (%g, %g)", nl,
          len, N_VWrmsNorm(x, w), worst);
    CHECK(same_d(N_VWrmsNormMask(x, w, id), worst_mask), "lanes: the worst lane's masked norm");
    N_Vector y = N_VClone(w), e = N_VCloneEmpty(w);
    CHECK(y && e && y->ops->nvwrmsnorm == x->ops->nvwrmsnorm &&
              e->ops->nvwrmsnorm == x->ops->nvwrmsnorm && N_VGetLength(y) == N_VGetLength(x),
          "a lane vector's clones are lane vectors");
    N_VScale(1.0, x, y);
    CHECK(same_d(N_VWrmsNorm(y, w), worst), "a clone's norm is per lane too");
    N_VDestroy(e);
    N_VDestroy(y);
    N_VDestroy(x);
    N_VDestroy(w);
    N_VDestroy(id);
    N_VDestroy(one);
    N_VDestroy(onew);
    N_VDestroy(oneid);
}

static int same_sparse(SUNMatrix A, SUNMatrix B)
{
    sunindextype np = SM_NP_S(A), nz = SM_INDEXPTRS_S(A)[np];
    return SM_INDEXPTRS_S(B)[np] == nz &&
           !memcmp(SM_INDEXPTRS_S(A), SM_INDEXPTRS_S(B), (size_t)(np + 1) * sizeof(sunindextype)) &&
           !memcmp(SM_INDEXVALS_S(A), SM_INDEXVALS_S(B), (size_t)nz * sizeof(sunindextype)) &&
           !memcmp(SM_DATA_S(A), SM_DATA_S(B), (size_t)nz * sizeof(double));
}

/* A 6 x 6 CSC matrix: a band, with or without its diagonal. */
static SUNMatrix band(int with_diagonal)
{
    SUNMatrix D = SUNDenseMatrix(6, 6, sctx);
    for (int j = 0; j < 6; j++)
        for (int i = 0; i < 6; i++)
            SM_ELEMENT_D(D, i, j) = (abs(i - j) <= 1 && (with_diagonal || i != j)) ? draw() + 7 : 0;
    SUNMatrix S = SUNSparseFromDenseMatrix(D, 0.0, CSC_MAT);
    SUNMatDestroy(D);
    return S;
}

static void matrices(void)
{
    for (int diag = 0; diag < 2; diag++) {
        SUNMatrix ours_m = band(diag), lib_m = SUNMatClone_Sparse(ours_m);
        SUNMatCopy_Sparse(ours_m, lib_m);
        msi_kernels_matrix(ours_m);
        SUNMatScaleAddI(-0.37, ours_m);
        SUNMatScaleAddI_Sparse(-0.37, lib_m);
        CHECK(same_sparse(ours_m, lib_m), "sparse c A + I, diagonal %s",
              diag ? "stored" : "missing");
        SUNMatrix c = SUNMatClone(ours_m);
        CHECK(c->ops->copy == ours_m->ops->copy, "a sparse clone carries the replacements");
        SUNMatCopy(ours_m, c);
        CHECK(same_sparse(c, lib_m), "sparse copy");
        SUNMatZero(c);
        SUNMatrix z = SUNMatClone_Sparse(lib_m);
        SUNMatCopy_Sparse(lib_m, z);
        SUNMatZero_Sparse(z);
        CHECK(same_sparse(c, z) && SM_INDEXPTRS_S(c)[SM_NP_S(c)] == 0, "sparse zero");
        SUNMatDestroy(z);
        SUNMatDestroy(c);
        SUNMatDestroy(ours_m);
        SUNMatDestroy(lib_m);
    }
    SUNMatrix a = SUNDenseMatrix(5, 5, sctx), b = SUNDenseMatrix(5, 5, sctx);
    for (sunindextype k = 0; k < SM_LDATA_D(a); k++)
        SM_DATA_D(a)[k] = SM_DATA_D(b)[k] = draw();
    msi_kernels_matrix(a);
    SUNMatScaleAddI(2.5, a);
    SUNMatScaleAddI_Dense(2.5, b);
    CHECK(!memcmp(SM_DATA_D(a), SM_DATA_D(b), 25 * sizeof(double)), "dense c A + I");
    SUNMatrix c = SUNMatClone(a);
    CHECK(c->ops->scaleaddi == a->ops->scaleaddi, "a dense clone carries the replacements");
    SUNMatCopy(a, c);
    CHECK(!memcmp(SM_DATA_D(c), SM_DATA_D(b), 25 * sizeof(double)), "dense copy");
    SUNMatZero(c);
    int zero = 1;
    for (int k = 0; k < 25; k++)
        zero &= SM_DATA_D(c)[k] == 0.0;
    CHECK(zero, "dense zero");
    SUNMatDestroy(a);
    SUNMatDestroy(b);
    SUNMatDestroy(c);
}

/* The dense LU and solve against the library's, on random systems and on a
 * singular one (same failure, same row). */
static void dense_solver(sunindextype n)
{
    N_Vector x1 = N_VNew_Serial(n, sctx), x2 = N_VNew_Serial(n, sctx), b = N_VNew_Serial(n, sctx);
    SUNMatrix a1 = SUNDenseMatrix(n, n, sctx), a2 = SUNDenseMatrix(n, n, sctx);
    SUNLinearSolver ours_s = SUNLinSol_Dense(x1, a1, sctx), lib_s = SUNLinSol_Dense(x2, a2, sctx);
    msi_kernels_vector(x1);
    msi_kernels_dense_solver(ours_s);
    for (int singular = 0; singular < 2; singular++) {
        for (sunindextype k = 0; k < SM_LDATA_D(a1); k++)
            SM_DATA_D(a1)[k] = SM_DATA_D(a2)[k] = draw();
        if (singular && n > 1) /* column 1 a multiple of column 0 */
            for (sunindextype i = 0; i < n; i++)
                SM_ELEMENT_D(a1, i, 1) = SM_ELEMENT_D(a2, i, 1) = 2 * SM_ELEMENT_D(a1, i, 0);
        fill(b);
        int f1 = SUNLinSolSetup(ours_s, a1), f2 = SUNLinSolSetup(lib_s, a2);
        CHECK(f1 == f2 && SUNLinSolLastFlag(ours_s) == SUNLinSolLastFlag(lib_s) &&
                  !memcmp(SM_DATA_D(a1), SM_DATA_D(a2), (size_t)SM_LDATA_D(a1) * sizeof(double)),
              "dense LU n=%ld singular %d: flags %d %d", (long)n, singular, f1, f2);
        if (f1 == 0 && f2 == 0) {
            int s1 = SUNLinSolSolve(ours_s, a1, x1, b, 0), s2 = SUNLinSolSolve(lib_s, a2, x2, b, 0);
            CHECK(s1 == s2 && same(x1, x2), "dense solve n=%ld", (long)n);
        }
    }
    SUNLinSolFree(ours_s);
    SUNLinSolFree(lib_s);
    SUNMatDestroy(a1);
    SUNMatDestroy(a2);
    N_VDestroy(x1);
    N_VDestroy(x2);
    N_VDestroy(b);
}

int main(void)
{
    if (SUNContext_Create(NULL, &sctx)) {
        fprintf(stderr, "test_kernels: cannot create a SUNDIALS context\n");
        return 1;
    }
    const sunindextype sizes[] = {1, 7, 21, 130};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        vectors(sizes[k]);
    lanes(1, 21);
    lanes(5, 7);
    lanes(32, 21);
    CHECK(msi_kernels_lane_vector(0, 21, sctx) == NULL, "no lanes: no vector");
    matrices();
    for (sunindextype n = 1; n <= 12; n += 1 + n / 3)
        dense_solver(n);
    SUNContext_Free(&sctx);
    return test_done("kernels");
}
