//===- Allocator.h - the runtime's allocator and call scopes -----*- C++ -*-===//
//
// Every buffer the generated code allocates (results included) comes from the
// three _mlir_memref_to_llvm_* functions below, and so does every allocation
// the runtime makes for itself in create and forward (its containers use
// crate::rt::Allocator). That lets a call fail cleanly when memory runs out:
//
//  * The C API functions that allocate (create, forward) run their body in a
//    CallScope (crate::rt::runInScope): a per-call list of every block the
//    call allocated, and a jump point (setjmp) on the calling thread.
//  * An allocation that fails inside a scope does not return null: it
//    records the failure and longjmps to the calling thread's jump point.
//    The generated code has no destructors and the runtime's containers hold
//    only scope-tracked memory, so nothing is lost by not unwinding: the
//    scope frees every block the call allocated and the call returns
//    CRATE_ERROR_OUT_OF_MEMORY with a message. The model object is
//    untouched (forward never writes it) and stays usable.
//  * Blocks that outlive a successful call (the model object built by
//    create) are detached from the scope; forward frees whatever is left in
//    its scope when it returns, so a call can never leak.
//  * Third-party code that allocates with the standard allocator (the JSON
//    parser, the safetensors reader) runs in a NoJump window: a failure of a
//    runtime allocation there does not jump (it would skip their
//    destructors) but falls back to operator new, and fault injection skips
//    that window. Explicitly checked allocations (tryAllocate: weight
//    buffers) fail cleanly everywhere.
//
// Threads (the rule for a thread pool running parts of a call's model code):
// a longjmp never crosses threads. A worker that runs model code on behalf
// of a call must do so through runWorkerTask(scope, ...), with the scope the
// calling thread got from currentScope(); so must the calling thread for its
// own share of a parallel region (a jump straight out of the region would
// leave the workers running on buffers the scope then frees). Its allocations are tracked in the
// call's scope (the list is locked); an allocation failure on the worker
// jumps to the worker's own jump point (its task is abandoned) and marks
// the scope failed. The calling thread, once the workers of that parallel
// region have finished, calls checkWorkerFailure(), which jumps to the
// calling thread's jump point if any worker failed; the call then ends in
// CRATE_ERROR_OUT_OF_MEMORY as above. Code between the parallel region and
// checkWorkerFailure must not use the results of the region, and
// checkWorkerFailure must be called from a frame where no object that owns
// standard-allocator memory (std::vector, std::thread, ...) is alive: the
// jump skips destructors (the runtime's unit test of this rule found
// exactly such a leak in its first version).
//
// Every block carries a small header in front of it (and large blocks are
// kept for the next call's buffers of the same size, up to 256 MiB), so
// memory from these functions must be freed with _mlir_memref_to_llvm_free
// (or crate::rt::deallocate), never with free().
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_CPU_ALLOCATOR_H
#define CRATE_RUNTIME_CPU_ALLOCATOR_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
void *_mlir_memref_to_llvm_alloc(uint64_t size);
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size);
void _mlir_memref_to_llvm_free(void *ptr);

#ifdef CRATE_RT_FAULT_INJECTION
/* Test builds only (the crate_runtime_cpu_faults archive). */

/* From now on, the n-th counted allocation (1-based) fails, once; n = 0
 * turns injection off. Resets the count. Counted: every allocation of the
 * model code and of the runtime, except those in NoJump windows. */
void crate_rt_fault_fail_at(int64_t n);
/* Counted allocations since the last crate_rt_fault_fail_at. */
int64_t crate_rt_fault_allocations(void);
/* Whether the injected failure has happened. */
int crate_rt_fault_fired(void);
/* Blocks allocated through the runtime and not freed yet (a leak check). */
int64_t crate_rt_fault_live_blocks(void);
/* Called by the safetensors reader after it opened `path` and before it
 * reads it (to change the file in between); null: nothing. */
void crate_rt_fault_set_after_open(void (*hook)(const char *path));
void crate_rt_fault_after_open(const char *path);
#endif
}

namespace crate::rt {

struct CallScope;

/// Allocates `bytes` (alignment: a power of two; <= 16 needs no rounding),
/// tracked in the calling thread's scope. On failure inside a scope (outside
/// NoJump windows) it jumps to the thread's jump point; otherwise it returns
/// null.
void *allocate(uint64_t bytes, uint64_t alignment);
/// Like allocate, but never jumps: returns null on failure.
void *tryAllocate(uint64_t bytes, uint64_t alignment);
/// Frees a block from allocate/tryAllocate (null: nothing).
void deallocate(void *ptr);

/// Frees the large blocks kept for reuse by later calls (Allocator.cpp).
void releaseCachedBlocks();

/// For container allocations: like allocate, but outside a scope (or in a
/// NoJump window) a failure falls back to operator new, as std::allocator
/// would.
void *allocateForContainer(uint64_t bytes);

/// While alive, the calling thread's allocations never jump (see above).
struct NoJump {
  NoJump();
  ~NoJump();
  NoJump(const NoJump &) = delete;
  NoJump &operator=(const NoJump &) = delete;
};

/// The calling thread's scope (null outside create/forward).
CallScope *currentScope();

/// Runs fn(arg) on a worker thread as part of the call that owns `scope`:
/// returns false if an allocation failed there (recorded in the scope).
bool runWorkerTask(CallScope *scope, void (*fn)(void *), void *arg);

/// On the calling thread: jumps to its jump point if a worker of the current
/// call failed to allocate.
void checkWorkerFailure();

/// What runInScope does with blocks still allocated when the body returns.
enum class OnReturn {
  FreeAll,        // forward: nothing the call allocated outlives it
  KeepOnSuccess,  // create: the model object survives a CRATE_OK
};

/// Runs body(ctx) in a new scope with a jump point. If an allocation fails,
/// frees every block of the scope and returns CRATE_ERROR_OUT_OF_MEMORY,
/// with the message "<who>: out of memory (<n> bytes)" set through
/// `setError`. Otherwise returns body's result.
int runInScope(int (*body)(void *), void *ctx, OnReturn onReturn,
               const char *who, void (*setError)(const char *message));

/// A standard allocator over allocateForContainer/deallocate, for the
/// runtime's containers.
template <typename T> struct Allocator {
  using value_type = T;
  Allocator() noexcept = default;
  template <typename U> Allocator(const Allocator<U> &) noexcept {}
  T *allocate(std::size_t n) {
    return static_cast<T *>(allocateForContainer(uint64_t(n) * sizeof(T)));
  }
  void deallocate(T *p, std::size_t) noexcept { crate::rt::deallocate(p); }
  template <typename U> bool operator==(const Allocator<U> &) const noexcept {
    return true;
  }
  template <typename U> bool operator!=(const Allocator<U> &) const noexcept {
    return false;
  }
};

using String = std::basic_string<char, std::char_traits<char>, Allocator<char>>;
template <typename T> using Vector = std::vector<T, Allocator<T>>;

} // namespace crate::rt

#endif // CRATE_RUNTIME_CPU_ALLOCATOR_H
