/* spans.c — spans and handoffs of a replay (see spans.h), in time linear in the steps:
 * every lookup goes through per-isolate, per-thread and per-(thread, isolate) tables. */
#define _POSIX_C_SOURCE 200809L
#include "spans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "vec.h"

/* Indices shared by both computations: each step's isolate and the thread's next step. */
typedef struct step_index {
  int *iso;               /* by step: index of its isolate, or -1 */
  int *next_same;         /* by step: the thread's next step, or -1 */
  int niso;
} step_index;

static void index_free(step_index *x) {
  free(x->iso);
  free(x->next_same);
}

static int index_steps(const report *r, step_index *x) {
  const scenario *sc = r->s;
  size_t n = (size_t)sc->nsteps;
  strmap isos = {0};
  int *last = calloc((size_t)r->nthreads + 1, sizeof *last);
  x->iso = malloc(n * sizeof *x->iso);
  x->next_same = malloc(n * sizeof *x->next_same);
  x->niso = 0;
  int rc = last && x->iso && x->next_same ? 0 : -1;
  for (int i = 0; i < sc->nsteps && !rc; i++) {
    const char *name = sc->steps[i].isolate;
    x->iso[i] = -1;
    if (name && !strmap_get(&isos, name, strlen(name), &x->iso[i])) {
      x->iso[i] = x->niso++;
      rc = strmap_put(&isos, name, strlen(name), x->iso[i]);
    }
  }
  for (int t = 0; t < r->nthreads && !rc; t++) last[t] = -1;
  for (int i = sc->nsteps - 1; i >= 0 && !rc; i--) {
    x->next_same[i] = last[r->thread_of[i]];
    last[r->thread_of[i]] = i;
  }
  strmap_free(&isos);
  free(last);
  if (rc) index_free(x);
  return rc;
}

/* ---- spans ------------------------------------------------------------------------ */

const char *span_kind_name(span_kind k) {
  switch (k) {
    case SPAN_ENTERED: return "entered";
    case SPAN_LOCKED: return "locked";
    case SPAN_BACKGROUND: return "background";
    case SPAN_TASK: return "task";
  }
  return "?";
}

typedef struct ilist { int *v; size_t n, cap; } ilist;

typedef struct spans {
  const report *r;
  step_index x;
  span *v;
  int n;
  size_t cap;
  ilist *open_of_iso;     /* by isolate: spans (entered, locked) opened and maybe closed since */
  int *task_span;         /* by thread: its latest task span, or -1 */
  strmap lock_depth;      /* "thread:isolate" -> index into depths */
  int *depths;
  size_t ndepths, depths_cap;
  char **keys;            /* the map's keys, owned */
  size_t nkeys, keys_cap;
  int failed;
} spans;

static int push(spans *s, ilist *l, int value) {
  if (vec_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v)) return s->failed = -1;
  l->v[l->n++] = value;
  return 0;
}

static int add(spans *s, span sp, int iso) {
  if (vec_grow(&s->v, &s->cap, (size_t)s->n + 1, sizeof *s->v)) {
    s->failed = 1;
    return -1;
  }
  s->v[s->n] = sp;
  if (iso >= 0 && (sp.kind == SPAN_ENTERED || sp.kind == SPAN_LOCKED) && push(s, &s->open_of_iso[iso], s->n)) return -1;
  return s->n++;
}

/* The innermost open span of kind on thread (any thread when NULL) for isolate iso, or -1.
 * Closed spans are dropped from the isolate's list as they are met. */
static int find_open(spans *s, span_kind k, const char *thread, int iso) {
  ilist *l = &s->open_of_iso[iso];
  while (l->n && !s->v[l->v[l->n - 1]].open) l->n--;
  for (size_t j = l->n; j-- > 0;) {
    const span *p = &s->v[l->v[j]];
    if (p->open && p->kind == k && (!thread || !strcmp(p->thread, thread))) return l->v[j];
  }
  return -1;
}

static void close_at(spans *s, int i, int step) {
  if (i < 0) return;
  s->v[i].to = step;
  s->v[i].open = 0;
}

/* The thread's count of Lockers of the isolate (lock +1, unlock -1), by reference. */
static int *lock_depth(spans *s, const char *thread, const char *iso) {
  char key[512];
  int n = snprintf(key, sizeof key, "%s:%s", thread, iso), at;
  if (strmap_get(&s->lock_depth, key, (size_t)n, &at)) return &s->depths[at];
  char *owned = strdup(key);
  if (!owned || vec_grow(&s->keys, &s->keys_cap, s->nkeys + 1, sizeof *s->keys) ||
      vec_grow(&s->depths, &s->depths_cap, s->ndepths + 1, sizeof *s->depths) ||
      strmap_put(&s->lock_depth, owned, (size_t)n, (int)s->ndepths)) {
    free(owned);
    s->failed = 1;
    return NULL;
  }
  s->keys[s->nkeys++] = owned;
  s->depths[s->ndepths] = 0;
  return &s->depths[s->ndepths++];
}

