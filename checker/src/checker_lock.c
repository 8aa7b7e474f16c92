/* checker_lock.c — what a thread holds and waits for: v8::Locker and v8::Unlocker, the
 * embedder's own mutexes, channels and thread ends, and the deadlocks they make.
 *
 * A wait is served inside the checker, in the order of the events: an unlock with a
 * waiter leaves the Locker to the real V8 (ck_acquired says who got it), while a release,
 * a send or a thread's end hands the mutex, the message or the join to the longest waiter
 * at once, so the replay (real or dry) only asks ck_waiting() whether to go on. */
#include <stdio.h>
#include <string.h>

#include "checker_state.h"

/* The slot that holds what thread th waits for, or -1 (a channel has no holder; a thread
 * not started yet holds nothing). */
static int holder_of_wait(const ck_checker *ck, const cthread *th) {
  switch (th->waiting) {
    case WAIT_LOCKER: return ck->isos[th->wait_obj].lock_owner;
    case WAIT_MUTEX: return ck->syncs[th->wait_obj].owner;
    case WAIT_JOIN:
      for (int t = 0; t < ck->nslots; t++) {  /* the joined thread, if it is alive */
        const cthread *u = slot(ck, t);
        if (!u->ended && ck->slot_of[u->serial] == t && !strcmp(u->name, ck->syncs[th->wait_obj].name)) return t;
      }
      return -1;
    default: return -1;
  }
}

/* "the Locker of A, held by T2" and the like, into buf. */
static const char *wait_str(const ck_checker *ck, const cthread *th, char *buf, size_t n) {
  int h = holder_of_wait(ck, th);
  const char *holder = h >= 0 ? slot(ck, h)->name : "nobody";
  switch (th->waiting) {
    case WAIT_LOCKER: snprintf(buf, n, "the Locker of %s, held by %s", ck->isos[th->wait_obj].name, holder); break;
    case WAIT_MUTEX: snprintf(buf, n, "mutex %s, held by %s", ck->syncs[th->wait_obj].name, holder); break;
    case WAIT_CHANNEL: snprintf(buf, n, "a message on %s", ck->syncs[th->wait_obj].name); break;
    case WAIT_JOIN: snprintf(buf, n, "the end of thread %s", ck->syncs[th->wait_obj].name); break;
    default: snprintf(buf, n, "nothing"); break;
  }
  return buf;
}

/* The deadlock of thread u, at the step where it started waiting: "T2 waits[ forever]
 * for <what><how>". */
static void raise_deadlock(ck_checker *ck, int u, int forever, const char *how) {
  cthread *uh = slot(ck, u);
  if (uh->deadlock_raised) return;
  char what[300];
  ck_event ev = {uh->waiting == WAIT_LOCKER ? CK_LOCK : CK_JOIN, u, -1,
                 uh->waiting == WAIT_LOCKER ? uh->wait_obj : CK_NONE, uh->waiting_step, 0, 0, 0};
  ck_flag(ck, CK_DEADLOCK, &ev, ev.isolate, "%s waits %sfor %s%s", uh->name, forever ? "forever " : "",
          wait_str(ck, uh, what, sizeof what), how);
  uh->deadlock_raised = 1;
}

/* A cycle of waits closed by thread t: every waiting step in it gets `deadlock`, at its
 * own step, so the verdict does not depend on which request reached the checker last. */
static void raise_cycle(ck_checker *ck, int t) {
  int u = t;
  for (int hops = 0; hops <= ck->nslots; hops++) {
    int next = holder_of_wait(ck, slot(ck, u));
    raise_deadlock(ck, u, 0, next == u ? ", which it holds itself" : ", in a cycle of threads that wait for each other");
    u = next;
    if (u == t || u < 0 || slot(ck, u)->waiting == WAIT_NONE) return;
  }
}

/* Thread t starts waiting (step, kind, object): a cycle back to t, or a holder that has
 * ended, is a deadlock at once. */
