/* rec_scenario.h — a recorded program's log (rec_log.h) as a scenario: threads named
 * after their OS thread names, isolates A, B, ... in creation order, each call a step,
 * the checker's verdicts as `! code` expectations (so the scenario replays to the same
 * verdicts), back-to-back repetitions of a pattern (a watchdog's terminate loop, a
 * request loop) as `repeat`, a terminate or interrupt that raised nothing written at most
 * 1,000 times alike (the rest counted in a comment), within the parser's limits, calls of a thread inside its own script run as the run's host-callback
 * block, and what the process left alive at its exit as explicit `end` steps and
 * end-of-scenario expectations. */
#ifndef ISOREPLAY_REC_SCENARIO_H
#define ISOREPLAY_REC_SCENARIO_H

#include <stddef.h>

#include "iso_err.h"
#include "strbuf.h"

typedef struct rec_summary {
  long calls;      /* V8 calls recorded */
  long threads;    /* threads that called V8 */
  long isolates;   /* isolate lifetimes */
  long written;    /* steps written (after expanding `repeat`) */
  long cut;        /* calls past the caps, not written */
  long counted;    /* frequent terminate/interrupt calls counted instead of written */
} rec_summary;

/* Reads the log at log_path and appends the scenario to *out; command is the recorded
 * command line (for the title). Returns 0, or -1 with err (an unreadable or malformed
 * log). */
int rec_scenario_write(const char *log_path, const char *command, strbuf *out, rec_summary *sum, iso_err *err);
/* The counts alone (calls, threads, isolates), when no scenario is wanted: a pass over the
 * log, without the text (which takes a tenth of a second per 100,000 calls). 0, or -1. */
int rec_scenario_count(const char *log_path, rec_summary *sum, iso_err *err);

#endif
