//===- Parallel.cpp - the runtime's thread pool ---------------------------===//

#include "Parallel.h"

#include "Allocator.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <pthread.h>
#include <sched.h>

namespace crate::rt {

int availableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

int defaultThreads() {
  if (const char *env = std::getenv("CRATE_NUM_THREADS")) {
    char *end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1 && n <= 1024)
      return static_cast<int>(n);
  }
  return availableCores();
}

namespace {

/// Threads a region started on this thread may use (0: defaultThreads()).
/// Set by parallelFor for each task it runs, so the regions of a model's
/// loops follow the thread count of the forward call that runs them.
thread_local int tlsRegionThreads = 0;

/// One parallel region: ranges of [0, n) handed out `grain` at a time.
struct Region {
  int64_t n = 0, grain = 1;
  void (*body)(void *, int64_t, int64_t) = nullptr;
  void *ctx = nullptr;
  int innerThreads = 1; // for regions started inside this one's ranges
  CallScope *scope = nullptr;
  std::atomic<int64_t> next{0};
  std::atomic<int> pending{0}; // helpers still working on it
};

void drain(void *arg) {
  auto *region = static_cast<Region *>(arg);
  tlsRegionThreads = region->innerThreads;
  for (;;) {
    int64_t begin = region->next.fetch_add(region->grain);
    if (begin >= region->n)
      break;
    int64_t end = begin + region->grain;
    region->body(region->ctx, begin, end < region->n ? end : region->n);
  }
}

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class Pool {
public:
  static Pool &get() {
    static Pool pool;
    return pool;
  }

  /// Takes up to `want` idle helpers; returns how many, their ids in `ids`.
  int take(int want, int *ids) {
    if (want <= 0)
      return 0;
    std::lock_guard<std::mutex> lock(idleMutex);
    startHelpersLocked();
    int got = 0;
    while (got < want && idleCount > 0)
      ids[got++] = idle[--idleCount];
    return got;
  }

  /// Takes back a region a helper has not started yet (it was slow to
  /// wake: preempted, or asleep): true when the helper will not run it, and
  /// is idle again.
  bool revoke(int id, Region *region) {
    Region *expected = region;
    if (!helpers[id].job.compare_exchange_strong(expected, nullptr))
      return false;
    std::lock_guard<std::mutex> lock(idleMutex);
    idle[idleCount++] = id;
    return true;
  }

  void assign(int id, Region *region) {
    Helper &h = helpers[id];
    {
      std::lock_guard<std::mutex> lock(h.mutex);
      h.job.store(region, std::memory_order_release);
    }
    h.wake.notify_one();
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(idleMutex);
      stopping.store(true);
    }
    for (int i = 0; i < started; ++i) {
      {
        std::lock_guard<std::mutex> lock(helpers[i].mutex);
      }
      helpers[i].wake.notify_one();
    }
    for (int i = 0; i < started; ++i)
      pthread_join(helpers[i].thread, nullptr);
  }

private:
  static constexpr int kMaxHelpers = 255;
  // About 50-100 microseconds of pause instructions before sleeping.
  static constexpr int kSpins = 2000;

  struct Helper {
    Pool *pool = nullptr;
    int id = 0;
    pthread_t thread{};
    std::atomic<Region *> job{nullptr};
    std::mutex mutex;
    std::condition_variable wake;
  };

  Pool() = default;

  void startHelpersLocked() {
    if (tried)
      return;
    tried = true;
    int want = availableCores() - 1;
    if (want > kMaxHelpers)
      want = kMaxHelpers;
    // pthread_create reports failure instead of aborting: the pool then
    // has fewer helpers and the callers do more of the work.
    for (; started < want; ++started) {
      Helper &h = helpers[started];
      h.pool = this;
      h.id = started;
      if (pthread_create(&h.thread, nullptr, helperMain, &h) != 0)
        break;
      idle[idleCount++] = started;
    }
  }

  /// Claims the job in h's slot (the caller may revoke it until then).
  static Region *claim(Helper &h) {
    Region *r = h.job.load(std::memory_order_acquire);
    if (r && r != running() &&
        h.job.compare_exchange_strong(r, running(), std::memory_order_acq_rel))
      return r;
    return nullptr;
  }

