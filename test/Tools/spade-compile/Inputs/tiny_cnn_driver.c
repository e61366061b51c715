/* Calls the entry point of the compiled example model through its C
 * interface (memref descriptors, results as out-parameters) on an input of
 * all 0.5 and prints the ten probabilities. */
#include <stdint.h>
#include <stdio.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
} MemRef4;
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} MemRef2;

void _mlir_ciface_main_graph(MemRef4 *input, MemRef2 *probs);

int main(void) {
  static float in[1 * 3 * 32 * 32], out[10];
  for (int i = 0; i < 3 * 32 * 32; ++i)
    in[i] = 0.5f;
  MemRef4 x = {in, in, 0, {1, 3, 32, 32}, {3 * 32 * 32, 32 * 32, 32, 1}};
  MemRef2 y = {out, out, 0, {1, 10}, {10, 1}};
  _mlir_ciface_main_graph(&x, &y);
  for (int i = 0; i < 10; ++i)
    printf("%.6f\n", out[i]);
  return 0;
}