/* A task span grows while the thread keeps running the same task. */
static void track_task(spans *s, int i) {
  const scn_step *st = &s->r->s->steps[i];
  int t = s->r->thread_of[i], k = s->task_span[t];
  if (st->task && k >= 0 && s->v[k].open && !strcmp(s->v[k].name, st->task)) {
    s->v[k].to = i + 1;
    return;
  }
  if (k >= 0) s->v[k].open = 0;
  if (st->task) s->task_span[t] = add(s, (span){SPAN_TASK, st->thread, st->task, i + 1, i + 1, 1}, -1);
}

/* The entered and locked spans a step opens or closes. */
static void track_holds(spans *s, int i) {
  const scn_step *st = &s->r->s->steps[i];
  int iso = s->x.iso[i], step = i + 1, k;
  span opened = {SPAN_ENTERED, st->thread, st->isolate, step, step, 1};
  int *depth;
  switch (st->op) {
    case CK_NEW:
      if (s->r->s->model == CK_MODEL_RUSTY_V8) add(s, opened, iso);
      break;
    case CK_ENTER: add(s, opened, iso); break;
    case CK_EXIT: close_at(s, find_open(s, SPAN_ENTERED, st->thread, iso), step); break;
    case CK_DROP:
    case CK_DISPOSE:
      if (st->op == CK_DROP) close_at(s, find_open(s, SPAN_ENTERED, st->thread, iso), step);
      while ((k = find_open(s, SPAN_ENTERED, NULL, iso)) >= 0) close_at(s, k, step);
      while ((k = find_open(s, SPAN_LOCKED, NULL, iso)) >= 0) close_at(s, k, step);
      break;
    case CK_LOCK:
    case CK_RELOCK:
      if (st->op == CK_LOCK && (depth = lock_depth(s, st->thread, st->isolate))) ++*depth;
      opened.kind = SPAN_LOCKED;
      if (find_open(s, SPAN_LOCKED, st->thread, iso) < 0) add(s, opened, iso);
      break;
    case CK_UNLOCK:  /* the span ends when the outermost Locker goes */
      if (!(depth = lock_depth(s, st->thread, st->isolate))) break;
      if (*depth <= 1) close_at(s, find_open(s, SPAN_LOCKED, st->thread, iso), step);
      --*depth;
      break;
    case CK_UNLOCKER: close_at(s, find_open(s, SPAN_LOCKED, st->thread, iso), step); break;
    default: break;
  }
}

/* A background run lasts until its thread's next step (which waits for it). */
static void track_background(spans *s, int i, int last) {
  const scn_step *st = &s->r->s->steps[i];
  if (!st->background) return;
  int j = s->x.next_same[i], to = j < 0 ? i + 1 : s->r->steps[j].started ? j + 1 : last;
  add(s, (span){SPAN_BACKGROUND, st->thread, st->isolate ? st->isolate : "", i + 1, to, 0}, -1);
}

static void spans_free(spans *s) {
  for (int k = 0; s->open_of_iso && k < s->x.niso; k++) free(s->open_of_iso[k].v);
  for (size_t k = 0; k < s->nkeys; k++) free(s->keys[k]);
  free(s->open_of_iso);
  free(s->task_span);
  free(s->depths);
  free(s->keys);
  strmap_free(&s->lock_depth);
  index_free(&s->x);
}

int spans_compute(const report *r, span **out) {
  const scenario *sc = r->s;
  spans s = {.r = r};
  *out = NULL;
  if (index_steps(r, &s.x)) return -1;
  s.open_of_iso = calloc((size_t)s.x.niso + 1, sizeof *s.open_of_iso);
  s.task_span = malloc(((size_t)r->nthreads + 1) * sizeof *s.task_span);
  if (!s.open_of_iso || !s.task_span) s.failed = 1;
  for (int t = 0; t < r->nthreads && !s.failed; t++) s.task_span[t] = -1;
  int last = 0;
  for (int i = 0; i < sc->nsteps && !s.failed; i++) {
    if (!r->steps[i].started) continue;
    last = i + 1;
    track_task(&s, i);
    track_holds(&s, i);
    track_background(&s, i, last);
  }
  for (int i = 0; i < s.n; i++)
    if (s.v[i].open) {
      if (s.v[i].to < last && s.v[i].kind != SPAN_TASK) s.v[i].to = last;
      if (s.v[i].kind == SPAN_TASK) s.v[i].open = 0;
    }
  spans_free(&s);
  if (s.failed) {
    free(s.v);
    return -1;
  }
  *out = s.v;
  return s.n;
}

