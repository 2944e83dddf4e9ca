/*
 * kernels.h — moodsim's own arithmetic for SUNDIALS' serial vector and its
 * dense and sparse matrices (see kernels.c for why).  Internal to the engine.
 */
#ifndef MS_ENGINE_KERNELS_H
#define MS_ENGINE_KERNELS_H

#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

#include <stddef.h>

/* Replaces the arithmetic entries of v's ops table (v must be a serial
 * N_Vector; clones made from it afterwards inherit the table). */
void msi_kernels_vector(N_Vector v);

/* A new serial vector of `lanes` systems of `len` components each, with
 * this module's arithmetic and a weighted RMS norm that is the largest of the
 * lanes' own (and so are its clones'); NULL if out of memory.  The caller
 * owns it (N_VDestroy). */
N_Vector msi_kernels_lane_vector(size_t lanes, size_t len, SUNContext sunctx);

/* Replaces zero, copy and scale-add-identity of a dense or CSC sparse
 * SUNMatrix (other matrices are left alone); clones inherit them. */
void msi_kernels_matrix(SUNMatrix A);

/* Replaces the LU factorisation and solve of SUNDIALS' dense direct solver
 * (SUNLinSol_Dense; other solvers are left alone). */
void msi_kernels_dense_solver(SUNLinearSolver LS);

/* A CSC matrix J of n columns back to `pattern` (column pointers, n + 1,
 * then row indices, pattern[n] of them) with every value 0: CVODE zeroes a
 * sparse Jacobian before asking for it, which clears its pattern too. */
void msi_kernels_csc_reset(SUNMatrix J, const sunindextype *pattern, size_t n);

/* Keeps the KLU solver's analysis of its pattern across the integrator's
 * restarts (SUNLinSol_KLU; other solvers are left alone).  A restart then
 * refactors with the previous pivots instead of choosing them afresh, which
 * may change the last bits: the batch solver (batch.c) uses it (13 % of a
 * batched trial's time), one patient's simulator, whose numbers the
 * validation and the benchmarks' peers fix, does not (the same bits on the
 * flagship models, measured, but nothing to gain: a 21-state analysis is
 * cheap). */
void msi_kernels_klu_solver(SUNLinearSolver LS);

#endif
