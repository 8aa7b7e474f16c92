/* checker.h — the isolate-lifetime checker: a V8-free state machine in C11.
 *
 * Fed one event at a time (thread, task, op, isolate, step), it keeps the state a
 * correct embedding would have (per thread: the ideal entry stack, the runs on its stack,
 * what it waits for; per isolate: life state, entries per thread, Locker owner and depth,
 * Unlocker state, last user; per handle: its isolate and whether it was reset; the
 * embedder's own mutexes, channels and thread ends) and appends violations with a stable
 * code, a severity and a message with the fix. See docs/violations.md for the catalog.
 *
 * Not thread-safe: the caller serialises calls (v8probe holds a lock around them).
 * Exception: ck_ideal_current() and ck_thread_diverging() of thread T may be called by
 * T itself without the lock, because only events of T change T's entry stack. */
#ifndef ISOREPLAY_CHECKER_H
#define ISOREPLAY_CHECKER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Operations, in the words of the scenario language. */
typedef enum ck_op {
  CK_NEW,              /* Isolate::New; rusty_v8 model: then Enter */
  CK_DISPOSE,          /* Isolate::Dispose */
  CK_DROP,             /* OwnedIsolate drop: expects current==X, Exit, Dispose */
  CK_ENTER,
  CK_EXIT,
  CK_LOCK,             /* v8::Locker requested; ck_acquired() once it is held */
  CK_UNLOCK,           /* v8::Locker destroyed */
  CK_UNLOCKER,         /* v8::Unlocker constructed */
  CK_RELOCK,           /* v8::Unlocker destroyed; ck_acquired() once relocked */
  CK_CONTEXT,          /* HandleScope + Context::New */
  CK_RUN,              /* HandleScope + Context::Scope + compile + run; ck_run_done() after */
  CK_GC,               /* LowMemoryNotification */
  CK_TERMINATE,        /* TerminateExecution: legal from any thread, not a use */
  CK_CANCEL_TERMINATE, /* CancelTerminateExecution: likewise */
  CK_INTERRUPT,        /* RequestInterrupt: likewise */
  CK_IS_TERMINATING,   /* IsExecutionTerminating: likewise */
  CK_CHECK_CURRENT,    /* an assertion about real V8; no state change */
  CK_AWAIT,            /* the step's task suspends (needs a task) */
  CK_WAIT,             /* wait for this thread's background step */
  CK_THREAD_END,       /* the thread ends */
  /* Second edition. Handle ops name the handle in ck_event.object (ck_add_handle) and
   * its isolate in ck_event.isolate. */
  CK_GLOBAL,           /* HandleScope + a new object + v8::Global */
  CK_PERSISTENT,       /* the same in a v8::Persistent (its destructor does not Reset) */
  CK_OPEN,             /* HandleScope + Local::New(this thread's current isolate, H) */
  CK_RESET,            /* Global::Reset; rusty_v8: dropping the Global */
  CK_WEAK,             /* Global::SetWeak: collectable by the next gc of its isolate */
  CK_HEAP_STATS,       /* GetHeapStatistics: a use, no entering needed */
  CK_MEMORY_PRESSURE,  /* MemoryPressureNotification: legal from any thread */
  /* The embedder's own synchronisation: ck_event.object is from ck_sync_id(). */
  CK_SPAWN,            /* a thread starts (object: its CK_SYNC_THREAD) */
  CK_JOIN,             /* wait until a thread has ended (object: its CK_SYNC_THREAD) */
  CK_SEND,             /* a message on a channel */
  CK_RECV,             /* take a message, waiting for one */
  CK_ACQUIRE,          /* the embedder's mutex (not a v8::Locker), waiting while held */
  CK_RELEASE,
  CK_BLOCK_END,        /* `}`: the host callback (or weak callback) of a block returns */
  CK_OP_COUNT
} ck_op;

