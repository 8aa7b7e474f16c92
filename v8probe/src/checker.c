/* checker.c — the ideal-embedding state machine behind checker.h.
 *
 * Ideal entry stack of a thread: `enter X` pushes X; `exit X` removes the topmost entry
 * of X wherever it stands; the ideal current isolate is the top. The verdicts follow
 * what the embedder meant, never what V8 did, so --real and --dry-run agree. */
#include "checker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry { int iso, task; } entry;

typedef struct cthread {
  char *name;
  entry *stack;
  int depth, cap;
  int diverging;       /* inside a tls-divergence episode */
  int waiting_iso;     /* CK_NONE, or the isolate whose Locker it waits for */
  int waiting_depth;   /* Locker depth it gets once acquired */
  int waiting_step;
  int deadlock_raised;
  int ended;
} cthread;

typedef struct per_thread {
  int entered;         /* entries of this isolate on that thread's ideal stack */
  int running;         /* runs in progress */
  int in_unlocker;
  int unlocker_depth;  /* Locker depth saved by the Unlocker */
} per_thread;

enum { ISO_NASCENT, ISO_LIVE, ISO_DISPOSED };

typedef struct ciso {
  char *name;
  int state;
  int lock_owner, lock_depth, ever_locked;
  int last_user, last_use_locked;
  int entered_total, running_total;
  per_thread *pt;
  int pt_cap;
} ciso;

typedef struct ctask { char *name; int last_thread; } ctask;

