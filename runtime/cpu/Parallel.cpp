//===- Parallel.cpp - images of a batch spread over the cores -------------===//

#include "Parallel.h"

#include "Allocator.h"

#include <atomic>
#include <cstdlib>
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
/// Helper threads not in use by any call.
std::atomic<int> &helperBudget() {
  static std::atomic<int> budget{availableCores() - 1};
  return budget;
}

struct Work {
  int64_t n;
  void (*task)(void *, int64_t);
  void *ctx;
  std::atomic<int64_t> next{0};
  CallScope *scope;
};

void drain(void *arg) {
  auto *work = static_cast<Work *>(arg);
  for (int64_t i; (i = work->next.fetch_add(1)) < work->n;)
    work->task(work->ctx, i);
}

void *helperMain(void *arg) {
  auto *work = static_cast<Work *>(arg);
  runWorkerTask(work->scope, drain, work);
  return nullptr;
}

/// Takes up to `want` helpers from the budget; returns how many it got.
int takeHelpers(int want) {
  std::atomic<int> &budget = helperBudget();
  int have = budget.load();
  while (want > 0 && have > 0) {
    int take = have < want ? have : want;
    if (budget.compare_exchange_weak(have, have - take))
      return take;
  }
  return 0;
}
} // namespace

void parallelFor(int64_t n, int maxThreads,
                 void (*task)(void *ctx, int64_t i), void *ctx) {
  Work work{n, task, ctx, {}, currentScope()};
  int want = static_cast<int>(
      (n < maxThreads ? n : static_cast<int64_t>(maxThreads)) - 1);
  int helpers = takeHelpers(want);
  // A fixed array, not a std::vector: no standard-allocator memory may be
  // alive in the frame that may jump (Allocator.h). pthread_create reports
  // failure instead of aborting: the caller then does more of the work.
  constexpr int kMaxHelpers = 256;
  if (helpers > kMaxHelpers) {
    helperBudget() += helpers - kMaxHelpers;
    helpers = kMaxHelpers;
  }
  pthread_t threads[kMaxHelpers];
  int started = 0;
  for (; started < helpers; ++started)
    if (pthread_create(&threads[started], nullptr, helperMain, &work) != 0)
      break;
  // The caller's own share runs under a jump point of its own too: an
  // allocation failure in it must not jump out of this frame while the
  // helpers still run (they use `work` and the call's buffers, which the
  // call's scope frees after the jump: a use-after-free TSan found). The
  // failure is recorded in the scope; checkWorkerFailure() reports it.
  runWorkerTask(work.scope, drain, &work);
  for (int i = 0; i < started; ++i)
    pthread_join(threads[i], nullptr);
  helperBudget() += helpers;
}

} // namespace crate::rt
