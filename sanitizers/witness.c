/* witness.c — the TSan annotations behind witness.h (empty without TSan). */
#include "witness.h"

#ifdef ISOREPLAY_TSAN

/* TSan's dynamic annotations and its acquire/release interface (tsan_interface.h). */
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

static _Thread_local int quiet_depth;  /* quiet levels this thread has entered */
static _Thread_local int loud_saved;   /* levels left by witness_loud_begin() */

static void quiet_on(void) {
  AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
}

static void quiet_off(void) {
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}

void witness_quiet_begin(void) {
  quiet_on();
  quiet_depth++;
}

void witness_quiet_end(void) {
  if (quiet_depth == 0) return;
  quiet_depth--;
  quiet_off();
}

void witness_loud_begin(void) {
  loud_saved = quiet_depth;
  for (int i = 0; i < loud_saved; i++) quiet_off();
  quiet_depth = 0;
}

void witness_loud_end(void) {
  for (int i = 0; i < loud_saved; i++) quiet_on();
  quiet_depth = loud_saved;
  loud_saved = 0;
}

void witness_acquire(void *addr) { __tsan_acquire(addr); }
void witness_release(void *addr) { __tsan_release(addr); }

#else
typedef int witness_unused; /* ISO C wants a translation unit to declare something */
#endif
