/* checker.c — the ideal-embedding state machine behind checker.h: the dispatch, entry
 * stacks, uses and their thread and Locker rules, dispose, tasks, observations, the end.
 *
 * Ideal entry stack of a thread: `enter X` pushes X; `exit X` removes the topmost entry
 * of X wherever it stands; the ideal current isolate is the top. The verdicts follow
 * what the embedder meant, never what V8 did, so --real and --dry-run agree. Lockers and
 * waits are in checker_lock.c, handles in checker_handle.c, the state in
 * checker_state.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_state.h"
#include "vec.h"

void ck_flag(ck_checker *ck, ck_code code, const ck_event *ev, int iso, const char *fmt, ...) {
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

const char *ck_stack_str(const ck_checker *ck, int t, char *buf, size_t n) {
  const cthread *th = slot(ck, t);
  size_t at = (size_t)snprintf(buf, n, "[");
  for (size_t i = 0; i < th->depth && at < n; i++)
    at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "", ck->isos[th->stack[i].iso].name);
  if (at < n) snprintf(buf + at, n - at, "]");
  return buf;
}

/* First thread other than t for which the isolate's per-thread field is non-zero. */
static int other_with(const ciso *x, int t, size_t field) {
  for (size_t u = 0; u < x->pt_cap; u++)
    if ((int)u != t && ck_pt_get(x, (int)u, field)) return (int)u;
  return -1;
}

/* What an op does, as a verb phrase for messages ("runs script in"). */
static const char *verb(ck_op op) {
  switch (op) {
    case CK_ENTER: return "enters";
    case CK_EXIT: return "exits";
    case CK_CONTEXT: return "creates a context in";
    case CK_RUN: return "runs script in";
    case CK_GC: return "collects garbage in";
    case CK_GLOBAL: return "creates a global in";
    case CK_PERSISTENT: return "creates a persistent in";
    case CK_OPEN: return "opens a handle of";
    case CK_RESET: return "resets a handle of";
    case CK_WEAK: return "makes a handle weak in";
    case CK_HEAP_STATS: return "reads the heap statistics of";
    default: return ck_op_name(op);
  }
}

static void push_entry(ck_checker *ck, int t, int iso, int task) {
  cthread *th = slot(ck, t);
  ciso *x = &ck->isos[iso];
  per_thread *p = ck_pt_of(ck, x, t);
  if (!p || vec_grow(&th->stack, &th->cap, th->depth + 1, sizeof(entry))) {
    ck->failed = 1;
    return;
  }
  th->stack[th->depth++] = (entry){iso, task, 0};
  p->entered++;
  x->entered_total++;
}

/* Removes the topmost entry of iso on thread t; returns its index or -1. */
static int remove_entry(ck_checker *ck, int t, int iso) {
  cthread *th = slot(ck, t);
  for (size_t i = th->depth; i-- > 0;) {
    if (th->stack[i].iso != iso) continue;
    if (th->stack[i].suspended) th->nsuspended--;
    memmove(&th->stack[i], &th->stack[i + 1], (th->depth - i - 1) * sizeof(entry));
    th->depth--;
    ciso *x = &ck->isos[iso];
    x->pt[t].entered--;
    x->entered_total--;
    return (int)i;
  }
  return -1;
}

/* ---- tasks ------------------------------------------------------------------------- */

/* A task suspended with an isolate entered on thread t, and now something else runs
 * there (`by`: another task, or the same task resuming on another thread): the warning
 * goes to the `await` step, once, and the suspension is settled. */
static void suspension_harms(ck_checker *ck, int t, size_t i, const char *by) {
  cthread *th = slot(ck, t);
  entry e = th->stack[i];
  ck_event ev = {CK_AWAIT, t, e.task, e.iso, e.suspended, 0, 0, 0};
  ck_flag(ck, CK_SUSPEND_WHILE_ENTERED, &ev, e.iso,
          "task %s suspended on %s with %s still entered, and %s: it runs inside %s", ck_task_name(ck, e.task),
          th->name, ck->isos[e.iso].name, by, ck->isos[e.iso].name);
  for (size_t k = 0; k < th->depth; k++)  /* every entry that await left */
    if (th->stack[k].suspended == e.suspended && th->stack[k].task == e.task) {
      th->stack[k].suspended = 0;
      th->nsuspended--;
    }
}

/* Entries a suspended task left on this thread: harmless while that task is the next to
 * run here (a thread dedicated to one runtime); a warning once anything else runs. */
