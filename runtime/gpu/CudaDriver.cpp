//===- CudaDriver.cpp - the CUDA driver and MLIR's mgpu* ABI on it --------===//

#include "CudaDriver.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <array>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace {
// The few driver API types used here (cuda.h is not needed to build).
using CUresult = int;
using CUdevice = int;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUdeviceptr = unsigned long long;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyDtoD)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuCtxSynchronize)();
  // CUDA 12 and later only; needed by the TMA loads of sm_90a kernels.
  CUresult (*cuTensorMapEncodeTiled)(void *, int, unsigned, void *,
                                     const unsigned long long *,
                                     const unsigned long long *,
                                     const unsigned *, const unsigned *, int,
                                     int, int, int) = nullptr;
  CUcontext context = nullptr;
};

Driver driver;
std::mutex initMutex;
bool initDone = false;
char initError[512] = "";

thread_local char message[512];
thread_local char pending[512];
thread_local bool current = false; // the context is current on this thread

const char *say(const char *what, CUresult r) {
  const char *text = nullptr;
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(r, &text);
  std::snprintf(message, sizeof message, "%s failed: CUDA error %d (%s)",
                what, r, text ? text : "unknown");
  return message;
}

/// Keeps the first failure of a mgpu* call on this thread.
void keep(const char *what, CUresult r) {
  if (pending[0])
    return;
  std::snprintf(pending, sizeof pending, "%s", say(what, r));
}

const char *loadDriver() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    std::snprintf(initError, sizeof initError,
                  "no NVIDIA driver: dlopen(\"libcuda.so.1\") failed (%s); "
                  "this library was compiled with --target=nvptx and needs "
                  "an NVIDIA GPU and its driver",
                  why ? why : "not found");
    return initError;
  }
  struct Entry {
    const char *name;
    void **slot;
  } entries[] = {
      {"cuInit", (void **)&driver.cuInit},
      {"cuDeviceGetCount", (void **)&driver.cuDeviceGetCount},
      {"cuDeviceGet", (void **)&driver.cuDeviceGet},
      {"cuDevicePrimaryCtxRetain", (void **)&driver.cuDevicePrimaryCtxRetain},
      {"cuCtxSetCurrent", (void **)&driver.cuCtxSetCurrent},
      {"cuGetErrorString", (void **)&driver.cuGetErrorString},
      {"cuModuleLoadData", (void **)&driver.cuModuleLoadData},
      {"cuModuleGetFunction", (void **)&driver.cuModuleGetFunction},
      {"cuLaunchKernel", (void **)&driver.cuLaunchKernel},
      {"cuStreamCreate", (void **)&driver.cuStreamCreate},
      {"cuStreamSynchronize", (void **)&driver.cuStreamSynchronize},
      {"cuStreamDestroy_v2", (void **)&driver.cuStreamDestroy},
      {"cuMemAlloc_v2", (void **)&driver.cuMemAlloc},
      {"cuMemFree_v2", (void **)&driver.cuMemFree},
      {"cuMemcpyHtoD_v2", (void **)&driver.cuMemcpyHtoD},
      {"cuMemcpyHtoDAsync_v2", (void **)&driver.cuMemcpyHtoDAsync},
      {"cuMemcpyDtoH_v2", (void **)&driver.cuMemcpyDtoH},
      {"cuMemcpyDtoD_v2", (void **)&driver.cuMemcpyDtoD},
      {"cuCtxSynchronize", (void **)&driver.cuCtxSynchronize},
  };
  for (Entry &e : entries) {
    *e.slot = dlsym(lib, e.name);
    if (!*e.slot) {
      std::snprintf(initError, sizeof initError,
                    "the NVIDIA driver (libcuda.so.1) lacks %s: too old", e.name);
      return initError;
    }
  }
  *(void **)&driver.cuTensorMapEncodeTiled =
      dlsym(lib, "cuTensorMapEncodeTiled");
  CUresult r = driver.cuInit(0);
  if (r != 0) {
    std::snprintf(initError, sizeof initError, "%s", say("cuInit", r));
    return initError;
  }
  int count = 0;
  if ((r = driver.cuDeviceGetCount(&count)) != 0 || count == 0) {
    std::snprintf(initError, sizeof initError,
                  "the NVIDIA driver reports no GPU (cuDeviceGetCount: %d "
                  "devices, error %d)",
                  count, r);
    return initError;
  }
  CUdevice device;
  if ((r = driver.cuDeviceGet(&device, 0)) != 0 ||
      (r = driver.cuDevicePrimaryCtxRetain(&driver.context, device)) != 0) {
    std::snprintf(initError, sizeof initError, "%s",
                  say("opening GPU 0", r));
    return initError;
  }
  return nullptr;
}

