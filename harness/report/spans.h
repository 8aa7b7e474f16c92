/* spans.h — what each thread held over time, computed once from a replay's steps for
 * every view (the JSON report, the Perfetto trace, the HTML swimlanes). */
#ifndef ISOREPLAY_SPANS_H
#define ISOREPLAY_SPANS_H

#include "report.h"

typedef enum span_kind {
  SPAN_ENTERED,     /* an isolate on the thread's entry stack (as the embedder meant it) */
  SPAN_LOCKED,      /* the thread holds the isolate's v8::Locker */
  SPAN_BACKGROUND,  /* a `&` step still running */
  SPAN_TASK         /* consecutive steps of one task on the thread */
} span_kind;

typedef struct span {
  span_kind kind;
  const char *thread;
  const char *name;   /* the isolate, or the task */
  int from, to;       /* 1-based steps, inclusive: the span opens at `from` and closes at `to` */
  int open;           /* still open when the replay ended (or was cut short) */
} span;

/* The spans of a report's reached steps, in opening order. Returns the count (*out is
 * malloc'd; names point into the scenario), or -1 when out of memory. */
int spans_compute(const report *r, span **out);
const char *span_kind_name(span_kind k);

/* Cross-thread handoffs: a Locker released on one thread and taken on another, an isolate
 * created on one thread and first used on another, a terminate or interrupt sent to a
 * thread that runs the isolate. */
typedef struct handoff {
  const char *what;   /* "locker", "created", "terminate", "interrupt" */
  const char *isolate;
  int from, to;       /* 1-based steps on two different threads */
} handoff;

/* The same for handoffs: the count, or -1 when out of memory. */
int handoffs_compute(const report *r, handoff **out);

#endif
