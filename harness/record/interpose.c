/* interpose.c — libisoreplay-record.so, preloaded into a program by `isoreplay record`.
 *
 * It defines the V8 API calls that matter to isolate lifetimes under their C++ symbol
 * names, so a program that takes V8 from a shared library (Debian's libnode.so.108, a
 * libv8.so) calls these first. Each one calls the real function (dlsym(RTLD_NEXT)) and
 * appends the call to the ring the command reads (rec_ring.h): one atomic add and one
 * cache line per call, no lock, nothing formatted. The checker runs in the command's
 * reader, not here. No V8 header: the symbols' arguments are plain pointers. Only the
 * process named by REC_ENV_PID records; programs it starts pass through and say so. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rec_log.h"
#include "rec_ring.h"

/* The V8 API this library stands in for: the only symbols it exports. */
#define V8_API __attribute__((visibility("default")))
/* Thread-locals in the static TLS block: no __tls_get_addr on the hot path. */
#define FAST_TLS __attribute__((tls_model("initial-exec"))) _Thread_local

static rec_ring *ring;          /* set once, before any thread: this process records */
static int closed;              /* the process is exiting: calls pass through (ring stays mapped:
                                   a thread may be inside put) */
static int report_fd = -1;      /* the command's pipe, for facts (a bystander, V8 linked in) */
static int bystander;           /* a program the recorded one started: says so at its first call */
static pthread_key_t end_key;   /* its destructor says the thread ended */
static FAST_TLS int registered; /* this thread's REC_EV_THREAD is out */
static FAST_TLS int32_t my_tid;
static FAST_TLS uint64_t free_below; /* the ring's tail + slots, as this thread last read it */
static FAST_TLS int in_v8;      /* inside New, Initialize, Dispose, Context::New: the calls V8
                                   makes itself meanwhile (it enters the isolate it sets up)
                                   are not the program's */
static FAST_TLS int run_delegates;  /* Script::Run(ctx) calling Run(ctx, options) */

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
/* The program's return address into the call being made. */
#define CALLER ((uint64_t)(uintptr_t)__builtin_return_address(0))

/* A fact for the command: "I\tKIND\tTEXT" on the report pipe. */
static void say(const char *kind, const char *text) {
  char line[640];
  int n = snprintf(line, sizeof line, "I\t%s\t%s\n", kind, text);
  if (report_fd >= 0 && n > 0 && write(report_fd, line, (size_t)n) < 0) {
    /* the command is gone */
  }
}

/* Sleeps until the reader moves the tail (it wakes the sleepers), 10 ms at most. */
static void wait_for_reader(uint32_t seen) {
  __atomic_fetch_add(&ring->waiters, 1, __ATOMIC_SEQ_CST);
  struct timespec ten_ms = {0, 10000000};
  syscall(SYS_futex, &ring->progress, FUTEX_WAIT, seen, &ten_ms, NULL, 0);
  __atomic_fetch_sub(&ring->waiters, 1, __ATOMIC_SEQ_CST);
}

/* The next slot, claimed; sleeps while the ring is full and the reader lives. NULL when
 * the reader is gone (the event is counted lost). */
static rec_event *claim(uint64_t *seq) {
  *seq = __atomic_fetch_add(&ring->head, 1, __ATOMIC_RELAXED);
  if (*seq < free_below) return &ring->slots[*seq & (REC_RING_SLOTS - 1)];  /* the tail's line stays the reader's */
  for (unsigned naps = 0;; naps++) {
    uint32_t seen = __atomic_load_n(&ring->progress, __ATOMIC_ACQUIRE);
    uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (*seq - tail < REC_RING_SLOTS) {
      free_below = tail + REC_RING_SLOTS;
      return &ring->slots[*seq & (REC_RING_SLOTS - 1)];
    }
    if (naps % 64 == 63 && kill((pid_t)ring->reader, 0) && errno == ESRCH) {
      __atomic_fetch_add(&ring->lost, 1, __ATOMIC_RELAXED);
      return NULL;
    }
    wait_for_reader(seen);
  }
}

