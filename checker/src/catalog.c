/* catalog.c — names, severities, summaries and fixes of the violation codes and ops.
 * The text here is what users read next to every violation; docs/violations.md
 * expands each entry with an example and what each V8 version does. */
#include "checker.h"

#include <string.h>

typedef struct code_info {
  const char *name;
  ck_severity severity;
  const char *summary;
  const char *fix;
} code_info;

static const code_info CODES[CK_CODE_COUNT] = {
  [CK_DROP_ORDER] = {"drop-order", CK_ERROR,
    "an isolate is dropped while it is not the thread's current one",
    "Drop isolates in the reverse order of creation on each thread, or keep one isolate "
    "per thread. In a pool or an async runtime, exit each isolate right after creating it "
    "and enter it only around each use, so no other isolate sits above it when it is "
    "dropped."},
  [CK_EXIT_ORDER] = {"exit-order", CK_ERROR,
    "Exit of an isolate that is not on top of this thread's entry stack",
    "Nest Enter/Exit strictly (use Isolate::Scope, not bare Enter/Exit), so the last "
    "isolate entered is the first exited. Where uses interleave, exit after each use and "
    "enter again around the next one."},
  [CK_EXIT_UNENTERED] = {"exit-unentered", CK_ERROR,
    "Exit on a thread that has not entered the isolate, or more exits than enters",
    "Exit an isolate only on the thread that entered it, once per Enter, ideally through "
    "Isolate::Scope. To stop another thread's isolate, send that thread a message or call "
    "TerminateExecution through a thread-safe handle; never Exit it from outside."},
  [CK_DISPOSE_ENTERED] = {"dispose-entered", CK_ERROR,
    "Dispose while a thread still has the isolate entered",
    "Exit the isolate on every thread that entered it before disposing it, on every path, "
    "errors included (Isolate::Scope ends before Dispose). Dispose on the owning thread "
    "after it has let go; other threads ask it to finish by message."},
  [CK_DISPOSE_LOCKED] = {"dispose-locked", CK_ERROR,
    "Dispose while a thread, the disposing one included, holds the isolate's Locker",
    "Dispose only after every thread has released its v8::Locker, the disposing thread "
    "included: join or signal the user threads first, let your own Locker go out of scope "
    "(Isolate::Scope and Locker end), then dispose with no Locker held."},
  [CK_USE_AFTER_DISPOSE] = {"use-after-dispose", CK_ERROR,
    "an operation on an isolate that has been disposed (said once per isolate and thread)",
    "Never keep a raw Isolate* past Dispose. Cross-thread control goes through a handle "
    "that is invalidated on dispose (like rusty_v8's IsolateHandle, whose terminate then "
    "returns false), and users stop before the owner disposes."},
  [CK_NOT_ENTERED] = {"not-entered", CK_ERROR,
    "running script or opening scopes on an isolate that is not current on this thread",
    "Enter the isolate (Isolate::Scope) on this thread before HandleScope, Context::New or "
    "running script, and make sure no other isolate was entered above it since."},
  [CK_UNLOCKED_SHARED] = {"unlocked-shared", CK_ERROR,
    "a thread uses an isolate that another thread has entered or is running, without a Locker",
    "An isolate is single-threaded: give each thread its own isolate, or guard every use "
    "on every thread with a v8::Locker (and Isolate::Scope inside it). To stop running "
    "JS from another thread use TerminateExecution, which needs no Locker."},
  [CK_WRONG_THREAD] = {"wrong-thread", CK_ERROR,
    "an isolate used on another thread than its last user, without a Locker handoff",
    "Move an isolate between threads only under a v8::Locker: the new thread takes the "
    "Locker before any use (a top-level Locker resets the thread's stack limits). An "
    "async task must exit its isolate before it can resume on another worker, or run on "
    "a dedicated thread."},
  [CK_LOCKING_REQUIRED] = {"locking-required", CK_ERROR,
    "a use (enter, exit, context, run, gc, handles, heap-stats) without the Locker of an "
    "isolate that has been locked before",
    "Once any thread has used a v8::Locker on an isolate, every thread must hold its "
    "Locker for every use: take v8::Locker before Isolate::Scope and HandleScope, and end "
    "Isolate::Scope before the Locker. Only the last user may dispose it without one, "
    "after its own Locker is gone."},
  [CK_LOCKER_MISUSE] = {"locker-misuse", CK_ERROR,
    "unlock or an Unlocker without holding the Locker, or the Locker released while the "
    "thread is still entered or a run on its stack runs under it",
    "Pair each v8::Locker with its destructor on the same thread (RAII), declared before "
    "Isolate::Scope so the scope ends first. Inside a callback of a running script, let "
    "other threads in with a v8::Unlocker, never by destroying the Locker the script "
    "runs under."},
  [CK_THREAD_EXIT_ENTERED] = {"thread-exit-entered", CK_ERROR,
    "a thread ends with isolates still entered or locked",
    "Exit and unlock on every path before the thread ends, errors and early returns "
    "included: Locker and Isolate::Scope as RAII objects on the thread's own stack."},
  [CK_SUSPEND_WHILE_ENTERED] = {"suspend-while-entered", CK_WARNING,
    "a task suspends with its isolate entered, and something else then runs on that thread",
    "Do not hold an isolate entered across an await: exit before suspending and enter "
    "again around each poll, or give the runtime its own dedicated thread."},
  [CK_DEADLOCK] = {"deadlock", CK_ERROR,
    "a step blocks forever: a Locker or mutex never released, a message never sent, a "
    "thread that never ends",
    "Release every v8::Locker and mutex on every path (RAII), take them in one global "
    "order, use an Unlocker around blocking waits inside a script, and make sure every "
    "wait (recv, join) has a sender or an end that does not itself wait on the waiter."},
  [CK_LEAKED_ISOLATE] = {"leaked-isolate", CK_WARNING,
    "the scenario ends with an isolate never disposed",
    "Dispose every isolate on every path, errors included, after exiting it and "
    "terminating its script; tie its lifetime to an owner object."},
  [CK_TLS_DIVERGENCE] = {"tls-divergence", CK_WARNING,
    "the real Isolate::GetCurrent() differs from what a correct embedding would see",
    "This is release V8 silently corrupting the thread's current isolate after an "
    "earlier misuse; fix the error reported at or before this step (usually an "
    "out-of-order exit or drop) and the divergence disappears."},
  [CK_GLOBAL_AFTER_DISPOSE] = {"global-after-dispose", CK_ERROR,
    "a v8::Global or v8::Persistent opened or reset after its isolate was disposed",
    "Reset (or drop) every Global of an isolate before disposing it: keep them in an "
    "object the isolate's owner destroys first, or clear them in a hook that runs before "
    "Dispose. A handle's destructor after Dispose writes into freed memory."},
  [CK_CROSS_ISOLATE] = {"cross-isolate", CK_ERROR,
    "a handle or context of one isolate used while another isolate is current",
    "A handle and a context belong to the isolate that made them: open a Global only "
    "with its own isolate entered (Local::New(owner, global)), and pass data between "
    "isolates as serialized values (ValueSerializer, JSON, bytes), never as handles."},
  [CK_LEAKED_GLOBAL] = {"leaked-global", CK_WARNING,
    "the scenario ends with a v8::Global never reset whose isolate was disposed first",
    "Reset every Global before its isolate is disposed (its destructor would reset it "
    "in freed handle storage), or tie the Globals' lifetime to an owner destroyed before "
    "the isolate."},
};

