/*
 * kernels.h — moodsim's own arithmetic for SUNDIALS' serial vector and its
 * dense and sparse matrices (see kernels.c for why).  Internal to the engine.
 */
#ifndef MS_ENGINE_KERNELS_H
#define MS_ENGINE_KERNELS_H

#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_matrix.h>
#include <sundials/sundials_nvector.h>

/* Replaces the arithmetic entries of v's ops table (v must be a serial
 * N_Vector; clones made from it afterwards inherit the table). */
void msi_kernels_vector(N_Vector v);

/* Replaces zero, copy and scale-add-identity of a dense or CSC sparse
 * SUNMatrix (other matrices are left alone); clones inherit them. */
void msi_kernels_matrix(SUNMatrix A);

/* Replaces the LU factorisation and solve of SUNDIALS' dense direct solver
 * (SUNLinSol_Dense; other solvers are left alone). */
void msi_kernels_dense_solver(SUNLinearSolver LS);

#endif