/* Violation codes: stable, documented in docs/violations.md. */
typedef enum ck_code {
  CK_DROP_ORDER,
  CK_EXIT_ORDER,
  CK_EXIT_UNENTERED,
  CK_DISPOSE_ENTERED,
  CK_DISPOSE_LOCKED,
  CK_USE_AFTER_DISPOSE,
  CK_NOT_ENTERED,
  CK_UNLOCKED_SHARED,
  CK_WRONG_THREAD,
  CK_LOCKING_REQUIRED,
  CK_LOCKER_MISUSE,
  CK_THREAD_EXIT_ENTERED,
  CK_SUSPEND_WHILE_ENTERED,
  CK_DEADLOCK,
  CK_LEAKED_ISOLATE,
  CK_TLS_DIVERGENCE,
  CK_GLOBAL_AFTER_DISPOSE,
  CK_CROSS_ISOLATE,
  CK_LEAKED_GLOBAL,
  CK_CODE_COUNT
} ck_code;

typedef enum ck_severity { CK_ERROR, CK_WARNING } ck_severity;

typedef enum ck_model {
  CK_MODEL_V8,       /* the raw C++ API */
  CK_MODEL_RUSTY_V8  /* OwnedIsolate: new enters, drop asserts current, exits, disposes */
} ck_model;

/* Special values of an isolate id (real ids are >= 1, one per lifetime). */
enum { CK_NONE = 0, CK_UNKNOWN = -1 };

typedef struct ck_event {
  ck_op op;
  int thread;   /* from ck_add_thread */
  int task;     /* from ck_add_task, or -1 */
  int isolate;  /* from ck_add_isolate, or CK_NONE for ops without one */
  int step;     /* the caller's step number (scenario line or sequence) */
  int object;   /* handle ops: ck_add_handle(); sync ops: ck_sync_id(); run: the isolate
                   whose context it runs in when not its own (`in NAME of Y`), else 0 */
  int line;     /* the source line, for messages that point back to a step (0: unknown) */
  int block;    /* run, gc: the step opens a block (a host or weak callback runs inside) */
} ck_event;

/* Kinds of the embedder's synchronisation objects. */
typedef enum ck_sync_kind { CK_SYNC_MUTEX, CK_SYNC_CHANNEL, CK_SYNC_THREAD } ck_sync_kind;
/* What a sync op names (ck_op_is_sync): a thread for spawn and join, a channel for send
 * and recv, a mutex for acquire and release. */
ck_sync_kind ck_op_sync_kind(ck_op op);

#define CK_MESSAGE_MAX 480

typedef struct ck_violation {
  ck_code code;
  ck_severity severity;
  int step;
  int thread;     /* the slot of the event's thread, or -1 */
  int task;       /* -1 when none */
  int isolate;    /* CK_NONE when the violation names none */
  /* Names of the above ("" when none), valid until ck_free(): a thread's slot may be
   * reused after it ends, its name stays. */
  const char *thread_name, *task_name, *isolate_name;
  char message[CK_MESSAGE_MAX]; /* names the isolates and threads involved */
} ck_violation;

typedef struct ck_checker ck_checker;

/* Catalog. ck_code_name(CK_DROP_ORDER) is "drop-order"; ck_code_parse() returns 0 and
 * sets *out when name is a code, -1 otherwise. ck_code_fix() is the one-paragraph fix. */
const char *ck_code_name(ck_code code);
int ck_code_parse(const char *name, ck_code *out);
ck_severity ck_code_severity(ck_code code);
const char *ck_code_summary(ck_code code);
const char *ck_code_fix(ck_code code);
const char *ck_severity_name(ck_severity s);
const char *ck_op_name(ck_op op);
/* True for ops that are "uses" of the isolate, subject to the thread and Locker rules
 * (new, enter, exit, context, run, gc, dispose, drop, global, persistent, open, reset,
 * weak, heap-stats); terminate, cancel-terminate, interrupt, is-terminating and
 * memory-pressure are legal from any thread and are not. */
int ck_op_is_use(ck_op op);
/* True for ops that are the embedder's own synchronisation (spawn ... release). */
int ck_op_is_sync(ck_op op);

/* A new checker (NULL on out of memory). */
ck_checker *ck_new(ck_model model);
void ck_free(ck_checker *ck);

