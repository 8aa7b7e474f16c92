/* v8probe.h — real V8 behind a C API, with the checker's verdict on every call.
 *
 * Compiles as C11 (-Wall -Wextra -Werror -pedantic); includes no V8 or C++ header.
 * Set-up calls follow the project's error convention (common/iso_err.h); v8p_do()
 * returns the step's outcome. No C++ exception crosses this header.
 *
 * One call, v8p_do(), performs one step of an embedding on the calling thread:
 *   1. feeds the event to the checker and hands it, with the verdict, to the session's
 *      sink, so the record exists even if V8 then aborts;
 *   2. calls V8, unless the session is a dry run or the call would touch a disposed
 *      isolate (a use-after-free is never executed: its outcome is not reproducible);
 *   3. reads the real Isolate::GetCurrent() and records it beside the ideal one
 *      (tls-divergence when they part).
 * A thread must v8p_thread_attach() to a session before its first v8p_do(). */
#ifndef ISOREPLAY_V8PROBE_H
#define ISOREPLAY_V8PROBE_H

#include <stddef.h>

#include "checker.h"
#include "iso_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of one step. */
typedef enum v8p_status {
  V8P_OK = 0,
  V8P_ERR_ARG,          /* a bad argument: unknown isolate id, missing script, ... */
  V8P_ERR_STATE,        /* not initialised, thread not attached, V8 already shut down */
  V8P_NOT_EXECUTED,     /* V8 was deliberately not called (use-after-free, no Locker
                           object on this thread to destroy); the verdict still stands */
  V8P_ERR_V8,           /* V8 reported an error (a fatal error whose handler returned) */
  V8P_ERR_NOMEM,
  V8P_ERR_INTERNAL      /* a C++ exception or an impossible state inside the probe */
} v8p_status;

#define V8P_MESSAGE_MAX 512

const char *v8p_status_name(v8p_status s);

/* Process-wide: sets up V8's platform once (later calls do nothing). argv0 may be NULL.
 * Returns 0, or -1 with err. V8 stays up until the process ends. */
int v8p_init(const char *argv0, iso_err *err);
/* "10.2.154.26-node.37" once initialised (or from the headers before). */
const char *v8p_v8_version(void);

typedef enum v8p_fatal_mode {
  V8P_FATAL_ABORT,     /* like V8 itself: print "# Fatal error in ..." and trap (SIGTRAP) */
  V8P_FATAL_CONTINUE   /* an embedder whose handler returns: the V8 call goes on */
} v8p_fatal_mode;

typedef enum v8p_run_outcome {
  V8P_RUN_NONE = 0,    /* not a run, or not executed */
  V8P_RUN_VALUE,       /* text holds the result converted to a string */
  V8P_RUN_THREW,       /* text holds the exception message (may be empty) */
  V8P_RUN_TERMINATED   /* TerminateExecution ended the script */
} v8p_run_outcome;

/* What the sink is told of an op on a thread: once when the op starts (done == 0, with
 * the verdict) and once when V8 returns (done == 1). */
typedef struct v8p_event {
  int step, thread, task;
  ck_op op;
  int isolate;           /* isolate id (a lifetime), CK_NONE when the op has none */
  int done;
  int executed;          /* V8 was called */
  v8p_status status;
  int real_current;      /* after the call: isolate id, CK_NONE or CK_UNKNOWN */
  int ideal_current;     /* after the call, what a correct embedding would have */
  v8p_run_outcome run;
} v8p_event;

/* Called for every event, in order, with the violations it raised (at start: the
 * verdict; at completion: a tls-divergence). Also called with ev == NULL when V8 reports
 * a fatal error, with `fatal` = "location: message", and at v8p_end(). Called under the
 * session's lock: never concurrently for one session. The violations' names stay valid
 * for the session's life. */
typedef void (*v8p_sink)(void *ud, const v8p_event *ev, const ck_violation *v, size_t nv,
                         const char *fatal);

/* A block's callback: called on the thread of a run (or gc) whose call had `block` set,
 * from inside V8, when its block is reached: the script's first call of the global
 * function host() during that run, or the second-pass weak callback of the first handle
 * that gc collects. `step` is the run's (or gc's) step. The thread may call v8p_do() from
 * inside it; when it returns, host() returns undefined (or the callback ends). In a dry
 * run it is called from v8p_do() itself: for a run always, for a gc when the checker's gc
 * collected a weak handle. Not called under the session's lock. */
typedef void (*v8p_block_fn)(void *ud, int step);

typedef struct v8p_options {
  ck_model model;
  int dry_run;           /* checker only: no V8 call, no observation */
  v8p_fatal_mode fatal;
  v8p_sink sink;         /* may be NULL */
  void *sink_ud;
  v8p_block_fn block;    /* may be NULL: blocks are never reached */
  void *block_ud;
} v8p_options;

typedef struct v8p_session v8p_session;

