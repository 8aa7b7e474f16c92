/* runtime_cost.c — what one replay costs on each V8 runtime, child process included: the
 * built-in libnode child (a fork) beside each Node runtime's (fork, exec `node`, load the
 * probe addon), for a scenario of three steps, so the cost is the child's start-up.
 * Medians of the rounds, side by side, with the ratio to the libnode child.
 *
 * Usage: runtime_cost [rounds] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 15;
  if (rounds < 1) rounds = 1;
  static const char text[] = "title \"three steps\"\nT1: new A\nT1: enter A\nT1: run A \"6 * 7\" => \"42\"\n"
                             "T1: exit A\nT1: dispose A\n";
  scenario *s;
  runtime *rts;
  int n;
  iso_err err;
  if (scn_parse("bench.scn", text, strlen(text), &s, &err) || runtimes_load(&rts, &n, &err)) {
    fprintf(stderr, "runtime_cost: %s\n", err.msg);
    return 1;
  }
  double *ms = calloc((size_t)rounds, sizeof *ms), base = 0;
  printf("runtime_cost: %d rounds per runtime, median wall time of one replay (child included)\n", rounds);
  for (int k = 0; k < n; k++) {
    for (int i = 0; i < rounds; i++) {
      run_opts o = {0, "default", 0, &rts[k]};
      report *r = report_run(s, &o);
      if (!r || !r->met) {
        fprintf(stderr, "runtime_cost: the replay on V8 %s did not pass\n", rts[k].name);
        return 1;
      }
      ms[i] = r->wall_ms;
      report_free(r);
    }
    qsort(ms, (size_t)rounds, sizeof *ms, cmp);
    double med = ms[rounds / 2];
    if (k == 0) base = med;
    printf("V8 %-5s %-48.48s %7.1f ms  %5.2fx the libnode child\n", rts[k].name, rts[k].origin, med, med / base);
  }
  free(ms);
  runtimes_free(rts, n);
  scn_free(s);
  return 0;
}
