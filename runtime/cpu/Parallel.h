//===- Parallel.h - images of a batch spread over the cores -----*- C++ -*-===//
//
// The process may use `availableCores()` cores. A forward call runs its
// tasks on the calling thread plus helper threads taken from one
// process-wide budget of availableCores() - 1 helpers, so several threads
// calling forward at once share the cores instead of oversubscribing them:
// a call that finds the budget spent runs its tasks alone.
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
/// `maxThreads` - 1 helpers from the budget. Helpers run their tasks through
/// runWorkerTask (Allocator.h) in the caller's scope; the caller must call
/// checkWorkerFailure() after this returns.
void parallelFor(int64_t n, int maxThreads, void (*task)(void *ctx, int64_t i),
                 void *ctx);

} // namespace crate::rt

#endif // CRATE_RUNTIME_CPU_PARALLEL_H
