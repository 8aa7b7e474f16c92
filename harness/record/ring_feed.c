/* ring_feed.c — the ring of a preloaded program fed to rec_core (ring_feed.h). */
#define _GNU_SOURCE
#include "ring_feed.h"

#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>
#include <stdint.h>
#include <string.h>

#include "rec_core.h"
#include "rec_log.h"
#include "rec_sink.h"
#include "vec.h"

typedef struct ring_thread {
  int number;          /* rec_core's */
  int observe;         /* its last call is one whose observation counts */
  uint64_t caller;     /* its last call's site */
  const char *after;   /* "after CALL", for the observation's report */
} ring_thread;

typedef struct feed_state {
  ring_thread *threads;
  size_t n, cap;
  rec_ptrmap by_tid;   /* tid -> index in threads, -1 once ended */
} feed_state;

static const struct {
  const char *what, *after;
  ck_op op;
} CALLS[REC_EV_CALLS] = {
    [REC_EV_NEW] = {"v8::Isolate::New", "after v8::Isolate::New", CK_NEW},
    [REC_EV_INITIALIZE] = {"v8::Isolate::Initialize", "after v8::Isolate::Initialize", CK_NEW},
    [REC_EV_DISPOSE] = {"v8::Isolate::Dispose", "after v8::Isolate::Dispose", CK_DISPOSE},
    [REC_EV_DEINITIALIZE] = {"v8::Isolate::Deinitialize", "after v8::Isolate::Deinitialize", CK_DISPOSE},
    [REC_EV_ENTER] = {"v8::Isolate::Enter", "after v8::Isolate::Enter", CK_ENTER},
    [REC_EV_EXIT_ISOLATE] = {"v8::Isolate::Exit", "after v8::Isolate::Exit", CK_EXIT},
    [REC_EV_TERMINATE] = {"v8::Isolate::TerminateExecution", NULL, CK_TERMINATE},
    [REC_EV_CANCEL_TERMINATE] = {"v8::Isolate::CancelTerminateExecution", NULL, CK_CANCEL_TERMINATE},
    [REC_EV_INTERRUPT] = {"v8::Isolate::RequestInterrupt", NULL, CK_INTERRUPT},
    [REC_EV_LOW_MEMORY] = {"v8::Isolate::LowMemoryNotification", NULL, CK_GC},
    [REC_EV_CONTEXT_NEW] = {"v8::Context::New", NULL, CK_CONTEXT},
    [REC_EV_LOCKED] = {"v8::Locker::Locker", NULL, CK_LOCK},
    [REC_EV_LOCKER_END] = {"v8::Locker::~Locker", NULL, CK_UNLOCK},
    [REC_EV_UNLOCKER] = {"v8::Unlocker::Unlocker", NULL, CK_UNLOCKER},
    [REC_EV_RELOCKED] = {"v8::Unlocker::~Unlocker", NULL, CK_RELOCK},
    [REC_EV_RUN] = {"v8::Script::Run", NULL, CK_RUN},
    [REC_EV_RUN_DONE] = {"v8::Script::Run", NULL, CK_RUN},
    [REC_EV_SNAPSHOT_OWNS] = {"v8::SnapshotCreator", NULL, CK_NEW},
    [REC_EV_GLOBAL] = {"v8::Global (api_internal::GlobalizeReference)", NULL, CK_PERSISTENT},
    [REC_EV_GLOBAL_COPY] = {"v8::Persistent copy (api_internal::CopyGlobalReference)", NULL, CK_PERSISTENT},
    [REC_EV_GLOBAL_RESET] = {"v8::Global::Reset (api_internal::DisposeGlobal)", NULL, CK_RESET},
};

/* The thread of tid, registered under name at its first event; NULL out of memory. */
static ring_thread *thread_of(feed_state *f, int32_t tid, const char *name) {
  int i;
  if (rec_ptrmap_get(&f->by_tid, (void *)(uintptr_t)tid, &i) && i >= 0) return &f->threads[i];
  if (vec_grow((void **)&f->threads, &f->cap, f->n + 1, sizeof *f->threads)) return NULL;
  int number = rec_core_thread(tid, name);
  if (number < 0) return NULL;
  f->threads[f->n] = (ring_thread){number, 0, 0, NULL};
  if (f->n == 0) rec_sink_refresh_maps();  /* the program's map while it surely lives */
  rec_ptrmap_put(&f->by_tid, (void *)(uintptr_t)tid, (int)f->n);
  return &f->threads[f->n++];
}

