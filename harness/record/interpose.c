/* interpose.c — libisoreplay-record.so, preloaded into a program by `isoreplay record`.
 *
 * It defines the V8 API calls that matter to isolate lifetimes under their C++ symbol
 * names, so a program that takes V8 from a shared library (Debian's libnode.so.108, a
 * libv8.so) calls these first. Each one calls the real function (dlsym(RTLD_NEXT)) and
 * feeds the call, in one global order taken under a lock, to the same checker the replay
 * uses. A violation goes at once to the command's pipe (REC_ENV_REPORT) with the thread
 * and the program's stack; every call goes to the log (rec_log.h) that the command turns
 * into a scenario. No V8 header: the symbols' arguments are plain pointers. Only the
 * process named by REC_ENV_PID records; programs it starts pass through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "checker.h"
#include "rec_core.h"
#include "rec_log.h"
#include "rec_sink.h"

/* The V8 API this library stands in for: the only symbols it exports. */
#define V8_API __attribute__((visibility("default")))

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int active;              /* this process records (set once, before any thread) */
static int bystander;           /* a program the recorded one started: says so at its first call */
static pthread_key_t end_key;   /* its destructor tells the checker the thread ended */
static _Thread_local int my_number = -1;  /* rec_core's number of this thread */
static _Thread_local int in_v8;   /* inside New, Initialize, Dispose, Context::New: the calls
                                     V8 makes itself meanwhile (it enters the isolate it sets
                                     up) are not the program's */
static _Thread_local int run_delegates;  /* Script::Run(ctx) calling Run(ctx, options) */

/* The real function behind a symbol this library defines. */
static void *real(const char *symbol) {
  void *f = dlsym(RTLD_NEXT, symbol);
  if (!f) {
    fprintf(stderr, "isoreplay record: the program called %s, which its V8 does not have\n", symbol);
    abort();
  }
  return f;
}
/* Declares fn, the real function (resolved once), as a pointer: ret (*fn) params. */
#define REAL(ret, params, sym) \
  static ret(*fn) params;      \
  if (!fn) *(void **)&fn = real(sym)

/* The calling thread's number, registered at its first V8 call (mu held). */
static int self(void) {
  if (my_number >= 0) return my_number;
  char os[17] = {0};
  prctl(PR_GET_NAME, os);
  my_number = rec_core_thread(gettid(), os);
  if (my_number >= 0) pthread_setspecific(end_key, &my_number);  /* any non-NULL value */
  return my_number;
}

/* A process the recorded program started calls V8: record cannot check it (one checker
 * per recording), so it says so once, rather than leave the user with "no call seen". */
static void say_bystander(void) {
  if (__atomic_exchange_n(&bystander, 0, __ATOMIC_RELAXED) == 0) return;
  char text[400];
  snprintf(text, sizeof text, "process %ld (%s), started by the recorded program, calls V8 too: its calls are not "
           "recorded (one process per recording): record that program directly", (long)getpid(),
           program_invocation_short_name);
  rec_report_info("bystander", text);
}

/* Takes the lock and says whether to record this call: the thread's number, or -1. */
static int begin(void) {
  if (!active) {
    if (bystander) say_bystander();
    return -1;
  }
  if (in_v8) return -1;
  pthread_mutex_lock(&mu);
  int th = self();
  if (th < 0) pthread_mutex_unlock(&mu);
  return th;
}
static void end(void) { pthread_mutex_unlock(&mu); }

/* One call on an isolate, fed before or after the real call by the wrapper. */
static void on(ck_op op, const void *iso, const char *what) {
  int th = begin();
  if (th < 0) return;
  rec_core_call(th, op, iso, what);
  end();
}

/* After a call that changes the thread's current isolate: the real Isolate::GetCurrent()
 * beside the one a correct embedding would have (tls-divergence, as in a replay). mu held. */
static void observe_locked(int th, const char *after) {
  REAL(void *, (void), "_ZN2v87Isolate10GetCurrentEv");
  rec_core_observe(th, fn(), after);
}

static void observe(const char *after) {
  int th = begin();
  if (th < 0) return;
  observe_locked(th, after);
  end();
}

/* A call fed after the real one, with the observation, under one lock: Enter, and Exit
 * (which hands nothing to another thread: feeding it after the call keeps the order). */
static void on_after(ck_op op, const void *iso, const char *what, const char *after) {
  int th = begin();
  if (th < 0) return;
  if (rec_core_call(th, op, iso, what)) observe_locked(th, after);
  end();
}

/* A new isolate made by the program (Isolate::New, or Allocate + Initialize). */
static void created(void *iso, int call, const char *what, const char *after) {
  int th = begin();  /* none inside Isolate::New for its Initialize: New records it */
  if (th < 0) return;
  rec_core_new(th, iso, call, what);
  observe_locked(th, after);
  end();
}

