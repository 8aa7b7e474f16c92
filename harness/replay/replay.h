/* replay.h — the deterministic multi-thread replay of a scenario through v8probe.
 *
 * One OS thread per scenario thread, started when its first step comes up and joined
 * after its last; a baton passes the global order: step i starts only after step i-1
 * has started and, unless it was sent to the background (`&`) or blocks on a Locker that
 * a later step releases, finished. Everything the replay learns leaves as protocol lines
 * (see records.h) through `emit`, in order, each written before the V8 call it
 * announces, so a parent process keeps them when V8 aborts. */
#ifndef ISOREPLAY_REPLAY_H
#define ISOREPLAY_REPLAY_H

#include "scenario.h"

/* Takes one record line (NUL-terminated; fields escaped, see records.h). */
typedef void (*replay_emit)(void *ud, const char *line);

typedef enum replay_end {
  REPLAY_DONE = 0,        /* every step ran */
  REPLAY_DEADLOCK = 1,    /* a step can never proceed; threads may still be blocked in V8 */
  REPLAY_FAILED = 3       /* an internal failure (an X record says which) */
} replay_end;

typedef struct replay_opts {
  int dry_run;            /* the checker alone, no V8 */
  replay_emit emit;
  void *emit_ud;
} replay_opts;

/* Replays the scenario. V8 must be initialised (v8p_init) unless dry_run. After
 * REPLAY_DEADLOCK or REPLAY_FAILED in a real run, threads may stay blocked inside V8:
 * end the process. */
replay_end replay_run(const scenario *s, const replay_opts *o);

#endif
