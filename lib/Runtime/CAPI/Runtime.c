/*===- Runtime.c - The C API of a compiled Spade model -------------------===*\
|*                                                                          *|
|* Linked (as a PIC static library, everything but the API hidden) into     *|
|* every .so spade-compile writes. The model-specific parts are the two     *|
|* generated symbols of ModelInfo.h; this file turns the caller's buffers   *|
|* into memref descriptors (no copies) and checks what can be checked.      *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#include "spade-c/Runtime.h"

#include "ModelInfo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define SPADE_API __attribute__((visibility("default")))

/* From libomp (every .so links it); declared here so that building the
 * runtime needs no omp.h. */
void omp_set_num_threads(int num_threads);
void kmp_set_blocktime(int msec);

/* BufferCache.c: the heap buffers the model code frees are kept for its
 * next inference, and returned when no model of this library is left. */
void spade_buffer_cache_release(void);
static int liveModels;

/* A handle carries its model's description and entry, so that the API
 * functions of any one library (all export the same names) serve the
 * handles of every model linked into a program. */
struct spade_model {
  const spade_model_info *info;
  void (*invoke)(void **descriptors);
  int num_threads;
  /* One descriptor per input and output, as int64 words; the pointer words
   * are filled in by each run. */
  int64_t **descriptors;
  char error[256];
};

static size_t descriptorWords(const spade_tensor_info *t) {
  return 3 + 2 * (size_t)t->rank;
}

static void fillDescriptor(int64_t *d, const spade_tensor_info *t) {
  d[0] = d[1] = d[2] = 0;
  int64_t stride = 1;
  for (int32_t i = t->rank - 1; i >= 0; --i) {
    d[3 + i] = t->shape[i];
    d[3 + t->rank + i] = stride;
    stride *= t->shape[i];
  }
}

static void setError(spade_model *m, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(m->error, sizeof m->error, format, args);
  va_end(args);
}

SPADE_API uint32_t spade_abi_version(void) { return SPADE_ABI_VERSION; }

spade_model *spade_internal_create(const spade_model_info *info,
                                   void (*invoke)(void **descriptors)) {
  size_t count = info->num_inputs + info->num_outputs, words = 0;
  for (size_t i = 0; i < count; ++i)
    words += descriptorWords(i < info->num_inputs
                                 ? &info->inputs[i]
                                 : &info->outputs[i - info->num_inputs]);
  /* Handle, descriptor pointers and descriptor words in one block. */
  size_t bytes =
      sizeof(spade_model) + count * sizeof(int64_t *) + words * sizeof(int64_t);
  spade_model *m = calloc(1, bytes);
  if (!m)
    return NULL;
  m->info = info;
  m->invoke = invoke;
  m->descriptors = (int64_t **)(m + 1);
  int64_t *next = (int64_t *)(m->descriptors + count);
  for (size_t i = 0; i < count; ++i) {
    const spade_tensor_info *t = i < info->num_inputs
                                     ? &info->inputs[i]
                                     : &info->outputs[i - info->num_inputs];
    m->descriptors[i] = next;
    fillDescriptor(next, t);
    next += descriptorWords(t);
  }
  __atomic_add_fetch(&liveModels, 1, __ATOMIC_RELAXED);
  return m;
}

SPADE_API spade_model *spade_model_create(void) {
  return spade_internal_create(&spade_internal_model_info,
                               spade_internal_model_invoke);
}

SPADE_API void spade_model_destroy(spade_model *model) {
  if (!model)
    return;
  free(model);
  if (__atomic_sub_fetch(&liveModels, 1, __ATOMIC_ACQ_REL) == 0)
    spade_buffer_cache_release();
}

SPADE_API const char *spade_model_last_error(const spade_model *model) {
  return model ? model->error : "no model (NULL handle)";
}

SPADE_API size_t spade_model_num_inputs(const spade_model *model) {
  return model ? model->info->num_inputs : 0;
}

SPADE_API size_t spade_model_num_outputs(const spade_model *model) {
  return model ? model->info->num_outputs : 0;
}

static const spade_tensor_info *inputInfo(const spade_model *m, size_t i) {
  return m && i < m->info->num_inputs ? &m->info->inputs[i] : NULL;
}

static const spade_tensor_info *outputInfo(const spade_model *m, size_t i) {
  return m && i < m->info->num_outputs ? &m->info->outputs[i] : NULL;
}

static size_t numBytes(const spade_tensor_info *t) {
  if (!t)
    return 0;
  size_t n = spade_dtype_size((spade_dtype)t->dtype);
  for (int32_t i = 0; i < t->rank; ++i)
    n *= (size_t)t->shape[i];
  return n;
}