/* ---- the V8 API ------------------------------------------------------------------- */

/* A call on an isolate fed before the real one: void NAME(Isolate*) for SYM. */
#define FEED_BEFORE(name, sym, op, what)  \
  V8_API void name(void *iso) __asm__(sym); \
  void name(void *iso) {                   \
    REAL(void, (void *), sym);             \
    on(op, iso, what);                     \
    fn(iso);                               \
  }

/* A Locker's or an Unlocker's destructor (V8 defines both D1 and D2): a release is fed
 * before the real unlock, a relock after the real one. */
#define SCOPE_END(name, sym, op, what, before) \
  V8_API void name(void *scope) __asm__(sym);  \
  void name(void *scope) {                     \
    REAL(void, (void *), sym);                 \
    if (before) scope_end(op, scope, what);    \
    fn(scope);                                 \
    if (!(before)) scope_end(op, scope, what); \
  }

V8_API void *rec_isolate_new(const void *params) __asm__("_ZN2v87Isolate3NewERKNS0_12CreateParamsE");
void *rec_isolate_new(const void *params) {
  REAL(void *, (const void *), "_ZN2v87Isolate3NewERKNS0_12CreateParamsE");
  in_v8++;
  void *iso = fn(params);
  in_v8--;
  created(iso, REC_CALL_NEW, "v8::Isolate::New", "after v8::Isolate::New");
  return iso;
}

V8_API void rec_isolate_initialize(void *iso, const void *params) __asm__("_ZN2v87Isolate10InitializeEPS0_RKNS0_12CreateParamsE");
void rec_isolate_initialize(void *iso, const void *params) {
  REAL(void, (void *, const void *), "_ZN2v87Isolate10InitializeEPS0_RKNS0_12CreateParamsE");
  in_v8++;
  fn(iso, params);
  in_v8--;
  created(iso, REC_CALL_ALLOCATE_INITIALIZE, "v8::Isolate::Initialize", "after v8::Isolate::Initialize");
}

V8_API void rec_isolate_dispose(void *iso) __asm__("_ZN2v87Isolate7DisposeEv");
void rec_isolate_dispose(void *iso) {
  REAL(void, (void *), "_ZN2v87Isolate7DisposeEv");
  on(CK_DISPOSE, iso, "v8::Isolate::Dispose");
  in_v8++;
  fn(iso);
  in_v8--;
  observe("after v8::Isolate::Dispose");
}

/* V8 13 and later: Dispose's first half (Node's MultiIsolatePlatform::DisposeIsolate). */
V8_API void rec_isolate_deinitialize(void *iso) __asm__("_ZN2v87Isolate12DeinitializeEv");
void rec_isolate_deinitialize(void *iso) {
  REAL(void, (void *), "_ZN2v87Isolate12DeinitializeEv");
  on(CK_DISPOSE, iso, "v8::Isolate::Deinitialize");
  in_v8++;
  fn(iso);
  in_v8--;
  observe("after v8::Isolate::Deinitialize");
}

V8_API void rec_isolate_enter(void *iso) __asm__("_ZN2v87Isolate5EnterEv");
void rec_isolate_enter(void *iso) {
  REAL(void, (void *), "_ZN2v87Isolate5EnterEv");
  fn(iso);
  on_after(CK_ENTER, iso, "v8::Isolate::Enter", "after v8::Isolate::Enter");
}

V8_API void rec_isolate_exit(void *iso) __asm__("_ZN2v87Isolate4ExitEv");
void rec_isolate_exit(void *iso) {
  REAL(void, (void *), "_ZN2v87Isolate4ExitEv");
  fn(iso);
  on_after(CK_EXIT, iso, "v8::Isolate::Exit", "after v8::Isolate::Exit");
}

FEED_BEFORE(rec_terminate, "_ZN2v87Isolate18TerminateExecutionEv", CK_TERMINATE, "v8::Isolate::TerminateExecution")

FEED_BEFORE(rec_cancel_terminate, "_ZN2v87Isolate24CancelTerminateExecutionEv", CK_CANCEL_TERMINATE, "v8::Isolate::CancelTerminateExecution")

V8_API void rec_interrupt(void *iso, void *cb, void *data) __asm__("_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_");
void rec_interrupt(void *iso, void *cb, void *data) {
  REAL(void, (void *, void *, void *), "_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_");
  on(CK_INTERRUPT, iso, "v8::Isolate::RequestInterrupt");
  fn(iso, cb, data);
}

FEED_BEFORE(rec_low_memory, "_ZN2v87Isolate21LowMemoryNotificationEv", CK_GC, "v8::Isolate::LowMemoryNotification")

/* Locker and Unlocker: their constructors call Initialize(isolate); the destructors find
 * the isolate by the object's address. */