/// The driver, with the context current on this thread; null before init.
const char *ready() {
  if (!initDone || initError[0])
    return initError[0] ? initError : "the CUDA driver is not initialised";
  if (!current) {
    if (CUresult r = driver.cuCtxSetCurrent(driver.context))
      return say("cuCtxSetCurrent", r);
    current = true;
  }
  return nullptr;
}

/// A TMA descriptor (CUtensorMap: 128 bytes, 64-byte aligned).
struct alignas(64) TensorMap {
  std::array<unsigned long long, 16> words{};
  bool operator<(const TensorMap &o) const { return words < o.words; }
};

/// TMA descriptors in device memory, by content: a kernel reads its
/// descriptors from global memory, and the buffers a model describes are
/// the same at every forward, so each is encoded and copied once.
struct TensorMapCache {
  std::mutex mutex;
  std::map<TensorMap, CUdeviceptr> onDevice;
};
TensorMapCache tensorMaps;
// Past this many (buffers that keep changing), the cache is emptied after
// the device finishes what may still read it.
constexpr size_t kMaxTensorMaps = 4096;

/// One forward call's stream and the device buffers of its temporaries.
struct Lane {
  crate::rt::cuda::Lanes *owner;
  CUstream stream = nullptr;
  std::unordered_map<CUdeviceptr, size_t> sizes; // every buffer it made
  std::multimap<size_t, CUdeviceptr> idle;       // those free, by size
};

/// The lane the calling thread's forward runs on, or none.
thread_local Lane *lane = nullptr;

/// A module of the library: the PTX text is loaded (JIT-compiled by the
/// driver) at its first use, not when the library's constructors run.
struct LazyModule {
  // The PTX text, or a fatbin (cubin plus PTX): cuModuleLoadData takes both.
  const void *image;
  CUmodule module = nullptr;
  std::mutex mutex;
};
} // namespace

namespace crate::rt::cuda {

struct Lanes {
  std::mutex mutex;
  std::vector<Lane *> all, idle;
};

Lanes *newLanes() { return new (std::nothrow) Lanes(); }

void deleteLanes(Lanes *lanes) {
  if (!lanes)
    return;
  const bool live = !ready();
  for (Lane *l : lanes->all) {
    if (live) {
      driver.cuStreamSynchronize(l->stream);
      for (auto &entry : l->sizes)
        driver.cuMemFree(entry.first);
      driver.cuStreamDestroy(l->stream);
    }
    delete l;
  }
  delete lanes;
}

const char *beginForward(Lanes *lanes) {
  if (const char *e = ready())
    return e;
  if (!lanes)
    return "the model has no GPU lanes (out of memory at create)";
  {
    std::lock_guard<std::mutex> lock(lanes->mutex);
    if (!lanes->idle.empty()) {
      lane = lanes->idle.back();
      lanes->idle.pop_back();
      return nullptr;
    }
  }
  auto *l = new (std::nothrow) Lane{lanes};
  if (!l)
    return "out of memory (a GPU lane)";
  if (CUresult r = driver.cuStreamCreate(&l->stream, 1 /*non-blocking*/)) {
    delete l;
    return say("cuStreamCreate", r);
  }
  std::lock_guard<std::mutex> lock(lanes->mutex);
  lanes->all.push_back(l);
  lane = l;
  return nullptr;
}

const char *copyToDeviceInOrder(void *device, const void *host,
                                size_t bytes) {
  if (!lane)
    return copyToDevice(device, host, bytes);
  if (CUresult r = driver.cuMemcpyHtoDAsync(
          reinterpret_cast<CUdeviceptr>(device), host, bytes, lane->stream))
    return say("cuMemcpyHtoDAsync", r);
  return nullptr;
}

const char *allocateTemporary(size_t bytes, void **device) {
  if (!lane)
    return allocate(bytes, device);
  bytes = bytes ? bytes : 1;
  auto found = lane->idle.find(bytes);
  if (found != lane->idle.end()) {
    *device = reinterpret_cast<void *>(found->second);
    lane->idle.erase(found);
    return nullptr;
  }
  CUdeviceptr p = 0;
  if (CUresult r = driver.cuMemAlloc(&p, bytes))
    return say("cuMemAlloc", r);
  lane->sizes.emplace(p, bytes);
  *device = reinterpret_cast<void *>(p);
  return nullptr;
}

void releaseTemporary(void *device) {
  auto p = reinterpret_cast<CUdeviceptr>(device);
  if (lane) {
    auto found = lane->sizes.find(p);
    if (found != lane->sizes.end()) {
      // Reused only by later work on the same stream: never too early.
      lane->idle.emplace(found->second, p);
      return;
    }
  }
  release(device);
}

void waitForward() {
  if (lane && !pending[0])
    if (CUresult r = driver.cuStreamSynchronize(lane->stream))
      keep("cuStreamSynchronize (a kernel failed)", r);
}

void endForward() {
  if (!lane)
    return;
  Lanes *owner = lane->owner;
  std::lock_guard<std::mutex> lock(owner->mutex);
  owner->idle.push_back(lane);
  lane = nullptr;
}

const char *init() {
  {
    std::lock_guard<std::mutex> lock(initMutex);
    if (!initDone) {
      loadDriver();
      initDone = true;
    }
  }
  return ready();
}

const char *allocate(size_t bytes, void **device) {
  if (const char *e = ready())
    return e;
  CUdeviceptr p = 0;
  if (CUresult r = driver.cuMemAlloc(&p, bytes ? bytes : 1))
    return say("cuMemAlloc", r);
  *device = reinterpret_cast<void *>(p);
  return nullptr;
}

void release(void *device) {
  if (device && !ready())
    driver.cuMemFree(reinterpret_cast<CUdeviceptr>(device));
}

const char *copyToDevice(void *device, const void *host, size_t bytes) {
  if (const char *e = ready())
    return e;
  if (CUresult r = driver.cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(device),
                                       host, bytes))
    return say("cuMemcpyHtoD", r);
  return nullptr;
}

