/*===- BufferCache.c - Heap buffers of compiled models, reused ----------===*\
|*                                                                          *|
|* The fast pipeline lowers memref.alloc/dealloc to these generic functions *|
|* (finalize-memref-to-llvm{use-generic-functions}). Every inference        *|
|* allocates the same activation buffers; handed back to malloc, the large  *|
|* ones are unmapped and the next inference faults their pages in again     *|
|* (~15% of resnet18's time). Freed blocks are kept, by exact size, for the *|
|* next request of that size, up to a bound; spade_buffer_cache_release()   *|
|* returns them when the last model of the library is destroyed.            *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define HIDDEN __attribute__((visibility("hidden")))

enum { kSlots = 256 };
/* Cached bytes at most: beyond this, freed blocks go back to malloc. */
static const size_t kMaxCachedBytes = (size_t)2 << 30;

/* A block starts with its size; the caller gets the bytes after kHeader
 * (malloc's 16-byte alignment is kept). */
enum { kHeader = 16 };

static struct {
  void *block[kSlots];
  size_t size[kSlots];
  size_t bytes;
  pthread_mutex_t lock;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *takeCached(size_t size) {
  void *block = NULL;
  pthread_mutex_lock(&cache.lock);
  for (int i = 0; i < kSlots; ++i)
    if (cache.block[i] && cache.size[i] == size) {
      block = cache.block[i];
      cache.block[i] = NULL;
      cache.bytes -= size;
      break;
    }
  pthread_mutex_unlock(&cache.lock);
  return block;
}

HIDDEN void *_mlir_memref_to_llvm_alloc(size_t size) {
  char *block = takeCached(size);
  if (!block) {
    block = malloc(kHeader + size);
    if (!block)
      return NULL;
    *(size_t *)block = size;
  }
  return block + kHeader;
}

HIDDEN void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  char *block = (char *)ptr - kHeader;
  size_t size = *(size_t *)block;
  pthread_mutex_lock(&cache.lock);
  if (cache.bytes + size <= kMaxCachedBytes)
    for (int i = 0; i < kSlots; ++i)
      if (!cache.block[i]) {
        cache.block[i] = block;
        cache.size[i] = size;
        cache.bytes += size;
        block = NULL;
        break;
      }
  pthread_mutex_unlock(&cache.lock);
  free(block);
}

HIDDEN void spade_buffer_cache_release(void) {
  pthread_mutex_lock(&cache.lock);
  for (int i = 0; i < kSlots; ++i) {
    free(cache.block[i]);
    cache.block[i] = NULL;
  }
  cache.bytes = 0;
  pthread_mutex_unlock(&cache.lock);
}
