// Times OpenBLAS cblas_sgemm on N x N x N single-precision matrices:
//   sgemm N RUNS
// prints "openblas <core> N=<n> threads=<t>: min X ms, median Y ms, Z GFLOP/s"
// (GFLOP/s from the median). The thread count is OpenBLAS's own
// (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS); its kernel choice follows
// OPENBLAS_CORETYPE when set.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

char *openblas_get_corename(void);
int openblas_get_num_threads(void);

static double nowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compareDoubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 3 || atoi(argv[1]) <= 0 || atoi(argv[2]) <= 0) {
    fprintf(stderr, "usage: sgemm N RUNS\n");
    return 1;
  }
  int n = atoi(argv[1]), runs = atoi(argv[2]);
  size_t count = (size_t)n * n;
  float *a = malloc(count * sizeof(float)), *b = malloc(count * sizeof(float)),
        *c = malloc(count * sizeof(float));
  double *ms = malloc(runs * sizeof(double));
  if (!a || !b || !c || !ms) {
    fprintf(stderr, "sgemm: out of memory\n");
    return 1;
  }
  srand(0);
  for (size_t i = 0; i < count; ++i) {
    a[i] = (float)rand() / RAND_MAX - 0.5f;
    b[i] = (float)rand() / RAND_MAX - 0.5f;
  }
  // One untimed call: thread pool start-up and first-touch page faults.
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n,
              b, n, 0.0f, c, n);
  for (int r = 0; r < runs; ++r) {
    double t0 = nowMs();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a,
                n, b, n, 0.0f, c, n);
    ms[r] = nowMs() - t0;
  }
  qsort(ms, runs, sizeof(double), compareDoubles);
  double median = ms[runs / 2];
  printf("openblas %s N=%d threads=%d: min %.3f ms, median %.3f ms, %.1f "
         "GFLOP/s\n",
         openblas_get_corename(), n, openblas_get_num_threads(), ms[0], median,
         2.0 * n * n * n / (median * 1e6));
  free(a);
  free(b);
  free(c);
  free(ms);
  return 0;
}
