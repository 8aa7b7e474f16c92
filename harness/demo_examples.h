/* demo_examples.h — the demo's examples: one minimal sequence per violation code and the
 * correct patterns real embedders use. isoreplay-demo replays each like any scenario
 * (in a child process), so an abort, a crash or a deadlock is observed, not suffered. */
#ifndef ISOREPLAY_DEMO_EXAMPLES_H
#define ISOREPLAY_DEMO_EXAMPLES_H

#include "checker.h"

typedef struct demo_step {
  const char *thread;  /* "T1" or "w1/task" */
  ck_op op;
  const char *isolate; /* NULL for ops without one */
  const char *js;      /* run only */
  int background;      /* the next step may start while this one runs (`&`) */
} demo_step;

#define DEMO_MAX_STEPS 24

typedef struct demo_example {
  const char *name;
  const char *shows;   /* the violation code it demonstrates, or "correct" */
  ck_model model;
  const char *story;
  demo_step steps[DEMO_MAX_STEPS]; /* ends at the first step with thread == NULL */
} demo_example;

extern const demo_example DEMO_EXAMPLES[];
extern const int DEMO_EXAMPLE_COUNT;

/* The example as scenario-language text (malloc'd), for the parser and the replay. A
 * `check` step becomes `check current none`: the demo prints what V8 really had. */
char *demo_scenario_text(const demo_example *ex);

#endif