static void scope_begin(ck_op op, void *scope, void *iso, const char *what) {
  int th = begin();
  if (th < 0) return;
  rec_core_scope_begin(th, op, scope, iso, what);
  end();
}

static void scope_end(ck_op op, void *scope, const char *what) {
  int th = begin();
  if (th < 0) return;
  rec_core_scope_end(th, op, scope, what);
  end();
}

V8_API void rec_locker_init(void *locker, void *iso) __asm__("_ZN2v86Locker10InitializeEPNS_7IsolateE");
void rec_locker_init(void *locker, void *iso) {
  REAL(void, (void *, void *), "_ZN2v86Locker10InitializeEPNS_7IsolateE");
  fn(locker, iso);
  scope_begin(CK_LOCK, locker, iso, "v8::Locker::Locker");
}

SCOPE_END(rec_locker_d1, "_ZN2v86LockerD1Ev", CK_UNLOCK, "v8::Locker::~Locker", 1)

SCOPE_END(rec_locker_d2, "_ZN2v86LockerD2Ev", CK_UNLOCK, "v8::Locker::~Locker", 1)

V8_API void rec_unlocker_init(void *unlocker, void *iso) __asm__("_ZN2v88Unlocker10InitializeEPNS_7IsolateE");
void rec_unlocker_init(void *unlocker, void *iso) {
  REAL(void, (void *, void *), "_ZN2v88Unlocker10InitializeEPNS_7IsolateE");
  scope_begin(CK_UNLOCKER, unlocker, iso, "v8::Unlocker::Unlocker");
  fn(unlocker, iso);
}

SCOPE_END(rec_unlocker_d1, "_ZN2v88UnlockerD1Ev", CK_RELOCK, "v8::Unlocker::~Unlocker", 0)

SCOPE_END(rec_unlocker_d2, "_ZN2v88UnlockerD2Ev", CK_RELOCK, "v8::Unlocker::~Unlocker", 0)

/* Context::New (V8 10.2's signature): every argument is a pointer or, for the
 * deserializer callback, a pair of pointers, passed in registers as C passes them. */
#define CONTEXT_NEW                                                                                     \
  "_ZN2v87Context3NewEPNS_7IsolateEPNS_22ExtensionConfigurationENS_10MaybeLocalINS_14ObjectTemplateEEENS5_" \
  "INS_5ValueEEENS_33DeserializeInternalFieldsCallbackEPNS_14MicrotaskQueueE"
V8_API void *rec_context_new(void *iso, void *ext, void *tmpl, void *global, void *cb, void *cb_data, void *queue)
    __asm__(CONTEXT_NEW);
void *rec_context_new(void *iso, void *ext, void *tmpl, void *global, void *cb, void *cb_data, void *queue) {
  REAL(void *, (void *, void *, void *, void *, void *, void *, void *), CONTEXT_NEW);
  on(CK_CONTEXT, iso, "v8::Context::New");
  in_v8++;
  void *context = fn(iso, ext, tmpl, global, cb, cb_data, queue);
  in_v8--;
  return context;
}

/* Script::Run(context [, host options]): the isolate is the context's. The run stays open
 * until it returns; calls of the same thread meanwhile are inside it (a host callback). */
static void *context_isolate(void *context) {
  REAL(void *, (void *), "_ZN2v87Context10GetIsolateEv");
  return fn(context);
}

static void run_done(void *iso) {
  int th = begin();
  if (th < 0) return;
  rec_core_run_done(th, iso);
  end();
}

V8_API void *rec_script_run(void *script, void *context) __asm__("_ZN2v86Script3RunENS_5LocalINS_7ContextEEE");
void *rec_script_run(void *script, void *context) {
  REAL(void *, (void *, void *), "_ZN2v86Script3RunENS_5LocalINS_7ContextEEE");
  void *iso = context_isolate(context);
  on(CK_RUN, iso, "v8::Script::Run");
  run_delegates = 1;
  void *result = fn(script, context);
  run_delegates = 0;
  run_done(iso);
  return result;
}

V8_API void *rec_script_run2(void *script, void *context, void *options)
    __asm__("_ZN2v86Script3RunENS_5LocalINS_7ContextEEENS1_INS_4DataEEE");
void *rec_script_run2(void *script, void *context, void *options) {
  REAL(void *, (void *, void *, void *), "_ZN2v86Script3RunENS_5LocalINS_7ContextEEENS1_INS_4DataEEE");
  if (run_delegates) {  /* the one-argument Run, already recorded, passing its call on */
    run_delegates = 0;
    return fn(script, context, options);
  }
  void *iso = context_isolate(context);
  on(CK_RUN, iso, "v8::Script::Run");
  void *result = fn(script, context, options);
  run_done(iso);
  return result;
}

