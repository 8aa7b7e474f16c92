/* replay.c — the baton scheduler behind replay.h: set-up, the monitor that starts each
 * scenario thread when its first step comes up and joins it after its last, finds
 * deadlocks, and ends the replay. The threads' own work is in replay_thread.c. */
#define _DEFAULT_SOURCE  /* MAP_NORESERVE, MAP_STACK */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "records.h"
#include "replay_internal.h"
#include "vec.h"
#include "witness.h"

double replay_now_us(const replay *r) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - r->t0.tv_sec) * 1e6 + (double)(t.tv_nsec - r->t0.tv_nsec) / 1e3;
}

static void emit_line(replay *r, const char *line) {
  pthread_mutex_lock(&r->out_mu);
  r->o->emit(r->o->emit_ud, line);
  pthread_mutex_unlock(&r->out_mu);
}

/* Stops every thread (caller holds r->mu). */
static void stop_locked(replay *r) {
  r->stop = 1;
  pthread_cond_broadcast(&r->cv);
  pthread_cond_signal(&r->mon_cv);
}

void replay_fail(replay *r, const char *message) {
  pthread_mutex_lock(&r->mu);
  int first = !r->failed;
  r->failed = 1;
  stop_locked(r);
  pthread_mutex_unlock(&r->mu);
  if (!first) return;
  char *line = rec_format('X', "s", message);
  emit_line(r, line ? line : "X\tout of memory");
  free(line);
}

void replay_emitf(replay *r, char kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *line = rec_vformat(kind, fmt, ap);
  va_end(ap);
  if (!line) {
    replay_fail(r, "out of memory formatting a record");
    return;
  }
  emit_line(r, line);
  free(line);
}

void replay_block(replay *r, rthread *t, int kind, int iso, int step) {
  t->blocked = kind;
  t->blocked_iso = iso;
  t->blocked_step = step;
  r->blocked[r->nblocked++] = (int)(t - r->threads);
  pthread_cond_signal(&r->mon_cv);
}

void replay_unblock(replay *r, rthread *t) {
  if (t->blocked == BLOCKED_NONE) return;
  t->blocked = BLOCKED_NONE;
  t->blocked_iso = CK_NONE;
  int me = (int)(t - r->threads);
  for (int k = 0; k < r->nblocked; k++)
    if (r->blocked[k] == me) r->blocked[k] = r->blocked[--r->nblocked];
}

void replay_set_turn(replay *r, int turn) {
  while (turn < r->s->nsteps && r->skipped[turn]) turn++;  /* a block never reached */
  r->turn = turn;
  atomic_store(&r->turn_seen, turn);
  /* the monitor starts the thread of the next step if it is not running yet */
  if (turn < r->s->nsteps && !r->threads[r->thread_of[turn]].started) pthread_cond_signal(&r->mon_cv);
}

/* The probe's sink: violations and V8's fatal errors, as they are recorded (under the
 * session lock). */
static void sink(void *ud, const v8p_event *ev, const ck_violation *v, size_t nv, const char *fatal) {
  replay *r = ud;
  if (fatal) replay_emitf(r, 'F', "s", fatal);
  if (ev && !ev->done && ev->step >= 1 && ev->step <= r->s->nsteps)
    atomic_store(&r->fed[ev->step - 1], 1);
  for (size_t k = 0; k < nv; k++)
    replay_emitf(r, 'V', "dsssss", v[k].step, ck_code_name(v[k].code), v[k].thread_name, v[k].task_name,
                 v[k].isolate_name, v[k].message);
}

void replay_skip_block(replay *r, int opener, const char *why) {
  const scn_step *o = &r->s->steps[opener];
  for (int x = opener + 1; x <= o->block_end; x++)
    if (!r->started[x]) r->skipped[x] = 1;
  replay_emitf(r, 'N', "ds", opener + 1, why);
  replay_set_turn(r, r->turn);  /* off a skipped step */
  pthread_cond_broadcast(&r->cv);
}

/* What thread t waits for, as a phrase: "the Locker of A, held by T2", "recv CH". */
static const char *wait_str(replay *r, const rthread *t, char *buf, size_t n) {
  const scn_step *st = &r->s->steps[t->blocked_step];
  if (t->blocked == BLOCKED_LOCKER) {
    int owner = v8p_lock_owner(r->ps, t->blocked_iso);
    snprintf(buf, n, "the Locker of %s, held by %s", st->isolate, owner >= 0 ? v8p_thread_name(r->ps, owner) : "nobody");
  } else {
    snprintf(buf, n, "'%s %s' to go on", ck_op_name(st->op), st->sync ? st->sync : "");
  }
  return buf;
}