static void start_wait(ck_checker *ck, const ck_event *ev, wait_kind kind, int obj, int depth) {
  int t = ev->thread;
  cthread *th = slot(ck, t);
  th->waiting = kind;
  th->wait_obj = obj;
  th->waiting_depth = depth;
  th->waiting_step = ev->step;
  th->wait_seq = ++ck->wait_seq;
  th->deadlock_raised = 0;
  int u = holder_of_wait(ck, th);
  for (int hops = 0; u >= 0 && hops <= ck->nslots; hops++) {
    cthread *uh = slot(ck, u);
    if (u == t) {
      raise_cycle(ck, t);
      return;
    }
    if (uh->ended) {
      raise_deadlock(ck, t, 0, ", which has ended without releasing it");
      return;
    }
    if (uh->waiting == WAIT_NONE) return;
    u = holder_of_wait(ck, uh);
  }
}

/* The longest waiter for (kind, obj), or -1. */
static int first_waiter(const ck_checker *ck, wait_kind kind, int obj) {
  int best = -1;
  for (int t = 0; t < ck->nslots; t++) {
    const cthread *u = slot(ck, t);
    if (u->waiting == kind && u->wait_obj == obj && (best < 0 || u->wait_seq < slot(ck, best)->wait_seq)) best = t;
  }
  return best;
}

/* ---- v8::Locker and v8::Unlocker ---------------------------------------------------- */

void ck_take_lock(ck_checker *ck, ciso *x, int t, int depth) {
  x->lock_owner = t;
  x->lock_depth = depth;
  x->last_user = slot(ck, t)->serial;
  x->last_use_locked = 1;
  slot(ck, t)->locks_held++;
}

void ck_drop_lock(ck_checker *ck, ciso *x) {
  if (x->lock_owner >= 0) slot(ck, x->lock_owner)->locks_held--;
  x->lock_owner = -1;
  x->lock_depth = 0;
}

void ck_request_lock(ck_checker *ck, const ck_event *ev, ciso *x, int depth) {
  int t = ev->thread;
  x->ever_locked = 1;
  if (x->lock_owner == t) {
    x->lock_depth += depth;
    return;
  }
  if (x->lock_owner < 0) {
    ck_take_lock(ck, x, t, depth);
    return;
  }
  start_wait(ck, ev, WAIT_LOCKER, ev->isolate, depth);
}

void ck_acquired(ck_checker *ck, int t, int iso) {
  if (!valid_thread(ck, t) || !valid_iso(ck, iso)) return;
  cthread *th = slot(ck, t);
  if (th->waiting != WAIT_LOCKER || th->wait_obj != iso) return;
  ck_take_lock(ck, &ck->isos[iso], t, th->waiting_depth);
  th->waiting = WAIT_NONE;
}

/* The innermost run of t on x that runs under at least `depth` of x's Locker, or NULL. */
static const open_run *run_under(const cthread *th, int iso, int depth) {
  for (size_t k = th->nruns; k-- > 0;)
    if (th->runs[k].iso == iso && th->runs[k].lock_depth >= depth) return &th->runs[k];
  return NULL;
}

void ck_on_unlock(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  if (x->lock_owner != t) {
    ck_flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate, "%s destroys a v8::Locker of %s that it does not hold (%s%s)",
            slot(ck, t)->name, x->name, x->lock_owner < 0 ? "nobody holds it" : "held by ",
            x->lock_owner < 0 ? "" : slot(ck, x->lock_owner)->name);
    return;
  }
  if (run_under(slot(ck, t), ev->isolate, x->lock_depth))
    ck_flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
            "%s destroys the v8::Locker of %s that its own run, still on the stack, runs under: the "
            "script goes on without the Locker (use a v8::Unlocker inside a callback)", slot(ck, t)->name, x->name);
  else if (x->lock_depth == 1 && PT(x, t, entered))
    ck_flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate,
            "%s releases the Locker of %s while it still has %s entered: another thread may now enter it on "
            "the same entry stack (end Isolate::Scope before the Locker)", slot(ck, t)->name, x->name, x->name);
  if (--x->lock_depth == 0) ck_drop_lock(ck, x);
}