static void check_suspended(ck_checker *ck, const ck_event *ev) {
  cthread *th = slot(ck, ev->thread);
  if (!th->nsuspended || ev->op == CK_CHECK_CURRENT || ev->op == CK_WAIT || ev->op == CK_BLOCK_END) return;
  for (size_t i = th->depth; i-- > 0 && th->nsuspended;) {
    entry *e = &th->stack[i];
    if (!e->suspended) continue;
    if (e->task == ev->task) {  /* it resumed here: nothing else ran inside it */
      e->suspended = 0;
      th->nsuspended--;
      continue;
    }
    char by[200];
    if (ev->task >= 0) snprintf(by, sizeof by, "task %s then ran on %s", ck_task_name(ck, ev->task), th->name);
    else snprintf(by, sizeof by, "%s then ran other code", th->name);
    suspension_harms(ck, ev->thread, i, by);
    i = th->depth;  /* entries moved: look again from the top */
  }
}

/* A task that resumes on another thread while it still has an isolate entered on the
 * thread it left: wrong-thread. Returns the isolate reported, or CK_NONE. */
static int check_task_resume(ck_checker *ck, const ck_event *ev) {
  if (ev->task < 0 || (size_t)ev->task >= ck->ntasks) return CK_NONE;
  ctask *k = &ck->tasks[ev->task];
  int serial = slot(ck, ev->thread)->serial, last = k->last_serial, found = CK_NONE;
  k->last_serial = serial;
  if (last < 0 || last == serial || ck->slot_of[last] < 0) return CK_NONE;  /* released: nothing entered */
  int old = ck->slot_of[last];
  cthread *th = slot(ck, old);
  size_t at = 0;
  for (size_t i = th->depth; i-- > 0 && found == CK_NONE;)
    if (th->stack[i].task == ev->task) found = th->stack[at = i].iso;
  if (found == CK_NONE) return CK_NONE;
  ck_flag(ck, CK_WRONG_THREAD, ev, found,
          "task %s resumed on %s while its isolate %s is still entered on %s, where it suspended", k->name,
          ck_thread_name(ck, ev->thread), ck->isos[found].name, th->name);
  if (th->stack[at].suspended) {
    char by[200];
    snprintf(by, sizeof by, "it resumed on %s", ck_thread_name(ck, ev->thread));
    suspension_harms(ck, old, at, by);
  }
  return found;
}

static void on_await(ck_checker *ck, const ck_event *ev) {
  cthread *th = slot(ck, ev->thread);
  for (size_t i = 0; i < th->depth && ev->task >= 0; i++) {
    if (th->stack[i].task != ev->task || th->stack[i].suspended) continue;
    th->stack[i].suspended = ev->step;
    th->nsuspended++;
  }
}

/* ---- uses -------------------------------------------------------------------------- */

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
    ck_flag(ck, CK_UNLOCKED_SHARED, ev, ev->isolate, "%s %s %s while %s %s, and no v8::Locker guards it",
            ck_thread_name(ck, t), ck_op_name(ev->op), x->name, ck_thread_name(ck, u), how);
  } else if (x->last_user >= 0 && x->last_user != serial && !x->last_use_locked &&
             !PT(x, t, entered)) {  /* a thread that kept it entered never let go */
    ck_flag(ck, CK_WRONG_THREAD, ev, ev->isolate,
            "%s %s %s, which %s used last, without a v8::Locker handoff (its stack limits and thread data "
            "belong to %s)", ck_thread_name(ck, t), ck_op_name(ev->op), x->name, ck_serial_name(ck, x->last_user),
            ck_serial_name(ck, x->last_user));
  }
}

/* Ops that need the Locker once the isolate has been locked (dispose and drop have their
 * own codes for the cases that are not the exception). */
static int needs_locker(ck_op op) {
  switch (op) {
    case CK_ENTER: case CK_EXIT: case CK_CONTEXT: case CK_RUN: case CK_GC: case CK_GLOBAL: case CK_PERSISTENT:
    case CK_OPEN: case CK_RESET: case CK_WEAK: case CK_HEAP_STATS:
      return 1;
    default:
      return 0;
  }
}

static void check_locking(ck_checker *ck, const ck_event *ev, ciso *x) {
  if (!x->ever_locked || x->lock_owner == ev->thread || !needs_locker(ev->op)) return;
  ck_flag(ck, CK_LOCKING_REQUIRED, ev, ev->isolate, "%s %s %s without its v8::Locker, though %s has been used under a Locker",
          ck_thread_name(ck, ev->thread), verb(ev->op), x->name, x->name);
}

