/* witness.h — keeps ThreadSanitizer an independent witness of a replay (C11).
 *
 * Under TSan, a replay must show TSan only the synchronization the replayed program
 * would have: V8's Locker, thread joins. The scheduler's baton, the checker's lock and
 * the record stream would otherwise order every step and hide every race. So:
 *   - scenario threads, the monitor and the caller of replay_run() run *quiet*: TSan
 *     ignores their synchronization and memory accesses (witness_quiet_begin/end nest);
 *   - v8probe turns *loud* only around the V8 call of a step, the touch of the
 *     isolate's shadow word (an instrumented word per isolate that every use writes),
 *     and the happens-before edges it gives on purpose (witness_acquire/release).
 * Two threads using one isolate without a Locker then race on its shadow word, in
 * TSan's eyes as in the real program. Without TSan all of this compiles to nothing. */
#ifndef ISOREPLAY_WITNESS_H
#define ISOREPLAY_WITNESS_H

#if defined(__SANITIZE_THREAD__)
#define ISOREPLAY_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ISOREPLAY_TSAN 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef ISOREPLAY_TSAN
void witness_quiet_begin(void);
void witness_quiet_end(void);
/* Leaves every quiet level of this thread; witness_loud_end() restores them. Nests (a
 * block's callback runs quiet steps with loud calls of their own inside a loud call). */
void witness_loud_begin(void);
void witness_loud_end(void);
void witness_acquire(void *addr);
void witness_release(void *addr);
#else
static inline void witness_quiet_begin(void) {}
static inline void witness_quiet_end(void) {}
static inline void witness_loud_begin(void) {}
static inline void witness_loud_end(void) {}
static inline void witness_acquire(void *addr) { (void)addr; }
static inline void witness_release(void *addr) { (void)addr; }
#endif

#ifdef __cplusplus
}
#endif
#endif
