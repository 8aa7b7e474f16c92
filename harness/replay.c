/* replay.c — the baton scheduler behind replay.h. */
#define _POSIX_C_SOURCE 200809L
#include "replay.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "records.h"
#include "sanitizer.h"
#include "v8probe.h"
#include "witness.h"

typedef struct rthread {
  struct replay *r;
  char *name;
  int *steps;             /* its step indices, in order */
  int nsteps;
  int blocked_iso;        /* CK_NONE, or the isolate whose Locker it waits for */
  int blocked_step;
  int bg_run_iso;         /* a background run whose end is not yet fed, or CK_NONE */
  int done;
  int ck_id;              /* the checker's id of this thread (-1 until attached) */
  int ended;              /* its end was fed (under r->mu) */
  char end_sync;          /* TSan: released at its end, acquired by every later step */
  pthread_t tid;
} rthread;

typedef struct replay {
  const scenario *s;
  const replay_opts *o;
  v8p_session *ps;
  pthread_mutex_t mu;     /* baton and scheduler state; never held across a V8 call */
  pthread_cond_t cv;      /* the baton and step state: the scenario's threads wait here */
  pthread_cond_t mon_cv;  /* the monitor: a thread done or blocked, a deadlock */
  pthread_mutex_t out_mu; /* one emitted line at a time */
  int turn;               /* the step allowed to start next (under mu) */
  atomic_int turn_seen;   /* a copy of turn for waiters that spin before they block */
  char *started, *finished;
  atomic_char *fed;       /* the checker has seen the step (set by the probe's sink) */
  rthread *threads;
  int nthreads;
  char **task_names;
  int *task_ids;
  int ntasks;
  int deadlock;
  struct timespec t0;
} replay;

static double now_us(const replay *r) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - r->t0.tv_sec) * 1e6 + (double)(t.tv_nsec - r->t0.tv_nsec) / 1e3;
}

/* Emits one record; fields: a format where %s is an escaped string field. */
static void emitf(replay *r, const char *kind, const char *fmt, ...) {
  char buf[8192];
  size_t len = 0;
  rec_escape(buf, sizeof buf, &len, kind);
  va_list ap;
  va_start(ap, fmt);
  for (const char *f = fmt; *f; f++) {
    buf[len++] = '\t';
    if (*f == 's') {
      rec_escape(buf, sizeof buf, &len, va_arg(ap, const char *));
    } else if (*f == 'd') {
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%d", va_arg(ap, int));
    } else if (*f == 'f') {
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%.1f", va_arg(ap, double));
    }
    if (len >= sizeof buf - 4) len = sizeof buf - 4;
  }
  va_end(ap);
  buf[len] = '\0';
  pthread_mutex_lock(&r->out_mu);
  r->o->emit(r->o->emit_ud, buf);
  pthread_mutex_unlock(&r->out_mu);
}

static const char *iso_name(replay *r, int id) {
  if (id == CK_UNKNOWN) return "unknown";
  return ck_isolate_name(v8p_checker(r->ps), id);
}

/* The probe's sink: violations and V8's fatal errors, as they are recorded (under the
 * session lock, so checker names are safe to read). */
static void sink(void *ud, const v8p_event *ev, const ck_violation *v, size_t nv, const char *fatal) {
  replay *r = ud;
  ck_checker *ck = v8p_checker(r->ps);
  if (fatal) emitf(r, "F", "s", fatal);
  if (ev && !ev->done && ev->step >= 1 && ev->step <= r->s->nsteps)
    atomic_store(&r->fed[ev->step - 1], 1);
  for (size_t k = 0; k < nv; k++)
    emitf(r, "V", "dsssss", v[k].step, ck_code_name(v[k].code),
          v[k].thread >= 0 ? ck_thread_name(ck, v[k].thread) : "",
          v[k].task >= 0 ? ck_task_name(ck, v[k].task) : "",
          v[k].isolate > 0 ? ck_isolate_name(ck, v[k].isolate) : "", v[k].message);
}

