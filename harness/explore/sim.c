/* sim.c — a scenario as a program, executed step by step in any allowed order (sim.h). */
#define _POSIX_C_SOURCE 200809L
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "vec.h"

/* ---- the program ------------------------------------------------------------------ */

static int push_int(int **v, int *n, int x) {
  size_t cap = (size_t)*n;  /* grown to exactly n + 1: lists stay short */
  if (vec_grow(v, &cap, (size_t)*n + 1, sizeof **v)) return -1;
  (*v)[(*n)++] = x;
  return 0;
}

/* "KIND:NAME" (and for a context "c:ISOLATE:NAME"), malloc'd. */
static char *key_of(const char *kind, const char *a, const char *b) {
  size_t n = strlen(kind) + strlen(a) + (b ? strlen(b) + 1 : 0) + 2;
  char *k = malloc(n);
  if (!k) return NULL;
  strcpy(k, kind);
  strcat(k, ":");
  strcat(k, a);
  if (b) {
    strcat(k, ":");
    strcat(k, b);
  }
  return k;
}

static int add_foot(sim_prog *p, int i, const char *kind, const char *name) {
  if (!name) return 0;
  char *k = key_of(kind, name, NULL);
  size_t cap = (size_t)p->nfootprint[i];
  if (!k || vec_grow(&p->footprint[i], &cap, (size_t)p->nfootprint[i] + 1, sizeof *p->footprint[i])) {
    free(k);
    return -1;
  }
  p->footprint[i][p->nfootprint[i]++] = k;
  return 0;
}

/* Step i waits for step `on` when `on` is another thread's (its own thread keeps order). */
static int add_dep(sim_prog *p, int i, int on) {
  if (on < 0 || p->thread_of[on] == p->thread_of[i]) return 0;
  return push_int(&p->deps[i], &p->ndeps[i], on);
}

/* What step i touches, for independence: its isolate, another isolate whose context it
 * runs in, its handle, its mutex or channel, the thread it spawns or joins, its task, and
 * the isolate of a background run of its thread that it ends. */
static int footprint(sim_prog *p, int i, int prev_background) {
  const scn_step *st = &p->s->steps[i];
  static const char *const SYNC[] = {[CK_SYNC_MUTEX] = "m", [CK_SYNC_CHANNEL] = "ch", [CK_SYNC_THREAD] = "t"};
  if (add_foot(p, i, "i", st->isolate) || add_foot(p, i, "i", st->context_of) || add_foot(p, i, "h", st->handle) ||
      add_foot(p, i, "k", st->task) || (st->sync && add_foot(p, i, SYNC[ck_op_sync_kind(st->op)], st->sync)))
    return -1;
  if (prev_background >= 0 && add_foot(p, i, "i", p->s->steps[prev_background].isolate)) return -1;
  if (st->op == CK_BLOCK_END && st->block_open >= 0 && add_foot(p, i, "i", p->s->steps[st->block_open].isolate))
    return -1;
  return 0;
}

/* The makers of each context so far ("c:ISOLATE:NAME" -> a list of steps). */
typedef struct ctx_makers {
  strmap index;  /* key -> position in lists */
  int **lists, *nlists;
  int n;
} ctx_makers;

/* The list of makers of key (and its length in *count); added when new if add. NULL when
 * there is none (or out of memory adding it). */
static int **makers_of(ctx_makers *cm, const char *key, int **count, int add) {
  int at;
  if (!strmap_get(&cm->index, key, strlen(key), &at)) {
    if (!add) return NULL;
    size_t cap = (size_t)cm->n, cap2 = cap;
    if (vec_grow(&cm->lists, &cap, (size_t)cm->n + 1, sizeof *cm->lists) ||
        vec_grow(&cm->nlists, &cap2, (size_t)cm->n + 1, sizeof *cm->nlists) || strmap_put(&cm->index, key, strlen(key), cm->n))
      return NULL;
    at = cm->n++;
    cm->lists[at] = NULL;
    cm->nlists[at] = 0;
  }
  *count = &cm->nlists[at];
  return &cm->lists[at];
}

/* The steps that made what step i names (an isolate, a handle: the latest maker; a
 * context another isolate's run uses: any of its makers), and its task's previous step.
 * `made` maps "KIND:NAME" to the latest step that made it; keys are kept in `keys` to
 * outlive the maps. */
