/* runner.h — runs one scenario and returns its report: a real replay in a child process
 * (records streamed to this process as they happen, the timeout enforced, how the child
 * ended recorded), or a dry run in this process (checker only, no V8). */
#ifndef ISOREPLAY_RUNNER_H
#define ISOREPLAY_RUNNER_H

#include "report.h"

typedef struct run_opts {
  int dry_run;
  const char *flavor;     /* the build flavor, for `skip` and the report */
} run_opts;

/* NULL only when out of memory. The report's expectations are already checked. */
report *run_scenario(const scenario *s, const run_opts *o);

#endif