struct ck_checker {
  ck_model model;
  cthread **threads;   /* fixed CK_MAX_THREADS slots: never moved, see checker.h */
  int nthreads;
  ciso *isos;          /* index = isolate id; 0 unused */
  int nisos, isos_cap;
  ctask *tasks;
  int ntasks, tasks_cap;
  ck_violation *v;
  size_t nv, vcap;
};

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static int grow(void **p, int *cap, int need, size_t size) {
  if (need <= *cap) return 0;
  int n = *cap ? *cap : 8;
  while (n < need) n *= 2;
  void *q = realloc(*p, (size_t)n * size);
  if (!q) return -1;
  memset((char *)q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
  *p = q;
  *cap = n;
  return 0;
}

ck_checker *ck_new(ck_model model) {
  ck_checker *ck = calloc(1, sizeof *ck);
  if (!ck) return NULL;
  ck->model = model;
  ck->threads = calloc(CK_MAX_THREADS, sizeof *ck->threads);
  if (!ck->threads || grow((void **)&ck->isos, &ck->isos_cap, 1, sizeof(ciso))) {
    ck_free(ck);
    return NULL;
  }
  ck->nisos = 1;
  return ck;
}

void ck_free(ck_checker *ck) {
  if (!ck) return;
  for (int i = 0; i < ck->nthreads; i++) {
    free(ck->threads[i]->name);
    free(ck->threads[i]->stack);
    free(ck->threads[i]);
  }
  for (int i = 1; i < ck->nisos; i++) {
    free(ck->isos[i].name);
    free(ck->isos[i].pt);
  }
  for (int i = 0; i < ck->ntasks; i++) free(ck->tasks[i].name);
  free(ck->threads);
  free(ck->isos);
  free(ck->tasks);
  free(ck->v);
  free(ck);
}

ck_model ck_get_model(const ck_checker *ck) { return ck->model; }

int ck_add_thread(ck_checker *ck, const char *name) {
  if (ck->nthreads >= CK_MAX_THREADS) return -1;
  cthread *t = calloc(1, sizeof *t);
  if (!t || !(t->name = dupstr(name))) {
    free(t);
    return -1;
  }
  t->waiting_iso = CK_NONE;
  ck->threads[ck->nthreads] = t;
  return ck->nthreads++;
}

int ck_add_task(ck_checker *ck, const char *name) {
  if (grow((void **)&ck->tasks, &ck->tasks_cap, ck->ntasks + 1, sizeof(ctask))) return -1;
  ctask *k = &ck->tasks[ck->ntasks];
  if (!(k->name = dupstr(name))) return -1;
  k->last_thread = -1;
  return ck->ntasks++;
}

int ck_add_isolate(ck_checker *ck, const char *name) {
  if (grow((void **)&ck->isos, &ck->isos_cap, ck->nisos + 1, sizeof(ciso))) return -1;
  ciso *x = &ck->isos[ck->nisos];
  memset(x, 0, sizeof *x);
  if (!(x->name = dupstr(name))) return -1;
  x->state = ISO_NASCENT;
  x->lock_owner = -1;
  x->last_user = -1;
  return ck->nisos++;
}

static int valid_thread(const ck_checker *ck, int t) { return t >= 0 && t < ck->nthreads; }
static int valid_iso(const ck_checker *ck, int i) { return i >= 1 && i < ck->nisos; }

const char *ck_thread_name(const ck_checker *ck, int t) {
  return valid_thread(ck, t) ? ck->threads[t]->name : "?";
}
const char *ck_task_name(const ck_checker *ck, int k) {
  return k >= 0 && k < ck->ntasks ? ck->tasks[k].name : "";
}
const char *ck_isolate_name(const ck_checker *ck, int i) {
  if (i == CK_NONE) return "none";
  return valid_iso(ck, i) ? ck->isos[i].name : "an unknown isolate";
}
int ck_isolate_count(const ck_checker *ck) { return ck->nisos - 1; }
int ck_isolate_alive(const ck_checker *ck, int i) {
  return valid_iso(ck, i) && ck->isos[i].state == ISO_LIVE;
}
int ck_would_use_freed(const ck_checker *ck, const ck_event *ev) {
  return ev->op != CK_NEW && valid_iso(ck, ev->isolate) &&
         ck->isos[ev->isolate].state == ISO_DISPOSED;
}
int ck_lock_owner(const ck_checker *ck, int i) {
  return valid_iso(ck, i) ? ck->isos[i].lock_owner : -1;
}
int ck_ideal_current(const ck_checker *ck, int t) {
  const cthread *th = ck->threads[t];
  return th->depth ? th->stack[th->depth - 1].iso : CK_NONE;
}
int ck_thread_diverging(const ck_checker *ck, int t) { return ck->threads[t]->diverging; }
int ck_entry_depth(const ck_checker *ck, int t) { return ck->threads[t]->depth; }
size_t ck_violation_count(const ck_checker *ck) { return ck->nv; }
const ck_violation *ck_violation_at(const ck_checker *ck, size_t i) {
  return i < ck->nv ? &ck->v[i] : NULL;
}

/* The (isolate, thread) record, grown on demand; NULL only on out of memory. */
static per_thread *pt_of(ciso *x, int t) {
  if (grow((void **)&x->pt, &x->pt_cap, t + 1, sizeof(per_thread))) return NULL;
  return &x->pt[t];
}

static int pt_get(const ciso *x, int t, size_t field) {
  if (t >= x->pt_cap) return 0;
  return *(const int *)((const char *)&x->pt[t] + field);
}
#define PT(x, t, f) pt_get((x), (t), offsetof(per_thread, f))

/* Appends a violation of `code` for the event; the message is printf-formatted. */
static void flag(ck_checker *ck, ck_code code, const ck_event *ev, int iso, const char *fmt, ...) {
  if (ck->nv == ck->vcap) {
    size_t n = ck->vcap ? ck->vcap * 2 : 16;
    ck_violation *q = realloc(ck->v, n * sizeof *q);
    if (!q) return;
    ck->v = q;
    ck->vcap = n;
  }
  ck_violation *v = &ck->v[ck->nv++];
  v->code = code;
  v->severity = ck_code_severity(code);
  v->step = ev->step;
  v->thread = ev->thread;
  v->task = ev->task;
  v->isolate = iso;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->message, sizeof v->message, fmt, ap);
  va_end(ap);
}

