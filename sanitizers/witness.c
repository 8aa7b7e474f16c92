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
/* Levels left by each witness_loud_begin(), innermost last: a block's callback runs
 * quiet steps, with loud V8 calls of their own, inside a loud V8 call. */
enum { LOUD_NESTING = 64 };
static _Thread_local int loud_saved[LOUD_NESTING];
static _Thread_local int loud_top;

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
  int saved = quiet_depth;
  if (loud_top < LOUD_NESTING) loud_saved[loud_top] = saved;
  loud_top++;
  for (int i = 0; i < saved; i++) quiet_off();
  quiet_depth = 0;
}

void witness_loud_end(void) {
  if (loud_top == 0) return;
  loud_top--;
  int saved = loud_top < LOUD_NESTING ? loud_saved[loud_top] : 0;
  for (int i = 0; i < quiet_depth; i++) quiet_off();  /* levels left open inside */
  for (int i = 0; i < saved; i++) quiet_on();
  quiet_depth = saved;
}

void witness_acquire(void *addr) { __tsan_acquire(addr); }
void witness_release(void *addr) { __tsan_release(addr); }

#else
typedef int witness_unused; /* ISO C wants a translation unit to declare something */
#endif