static void put(uint16_t kind, uint16_t call, uint64_t a, uint64_t b, uint64_t caller, const char *name) {
  uint64_t seq;
  rec_event *e = claim(&seq);
  if (!e) return;
  e->kind = kind;
  e->call = call;
  e->tid = my_tid;
  e->a = a;
  e->b = b;
  e->caller = caller;
  if (name) memcpy(e->name, name, sizeof e->name);
  __atomic_store_n(&e->ready, seq + 1, __ATOMIC_RELEASE);
}

/* A process the recorded program started calls V8: record cannot check it (one checker
 * per recording), so it says so once, rather than leave the user with "no call seen". */
static void say_bystander(void) {
  if (__atomic_exchange_n(&bystander, 0, __ATOMIC_RELAXED) == 0) return;
  char text[400];
  snprintf(text, sizeof text, "process %ld (%s), started by the recorded program, calls V8 too: its calls are not "
           "recorded (one process per recording): record that program directly", (long)getpid(),
           program_invocation_short_name);
  say("bystander", text);
}

/* Whether to record this call; the thread's first recorded call announces it. */
static int recording(void) {
  if (!ring || __atomic_load_n(&closed, __ATOMIC_RELAXED)) {
    if (bystander) say_bystander();
    return 0;
  }
  if (in_v8) return 0;
  if (!registered) {
    registered = 1;
    my_tid = gettid();
    char name[24] = {0};
    prctl(PR_GET_NAME, name);
    put(REC_EV_THREAD, 0, 0, 0, 0, name);
    pthread_setspecific(end_key, &registered);  /* any non-NULL value */
  }
  return 1;
}

static void emit(uint16_t call, const void *a, const void *b, uint64_t caller) {
  if (recording()) put(REC_EV_CALL, call, (uint64_t)(uintptr_t)a, (uint64_t)(uintptr_t)b, caller, NULL);
}

/* Isolate::GetCurrent() after the thread's call: how V8 itself left its current isolate. */
static void observe(void) {
  REAL(void *, (void), "_ZN2v87Isolate10GetCurrentEv");
  if (recording()) put(REC_EV_OBSERVE, 0, (uint64_t)(uintptr_t)fn(), 0, 0, NULL);
}

/* ---- the V8 API ------------------------------------------------------------------- */

/* A call on an isolate announced before the real one: void NAME(Isolate*) for SYM. */
#define BEFORE(name, sym, call)             \
  V8_API void name(void *iso) __asm__(sym); \
  void name(void *iso) {                    \
    REAL(void, (void *), sym);              \
    emit(call, iso, NULL, CALLER);          \
    fn(iso);                                \
  }

/* A disposal: announced before, V8's own calls inside left out, observed after. */
#define DISPOSAL(name, sym, call)           \
  V8_API void name(void *iso) __asm__(sym); \
  void name(void *iso) {                    \
    REAL(void, (void *), sym);              \
    emit(call, iso, NULL, CALLER);          \
    in_v8++;                                \
    fn(iso);                                \
    in_v8--;                                \
    observe();                              \
  }

/* A Locker's or an Unlocker's destructor (V8 defines both D1 and D2): a release is
 * announced before the real unlock, a relock after the real one. */
#define SCOPE_END(name, sym, call, before)      \
  V8_API void name(void *scope) __asm__(sym);   \
  void name(void *scope) {                      \
    REAL(void, (void *), sym);                  \
    if (before) emit(call, scope, NULL, CALLER); \
    fn(scope);                                  \
    if (!(before)) emit(call, scope, NULL, CALLER); \
  }

V8_API void *rec_isolate_new(const void *params) __asm__("_ZN2v87Isolate3NewERKNS0_12CreateParamsE");
void *rec_isolate_new(const void *params) {
  REAL(void *, (const void *), "_ZN2v87Isolate3NewERKNS0_12CreateParamsE");
  in_v8++;
  void *iso = fn(params);
  in_v8--;
  emit(REC_EV_NEW, iso, NULL, CALLER);
  observe();
  return iso;
}

