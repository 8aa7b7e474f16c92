/* probe_overhead.c — what the probe and its checker cost over raw V8, in one run.
 *
 * Prints, side by side, raw V8 against v8probe (real mode, checker on, no sink):
 *   - Enter+Exit pairs on one isolate           (target: at most 1.30x raw)
 *   - Isolate New + Enter + Context + Exit + Dispose (target: at most 1.05x raw)
 * Rounds of raw and probe alternate and the medians are compared, so a noisy
 * neighbour hits both sides alike. Usage: probe_overhead [rounds] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "v8probe.h"
#include "v8raw.h"

enum { PAIRS = 200000, LIFETIMES = 20 };

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const char *msg) {
  fprintf(stderr, "probe_overhead: %s: %s\n", what, msg);
  exit(1);
}

/* One op through the probe; exits on any status but OK. */
static int call(v8p_session *s, ck_op op, int iso, const char *name) {
  v8p_call c = {.op = op, .isolate = iso, .name = name, .task = -1};
  v8p_result r;
  if (v8p_do(s, &c, &r) != V8P_OK) die(ck_op_name(op), r.message);
  v8p_result_clear(&r);
  return r.isolate;
}

static v8p_session *open_session(void) {
  v8p_session *s;
  iso_err err;
  if (v8p_session_new(NULL, &s, &err)) die("session", err.msg);
  if (v8p_thread_attach(s, "bench", NULL, &err)) die("attach", err.msg);
  return s;
}

static void close_session(v8p_session *s) {
  v8p_thread_detach(s);
  v8p_session_free(s);
}

/* ns per Enter+Exit pair, raw. */
static double raw_pairs(v8raw_isolate *iso) {
  double t0 = now_ns();
  v8raw_enter_exit(iso, PAIRS);
  return (now_ns() - t0) / PAIRS;
}

/* ns per Enter+Exit pair through the probe (a fresh session: the log starts empty). */
static double probe_pairs(void) {
  v8p_session *s = open_session();
  int a = call(s, CK_NEW, 0, "A");
  double t0 = now_ns();
  for (long i = 0; i < PAIRS; i++) {
    call(s, CK_ENTER, a, NULL);
    call(s, CK_EXIT, a, NULL);
  }
  double ns = (now_ns() - t0) / PAIRS;
  call(s, CK_DISPOSE, a, NULL);
  close_session(s);
  return ns;
}

static double raw_lifetimes(void) {
  double t0 = now_ns();
  v8raw_new_context_dispose(LIFETIMES);
  return (now_ns() - t0) / LIFETIMES;
}

static double probe_lifetimes(void) {
  v8p_session *s = open_session();
  double t0 = now_ns();
  for (int i = 0; i < LIFETIMES; i++) {
    v8p_call c = {.op = CK_CONTEXT, .task = -1};
    v8p_result r;
    int a = call(s, CK_NEW, 0, "A");
    call(s, CK_ENTER, a, NULL);
    c.isolate = a;
    if (v8p_do(s, &c, &r) != V8P_OK) die("context", r.message);
    call(s, CK_EXIT, a, NULL);
    call(s, CK_DISPOSE, a, NULL);
  }
  double ns = (now_ns() - t0) / LIFETIMES;
  close_session(s);
  return ns;
}

static void row(const char *what, double raw, double probe, const char *unit, double scale,
                double target) {
  double ratio = probe / raw;
  printf("%-30s %10.2f %-3s %10.2f %-3s %7.3fx   <= %.2fx  %s\n", what, raw / scale, unit,
         probe / scale, unit, ratio, target, ratio <= target ? "met" : "MISSED");
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 11;
  if (rounds < 1 || rounds > 1000) die("usage", "probe_overhead [rounds 1..1000]");
  iso_err err;
  if (v8p_init(argv[0], &err)) die("init", err.msg);
  double *rp = calloc((size_t)rounds, sizeof *rp), *pp = calloc((size_t)rounds, sizeof *pp);
  double *rl = calloc((size_t)rounds, sizeof *rl), *pl = calloc((size_t)rounds, sizeof *pl);
  if (!rp || !pp || !rl || !pl) die("memory", "out of memory");

  v8raw_isolate *warm = v8raw_new();
  raw_pairs(warm);
  probe_pairs();
  raw_lifetimes();
  probe_lifetimes();
  for (int i = 0; i < rounds; i++) {
    rp[i] = raw_pairs(warm);
    pp[i] = probe_pairs();
    rl[i] = raw_lifetimes();
    pl[i] = probe_lifetimes();
  }
  v8raw_dispose(warm);

  printf("isoreplay probe overhead — V8 %s, %d rounds (medians; raw and probe alternate)\n",
         v8p_v8_version(), rounds);
  printf("%-30s %14s %14s %8s   %s\n", "", "raw V8", "v8probe", "ratio", "target");
  row("Enter+Exit pair", median(rp, rounds), median(pp, rounds), "ns", 1.0, 1.30);
  row("New+Enter+Context+Exit+Dispose", median(rl, rounds), median(pl, rounds), "ms", 1e6, 1.05);
  free(rp);
  free(pp);
  free(rl);
  free(pl);
  return 0;
}