static int task_id(replay *r, const char *name) {
  for (int i = 0; i < r->ntasks; i++)
    if (!strcmp(r->task_names[i], name)) return r->task_ids[i];
  return -1;
}

static int index_of_thread(replay *r, const char *name) {
  for (int i = 0; i < r->nthreads; i++)
    if (!strcmp(r->threads[i].name, name)) return i;
  return -1;
}

/* Declares the deadlock (caller holds r->mu): the step at `turn` waits for its thread's
 * previous step, itself blocked on a Locker that only a later step could release. */
static void declare_deadlock(replay *r, const rthread *t) {
  if (r->deadlock) return;
  r->deadlock = 1;
  const scn_step *st = &r->s->steps[t->blocked_step];
  int owner = v8p_lock_owner(r->ps, t->blocked_iso);
  char msg[512];
  snprintf(msg, sizeof msg,
           "%s waits at line %d for the Locker of %s, held by %s; no later step can release "
           "it before %s's next step", t->name, st->line, st->isolate,
           owner >= 0 ? ck_thread_name(v8p_checker(r->ps), owner) : "nobody", t->name);
  emitf(r, "D", "ds", t->blocked_step + 1, msg);
  pthread_cond_broadcast(&r->cv);
  pthread_cond_signal(&r->mon_cv);
}