/* A run (or a gc with a block) starts on thread t: it counts as running until
 * ck_run_done(), under the Locker depth t holds now. */
static void start_run(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  cthread *th = slot(ck, t);
  per_thread *p = ck_pt_of(ck, x, t);
  if (!p || vec_grow(&th->runs, &th->runs_cap, th->nruns + 1, sizeof *th->runs)) {
    ck->failed = 1;
    return;
  }
  th->runs[th->nruns++] = (open_run){ev->isolate, x->lock_owner == t ? x->lock_depth : 0};
  p->running++;
  x->running_total++;
}

/* context, run: the isolate must be this thread's current one; a run in a context of
 * another isolate (`in NAME of Y`) is cross-isolate instead. */
static void on_scope_use(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread, top = ck_ideal_current(ck, t);
  if (ev->op == CK_RUN && valid_iso(ck, ev->object) && ev->object != ev->isolate)
    ck_flag(ck, CK_CROSS_ISOLATE, ev, ev->isolate,
            "%s runs script in %s inside a context of %s: V8 checks the context against the isolate in debug "
            "builds only", ck_thread_name(ck, t), x->name, ck->isos[ev->object].name);
  else if (top != ev->isolate)
    ck_flag(ck, CK_NOT_ENTERED, ev, ev->isolate, "%s %s %s, but the current isolate of %s is %s",
            ck_thread_name(ck, t), verb(ev->op), x->name, ck_thread_name(ck, t), ck_isolate_name(ck, top));
}

/* ---- exit, dispose, drop ----------------------------------------------------------- */

static void on_exit(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread, top = ck_ideal_current(ck, t);
  if (top == ev->isolate) {  /* the common, correct case */
    remove_entry(ck, t, ev->isolate);
    return;
  }
  char buf[256];
  ck_stack_str(ck, t, buf, sizeof buf);
  if (remove_entry(ck, t, ev->isolate) < 0)
    ck_flag(ck, CK_EXIT_UNENTERED, ev, ev->isolate, "%s exits %s, which it has not entered (entry stack %s)",
            ck_thread_name(ck, t), x->name, buf);
  else
    ck_flag(ck, CK_EXIT_ORDER, ev, ev->isolate, "%s exits %s while %s, entered later, is on top (entry stack %s)",
            ck_thread_name(ck, t), x->name, ck_isolate_name(ck, top), buf);
}

static void on_dispose(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  if (x->lock_owner == t)
    ck_flag(ck, CK_DISPOSE_LOCKED, ev, ev->isolate,
            "%s disposes %s while it still holds its Locker itself: the v8::Locker's destructor then runs on a "
            "freed isolate", ck_thread_name(ck, t), x->name);
  else if (x->lock_owner >= 0)
    ck_flag(ck, CK_DISPOSE_LOCKED, ev, ev->isolate, "%s disposes %s while %s holds its Locker", ck_thread_name(ck, t),
            x->name, ck_thread_name(ck, x->lock_owner));
  if (x->entered_total > 0) {
    int u = PT(x, t, entered) ? t : other_with(x, t, offsetof(per_thread, entered));
    ck_flag(ck, CK_DISPOSE_ENTERED, ev, ev->isolate, "%s disposes %s while %s still has it entered (%d entr%s in all)",
            ck_thread_name(ck, t), x->name, u == t ? "this thread" : ck_thread_name(ck, u), x->entered_total,
            x->entered_total == 1 ? "y" : "ies");
    for (int u2 = 0; u2 < ck->nslots; u2++)
      while (PT(x, u2, entered)) remove_entry(ck, u2, ev->isolate);
  }
  x->state = ISO_DISPOSED;
  x->disposer = slot(ck, t)->serial;
  x->dispose_step = ev->step;
  x->dispose_line = ev->line;
  ck_drop_lock(ck, x);
}

static void on_drop(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread, top = ck_ideal_current(ck, t);
  if (top != ev->isolate) {
    char buf[256];
    ck_flag(ck, CK_DROP_ORDER, ev, ev->isolate,
            "%s drops %s but its current isolate is %s (entry stack %s): v8::OwnedIsolate instances must be "
            "dropped in the reverse order of creation", ck_thread_name(ck, t), x->name, ck_isolate_name(ck, top),
            ck_stack_str(ck, t, buf, sizeof buf));
  }
  remove_entry(ck, t, ev->isolate);
  on_dispose(ck, ev, x);
}