/* The thread's entry stack as "[A, B]" into buf. */
static const char *stack_str(const ck_checker *ck, int t, char *buf, size_t n) {
  const cthread *th = ck->threads[t];
  size_t at = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < th->depth && at < n; i++)
    at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "",
                           ck->isos[th->stack[i].iso].name);
  if (at < n) snprintf(buf + at, n - at, "]");
  return buf;
}

/* First thread other than t for which the isolate's per-thread field is non-zero. */
static int other_with(const ciso *x, int t, size_t field) {
  for (int u = 0; u < x->pt_cap; u++)
    if (u != t && pt_get(x, u, field)) return u;
  return -1;
}

static void push_entry(ck_checker *ck, int t, int iso, int task) {
  cthread *th = ck->threads[t];
  if (grow((void **)&th->stack, &th->cap, th->depth + 1, sizeof(entry))) return;
  th->stack[th->depth++] = (entry){iso, task};
  ciso *x = &ck->isos[iso];
  per_thread *p = pt_of(x, t);
  if (p) p->entered++;
  x->entered_total++;
}

/* Removes the topmost entry of iso on thread t; returns its index or -1. */
static int remove_entry(ck_checker *ck, int t, int iso) {
  cthread *th = ck->threads[t];
  for (int i = th->depth - 1; i >= 0; i--) {
    if (th->stack[i].iso != iso) continue;
    memmove(&th->stack[i], &th->stack[i + 1], (size_t)(th->depth - i - 1) * sizeof(entry));
    th->depth--;
    ciso *x = &ck->isos[iso];
    x->pt[t].entered--;
    x->entered_total--;
    return i;
  }
  return -1;
}

/* A task that resumes on another thread while it still has an isolate entered on the
 * thread it left: wrong-thread. Returns the isolate reported, or CK_NONE. */
static int check_task_resume(ck_checker *ck, const ck_event *ev) {
  if (ev->task < 0 || ev->task >= ck->ntasks) return CK_NONE;
  ctask *k = &ck->tasks[ev->task];
  int from = k->last_thread, found = CK_NONE;
  k->last_thread = ev->thread;
  if (from < 0 || from == ev->thread) return CK_NONE;
  const cthread *th = ck->threads[from];
  for (int i = th->depth - 1; i >= 0 && found == CK_NONE; i--)
    if (th->stack[i].task == ev->task) found = th->stack[i].iso;
  if (found != CK_NONE)
    flag(ck, CK_WRONG_THREAD, ev, found,
          "task %s resumed on %s while its isolate %s is still entered on %s, where it "
          "suspended", k->name, ck_thread_name(ck, ev->thread), ck->isos[found].name,
          th->name);
  return found;
}

/* unlocked-shared / wrong-thread for a use of x by t without its Locker. */
static void check_sharing(ck_checker *ck, const ck_event *ev, ciso *x, int already) {
  int t = ev->thread;
  if (x->lock_owner == t || already == ev->isolate) return;  /* one of the two, never both */
  int u = -1;
  const char *how = "has it entered";
  if (x->entered_total > PT(x, t, entered)) {
    u = other_with(x, t, offsetof(per_thread, entered));
  } else if (x->running_total > PT(x, t, running)) {
    u = other_with(x, t, offsetof(per_thread, running));
    how = "is running script in it";
  }
  if (u >= 0) {
    flag(ck, CK_UNLOCKED_SHARED, ev, ev->isolate,
          "%s %s %s while %s %s, and no v8::Locker guards it",
          ck_thread_name(ck, t), ck_op_name(ev->op), x->name, ck_thread_name(ck, u), how);
  } else if (x->last_user >= 0 && x->last_user != t && !x->last_use_locked &&
             !PT(x, t, entered)) {  /* a thread that kept it entered never let go */
    flag(ck, CK_WRONG_THREAD, ev, ev->isolate,
          "%s %s %s, which %s used last, without a v8::Locker handoff (its stack limits "
          "and thread data belong to %s)",
          ck_thread_name(ck, t), ck_op_name(ev->op), x->name,
          ck_thread_name(ck, x->last_user), ck_thread_name(ck, x->last_user));
  }
}

