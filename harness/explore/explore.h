/* explore.h — the other interleavings of a scenario, checked by the checker alone.
 *
 * Systematic: every schedule of the program (sim.h) with at most `bound` preemptions
 * (a switch away from a thread that could go on; CHESS's iterative context bounding),
 * depth first, stateless (each schedule re-executes its prefix), with sleep sets so that
 * schedules differing only in the order of independent steps are checked once. Or PCT
 * (Burckhardt et al., ASPLOS 2010): `runs` random schedules from `seed`, each with random
 * thread priorities and depth-1 points where the running thread drops to the lowest.
 *
 * A finding is a violation code at a step (or at the end) that some schedule raises and
 * the file's own order does not; its witness is the first schedule found with the fewest
 * preemptions. */
#ifndef ISOREPLAY_EXPLORE_H
#define ISOREPLAY_EXPLORE_H

#include "checker.h"
#include "iso_err.h"
#include "scenario.h"

typedef struct explore_opts {
  int bound;           /* preemption bound (systematic search) */
  int pct;             /* PCT instead */
  unsigned long seed;  /* PCT */
  long runs;           /* PCT: schedules */
  int pct_depth;       /* PCT: d (d-1 priority change points) */
  long max_schedules;  /* stop after this many schedules checked (0: no limit) */
  int no_reduction;    /* no sleep sets: every schedule within the bound (for comparison) */
} explore_opts;

typedef struct explore_finding {
  ck_code code;
  int step;            /* the step index it is raised at, -1 at the end */
  int preemptions;     /* in its witness */
  int *order, norder;  /* the witness: step indexes in the order they ran */
  unsigned *codes;     /* the witness's codes per step (nsteps entries) */
  unsigned end_codes;
  char message[CK_MESSAGE_MAX];
} explore_finding;

typedef struct explore_result {
  long schedules;      /* complete schedules checked */
  long pruned;         /* branches cut by sleep sets: each the same as one checked */
  long bounded;        /* cut by the preemption bound */
  long deadlocked;     /* schedules that ended with threads stuck */
  int capped;          /* max_schedules stopped the search: it is incomplete */
  unsigned *baseline;  /* the file's own order: codes per step */
  unsigned baseline_end;
  explore_finding *findings;
  int nfindings;
  double ms;
} explore_result;

/* Explores s. 0, or -1 with err (out of memory; a scenario too large to explore). */
int explore_run(const scenario *s, const explore_opts *o, explore_result *r, iso_err *err);
void explore_result_free(explore_result *r);
/* The checker's codes of s in the file's own order (what its dry run raises): per step
 * into codes[nsteps], the end's into *end_codes. 0, or -1 out of memory. */
int explore_file_order(const scenario *s, unsigned *codes, unsigned *end_codes);

#endif