static int creation_deps(sim_prog *p, int i, strmap *made, ctx_makers *cm, char ***keys, int *nkeys) {
  const scn_step *st = &p->s->steps[i];
  int at;
  char *k[3] = {0};
  int nk = 0;
  if (st->isolate && st->op != CK_NEW) k[nk++] = key_of("i", st->isolate, NULL);
  if (st->handle && st->op != CK_GLOBAL && st->op != CK_PERSISTENT) k[nk++] = key_of("h", st->handle, NULL);
  if (st->task) k[nk++] = key_of("k", st->task, NULL);
  int rc = 0;
  for (int j = 0; j < nk; j++) {
    if (!k[j]) rc = -1;
    else if (strmap_get(made, k[j], strlen(k[j]), &at) && add_dep(p, i, at)) rc = -1;
    free(k[j]);
  }
  if (rc) return -1;
  if (st->op == CK_RUN && st->context_of) {  /* made by any maker: none needed if its own thread made it */
    char *ck = key_of("c", st->context_of, st->context ? st->context : "main");
    int *count = NULL, **list = ck ? makers_of(cm, ck, &count, 0) : NULL;
    free(ck);
    int own = 0;
    for (int j = 0; list && j < *count; j++) own |= p->thread_of[(*list)[j]] == p->thread_of[i];
    for (int j = 0; list && !own && j < *count; j++)
      if (push_int(&p->alt_deps[i], &p->nalt_deps[i], (*list)[j])) return -1;
  }
  /* What this step makes, for the steps after it. */
  char *mk[3] = {0};
  int nm = 0;
  if (st->op == CK_NEW) mk[nm++] = key_of("i", st->isolate, NULL);
  if (st->op == CK_GLOBAL || st->op == CK_PERSISTENT) mk[nm++] = key_of("h", st->handle, NULL);
  if (st->task) mk[nm++] = key_of("k", st->task, NULL);
  for (int j = 0; j < nm; j++) {
    size_t cap = (size_t)*nkeys;
    if (!mk[j] || vec_grow(keys, &cap, (size_t)*nkeys + 1, sizeof **keys)) {
      for (int m = j; m < nm; m++) free(mk[m]);
      return -1;
    }
    (*keys)[(*nkeys)++] = mk[j];
    if (strmap_put(made, mk[j], strlen(mk[j]), i)) return -1;
  }
  if ((st->op == CK_CONTEXT || st->op == CK_GLOBAL || st->op == CK_PERSISTENT || (st->op == CK_RUN && !st->context_of)) &&
      st->isolate) {
    char *ck = key_of("c", st->isolate, st->context ? st->context : "main");
    size_t cap = (size_t)*nkeys;
    if (!ck || vec_grow(keys, &cap, (size_t)*nkeys + 1, sizeof **keys)) {
      free(ck);
      return -1;
    }
    (*keys)[(*nkeys)++] = ck;
    int *count = NULL, **list = makers_of(cm, ck, &count, 1);
    if (!list || push_int(list, count, i)) return -1;
  }
  return 0;
}

/* A background run that only a terminate ends (`run X "..." => terminated &`, on every
 * version): the thread's next step, which waits for the run, comes after a terminate. */
static int ends_only_terminated(const scn_step *st) {
  if (st->op != CK_RUN || !st->background || st->nresults == 0) return 0;
  for (int k = 0; k < st->nresults; k++)
    if (st->results[k].kind != SCN_RESULT_TERMINATED) return 0;
  return 1;
}

/* Step i waits for any terminate of run's isolate on another thread. */
static int terminate_deps(sim_prog *p, int i, int run) {
  const scenario *s = p->s;
  for (int j = 0; j < s->nsteps; j++)
    if (s->steps[j].op == CK_TERMINATE && p->thread_of[j] != p->thread_of[i] && !strcmp(s->steps[j].isolate, s->steps[run].isolate) &&
        push_int(&p->alt_deps[i], &p->nalt_deps[i], j))
      return -1;
  return 0;
}