/* Any op on a disposed isolate: once per isolate and thread, naming who disposed it and
 * where; handle ops have their own code; rusty_v8's IsolateHandle makes terminate and
 * its kin safe. */
static void on_disposed(ck_checker *ck, const ck_event *ev, ciso *x) {
  if (ck_handle_after_dispose(ck, ev, x) || !ck_would_use_freed(ck, ev)) return;
  int serial = slot(ck, ev->thread)->serial;
  for (size_t k = 0; k < x->ntold; k++)
    if (x->told[k] == serial) return;
  if (vec_grow(&x->told, &x->told_cap, x->ntold + 1, sizeof *x->told)) {
    ck->failed = 1;
    return;
  }
  x->told[x->ntold++] = serial;
  char where[48];
  ck_flag(ck, CK_USE_AFTER_DISPOSE, ev, ev->isolate,
          "%s: %s %s after %s disposed it%s (not executed: a use-after-free); later uses of %s on %s are not "
          "reported again", ck_thread_name(ck, ev->thread), ck_op_name(ev->op), x->name, ck_serial_name(ck, x->disposer),
          ck_where(x->dispose_line, x->dispose_step, where, sizeof where), x->name, ck_thread_name(ck, ev->thread));
}

static void on_thread_end(ck_checker *ck, const ck_event *ev) {
  int t = ev->thread;
  cthread *th = slot(ck, t);
  char buf[256];
  if (th->depth)
    ck_flag(ck, CK_THREAD_EXIT_ENTERED, ev, th->stack[th->depth - 1].iso, "%s ends with isolates still entered: %s",
            th->name, ck_stack_str(ck, t, buf, sizeof buf));
  for (size_t i = 1; i < ck->nisos && th->locks_held; i++)
    if (ck->isos[i].lock_owner == t)
      ck_flag(ck, CK_THREAD_EXIT_ENTERED, ev, (int)i, "%s ends still holding the Locker of %s", th->name,
              ck->isos[i].name);
  th->ended = 1;
  ck_thread_gone(ck, t);
}

/* ---- the dispatch ------------------------------------------------------------------ */

/* The common, correct enter or exit: no task, nothing suspended, a live isolate, nothing
 * that could raise a violation (the lock is held, or it was never locked and no other
 * thread has it entered or running and this thread may use it), and for exit the isolate
 * on top. Applies it and returns 1; 0 leaves everything to the general path, which gives
 * the same result. */
