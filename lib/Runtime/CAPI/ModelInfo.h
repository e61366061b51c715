/*===- ModelInfo.h - What spade-compile generates for the C API -*- C -*-===*\
|*                                                                          *|
|* The contract between the code spade-compile generates into every model   *|
|* (lib/Compiler/LinkModelABI.cpp) and the C runtime linked next to it.     *|
|* All three symbols are hidden: every .so carries its own.                 *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef SPADE_RUNTIME_CAPI_MODELINFO_H
#define SPADE_RUNTIME_CAPI_MODELINFO_H

#include <stdint.h>

/* LLVM type { ptr, ptr, i32, i32 }. */
typedef struct spade_tensor_info {
  const char *name;
  const int64_t *shape;
  int32_t dtype; /* spade_dtype */
  int32_t rank;
} spade_tensor_info;

/* LLVM type { i32, i32, i32, ptr, ptr }. */
typedef struct spade_model_info {
  uint32_t abi_version;
  uint32_t num_inputs;
  uint32_t num_outputs;
  const spade_tensor_info *inputs;
  const spade_tensor_info *outputs;
} spade_model_info;

/* A constant global describing the entry function's signature. */
extern const spade_model_info spade_internal_model_info;

/* Calls _mlir_ciface_<entry> with descriptors[0..num_inputs) as the inputs
 * and the rest as the outputs; each points to a memref descriptor
 * { allocated, aligned, offset, sizes[rank], strides[rank] }. */
void spade_internal_model_invoke(void **descriptors);

/* Defined by the runtime: a handle for the model `info` describes, run by
 * `invoke`. The generated spade_model_create_<name> calls it. */
struct spade_model *spade_internal_create(const spade_model_info *info,
                                          void (*invoke)(void **descriptors));

#endif /* SPADE_RUNTIME_CAPI_MODELINFO_H */
