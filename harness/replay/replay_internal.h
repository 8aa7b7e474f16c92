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

enum { BLOCKED_NONE, BLOCKED_LOCKER, BLOCKED_SYNC };

typedef struct rthread {
  struct replay *r;
  const char *name;
  int *steps;             /* its step indices, in order */
  int nsteps;
  size_t steps_cap;
  int pos;                /* the position in steps of the step it is running */
  int last;               /* its latest step that must finish before its next, or -1 */
  int blocked;            /* BLOCKED_NONE, or what it waits for: */
  int blocked_iso;        /*   the isolate whose Locker (BLOCKED_LOCKER), else CK_NONE */
  int blocked_step;
  int bg_run_iso;         /* a background run whose end is not yet fed, or CK_NONE */
  int started, joined;    /* its OS thread was created / joined (by the monitor) */
  int done;
  int ck_id;              /* the checker's id of this thread (-1 until attached) */
  int ended;              /* its end was fed (under r->mu) */
  void *stack;            /* its own stack, never reused by a later thread of the replay */
  char spawn_word, end_word;  /* TSan: released by its spawn / its end, acquired by its
                                 first step / a join */
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
  char *skipped;          /* steps of a block that was never reached: they do not run */
  atomic_char *fed;       /* the checker has seen the step (set by the probe's sink) */
  int *thread_of;         /* by step: index into threads */
  rthread *threads;
  int nthreads;
  int running;            /* threads started and not done (under mu) */
  int *blocked;           /* threads blocked on a Locker, unordered (under mu) */
  int nblocked;
  int nparked;            /* threads waiting in take_turn for the baton (under mu) */
  int *to_join;           /* threads done and not yet joined (under mu) */
  int nto_join;
  char ended_sync;        /* TSan: every ending thread releases it, every step acquires it */
  strmap task_ids;        /* task name -> the probe's task id */
  strmap thread_ids;      /* thread name -> index into threads */
  strmap sync_ids;        /* mutex or channel name -> index into sync_words */
  char *sync_words;       /* TSan: a word per mutex and channel (release -> acquire) */
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

/* Thread t blocks on / stops waiting for a Locker (iso) or a sync op (iso CK_NONE)
 * (caller holds r->mu). */
void replay_block(replay *r, rthread *t, int kind, int iso, int step);
void replay_unblock(replay *r, rthread *t);
/* A block never reached: its steps (after the opener, up to and with its `}`) that have
 * not started are skipped, an N record says why, the baton moves past them (caller holds
 * r->mu). */
void replay_skip_block(replay *r, int opener, const char *why);

/* replay_thread.c: the body of a scenario thread. */
void *replay_thread_main(void *arg);
/* v8probe's block callback (v8p_block_fn): the calling scenario thread runs its steps of
 * the block that `step` opens, inside V8's callback. */
void replay_block_reached(void *ud, int step);

#endif
