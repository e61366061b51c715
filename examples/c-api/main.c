/* Runs a model compiled by spade-compile through its C API.
 *
 *   spade-compile model.onnx -o model     # writes model.so and model.h
 *   cc main.c -I. model.so -Wl,-rpath,'$ORIGIN' -o run-model
 *   ./run-model [VALUE [THREADS]]
 *
 * Every input element is set to VALUE (default 0.5, converted to the
 * input's element type); each output is printed as a header line and one
 * element per line. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(void *buffer, spade_dtype dtype, size_t count, double value) {
  for (size_t i = 0; i < count; ++i) {
    switch (dtype) {
    case SPADE_DTYPE_FLOAT32:
      ((float *)buffer)[i] = (float)value;
      break;
    case SPADE_DTYPE_FLOAT64:
      ((double *)buffer)[i] = value;
      break;
    case SPADE_DTYPE_INT32:
      ((int32_t *)buffer)[i] = (int32_t)value;
      break;
    case SPADE_DTYPE_INT64:
      ((int64_t *)buffer)[i] = (int64_t)value;
      break;
    case SPADE_DTYPE_INT8:
    case SPADE_DTYPE_UINT8:
    case SPADE_DTYPE_BOOL:
      ((uint8_t *)buffer)[i] = (uint8_t)value;
      break;
    default: /* 16-bit floats and the rest: all-zero bits */
      memset(buffer, 0, count * spade_dtype_size(dtype));
      return;
    }
  }
}

static double element(const void *buffer, spade_dtype dtype, size_t i) {
  switch (dtype) {
  case SPADE_DTYPE_FLOAT32:
    return ((const float *)buffer)[i];
  case SPADE_DTYPE_FLOAT64:
    return ((const double *)buffer)[i];
  case SPADE_DTYPE_INT32:
    return ((const int32_t *)buffer)[i];
  case SPADE_DTYPE_INT64:
    return (double)((const int64_t *)buffer)[i];
  case SPADE_DTYPE_INT8:
    return ((const int8_t *)buffer)[i];
  case SPADE_DTYPE_UINT8:
  case SPADE_DTYPE_BOOL:
    return ((const uint8_t *)buffer)[i];
  default:
    return 0;
  }
}

static void describe(const char *name, spade_dtype dtype, size_t rank,
                     const int64_t *shape) {
  printf("'%s' %s [", name, spade_dtype_name(dtype));
  for (size_t d = 0; d < rank; ++d)
    printf(d ? ", %lld" : "%lld", (long long)shape[d]);
  printf("]");
}

int main(int argc, char **argv) {
  double value = argc > 1 ? atof(argv[1]) : 0.5;
  int threads = argc > 2 ? atoi(argv[2]) : 0;
  if (spade_abi_version() != SPADE_ABI_VERSION) {
    fprintf(stderr, "model.so has C ABI %u, model.h %d\n", spade_abi_version(),
            SPADE_ABI_VERSION);
    return 1;
  }
  spade_model *model = spade_model_create();
  if (!model) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  if (spade_model_set_num_threads(model, threads) != SPADE_OK) {
    fprintf(stderr, "error: %s\n", spade_model_last_error(model));
    return 1;
  }

  size_t numInputs = spade_model_num_inputs(model);
  size_t numOutputs = spade_model_num_outputs(model);
  void **inputs = calloc(numInputs + 1, sizeof(void *));
  void **outputs = calloc(numOutputs + 1, sizeof(void *));
  for (size_t i = 0; i < numInputs; ++i) {
    size_t bytes = spade_model_input_num_bytes(model, i);
    spade_dtype dtype = spade_model_input_dtype(model, i);
    inputs[i] = malloc(bytes ? bytes : 1);
    fill(inputs[i], dtype, bytes / spade_dtype_size(dtype), value);
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    size_t bytes = spade_model_output_num_bytes(model, i);
    outputs[i] = malloc(bytes ? bytes : 1);
  }

  /* The API checks what it can: here, a missing output buffer. */
  if (numOutputs > 0 &&
      spade_model_run(model, (const void *const *)inputs, numInputs, outputs,
                      numOutputs - 1) != SPADE_OK)
    printf("expected error: %s\n", spade_model_last_error(model));

  if (spade_model_run(model, (const void *const *)inputs, numInputs, outputs,
                      numOutputs) != SPADE_OK) {
    fprintf(stderr, "error: %s\n", spade_model_last_error(model));
    return 1;
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    spade_dtype dtype = spade_model_output_dtype(model, i);
    size_t count =
        spade_model_output_num_bytes(model, i) / spade_dtype_size(dtype);
    printf("output %zu: ", i);
    describe(spade_model_output_name(model, i), dtype,
             spade_model_output_rank(model, i),
             spade_model_output_shape(model, i));
    printf("\n");
    for (size_t e = 0; e < count; ++e)
      printf("%.9g\n", element(outputs[i], dtype, e));
  }

  for (size_t i = 0; i < numInputs; ++i)
    free(inputs[i]);
  for (size_t i = 0; i < numOutputs; ++i)
    free(outputs[i]);
  free(inputs);
  free(outputs);
  spade_model_destroy(model);
  return 0;
}
