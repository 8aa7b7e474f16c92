/* demo_run.h — runs one demo example in this process against real V8. */
#ifndef ISOREPLAY_DEMO_RUN_H
#define ISOREPLAY_DEMO_RUN_H

#include "demo_examples.h"

/* Runs the example's steps on real threads in file order and prints a line per step.
 * Returns 0, or 3 when V8 or the session cannot start. V8 may abort the process. */
int demo_run(const demo_example *ex);

#endif