/* Register a thread / task / isolate lifetime by name; return its id, or -1 when out of
 * memory or past CK_MAX_THREADS threads alive at once. A thread id is a slot: once the
 * thread has ended, ck_release_thread() gives it back and a later thread reuses it, so
 * any number of threads may come and go. An isolate id names one lifetime: register a
 * new one for each `new`, even when the name or V8's address repeats. */
#define CK_MAX_THREADS (1 << 20)  /* alive at once, or ended with isolates entered or locked */
int ck_add_thread(ck_checker *ck, const char *name);
int ck_add_task(ck_checker *ck, const char *name);
int ck_add_isolate(ck_checker *ck, const char *name);
/* A handle (`global H of A`, `persistent H of A`) of an isolate lifetime; its id, or -1
 * when out of memory. */
int ck_add_handle(ck_checker *ck, const char *name, int isolate, int persistent);
/* The id of the mutex, channel or thread (for spawn and join) with this name, registered
 * on first use; -1 when out of memory. */
int ck_sync_id(ck_checker *ck, ck_sync_kind kind, const char *name);
/* The thread (after its end) will send no more events: its slot is reused, unless it
 * still has isolates entered, Lockers held or Unlockers or runs open, which stay in
 * force for the isolates (their slot is then kept). Returns 1 when the slot was freed. */
int ck_release_thread(ck_checker *ck, int thread);

const char *ck_thread_name(const ck_checker *ck, int thread);
const char *ck_task_name(const ck_checker *ck, int task);
const char *ck_isolate_name(const ck_checker *ck, int isolate);
/* 1 when the op on this isolate must not be executed against V8 (disposed: a
 * use-after-free whose outcome is not reproducible). In model rusty_v8, terminate,
 * cancel-terminate, interrupt and is-terminating go through the thread-safe
 * IsolateHandle, which checks the isolate is alive: never 1 for them. */
int ck_would_use_freed(const ck_checker *ck, const ck_event *ev);

/* Feed one event before it is executed. Returns how many violations it raised; they
 * are the last ones of ck_violation_at(). */
size_t ck_feed(ck_checker *ck, const ck_event *ev);
/* A lock or relock requested earlier by this thread is now held. */
void ck_acquired(ck_checker *ck, int thread, int isolate);
/* A run (or a gc with a block) started earlier by this thread has finished. */
void ck_run_done(ck_checker *ck, int thread, int isolate);
/* 1 while the thread waits for a Locker, a mutex, a message or a thread's end; the
 * release, send or end that satisfies the wait hands it over inside the checker. */
int ck_waiting(const ck_checker *ck, int thread);
/* How many weak handles the thread's latest gc collected (its block runs when >= 1). */
int ck_gc_collected(const ck_checker *ck, int thread);
/* The real Isolate::GetCurrent() of `thread` after the step (an isolate id, CK_NONE or
 * CK_UNKNOWN). Raises tls-divergence once per episode. Returns violations raised. */
size_t ck_observe(ck_checker *ck, int thread, int real_current, int step);
/* The end of the scenario: deadlock for threads still waiting (a Locker, a mutex, a
 * message, a join), leaked-isolate for isolates never disposed, leaked-global for
 * globals never reset whose isolate was disposed. Returns violations raised. */
size_t ck_end(ck_checker *ck, int step);

/* The isolate a correct embedding would have current on `thread` (CK_NONE if none). */
int ck_ideal_current(const ck_checker *ck, int thread);
/* 1 while `thread` is inside a tls-divergence episode. */
int ck_thread_diverging(const ck_checker *ck, int thread);
/* The thread holding the isolate's Locker, or -1. */
int ck_lock_owner(const ck_checker *ck, int isolate);

/* 1 once the checker ran out of memory: a verdict may be missing, so a run that saw
 * this must not pass. */
int ck_failed(const ck_checker *ck);

size_t ck_violation_count(const ck_checker *ck);
const ck_violation *ck_violation_at(const ck_checker *ck, size_t i);

#ifdef __cplusplus
}
#endif
#endif
