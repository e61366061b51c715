/*===- MPI.h - Extra C API of models compiled with --partition ---*- C -*-===*\
|*                                                                          *|
|* A model compiled with `spade-compile --partition=...` runs as N MPI      *|
|* processes (mpirun.mpich -np N) that each call spade_model_run with the   *|
|* same inputs and all receive the outputs. It links MPICH and exports the  *|
|* functions below next to include/spade-c/Runtime.h. MPI is initialised    *|
|* on first use unless the program did it already (then it also finalises   *|
|* it); a model run on the wrong number of processes prints one line and    *|
|* aborts the job (MPI_Abort), since its collectives could never complete.  *|
|* Models compiled without --partition export none of these.                *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef SPADE_C_MPI_H
#define SPADE_C_MPI_H

#ifdef __cplusplus
extern "C" {
#endif

/* The number of MPI processes the model was compiled for. */
int spade_model_mpi_processes(void);

/* Initialises MPI if needed; returns this process's rank in
 * MPI_COMM_WORLD and stores the world's size in *size, or returns -1 if MPI
 * cannot be initialised. */
int spade_model_mpi_rank(int *size);

#ifdef __cplusplus
}
#endif

#endif /* SPADE_C_MPI_H */
