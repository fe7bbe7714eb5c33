//===- CudaDriver.h - the CUDA driver, found at run time --------*- C++ -*-===//
//
// Libraries compiled with --target=nvptx reach the GPU through the CUDA
// driver API, loaded with dlopen("libcuda.so.1") when a model is created:
// the library needs no CUDA at link time, and on a machine without a driver
// create fails with a message instead of the library failing to load. The
// generated host code calls the mgpu* functions of MLIR's GPU runtime ABI
// (CudaDriver.cpp implements them on this driver); they cannot report
// errors, so the first failure on a thread is kept and every later launch
// on that thread is skipped until takeError() reads it.
//
// Every function returns null on success and otherwise a message in a
// thread-local buffer (valid until the next call on the thread).
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_GPU_CUDADRIVER_H
#define CRATE_RUNTIME_GPU_CUDADRIVER_H

#include <cstddef>

namespace crate::rt::cuda {

/// Loads the driver, initialises it and makes device 0's primary context
/// current on this thread. Cheap after the first call.
const char *init();

const char *allocate(size_t bytes, void **device);
void release(void *device);
const char *copyToDevice(void *device, const void *host, size_t bytes);
const char *copyToHost(void *host, const void *device, size_t bytes);
const char *copyOnDevice(void *to, const void *from, size_t bytes);

/// Waits for the work queued on `stream` (a CUstream; null: nothing).
const char *synchronize(void *stream);

/// A model's lanes: each forward call runs on one lane (a stream of its
/// own, and the device buffers its kernels' temporaries had, kept for the
/// lane's next call), so a forward queues its kernels back to back and
/// waits once, allocates nothing after its first call, and calls from
/// several threads do not share a stream or a buffer.
struct Lanes;
Lanes *newLanes();
/// Waits for every lane's work, frees its buffers and its stream.
void deleteLanes(Lanes *lanes);

/// Puts the calling thread's mgpu* calls on a lane of `lanes` (a free one,
/// or a new one) until endForward().
const char *beginForward(Lanes *lanes);
/// Copies `bytes` to the device on the thread's lane (in stream order with
/// its kernels), or at once without a lane.
const char *copyToDeviceInOrder(void *device, const void *host, size_t bytes);
/// A device buffer from the lane (released with releaseTemporary).
const char *allocateTemporary(size_t bytes, void **device);
/// Waits for the lane's work; a failure is kept for takeError().
void waitForward();
/// Gives a buffer of the lane (the generated code's results, an input copy)
/// back to it.
void releaseTemporary(void *device);
/// Gives the lane back to its model.
void endForward();

/// The first failure of a mgpu* call on this thread since the last
/// takeError(), or null; clears it.
const char *takeError();

} // namespace crate::rt::cuda

#endif // CRATE_RUNTIME_GPU_CUDADRIVER_H