V8_API void rec_isolate_initialize(void *iso, const void *params) __asm__("_ZN2v87Isolate10InitializeEPS0_RKNS0_12CreateParamsE");
void rec_isolate_initialize(void *iso, const void *params) {
  REAL(void, (void *, const void *), "_ZN2v87Isolate10InitializeEPS0_RKNS0_12CreateParamsE");
  in_v8++;
  fn(iso, params);
  in_v8--;
  emit(REC_EV_INITIALIZE, iso, NULL, CALLER);  /* none inside Isolate::New: New records it */
  observe();
}

DISPOSAL(rec_isolate_dispose, "_ZN2v87Isolate7DisposeEv", REC_EV_DISPOSE)

/* V8 13 and later: Dispose's first half (Node's MultiIsolatePlatform::DisposeIsolate). */
DISPOSAL(rec_isolate_deinitialize, "_ZN2v87Isolate12DeinitializeEv", REC_EV_DEINITIALIZE)

/* Enter makes the isolate V8's current one, always: the reader observes that itself. */
V8_API void rec_isolate_enter(void *iso) __asm__("_ZN2v87Isolate5EnterEv");
void rec_isolate_enter(void *iso) {
  REAL(void, (void *), "_ZN2v87Isolate5EnterEv");
  fn(iso);
  emit(REC_EV_ENTER, iso, NULL, CALLER);
}

/* Exit hands nothing to another thread: announcing it after the call keeps the order,
 * and carries what V8's current isolate became (b). */
V8_API void rec_isolate_exit(void *iso) __asm__("_ZN2v87Isolate4ExitEv");
void rec_isolate_exit(void *iso) {
  REAL(void, (void *), "_ZN2v87Isolate4ExitEv");
  static void *(*current)(void);
  if (!current) *(void **)&current = real("_ZN2v87Isolate10GetCurrentEv");
  fn(iso);
  emit(REC_EV_EXIT_ISOLATE, iso, current(), CALLER);
}

BEFORE(rec_terminate, "_ZN2v87Isolate18TerminateExecutionEv", REC_EV_TERMINATE)

BEFORE(rec_cancel_terminate, "_ZN2v87Isolate24CancelTerminateExecutionEv", REC_EV_CANCEL_TERMINATE)

V8_API void rec_interrupt(void *iso, void *cb, void *data) __asm__("_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_");
void rec_interrupt(void *iso, void *cb, void *data) {
  REAL(void, (void *, void *, void *), "_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_");
  emit(REC_EV_INTERRUPT, iso, NULL, CALLER);
  fn(iso, cb, data);
}

BEFORE(rec_low_memory, "_ZN2v87Isolate21LowMemoryNotificationEv", REC_EV_LOW_MEMORY)

/* Handles: v8::Global and v8::Persistent are made by GlobalizeReference (its second
 * argument is the object: a pointer to it in V8 10.2, its address since), copied by
 * CopyGlobalReference and reset by DisposeGlobal; a handle is told by its slot, the
 * Address* these return. A slot is announced made after the call and reset before it,
 * so its reuse by a later handle comes after in the ring. */
#define GLOBALIZE(name, sym)                                  \
  V8_API void *name(void *iso, void *object) __asm__(sym);   \
  void *name(void *iso, void *object) {                      \
    REAL(void *, (void *, void *), sym);                     \
    void *slot = fn(iso, object);                            \
    emit(REC_EV_GLOBAL, iso, slot, CALLER);                  \
    return slot;                                             \
  }

GLOBALIZE(rec_globalize_102, "_ZN2v812api_internal18GlobalizeReferenceEPNS_8internal7IsolateEPm")

GLOBALIZE(rec_globalize, "_ZN2v812api_internal18GlobalizeReferenceEPNS_8internal7IsolateEm")

