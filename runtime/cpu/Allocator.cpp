//===- Allocator.cpp - the runtime's allocator and call scopes ------------===//
//
// The generated code allocates its intermediate and result buffers through
// the three functions MLIR's memref lowering calls with
// `use-generic-functions` (FunctionCallUtils in MLIR), so that the runtime,
// not libc directly, owns the model's allocations. Allocator.h describes the
// call scopes that make an allocation failure end the call cleanly.
//
//===----------------------------------------------------------------------===//

#include "Allocator.h"
#include "ModelABI.h"

#include <atomic>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace crate::rt {

namespace {

/// In front of every block. 32 bytes, so a 16-byte aligned header gives a
/// 16-byte aligned block.
struct Header {
  Header *prev;
  Header *next;
  void *raw;         // What malloc returned.
  CallScope *owner;  // The scope whose list holds the block, or null.
  uint64_t rawBytes; // What was asked of malloc.
  uint64_t unused;
};
static_assert(sizeof(Header) == 48, "the header keeps 16-byte alignment");
constexpr uint64_t kHeader = sizeof(Header);

Header *headerOf(void *ptr) {
  return reinterpret_cast<Header *>(static_cast<char *>(ptr) - kHeader);
}

/// Counts live blocks in fault-injection builds (a leak check for tests).
void countLive(int64_t delta);

/// Large blocks freed by one forward call and asked for again, with the same
/// size, by the next: a model allocates the same buffers in the same order
/// on every call. Keeping them (up to kCachedBytes in all) saves the page
/// faults of fresh mappings, which were 8-15% of a CRATE-tiny forward. Not
/// in sanitizer builds, where reuse would hide a use after free.
class BlockCache {
public:
  static constexpr uint64_t kMinBytes = 64 * 1024;
  static constexpr uint64_t kCachedBytes = uint64_t(256) << 20;

  /// A cached raw block of exactly `bytes`, or null.
  void *take(uint64_t bytes) {
    if (!kEnabled || bytes < kMinBytes)
      return nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    for (int i = count - 1; i >= 0; --i)
      if (entries[i].bytes == bytes) {
        void *raw = entries[i].raw;
        cached -= bytes;
        entries[i] = entries[--count];
        return raw;
      }
    return nullptr;
  }

  /// Keeps `raw` for reuse, or frees it when the cache is full.
  void give(void *raw, uint64_t bytes) {
    if (kEnabled && bytes >= kMinBytes) {
      std::lock_guard<std::mutex> lock(mutex);
      if (count < kEntries && cached + bytes <= kCachedBytes) {
        entries[count++] = {raw, bytes};
        cached += bytes;
        return;
      }
    }
    std::free(raw);
  }

  /// Frees every cached block.
  void clear() {
    std::lock_guard<std::mutex> lock(mutex);
    for (int i = 0; i < count; ++i)
      std::free(entries[i].raw);
    count = 0;
    cached = 0;
  }

  ~BlockCache() { clear(); }

private:
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  static constexpr bool kEnabled = false;
#else
  static constexpr bool kEnabled = true;
#endif
  static constexpr int kEntries = 512;
  struct Entry {
    void *raw;
    uint64_t bytes;
  };
  std::mutex mutex;
  Entry entries[kEntries] = {};
  int count = 0;
  uint64_t cached = 0;
};

BlockCache &blockCache() {
  static BlockCache cache;
  return cache;
}

/// Frees the memory of a block (into the cache when it is large).
void releaseRaw(Header *h) { blockCache().give(h->raw, h->rawBytes); }

} // namespace

/// A call's allocations: a circular list behind a sentinel, under a
/// spinlock (workers of the call allocate into it too).
struct CallScope {
  std::atomic_flag lock = ATOMIC_FLAG_INIT;
  Header head{&head, &head, nullptr, nullptr};
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> failedBytes{0};

  void acquire() {
    while (lock.test_and_set(std::memory_order_acquire)) {
    }
  }
  void release() { lock.clear(std::memory_order_release); }

