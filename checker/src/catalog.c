/* catalog.c — names, severities, summaries and fixes of the violation codes and ops.
 * The text here is what users read next to every violation; docs/violations.md
 * expands each entry with an example and what V8 10.2 does. */
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
    "Dispose while another thread holds the isolate's Locker",
    "Dispose only after every other thread has released its v8::Locker: join or signal "
    "the user threads first, then take the Locker yourself (or none is held) and dispose."},
  [CK_USE_AFTER_DISPOSE] = {"use-after-dispose", CK_ERROR,
    "an operation on an isolate that has been disposed",
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
    "context or run without the Locker of an isolate that has been locked before",
    "Once any thread has used a v8::Locker on an isolate, every thread must hold its "
    "Locker for every use: take v8::Locker before Isolate::Scope and HandleScope."},
  [CK_LOCKER_MISUSE] = {"locker-misuse", CK_ERROR,
    "unlock without holding the Locker, an Unlocker without a Locker, or while entered",
    "Pair each v8::Locker with its destructor on the same thread (RAII). Use v8::Unlocker "
    "only inside a Locker and after Exit: Exit; { Unlocker u(isolate); ... }; Enter."},
  [CK_THREAD_EXIT_ENTERED] = {"thread-exit-entered", CK_ERROR,
    "a thread ends with isolates still entered or locked",
    "Exit and unlock on every path before the thread ends, errors and early returns "
    "included: Locker and Isolate::Scope as RAII objects on the thread's own stack."},
  [CK_SUSPEND_WHILE_ENTERED] = {"suspend-while-entered", CK_WARNING,
    "a task suspends while its isolate is entered on the thread",
    "Do not hold an isolate entered across an await: exit before suspending and enter "
    "again around each poll, or give the runtime its own dedicated thread."},
  [CK_DEADLOCK] = {"deadlock", CK_ERROR,
    "a step blocks forever on a Locker that is never released",
    "Release every v8::Locker on every path (RAII), take Lockers of several isolates in "
    "one global order, and use an Unlocker around blocking waits."},
  [CK_LEAKED_ISOLATE] = {"leaked-isolate", CK_WARNING,
    "the scenario ends with an isolate never disposed",
    "Dispose every isolate on every path, errors included, after exiting it and "
    "terminating its script; tie its lifetime to an owner object."},
  [CK_TLS_DIVERGENCE] = {"tls-divergence", CK_WARNING,
    "the real Isolate::GetCurrent() differs from what a correct embedding would see",
    "This is release V8 silently corrupting the thread's current isolate after an "
    "earlier misuse; fix the error reported at or before this step (usually an "
    "out-of-order exit or drop) and the divergence disappears."},
};

static const char *const OPS[CK_OP_COUNT] = {
  [CK_NEW] = "new", [CK_DISPOSE] = "dispose", [CK_DROP] = "drop",
  [CK_ENTER] = "enter", [CK_EXIT] = "exit", [CK_LOCK] = "lock", [CK_UNLOCK] = "unlock",
  [CK_UNLOCKER] = "unlocker", [CK_RELOCK] = "relock", [CK_CONTEXT] = "context",
  [CK_RUN] = "run", [CK_GC] = "gc", [CK_TERMINATE] = "terminate",
  [CK_CANCEL_TERMINATE] = "cancel-terminate", [CK_INTERRUPT] = "interrupt",
  [CK_IS_TERMINATING] = "is-terminating", [CK_CHECK_CURRENT] = "check",
  [CK_AWAIT] = "await", [CK_WAIT] = "wait", [CK_THREAD_END] = "end",
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
  case CK_DISPOSE: case CK_DROP:
    return 1;
  default:
    return 0;
  }
}