V8_API void *rec_copy_global(void *from) __asm__("_ZN2v812api_internal19CopyGlobalReferenceEPm");
void *rec_copy_global(void *from) {
  REAL(void *, (void *), "_ZN2v812api_internal19CopyGlobalReferenceEPm");
  void *slot = fn(from);
  emit(REC_EV_GLOBAL_COPY, from, slot, CALLER);
  return slot;
}

V8_API void rec_dispose_global(void *slot) __asm__("_ZN2v812api_internal13DisposeGlobalEPm");
void rec_dispose_global(void *slot) {
  REAL(void, (void *), "_ZN2v812api_internal13DisposeGlobalEPm");
  emit(REC_EV_GLOBAL_RESET, slot, NULL, CALLER);
  fn(slot);
}

/* Locker and Unlocker: their constructors call Initialize(isolate); the destructors are
 * told apart by the object's address (the reader keeps the map). */
V8_API void rec_locker_init(void *locker, void *iso) __asm__("_ZN2v86Locker10InitializeEPNS_7IsolateE");
void rec_locker_init(void *locker, void *iso) {
  REAL(void, (void *, void *), "_ZN2v86Locker10InitializeEPNS_7IsolateE");
  fn(locker, iso);
  emit(REC_EV_LOCKED, locker, iso, CALLER);  /* the real Locker is held by now */
}

SCOPE_END(rec_locker_d1, "_ZN2v86LockerD1Ev", REC_EV_LOCKER_END, 1)

SCOPE_END(rec_locker_d2, "_ZN2v86LockerD2Ev", REC_EV_LOCKER_END, 1)

V8_API void rec_unlocker_init(void *unlocker, void *iso) __asm__("_ZN2v88Unlocker10InitializeEPNS_7IsolateE");
void rec_unlocker_init(void *unlocker, void *iso) {
  REAL(void, (void *, void *), "_ZN2v88Unlocker10InitializeEPNS_7IsolateE");
  emit(REC_EV_UNLOCKER, unlocker, iso, CALLER);
  fn(unlocker, iso);
}

SCOPE_END(rec_unlocker_d1, "_ZN2v88UnlockerD1Ev", REC_EV_RELOCKED, 0)

SCOPE_END(rec_unlocker_d2, "_ZN2v88UnlockerD2Ev", REC_EV_RELOCKED, 0)

/* Context::New (V8 10.2's signature): every argument is a pointer or, for the
 * deserializer callback, a pair of pointers, passed in registers as C passes them. */
#define CONTEXT_NEW                                                                                     \
  "_ZN2v87Context3NewEPNS_7IsolateEPNS_22ExtensionConfigurationENS_10MaybeLocalINS_14ObjectTemplateEEENS5_" \
  "INS_5ValueEEENS_33DeserializeInternalFieldsCallbackEPNS_14MicrotaskQueueE"
V8_API void *rec_context_new(void *iso, void *ext, void *tmpl, void *global, void *cb, void *cb_data, void *queue)
    __asm__(CONTEXT_NEW);