/* Thread t now holds the Locker: that is the handoff, t becomes the last user. */
static void take_lock(ciso *x, int t, int depth) {
  x->lock_owner = t;
  x->lock_depth = depth;
  x->last_user = t;
  x->last_use_locked = 1;
}

/* A cycle of Lockers closed by thread t: every waiting step in it gets `deadlock`, at its
 * own step, so the verdict does not depend on which request reached the checker last. */
static void raise_cycle(ck_checker *ck, int t) {
  int u = t;
  for (int hops = 0; hops <= ck->nthreads; hops++) {
    cthread *uh = ck->threads[u];
    ciso *x = &ck->isos[uh->waiting_iso];
    if (!uh->deadlock_raised) {
      ck_event ev = {CK_LOCK, u, -1, uh->waiting_iso, uh->waiting_step};
      flag(ck, CK_DEADLOCK, &ev, uh->waiting_iso,
           "%s waits for the Locker of %s, held by %s, in a cycle of Lockers that wait for "
           "each other", uh->name, x->name, ck_thread_name(ck, x->lock_owner));
      uh->deadlock_raised = 1;
    }
    u = x->lock_owner;
    if (u == t || u < 0 || ck->threads[u]->waiting_iso == CK_NONE) return;
  }
}

/* Locker request (depth: what the thread holds once acquired). */
static void request_lock(ck_checker *ck, const ck_event *ev, ciso *x, int depth) {
  int t = ev->thread;
  x->ever_locked = 1;
  if (x->lock_owner == t) {
    x->lock_depth += depth;
    return;
  }
  if (x->lock_owner < 0) {
    take_lock(x, t, depth);
    return;
  }
  cthread *th = ck->threads[t];
  th->waiting_iso = ev->isolate;
  th->waiting_depth = depth;
  th->waiting_step = ev->step;
  th->deadlock_raised = 0;
  /* Follow the wait-for chain: back to t is a cycle; an ended holder never releases. */
  int u = x->lock_owner;
  for (int hops = 0; hops <= ck->nthreads; hops++) {
    cthread *uh = ck->threads[u];
    if (u == t) {
      raise_cycle(ck, t);
      return;
    }
    if (uh->ended) {
      flag(ck, CK_DEADLOCK, ev, ev->isolate,
           "%s waits for the Locker of %s, held by %s, which has ended without releasing it",
           th->name, x->name, ck_thread_name(ck, x->lock_owner));
      th->deadlock_raised = 1;
      return;
    }
    if (uh->waiting_iso == CK_NONE) return;
    u = ck->isos[uh->waiting_iso].lock_owner;
    if (u < 0) return;
  }
}

static void on_unlock(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  if (x->lock_owner != t) {
    flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
          "%s destroys a v8::Locker of %s that it does not hold (%s%s)",
          ck_thread_name(ck, t), x->name, x->lock_owner < 0 ? "nobody holds it" : "held by ",
          x->lock_owner < 0 ? "" : ck_thread_name(ck, x->lock_owner));
    return;
  }
  if (--x->lock_depth == 0) x->lock_owner = -1;
}

static void on_unlocker(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  per_thread *p = pt_of(x, t);
  if (!p) return;
  if (x->lock_owner != t)
    flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
          "%s opens a v8::Unlocker on %s without holding its Locker", ck_thread_name(ck, t),
          x->name);
  else if (p->entered)
    flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
          "%s opens a v8::Unlocker on %s while it still has %s entered (Exit first, then "
          "Unlocker, then Enter again)", ck_thread_name(ck, t), x->name, x->name);
  p->in_unlocker++;
  p->unlocker_depth = x->lock_owner == t ? x->lock_depth : 0;
  if (x->lock_owner == t) {
    x->lock_owner = -1;
    x->lock_depth = 0;
  }
}