static const char *const OPS[CK_OP_COUNT] = {
  [CK_NEW] = "new", [CK_DISPOSE] = "dispose", [CK_DROP] = "drop",
  [CK_ENTER] = "enter", [CK_EXIT] = "exit", [CK_LOCK] = "lock", [CK_UNLOCK] = "unlock",
  [CK_UNLOCKER] = "unlocker", [CK_RELOCK] = "relock", [CK_CONTEXT] = "context",
  [CK_RUN] = "run", [CK_GC] = "gc", [CK_TERMINATE] = "terminate",
  [CK_CANCEL_TERMINATE] = "cancel-terminate", [CK_INTERRUPT] = "interrupt",
  [CK_IS_TERMINATING] = "is-terminating", [CK_CHECK_CURRENT] = "check",
  [CK_AWAIT] = "await", [CK_WAIT] = "wait", [CK_THREAD_END] = "end",
  [CK_GLOBAL] = "global", [CK_PERSISTENT] = "persistent", [CK_OPEN] = "open",
  [CK_RESET] = "reset", [CK_WEAK] = "weak", [CK_HEAP_STATS] = "heap-stats",
  [CK_MEMORY_PRESSURE] = "memory-pressure", [CK_SPAWN] = "spawn", [CK_JOIN] = "join",
  [CK_SEND] = "send", [CK_RECV] = "recv", [CK_ACQUIRE] = "acquire",
  [CK_RELEASE] = "release", [CK_BLOCK_END] = "}",
};

const char *ck_code_name(ck_code code) {
  return (unsigned)code < CK_CODE_COUNT ? CODES[code].name : "?";
}

int ck_code_parse(const char *name, ck_code *out) {
  for (int i = 0; i < CK_CODE_COUNT; i++) {
    if (strcmp(name, CODES[i].name) == 0) {
      *out = (ck_code)i;
      return 0;
    }
  }
  return -1;
}

ck_severity ck_code_severity(ck_code code) {
  return (unsigned)code < CK_CODE_COUNT ? CODES[code].severity : CK_ERROR;
}

const char *ck_code_summary(ck_code code) {
  return (unsigned)code < CK_CODE_COUNT ? CODES[code].summary : "";
}

const char *ck_code_fix(ck_code code) {
  return (unsigned)code < CK_CODE_COUNT ? CODES[code].fix : "";
}

const char *ck_severity_name(ck_severity s) { return s == CK_WARNING ? "warning" : "error"; }

const char *ck_op_name(ck_op op) { return (unsigned)op < CK_OP_COUNT ? OPS[op] : "?"; }

int ck_op_is_use(ck_op op) {
  switch (op) {
  case CK_NEW: case CK_ENTER: case CK_EXIT: case CK_CONTEXT: case CK_RUN: case CK_GC:
  case CK_DISPOSE: case CK_DROP: case CK_GLOBAL: case CK_PERSISTENT: case CK_OPEN:
  case CK_RESET: case CK_WEAK: case CK_HEAP_STATS:
    return 1;
  default:
    return 0;
  }
}

ck_sync_kind ck_op_sync_kind(ck_op op) {
  return op == CK_SPAWN || op == CK_JOIN ? CK_SYNC_THREAD : op == CK_SEND || op == CK_RECV ? CK_SYNC_CHANNEL : CK_SYNC_MUTEX;
}

int ck_op_is_sync(ck_op op) {
  switch (op) {
  case CK_SPAWN: case CK_JOIN: case CK_SEND: case CK_RECV: case CK_ACQUIRE: case CK_RELEASE:
    return 1;
  default:
    return 0;
  }
}
