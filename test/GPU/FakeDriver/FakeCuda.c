/*===- FakeCuda.c - a CUDA driver without a GPU, for the host-code tests ---===
 *
 * Built as libcuda.so.1 in its own directory: a --target=nvptx library
 * loaded with that directory on LD_LIBRARY_PATH finds it instead of
 * NVIDIA's driver, so create, forward and the runtime's mgpu* calls run in
 * CI. "Device" memory is host memory and kernels do not run: the outputs
 * mean nothing, the calls do. Each call the host code makes that shapes
 * the GPU's work (module loads, launches with their grid and block, TMA
 * descriptors with their dimensions, streams, synchronisations, device
 * allocations) is appended to the file
 * $FAKE_CUDA_LOG; $FAKE_CUDA_FAIL names one entry point that fails with
 * error 700, as a faulting kernel makes the next call fail.
 *
 *===----------------------------------------------------------------------===*/

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

static void say(const char *format, ...) {
  static FILE *log;
  const char *path = getenv("FAKE_CUDA_LOG");
  if (!path)
    return;
  if (!log && !(log = fopen(path, "a")))
    return;
  va_list args;
  va_start(args, format);
  vfprintf(log, format, args);
  va_end(args);
  fputc('\n', log);
  fflush(log);
}

static int failing(const char *name) {
  const char *which = getenv("FAKE_CUDA_FAIL");
  return which && strcmp(which, name) == 0;
}
#define FAIL_IF(name)                                                          \
  if (failing(name))                                                           \
  return 700

static int context, module, stream;

CUresult cuInit(unsigned flags) {
  (void)flags;
  FAIL_IF("cuInit");
  return 0;
}
CUresult cuDeviceGetCount(int *count) {
  *count = 1;
  return 0;
}
CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return 0;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = &context;
  return 0;
}
CUresult cuCtxSetCurrent(void *ctx) {
  (void)ctx;
  return 0;
}
CUresult cuCtxSynchronize(void) { return 0; }
CUresult cuGetErrorString(CUresult r, const char **text) {
  *text = r == 700 ? "an illegal memory access was encountered (fake driver)"
                   : "unknown error (fake driver)";
  return 0;
}
CUresult cuModuleLoadData(void **m, const void *image) {
  FAIL_IF("cuModuleLoadData");
  // PTX is text; a fatbin starts with its magic number.
  say("cuModuleLoadData %s",
      memcmp(image, "\x50\xed\x55\xba", 4) == 0 ? "fatbin" : "ptx");
  *m = &module;
  return 0;
}
CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
  (void)m;
  FAIL_IF("cuModuleGetFunction");
  *f = strdup(name); /* one per kernel and thread: not freed */
  return *f ? 0 : 2;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *s, void **params, void **extra) {
  (void)s, (void)params, (void)extra;
  FAIL_IF("cuLaunchKernel");
  say("launch %s grid=%u,%u,%u block=%u,%u,%u smem=%u", (const char *)f, gx,
      gy, gz, bx, by, bz, smem);
  return 0;
}
CUresult cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  say("cuStreamCreate");
  *s = &stream;
  return 0;
}
CUresult cuStreamSynchronize(void *s) {
  (void)s;
  FAIL_IF("cuStreamSynchronize");
  say("cuStreamSynchronize");
  return 0;
}
CUresult cuStreamDestroy_v2(void *s) {
  (void)s;
  say("cuStreamDestroy");
  return 0;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  FAIL_IF("cuMemAlloc_v2");
  void *q = calloc(1, bytes);
  *p = (CUdeviceptr)(uintptr_t)q;
  say("cuMemAlloc %zu", bytes);
  return q ? 0 : 2;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  say("cuMemFree");
  free((void *)(uintptr_t)p);
  return 0;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr to, const void *from, size_t bytes) {
  memcpy((void *)(uintptr_t)to, from, bytes);
  return 0;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr to, const void *from, size_t bytes,
                              void *s) {
  (void)s;
  say("cuMemcpyHtoDAsync %zu", bytes);
  memcpy((void *)(uintptr_t)to, from, bytes);
  return 0;
}
CUresult cuMemcpyDtoH_v2(void *to, CUdeviceptr from, size_t bytes) {
  memcpy(to, (const void *)(uintptr_t)from, bytes);
  return 0;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr to, CUdeviceptr from, size_t bytes) {
  memmove((void *)(uintptr_t)to, (const void *)(uintptr_t)from, bytes);
  return 0;
}
/* Dimensions, strides and box are innermost first, as the driver takes
 * them; strides in bytes, one fewer than dimensions. */
CUresult cuTensorMapEncodeTiled(void *map, int type, unsigned rank,
                                void *address, const CUdeviceptr *dims,
                                const CUdeviceptr *strides,
                                const unsigned *box,
                                const unsigned *elementStrides,
                                int interleave, int swizzle, int l2,
                                int oob) {
  (void)elementStrides;
  FAIL_IF("cuTensorMapEncodeTiled");
  char text[256];
  int n = snprintf(text, sizeof text, "cuTensorMapEncodeTiled type=%d rank=%u "
                                      "dims=", type, rank);
  for (unsigned d = 0; d < rank; ++d)
    n += snprintf(text + n, sizeof text - n, "%s%llu", d ? "," : "", dims[d]);
  n += snprintf(text + n, sizeof text - n, " strides=");
  for (unsigned d = 0; d + 1 < rank; ++d)
    n += snprintf(text + n, sizeof text - n, "%s%llu", d ? "," : "",
                  strides[d]);
  n += snprintf(text + n, sizeof text - n, " box=");
  for (unsigned d = 0; d < rank; ++d)
    n += snprintf(text + n, sizeof text - n, "%s%u", d ? "," : "", box[d]);
  say("%s interleave=%d swizzle=%d l2=%d oob=%d aligned16=%d", text,
      interleave, swizzle, l2, oob, (int)((uintptr_t)address % 16 == 0));
  /* A map that differs per buffer and shape, as the driver's does. */
  memset(map, 0, 128);
  memcpy(map, &address, sizeof address);
  memcpy((char *)map + 8, dims, rank * sizeof *dims);
  return 0;
}