static int feed_fast(ck_checker *ck, const ck_event *ev) {
  int t = ev->thread, i = ev->isolate;
  if (ev->task >= 0 || !valid_thread(ck, t) || !valid_iso(ck, i)) return 0;
  ciso *x = &ck->isos[i];
  if (x->state != ISO_LIVE || (size_t)t >= x->pt_cap) return 0;
  per_thread *p = &x->pt[t];
  cthread *th = slot(ck, t);
  if (th->nsuspended) return 0;
  if (x->lock_owner != t) {
    if (x->ever_locked || x->entered_total != p->entered || x->running_total != p->running) return 0;
    if (x->last_user != th->serial && x->last_user >= 0 && !x->last_use_locked && !p->entered) return 0;
  }
  if (ev->op == CK_ENTER) {
    if (th->depth == th->cap) return 0;
    th->stack[th->depth++] = (entry){i, -1, 0};
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

/* The op on a live isolate, after the thread rules. */
static void apply(ck_checker *ck, const ck_event *ev, ciso *x) {
  switch (ev->op) {
    case CK_ENTER: push_entry(ck, ev->thread, ev->isolate, ev->task); break;
    case CK_EXIT: on_exit(ck, ev, x); break;
    case CK_CONTEXT: on_scope_use(ck, ev, x); break;
    case CK_RUN:
      on_scope_use(ck, ev, x);
      start_run(ck, ev, x);
      break;
    case CK_GC:
      ck_gc_collects(ck, ev);
      if (ev->block) start_run(ck, ev, x);  /* its weak callback runs the block */
      break;
    case CK_GLOBAL: case CK_PERSISTENT: case CK_OPEN: case CK_RESET: case CK_WEAK: ck_on_handle(ck, ev, x); break;
    case CK_DISPOSE: on_dispose(ck, ev, x); break;
    case CK_DROP: on_drop(ck, ev, x); break;
    case CK_LOCK: ck_request_lock(ck, ev, x, 1); break;
    case CK_UNLOCK: ck_on_unlock(ck, ev, x); break;
    case CK_UNLOCKER: ck_on_unlocker(ck, ev, x); break;
    case CK_RELOCK: ck_on_relock(ck, ev, x); break;
    default: break; /* heap-stats; terminate and its kin, memory-pressure: legal from any thread */
  }
}

size_t ck_feed(ck_checker *ck, const ck_event *ev) {
  if ((ev->op == CK_ENTER || ev->op == CK_EXIT) && feed_fast(ck, ev)) return 0;
  size_t n0 = ck->nv;
  if (!valid_thread(ck, ev->thread)) return 0;
  int resumed = check_task_resume(ck, ev);
  check_suspended(ck, ev);
  if (ck_op_is_sync(ev->op)) {
    ck_on_sync(ck, ev);
    return ck->nv - n0;
  }
  switch (ev->op) {
    case CK_AWAIT: on_await(ck, ev); return ck->nv - n0;
    case CK_THREAD_END: on_thread_end(ck, ev); return ck->nv - n0;
    case CK_WAIT: case CK_CHECK_CURRENT: case CK_BLOCK_END: return ck->nv - n0;
    default: break;
  }
  if (!valid_iso(ck, ev->isolate)) return ck->nv - n0;
  ciso *x = &ck->isos[ev->isolate];
  if (x->state == ISO_DISPOSED) {
    on_disposed(ck, ev, x);
    return ck->nv - n0;
  }
  if (ev->op == CK_RUN && valid_iso(ck, ev->object) && ck->isos[ev->object].state == ISO_DISPOSED) {
    char where[48];
    const ciso *y = &ck->isos[ev->object];
    ck_flag(ck, CK_GLOBAL_AFTER_DISPOSE, ev, ev->isolate,
            "%s runs script in a context of %s after %s disposed it%s (not executed: the context's global handle "
            "points into freed memory)", ck_thread_name(ck, ev->thread), y->name, ck_serial_name(ck, y->disposer),
            ck_where(y->dispose_line, y->dispose_step, where, sizeof where));
    return ck->nv - n0;
  }
  if (ev->op == CK_NEW) {
    x->state = ISO_LIVE;
    x->last_user = slot(ck, ev->thread)->serial;
    if (ck->model == CK_MODEL_RUSTY_V8) push_entry(ck, ev->thread, ev->isolate, ev->task);
    return ck->nv - n0;
  }
  if (x->state != ISO_LIVE) return ck->nv - n0;
  if (ck_op_is_use(ev->op)) check_sharing(ck, ev, x, resumed);
  apply(ck, ev, x);
  if (ck_op_is_use(ev->op)) {
    check_locking(ck, ev, x);
    x->last_user = slot(ck, ev->thread)->serial;
    x->last_use_locked = x->lock_owner == ev->thread;
  }
  return ck->nv - n0;
}

void ck_run_done(ck_checker *ck, int t, int iso) {
  if (!valid_thread(ck, t) || !valid_iso(ck, iso)) return;
  ciso *x = &ck->isos[iso];
  cthread *th = slot(ck, t);
  for (size_t k = th->nruns; k-- > 0;) {
    if (th->runs[k].iso != iso) continue;
    memmove(&th->runs[k], &th->runs[k + 1], (th->nruns - k - 1) * sizeof *th->runs);
    th->nruns--;
    if ((size_t)t < x->pt_cap && x->pt[t].running > 0) {
      x->pt[t].running--;
      x->running_total--;
    }
    return;
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
  ck_event ev = {CK_CHECK_CURRENT, t, -1, ideal, step, 0, 0, 0};
  const char *dangling = valid_iso(ck, real) && ck->isos[real].state == ISO_DISPOSED ? " (disposed: a dangling pointer)" : "";
  ck_flag(ck, CK_TLS_DIVERGENCE, &ev, real > 0 ? real : ideal,
          "real Isolate::GetCurrent() on %s is %s%s, but a correct embedding would have %s current", th->name,
          ck_isolate_name(ck, real), dangling, ck_isolate_name(ck, ideal));
  return 1;
}

size_t ck_end(ck_checker *ck, int step) {
  size_t n0 = ck->nv;
  ck_deadlocks_at_end(ck);
  for (size_t i = 1; i < ck->nisos; i++) {
    if (ck->isos[i].state != ISO_LIVE) continue;
    ck_event ev = {CK_DISPOSE, -1, -1, (int)i, step, 0, 0, 0};
    ck_flag(ck, CK_LEAKED_ISOLATE, &ev, (int)i, "%s is never disposed", ck->isos[i].name);
  }
  ck_leaked_globals(ck, step);
  return ck->nv - n0;
}
