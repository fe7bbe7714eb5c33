//===- Parallel.h - the runtime's thread pool -------------------*- C++ -*-===//
//
// The process may use `availableCores()` cores. One process-wide pool holds
// availableCores() - 1 helper threads, started on first use. Work is split
// into parallel regions: the calling thread runs a share itself and takes
// the helpers that are idle at that moment, so several threads calling
// forward at once share the cores instead of oversubscribing them (a region
// that finds every helper busy runs alone), and a region inside a region
// that already holds the helpers runs on its own thread.
//
// Two kinds of region: the images of a batch (parallelFor, from the C API)
// and the loops of one image (crate_rt_parallel_region, called by the model
// code that crate-parallel-regions outlined). With a batch of at least as
// many images as cores the first kind holds every helper and the loops of
// each image run on one thread; a batch of one spreads its loops instead.
//
// Helpers spin briefly after a task (the next region of a forward pass
// follows within microseconds), then sleep. The pool joins its helpers when
// the library is unloaded or the process exits.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_CPU_PARALLEL_H
#define CRATE_RUNTIME_CPU_PARALLEL_H

#include <cstdint>

namespace crate::rt {

/// Cores this process may run on (sched_getaffinity), at least 1.
int availableCores();

/// Threads a model created now uses per forward call: CRATE_NUM_THREADS
/// when set to a number in [1, 1024], otherwise availableCores().
int defaultThreads();

/// Runs task(ctx, i) for every i in [0, n), on the calling thread and up to
/// `maxThreads` - 1 idle helpers. Each task may itself run regions of the
/// model's loops on up to `maxThreads` threads. Helpers run their tasks
/// through runWorkerTask (Allocator.h) in the caller's scope; the caller
/// must call checkWorkerFailure() after this returns.
void parallelFor(int64_t n, int maxThreads, void (*task)(void *ctx, int64_t i),
                 void *ctx);

} // namespace crate::rt

extern "C" {
/// Called by the model code: runs body(ctx, begin, end) over disjoint
/// ranges that cover [0, n), on the calling thread and the idle helpers
/// (at most the thread count of the enclosing forward call). Returns when
/// every range is done; an allocation failure in a range ends the call as
/// out of memory (Allocator.h).
void crate_rt_parallel_region(int64_t n,
                              void (*body)(void *ctx, int64_t begin,
                                           int64_t end),
                              void *ctx);
}

#endif // CRATE_RUNTIME_CPU_PARALLEL_H