  void link(Header *h) {
    acquire();
    h->owner = this;
    h->prev = &head;
    h->next = head.next;
    head.next->prev = h;
    head.next = h;
    release();
  }
  void unlink(Header *h) {
    acquire();
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->prev = h->next = nullptr;
    h->owner = nullptr;
    release();
  }
  /// Frees every block still in the list.
  void freeAll() {
    acquire();
    for (Header *h = head.next; h != &head;) {
      Header *next = h->next;
      releaseRaw(h);
      countLive(-1);
      h = next;
    }
    head.next = head.prev = &head;
    release();
  }
  /// Keeps every block in the list alive, no longer tracked.
  void detachAll() {
    acquire();
    for (Header *h = head.next; h != &head;) {
      Header *next = h->next;
      h->prev = h->next = nullptr;
      h->owner = nullptr;
      h = next;
    }
    head.next = head.prev = &head;
    release();
  }
};

namespace {

thread_local CallScope *tlsScope = nullptr;
thread_local std::jmp_buf *tlsJump = nullptr;
thread_local int tlsNoJump = 0;

#ifdef CRATE_RT_FAULT_INJECTION
std::atomic<int64_t> gFailAt{0};
std::atomic<int64_t> gCount{0};
std::atomic<bool> gFired{false};
std::atomic<void (*)(const char *)> gAfterOpen{nullptr};
std::atomic<int64_t> gLive{0}; // Blocks allocated and not yet freed.
#endif

void countLive(int64_t delta) {
#ifdef CRATE_RT_FAULT_INJECTION
  gLive += delta;
#else
  (void)delta;
#endif
}

/// Whether this (counted) allocation is the one to fail. Only allocations
/// made inside a scope count, and jumping ones only where they may jump.
bool injectFailure(bool canFail) {
#ifdef CRATE_RT_FAULT_INJECTION
  if (!tlsScope || !canFail)
    return false;
  int64_t n = gCount.fetch_add(1) + 1;
  if (n == gFailAt.load()) {
    gFired = true;
    return true;
  }
#else
  (void)canFail;
#endif
  return false;
}

/// malloc with a header, aligned to `alignment` (at least 16); untracked.
void *rawAllocate(uint64_t bytes, uint64_t alignment) {
  if (alignment < 16)
    alignment = 16;
  if ((alignment & (alignment - 1)) != 0 || alignment > (uint64_t(1) << 30))
    return nullptr;
  // Beyond 2^47 bytes (128 TiB) no machine has the memory; refusing here
  // also keeps sanitizer allocators from aborting on absurd sizes.
  uint64_t slack = alignment > 16 ? alignment : 0;
  if (bytes > (uint64_t(1) << 47))
    return nullptr;
  uint64_t rawBytes = bytes + kHeader + slack;
  void *raw = blockCache().take(rawBytes);
  if (!raw)
    raw = std::malloc(static_cast<size_t>(rawBytes));
  if (!raw)
    return nullptr;
  uintptr_t user = reinterpret_cast<uintptr_t>(raw) + kHeader;
  user = (user + alignment - 1) & ~(uintptr_t(alignment) - 1);
  void *ptr = reinterpret_cast<void *>(user);
  Header *h = headerOf(ptr);
  h->prev = h->next = nullptr;
  h->raw = raw;
  h->rawBytes = rawBytes;
  h->owner = nullptr;
  countLive(1);
  return ptr;
}

/// Whether a failed allocation may jump out of the current call.
bool mayJump() { return tlsScope && tlsJump && tlsNoJump == 0; }

[[noreturn]] void jumpOut(uint64_t bytes) {
  tlsScope->failedBytes = bytes;
  tlsScope->failed = true;
  std::longjmp(*tlsJump, 1);
}

/// allocate/tryAllocate: `jump` says whether a failure may jump.
void *allocateImpl(uint64_t bytes, uint64_t alignment, bool jump) {
  bool canJump = jump && mayJump();
  // A non-jumping allocation (tryAllocate) is checked by its caller, so it
  // is injectable everywhere; a jumping one only where it may jump.
  bool injectable = jump ? canJump : true;
  void *ptr = injectFailure(injectable) ? nullptr
                                        : rawAllocate(bytes, alignment);
  if (!ptr) {
    if (canJump)
      jumpOut(bytes);
    return nullptr;
  }
  if (tlsScope)
    tlsScope->link(headerOf(ptr));
  return ptr;
}

} // namespace

