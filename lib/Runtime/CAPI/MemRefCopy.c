/*===- MemRefCopy.c - memref.copy between strided buffers ----------------===*\
|*                                                                          *|
|* Lowered memref.copy of non-contiguous memrefs calls memrefCopy (upstream *|
|* in libmlir_c_runner_utils). This hidden copy keeps compiled models free  *|
|* of that dependency.                                                      *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

/* descriptor: { allocated, aligned, offset, sizes[rank], strides[rank] } */
typedef struct {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

typedef struct {
  char *allocated, *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
} StridedMemRef;

__attribute__((visibility("hidden"))) void memrefCopy(int64_t elementSize,
                                                      UnrankedMemRef *source,
                                                      UnrankedMemRef *target) {
  int64_t rank = source->rank;
  const StridedMemRef *src = source->descriptor;
  const StridedMemRef *dst = target->descriptor;
  const int64_t *sizes = src->sizesAndStrides;
  const int64_t *srcStrides = src->sizesAndStrides + rank;
  const int64_t *dstStrides = dst->sizesAndStrides + rank;
  const char *from = src->aligned + src->offset * elementSize;
  char *to = dst->aligned + dst->offset * elementSize;
  if (rank == 0) {
    memcpy(to, from, elementSize);
    return;
  }
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] == 0)
      return;
  /* Odometer over every index but the innermost, which is one strided row. */
  int64_t index[rank > 0 ? rank : 1];
  memset(index, 0, sizeof index);
  int64_t inner = rank - 1, srcOffset = 0, dstOffset = 0;
  for (;;) {
    for (int64_t i = 0; i < sizes[inner]; ++i)
      memcpy(to + (dstOffset + i * dstStrides[inner]) * elementSize,
             from + (srcOffset + i * srcStrides[inner]) * elementSize,
             elementSize);
    int64_t d = inner - 1;
    for (; d >= 0; --d) {
      srcOffset += srcStrides[d];
      dstOffset += dstStrides[d];
      if (++index[d] < sizes[d])
        break;
      srcOffset -= srcStrides[d] * sizes[d];
      dstOffset -= dstStrides[d] * sizes[d];
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}