static void on_relock(ck_checker *ck, const ck_event *ev, ciso *x) {
  per_thread *p = pt_of(x, ev->thread);
  if (!p) return;
  if (!p->in_unlocker) {
    flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
          "%s destroys a v8::Unlocker of %s that it never opened", ck_thread_name(ck, ev->thread),
          x->name);
    return;
  }
  p->in_unlocker--;
  request_lock(ck, ev, x, p->unlocker_depth ? p->unlocker_depth : 1);
}

static void on_dispose(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  if (x->lock_owner >= 0 && x->lock_owner != t)
    flag(ck, CK_DISPOSE_LOCKED, ev, ev->isolate, "%s disposes %s while %s holds its Locker",
          ck_thread_name(ck, t), x->name, ck_thread_name(ck, x->lock_owner));
  if (x->entered_total > 0) {
    int u = PT(x, t, entered) ? t : other_with(x, t, offsetof(per_thread, entered));
    flag(ck, CK_DISPOSE_ENTERED, ev, ev->isolate,
          "%s disposes %s while %s still has it entered (%d entr%s in all)",
          ck_thread_name(ck, t), x->name, u == t ? "this thread" : ck_thread_name(ck, u),
          x->entered_total, x->entered_total == 1 ? "y" : "ies");
    for (int u2 = 0; u2 < ck->nthreads; u2++)
      while (PT(x, u2, entered)) remove_entry(ck, u2, ev->isolate);
  }
  x->state = ISO_DISPOSED;
  x->lock_owner = -1;
  x->lock_depth = 0;
}

static void on_drop(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread, top = ck_ideal_current(ck, t);
  if (top != ev->isolate) {
    char buf[256];
    flag(ck, CK_DROP_ORDER, ev, ev->isolate,
          "%s drops %s but its current isolate is %s (entry stack %s): "
          "v8::OwnedIsolate instances must be dropped in the reverse order of creation",
          ck_thread_name(ck, t), x->name, ck_isolate_name(ck, top),
          stack_str(ck, t, buf, sizeof buf));
  }
  remove_entry(ck, t, ev->isolate);
  on_dispose(ck, ev, x);
}

static void on_exit(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread, top = ck_ideal_current(ck, t);
  if (top == ev->isolate) {  /* the common, correct case */
    remove_entry(ck, t, ev->isolate);
    return;
  }
  char buf[256];
  stack_str(ck, t, buf, sizeof buf);
  if (remove_entry(ck, t, ev->isolate) < 0)
    flag(ck, CK_EXIT_UNENTERED, ev, ev->isolate,
          "%s exits %s, which it has not entered (entry stack %s)", ck_thread_name(ck, t),
          x->name, buf);
  else
    flag(ck, CK_EXIT_ORDER, ev, ev->isolate,
          "%s exits %s while %s, entered later, is on top (entry stack %s)",
          ck_thread_name(ck, t), x->name, ck_isolate_name(ck, top), buf);
}

static void on_scope_use(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread, top = ck_ideal_current(ck, t);
  if (top != ev->isolate)
    flag(ck, CK_NOT_ENTERED, ev, ev->isolate, "%s %s %s, but the current isolate of %s is %s",
          ck_thread_name(ck, t), ev->op == CK_RUN ? "runs script in" : "creates a context in",
          x->name, ck_thread_name(ck, t), ck_isolate_name(ck, top));
  if (x->ever_locked && x->lock_owner != t)
    flag(ck, CK_LOCKING_REQUIRED, ev, ev->isolate,
          "%s %s %s without its v8::Locker, though %s has been used under a Locker",
          ck_thread_name(ck, t), ev->op == CK_RUN ? "runs script in" : "creates a context in",
          x->name, x->name);
  if (ev->op == CK_RUN) {
    per_thread *p = pt_of(x, t);
    if (p) p->running++;
    x->running_total++;
  }
}