static void on_call(ring_thread *t, const rec_event *e) {
  const void *a = (const void *)(uintptr_t)e->a, *b = (const void *)(uintptr_t)e->b;
  const char *what = CALLS[e->call].what;
  int fed = 1;
  switch (e->call) {
    case REC_EV_NEW: rec_core_new(t->number, a, REC_CALL_NEW, what); break;
    case REC_EV_INITIALIZE: rec_core_new(t->number, a, REC_CALL_ALLOCATE_INITIALIZE, what); break;
    case REC_EV_DISPOSE: case REC_EV_DEINITIALIZE: rec_core_call(t->number, CK_DISPOSE, a, what); break;
    case REC_EV_LOCKED: case REC_EV_UNLOCKER: rec_core_scope_begin(t->number, CALLS[e->call].op, a, b, what); break;
    case REC_EV_LOCKER_END: case REC_EV_RELOCKED: rec_core_scope_end(t->number, CALLS[e->call].op, a, what); break;
    case REC_EV_RUN_DONE: rec_core_run_done(t->number, a); break;
    case REC_EV_GLOBAL: rec_core_handle_new(t->number, a, b, what); break;
    case REC_EV_GLOBAL_COPY: rec_core_handle_copy(t->number, a, b, what); break;
    case REC_EV_GLOBAL_RESET: rec_core_handle_reset(t->number, a, what); break;
    case REC_EV_ENTER:  /* V8 made it current: the observation is the isolate itself */
      if (rec_core_call(t->number, CK_ENTER, a, what)) rec_core_observe(t->number, a, CALLS[e->call].after);
      break;
    case REC_EV_EXIT_ISOLATE:  /* with what V8's current isolate became */
      if (rec_core_call(t->number, CK_EXIT, a, what)) rec_core_observe(t->number, b, CALLS[e->call].after);
      fed = 0;
      break;
    default: fed = rec_core_call(t->number, CALLS[e->call].op, a, what); break;
  }
  t->observe = CALLS[e->call].after && fed;  /* New, Initialize, Dispose: REC_EV_OBSERVE follows */
  t->after = CALLS[e->call].after;
}

static void on_event(feed_state *f, const rec_event *e) {
  if (e->kind == REC_EV_EXIT) {
    rec_core_exit();
    return;
  }
  if (e->kind == REC_EV_CALL && e->call == REC_EV_SNAPSHOT_OWNS) {  /* V8's, no thread's call */
    rec_core_snapshot((const void *)(uintptr_t)e->a, (int)e->b);
    return;
  }
  char name[sizeof e->name + 1] = {0};
  memcpy(name, e->name, sizeof e->name);
  ring_thread *t = thread_of(f, e->tid, e->kind == REC_EV_THREAD ? name : "thread");
  if (!t) return;
  if (e->kind == REC_EV_CALL) t->caller = e->caller;
  rec_sink_caller(t->caller);  /* an observation is its thread's last call's */
  if (e->kind == REC_EV_CALL && e->call > 0 && e->call < REC_EV_CALLS) {
    on_call(t, e);
  } else if (e->kind == REC_EV_OBSERVE && t->observe) {
    rec_core_observe(t->number, (const void *)(uintptr_t)e->a, t->after);
  } else if (e->kind == REC_EV_THREAD_END) {
    rec_core_thread_end(t->number);
    rec_ptrmap_put(&f->by_tid, (void *)(uintptr_t)e->tid, -1);
  }
}

/* The reader has taken everything before seq: the program's threads may write there,
 * and those asleep on a full ring wake. */
static void move_tail(rec_ring *ring, uint64_t seq) {
  if (__atomic_load_n(&ring->tail, __ATOMIC_RELAXED) == seq) return;
  __atomic_store_n(&ring->tail, seq, __ATOMIC_RELEASE);
  __atomic_fetch_add(&ring->progress, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&ring->waiters, __ATOMIC_SEQ_CST))
    syscall(SYS_futex, &ring->progress, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void ring_feed(rec_ring *ring, int stop_fd) {
  feed_state f = {0};
  uint64_t seq = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
  int stopping = 0;
  long nap = 20000;  /* ns: short while events come, growing to 1 ms while none do */
  for (;;) {
    rec_event *e = &ring->slots[seq & (REC_RING_SLOTS - 1)];
    if (__atomic_load_n(&e->ready, __ATOMIC_ACQUIRE) == seq + 1) {
      on_event(&f, e);
      nap = 20000;
      if (++seq % 1024 == 0) move_tail(ring, seq);  /* in batches: the line stays ours */
      continue;
    }
    move_tail(ring, seq);
    if (stopping) {  /* the program has ended: what is claimed and not written never will be */
      if (seq >= __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE)) break;
      seq++;
      continue;
    }
    struct pollfd p = {stop_fd, POLLIN, 0};  /* caught up: nap, and let a batch gather */
    if (ppoll(&p, 1, &(struct timespec){0, nap}, NULL) > 0) stopping = 1;
    if (nap < 1000000) nap *= 2;
  }
  rec_core_close();
}