/* A new session (its own checker) in *out. opt may be NULL for the defaults: model v8,
 * real mode, fatal errors abort. Returns 0, or -1 with err. */
int v8p_session_new(const v8p_options *opt, v8p_session **out, iso_err *err);
/* Frees the session after its threads are done. Isolates still alive that no thread
 * has entered or locked are disposed (the leak was reported by v8p_end); the rest are
 * left to the process. */
void v8p_session_free(v8p_session *s);
/* The session's checker: read it only while no thread calls v8p_do(). */
ck_checker *v8p_checker(v8p_session *s);

/* Binds the calling thread to the session under a name; *thread gets its id (a slot
 * that a later thread may reuse once this one is detached). Returns 0, or -1 with err
 * (out of memory, or CK_MAX_THREADS threads at once). v8p_thread_detach() unbinds it
 * after its `end`. */
int v8p_thread_attach(v8p_session *s, const char *name, int *thread, iso_err *err);
void v8p_thread_detach(v8p_session *s);
/* A task id for v8p_call.task (-1 on out of memory). */
int v8p_task(v8p_session *s, const char *name);

typedef struct v8p_call {
  ck_op op;
  int isolate;           /* id from a previous `new` (v8p_result.isolate); ignored for new;
                            handle ops: the handle's isolate */
  const char *name;      /* new: the isolate's name */
  int step;
  int task;              /* from v8p_task(), or -1 */
  const char *js;        /* run: the script */
  const char *context;   /* context, run, global, persistent: the context name (NULL: "main") */
  int background;        /* run: the script counts as running until v8p_run_done(), so
                            verdicts do not depend on when a background run finishes */
  int line;              /* the step's source line, for messages (0: unknown) */
  const char *handle;    /* global, persistent: the new handle's name; open, reset, weak:
                            the handle's */
  int context_of;        /* run ... in NAME of Y: Y's isolate id; CK_NONE: the run's own */
  const char *sync;      /* spawn, join: the thread's name; send, recv: the channel's;
                            acquire, release: the mutex's */
  int block;             /* run, gc: a block runs inside (see v8p_block_fn) */
} v8p_call;

typedef struct v8p_result {
  v8p_status status;
  int executed;
  int isolate;           /* new: the id of the new isolate */
  int real_current, ideal_current;
  size_t first_violation, violations;  /* the verdict: range in ck_violation_at() */
  long divergence;       /* index of the tls-divergence raised after the call, or -1 */
  v8p_run_outcome run;
  char *text;            /* run: value or exception message; free with v8p_result_clear */
  size_t text_len;       /* its bytes: a JS string may hold NUL characters */
  int bool_value;        /* is-terminating, and in model rusty_v8 terminate,
                            cancel-terminate and interrupt: what the call returned */
  int has_bool;          /* bool_value holds an answer */
  int waiting;           /* a sync op (join, recv, acquire) must wait: v8p_waiting() says
                            until when */
  int block_reached;     /* run, gc with `block`: the block's callback was called */
  char message[V8P_MESSAGE_MAX];  /* why, when status != V8P_OK; also notes */
} v8p_result;

/* Performs one op on the calling thread (see the top of this file). `r` may be NULL.
 * A lock or relock returns once the Locker is held. */
v8p_status v8p_do(v8p_session *s, const v8p_call *call, v8p_result *r);
void v8p_result_clear(v8p_result *r);

/* The end of the scenario: leaked isolates and deadlocks. Returns violations raised. */
size_t v8p_end(v8p_session *s, int step);

/* A background run of the calling thread on `isolate` is over (see v8p_call.background). */
void v8p_run_done(v8p_session *s, int isolate);
/* 1 while the calling thread's sync op (v8p_result.waiting) still waits: the release,
 * send or thread end that serves it is fed by another thread's v8p_do(). */
int v8p_waiting(v8p_session *s);
/* 1 while that thread (an id from v8p_thread_attach) waits for a Locker, a mutex, a
 * message or a thread's end (safe while other threads run). */
int v8p_thread_waiting(v8p_session *s, int thread);
/* Dry runs only: the calling thread, which asked for the isolate's Locker while another
 * thread held it, now gets it (in a real run V8's Locker decides, and the probe notes it). */
void v8p_acquired(v8p_session *s, int isolate);
/* The thread id holding the isolate's Locker, or -1 (safe while other threads run). */
int v8p_lock_owner(v8p_session *s, int isolate);

/* The latest isolate id registered under a name, or CK_NONE. */
int v8p_isolate_id(v8p_session *s, const char *name);
/* The name of an isolate id ("none" for CK_NONE, "unknown" for CK_UNKNOWN) and of a
 * thread id; valid for the session's life, safe while other threads run. */
const char *v8p_isolate_name(v8p_session *s, int isolate);
const char *v8p_thread_name(v8p_session *s, int thread);
/* 1 once the checker ran out of memory (a verdict may be missing). */
int v8p_failed(v8p_session *s);

#ifdef __cplusplus
}
#endif
#endif