static void on_thread_end(ck_checker *ck, const ck_event *ev) {
  int t = ev->thread;
  cthread *th = ck->threads[t];
  char buf[256];
  if (th->depth)
    flag(ck, CK_THREAD_EXIT_ENTERED, ev, th->stack[th->depth - 1].iso,
          "%s ends with isolates still entered: %s", th->name, stack_str(ck, t, buf, sizeof buf));
  for (int i = 1; i < ck->nisos; i++)
    if (ck->isos[i].lock_owner == t)
      flag(ck, CK_THREAD_EXIT_ENTERED, ev, i, "%s ends still holding the Locker of %s",
            th->name, ck->isos[i].name);
  th->ended = 1;
}

static void on_await(ck_checker *ck, const ck_event *ev) {
  const cthread *th = ck->threads[ev->thread];
  for (int i = th->depth - 1; i >= 0; i--) {
    if (th->stack[i].task != ev->task || ev->task < 0) continue;
    flag(ck, CK_SUSPEND_WHILE_ENTERED, ev, th->stack[i].iso,
          "task %s suspends on %s with %s still entered: the next task polled on %s runs "
          "inside it", ck_task_name(ck, ev->task), th->name, ck->isos[th->stack[i].iso].name,
          th->name);
    return;
  }
}

/* The common, correct enter or exit: no task, a live isolate, nothing that could raise a
 * violation (the lock is held, or no other thread has it entered or running and this
 * thread may use it), and for exit the isolate on top. Applies it and returns 1; 0
 * leaves everything to the general path, which gives the same result. */
static int feed_fast(ck_checker *ck, const ck_event *ev) {
  int t = ev->thread, i = ev->isolate;
  if (ev->task >= 0 || !valid_thread(ck, t) || !valid_iso(ck, i)) return 0;
  ciso *x = &ck->isos[i];
  if (x->state != ISO_LIVE || t >= x->pt_cap) return 0;
  per_thread *p = &x->pt[t];
  if (x->lock_owner != t) {
    if (x->entered_total != p->entered || x->running_total != p->running) return 0;
    if (x->last_user != t && x->last_user >= 0 && !x->last_use_locked && !p->entered) return 0;
  }
  cthread *th = ck->threads[t];
  if (ev->op == CK_ENTER) {
    if (th->depth == th->cap) return 0;
    th->stack[th->depth++] = (entry){i, -1};
    p->entered++;
    x->entered_total++;
  } else {
    if (!th->depth || th->stack[th->depth - 1].iso != i) return 0;
    th->depth--;
    p->entered--;
    x->entered_total--;
  }
  x->last_user = t;
  x->last_use_locked = x->lock_owner == t;
  return 1;
}

size_t ck_feed(ck_checker *ck, const ck_event *ev) {
  if ((ev->op == CK_ENTER || ev->op == CK_EXIT) && feed_fast(ck, ev)) return 0;
  size_t n0 = ck->nv;
  if (!valid_thread(ck, ev->thread)) return 0;
  int resumed = check_task_resume(ck, ev);
  switch (ev->op) {
  case CK_AWAIT: on_await(ck, ev); return ck->nv - n0;
  case CK_THREAD_END: on_thread_end(ck, ev); return ck->nv - n0;
  case CK_WAIT: case CK_CHECK_CURRENT: return ck->nv - n0;
  default: break;
  }
  if (!valid_iso(ck, ev->isolate)) return ck->nv - n0;
  ciso *x = &ck->isos[ev->isolate];
  if (x->state == ISO_DISPOSED) {
    flag(ck, CK_USE_AFTER_DISPOSE, ev, ev->isolate,
          "%s: %s %s after %s was disposed (not executed: a use-after-free)",
          ck_thread_name(ck, ev->thread), ck_op_name(ev->op), x->name, x->name);
    return ck->nv - n0;
  }
  if (ev->op == CK_NEW) {
    x->state = ISO_LIVE;
    x->last_user = ev->thread;
    if (ck->model == CK_MODEL_RUSTY_V8) push_entry(ck, ev->thread, ev->isolate, ev->task);
    return ck->nv - n0;
  }
  if (x->state != ISO_LIVE) return ck->nv - n0;
  if (ck_op_is_use(ev->op)) {
    check_sharing(ck, ev, x, resumed);
    x->last_user = ev->thread;
    x->last_use_locked = x->lock_owner == ev->thread;
  }
  switch (ev->op) {
  case CK_ENTER: push_entry(ck, ev->thread, ev->isolate, ev->task); break;
  case CK_EXIT: on_exit(ck, ev, x); break;
  case CK_CONTEXT: case CK_RUN: on_scope_use(ck, ev, x); break;
  case CK_DISPOSE: on_dispose(ck, ev, x); break;
  case CK_DROP: on_drop(ck, ev, x); break;
  case CK_LOCK: request_lock(ck, ev, x, 1); break;
  case CK_UNLOCK: on_unlock(ck, ev, x); break;
  case CK_UNLOCKER: on_unlocker(ck, ev, x); break;
  case CK_RELOCK: on_relock(ck, ev, x); break;
  default: break; /* gc; terminate, cancel-terminate, interrupt: legal from any thread */
  }
  return ck->nv - n0;
}

