/* testing.h — hooks for the probe's own tests (tests/probe_test.cc, tests/canary.c);
 * nothing else calls them, so they stay out of include/. C11. */
#ifndef ISOREPLAY_V8PROBE_TESTING_H
#define ISOREPLAY_V8PROBE_TESTING_H

#include "v8probe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The real Isolate::GetCurrent() of the calling thread as an isolate id. */
int v8p_real_current(v8p_session *s);
/* Interrupts delivered to an isolate's RequestInterrupt callback so far. */
int v8p_interrupts_delivered(v8p_session *s, int isolate);
/* A function the probe calls from inside V8's interrupt callback (so its stack passes
 * through libnode frames), or NULL. Process-wide. */
void v8p_set_interrupt_hook(void (*hook)(void *ud), void *ud);

#ifdef __cplusplus
}
#endif
#endif