int sim_prog_init(sim_prog *p, const scenario *s) {
  memset(p, 0, sizeof *p);
  p->s = s;
  int n = s->nsteps;
  strmap threads = {0}, made = {0};
  ctx_makers cm = {0};
  char **keys = NULL;
  int nkeys = 0, rc = -1;
  p->thread_of = calloc((size_t)n + 1, sizeof *p->thread_of);
  p->deps = calloc((size_t)n + 1, sizeof *p->deps);
  p->ndeps = calloc((size_t)n + 1, sizeof *p->ndeps);
  p->alt_deps = calloc((size_t)n + 1, sizeof *p->alt_deps);
  p->nalt_deps = calloc((size_t)n + 1, sizeof *p->nalt_deps);
  p->global_step = calloc((size_t)n + 1, 1);
  p->footprint = calloc((size_t)n + 1, sizeof *p->footprint);
  p->nfootprint = calloc((size_t)n + 1, sizeof *p->nfootprint);
  int *spawned_at = NULL, *last_of = NULL;
  if (!p->thread_of || !p->deps || !p->ndeps || !p->alt_deps || !p->nalt_deps || !p->global_step || !p->footprint || !p->nfootprint) goto out;
  for (int i = 0; i < n; i++) {
    const char *name = s->steps[i].thread;
    int t;
    if (!strmap_get(&threads, name, strlen(name), &t)) {
      t = p->nthreads;
      size_t cap = (size_t)p->nthreads, cap2 = cap, cap3 = cap;
      if (vec_grow(&p->thread_names, &cap, (size_t)t + 1, sizeof *p->thread_names) ||
          vec_grow(&p->steps, &cap2, (size_t)t + 1, sizeof *p->steps) ||
          vec_grow(&p->nsteps, &cap3, (size_t)t + 1, sizeof *p->nsteps) || strmap_put(&threads, name, strlen(name), t))
        goto out;
      p->thread_names[t] = s->steps[i].thread;
      p->steps[t] = NULL;
      p->nsteps[t] = 0;
      p->nthreads++;
    }
    p->thread_of[i] = t;
    if (push_int(&p->steps[t], &p->nsteps[t], i)) goto out;
  }
  spawned_at = malloc(((size_t)p->nthreads + 1) * sizeof *spawned_at);
  last_of = malloc(((size_t)p->nthreads + 1) * sizeof *last_of);
  if (!spawned_at || !last_of) goto out;
  for (int t = 0; t < p->nthreads; t++) spawned_at[t] = -1, last_of[t] = -1;
  for (int i = 0; i < n; i++) {
    const scn_step *st = &s->steps[i];
    int t = p->thread_of[i], u;
    if (creation_deps(p, i, &made, &cm, &keys, &nkeys)) goto out;
    if (st->op == CK_SPAWN && strmap_get(&threads, st->sync, strlen(st->sync), &u)) spawned_at[u] = i;
    if (p->steps[t][0] == i && spawned_at[t] >= 0 && add_dep(p, i, spawned_at[t])) goto out;
    if (st->block_parent >= 0 && add_dep(p, i, st->block_parent)) goto out;
    if (last_of[t] >= 0 && ends_only_terminated(&s->steps[last_of[t]]) && terminate_deps(p, i, last_of[t])) goto out;
    if (footprint(p, i, last_of[t] >= 0 && s->steps[last_of[t]].background ? last_of[t] : -1)) goto out;
    p->global_step[i] = st->op == CK_THREAD_END || st->op == CK_WAIT || p->steps[t][p->nsteps[t] - 1] == i;
    last_of[t] = i;
  }
  rc = 0;
out:
  free(spawned_at);
  free(last_of);
  for (int k = 0; k < nkeys; k++) free(keys[k]);
  free(keys);
  strmap_free(&threads);
  strmap_free(&made);
  for (int k = 0; k < cm.n; k++) free(cm.lists[k]);
  free(cm.lists);
  free(cm.nlists);
  strmap_free(&cm.index);
  if (rc) sim_prog_free(p);
  return rc;
}

void sim_prog_free(sim_prog *p) {
  for (int t = 0; t < p->nthreads && p->steps; t++) free(p->steps[t]);
  for (int i = 0; p->s && i < p->s->nsteps; i++) {
    if (p->deps) free(p->deps[i]);
    if (p->alt_deps) free(p->alt_deps[i]);
    for (int k = 0; p->footprint && p->nfootprint && k < p->nfootprint[i]; k++) free(p->footprint[i][k]);
    if (p->footprint) free(p->footprint[i]);
  }
  free(p->thread_names);
  free(p->steps);
  free(p->nsteps);
  free(p->thread_of);
  free(p->deps);
  free(p->ndeps);
  free(p->alt_deps);
  free(p->nalt_deps);
  free(p->global_step);
  free(p->footprint);
  free(p->nfootprint);
  memset(p, 0, sizeof *p);
}

