/* replay_thread.c — what each scenario thread does: wait for the baton, perform its step
 * through v8probe, pass the baton on, and end. A run or gc that opens a block runs the
 * thread's steps of the block inside V8's callback (replay_block_reached); a sync op
 * that must wait passes the baton and waits for the checker to serve it. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "replay_internal.h"
#include "sanitizer.h"
#include "witness.h"

static _Thread_local rthread *self;  /* the scenario thread running on this OS thread */

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
    for (int w = 0; w < r->nblocked && !waiting; w++)
      waiting = r->threads[r->blocked[w]].blocked == BLOCKED_LOCKER && r->threads[r->blocked[w]].blocked_iso == iso;
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

/* Every waiter looks again: a Locker changed hands, a mutex was released, a message sent,
 * a thread ended. */
static void wake_waiters(replay *r) {
  pthread_mutex_lock(&r->mu);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

/* The TSan word of step i's mutex or channel, or of the thread it spawns or joins. */
static char *sync_word(replay *r, const scn_step *st, int end) {
  int k;
  if (st->op == CK_SPAWN || st->op == CK_JOIN) {
    if (!strmap_get(&r->thread_ids, st->sync, strlen(st->sync), &k)) return NULL;
    return end ? &r->threads[k].end_word : &r->threads[k].spawn_word;
  }
  return strmap_get(&r->sync_ids, st->sync, strlen(st->sync), &k) ? &r->sync_words[k] : NULL;
}

/* The happens-before edge a real mutex, channel, spawn or join gives, for TSan. */
static void sync_edge(char *word, int release) {
  if (!word) return;
  witness_loud_begin();
  if (release) witness_release(word);
  else witness_acquire(word);
  witness_loud_end();
}

/* A sync op the checker did not serve at once: the baton moves on, and the thread waits
 * until a release, a send or a thread's end serves it (or the replay stops). */
static void wait_for_sync(replay *r, rthread *t, int i) {
  pthread_mutex_lock(&r->mu);
  replay_block(r, t, BLOCKED_SYNC, CK_NONE, i);
  if (r->turn == i) replay_set_turn(r, i + 1);
  pthread_cond_broadcast(&r->cv);
  while (!r->stop && v8p_waiting(r->ps)) pthread_cond_wait(&r->cv, &r->mu);
  replay_unblock(r, t);
  pthread_mutex_unlock(&r->mu);
}

/* Step i's call to the probe. */
static v8p_call call_of(replay *r, const scn_step *st, int i) {
  v8p_call c = {.op = st->op, .isolate = CK_NONE, .name = st->isolate, .step = i + 1, .task = -1, .js = st->js,
                .context = st->context, .background = st->background, .line = st->line, .handle = st->handle,
                .context_of = CK_NONE, .sync = st->sync, .block = st->opens_block};
  if (st->isolate && st->op != CK_NEW) c.isolate = v8p_isolate_id(r->ps, st->isolate);
  if (st->context_of) c.context_of = v8p_isolate_id(r->ps, st->context_of);
  if (st->task) strmap_get(&r->task_ids, st->task, strlen(st->task), &c.task);
  return c;
}

/* Executes step i on the calling thread (the baton is already passed if it must be).
 * Returns 1 when the step opens a block and the block was reached. */
static int run_step(replay *r, rthread *t, int i, int will_block) {
  const scn_step *st = &r->s->steps[i];
  v8p_call c = call_of(r, st, i);
  end_background_run(r, t);  /* the one before this step is over */
  if (st->op == CK_RELEASE || st->op == CK_SEND || st->op == CK_SPAWN) sync_edge(sync_word(r, st, 0), 1);
  v8p_result res;
  v8p_do(r->ps, &c, &res);
  if (internal_failure(res.status)) {
    char msg[V8P_MESSAGE_MAX + 64];
    snprintf(msg, sizeof msg, "step %d (line %d): %s", i + 1, st->line, res.message);
    replay_fail(r, msg);
  }
  if (res.waiting) wait_for_sync(r, t, i);
  if (st->op == CK_ACQUIRE || st->op == CK_RECV) sync_edge(sync_word(r, st, 0), 0);
  if (st->op == CK_JOIN) sync_edge(sync_word(r, st, 1), 0);
  if (st->op == CK_RELEASE || st->op == CK_SEND) wake_waiters(r);
  if (will_block && r->o->dry_run) wait_for_locker(r, t, c.isolate);
  if (is_lock_request(st->op)) wake_waiters(r);
  /* a background run the checker counts as running ends at the thread's next step, in
   * a dry run and a real one alike, whatever V8 said of it (a fatal error whose handler
   * returned included): the verdicts never depend on V8 */
  if (st->op == CK_RUN && st->background && !internal_failure(res.status)) t->bg_run_iso = c.isolate;
  if (is_release(st->op)) hand_over(r, c.isolate);
  const char *note = res.message;
  char buf[256];
  if (st->op == CK_CHECK_CURRENT && !r->o->dry_run) {
    snprintf(buf, sizeof buf, "current %s", v8p_isolate_name(r->ps, res.real_current));
    note = buf;
  }
  const char *text = res.text;
  size_t text_len = res.text_len;
  if (res.has_bool) {
    text = res.bool_value ? "true" : "false";
    text_len = strlen(text);
  }
  replay_emitf(r, 'E', "dfddssdbs", i + 1, replay_now_us(r), (int)res.status, res.executed,
               r->o->dry_run ? "" : v8p_isolate_name(r->ps, res.real_current),
               v8p_isolate_name(r->ps, res.ideal_current), res.has_bool ? (int)V8P_RUN_VALUE : (int)res.run, text,
               text_len, note);
  int reached = res.block_reached;
  v8p_result_clear(&res);
  return reached;
}

/* The thread has ended (implicitly or by `end`): it counts as joined from now on, so
 * what it did is visible to every later step, for TSan too. */
static void mark_ended(replay *r, rthread *t) {
  witness_loud_begin();
  witness_release(&r->ended_sync);  /* a release joins: every ended thread's clock adds up */
  witness_release(&t->end_word);    /* and an explicit join */
  witness_loud_end();
  pthread_mutex_lock(&r->mu);
  t->ended = 1;
  pthread_cond_broadcast(&r->cv);  /* a join may go on */
  pthread_mutex_unlock(&r->mu);
}

/* The thread's end after its last step i: a background run of that step ends first. */
static void end_thread(replay *r, rthread *t, int i) {
  end_background_run(r, t);
  v8p_call end = {.op = CK_THREAD_END, .isolate = CK_NONE, .step = i + 1, .task = -1, .context_of = CK_NONE};
  v8p_do(r->ps, &end, NULL);
  mark_ended(r, t);
}

/* Before a step: TSan learns that every thread that has ended was joined, and that this
 * thread was spawned. */
static void join_ended(replay *r, rthread *t) {
  witness_loud_begin();
  witness_acquire(&r->ended_sync);
  witness_acquire(&t->spawn_word);
  witness_loud_end();
}

/* Waits for the baton to reach step i and the thread's previous step (t->last) to
 * finish; then marks it started and decides whether it will block on a Locker. Returns
 * 0, 1 when the step was skipped (its block never ran), or -1 when the replay stopped. */
static int take_turn(replay *r, rthread *t, int i, int *will_block) {
  const scn_step *st = &r->s->steps[i];
  /* A waiter on the other core sees its turn within a microsecond if it spins a little
   * before it blocks (the cond wake alone costs 10-30 us on this machine). */
  for (int spin = 0; spin < 4000 && atomic_load(&r->turn_seen) < i; spin++) cpu_relax();
  pthread_mutex_lock(&r->mu);
  r->nparked++;  /* parked: this thread can do nothing until the baton comes */
  pthread_cond_signal(&r->mon_cv);
  while (r->turn != i && !r->stop && !r->skipped[i]) pthread_cond_wait(&r->cv, &r->mu);
  while (!r->stop && !r->skipped[i] && t->last >= 0 && !r->finished[t->last]) pthread_cond_wait(&r->cv, &r->mu);
  r->nparked--;
  if (r->stop || r->skipped[i]) {
    int skipped = !r->stop;
    pthread_mutex_unlock(&r->mu);
    return skipped ? 1 : -1;
  }
  r->started[i] = 1;
  replay_emitf(r, 'S', "df", i + 1, replay_now_us(r));
  int iso = st->isolate ? v8p_isolate_id(r->ps, st->isolate) : CK_NONE;
  int owner = is_lock_request(st->op) ? v8p_lock_owner(r->ps, iso) : -1;
  *will_block = owner >= 0 && owner != t->ck_id;
  if (*will_block) replay_block(r, t, BLOCKED_LOCKER, iso, i);
  if (st->background || *will_block) {
    replay_set_turn(r, i + 1);
    pthread_cond_broadcast(&r->cv);
  }
  pthread_mutex_unlock(&r->mu);
  return 0;
}

/* After step i: the baton moves on unless it already did. */
static void finish_turn(replay *r, rthread *t, int i) {
  pthread_mutex_lock(&r->mu);
  replay_unblock(r, t);
  r->finished[i] = 1;
  if (r->turn == i) replay_set_turn(r, i + 1);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

/* One step of t (at t->pos), announced to the sanitizer report. */
static int perform(replay *r, rthread *t, int i, int will_block) {
  const scn_step *st = &r->s->steps[i];
  join_ended(r, t);
  sanitizer_set_step(i + 1, st->isolate);
  int reached = run_step(r, t, i, will_block);
  sanitizer_set_step(0, NULL);
  if (st->op == CK_THREAD_END) mark_ended(r, t);
  return reached;
}

/* Runs t's steps from position t->pos on while their index is below `until`. Returns 0,
 * or -1 when the replay stopped. */
static int run_steps(replay *r, rthread *t, int until) {
  for (; t->pos < t->nsteps && t->steps[t->pos] < until; t->pos++) {
    int i = t->steps[t->pos], will_block = 0;
    const scn_step *st = &r->s->steps[i];
    int turn = take_turn(r, t, i, &will_block);
    if (turn < 0) return -1;
    if (turn > 0) continue;  /* not reached */
    int pos = t->pos;
    int reached = perform(r, t, i, will_block);
    if (st->opens_block && !reached) {  /* the callback never ran: past the block */
      pthread_mutex_lock(&r->mu);
      replay_skip_block(r, i, st->op == CK_RUN ? "the script returned without calling host()"
                                               : "the gc collected no weak handle (no weak callback ran)");
      pthread_mutex_unlock(&r->mu);
    }
    int close = st->opens_block && reached ? st->block_end : -1;
    if (st->opens_block) {  /* past the block's steps of this thread, run or skipped */
      t->pos = pos;
      while (t->pos + 1 < t->nsteps && t->steps[t->pos + 1] <= st->block_end) t->pos++;
    }
    /* The thread's implicit end, fed before the baton moves on (its own `end` aside); a
     * thread stopped by a deadlock does not end: in a real run it stays blocked. */
    if (t->pos == t->nsteps - 1 && st->op != CK_THREAD_END && !r->stop) end_thread(r, t, close >= 0 ? close : i);
    finish_turn(r, t, i);
    if (close >= 0 && !st->background) finish_turn(r, t, close);  /* the `}` held the baton until now */
    t->last = close >= 0 ? close : i;
  }
  return 0;
}

void replay_block_reached(void *ud, int step) {
  replay *r = ud;
  rthread *t = self;
  int opener = step - 1;
  if (!t || opener < 0 || opener >= r->s->nsteps) return;
  const scn_step *o = &r->s->steps[opener];
  int close = o->block_end, outer_pos = t->pos, outer_last = t->last;
  pthread_mutex_lock(&r->mu);
  if (r->turn == opener) replay_set_turn(r, opener + 1);  /* the baton enters the block */
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  t->pos = outer_pos + 1;
  t->last = -1;  /* the opener is still on this thread's stack */
  if (run_steps(r, t, close) == 0) {
    int will_block = 0;
    if (take_turn(r, t, close, &will_block) == 0) {  /* the `}`: host() returns here */
      perform(r, t, close, 0);
      if (o->background) finish_turn(r, t, close);  /* else the opener's end moves the baton */
    }
  }
  t->pos = outer_pos;
  t->last = outer_last;
}

void *replay_thread_main(void *arg) {
  witness_quiet_begin();  /* the scheduler's own synchronization stays out of TSan's sight */
  rthread *t = arg;
  replay *r = t->r;
  self = t;
  iso_err err;
  int id = -1;
  if (v8p_thread_attach(r->ps, t->name, &id, &err)) {
    replay_fail(r, err.msg);
  } else {
    pthread_mutex_lock(&r->mu);
    t->ck_id = id;
    pthread_mutex_unlock(&r->mu);
    t->pos = 0;
    /* A thread whose last steps were skipped (a block never reached) ends after the
     * last step it ran. */
    if (run_steps(r, t, r->s->nsteps) == 0 && !r->stop && !t->ended && t->last >= 0) end_thread(r, t, t->last);
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