/* v8::SnapshotCreator: its constructor makes (or takes) an isolate, initializes it and
 * enters it for the creator's lifetime; its destructor exits and disposes it. That isolate
 * is V8's own: what V8 does to it inside these calls is left out, and calls on it meanwhile
 * are not checked (a Locker released while the creator keeps it entered is V8's design). */
static void snapshot_owns(void *iso, int owned) {
  if (!active) return;
  pthread_mutex_lock(&mu);
  rec_core_snapshot(iso, owned);
  pthread_mutex_unlock(&mu);
}

static void *snapshot_isolate(void *creator) {
  REAL(void *, (void *), "_ZN2v815SnapshotCreator10GetIsolateEv");
  return fn(creator);
}

#define SNAPSHOT_CTOR(name, sym, params, args)           \
  V8_API void name params __asm__(sym);                  \
  void name params {                                     \
    REAL(void, params, sym);                             \
    in_v8++;                                             \
    fn args;                                             \
    in_v8--;                                             \
    if (!in_v8) snapshot_owns(snapshot_isolate(self_), 1); \
  }
SNAPSHOT_CTOR(rec_snapshot_c1, "_ZN2v815SnapshotCreatorC1EPKlPNS_11StartupDataE",
              (void *self_, const void *refs, void *blob), (self_, refs, blob))
SNAPSHOT_CTOR(rec_snapshot_c2, "_ZN2v815SnapshotCreatorC2EPKlPNS_11StartupDataE",
              (void *self_, const void *refs, void *blob), (self_, refs, blob))
SNAPSHOT_CTOR(rec_snapshot_c1i, "_ZN2v815SnapshotCreatorC1EPNS_7IsolateEPKlPNS_11StartupDataE",
              (void *self_, void *iso, const void *refs, void *blob), (self_, iso, refs, blob))
SNAPSHOT_CTOR(rec_snapshot_c2i, "_ZN2v815SnapshotCreatorC2EPNS_7IsolateEPKlPNS_11StartupDataE",
              (void *self_, void *iso, const void *refs, void *blob), (self_, iso, refs, blob))

#define SNAPSHOT_DTOR(name, sym)                 \
  V8_API void name(void *self_) __asm__(sym);    \
  void name(void *self_) {                       \
    REAL(void, (void *), sym);                   \
    void *iso = snapshot_isolate(self_);         \
    in_v8++;                                     \
    fn(self_);                                   \
    in_v8--;                                     \
    snapshot_owns(iso, 0);                       \
  }
SNAPSHOT_DTOR(rec_snapshot_d1, "_ZN2v815SnapshotCreatorD1Ev")
SNAPSHOT_DTOR(rec_snapshot_d2, "_ZN2v815SnapshotCreatorD2Ev")

/* ---- threads and the process -------------------------------------------------------- */

/* A thread that called V8 ends: the checker hears it, and its slot may be reused. */
static void thread_ended(void *unused) {
  (void)unused;
  if (!active || my_number < 0) return;
  pthread_mutex_lock(&mu);
  rec_core_thread_end(my_number);
  pthread_mutex_unlock(&mu);
  my_number = -1;
}

/* A child forked without exec is another process: it records nothing (the log and the
 * checker are the parent's). */
static void forked(void) { active = 0; }

__attribute__((constructor)) static void start(void) {
  const char *pid = getenv(REC_ENV_PID);
  if (!pid) return;
  if (atol(pid) != (long)getpid()) {  /* a program the recorded one started */
    bystander = !rec_sink_report_only(getenv(REC_ENV_REPORT));
    return;
  }
  if (rec_core_open(getenv(REC_ENV_LOG), getenv(REC_ENV_REPORT), 1)) return;
  if (pthread_key_create(&end_key, thread_ended) || pthread_atfork(NULL, NULL, forked)) return;
  void *enter = dlsym(RTLD_DEFAULT, "_ZN2v87Isolate5EnterEv");
  if (rec_v8_in_executable(enter)) {  /* the command chose wrong: it probes such programs */
    rec_report_info("v8-in-executable", "V8 is linked into the program itself (as in the official node "
                    "binaries): its calls do not go through a shared library, so the preloaded recorder cannot "
                    "see them; name the program itself to isoreplay record, not a script or wrapper that starts it, "
                    "so that it is recorded through uprobes");
    rec_core_close();
    return;
  }
  active = 1;
}

/* The process exits (exit() or the end of main): what is still alive is how the program
 * ends, not a bug: the checker's end goes to the report as information. */
__attribute__((destructor)) static void stop(void) {
  if (!active) return;
  pthread_mutex_lock(&mu);
  active = 0;  /* calls from here on (other threads, atexit handlers) pass through */
  rec_core_exit();
  rec_core_close();
  pthread_mutex_unlock(&mu);
}