const char *copyToHost(void *host, const void *device, size_t bytes) {
  if (const char *e = ready())
    return e;
  if (CUresult r = driver.cuMemcpyDtoH(
          host, reinterpret_cast<CUdeviceptr>(device), bytes))
    return say("cuMemcpyDtoH", r);
  return nullptr;
}

const char *copyOnDevice(void *to, const void *from, size_t bytes) {
  if (const char *e = ready())
    return e;
  if (CUresult r = driver.cuMemcpyDtoD(reinterpret_cast<CUdeviceptr>(to),
                                       reinterpret_cast<CUdeviceptr>(from),
                                       bytes))
    return say("cuMemcpyDtoD", r);
  return nullptr;
}

const char *synchronize(void *stream) {
  if (!stream)
    return nullptr;
  if (const char *e = ready())
    return e;
  if (CUresult r = driver.cuStreamSynchronize(stream))
    return say("cuStreamSynchronize (the caller's stream)", r);
  return nullptr;
}

const char *takeError() {
  if (!pending[0])
    return nullptr;
  std::snprintf(message, sizeof message, "%s", pending);
  pending[0] = '\0';
  return message;
}

} // namespace crate::rt::cuda

// MLIR's GPU runtime ABI, as gpu-to-llvm and the gpu.binary translation
// call it (the calls of one forward run on the thread that runs it).
extern "C" {

void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  auto *m = new (std::nothrow) LazyModule();
  if (m)
    m->image = data;
  return m;
}

// A fatbin (crate-compile found ptxas): the driver picks the cubin for the
// device's architecture, or compiles the PTX in it.
void *mgpuModuleLoad(void *data, size_t /*size*/) {
  return mgpuModuleLoadJIT(data, 0);
}

// Runs from the library's destructors (dlclose, process exit), when the
// driver may already be shutting down: the module goes with the primary
// context, only the handle is freed here.
void mgpuModuleUnload(void *module) {
  delete static_cast<LazyModule *>(module);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  if (pending[0])
    return nullptr;
  if (const char *e = ready()) {
    std::snprintf(pending, sizeof pending, "%s", e);
    return nullptr;
  }
  auto *m = static_cast<LazyModule *>(module);
  if (!m) {
    std::snprintf(pending, sizeof pending, "a kernel module failed to load "
                                           "(out of memory)");
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(m->mutex);
    if (!m->module)
      if (CUresult r = driver.cuModuleLoadData(&m->module, m->image)) {
        keep("cuModuleLoadData (a kernel module)", r);
        return nullptr;
      }
  }
  CUfunction f = nullptr;
  if (CUresult r = driver.cuModuleGetFunction(&f, m->module, name)) {
    keep("cuModuleGetFunction", r);
    return nullptr;
  }
  return f;
}

// On a lane (every forward of a model), one stream serves every launch and
// is waited for once, at the end of the forward (waitForward).
void *mgpuStreamCreate() {
  if (lane)
    return lane->stream;
  if (pending[0] || ready())
    return nullptr;
  CUstream s = nullptr;
  if (CUresult r = driver.cuStreamCreate(&s, 1 /*non-blocking*/))
    keep("cuStreamCreate", r);
  return s;
}

