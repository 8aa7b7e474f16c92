/* replay_overhead.c — what the replay's scheduler costs, in one run.
 *
 *   1. The cross-thread baton handoff: a two-thread scenario whose steps alternate
 *      threads; each handoff is the time from one step's end record to the next step's
 *      start record on the other thread. Median and 90th percentile (target: median at
 *      most 20 us).
 *   2. A 100-isolate scenario (new, enter, context, run, exit; then dispose all),
 *      replayed through the scheduler and the probe, against a straight program making
 *      the same V8 calls on one thread (target: at most 1.10x). Rounds alternate; medians.
 *
 * Both replays run in this process (no child), so the comparison is of the same work.
 * Usage: replay_overhead [rounds] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"
#include "v8probe.h"
#include "v8raw.h"

enum { HANDOFF_STEPS = 2000, ISOLATES = 100 };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double pct(double *v, int n, double p) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[(int)(p * (n - 1))];
}

static void die(const char *m) {
  fprintf(stderr, "replay_overhead: %s\n", m);
  exit(1);
}

static scenario *parse(const char *text) {
  scenario *s;
  iso_err err;
  if (scn_parse("bench.scn", text, strlen(text), &s, &err)) die(err.msg);
  return s;
}

/* Start and end times (us) of each step, from the records. */
typedef struct times { double *start, *end; } times;

static void collect(void *ud, const char *line) {
  times *t = ud;
  if ((line[0] == 'S' || line[0] == 'E') && line[1] == '\t') {
    int step = atoi(line + 2);
    const char *f = strchr(line + 2, '\t');
    if (step >= 1 && step <= HANDOFF_STEPS && f) (line[0] == 'S' ? t->start : t->end)[step - 1] = atof(f + 1);
  }
}

static void ignore(void *ud, const char *line) {
  (void)ud;
  (void)line;
}

static void handoffs(void) {
  size_t cap = (size_t)HANDOFF_STEPS * 32 + 64;
  char *text = malloc(cap);
  if (!text) die("out of memory");
  size_t at = (size_t)snprintf(text, cap, "title \"ping-pong\"\n");
  for (int i = 0; i < HANDOFF_STEPS; i++)
    at += (size_t)snprintf(text + at, cap - at, "%s: check current none\n", i % 2 ? "pong" : "ping");
  scenario *s = parse(text);
  free(text);
  times t = {calloc(HANDOFF_STEPS, sizeof(double)), calloc(HANDOFF_STEPS, sizeof(double))};
  double *gap = calloc(HANDOFF_STEPS, sizeof(double));
  if (!t.start || !t.end || !gap) die("out of memory");
  replay_opts o = {0, collect, &t};
  if (replay_run(s, &o) != REPLAY_DONE) die("the ping-pong replay did not finish");
  int n = 0;
  for (int i = 0; i + 1 < HANDOFF_STEPS; i++) gap[n++] = t.start[i + 1] - t.end[i];
  double med = pct(gap, n, 0.5), p90 = pct(gap, n, 0.9);
  printf("%-38s %8.2f us  (p90 %.2f us, %d handoffs)   <= 20 us  %s\n", "baton handoff between threads, median",
         med, p90, n, med <= 20 ? "met" : "MISSED");
  free(t.start);
  free(t.end);
  free(gap);
  scn_free(s);
}

static void hundred(int rounds) {
  const char *text =
      "title \"100 isolates\"\n"
      "repeat 100 as i\n  T: new I$i\n  T: enter I$i\n  T: run I$i \"1 + 1\" => \"2\"\n  T: exit I$i\ndone\n"
      "repeat 100 as i\n  T: dispose I$i\ndone\n";
  scenario *s = parse(text);
  double *rep = calloc((size_t)rounds, sizeof *rep), *raw = calloc((size_t)rounds, sizeof *raw);
  if (!rep || !raw) die("out of memory");
  replay_opts o = {0, ignore, NULL};
  replay_run(s, &o);  /* warm up both */
  v8raw_many_isolates(ISOLATES, "1 + 1");
  for (int r = 0; r < rounds; r++) {
    double t0 = now_ms();
    if (replay_run(s, &o) != REPLAY_DONE) die("the 100-isolate replay did not finish");
    rep[r] = now_ms() - t0;
    t0 = now_ms();
    v8raw_many_isolates(ISOLATES, "1 + 1");
    raw[r] = now_ms() - t0;
  }
  double mr = pct(rep, rounds, 0.5), mw = pct(raw, rounds, 0.5);
  printf("%-38s %8.2f ms  straight C++ %.2f ms  ratio %.3fx   <= 1.10x  %s\n",
         "replay of a 100-isolate scenario", mr, mw, mr / mw, mr / mw <= 1.10 ? "met" : "MISSED");
  free(rep);
  free(raw);
  scn_free(s);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 15;
  if (rounds < 1 || rounds > 1000) die("usage: replay_overhead [rounds 1..1000]");
  iso_err err;
  if (v8p_init(argv[0], &err)) die(err.msg);
  printf("isoreplay replay overhead: V8 %s, %d rounds (medians)\n", v8p_v8_version(), rounds);
  handoffs();
  hundred(rounds);
  return 0;
}
