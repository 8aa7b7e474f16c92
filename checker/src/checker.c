/* checker.c — the ideal-embedding state machine behind checker.h: the transitions.
 *
 * Ideal entry stack of a thread: `enter X` pushes X; `exit X` removes the topmost entry
 * of X wherever it stands; the ideal current isolate is the top. The verdicts follow
 * what the embedder meant, never what V8 did, so --real and --dry-run agree. The state
 * and its queries are in checker_state.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_state.h"
#include "vec.h"

/* Appends a violation of `code` for the event; the message is printf-formatted. */
static void flag(ck_checker *ck, ck_code code, const ck_event *ev, int iso, const char *fmt, ...) {
  if (vec_grow(&ck->v, &ck->vcap, ck->nv + 1, sizeof *ck->v)) {
    ck->failed = 1;
    return;
  }
  ck_violation *v = &ck->v[ck->nv++];
  v->code = code;
  v->severity = ck_code_severity(code);
  v->step = ev->step;
  v->thread = ev->thread;
  v->task = ev->task;
  v->isolate = iso;
  v->thread_name = valid_thread(ck, ev->thread) ? slot(ck, ev->thread)->name : "";
  v->task_name = ck_task_name(ck, ev->task);
  v->isolate_name = valid_iso(ck, iso) ? ck->isos[iso].name : "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->message, sizeof v->message, fmt, ap);
  va_end(ap);
}

/* The thread's entry stack as "[A, B]" into buf. */
static const char *stack_str(const ck_checker *ck, int t, char *buf, size_t n) {
  const cthread *th = slot(ck, t);
  size_t at = (size_t)snprintf(buf, n, "[");
  for (size_t i = 0; i < th->depth && at < n; i++)
    at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "",
                           ck->isos[th->stack[i].iso].name);
  if (at < n) snprintf(buf + at, n - at, "]");
  return buf;
}

/* First thread other than t for which the isolate's per-thread field is non-zero. */
static int other_with(const ciso *x, int t, size_t field) {
  for (size_t u = 0; u < x->pt_cap; u++)
    if ((int)u != t && ck_pt_get(x, (int)u, field)) return (int)u;
  return -1;
}

static void push_entry(ck_checker *ck, int t, int iso, int task) {
  cthread *th = slot(ck, t);
  ciso *x = &ck->isos[iso];
  per_thread *p = ck_pt_of(ck, x, t);
  if (!p || vec_grow(&th->stack, &th->cap, th->depth + 1, sizeof(entry))) {
    ck->failed = 1;
    return;
  }
  th->stack[th->depth++] = (entry){iso, task};
  p->entered++;
  x->entered_total++;
}

/* Removes the topmost entry of iso on thread t; returns its index or -1. */
static int remove_entry(ck_checker *ck, int t, int iso) {
  cthread *th = slot(ck, t);
  for (size_t i = th->depth; i-- > 0;) {
    if (th->stack[i].iso != iso) continue;
    memmove(&th->stack[i], &th->stack[i + 1], (th->depth - i - 1) * sizeof(entry));
    th->depth--;
    ciso *x = &ck->isos[iso];
    x->pt[t].entered--;
    x->entered_total--;
    return (int)i;
  }
  return -1;
}

/* A task that resumes on another thread while it still has an isolate entered on the
 * thread it left: wrong-thread. Returns the isolate reported, or CK_NONE. */
static int check_task_resume(ck_checker *ck, const ck_event *ev) {
  if (ev->task < 0 || (size_t)ev->task >= ck->ntasks) return CK_NONE;
  ctask *k = &ck->tasks[ev->task];
  int serial = slot(ck, ev->thread)->serial, last = k->last_serial, found = CK_NONE;
  k->last_serial = serial;
  if (last < 0 || last == serial || ck->slot_of[last] < 0) return CK_NONE;  /* released: nothing entered */
  const cthread *th = slot(ck, ck->slot_of[last]);
  for (size_t i = th->depth; i-- > 0 && found == CK_NONE;)
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
  int t = ev->thread, serial = slot(ck, t)->serial;
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
  } else if (x->last_user >= 0 && x->last_user != serial && !x->last_use_locked &&
             !PT(x, t, entered)) {  /* a thread that kept it entered never let go */
    flag(ck, CK_WRONG_THREAD, ev, ev->isolate,
          "%s %s %s, which %s used last, without a v8::Locker handoff (its stack limits "
          "and thread data belong to %s)",
          ck_thread_name(ck, t), ck_op_name(ev->op), x->name,
          ck_serial_name(ck, x->last_user), ck_serial_name(ck, x->last_user));
  }
}

/* Thread t now holds the Locker: that is the handoff, t becomes the last user. */
static void take_lock(ck_checker *ck, ciso *x, int t, int depth) {
  x->lock_owner = t;
  x->lock_depth = depth;
  x->last_user = slot(ck, t)->serial;
  x->last_use_locked = 1;
  slot(ck, t)->locks_held++;
}

/* Thread t lets the Locker go entirely. */
static void drop_lock(ck_checker *ck, ciso *x) {
  if (x->lock_owner >= 0) slot(ck, x->lock_owner)->locks_held--;
  x->lock_owner = -1;
  x->lock_depth = 0;
}

/* A cycle of Lockers closed by thread t: every waiting step in it gets `deadlock`, at its
 * own step, so the verdict does not depend on which request reached the checker last. */
