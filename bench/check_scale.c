/* check_scale.c — what `check` and `--dry-run` cost per step as scenarios grow, in one
 * run: a scenario of N isolates (new ... then dispose ... on one thread) and one of N
 * threads (each takes a shared isolate's Locker, enters, exits, unlocks, and ends), at a
 * small and a large N. Linear time means the same cost per step at both sizes: the
 * ratio column should stay near 1.0 (target: at most 1.5). Medians of the rounds.
 *
 * Usage: check_scale [rounds] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "strbuf.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static char *isolates_text(int n) {
  strbuf b = {0};
  sb_printf(&b, "title \"%d isolates\"\nrepeat %d as i\n  T1: new I$i\ndone\nrepeat %d as i\n  T1: dispose I$i\ndone\n", n, n, n);
  return sb_take(&b);
}

static char *threads_text(int n) {
  strbuf b = {0};
  sb_printf(&b, "title \"%d threads\"\nmain: new A\nrepeat %d as i\n  T$i: lock A\n  T$i: enter A\n  T$i: exit A\n"
            "  T$i: unlock A\ndone\nmain: lock A\nmain: unlock A\nmain: dispose A\n", n, n);
  return sb_take(&b);
}

/* Seconds per step of `check` (parse and checks) and of a dry run, medians of rounds. */
static void measure(char *(*text_of)(int), int n, int rounds, double *check, double *dry, int *steps) {
  double *c = calloc((size_t)rounds, sizeof *c), *d = calloc((size_t)rounds, sizeof *d);
  char *text = text_of(n);
  for (int k = 0; k < rounds; k++) {
    scenario *s;
    iso_err err;
    double t0 = now_s();
    if (scn_parse("bench.scn", text, strlen(text), &s, &err)) {
      fprintf(stderr, "check_scale: %s", err.msg);
      exit(1);
    }
    double t1 = now_s();
    run_opts o = {1, "default", 0, NULL};
    report *r = report_run(s, &o);
    double t2 = now_s();
    if (!r || !r->met) {
      fprintf(stderr, "check_scale: the %d-scenario did not pass its dry run\n", n);
      exit(1);
    }
    *steps = s->nsteps;
    c[k] = (t1 - t0) / s->nsteps;
    d[k] = (t2 - t1) / s->nsteps;
    report_free(r);
    scn_free(s);
  }
  qsort(c, (size_t)rounds, sizeof *c, cmp);
  qsort(d, (size_t)rounds, sizeof *d, cmp);
  *check = c[rounds / 2];
  *dry = d[rounds / 2];
  free(text);
  free(c);
  free(d);
}

static void row(const char *what, char *(*text_of)(int), int small, int large, int rounds) {
  double cs, ds, cl, dl;
  int ss, sl;
  measure(text_of, small, rounds, &cs, &ds, &ss);
  measure(text_of, large, rounds, &cl, &dl, &sl);
  printf("%-9s %7d steps: check %6.2f us/step  dry run %6.2f us/step | %7d steps: check %6.2f us/step  "
         "dry run %6.2f us/step | ratio check %.2fx dry run %.2fx (target <= 1.5x)\n",
         what, ss, cs * 1e6, ds * 1e6, sl, cl * 1e6, dl * 1e6, cl / cs, dl / ds);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 3;
  if (rounds < 1) rounds = 1;
  printf("check_scale: %d rounds, medians; linear time keeps the cost per step flat\n", rounds);
  row("isolates", isolates_text, 10000, 100000, rounds);
  row("threads", threads_text, 400, 4000, rounds);
  return 0;
}
