/*
 * mpi_transport.h — processes for `moodsim trial` under mpirun (mpi.c).
 */
#ifndef MS_CLI_MPI_TRANSPORT_H
#define MS_CLI_MPI_TRANSPORT_H
#include <stddef.h>

/* Starts MPI if launched by an MPI launcher; else rank 0 of 1. */
void msi_cli_mpi_start(int *argc, char ***argv, int *rank, int *size);
/* ms_trial_options.send / .recv */
int msi_cli_mpi_send(void *ud, int peer, const void *buf, size_t len);
int msi_cli_mpi_recv(void *ud, int peer, void *buf, size_t len);
/* Ends MPI (nonzero abort_code: MPI_Abort with it, stopping every rank). */
void msi_cli_mpi_finish(int abort_code);
#endif