static void raise_cycle(ck_checker *ck, int t) {
  int u = t;
  for (int hops = 0; hops <= ck->nslots; hops++) {
    cthread *uh = slot(ck, u);
    ciso *x = &ck->isos[uh->waiting_iso];
    if (!uh->deadlock_raised) {
      ck_event ev = {CK_LOCK, u, -1, uh->waiting_iso, uh->waiting_step};
      flag(ck, CK_DEADLOCK, &ev, uh->waiting_iso,
           "%s waits for the Locker of %s, held by %s, in a cycle of Lockers that wait for "
           "each other", uh->name, x->name, ck_thread_name(ck, x->lock_owner));
      uh->deadlock_raised = 1;
    }
    u = x->lock_owner;
    if (u == t || u < 0 || slot(ck, u)->waiting_iso == CK_NONE) return;
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
    take_lock(ck, x, t, depth);
    return;
  }
  cthread *th = slot(ck, t);
  th->waiting_iso = ev->isolate;
  th->waiting_depth = depth;
  th->waiting_step = ev->step;
  th->deadlock_raised = 0;
  /* Follow the wait-for chain: back to t is a cycle; an ended holder never releases. */
  int u = x->lock_owner;
  for (int hops = 0; hops <= ck->nslots; hops++) {
    cthread *uh = slot(ck, u);
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
  if (--x->lock_depth == 0) drop_lock(ck, x);
}

static void on_unlocker(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  per_thread *p = ck_pt_of(ck, x, t);
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
  slot(ck, t)->open_unlockers++;
  p->unlocker_depth = x->lock_owner == t ? x->lock_depth : 0;
  if (x->lock_owner == t) drop_lock(ck, x);
}

static void on_relock(ck_checker *ck, const ck_event *ev, ciso *x) {
  per_thread *p = ck_pt_of(ck, x, ev->thread);
  if (!p) return;
  if (!p->in_unlocker) {
    flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
          "%s destroys a v8::Unlocker of %s that it never opened", ck_thread_name(ck, ev->thread),
          x->name);
    return;
  }
  p->in_unlocker--;
  slot(ck, ev->thread)->open_unlockers--;
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
    for (int u2 = 0; u2 < ck->nslots; u2++)
      while (PT(x, u2, entered)) remove_entry(ck, u2, ev->isolate);
  }
  x->state = ISO_DISPOSED;
  drop_lock(ck, x);
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
    per_thread *p = ck_pt_of(ck, x, t);
    if (!p) return;
    p->running++;
    x->running_total++;
    slot(ck, t)->open_runs++;
  }
}

static void on_thread_end(ck_checker *ck, const ck_event *ev) {
  int t = ev->thread;
  cthread *th = slot(ck, t);
  char buf[256];
  if (th->depth)
    flag(ck, CK_THREAD_EXIT_ENTERED, ev, th->stack[th->depth - 1].iso,
          "%s ends with isolates still entered: %s", th->name, stack_str(ck, t, buf, sizeof buf));
  for (size_t i = 1; i < ck->nisos && th->locks_held; i++)
    if (ck->isos[i].lock_owner == t)
      flag(ck, CK_THREAD_EXIT_ENTERED, ev, (int)i, "%s ends still holding the Locker of %s",
            th->name, ck->isos[i].name);
  th->ended = 1;
}

static void on_await(ck_checker *ck, const ck_event *ev) {
  const cthread *th = slot(ck, ev->thread);
  for (size_t i = th->depth; i-- > 0;) {
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
  if (x->state != ISO_LIVE || (size_t)t >= x->pt_cap) return 0;
  per_thread *p = &x->pt[t];
  cthread *th = slot(ck, t);
  if (x->lock_owner != t) {
    if (x->entered_total != p->entered || x->running_total != p->running) return 0;
    if (x->last_user != th->serial && x->last_user >= 0 && !x->last_use_locked && !p->entered) return 0;
  }
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
  x->last_user = th->serial;
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
    x->last_user = slot(ck, ev->thread)->serial;
    if (ck->model == CK_MODEL_RUSTY_V8) push_entry(ck, ev->thread, ev->isolate, ev->task);
    return ck->nv - n0;
  }
  if (x->state != ISO_LIVE) return ck->nv - n0;
  if (ck_op_is_use(ev->op)) {
    check_sharing(ck, ev, x, resumed);
    x->last_user = slot(ck, ev->thread)->serial;
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
  cthread *th = slot(ck, t);
  if (th->waiting_iso != iso) return;
  take_lock(ck, &ck->isos[iso], t, th->waiting_depth);
  th->waiting_iso = CK_NONE;
}

void ck_run_done(ck_checker *ck, int t, int iso) {
  if (!valid_thread(ck, t) || !valid_iso(ck, iso)) return;
  ciso *x = &ck->isos[iso];
  if ((size_t)t < x->pt_cap && x->pt[t].running > 0) {
    x->pt[t].running--;
    x->running_total--;
    slot(ck, t)->open_runs--;
  }
}

size_t ck_observe(ck_checker *ck, int t, int real, int step) {
  if (!valid_thread(ck, t)) return 0;
  cthread *th = slot(ck, t);
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
  for (int t = 0; t < ck->nslots; t++) {
    cthread *th = slot(ck, t);
    if (th->waiting_iso == CK_NONE || th->deadlock_raised) continue;
    ck_event ev = {CK_LOCK, t, -1, th->waiting_iso, th->waiting_step};
    ciso *x = &ck->isos[th->waiting_iso];
    flag(ck, CK_DEADLOCK, &ev, th->waiting_iso,
          "%s waits forever for the Locker of %s, held by %s and never released", th->name,
          x->name, ck_thread_name(ck, x->lock_owner));
    th->deadlock_raised = 1;
  }
  for (size_t i = 1; i < ck->nisos; i++) {
    if (ck->isos[i].state != ISO_LIVE) continue;
    ck_event ev = {CK_DISPOSE, -1, -1, (int)i, step};
    flag(ck, CK_LEAKED_ISOLATE, &ev, i, "%s is never disposed", ck->isos[i].name);
  }
  return ck->nv - n0;
}