void ck_acquired(ck_checker *ck, int t, int iso) {
  if (!valid_thread(ck, t) || !valid_iso(ck, iso)) return;
  cthread *th = ck->threads[t];
  if (th->waiting_iso != iso) return;
  take_lock(&ck->isos[iso], t, th->waiting_depth);
  th->waiting_iso = CK_NONE;
}

void ck_run_done(ck_checker *ck, int t, int iso) {
  if (!valid_thread(ck, t) || !valid_iso(ck, iso)) return;
  ciso *x = &ck->isos[iso];
  if (t < x->pt_cap && x->pt[t].running > 0) {
    x->pt[t].running--;
    x->running_total--;
  }
}

size_t ck_observe(ck_checker *ck, int t, int real, int step) {
  if (!valid_thread(ck, t)) return 0;
  cthread *th = ck->threads[t];
  int ideal = ck_ideal_current(ck, t);
  if (real == ideal) {
    th->diverging = 0;
    return 0;
  }
  if (th->diverging) return 0;
  th->diverging = 1;
  ck_event ev = {CK_CHECK_CURRENT, t, -1, ideal, step};
  const char *dangling = valid_iso(ck, real) && ck->isos[real].state == ISO_DISPOSED
                             ? " (disposed: a dangling pointer)" : "";
  flag(ck, CK_TLS_DIVERGENCE, &ev, real > 0 ? real : ideal,
        "real Isolate::GetCurrent() on %s is %s%s, but a correct embedding would have %s "
        "current", th->name, ck_isolate_name(ck, real), dangling, ck_isolate_name(ck, ideal));
  return 1;
}

size_t ck_end(ck_checker *ck, int step) {
  size_t n0 = ck->nv;
  for (int t = 0; t < ck->nthreads; t++) {
    cthread *th = ck->threads[t];
    if (th->waiting_iso == CK_NONE || th->deadlock_raised) continue;
    ck_event ev = {CK_LOCK, t, -1, th->waiting_iso, th->waiting_step};
    ciso *x = &ck->isos[th->waiting_iso];
    flag(ck, CK_DEADLOCK, &ev, th->waiting_iso,
          "%s waits forever for the Locker of %s, held by %s and never released", th->name,
          x->name, ck_thread_name(ck, x->lock_owner));
    th->deadlock_raised = 1;
  }
  for (int i = 1; i < ck->nisos; i++) {
    if (ck->isos[i].state != ISO_LIVE) continue;
    ck_event ev = {CK_DISPOSE, -1, -1, i, step};
    flag(ck, CK_LEAKED_ISOLATE, &ev, i, "%s is never disposed", ck->isos[i].name);
  }
  return ck->nv - n0;
}