/* Declares the deadlock (caller holds r->mu): the step at `turn` waits for its thread's
 * previous step, itself blocked on a Locker or a sync op that only a later step could
 * end. */
static void declare_deadlock(replay *r, const rthread *t) {
  if (r->stop) return;
  r->deadlock = 1;
  const scn_step *st = &r->s->steps[t->blocked_step];
  char msg[512], what[200];
  snprintf(msg, sizeof msg, "%s waits at line %d for %s; no later step can end the wait before %s's next step",
           t->name, st->line, wait_str(r, t, what, sizeof what), t->name);
  replay_emitf(r, 'D', "ds", t->blocked_step + 1, msg);
  stop_locked(r);
}

/* Threads and tasks of the scenario, in order of first appearance. */
static int setup(replay *r) {
  const scenario *s = r->s;
  size_t n = (size_t)s->nsteps;
  r->threads = calloc(n, sizeof *r->threads);
  r->thread_of = calloc(n, sizeof *r->thread_of);
  r->started = calloc(n, 1);
  r->finished = calloc(n, 1);
  r->skipped = calloc(n, 1);
  r->sync_words = calloc(n, 1);
  r->fed = calloc(n, sizeof *r->fed);
  r->blocked = calloc(n, sizeof *r->blocked);
  r->to_join = calloc(n, sizeof *r->to_join);
  int rc = r->threads && r->thread_of && r->started && r->finished && r->skipped && r->sync_words && r->fed &&
           r->blocked && r->to_join ? 0 : -1;
  int nsync = 0;
  for (int i = 0; i < s->nsteps && !rc; i++) {
    const scn_step *st = &s->steps[i];
    int t, k;
    if (!strmap_get(&r->thread_ids, st->thread, strlen(st->thread), &t)) {
      t = r->nthreads++;
      r->threads[t] = (rthread){.r = r, .name = st->thread, .blocked_iso = CK_NONE, .bg_run_iso = CK_NONE, .ck_id = -1,
                                .last = -1};
      rc = strmap_put(&r->thread_ids, st->thread, strlen(st->thread), t);
    }
    int is_word = st->sync && st->op != CK_SPAWN && st->op != CK_JOIN;
    if (!rc && is_word && !strmap_get(&r->sync_ids, st->sync, strlen(st->sync), &k))
      rc = strmap_put(&r->sync_ids, st->sync, strlen(st->sync), nsync++);
    rthread *rt = &r->threads[t];
    if (rc || vec_grow(&rt->steps, &rt->steps_cap, (size_t)rt->nsteps + 1, sizeof *rt->steps)) {
      rc = -1;
      break;
    }
    rt->steps[rt->nsteps++] = i;
    r->thread_of[i] = t;
    if (st->task && !strmap_get(&r->task_ids, st->task, strlen(st->task), &k))
      rc = (k = v8p_task(r->ps, st->task)) < 0 || strmap_put(&r->task_ids, st->task, strlen(st->task), k);
  }
  return rc;
}

static void teardown(replay *r) {
  for (int i = 0; i < r->nthreads; i++) {
    free(r->threads[i].steps);
    if (r->threads[i].stack) munmap(r->threads[i].stack, REPLAY_STACK_BYTES);
  }
  free(r->threads);
  free(r->thread_of);
  free(r->started);
  free(r->finished);
  free(r->skipped);
  free(r->sync_words);
  strmap_free(&r->thread_ids);
  strmap_free(&r->sync_ids);
  free((void *)r->fed);
  free(r->blocked);
  free(r->to_join);
  strmap_free(&r->task_ids);
}

/* Stuck on a Locker: the checker has seen the request (so its verdict is out) and
 * another thread holds it. (Free means the waiter is about to take it; held by the
 * waiter itself means it just did.) Caller holds r->mu. */
static int waits_fed(replay *r, const rthread *t) {
  if (t->blocked == BLOCKED_NONE || !atomic_load(&r->fed[t->blocked_step])) return 0;
  if (t->blocked == BLOCKED_SYNC) return v8p_thread_waiting(r->ps, t->ck_id);
  int owner = v8p_lock_owner(r->ps, t->blocked_iso);
  return owner >= 0 && owner != t->ck_id;
}