void *allocate(uint64_t bytes, uint64_t alignment) {
  return allocateImpl(bytes, alignment, /*jump=*/true);
}

void *tryAllocate(uint64_t bytes, uint64_t alignment) {
  return allocateImpl(bytes, alignment, /*jump=*/false);
}

void *allocateForContainer(uint64_t bytes) {
  if (void *ptr = allocateImpl(bytes, 16, /*jump=*/true))
    return ptr;
  // No jump point (or a NoJump window): where std::allocator would throw
  // std::bad_alloc, which the -fno-exceptions runtime cannot catch either.
  std::fputs("crate runtime: out of memory outside a call scope\n", stderr);
  std::abort();
}

void deallocate(void *ptr) {
  if (!ptr)
    return;
  Header *h = headerOf(ptr);
  if (CallScope *owner = h->owner)
    owner->unlink(h);
  releaseRaw(h);
  countLive(-1);
}

void releaseCachedBlocks() { blockCache().clear(); }

NoJump::NoJump() { ++tlsNoJump; }
NoJump::~NoJump() { --tlsNoJump; }

CallScope *currentScope() { return tlsScope; }

namespace {
/// The calling thread's scope state, restored when a scope ends.
struct SavedState {
  CallScope *scope = tlsScope;
  std::jmp_buf *jump = tlsJump;
  int noJump = tlsNoJump;
  void restore() const {
    tlsScope = scope;
    tlsJump = jump;
    tlsNoJump = noJump;
  }
};
} // namespace

bool runWorkerTask(CallScope *scope, void (*fn)(void *), void *arg) {
  const SavedState saved;
  std::jmp_buf jump;
  tlsScope = scope;
  tlsJump = scope ? &jump : nullptr;
  tlsNoJump = 0;
  if (setjmp(jump) != 0) {
    // An allocation failed in fn: the failure is recorded in the scope, and
    // what fn allocated stays in the scope's list for the caller to free.
    saved.restore();
    return false;
  }
  fn(arg);
  saved.restore();
  return true;
}

void checkWorkerFailure() {
  if (mayJump() && tlsScope->failed)
    std::longjmp(*tlsJump, 1);
}

int runInScope(int (*body)(void *), void *ctx, OnReturn onReturn,
               const char *who, void (*setError)(const char *message)) {
  const SavedState saved;
  CallScope scope;
  std::jmp_buf jump;
  tlsScope = &scope;
  tlsJump = &jump;
  tlsNoJump = 0;
  if (setjmp(jump) != 0) {
    // An allocation failed somewhere below body: nothing it allocated is
    // reachable from outside the call, so free it all.
    saved.restore();
    scope.freeAll();
    char message[256];
    std::snprintf(message, sizeof message,
                  "%s: out of memory (an allocation of %llu bytes failed); "
                  "the call was undone",
                  who, static_cast<unsigned long long>(scope.failedBytes));
    setError(message);
    return CRATE_ERROR_OUT_OF_MEMORY;
  }
  int status = body(ctx);
  saved.restore();
  if (onReturn == OnReturn::KeepOnSuccess && status == CRATE_OK)
    scope.detachAll();
  else
    scope.freeAll();
  return status;
}

} // namespace crate::rt

extern "C" {

void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return crate::rt::allocate(size, 16);
}

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  return crate::rt::allocate(size, alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) { crate::rt::deallocate(ptr); }

#ifdef CRATE_RT_FAULT_INJECTION
void crate_rt_fault_fail_at(int64_t n) {
  crate::rt::gFailAt = n;
  crate::rt::gCount = 0;
  crate::rt::gFired = false;
}

int64_t crate_rt_fault_allocations(void) { return crate::rt::gCount.load(); }

int crate_rt_fault_fired(void) { return crate::rt::gFired.load() ? 1 : 0; }

int64_t crate_rt_fault_live_blocks(void) { return crate::rt::gLive.load(); }

void crate_rt_fault_set_after_open(void (*hook)(const char *path)) {
  crate::rt::gAfterOpen = hook;
}

void crate_rt_fault_after_open(const char *path) {
  if (void (*hook)(const char *) = crate::rt::gAfterOpen.load())
    hook(path);
}
#endif

} // extern "C"