#define SPADE_TENSOR_ACCESSORS(kind, lookup)                                   \
  SPADE_API const char *spade_model_##kind##_name(const spade_model *m,        \
                                                  size_t i) {                  \
    const spade_tensor_info *t = lookup(m, i);                                 \
    return t ? t->name : NULL;                                                 \
  }                                                                            \
  SPADE_API spade_dtype spade_model_##kind##_dtype(const spade_model *m,       \
                                                   size_t i) {                 \
    const spade_tensor_info *t = lookup(m, i);                                 \
    return t ? (spade_dtype)t->dtype : (spade_dtype)0;                         \
  }                                                                            \
  SPADE_API size_t spade_model_##kind##_rank(const spade_model *m, size_t i) { \
    const spade_tensor_info *t = lookup(m, i);                                 \
    return t ? (size_t)t->rank : 0;                                            \
  }                                                                            \
  SPADE_API const int64_t *spade_model_##kind##_shape(const spade_model *m,    \
                                                      size_t i) {              \
    const spade_tensor_info *t = lookup(m, i);                                 \
    return t ? t->shape : NULL;                                                \
  }                                                                            \
  SPADE_API size_t spade_model_##kind##_num_bytes(const spade_model *m,        \
                                                  size_t i) {                  \
    return numBytes(lookup(m, i));                                             \
  }

SPADE_TENSOR_ACCESSORS(input, inputInfo)
SPADE_TENSOR_ACCESSORS(output, outputInfo)

SPADE_API spade_status spade_model_set_num_threads(spade_model *model,
                                                   int num_threads) {
  if (!model)
    return SPADE_ERROR_INVALID_ARGUMENT;
  if (num_threads < 0) {
    setError(model, "the thread count must be >= 0, got %d", num_threads);
    return SPADE_ERROR_INVALID_ARGUMENT;
  }
  model->num_threads = num_threads;
  return SPADE_OK;
}

SPADE_API spade_status spade_model_run(spade_model *model,
                                       const void *const *inputs,
                                       size_t num_inputs, void *const *outputs,
                                       size_t num_outputs) {
  if (!model)
    return SPADE_ERROR_INVALID_ARGUMENT;
  const spade_model_info *info = model->info;
  if (num_inputs != info->num_inputs || num_outputs != info->num_outputs) {
    setError(model, "the model takes %u inputs and %u outputs, got %zu and %zu",
             info->num_inputs, info->num_outputs, num_inputs, num_outputs);
    return SPADE_ERROR_INVALID_ARGUMENT;
  }
  if ((num_inputs && !inputs) || (num_outputs && !outputs)) {
    setError(model, "NULL %s array", inputs ? "output" : "input");
    return SPADE_ERROR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < num_inputs + num_outputs; ++i) {
    const void *buffer =
        i < num_inputs ? inputs[i] : (const void *)outputs[i - num_inputs];
    const spade_tensor_info *t =
        i < num_inputs ? &info->inputs[i] : &info->outputs[i - num_inputs];
    if (!buffer && numBytes(t) != 0) {
      setError(model, "NULL buffer for %s %zu ('%s')",
               i < num_inputs ? "input" : "output",
               i < num_inputs ? i : i - num_inputs, t->name);
      return SPADE_ERROR_INVALID_ARGUMENT;
    }
    int64_t address = (int64_t)(intptr_t)buffer;
    model->descriptors[i][0] = address;
    model->descriptors[i][1] = address;
  }
  if (model->num_threads > 0)
    omp_set_num_threads(model->num_threads);
  // A model runs one OpenMP region per layer. Workers that spin between
  // regions (libomp's default, 200 ms) steal the cores the next region
  // needs whenever the machine has other work; sleep at once instead,
  // unless the user chose otherwise.
  if (!getenv("KMP_BLOCKTIME"))
    kmp_set_blocktime(0);
  model->invoke((void **)model->descriptors);
  return SPADE_OK;
}

SPADE_API const char *spade_dtype_name(spade_dtype dtype) {
  switch (dtype) {
  case SPADE_DTYPE_FLOAT32:
    return "float32";
  case SPADE_DTYPE_UINT8:
    return "uint8";
  case SPADE_DTYPE_INT8:
    return "int8";
  case SPADE_DTYPE_UINT16:
    return "uint16";
  case SPADE_DTYPE_INT16:
    return "int16";
  case SPADE_DTYPE_INT32:
    return "int32";
  case SPADE_DTYPE_INT64:
    return "int64";
  case SPADE_DTYPE_BOOL:
    return "bool";
  case SPADE_DTYPE_FLOAT16:
    return "float16";
  case SPADE_DTYPE_FLOAT64:
    return "float64";
  case SPADE_DTYPE_UINT32:
    return "uint32";
  case SPADE_DTYPE_UINT64:
    return "uint64";
  case SPADE_DTYPE_BFLOAT16:
    return "bfloat16";
  }
  return "unknown";
}

SPADE_API size_t spade_dtype_size(spade_dtype dtype) {
  switch (dtype) {
  case SPADE_DTYPE_UINT8:
  case SPADE_DTYPE_INT8:
  case SPADE_DTYPE_BOOL:
    return 1;
  case SPADE_DTYPE_UINT16:
  case SPADE_DTYPE_INT16:
  case SPADE_DTYPE_FLOAT16:
  case SPADE_DTYPE_BFLOAT16:
    return 2;
  case SPADE_DTYPE_FLOAT32:
  case SPADE_DTYPE_INT32:
  case SPADE_DTYPE_UINT32:
    return 4;
  case SPADE_DTYPE_INT64:
  case SPADE_DTYPE_FLOAT64:
  case SPADE_DTYPE_UINT64:
    return 8;
  }
  return 0;
}