/* Where each thread stands, for a deadlock report (caller holds r->mu). */
static void report_where(replay *r) {
  for (int i = 0; i < r->nthreads; i++) {
    rthread *t = &r->threads[i];
    char where[256];
    int next = -1;
    for (int k = 0; k < t->nsteps && next < 0; k++)
      if (!r->started[t->steps[k]]) next = t->steps[k];
    char what[200];
    if (t->blocked != BLOCKED_NONE)
      snprintf(where, sizeof where, "blocked at line %d (step %d): waiting for %s", r->s->steps[t->blocked_step].line,
               t->blocked_step + 1, wait_str(r, t, what, sizeof what));
    else if (t->done || next < 0)
      snprintf(where, sizeof where, "finished");
    else
      snprintf(where, sizeof where, "waiting for its turn at line %d (step %d)", r->s->steps[next].line, next + 1);
    replay_emitf(r, 'W', "ss", t->name, where);
  }
}

/* Creates t's OS thread on a stack of its own; 0 or an errno. */
static int start_thread(rthread *t) {
  long page = sysconf(_SC_PAGESIZE);
  void *stack = mmap(NULL, REPLAY_STACK_BYTES, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return errno;
  mprotect(stack, (size_t)page, PROT_NONE);  /* a guard page below it */
  pthread_attr_t attr;
  int e = pthread_attr_init(&attr);
  if (!e) e = pthread_attr_setstack(&attr, stack, REPLAY_STACK_BYTES);
  witness_loud_begin();  /* creating and joining threads orders them in the real program too */
  if (!e) e = pthread_create(&t->tid, &attr, replay_thread_main, t);
  witness_loud_end();
  pthread_attr_destroy(&attr);
  if (e) munmap(stack, REPLAY_STACK_BYTES);
  else t->stack = stack;
  return e;
}

/* Joins the threads that have returned (they queue themselves on r->to_join). Caller
 * holds r->mu; it is released around each join. */
static void join_finished(replay *r) {
  while (r->nto_join) {
    rthread *t = &r->threads[r->to_join[--r->nto_join]];
    t->joined = 1;
    pthread_mutex_unlock(&r->mu);
    witness_loud_begin();
    pthread_join(t->tid, NULL);
    witness_loud_end();
    pthread_mutex_lock(&r->mu);
  }
}

/* Starts the OS thread of the step holding the baton if it is not running yet, and joins
 * threads that are done (so the threads alive are the scenario's, not every thread it
 * ever had). Caller holds r->mu; it is released around the calls. */
static void start_and_join(replay *r) {
  if (r->turn < r->s->nsteps && !r->stop) {
    rthread *t = &r->threads[r->thread_of[r->turn]];
    if (!t->started) {
      t->started = 1;
      r->running++;
      pthread_mutex_unlock(&r->mu);
      int e = start_thread(t);
      if (e) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot start thread '%s' for step %d (line %d): %s", t->name, r->turn + 1,
                 r->s->steps[r->turn].line, strerror(e));
        replay_fail(r, msg);
      }
      pthread_mutex_lock(&r->mu);
      if (e) {
        t->started = 0;
        r->running--;
      }
    }
  }
  join_finished(r);
}

/* Every blocked thread is still waiting, and its wait has reached the checker: none has
 * been served and is merely yet to wake (a served `recv` still counts as blocked until its
 * thread runs again). Caller holds r->mu. */
static int all_blocked_stuck(replay *r) {
  for (int k = 0; k < r->nblocked; k++)
    if (!waits_fed(r, &r->threads[r->blocked[k]])) return 0;
  return 1;
}

/* The thread stuck for good, if nothing can proceed: every blocked thread is still
 * waiting, and either the step holding the baton belongs to one of them while every other
 * thread is parked until the baton comes (none is busy: one finishing its last step may
 * yet end, and so end a `join`), or every step has started and every thread left is
 * blocked. Caller holds r->mu. */
static const rthread *stuck_thread(replay *r) {
  if (!r->nblocked || !all_blocked_stuck(r)) return NULL;
  if (r->turn < r->s->nsteps) {
    const rthread *t = &r->threads[r->thread_of[r->turn]];
    return t->started && t->blocked != BLOCKED_NONE && r->running == r->nblocked + r->nparked ? t : NULL;
  }
  return r->nblocked == r->running ? &r->threads[r->blocked[0]] : NULL;
}