void ck_on_unlocker(ck_checker *ck, const ck_event *ev, ciso *x) {
  int t = ev->thread;
  per_thread *p = ck_pt_of(ck, x, t);
  if (!p) return;
  /* Entered is fine: V8 archives the thread's state (Node's Atomics.wait, isolated-vm). */
  if (x->lock_owner != t)
    ck_flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate, "%s opens a v8::Unlocker on %s without holding its Locker",
            slot(ck, t)->name, x->name);
  p->in_unlocker++;
  slot(ck, t)->open_unlockers++;
  p->unlocker_depth = x->lock_owner == t ? x->lock_depth : 0;
  if (x->lock_owner == t) ck_drop_lock(ck, x);
}

void ck_on_relock(ck_checker *ck, const ck_event *ev, ciso *x) {
  per_thread *p = ck_pt_of(ck, x, ev->thread);
  if (!p) return;
  if (!p->in_unlocker) {
    ck_flag(ck, CK_LOCKER_MISUSE, ev, ev->isolate, "%s destroys a v8::Unlocker of %s that it never opened",
            slot(ck, ev->thread)->name, x->name);
    return;
  }
  p->in_unlocker--;
  slot(ck, ev->thread)->open_unlockers--;
  ck_request_lock(ck, ev, x, p->unlocker_depth ? p->unlocker_depth : 1);
}

/* ---- the embedder's own synchronisation ------------------------------------------- */

/* Hands the object to its longest waiter: 1 when there was one. */
static int serve(ck_checker *ck, wait_kind kind, int obj) {
  int w = first_waiter(ck, kind, obj);
  if (w < 0) return 0;
  slot(ck, w)->waiting = WAIT_NONE;
  if (kind == WAIT_MUTEX) {
    ck->syncs[obj].owner = w;
    slot(ck, w)->mutexes_held++;
  }
  return 1;
}

void ck_on_sync(ck_checker *ck, const ck_event *ev) {
  if (!valid_sync(ck, ev->object)) return;
  int t = ev->thread;
  csync *o = &ck->syncs[ev->object];
  switch (ev->op) {
    case CK_ACQUIRE:
      if (o->owner < 0) {
        o->owner = t;
        slot(ck, t)->mutexes_held++;
      } else {
        start_wait(ck, ev, WAIT_MUTEX, ev->object, 0);  /* its own: a cycle of one */
      }
      break;
    case CK_RELEASE:
      if (o->owner != t) break;  /* the language allows a release only after an acquire */
      slot(ck, t)->mutexes_held--;
      o->owner = -1;
      serve(ck, WAIT_MUTEX, ev->object);
      break;
    case CK_SEND:
      if (!serve(ck, WAIT_CHANNEL, ev->object)) o->messages++;
      break;
    case CK_RECV:
      if (o->messages > 0) o->messages--;
      else start_wait(ck, ev, WAIT_CHANNEL, ev->object, 0);
      break;
    case CK_JOIN:
      if (!o->ended) start_wait(ck, ev, WAIT_JOIN, ev->object, 0);
      break;
    default: break;  /* spawn: an ordering, nothing to check */
  }
}

void ck_thread_gone(ck_checker *ck, int t) {
  int id;
  const char *name = slot(ck, t)->name;
  if (!strmap_get(&ck->sync_by_name[CK_SYNC_THREAD], name, strlen(name), &id)) {
    if ((id = ck_sync_id(ck, CK_SYNC_THREAD, name)) < 0) {
      ck->failed = 1;
      return;
    }
  }
  ck->syncs[id].ended = 1;
  while (serve(ck, WAIT_JOIN, id)) {
  }
  /* Mutexes it still holds stay held: a later acquire is a deadlock at once. */
}

void ck_deadlocks_at_end(ck_checker *ck) {
  for (int t = 0; t < ck->nslots; t++) {
    cthread *th = slot(ck, t);
    if (th->waiting == WAIT_NONE || th->deadlock_raised) continue;
    raise_deadlock(ck, t, 1, th->waiting == WAIT_CHANNEL ? ": no later step sends one"
                   : th->waiting == WAIT_JOIN ? ", which never comes" : " and never released");
  }
}