/* Passes the baton (caller holds r->mu and broadcasts r->cv). */
static void set_turn(replay *r, int turn) {
  r->turn = turn;
  atomic_store(&r->turn_seen, turn);
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static int is_lock_request(ck_op op) { return op == CK_LOCK || op == CK_RELOCK; }
static int is_release(ck_op op) { return op == CK_UNLOCK || op == CK_UNLOCKER; }

/* After a release: if the Locker is free and a thread waits for it, wait until that
 * thread holds it, so who holds it next, and the order of the two steps' records,
 * never depend on timing. */
static void hand_over(replay *r, int iso) {
  pthread_mutex_lock(&r->mu);
  while (!r->deadlock && v8p_lock_owner(r->ps, iso) < 0) {
    int waiting = 0;
    for (int w = 0; w < r->nthreads; w++) waiting |= r->threads[w].blocked_iso == iso;
    if (!waiting) break;
    pthread_cond_wait(&r->cv, &r->mu);
  }
  pthread_mutex_unlock(&r->mu);
}

/* Feeds the end of the thread's background run still going, if any. */
static void end_background_run(replay *r, rthread *t) {
  if (t->bg_run_iso == CK_NONE) return;
  v8p_run_done(r->ps, t->bg_run_iso);
  t->bg_run_iso = CK_NONE;
}

/* Executes step i on the calling thread (the baton is already passed if it must be). */
static void run_step(replay *r, rthread *t, int i, int will_block) {
  const scn_step *st = &r->s->steps[i];
  v8p_call c = {st->op, CK_NONE, st->isolate, i + 1, -1, st->js, st->context, st->background};
  if (st->isolate && st->op != CK_NEW) c.isolate = v8p_isolate_id(r->ps, st->isolate);
  if (st->task) c.task = task_id(r, st->task);
  end_background_run(r, t);  /* the one before this step is over */
  v8p_result res;
  v8p_do(r->ps, &c, &res);
  if (will_block && r->o->dry_run) {
    pthread_mutex_lock(&r->mu);
    while (!r->deadlock && v8p_lock_owner(r->ps, c.isolate) >= 0) pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    if (!r->deadlock) v8p_acquired(r->ps, c.isolate);
  }
  if (st->op == CK_RUN && st->background && res.executed) t->bg_run_iso = c.isolate;
  if (is_release(st->op)) hand_over(r, c.isolate);
  const char *note = res.message;
  char buf[256];
  if (st->op == CK_CHECK_CURRENT && !r->o->dry_run) {
    snprintf(buf, sizeof buf, "current %s", iso_name(r, res.real_current));
    note = buf;
  }
  emitf(r, "E", "dfddssdss", i + 1, now_us(r), (int)res.status, res.executed,
        r->o->dry_run ? "" : iso_name(r, res.real_current), iso_name(r, res.ideal_current),
        (int)res.run, res.text ? res.text : "", note);
  v8p_result_clear(&res);
}

/* The thread has ended (implicitly or by `end`): it counts as joined from now on, so
 * what it did is visible to every later step, for TSan too. */
static void mark_ended(replay *r, rthread *t) {
  witness_loud_begin();
  witness_release(&t->end_sync);
  witness_loud_end();
  pthread_mutex_lock(&r->mu);
  t->ended = 1;
  pthread_mutex_unlock(&r->mu);
}

/* The thread's end after its last step i: a background run of that step ends first. */
static void end_thread(replay *r, rthread *t, int i) {
  end_background_run(r, t);
  v8p_call end = {CK_THREAD_END, CK_NONE, NULL, i + 1, -1, NULL, NULL, 0};
  v8p_do(r->ps, &end, NULL);
  mark_ended(r, t);
}

/* Before a step: TSan learns that every thread that has ended was joined. */
static void join_ended(replay *r, const rthread *self) {
#ifdef ISOREPLAY_TSAN
  char *syncs[64];
  int n = 0;
  pthread_mutex_lock(&r->mu);
  for (int k = 0; k < r->nthreads && n < 64; k++)
    if (&r->threads[k] != self && r->threads[k].ended) syncs[n++] = &r->threads[k].end_sync;
  pthread_mutex_unlock(&r->mu);
  witness_loud_begin();
  for (int k = 0; k < n; k++) witness_acquire(syncs[k]);
  witness_loud_end();
#else
  (void)r;
  (void)self;
#endif
}

static void *thread_main(void *arg) {
  witness_quiet_begin();  /* the scheduler's own synchronization stays out of TSan's sight */
  rthread *t = arg;
  replay *r = t->r;
  v8p_error err;
  int id = -1;
  if (v8p_thread_attach(r->ps, t->name, &id, &err) != V8P_OK) {
    emitf(r, "D", "ds", 0, err.message);
    pthread_mutex_lock(&r->mu);
    r->deadlock = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_cond_signal(&r->mon_cv);
    pthread_mutex_unlock(&r->mu);
    witness_quiet_end();
    return NULL;
  }
  pthread_mutex_lock(&r->mu);
  t->ck_id = id;
  pthread_mutex_unlock(&r->mu);
  int last = -1;
  for (int k = 0; k < t->nsteps; k++) {
    int i = t->steps[k];
    const scn_step *st = &r->s->steps[i];
    /* A waiter on the other core sees its turn within a microsecond if it spins a
     * little before it blocks (the cond wake alone costs 10-30 us on this machine). */
    for (int spin = 0; spin < 4000 && atomic_load(&r->turn_seen) < i; spin++) cpu_relax();
    pthread_mutex_lock(&r->mu);
    while (r->turn != i && !r->deadlock) pthread_cond_wait(&r->cv, &r->mu);
    while (!r->deadlock && last >= 0 && !r->finished[last]) pthread_cond_wait(&r->cv, &r->mu);
    if (r->deadlock) {
      pthread_mutex_unlock(&r->mu);
      break;
    }
    r->started[i] = 1;
    emitf(r, "S", "df", i + 1, now_us(r));
    int iso = st->isolate ? v8p_isolate_id(r->ps, st->isolate) : CK_NONE;
    int owner = is_lock_request(st->op) ? v8p_lock_owner(r->ps, iso) : -1;
    int will_block = is_lock_request(st->op) && owner >= 0 &&
                     strcmp(ck_thread_name(v8p_checker(r->ps), owner), t->name) != 0;
    if (will_block) {
      t->blocked_iso = iso;
      t->blocked_step = i;
      pthread_cond_signal(&r->mon_cv);
    }
    if (st->background || will_block) {
      set_turn(r, i + 1);
      pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);

    join_ended(r, t);
    sanitizer_set_step(i + 1, st->isolate);
    run_step(r, t, i, will_block);
    sanitizer_set_step(0, NULL);
    if (st->op == CK_THREAD_END) mark_ended(r, t);
    /* The thread's implicit end, fed before the baton moves on (its own `end` aside);
     * a thread stopped by a deadlock does not end: in a real run it stays blocked. */
    if (k == t->nsteps - 1 && st->op != CK_THREAD_END && !r->deadlock) end_thread(r, t, i);

    pthread_mutex_lock(&r->mu);
    t->blocked_iso = CK_NONE;
    r->finished[i] = 1;
    if (!st->background && !will_block && r->turn == i) set_turn(r, i + 1);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    last = i;
  }
  pthread_mutex_lock(&r->mu);
  t->done = 1;
  pthread_cond_broadcast(&r->cv);
  pthread_cond_signal(&r->mon_cv);
  pthread_mutex_unlock(&r->mu);
  v8p_thread_detach(r->ps);
  witness_quiet_end();
  return NULL;
}

/* Threads and tasks of the scenario, in order of first appearance. */
static int setup(replay *r) {
  const scenario *s = r->s;
  r->threads = calloc((size_t)s->nsteps, sizeof *r->threads);
  r->task_names = calloc((size_t)s->nsteps, sizeof *r->task_names);
  r->task_ids = calloc((size_t)s->nsteps, sizeof *r->task_ids);
  r->started = calloc((size_t)s->nsteps, 1);
  r->finished = calloc((size_t)s->nsteps, 1);
  r->fed = calloc((size_t)s->nsteps, sizeof *r->fed);
  if (!r->threads || !r->task_names || !r->task_ids || !r->started || !r->finished || !r->fed)
    return -1;
  for (int i = 0; i < s->nsteps; i++) {
    const scn_step *st = &s->steps[i];
    int t = index_of_thread(r, st->thread);
    if (t < 0) {
      t = r->nthreads++;
      r->threads[t] = (rthread){r, st->thread, NULL, 0, CK_NONE, 0, CK_NONE, 0, -1, 0, 0, 0};
    }
    rthread *rt = &r->threads[t];
    if (!rt->steps && !(rt->steps = malloc((size_t)s->nsteps * sizeof *rt->steps))) return -1;
    rt->steps[rt->nsteps++] = i;
    if (st->task && task_id(r, st->task) < 0) {
      r->task_names[r->ntasks] = st->task;
      r->task_ids[r->ntasks++] = v8p_task(r->ps, st->task);
    }
  }
  return 0;
}

static void teardown(replay *r) {
  for (int i = 0; i < r->nthreads; i++) free(r->threads[i].steps);
  free(r->threads);
  free(r->task_names);
  free(r->task_ids);
  free(r->started);
  free(r->finished);
  free((void *)r->fed);
}

/* Stuck on a Locker: the checker has seen the request (so its verdict is out) and
 * another thread holds it. (Free means the waiter is about to take it; held by the
 * waiter itself means it just did.) Caller holds r->mu. */
static int waits_fed(replay *r, const rthread *t) {
  if (t->blocked_iso == CK_NONE || !atomic_load(&r->fed[t->blocked_step])) return 0;
  int owner = v8p_lock_owner(r->ps, t->blocked_iso);
  return owner >= 0 && owner != t->ck_id;
}

/* Every thread blocked on a Locker has had its request seen by the checker (r->mu held). */
static int all_blocked_fed(replay *r) {
  for (int i = 0; i < r->nthreads; i++) {
    const rthread *t = &r->threads[i];
    if (!t->done && t->blocked_iso != CK_NONE && !atomic_load(&r->fed[t->blocked_step])) return 0;
  }
  return 1;
}

/* Where each thread stands, for a deadlock report (caller holds r->mu). */
static void report_where(replay *r) {
  for (int i = 0; i < r->nthreads; i++) {
    rthread *t = &r->threads[i];
    char where[256];
    int next = -1;
    for (int k = 0; k < t->nsteps && next < 0; k++)
      if (!r->started[t->steps[k]]) next = t->steps[k];
    if (t->blocked_iso != CK_NONE)
      snprintf(where, sizeof where, "blocked at line %d (step %d): waiting for the Locker of %s",
               r->s->steps[t->blocked_step].line, t->blocked_step + 1, r->s->steps[t->blocked_step].isolate);
    else if (t->done || next < 0)
      snprintf(where, sizeof where, "finished");
    else
      snprintf(where, sizeof where, "waiting for its turn at line %d (step %d)", r->s->steps[next].line, next + 1);
    emitf(r, "W", "ss", t->name, where);
  }
}

static replay_end replay_quiet(const scenario *s, const replay_opts *o);

replay_end replay_run(const scenario *s, const replay_opts *o) {
  witness_quiet_begin();
  replay_end e = replay_quiet(s, o);
  witness_quiet_end();
  return e;
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
  v8p_options po = {s->model, o->dry_run, s->fatal_continue ? V8P_FATAL_CONTINUE : V8P_FATAL_ABORT,
                    sink, &r};
  v8p_error err;
  emitf(&r, "I", "ss", v8p_v8_version(), o->dry_run ? "dry-run" : "real");
  if (v8p_session_new(&po, &r.ps, &err) != V8P_OK) {
    emitf(&r, "D", "ds", 0, err.message);
    return REPLAY_FAILED;
  }
  if (setup(&r)) {
    emitf(&r, "D", "ds", 0, "out of memory setting up the replay");
    return REPLAY_FAILED;
  }
  /* Creating and joining threads orders them in the real program too: loud. */
  witness_loud_begin();
  for (int i = 0; i < r.nthreads; i++) pthread_create(&r.threads[i].tid, NULL, thread_main, &r.threads[i]);
  witness_loud_end();
  /* Wait until every thread is done, or the only ones left wait on Lockers forever. */
  pthread_mutex_lock(&r.mu);
  for (;;) {
    int live = 0, blocked = 0;
    for (int i = 0; i < r.nthreads; i++) {
      live += !r.threads[i].done;
      blocked += !r.threads[i].done && r.threads[i].blocked_iso != CK_NONE;
    }
    if (!live || r.deadlock) break;
    /* Nothing can proceed when the step holding the baton belongs to a thread blocked on
     * a Locker (only a later step could release it), or when every step has started and
     * every thread left is blocked. */
    const rthread *stuck = NULL;
    if (r.turn < s->nsteps) {
      int owner = index_of_thread(&r, s->steps[r.turn].thread);
      if (waits_fed(&r, &r.threads[owner])) stuck = &r.threads[owner];
    } else if (blocked == live) {
      for (int i = 0; i < r.nthreads && !stuck; i++)
        if (!r.threads[i].done && waits_fed(&r, &r.threads[i])) stuck = &r.threads[i];
    }
    if (stuck && all_blocked_fed(&r)) {  /* every waiting verdict is out first */
      declare_deadlock(&r, stuck);
      break;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&r.mon_cv, &r.mu, &until);
  }
  int deadlock = r.deadlock;
  if (deadlock) report_where(&r);  /* under r.mu: the threads' state is still moving */
  pthread_mutex_unlock(&r.mu);
  if (deadlock) {
    v8p_end(r.ps, s->nsteps + 1);
    emitf(&r, "Z", "fs", now_us(&r), "deadlock");
    if (!o->dry_run) {  /* threads are stuck in V8: abandon them, the process ends */
      for (int i = 0; i < r.nthreads; i++) pthread_detach(r.threads[i].tid);
      return REPLAY_DEADLOCK;
    }
  }
  witness_loud_begin();
  for (int i = 0; i < r.nthreads; i++) pthread_join(r.threads[i].tid, NULL);
  witness_loud_end();
  if (!deadlock) {
    v8p_end(r.ps, s->nsteps + 1);
    emitf(&r, "Z", "fs", now_us(&r), "done");
  }
  v8p_session_free(r.ps);
  teardown(&r);
  return deadlock ? REPLAY_DEADLOCK : REPLAY_DONE;
}
