/*===- spade-c/Runtime.h - C API of a compiled Spade model ------*- C -*-===*\
|*                                                                          *|
|* `spade-compile model.onnx -o out` writes out.so (or, with --emit=obj,    *|
|* out.o) and out.h; out.h contains this header plus the model's own        *|
|* constants. Each compiled model exports exactly the functions below.      *|
|*                                                                          *|
|* Tensors are dense, row-major, little-endian buffers owned by the caller; *|
|* a buffer holds spade_model_input_num_bytes / _output_num_bytes bytes and *|
|* is aligned to its element size. Outputs must not overlap inputs.        *|
|*                                                                          *|
|* A handle may be used by one thread at a time; separate handles (of the   *|
|* same or different models) may run concurrently. Every function accepts  *|
|* a NULL handle or an out-of-range index and then returns NULL/0/an error. *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef SPADE_C_RUNTIME_H
#define SPADE_C_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a function's signature or meaning changes. */
#define SPADE_ABI_VERSION 1

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum spade_dtype {
  SPADE_DTYPE_FLOAT32 = 1,
  SPADE_DTYPE_UINT8 = 2,
  SPADE_DTYPE_INT8 = 3,
  SPADE_DTYPE_UINT16 = 4,
  SPADE_DTYPE_INT16 = 5,
  SPADE_DTYPE_INT32 = 6,
  SPADE_DTYPE_INT64 = 7,
  SPADE_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  SPADE_DTYPE_FLOAT16 = 10,
  SPADE_DTYPE_FLOAT64 = 11,
  SPADE_DTYPE_UINT32 = 12,
  SPADE_DTYPE_UINT64 = 13,
  SPADE_DTYPE_BFLOAT16 = 16
} spade_dtype;

/* Status codes; spade_model_last_error says more. */
typedef enum spade_status {
  SPADE_OK = 0,
  SPADE_ERROR_INVALID_ARGUMENT = 1,
} spade_status;

typedef struct spade_model spade_model;

/* SPADE_ABI_VERSION of the library (compare with the header's). */
uint32_t spade_abi_version(void);

/* A new handle, or NULL when out of memory. */
spade_model *spade_model_create(void);
void spade_model_destroy(spade_model *model);

/* The reason for the most recent failed call on `model` ("" if none has
 * failed; successful calls leave it unchanged). The string lives until the
 * next call on the handle. */
const char *spade_model_last_error(const spade_model *model);

size_t spade_model_num_inputs(const spade_model *model);
size_t spade_model_num_outputs(const spade_model *model);

/* Per input/output: the ONNX name, element type, rank and shape (rank
 * entries; no dynamic dimensions), and the buffer size in bytes. */
const char *spade_model_input_name(const spade_model *model, size_t index);
spade_dtype spade_model_input_dtype(const spade_model *model, size_t index);
size_t spade_model_input_rank(const spade_model *model, size_t index);
const int64_t *spade_model_input_shape(const spade_model *model, size_t index);
size_t spade_model_input_num_bytes(const spade_model *model, size_t index);
const char *spade_model_output_name(const spade_model *model, size_t index);
spade_dtype spade_model_output_dtype(const spade_model *model, size_t index);
size_t spade_model_output_rank(const spade_model *model, size_t index);
const int64_t *spade_model_output_shape(const spade_model *model, size_t index);
size_t spade_model_output_num_bytes(const spade_model *model, size_t index);

/* Threads the next runs of `model` may use; 0 = the OpenMP default
 * (OMP_NUM_THREADS or one per core). Applied with omp_set_num_threads on the
 * thread that calls spade_model_run, so it also holds for that thread's own
 * OpenMP regions afterwards. */
spade_status spade_model_set_num_threads(spade_model *model, int num_threads);

/* Runs the model: inputs[i] and outputs[i] point to the caller's buffers,
 * in the order of the model's inputs and outputs. Fails without running if
 * a count or pointer is wrong. */
spade_status spade_model_run(spade_model *model, const void *const *inputs,
                             size_t num_inputs, void *const *outputs,
                             size_t num_outputs);

/* "float32", "int64", ...; "unknown" for other values. */
const char *spade_dtype_name(spade_dtype dtype);
/* Bytes per element; 0 for unknown values. */
size_t spade_dtype_size(spade_dtype dtype);

#ifdef __cplusplus
}
#endif

#endif /* SPADE_C_RUNTIME_H */
