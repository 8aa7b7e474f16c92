/* replay_internal.h — the scheduler's state, shared by replay.c (set-up, the monitor,
 * starting and joining threads) and replay_thread.c (what each scenario thread does).
 * Private to harness/replay. */
#ifndef ISOREPLAY_REPLAY_INTERNAL_H
#define ISOREPLAY_REPLAY_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "replay.h"

/* Each scenario thread runs on a stack of its own (MAP_NORESERVE: only what it touches
 * costs memory), unmapped when the replay ends, never reused within it: V8 keeps an
 * isolate's stack limit from the thread that set it, so whether a later thread can run
 * script there must not depend on which stack the C library handed out. */
#define REPLAY_STACK_BYTES (8u << 20)
#include "strmap.h"
#include "v8probe.h"

typedef struct rthread {
  struct replay *r;
  const char *name;
  int *steps;             /* its step indices, in order */
  int nsteps;
  size_t steps_cap;
  int blocked_iso;        /* CK_NONE, or the isolate whose Locker it waits for */
  int blocked_step;
  int bg_run_iso;         /* a background run whose end is not yet fed, or CK_NONE */
  int started, joined;    /* its OS thread was created / joined (by the monitor) */
  int done;
  int ck_id;              /* the checker's id of this thread (-1 until attached) */
  int ended;              /* its end was fed (under r->mu) */
  void *stack;            /* its own stack, never reused by a later thread of the replay */
  pthread_t tid;
} rthread;

typedef struct replay {
  const scenario *s;
  const replay_opts *o;
  v8p_session *ps;
  pthread_mutex_t mu;     /* baton and scheduler state; never held across a V8 call */
  pthread_cond_t cv;      /* the baton and step state: the scenario's threads wait here */
  pthread_cond_t mon_cv;  /* the monitor: a thread to start, done or blocked; a stop */
  pthread_mutex_t out_mu; /* one emitted line at a time */
  int turn;               /* the step allowed to start next (under mu) */
  atomic_int turn_seen;   /* a copy of turn for waiters that spin before they block */
  char *started, *finished;
  atomic_char *fed;       /* the checker has seen the step (set by the probe's sink) */
  int *thread_of;         /* by step: index into threads */
  rthread *threads;
  int nthreads;
  int running;            /* threads started and not done (under mu) */
  int *blocked;           /* threads blocked on a Locker, unordered (under mu) */
  int nblocked;
  int *to_join;           /* threads done and not yet joined (under mu) */
  int nto_join;
  char ended_sync;        /* TSan: every ending thread releases it, every step acquires it */
  strmap task_ids;        /* task name -> the probe's task id */
  int stop;               /* a deadlock or an internal failure: every thread stops */
  int deadlock;           /* the stop was a deadlock */
  int failed;             /* the stop was an internal failure (an X record went out) */
  struct timespec t0;
} replay;

/* replay.c */
double replay_now_us(const replay *r);
/* Emits one record (rec_format's arguments); an internal failure when out of memory. */
void replay_emitf(replay *r, char kind, const char *fmt, ...);
/* Stops the replay for an internal failure: X <message>, every thread stops (r->mu not
 * held by the caller). */
void replay_fail(replay *r, const char *message);
/* Passes the baton (caller holds r->mu and broadcasts r->cv). */
void replay_set_turn(replay *r, int turn);

/* Thread t blocks on / stops waiting for a Locker (caller holds r->mu). */
void replay_block(replay *r, rthread *t, int iso, int step);
void replay_unblock(replay *r, rthread *t);

/* replay_thread.c: the body of a scenario thread. */
void *replay_thread_main(void *arg);

#endif
