/*
 * mpi.c — the command's transport between processes for `mpirun -np K
 * moodsim trial ...`: MPI is started only when the process was launched by
 * an MPI launcher (so a plain run never touches it), and blocks of results
 * move to rank 0 through MPI_Isend (one in flight per rank, so a rank
 * simulates its next block while rank 0 receives the last) and MPI_Recv.
 * Built without MPI, every run is one process.  Owns the MPI state.
 */
#include "mpi_transport.h"

#include <stdlib.h>
#include <string.h>

#ifdef MS_WITH_MPI
#include <mpi.h>

static int g_started;
static MPI_Request g_req = MPI_REQUEST_NULL;
static void *g_buf;
static size_t g_cap;

static int launched_by_mpi(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

void msi_cli_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    if (!launched_by_mpi())
        return;
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return;
    g_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
}

/* The send in flight, if any, has left its buffer. */
static int wait_pending(void)
{
    return MPI_Wait(&g_req, MPI_STATUS_IGNORE) != MPI_SUCCESS;
}

int msi_cli_mpi_send(void *ud, int peer, const void *buf, size_t len)
{
    (void)ud;
    if (len > (size_t)1 << 30 || wait_pending())
        return -1;
    if (len > g_cap) {
        void *p = realloc(g_buf, len);
        if (!p)
            return -1;
        g_buf = p;
        g_cap = len;
    }
    memcpy(g_buf, buf, len);
    return MPI_Isend(g_buf, (int)len, MPI_BYTE, peer, 0, MPI_COMM_WORLD, &g_req) != MPI_SUCCESS;
}

int msi_cli_mpi_recv(void *ud, int peer, void *buf, size_t len)
{
    (void)ud;
    if (len > (size_t)1 << 30)
        return -1;
    return MPI_Recv(buf, (int)len, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
           MPI_SUCCESS;
}

void msi_cli_mpi_finish(int abort_code)
{
    if (!g_started)
        return;
    if (abort_code)
        MPI_Abort(MPI_COMM_WORLD, abort_code);
    wait_pending();
    free(g_buf);
    g_buf = NULL;
    MPI_Finalize();
    g_started = 0;
}

#else

void msi_cli_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc;
    (void)argv;
    *rank = 0;
    *size = 1;
}

int msi_cli_mpi_send(void *ud, int peer, const void *buf, size_t len)
{
    (void)ud, (void)peer, (void)buf, (void)len;
    return -1;
}

int msi_cli_mpi_recv(void *ud, int peer, void *buf, size_t len)
{
    (void)ud, (void)peer, (void)buf, (void)len;
    return -1;
}

void msi_cli_mpi_finish(int abort_code)
{
    (void)abort_code;
}
#endif
