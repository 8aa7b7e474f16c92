/* sim.h — a scenario as a program: its threads, the order each keeps, what a step must
 * wait for, and the checker fed one step at a time in any order the program allows.
 *
 * The model (docs/explore.md): each thread runs its steps in file order. A step waits
 * for the step that made what it names (an isolate's `new`, a handle's `global`, a
 * context), for its thread's `spawn`, for its block's opener (another thread's steps in a
 * block are what the callback sets off; nothing makes the callback wait for them: that
 * takes a `recv`), for the previous step of its task, and, after a background run that
 * only a terminate ends (`=> terminated &`), for a terminate of that isolate. Lockers, mutexes, channels and joins
 * wait as the checker says (ck_waiting); a Locker let go goes to its longest waiter at
 * once, as the replay hands it over. Everything else may interleave. Feeding follows the
 * dry run exactly (v8probe's dry path), so the file's own order gives the dry run's
 * verdicts. */
#ifndef ISOREPLAY_SIM_H
#define ISOREPLAY_SIM_H

#include "checker.h"
#include "scenario.h"

/* What a scenario is as a program, computed once. */
typedef struct sim_prog {
  const scenario *s;
  int nthreads;
  char **thread_names;  /* borrowed from the steps */
  int **steps;          /* steps[t]: the thread's step indexes in file order */
  int *nsteps;
  int *thread_of;       /* step index -> thread */
  int **deps;           /* deps[i]: steps that must have run before step i (another thread's) */
  int *ndeps;
  int **alt_deps;       /* alt_deps[i]: one of these must have run (the makers of a context) */
  int *nalt_deps;
  unsigned char *global_step;  /* a step that conflicts with every other (a thread's end) */
  char ***footprint;    /* footprint[i]: the objects step i touches (isolates, handles, sync) */
  int *nfootprint;
} sim_prog;

/* 0, or -1 out of memory. */
int sim_prog_init(sim_prog *p, const scenario *s);
void sim_prog_free(sim_prog *p);
/* 1 when steps i and j (of two threads) commute: what the checker says of either does
 * not depend on their order. */
int sim_independent(const sim_prog *p, int i, int j);

/* One execution. */
typedef struct sim sim;

sim *sim_new(const sim_prog *p);
void sim_free(sim *m);
/* The next step of thread t, or -1 when it has none left. */
int sim_next(const sim *m, int t);
/* 1 when thread t's next step may run now. */
int sim_enabled(const sim *m, int t);
/* Runs thread t's next step (it must be enabled); its codes are in sim_codes(). */
void sim_step(sim *m, int t);
/* No thread can go on: feeds the end (deadlocks, leaks). 1 when threads were left with
 * steps (a deadlock), else 0. */
int sim_finish(sim *m);
/* The codes raised at step i so far (a bit set of ck_code), and at the end (i == -1). */
unsigned sim_codes(const sim *m, int i);
/* The checker, for its violations' messages. */
const ck_checker *sim_checker(const sim *m);
/* The order the steps ran in (skipped ones, in a block never reached, left out). */
const int *sim_order(const sim *m, int *n);
/* 1 when step i was skipped (a block never reached: a gc that collected no weak handle). */
int sim_skipped(const sim *m, int i);
/* 1 when the checker ran out of memory (a verdict may be missing). */
int sim_failed(const sim *m);

#endif
