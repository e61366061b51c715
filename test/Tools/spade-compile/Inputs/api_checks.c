/* Exercises the C API's argument checks and accessors on the
 * three_outputs.onnxtxt model (inputs a: float32 [2, 3], b: int64 [3]). */
#include "model.h"

#include <stdio.h>

#define SHOW(call)                                                             \
  printf("%s -> %d: %s\n", #call, (int)(call), spade_model_last_error(m))

int main(void) {
  spade_model *m = spade_model_create();
  float a[6] = {0}, sum[6];
  int64_t b[3] = {1, 2, 3}, twice[3];
  float total;
  const void *inputs[] = {a, b};
  void *outputs[] = {sum, twice, &total};
  void *noOutput[] = {sum, NULL, &total};

  printf("abi %u, %zu inputs, %zu outputs\n", spade_abi_version(),
         spade_model_num_inputs(m), spade_model_num_outputs(m));
  printf("input 1: %s %s rank %zu shape[0] %lld, %zu bytes\n",
         spade_model_input_name(m, 1),
         spade_dtype_name(spade_model_input_dtype(m, 1)),
         spade_model_input_rank(m, 1),
         (long long)spade_model_input_shape(m, 1)[0],
         spade_model_input_num_bytes(m, 1));
  printf("output 2: rank %zu, %zu bytes\n", spade_model_output_rank(m, 2),
         spade_model_output_num_bytes(m, 2));
  printf("out of range: %p %d %zu %p %zu\n",
         (void *)spade_model_input_name(m, 2),
         (int)spade_model_output_dtype(m, 3), spade_model_input_rank(m, 9),
         (void *)spade_model_output_shape(m, 3),
         spade_model_output_num_bytes(m, 3));
  printf("NULL handle: %zu %s %d\n", spade_model_num_inputs(NULL),
         spade_model_last_error(NULL),
         (int)spade_model_run(NULL, inputs, 2, outputs, 3));
  printf("dtype 42: %s %zu\n", spade_dtype_name((spade_dtype)42),
         spade_dtype_size((spade_dtype)42));

  SHOW(spade_model_run(m, inputs, 1, outputs, 3));
  SHOW(spade_model_run(m, inputs, 2, NULL, 3));
  SHOW(spade_model_run(m, inputs, 2, noOutput, 3));
  SHOW(spade_model_set_num_threads(m, -2));
  SHOW(spade_model_set_num_threads(m, 1));
  SHOW(spade_model_run(m, inputs, 2, outputs, 3));
  printf("twice %lld %lld %lld, total %g\n", (long long)twice[0],
         (long long)twice[1], (long long)twice[2], total);
  spade_model_destroy(m);
  spade_model_destroy(NULL);
  return 0;
}
