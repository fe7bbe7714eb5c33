//===- Soak.cpp - create/forward/destroy cycles and threaded forwards ------===//
//
// The soak run of issue 14 on libcrate_mini (weights embedded), as a user
// links it. Phase 1: CYCLES create/forward/destroy cycles. Phase 2: FORWARDS
// forward calls on one model from THREADS threads. Every result is compared
// bit for bit with the first one. Resident memory (/proc/self/statm) is
// sampled after a warm-up, during each phase and at the end; the program
// fails if it grew by more than the tolerance, or on any error or mismatch.
//
//   crate-soak [--cycles N] [--forwards N] [--threads N] [--batch N]
//              [--tolerance-kib N] [--samples N]
//
// Defaults: the full run (10000 cycles, 100000 forwards, 4 threads,
// batch 1, tolerance 4096 KiB). scripts/soak.sh runs it.
//
//===----------------------------------------------------------------------===//

#include "crate_mini.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

long residentKiB() {
  long pages = 0, resident = 0;
  std::FILE *f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return -1;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  std::fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

struct Options {
  long cycles = 10000, forwards = 100000, threads = 4, batch = 1;
  long toleranceKiB = 4096, samples = 10;
};

bool parse(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    long *target = a == "--cycles"          ? &o.cycles
                   : a == "--forwards"      ? &o.forwards
                   : a == "--threads"       ? &o.threads
                   : a == "--batch"         ? &o.batch
                   : a == "--tolerance-kib" ? &o.toleranceKiB
                   : a == "--samples"       ? &o.samples
                                            : nullptr;
    char *end = nullptr;
    if (!target || i + 1 >= argc ||
        (*target = std::strtol(argv[++i], &end, 10), *end != '\0') ||
        *target < 0) {
      std::fprintf(stderr, "crate-soak: bad argument '%s'\n", a.c_str());
      return false;
    }
  }
  if (o.threads < 1 || o.batch < 1 || o.samples < 1) {
    std::fprintf(stderr, "crate-soak: --threads, --batch, --samples >= 1\n");
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parse(argc, argv, o))
    return 2;

  std::vector<float> input(o.batch * CRATE_MINI_INPUT_SIZE);
  uint32_t s = 1;
  for (float &x : input) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / float(1 << 23) - 1.0f;
  }
  const size_t outFloats = o.batch * CRATE_MINI_OUTPUT_SIZE;
  std::vector<float> want(outFloats);
  std::atomic<long> errors{0}, mismatches{0};

  // Warm-up: the first calls grow the allocator's arenas and the thread
  // pools (if any) to their working size; RSS is measured from there.
  crate_mini_model *model = nullptr;
  for (int i = 0; i < 3; ++i) {
    if (crate_mini_create(nullptr, &model) != CRATE_OK ||
        crate_mini_forward(model, input.data(), o.batch, want.data()) !=
            CRATE_OK) {
      std::fprintf(stderr, "crate-soak: warm-up failed: %s\n",
                   crate_mini_last_error(model));
      return 1;
    }
    crate_mini_destroy(model);
  }
  {
    // And a threaded warm-up, so per-thread arenas exist too.
    if (crate_mini_create(nullptr, &model) != CRATE_OK)
      return 1;
    std::vector<std::thread> ts;
    for (long t = 0; t < o.threads; ++t)
      ts.emplace_back([&] {
        std::vector<float> out(outFloats);
        for (int i = 0; i < 3; ++i)
          crate_mini_forward(model, input.data(), o.batch, out.data());
      });
    for (std::thread &t : ts)
      t.join();
    crate_mini_destroy(model);
  }
  const long start = residentKiB();
  long peak = start;
  // The first and last samples of each phase: within a phase, with its
  // model(s) and threads alive, RSS must stay flat too.
  long first1 = -1, last1 = -1, first2 = -1, last2 = -1;
  std::printf("crate-soak: %ld cycles, %ld forwards on %ld threads, batch "
              "%ld; RSS after warm-up %ld KiB\n",
              o.cycles, o.forwards, o.threads, o.batch, start);
  std::fflush(stdout);

  // Phase 1: create/forward/destroy cycles.
  auto t0 = std::chrono::steady_clock::now();
  const long every1 = o.cycles / o.samples ? o.cycles / o.samples : 1;
  std::vector<float> out(outFloats);
  for (long i = 0; i < o.cycles; ++i) {
    crate_mini_model *m = nullptr;
    if (crate_mini_create(nullptr, &m) != CRATE_OK) {
      ++errors;
      continue;
    }
    if (crate_mini_forward(m, input.data(), o.batch, out.data()) != CRATE_OK)
      ++errors;
    else if (std::memcmp(out.data(), want.data(), outFloats * 4) != 0)
      ++mismatches;
    crate_mini_destroy(m);
    if ((i + 1) % every1 == 0 || i + 1 == o.cycles) {
      long rss = residentKiB();
      peak = rss > peak ? rss : peak;
      first1 = first1 < 0 ? rss : first1;
      last1 = rss;
      std::printf("  cycles %7ld  RSS %7ld KiB  %.1f s\n", i + 1, rss,
                  seconds(t0));
      std::fflush(stdout);
    }
  }
  const long afterCycles = residentKiB();

  // Phase 2: forwards from several threads on one model.
  auto t1 = std::chrono::steady_clock::now();
  if (crate_mini_create(nullptr, &model) != CRATE_OK)
    return 1;
  std::atomic<long> next{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (long t = 0; t < o.threads; ++t)
    workers.emplace_back([&] {
      std::vector<float> mine(outFloats);
      while (next.fetch_add(1) < o.forwards) {
        if (crate_mini_forward(model, input.data(), o.batch, mine.data()) !=
            CRATE_OK)
          ++errors;
        else if (std::memcmp(mine.data(), want.data(), outFloats * 4) != 0)
          ++mismatches;
      }
    });
  // Sample while the workers run.
  const long every2 = o.forwards / o.samples ? o.forwards / o.samples : 1;
  long reported = 0;
  std::thread sampler([&] {
    while (!done) {
      long n = next.load();
      if (n >= reported + every2 || n >= o.forwards) {
        long rss = residentKiB();
        peak = rss > peak ? rss : peak;
        first2 = first2 < 0 ? rss : first2;
        last2 = rss;
        reported = n < o.forwards ? n : o.forwards;
        std::printf("  forwards %7ld  RSS %7ld KiB  %.1f s\n", reported, rss,
                    seconds(t1));
        std::fflush(stdout);
        if (n >= o.forwards)
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  for (std::thread &t : workers)
    t.join();
  done = true;
  sampler.join();
  crate_mini_destroy(model);
  const long end = residentKiB();
  peak = end > peak ? end : peak;

  std::printf("crate-soak: RSS start %ld KiB, after the cycles %ld KiB, end "
              "%ld KiB, peak %ld KiB; growth %+ld KiB (tolerance %ld KiB)\n",
              start, afterCycles, end, peak, end - start, o.toleranceKiB);
  std::printf("crate-soak: cycles %.1f s, forwards %.1f s; errors %ld, "
              "mismatches %ld\n",
              seconds(t0) - seconds(t1), seconds(t1), errors.load(),
              mismatches.load());
  std::printf("crate-soak: within the cycles %ld -> %ld KiB, within the "
              "threaded forwards %ld -> %ld KiB\n",
              first1, last1, first2, last2);
  bool ok = errors == 0 && mismatches == 0 && end - start <= o.toleranceKiB &&
            afterCycles - start <= o.toleranceKiB &&
            last1 - first1 <= o.toleranceKiB && last2 - first2 <= o.toleranceKiB;
  std::printf("crate-soak: %s\n", ok ? "PASSED" : "FAILED");
  return ok ? 0 : 1;
}