/* ---- handoffs --------------------------------------------------------------------- */

/* By isolate, the started steps that can receive a handoff, in order. */
typedef struct receivers {
  ilist *any, *locks, *runs, *bg_runs;
} receivers;

static void receivers_free(receivers *rc, int niso) {
  ilist *lists[4] = {rc->any, rc->locks, rc->runs, rc->bg_runs};
  for (int k = 0; k < 4; k++) {
    for (int i = 0; lists[k] && i < niso; i++) free(lists[k][i].v);
    free(lists[k]);
  }
}

static int list_add(ilist *l, int v) {
  if (vec_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v)) return -1;
  l->v[l->n++] = v;
  return 0;
}

static int collect(const report *r, const step_index *x, receivers *rc) {
  size_t n = (size_t)x->niso + 1;
  rc->any = calloc(n, sizeof(ilist));
  rc->locks = calloc(n, sizeof(ilist));
  rc->runs = calloc(n, sizeof(ilist));
  rc->bg_runs = calloc(n, sizeof(ilist));
  if (!rc->any || !rc->locks || !rc->runs || !rc->bg_runs) return -1;
  for (int i = 0; i < r->s->nsteps; i++) {
    const scn_step *u = &r->s->steps[i];
    int iso = x->iso[i];
    if (iso < 0) continue;
    if (u->op == CK_RUN && u->background && list_add(&rc->bg_runs[iso], i)) return -1;  /* started or not */
    if (!r->steps[i].started) continue;
    if (list_add(&rc->any[iso], i) || ((u->op == CK_LOCK || u->op == CK_RELOCK) && list_add(&rc->locks[iso], i)) ||
        (u->op == CK_RUN && list_add(&rc->runs[iso], i)))
      return -1;
  }
  return 0;
}

/* The first entry of l after step i, as a position in l (l->n when none). */
static size_t first_after(const ilist *l, int i) {
  size_t lo = 0, hi = l->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (l->v[mid] <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* A background run of the isolate on another thread, still running at step i (its
 * thread's next step comes later): the run a terminate or interrupt lands in. */
static int running_run(const report *r, const step_index *x, const receivers *rc, int i) {
  const ilist *l = &rc->bg_runs[x->iso[i]];
  for (size_t k = first_after(l, i - 1); k-- > 0;) {
    int j = l->v[k];
    if (r->thread_of[j] == r->thread_of[i]) continue;
    return x->next_same[j] < 0 || x->next_same[j] > i ? j : -1;
  }
  return -1;
}

/* Where the handoff at step i (of kind what) lands, or -1. */
static int handoff_target(const report *r, const step_index *x, const receivers *rc, int i, const char *what) {
  int iso = x->iso[i], t = r->thread_of[i];
  if (!strcmp(what, "terminate") || !strcmp(what, "interrupt")) {
    int to = running_run(r, x, rc, i);
    const ilist *runs = &rc->runs[iso];
    for (size_t k = first_after(runs, i); to < 0 && k < runs->n; k++)
      if (r->thread_of[runs->v[k]] != t) to = runs->v[k];
    return to;
  }
  const ilist *l = !strcmp(what, "locker") ? &rc->locks[iso] : &rc->any[iso];
  size_t k = first_after(l, i);
  return k < l->n && r->thread_of[l->v[k]] != t ? l->v[k] : -1;  /* the same thread took it back */
}

int handoffs_compute(const report *r, handoff **out) {
  const scenario *sc = r->s;
  step_index x;
  receivers rc = {0};
  handoff *v = NULL;
  size_t n = 0, cap = 0;
  *out = NULL;
  if (index_steps(r, &x)) return -1;
  int failed = collect(r, &x, &rc);
  for (int i = 0; i < sc->nsteps && !failed; i++) {
    const scn_step *st = &sc->steps[i];
    if (!r->steps[i].started || !st->isolate) continue;
    const char *what = st->op == CK_UNLOCK || st->op == CK_UNLOCKER ? "locker"
                     : st->op == CK_NEW ? "created"
                     : st->op == CK_TERMINATE ? "terminate"
                     : st->op == CK_INTERRUPT ? "interrupt" : NULL;
    int to = what ? handoff_target(r, &x, &rc, i, what) : -1;
    if (to < 0) continue;
    if (vec_grow(&v, &cap, n + 1, sizeof *v)) failed = 1;
    else v[n++] = (handoff){what, st->isolate, i + 1, to + 1};
  }
  receivers_free(&rc, x.niso + 1);
  index_free(&x);
  if (failed) {
    free(v);
    return -1;
  }
  *out = v;
  return (int)n;
}