void mgpuStreamSynchronize(void *stream) {
  if (lane && stream == lane->stream)
    return;
  if (stream && !pending[0] && !ready())
    if (CUresult r = driver.cuStreamSynchronize(stream))
      keep("cuStreamSynchronize (a kernel failed)", r);
}

void mgpuStreamDestroy(void *stream) {
  if (lane && stream == lane->stream)
    return;
  if (stream && !ready())
    driver.cuStreamDestroy(stream);
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  if (!function || pending[0])
    return;
  if (CUresult r = driver.cuLaunchKernel(
          function, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
          unsigned(blockX), unsigned(blockY), unsigned(blockZ),
          unsigned(smem), stream, params, extra))
    keep("cuLaunchKernel", r);
}

void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/, bool /*isHostShared*/) {
  if (pending[0])
    return nullptr;
  void *p = nullptr;
  if (const char *e = crate::rt::cuda::allocateTemporary(bytes, &p)) {
    std::snprintf(pending, sizeof pending, "%s", e);
    return nullptr;
  }
  return p;
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  crate::rt::cuda::releaseTemporary(ptr);
}

// nvgpu.tma.create.descriptor: the TMA descriptor of a strided memref
// (rank, then its ranked descriptor: allocated and aligned pointers,
// offset, sizes, strides), in device memory. The box is given outermost
// dimension first, as the memref's sizes are; the driver takes both
// innermost first.
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *memref,
                                     int64_t dataType, int64_t interleave,
                                     int64_t swizzle, int64_t l2Promotion,
                                     int64_t oobFill, int64_t *box) {
  if (pending[0] || ready())
    return nullptr;
  if (!driver.cuTensorMapEncodeTiled) {
    std::snprintf(pending, sizeof pending,
                  "the NVIDIA driver lacks cuTensorMapEncodeTiled (CUDA 12 "
                  "or later), which the sm_90a kernels' TMA loads need");
    return nullptr;
  }
  // CUtensorMapDataType: u8, u16, u32, i32, u64, i64, f16, f32, f64, bf16.
  static const int elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2};
  if (rank < 1 || rank > 5 || dataType < 0 || dataType > 9) {
    std::snprintf(pending, sizeof pending,
                  "a TMA descriptor of rank %lld, data type %lld: not "
                  "supported",
                  (long long)rank, (long long)dataType);
    return nullptr;
  }
  const int bytes = elementBytes[dataType];
  auto *fields = static_cast<int64_t *>(memref);
  char *aligned = reinterpret_cast<char *>(fields[1]);
  const int64_t offset = fields[2], *sizes = fields + 3,
                *strides = fields + 3 + rank;
  unsigned long long dims[5], strideBytes[4];
  unsigned boxDims[5], elementStrides[5];
  for (int64_t d = 0; d < rank; ++d) {
    dims[d] = sizes[rank - 1 - d];
    boxDims[d] = unsigned(box[rank - 1 - d]);
    elementStrides[d] = 1;
  }
  for (int64_t d = 0; d + 1 < rank; ++d)
    strideBytes[d] = strides[rank - 2 - d] * bytes;
  TensorMap map;
  if (CUresult r = driver.cuTensorMapEncodeTiled(
          map.words.data(), int(dataType), unsigned(rank),
          aligned + offset * bytes, dims, strideBytes, boxDims,
          elementStrides, int(interleave), int(swizzle), int(l2Promotion),
          int(oobFill))) {
    keep("cuTensorMapEncodeTiled", r);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(tensorMaps.mutex);
  auto found = tensorMaps.onDevice.find(map);
  if (found != tensorMaps.onDevice.end())
    return reinterpret_cast<void *>(found->second);
  if (tensorMaps.onDevice.size() >= kMaxTensorMaps) {
    driver.cuCtxSynchronize();
    for (auto &entry : tensorMaps.onDevice)
      driver.cuMemFree(entry.second);
    tensorMaps.onDevice.clear();
  }
  CUdeviceptr device = 0;
  if (CUresult r = driver.cuMemAlloc(&device, sizeof map)) {
    keep("cuMemAlloc (a TMA descriptor)", r);
    return nullptr;
  }
  // From pageable memory the copy may still be in flight when it returns:
  // the kernel that reads the descriptor runs on another stream.
  CUresult r = driver.cuMemcpyHtoD(device, map.words.data(), sizeof map);
  if (!r)
    r = driver.cuCtxSynchronize();
  if (r) {
    driver.cuMemFree(device);
    keep("copying a TMA descriptor to the device", r);
    return nullptr;
  }
  tensorMaps.onDevice.emplace(map, device);
  return reinterpret_cast<void *>(device);
}

} // extern "C"