void *rec_context_new(void *iso, void *ext, void *tmpl, void *global, void *cb, void *cb_data, void *queue) {
  REAL(void *, (void *, void *, void *, void *, void *, void *, void *), CONTEXT_NEW);
  emit(REC_EV_CONTEXT_NEW, iso, NULL, CALLER);
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

V8_API void *rec_script_run(void *script, void *context) __asm__("_ZN2v86Script3RunENS_5LocalINS_7ContextEEE");
void *rec_script_run(void *script, void *context) {
  REAL(void *, (void *, void *), "_ZN2v86Script3RunENS_5LocalINS_7ContextEEE");
  void *iso = context_isolate(context);
  emit(REC_EV_RUN, iso, NULL, CALLER);
  run_delegates = 1;
  void *result = fn(script, context);
  run_delegates = 0;
  emit(REC_EV_RUN_DONE, iso, NULL, CALLER);
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
  emit(REC_EV_RUN, iso, NULL, CALLER);
  void *result = fn(script, context, options);
  emit(REC_EV_RUN_DONE, iso, NULL, CALLER);
  return result;
}

/* v8::SnapshotCreator: its constructor makes (or takes) an isolate, initializes it and
 * enters it for the creator's lifetime; its destructor exits and disposes it. That isolate
 * is V8's own: what V8 does to it inside these calls is left out, and calls on it meanwhile
 * are not checked (a Locker released while the creator keeps it entered is V8's design). */
static void *snapshot_isolate(void *creator) {
  REAL(void *, (void *), "_ZN2v815SnapshotCreator10GetIsolateEv");
  return fn(creator);
}

static void snapshot_owns(void *iso, int owned) {
  if (ring && !closed && !in_v8) put(REC_EV_CALL, REC_EV_SNAPSHOT_OWNS, (uint64_t)(uintptr_t)iso, (uint64_t)owned, 0, NULL);
}

#define SNAPSHOT_CTOR(name, sym, params, args)           \
  V8_API void name params __asm__(sym);                  \
  void name params {                                     \
    REAL(void, params, sym);                             \
    in_v8++;                                             \
    fn args;                                             \
    in_v8--;                                             \
    snapshot_owns(snapshot_isolate(self_), 1);           \
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

/* A thread that called V8 ends. */
static void thread_ended(void *unused) {
  (void)unused;
  if (ring && !__atomic_load_n(&closed, __ATOMIC_RELAXED) && registered) put(REC_EV_THREAD_END, 0, 0, 0, 0, NULL);
  registered = 0;
}

/* A child forked without exec is another process: it records nothing. */
static void forked(void) { ring = NULL; }

/* dl_iterate_phdr's first object is the executable: is addr inside one of its segments? */
static int in_first_object(struct dl_phdr_info *info, size_t size, void *addr) {
  (void)size;
  uintptr_t a = (uintptr_t)addr;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && a >= lo && a < lo + ph->p_memsz) return 2;
  }
  return 1;  /* stop after the first object */
}

/* The ring the command made (a memfd the program inherits: its number), mapped. The fd
 * stays open: the process may exec another program (a wrapper script's `exec node`),
 * which maps it again. NULL if it cannot be. */
static rec_ring *map_ring(const char *number) {
  int fd = number ? atoi(number) : -1;
  if (fd < 0 || fcntl(fd, F_GETFD) < 0) return NULL;
  void *p = mmap(NULL, sizeof(rec_ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);  /* no fault per page later */
  return p == MAP_FAILED ? NULL : p;
}

__attribute__((constructor)) static void start(void) {
  const char *pid = getenv(REC_ENV_PID), *fd = getenv(REC_ENV_REPORT);
  if (!pid) return;
  report_fd = fd ? atoi(fd) : -1;
  if (report_fd >= 0 && fcntl(report_fd, F_GETFD) < 0) report_fd = -1;  /* not inherited here */
  if (atol(pid) != (long)getpid()) {  /* a program the recorded one started */
    bystander = report_fd >= 0;
    return;
  }
  void *enter = dlsym(RTLD_DEFAULT, "_ZN2v87Isolate5EnterEv");
  if (enter && dl_iterate_phdr(in_first_object, enter) == 2) {  /* the command chose wrong */
    say("v8-in-executable", "V8 is linked into the program itself (as in the official node binaries): its calls "
        "do not go through a shared library, so the preloaded recorder cannot see them; name the program itself "
        "to isoreplay record, not a script or wrapper that starts it, so that it is recorded through uprobes");
    return;
  }
  if (pthread_key_create(&end_key, thread_ended) || pthread_atfork(NULL, NULL, forked)) return;
  ring = map_ring(getenv(REC_ENV_RING));
}

/* The process exits (exit() or the end of main): what is still alive is how the program
 * ends, not a bug. Calls after this (other threads, atexit handlers) pass through. */
__attribute__((destructor)) static void stop(void) {
  if (!ring || __atomic_exchange_n(&closed, 1, __ATOMIC_RELAXED)) return;
  put(REC_EV_EXIT, 0, 0, 0, 0, NULL);
}