/* The CLOCK_REALTIME time ms milliseconds from now (ms < 1000), for a timed wait. */
static struct timespec deadline_in_ms(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += ms * 1000 * 1000;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

/* The monitor: until every thread is done, or a deadlock or failure stops the replay. */
static void monitor(replay *r) {
  pthread_mutex_lock(&r->mu);
  for (;;) {
    start_and_join(r);
    if (r->stop || (!r->running && r->turn >= r->s->nsteps)) break;
    const rthread *stuck = stuck_thread(r);
    if (stuck) {  /* every waiting verdict is out first (waits_fed) */
      declare_deadlock(r, stuck);
      break;
    }
    struct timespec until = deadline_in_ms(20);
    pthread_cond_timedwait(&r->mon_cv, &r->mu, &until);
  }
  if (r->deadlock) report_where(r);  /* under r->mu: the threads' state is still moving */
  pthread_mutex_unlock(&r->mu);
}

/* Joins every thread still running (a stopped dry run: they all return). */
static void join_all(replay *r) {
  witness_loud_begin();
  for (int i = 0; i < r->nthreads; i++)
    if (r->threads[i].started && !r->threads[i].joined) pthread_join(r->threads[i].tid, NULL);
  witness_loud_end();
}

/* After a stop: lets the threads return (every wait of the scheduler ends on r->stop) and
 * joins them, so no finished thread is left unjoined (TSan would call it a leak). A thread
 * still inside V8 (a script that never ends) is waited for half a second at most, then
 * abandoned with the process. */
static void settle(replay *r) {
  struct timespec until = deadline_in_ms(500);
  pthread_mutex_lock(&r->mu);
  for (;;) {
    join_finished(r);
    if (!r->running || pthread_cond_timedwait(&r->mon_cv, &r->mu, &until) == ETIMEDOUT) break;
  }
  join_finished(r);
  pthread_mutex_unlock(&r->mu);
}

static replay_end replay_quiet(const scenario *s, const replay_opts *o) {
  replay r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.o = o;
  clock_gettime(CLOCK_MONOTONIC, &r.t0);
  pthread_mutex_init(&r.mu, NULL);
  pthread_cond_init(&r.cv, NULL);
  pthread_cond_init(&r.mon_cv, NULL);
  pthread_mutex_init(&r.out_mu, NULL);
  v8p_options po = {s->model, o->dry_run, s->fatal_continue ? V8P_FATAL_CONTINUE : V8P_FATAL_ABORT, sink, &r,
                    replay_block_reached, &r};
  iso_err err;
  replay_emitf(&r, 'I', "ss", v8p_v8_version(), o->dry_run ? "dry-run" : "real");
  if (v8p_session_new(&po, &r.ps, &err)) {
    replay_fail(&r, err.msg);
    return REPLAY_FAILED;
  }
  if (setup(&r)) {
    replay_fail(&r, "out of memory setting up the replay");
    teardown(&r);
    v8p_session_free(r.ps);
    return REPLAY_FAILED;
  }
  monitor(&r);
  if (r.stop && !o->dry_run) {  /* threads may be stuck in V8: abandon them, the process ends */
    settle(&r);
    v8p_end(r.ps, s->nsteps + 1);
    replay_emitf(&r, 'Z', "fs", replay_now_us(&r), r.deadlock ? "deadlock" : "failed");
    return r.deadlock ? REPLAY_DEADLOCK : REPLAY_FAILED;
  }
  join_all(&r);
  v8p_end(r.ps, s->nsteps + 1);
  if (v8p_failed(r.ps)) replay_fail(&r, "out of memory in the checker: a verdict may be missing");
  replay_emitf(&r, 'Z', "fs", replay_now_us(&r), r.failed ? "failed" : r.deadlock ? "deadlock" : "done");
  v8p_session_free(r.ps);
  teardown(&r);
  return r.failed ? REPLAY_FAILED : r.deadlock ? REPLAY_DEADLOCK : REPLAY_DONE;
}

replay_end replay_run(const scenario *s, const replay_opts *o) {
  witness_quiet_begin();
  replay_end e = replay_quiet(s, o);
  witness_quiet_end();
  return e;
}
