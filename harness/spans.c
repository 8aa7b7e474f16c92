/* spans.c — spans and handoffs of a replay (see spans.h). */
#include "spans.h"

#include <stdlib.h>
#include <string.h>

typedef struct spans { span *v; int n, cap; } spans;

static int add(spans *s, span sp) {
  if (s->n == s->cap) {
    int n = s->cap ? s->cap * 2 : 32;
    span *q = realloc(s->v, (size_t)n * sizeof *q);
    if (!q) return -1;
    s->v = q;
    s->cap = n;
  }
  s->v[s->n] = sp;
  return s->n++;
}

/* The innermost open span of kind/thread/name, or -1. */
static int find_open(const spans *s, span_kind k, const char *thread, const char *name) {
  for (int i = s->n - 1; i >= 0; i--) {
    const span *p = &s->v[i];
    if (p->open && p->kind == k && !strcmp(p->name, name) && (!thread || !strcmp(p->thread, thread))) return i;
  }
  return -1;
}

static void close_at(spans *s, int i, int step) {
  if (i < 0) return;
  s->v[i].to = step;
  s->v[i].open = 0;
}

const char *span_kind_name(span_kind k) {
  switch (k) {
    case SPAN_ENTERED: return "entered";
    case SPAN_LOCKED: return "locked";
    case SPAN_BACKGROUND: return "background";
    case SPAN_TASK: return "task";
  }
  return "?";
}

int spans_compute(const report *r, span **out) {
  const scenario *sc = r->s;
  spans s = {0};
  int last = 0;
  for (int i = 0; i < sc->nsteps; i++) {
    if (!r->steps[i].started) continue;
    const scn_step *st = &sc->steps[i];
    int step = i + 1, k;
    last = step;
    /* a task span grows while the thread keeps running the same task */
    k = -1;
    for (int j = s.n - 1; j >= 0 && k < 0; j--)
      if (s.v[j].kind == SPAN_TASK && !strcmp(s.v[j].thread, st->thread)) k = j;
    if (st->task && k >= 0 && s.v[k].open && !strcmp(s.v[k].name, st->task)) {
      s.v[k].to = step;
    } else {
      if (k >= 0 && s.v[k].open) s.v[k].open = 0;
      if (st->task) add(&s, (span){SPAN_TASK, st->thread, st->task, step, step, 1});
    }
    switch (st->op) {
      case CK_NEW:
        if (sc->model == CK_MODEL_RUSTY_V8) add(&s, (span){SPAN_ENTERED, st->thread, st->isolate, step, step, 1});
        break;
      case CK_ENTER:
        add(&s, (span){SPAN_ENTERED, st->thread, st->isolate, step, step, 1});
        break;
      case CK_EXIT:
        close_at(&s, find_open(&s, SPAN_ENTERED, st->thread, st->isolate), step);
        break;
      case CK_DROP:
      case CK_DISPOSE:
        if (st->op == CK_DROP) close_at(&s, find_open(&s, SPAN_ENTERED, st->thread, st->isolate), step);
        while ((k = find_open(&s, SPAN_ENTERED, NULL, st->isolate)) >= 0) close_at(&s, k, step);
        while ((k = find_open(&s, SPAN_LOCKED, NULL, st->isolate)) >= 0) close_at(&s, k, step);
        break;
      case CK_LOCK:
      case CK_RELOCK:
        if (find_open(&s, SPAN_LOCKED, st->thread, st->isolate) < 0)
          add(&s, (span){SPAN_LOCKED, st->thread, st->isolate, step, step, 1});
        break;
      case CK_UNLOCK: {
        /* the span ends when the outermost Locker goes: count this thread's lock depth */
        int depth = 0;
        for (int j = 0; j < i; j++) {
          const scn_step *p = &sc->steps[j];
          if (!r->steps[j].started || strcmp(p->thread, st->thread) || !p->isolate || strcmp(p->isolate, st->isolate)) continue;
          depth += p->op == CK_LOCK ? 1 : p->op == CK_UNLOCK ? -1 : 0;
        }
        if (depth <= 1) close_at(&s, find_open(&s, SPAN_LOCKED, st->thread, st->isolate), step);
        break;
      }
      case CK_UNLOCKER:
        close_at(&s, find_open(&s, SPAN_LOCKED, st->thread, st->isolate), step);
        break;
      default:
        break;
    }
    if (st->background) {
      /* runs until the thread's next step (which waits for it) */
      int to = step;
      for (int j = i + 1; j < sc->nsteps; j++)
        if (!strcmp(sc->steps[j].thread, st->thread)) {
          to = r->steps[j].started ? j + 1 : last;
          break;
        }
      add(&s, (span){SPAN_BACKGROUND, st->thread, st->isolate ? st->isolate : "", step, to, 0});
    }
  }
  for (int i = 0; i < s.n; i++)
    if (s.v[i].open) {
      if (s.v[i].to < last && s.v[i].kind != SPAN_TASK) s.v[i].to = last;
      if (s.v[i].kind == SPAN_TASK) s.v[i].open = 0;
    }
  *out = s.v;
  return s.n;
}

/* A background run of isolate on another thread than `thread`, still running at step i
 * (its thread's next step comes later): the run a terminate or interrupt lands in. */
static int running_run(const scenario *sc, int i, const char *iso, const char *thread) {
  for (int j = i - 1; j >= 0; j--) {
    const scn_step *u = &sc->steps[j];
    if (u->op != CK_RUN || !u->background || strcmp(u->isolate, iso) || !strcmp(u->thread, thread)) continue;
    for (int k = j + 1; k < sc->nsteps; k++)
      if (!strcmp(sc->steps[k].thread, u->thread)) return k > i ? j : -1;
    return j;
  }
  return -1;
}

int handoffs_compute(const report *r, handoff **out) {
  const scenario *sc = r->s;
  handoff *v = NULL;
  int n = 0, cap = 0;
  for (int i = 0; i < sc->nsteps; i++) {
    const scn_step *st = &sc->steps[i];
    if (!r->steps[i].started || !st->isolate) continue;
    const char *what = st->op == CK_UNLOCK || st->op == CK_UNLOCKER ? "locker"
                     : st->op == CK_NEW ? "created"
                     : st->op == CK_TERMINATE ? "terminate"
                     : st->op == CK_INTERRUPT ? "interrupt" : NULL;
    if (!what) continue;
    int signal = !strcmp(what, "terminate") || !strcmp(what, "interrupt");
    int to = signal ? running_run(sc, i, st->isolate, st->thread) : -1;
    for (int j = i + 1; j < sc->nsteps && to < 0; j++) {
      const scn_step *u = &sc->steps[j];
      if (!r->steps[j].started || !u->isolate || strcmp(u->isolate, st->isolate)) continue;
      int locker = !strcmp(what, "locker");
      if (locker && u->op != CK_LOCK && u->op != CK_RELOCK) continue;
      if (!strcmp(u->thread, st->thread)) {
        if (!signal) break;  /* the same thread took it back */
        continue;
      }
      if (signal && u->op != CK_RUN) continue;
      to = j;
    }
    if (to < 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      handoff *q = realloc(v, (size_t)cap * sizeof *q);
      if (!q) break;
      v = q;
    }
    v[n++] = (handoff){what, st->isolate, i + 1, to + 1};
  }
  *out = v;
  return n;
}
