/* fma_peak: the f32 FMA rate of some cores, measured.
 *
 *     cc -O2 -march=native -ffp-contract=fast -pthread -o fma_peak fma_peak.c
 *     ./fma_peak THREADS CORES [SECONDS]      e.g. ./fma_peak 2 0,1 1.0
 *
 * Starts THREADS threads, thread i pinned to the i-th core of CORES (a comma
 * separated list, used round robin).  Each thread runs NACC independent
 * chains acc = acc * x + y on the widest vectors the compiler targets (GCC
 * vector extensions: 512 bits with AVX-512, 256 with AVX, else 128), enough
 * chains to cover the FMA latency on two ports, all in registers: the loop
 * body is NACC vfmadd on registers, no loads or stores.  After a warm-up
 * (0.3 s, which also lets the cores reach the clock they run wide vectors
 * at) each thread runs the loop for SECONDS (default 1) and counts its FMAs.
 * Prints one JSON line; gflops = sum over threads of 2 * lanes * FMAs / time.
 *
 * The clock lscpu reports is not the one the cores run at (turbo, AVX-512
 * licence, the hypervisor), so the rate is measured, not computed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#define VBYTES 64
#define NACC 12 /* 32 registers: 12 chains + x + y */
#elif defined(__AVX__)
#define VBYTES 32
#define NACC 10 /* 16 registers: 10 chains + x + y */
#else
#define VBYTES 16
#define NACC 10
#endif
#define LANES (VBYTES / 4)

typedef float vf __attribute__((vector_size(VBYTES)));

/* FMAs per chain between two looks at the clock. */
#define INNER 4096

struct job {
  int core;
  double seconds;
  double warmup;
  pthread_barrier_t *barrier;
  double fmas;    /* vector FMAs done in the timed part */
  double elapsed; /* its seconds */
  float sink;
  int pinned;
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static volatile float g_x = 0.999999f, g_y = 1e-6f;

/* Runs the chains until `seconds` have passed; returns the vector FMAs. */
static double run(double seconds, float *sink) {
  vf x, y;
  for (int i = 0; i < LANES; ++i) {
    x[i] = g_x;
    y[i] = g_y;
  }
  /* Separate variables, not an array: each stays in its register. */
  vf a0 = y, a1 = y + y, a2 = a1 + y, a3 = a2 + y, a4 = a3 + y, a5 = a4 + y,
     a6 = a5 + y, a7 = a6 + y, a8 = a7 + y, a9 = a8 + y;
#if NACC == 12
  vf a10 = a9 + y, a11 = a10 + y;
#endif
  double n = 0;
  double end = now() + seconds;
  do {
    for (int i = 0; i < INNER; ++i) {
      a0 = a0 * x + y;
      a1 = a1 * x + y;
      a2 = a2 * x + y;
      a3 = a3 * x + y;
      a4 = a4 * x + y;
      a5 = a5 * x + y;
      a6 = a6 * x + y;
      a7 = a7 * x + y;
      a8 = a8 * x + y;
      a9 = a9 * x + y;
#if NACC == 12
      a10 = a10 * x + y;
      a11 = a11 * x + y;
#endif
    }
    n += (double)INNER * NACC;
  } while (now() < end);
  vf s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
#if NACC == 12
  s += a10 + a11;
#endif
  float t = 0;
  for (int i = 0; i < LANES; ++i)
    t += s[i];
  *sink = t;
  return n;
}

static void *thread_main(void *p) {
  struct job *j = p;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(j->core, &set);
  j->pinned = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
  run(j->warmup, &j->sink);
  pthread_barrier_wait(j->barrier);
  double t0 = now();
  j->fmas = run(j->seconds, &j->sink);
  j->elapsed = now() - t0;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s THREADS CORES [SECONDS]   e.g. %s 2 0,1 1.0\n",
            argv[0], argv[0]);
    return 2;
  }
  int threads = atoi(argv[1]);
  double seconds = argc > 3 ? atof(argv[3]) : 1.0;
  int cores[1024], ncores = 0;
  char *list = strdup(argv[2]);
  for (char *tok = strtok(list, ","); tok && ncores < 1024;
       tok = strtok(NULL, ","))
    cores[ncores++] = atoi(tok);
  if (threads < 1 || threads > 1024 || ncores < 1 || seconds <= 0) {
    fprintf(stderr, "%s: bad arguments\n", argv[0]);
    return 2;
  }
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, threads);
  struct job *jobs = calloc(threads, sizeof *jobs);
  pthread_t *tids = calloc(threads, sizeof *tids);
  for (int i = 0; i < threads; ++i) {
    jobs[i].core = cores[i % ncores];
    jobs[i].seconds = seconds;
    jobs[i].warmup = 0.3;
    jobs[i].barrier = &barrier;
    if (pthread_create(&tids[i], NULL, thread_main, &jobs[i]) != 0) {
      fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
      return 1;
    }
  }
  double gflops = 0;
  int pinned = 1;
  float sink = 0;
  for (int i = 0; i < threads; ++i) {
    pthread_join(tids[i], NULL);
    gflops += 2.0 * LANES * jobs[i].fmas / jobs[i].elapsed * 1e-9;
    pinned &= jobs[i].pinned;
    sink += jobs[i].sink;
  }
  printf("{\"gflops\": %.3f, \"threads\": %d, \"cores\": \"%s\", "
         "\"vector_bits\": %d, \"accumulators\": %d, \"seconds\": %.3f, "
         "\"pinned\": %s, \"per_thread_gflops\": [",
         gflops, threads, argv[2], VBYTES * 8, NACC, seconds,
         pinned ? "true" : "false");
  for (int i = 0; i < threads; ++i)
    printf("%s%.3f", i ? ", " : "",
           2.0 * LANES * jobs[i].fmas / jobs[i].elapsed * 1e-9);
  /* The chains' sum, printed so that the compiler keeps them. */
  printf("], \"checksum\": %.3f}\n", sink);
  return 0;
}