int sim_independent(const sim_prog *p, int i, int j) {
  if (p->thread_of[i] == p->thread_of[j] || p->global_step[i] || p->global_step[j]) return 0;
  for (int a = 0; a < p->nfootprint[i]; a++)
    for (int b = 0; b < p->nfootprint[j]; b++)
      if (!strcmp(p->footprint[i][a], p->footprint[j][b])) return 0;
  return 1;
}

/* ---- one execution ---------------------------------------------------------------- */

struct sim {
  const sim_prog *p;
  ck_checker *ck;
  strmap isolates, handles, tasks;  /* name -> checker id (the latest lifetime) */
  int *handle_iso;                  /* checker handle id -> its isolate id */
  size_t handle_iso_cap;
  int *slot, *pos, *bg_iso, *wait_iso, *wait_seq, *ended;  /* per thread */
  int *end_after;                   /* per thread: 1 + its last step, once run (its end pending) */
  int *opener_iso;                  /* per step: the isolate a run or gc opener ran on */
  unsigned char *done, *skipped;    /* per step */
  unsigned *codes;                  /* per step */
  unsigned end_codes;
  int *order, norder;
  int seq;
  int failed;
};

sim *sim_new(const sim_prog *p) {
  sim *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  int n = p->s->nsteps, nt = p->nthreads;
  m->p = p;
  m->ck = ck_new(p->s->model);
  m->slot = malloc(((size_t)nt + 1) * sizeof *m->slot);
  m->pos = calloc((size_t)nt + 1, sizeof *m->pos);
  m->bg_iso = calloc((size_t)nt + 1, sizeof *m->bg_iso);
  m->wait_iso = malloc(((size_t)nt + 1) * sizeof *m->wait_iso);
  m->wait_seq = calloc((size_t)nt + 1, sizeof *m->wait_seq);
  m->ended = calloc((size_t)nt + 1, sizeof *m->ended);
  m->end_after = calloc((size_t)nt + 1, sizeof *m->end_after);
  m->opener_iso = calloc((size_t)n + 1, sizeof *m->opener_iso);
  m->done = calloc((size_t)n + 1, 1);
  m->skipped = calloc((size_t)n + 1, 1);
  m->codes = calloc((size_t)n + 1, sizeof *m->codes);
  m->order = malloc(((size_t)n + 1) * sizeof *m->order);
  if (!m->ck || !m->slot || !m->pos || !m->bg_iso || !m->wait_iso || !m->wait_seq || !m->ended || !m->end_after || !m->opener_iso ||
      !m->done || !m->skipped || !m->codes || !m->order) {
    sim_free(m);
    return NULL;
  }
  for (int t = 0; t < nt; t++) m->slot[t] = -1, m->wait_iso[t] = CK_NONE;
  return m;
}

void sim_free(sim *m) {
  if (!m) return;
  ck_free(m->ck);
  strmap_free(&m->isolates);
  strmap_free(&m->handles);
  strmap_free(&m->tasks);
  free(m->handle_iso);
  free(m->slot);
  free(m->pos);
  free(m->bg_iso);
  free(m->wait_iso);
  free(m->wait_seq);
  free(m->ended);
  free(m->end_after);
  free(m->opener_iso);
  free(m->done);
  free(m->skipped);
  free(m->codes);
  free(m->order);
  free(m);
}

int sim_next(const sim *m, int t) {
  const sim_prog *p = m->p;
  for (int k = m->pos[t]; k < p->nsteps[t]; k++)
    if (!m->skipped[p->steps[t][k]]) return p->steps[t][k];
  return -1;
}

int sim_enabled(const sim *m, int t) {
  int i = sim_next(m, t);
  if (i < 0 || m->ended[t] || (m->slot[t] >= 0 && ck_waiting(m->ck, m->slot[t]))) return 0;
  for (int k = 0; k < m->p->ndeps[i]; k++)
    if (!m->done[m->p->deps[i][k]]) return 0;
  for (int k = 0; k < m->p->nalt_deps[i]; k++)
    if (m->done[m->p->alt_deps[i][k]]) return 1;
  return m->p->nalt_deps[i] == 0;
}

