/* Links two compiled models into one program: each is created by its own
 * spade_model_create_<name>, and the shared API functions serve both. */
#include "three.h"
#include "tiny.h"

#include <stdio.h>

int main(void) {
  spade_model *tiny = spade_model_create_tiny();
  spade_model *three = spade_model_create_three();
  static float image[TINY_INPUT_0_NUM_ELEMENTS], probs[10];
  for (int i = 0; i < TINY_INPUT_0_NUM_ELEMENTS; ++i)
    image[i] = 0.5f;
  float a[THREE_INPUT_0_NUM_ELEMENTS] = {1, 2, 3, 4, 5, 6}, sum[6], total;
  int64_t b[THREE_INPUT_1_NUM_ELEMENTS] = {1, 2, 3}, twice[3];
  const void *tinyIn[] = {image}, *threeIn[] = {a, b};
  void *tinyOut[] = {probs}, *threeOut[] = {sum, twice, &total};
  printf("%s %s\n", spade_model_input_name(tiny, 0),
         spade_model_input_name(three, 1));
  if (spade_model_run(three, threeIn, 2, threeOut, 3) != SPADE_OK ||
      spade_model_run(tiny, tinyIn, 1, tinyOut, 1) != SPADE_OK)
    return 1;
  float probsSum = 0;
  for (int i = 0; i < 10; ++i)
    probsSum += probs[i];
  printf("three: %g %lld %g; tiny: %.4f %.4f\n", sum[5], (long long)twice[2],
         total, probsSum, probs[0]);
  spade_model_destroy(tiny);
  spade_model_destroy(three);
  return 0;
}