  /// The next region this helper runs, or null when the pool stops.
  Region *waitForJob(Helper &h) {
    for (;;) {
      for (int i = 0; i < kSpins; ++i) {
        if (Region *r = claim(h))
          return r;
        if (stopping.load(std::memory_order_relaxed))
          return nullptr;
        cpuRelax();
      }
      std::unique_lock<std::mutex> lock(h.mutex);
      h.wake.wait(lock, [&] {
        return h.job.load(std::memory_order_acquire) || stopping.load();
      });
      if (stopping.load())
        return nullptr;
    }
  }

  /// The slot's value while its helper runs a region.
  static Region *running() { return reinterpret_cast<Region *>(alignof(Region)); }

  static void *helperMain(void *arg) {
    auto &h = *static_cast<Helper *>(arg);
    Pool &pool = *h.pool;
    while (Region *region = pool.waitForJob(h)) {
      runWorkerTask(region->scope, drain, region);
      h.job.store(nullptr, std::memory_order_relaxed);
      // Idle again before the caller sees the region done, so a region
      // that follows at once can take this helper.
      {
        std::lock_guard<std::mutex> lock(pool.idleMutex);
        pool.idle[pool.idleCount++] = h.id;
      }
      region->pending.fetch_sub(1, std::memory_order_release);
    }
    return nullptr;
  }

  Helper helpers[kMaxHelpers];
  std::mutex idleMutex;
  int idle[kMaxHelpers] = {};
  int idleCount = 0;
  int started = 0;
  bool tried = false;
  std::atomic<bool> stopping{false};
};

/// Runs `region` on the calling thread and up to maxThreads - 1 helpers.
/// No standard-allocator memory is alive here: the caller may jump after it
/// (Allocator.h).
void runRegion(Region &region, int maxThreads) {
  region.scope = currentScope();
  int want = maxThreads - 1;
  int64_t ranges = (region.n + region.grain - 1) / region.grain;
  if (want > ranges - 1)
    want = static_cast<int>(ranges - 1);
  int ids[256];
  if (want > 255)
    want = 255;
  Pool &pool = Pool::get();
  int helpers = pool.take(want, ids);
  region.pending.store(helpers, std::memory_order_relaxed);
  for (int i = 0; i < helpers; ++i)
    pool.assign(ids[i], &region);
  // The caller's own share runs under a jump point of its own too: an
  // allocation failure in it must not jump out of this frame while the
  // helpers still use the region and the call's buffers (a use-after-free
  // TSan found in the first version). The failure is recorded in the scope;
  // checkWorkerFailure() reports it.
  int saved = tlsRegionThreads;
  runWorkerTask(region.scope, drain, &region);
  tlsRegionThreads = saved;
  // Helpers that have not started by now find nothing left to do: take
  // them back instead of waiting until the scheduler runs them (another
  // process on their core would make every region wait a time slice).
  for (int i = 0; i < helpers; ++i)
    if (pool.revoke(ids[i], &region))
      region.pending.fetch_sub(1, std::memory_order_relaxed);
  for (int spins = 0; region.pending.load(std::memory_order_acquire) != 0;
       ++spins)
    if (spins < 2000)
      cpuRelax();
    else
      sched_yield();
}

struct TaskAdapter {
  void (*task)(void *, int64_t);
  void *ctx;
};

void runTasks(void *arg, int64_t begin, int64_t end) {
  auto *adapter = static_cast<TaskAdapter *>(arg);
  for (int64_t i = begin; i < end; ++i)
    adapter->task(adapter->ctx, i);
}

} // namespace

void parallelFor(int64_t n, int maxThreads,
                 void (*task)(void *ctx, int64_t i), void *ctx) {
  TaskAdapter adapter{task, ctx};
  Region region;
  region.n = n;
  region.body = runTasks;
  region.ctx = &adapter;
  region.innerThreads = maxThreads;
  runRegion(region, maxThreads);
}

} // namespace crate::rt

extern "C" void crate_rt_parallel_region(int64_t n,
                                         void (*body)(void *, int64_t,
                                                      int64_t),
                                         void *ctx) {
  using namespace crate::rt;
  int threads = tlsRegionThreads ? tlsRegionThreads : defaultThreads();
  if (threads <= 1 || n <= 1) {
    if (n > 0)
      body(ctx, 0, n);
    return;
  }
  Region region;
  region.n = n;
  // A few ranges per thread: they balance uneven ranges without making
  // the hand-out itself costly.
  region.grain = n / (4 * static_cast<int64_t>(threads));
  if (region.grain < 1)
    region.grain = 1;
  region.body = body;
  region.ctx = ctx;
  region.innerThreads = 1;
  runRegion(region, threads);
  checkWorkerFailure();
}