/* The codes raised since violation `before` go to the steps they name (a deadlock names
 * the step where its thread began to wait), or to the end. */
static void collect(sim *m, size_t before) {
  for (size_t v = before; v < ck_violation_count(m->ck); v++) {
    const ck_violation *x = ck_violation_at(m->ck, v);
    if (x->step >= 1 && x->step <= m->p->s->nsteps) m->codes[x->step - 1] |= 1u << x->code;
    else m->end_codes |= 1u << x->code;
  }
}

static void feed(sim *m, const ck_event *ev) {
  size_t before = ck_violation_count(m->ck);
  ck_feed(m->ck, ev);
  collect(m, before);
}

static int id_of(strmap *map, const char *name) {
  int id;
  return name && strmap_get(map, name, strlen(name), &id) ? id : CK_NONE;
}

/* The checker's event for step i of thread slot th, registering what it makes (as
 * v8probe's resolve does). */
static ck_event event_of(sim *m, int i, int th) {
  const scn_step *st = &m->p->s->steps[i];
  ck_event ev = {st->op, th, -1, CK_NONE, i + 1, 0, st->line, st->opens_block};
  if (st->task && !strmap_get(&m->tasks, st->task, strlen(st->task), &ev.task)) {  /* tasks count from 0 */
    ev.task = ck_add_task(m->ck, st->task);
    if (ev.task < 0 || strmap_put(&m->tasks, st->task, strlen(st->task), ev.task)) m->failed = 1;
  }
  if (st->op == CK_NEW) {
    ev.isolate = ck_add_isolate(m->ck, st->isolate);
    if (ev.isolate < 0 || strmap_put(&m->isolates, st->isolate, strlen(st->isolate), ev.isolate)) m->failed = 1;
  } else if (ck_op_is_sync(st->op)) {
    ev.object = ck_sync_id(m->ck, ck_op_sync_kind(st->op), st->sync);
  } else if (st->op == CK_OPEN || st->op == CK_RESET || st->op == CK_WEAK) {
    ev.object = id_of(&m->handles, st->handle);
    ev.isolate = ev.object > 0 && (size_t)ev.object < m->handle_iso_cap ? m->handle_iso[ev.object] : CK_NONE;
  } else if (st->isolate) {
    ev.isolate = id_of(&m->isolates, st->isolate);
    if (st->op == CK_GLOBAL || st->op == CK_PERSISTENT) {
      ev.object = ck_add_handle(m->ck, st->handle, ev.isolate, st->op == CK_PERSISTENT);
      if (ev.object < 0 || vec_grow(&m->handle_iso, &m->handle_iso_cap, (size_t)ev.object + 1, sizeof *m->handle_iso) ||
          strmap_put(&m->handles, st->handle, strlen(st->handle), ev.object))
        m->failed = 1;
      else
        m->handle_iso[ev.object] = ev.isolate;
    } else if (st->op == CK_RUN && st->context_of) {
      int y = id_of(&m->isolates, st->context_of);
      if (y != ev.isolate) ev.object = y;
    }
  }
  return ev;
}

/* The thread's end, after its last step i (as the replay's end_thread). */
static void end_thread(sim *m, int t, int i) {
  if (m->bg_iso[t] != CK_NONE) ck_run_done(m->ck, m->slot[t], m->bg_iso[t]);
  m->bg_iso[t] = CK_NONE;
  ck_event end = {CK_THREAD_END, m->slot[t], -1, CK_NONE, i + 1, 0, 0, 0};
  feed(m, &end);
  ck_release_thread(m->ck, m->slot[t]);
  m->ended[t] = 1;
}

/* A Locker let go goes to its longest waiter at once (the replay waits for that). */
static void hand_over(sim *m) {
  for (int moved = 1; moved;) {
    moved = 0;
    for (int t = 0; t < m->p->nthreads; t++) {
      int x = m->wait_iso[t];
      if (x == CK_NONE) continue;
      if (!ck_waiting(m->ck, m->slot[t])) {
        m->wait_iso[t] = CK_NONE;
        continue;
      }
      if (ck_lock_owner(m->ck, x) >= 0) continue;
      int best = t;
      for (int u = 0; u < m->p->nthreads; u++)
        if (m->wait_iso[u] == x && m->wait_seq[u] < m->wait_seq[best]) best = u;
      ck_acquired(m->ck, m->slot[best], x);
      m->wait_iso[best] = CK_NONE;
      moved = 1;
    }
  }
}

