/* replay_thread.c — what each scenario thread does: wait for the baton, perform its step
 * through v8probe, pass the baton on, and end. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "replay_internal.h"
#include "sanitizer.h"
#include "witness.h"

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
  pthread_cond_broadcast(&r->cv);  /* a dry run's waiter checks the Locker again */
  while (!r->stop && v8p_lock_owner(r->ps, iso) < 0) {
    int waiting = 0;
    for (int w = 0; w < r->nblocked && !waiting; w++) waiting = r->threads[r->blocked[w]].blocked_iso == iso;
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

/* A step whose status says the harness itself failed: the replay cannot go on. */
static int internal_failure(v8p_status st) {
  return st == V8P_ERR_NOMEM || st == V8P_ERR_INTERNAL || st == V8P_ERR_STATE || st == V8P_ERR_ARG;
}

/* Dry runs: a Locker request that must wait gets the Locker once its holder lets go
 * (in a real run V8's Locker decides, and the probe notes it). */
static void wait_for_locker(replay *r, const rthread *t, int iso) {
  pthread_mutex_lock(&r->mu);
  for (int owner; !r->stop && (owner = v8p_lock_owner(r->ps, iso)) >= 0 && owner != t->ck_id;)
    pthread_cond_wait(&r->cv, &r->mu);  /* the holder may have let go before the request: then it is ours */
  pthread_mutex_unlock(&r->mu);
  if (!r->stop) v8p_acquired(r->ps, iso);
}

/* A Locker changed hands: whoever waits on one (hand_over) looks again. */
static void locker_taken(replay *r) {
  pthread_mutex_lock(&r->mu);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

/* Executes step i on the calling thread (the baton is already passed if it must be). */
static void run_step(replay *r, rthread *t, int i, int will_block) {
  const scn_step *st = &r->s->steps[i];
  v8p_call c = {st->op, CK_NONE, st->isolate, i + 1, -1, st->js, st->context, st->background};
  if (st->isolate && st->op != CK_NEW) c.isolate = v8p_isolate_id(r->ps, st->isolate);
  if (st->task) strmap_get(&r->task_ids, st->task, strlen(st->task), &c.task);
  end_background_run(r, t);  /* the one before this step is over */
  v8p_result res;
  v8p_do(r->ps, &c, &res);
  if (internal_failure(res.status)) {
    char msg[V8P_MESSAGE_MAX + 64];
    snprintf(msg, sizeof msg, "step %d (line %d): %s", i + 1, st->line, res.message);
    replay_fail(r, msg);
  }
  if (will_block && r->o->dry_run) wait_for_locker(r, t, c.isolate);
  if (is_lock_request(st->op)) locker_taken(r);
  /* a background run the checker counts as running (in a dry run too) ends at the
   * thread's next step */
  if (st->op == CK_RUN && st->background && res.status == V8P_OK) t->bg_run_iso = c.isolate;
  if (is_release(st->op)) hand_over(r, c.isolate);
  const char *note = res.message;
  char buf[256];
  if (st->op == CK_CHECK_CURRENT && !r->o->dry_run) {
    snprintf(buf, sizeof buf, "current %s", v8p_isolate_name(r->ps, res.real_current));
    note = buf;
  }
  replay_emitf(r, 'E', "dfddssdbs", i + 1, replay_now_us(r), (int)res.status, res.executed,
               r->o->dry_run ? "" : v8p_isolate_name(r->ps, res.real_current),
               v8p_isolate_name(r->ps, res.ideal_current), (int)res.run, res.text, res.text_len, note);
  v8p_result_clear(&res);
}

/* The thread has ended (implicitly or by `end`): it counts as joined from now on, so
 * what it did is visible to every later step, for TSan too. */
static void mark_ended(replay *r, rthread *t) {
  witness_loud_begin();
  witness_release(&r->ended_sync);  /* a release joins: every ended thread's clock adds up */
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
static void join_ended(replay *r) {
  witness_loud_begin();
  witness_acquire(&r->ended_sync);
  witness_loud_end();
}

/* Waits for the baton to reach step i and the thread's previous step (last) to finish;
 * then marks it started and decides whether it will block on a Locker. Returns 0, or
 * -1 when the replay stopped. */
static int take_turn(replay *r, rthread *t, int i, int last, int *will_block) {
  const scn_step *st = &r->s->steps[i];
  /* A waiter on the other core sees its turn within a microsecond if it spins a little
   * before it blocks (the cond wake alone costs 10-30 us on this machine). */
  for (int spin = 0; spin < 4000 && atomic_load(&r->turn_seen) < i; spin++) cpu_relax();
  pthread_mutex_lock(&r->mu);
  while (r->turn != i && !r->stop) pthread_cond_wait(&r->cv, &r->mu);
  while (!r->stop && last >= 0 && !r->finished[last]) pthread_cond_wait(&r->cv, &r->mu);
  if (r->stop) {
    pthread_mutex_unlock(&r->mu);
    return -1;
  }
  r->started[i] = 1;
  replay_emitf(r, 'S', "df", i + 1, replay_now_us(r));
  int iso = st->isolate ? v8p_isolate_id(r->ps, st->isolate) : CK_NONE;
  int owner = is_lock_request(st->op) ? v8p_lock_owner(r->ps, iso) : -1;
  *will_block = owner >= 0 && owner != t->ck_id;
  if (*will_block) replay_block(r, t, iso, i);
  if (st->background || *will_block) {
    replay_set_turn(r, i + 1);
    pthread_cond_broadcast(&r->cv);
  }
  pthread_mutex_unlock(&r->mu);
  return 0;
}

/* After step i: the baton moves on unless it already did. */
static void finish_turn(replay *r, rthread *t, int i, int will_block) {
  pthread_mutex_lock(&r->mu);
  replay_unblock(r, t);
  r->finished[i] = 1;
  if (!r->s->steps[i].background && !will_block && r->turn == i) replay_set_turn(r, i + 1);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

void *replay_thread_main(void *arg) {
  witness_quiet_begin();  /* the scheduler's own synchronization stays out of TSan's sight */
  rthread *t = arg;
  replay *r = t->r;
  iso_err err;
  int id = -1;
  if (v8p_thread_attach(r->ps, t->name, &id, &err)) {
    replay_fail(r, err.msg);
  } else {
    pthread_mutex_lock(&r->mu);
    t->ck_id = id;
    pthread_mutex_unlock(&r->mu);
    int last = -1;
    for (int k = 0; k < t->nsteps; k++) {
      int i = t->steps[k], will_block = 0;
      const scn_step *st = &r->s->steps[i];
      if (take_turn(r, t, i, last, &will_block)) break;
      join_ended(r);
      sanitizer_set_step(i + 1, st->isolate);
      run_step(r, t, i, will_block);
      sanitizer_set_step(0, NULL);
      if (st->op == CK_THREAD_END) mark_ended(r, t);
      /* The thread's implicit end, fed before the baton moves on (its own `end` aside);
       * a thread stopped by a deadlock does not end: in a real run it stays blocked. */
      if (k == t->nsteps - 1 && st->op != CK_THREAD_END && !r->stop) end_thread(r, t, i);
      finish_turn(r, t, i, will_block);
      last = i;
    }
    v8p_thread_detach(r->ps);
  }
  pthread_mutex_lock(&r->mu);
  t->done = 1;
  r->running--;
  r->to_join[r->nto_join++] = (int)(t - r->threads);
  pthread_cond_broadcast(&r->cv);
  pthread_cond_signal(&r->mon_cv);
  pthread_mutex_unlock(&r->mu);
  witness_quiet_end();
  return NULL;
}