/* Threads whose last step has returned (no wait left) end, as the replay's end_thread. */
static void end_finished(sim *m) {
  for (int t = 0; t < m->p->nthreads; t++)
    if (m->end_after[t] && !m->ended[t] && !ck_waiting(m->ck, m->slot[t])) {
      end_thread(m, t, m->end_after[t] - 1);
      hand_over(m);  /* its end may serve a join */
    }
}

/* A block never reached: its steps (the `}` included) are skipped. */
static void skip_block(sim *m, int opener) {
  for (int j = opener + 1; j <= m->p->s->steps[opener].block_end; j++) m->skipped[j] = 1;
}

void sim_step(sim *m, int t) {
  const sim_prog *p = m->p;
  int i = sim_next(m, t);
  if (i < 0) return;
  const scn_step *st = &p->s->steps[i];
  if (m->slot[t] < 0 && (m->slot[t] = ck_add_thread(m->ck, p->thread_names[t])) < 0) {
    m->failed = 1;
    return;
  }
  int th = m->slot[t];
  if (m->bg_iso[t] != CK_NONE) ck_run_done(m->ck, th, m->bg_iso[t]);  /* the one before this step is over */
  m->bg_iso[t] = CK_NONE;
  ck_event ev = event_of(m, i, th);
  feed(m, &ev);
  m->done[i] = 1;
  m->order[m->norder++] = i;
  while (p->steps[t][m->pos[t]] != i) m->pos[t]++;  /* past skipped ones */
  m->pos[t]++;
  if ((st->op == CK_LOCK || st->op == CK_RELOCK) && ck_waiting(m->ck, th)) {
    m->wait_iso[t] = ev.isolate;
    m->wait_seq[t] = ++m->seq;
  }
  if (st->op == CK_RUN || st->op == CK_GC) m->opener_iso[i] = ev.isolate;
  if (st->op == CK_RUN && st->background && !st->opens_block) m->bg_iso[t] = ev.isolate;
  else if (st->op == CK_RUN && !st->opens_block) ck_run_done(m->ck, th, ev.isolate);
  if (st->op == CK_GC && st->opens_block && ck_gc_collected(m->ck, th) == 0) {
    skip_block(m, i);  /* no weak callback ran */
    if (!st->background) ck_run_done(m->ck, th, ev.isolate);
  }
  if (st->op == CK_BLOCK_END && st->block_open >= 0) {
    const scn_step *o = &p->s->steps[st->block_open];
    if (!o->background) ck_run_done(m->ck, th, m->opener_iso[st->block_open]);
    else if (o->op == CK_RUN) m->bg_iso[t] = m->opener_iso[st->block_open];  /* ends at the step after the `}` */
  }
  if (st->op == CK_THREAD_END) {
    ck_release_thread(m->ck, th);
    m->ended[t] = 1;
  } else if (sim_next(m, t) < 0) {
    m->end_after[t] = i + 1;  /* once its last step is done: a request may wait first */
  }
  hand_over(m);
  end_finished(m);
  if (ck_failed(m->ck)) m->failed = 1;
}

int sim_finish(sim *m) {
  int stuck = 0;
  for (int t = 0; t < m->p->nthreads; t++) stuck |= (sim_next(m, t) >= 0 || m->end_after[t]) && !m->ended[t];
  size_t before = ck_violation_count(m->ck);
  ck_end(m->ck, m->p->s->nsteps + 1);
  collect(m, before);
  return stuck;
}

unsigned sim_codes(const sim *m, int i) { return i < 0 ? m->end_codes : m->codes[i]; }
const ck_checker *sim_checker(const sim *m) { return m->ck; }
const int *sim_order(const sim *m, int *n) {
  *n = m->norder;
  return m->order;
}
int sim_skipped(const sim *m, int i) { return m->skipped[i]; }
int sim_failed(const sim *m) { return m->failed || ck_failed(m->ck); }
