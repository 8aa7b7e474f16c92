/* reduce.c — delta debugging over threads, isolates and steps (reduce.h). */
#define _POSIX_C_SOURCE 200809L
#include "reduce.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scn_write.h"
#include "strmap.h"

/* What the reduction knows of the original scenario, and the best candidate so far. */
typedef struct red {
  const scenario *s;
  const reduce_opts *o;
  int n, nthreads;
  int *iso_maker;     /* per step: the `new` of the isolate lifetime it uses, or -1 */
  int *handle_maker;  /* per step: the `global`/`persistent` of its handle, or -1 */
  int *thread_of;     /* per step */
  int *sync_thread;   /* spawn, join: the thread named, or -1 */
  unsigned char *keep;        /* the best candidate so far */
  unsigned char *scratch;
  int *original, *per_thread;
  long tried;
  int failed;
} red;

static int count(const unsigned char *keep, int n) {
  int k = 0;
  for (int i = 0; i < n; i++) k += keep[i];
  return k;
}

/* Drops what cannot stay without what is dropped (reduce.h), until nothing more goes. */
static void closure(red *R, unsigned char *keep) {
  const scenario *s = R->s;
  for (int changed = 1; changed;) {
    changed = 0;
    memset(R->per_thread, 0, (size_t)R->nthreads * sizeof *R->per_thread);
    for (int i = 0; i < R->n; i++) R->per_thread[R->thread_of[i]] += keep[i];
    for (int i = 0; i < R->n; i++) {
      if (!keep[i]) continue;
      const scn_step *st = &s->steps[i];
      int drop = (R->iso_maker[i] >= 0 && !keep[R->iso_maker[i]]) || (R->handle_maker[i] >= 0 && !keep[R->handle_maker[i]]) ||
                 (st->op == CK_BLOCK_END && st->block_open >= 0 && !keep[st->block_open]) ||
                 (st->opens_block && st->block_end > i && !keep[st->block_end]) ||
                 (st->block_parent >= 0 && !keep[st->block_parent]) ||
                 (R->sync_thread[i] >= 0 && R->per_thread[R->sync_thread[i]] == 0);
      if (drop) {
        keep[i] = 0;
        R->per_thread[R->thread_of[i]]--;
        changed = 1;
      }
    }
  }
}

int reduce_candidate(const scenario *s, const unsigned char *keep, int results, strbuf *out, int *original) {
  scn_write_header(out, s);
  int k = 0, depth = 0;
  for (int i = 0; i < s->nsteps; i++) {
    if (!keep[i]) continue;
    scn_write_line(out, &s->steps[i], 0, NULL, results, &depth);
    if (original) original[k] = i;
    k++;
  }
  return k;
}

/* Tests keep[] (closed over first): 1 when it is smaller than the best and keeps the
 * property, then the best. */
static int try_candidate(red *R, unsigned char *keep) {
  closure(R, keep);
  int k = count(keep, R->n);
  if (k == 0 || k >= count(R->keep, R->n) || R->failed) return 0;
  strbuf text = {0};
  reduce_candidate(R->s, keep, R->o->keep_results, &text, R->original);
  if (text.failed) {
    R->failed = 1;
    sb_free(&text);
    return 0;
  }
  scenario *c = NULL;
  iso_err err;
  int holds = 0;
  R->tried++;
  if (!scn_parse(R->s->path, text.p, text.len, &c, &err)) {  /* one the parser refuses is not tested */
    holds = R->o->test(R->o->ud, c, R->original);
    scn_free(c);
  } else if (err.kind != ISO_ERR_INPUT) {
    holds = -1;
  }
  sb_free(&text);
  if (holds < 0) R->failed = 1;
  if (holds != 1) return 0;
  memcpy(R->keep, keep, (size_t)R->n);
  if (R->o->progress) R->o->progress(R->o->ud, k, R->tried);
  return 1;
}

/* The levels: a unit is a thread (all its steps), an isolate lifetime (its `new`; what
 * uses it goes with it) or a step (an opener takes its block). */
enum level { LEVEL_THREADS, LEVEL_ISOLATES, LEVEL_STEPS };

static int is_unit(const red *R, enum level lv, int i) {
  const scn_step *st = &R->s->steps[i];
  if (!R->keep[i]) return 0;
  if (lv == LEVEL_ISOLATES) return st->op == CK_NEW;
  if (lv == LEVEL_STEPS) return st->op != CK_BLOCK_END;
  return 1;
}

/* The units of a level now: step indexes (for threads, a thread's first kept step stands
 * for the thread). */
static int units_of(const red *R, enum level lv, int *units) {
  int n = 0;
  if (lv == LEVEL_THREADS) {
    memset(R->per_thread, 0, (size_t)R->nthreads * sizeof *R->per_thread);
    for (int i = 0; i < R->n; i++)
      if (R->keep[i] && !R->per_thread[R->thread_of[i]]++) units[n++] = i;
    return n;
  }
  for (int i = 0; i < R->n; i++)
    if (is_unit(R, lv, i)) units[n++] = i;
  return n;
}

/* keep[] = the best without the units [from, to) of units[] (or, with only, without the
 * others). */
static void without(red *R, enum level lv, const int *units, int nunits, int from, int to, int only) {
  memcpy(R->scratch, R->keep, (size_t)R->n);
  if (lv == LEVEL_THREADS) memset(R->per_thread, 0, (size_t)R->nthreads * sizeof *R->per_thread);
  for (int u = 0; u < nunits; u++) {
    int inside = u >= from && u < to;
    if (inside == only) continue;  /* this unit stays */
    if (lv == LEVEL_THREADS) R->per_thread[R->thread_of[units[u]]] = 1;  /* marked: gone */
    else R->scratch[units[u]] = 0;
  }
  for (int j = 0; lv == LEVEL_THREADS && j < R->n; j++)
    if (R->per_thread[R->thread_of[j]]) R->scratch[j] = 0;
}

/* ddmin over one level's units; 1 when the best got smaller. */
static int ddmin(red *R, enum level lv, int *units) {
  int progress = 0, granularity = 2;
  for (;;) {
    int nunits = units_of(R, lv, units);
    if (nunits < 1 || R->failed) return progress;
    if (granularity > nunits) granularity = nunits;
    int size = (nunits + granularity - 1) / granularity, found = 0;
    for (int from = 0; from < nunits && !found; from += size) {  /* each chunk removed */
      without(R, lv, units, nunits, from, from + size, 0);
      found = try_candidate(R, R->scratch);
    }
    if (found) {
      progress = 1;
      granularity = granularity > 2 ? granularity - 1 : 2;
      continue;
    }
    for (int from = 0; granularity > 2 && from < nunits && !found; from += size) {  /* each chunk alone */
      without(R, lv, units, nunits, from, from + size, 1);
      found = try_candidate(R, R->scratch);
    }
    if (found) {
      progress = 1;
      granularity = 2;
      continue;
    }
    if (granularity >= nunits) return progress;
    granularity = granularity * 2 < nunits ? granularity * 2 : nunits;
  }
}

/* Who makes what each step uses, and the threads. */
static int index_steps(red *R) {
  const scenario *s = R->s;
  strmap isos = {0}, handles = {0}, threads = {0};
  int rc = 0;
  for (int i = 0; i < R->n && !rc; i++) {
    const scn_step *st = &s->steps[i];
    int v;
    if (!strmap_get(&threads, st->thread, strlen(st->thread), &v)) {
      v = R->nthreads++;
      rc |= strmap_put(&threads, st->thread, strlen(st->thread), v);
    }
    R->thread_of[i] = v;
    R->iso_maker[i] = R->handle_maker[i] = R->sync_thread[i] = -1;
    if (st->op == CK_NEW) rc |= strmap_put(&isos, st->isolate, strlen(st->isolate), i);
    else if (st->isolate && strmap_get(&isos, st->isolate, strlen(st->isolate), &v)) R->iso_maker[i] = v;
    if (st->op == CK_RUN && st->context_of && strmap_get(&isos, st->context_of, strlen(st->context_of), &v) &&
        R->iso_maker[i] < 0)
      R->iso_maker[i] = v;
    if (st->op == CK_GLOBAL || st->op == CK_PERSISTENT) rc |= strmap_put(&handles, st->handle, strlen(st->handle), i);
    else if (st->handle && strmap_get(&handles, st->handle, strlen(st->handle), &v)) R->handle_maker[i] = v;
  }
  for (int i = 0; i < R->n && !rc; i++) {
    const scn_step *st = &s->steps[i];
    int v;
    if ((st->op == CK_SPAWN || st->op == CK_JOIN) && strmap_get(&threads, st->sync, strlen(st->sync), &v))
      R->sync_thread[i] = v;
  }
  strmap_free(&isos);
  strmap_free(&handles);
  strmap_free(&threads);
  return rc ? -1 : 0;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int reduce_run(const scenario *s, const reduce_opts *o, reduce_result *r, iso_err *err) {
  memset(r, 0, sizeof *r);
  double t0 = now_ms();
  red R = {.s = s, .o = o, .n = s->nsteps};
  size_t n = (size_t)s->nsteps + 1;
  R.iso_maker = malloc(n * sizeof *R.iso_maker);
  R.handle_maker = malloc(n * sizeof *R.handle_maker);
  R.thread_of = malloc(n * sizeof *R.thread_of);
  R.sync_thread = malloc(n * sizeof *R.sync_thread);
  R.keep = malloc(n);
  R.scratch = malloc(n);
  R.original = malloc(n * sizeof *R.original);
  R.per_thread = calloc(n, sizeof *R.per_thread);
  int *units = malloc(n * sizeof *units);
  int rc = 0;
  if (!R.iso_maker || !R.handle_maker || !R.thread_of || !R.sync_thread || !R.keep || !R.scratch || !R.original ||
      !R.per_thread || !units || index_steps(&R)) {
    rc = iso_fail(err, ISO_ERR_NOMEM, "out of memory reducing %s", s->path);
    goto out;
  }
  memset(R.keep, 1, n);
  for (int i = 0; i < R.n; i++) R.original[i] = i;
  int holds = o->test(o->ud, s, R.original);  /* the property must hold on the file itself */
  R.tried = 1;
  if (holds <= 0) {
    rc = holds < 0 ? iso_fail(err, ISO_ERR_INTERNAL, "testing the property on %s failed", s->path) : 1;
    goto out;
  }
  for (int more = 1; more && !R.failed;) {
    more = ddmin(&R, LEVEL_THREADS, units);
    more |= ddmin(&R, LEVEL_ISOLATES, units);
    more |= ddmin(&R, LEVEL_STEPS, units);
  }
  if (R.failed) {
    rc = iso_fail(err, ISO_ERR_INTERNAL, "testing a candidate of %s failed", s->path);
    goto out;
  }
  r->keep = R.keep;
  R.keep = NULL;
  r->kept = count(r->keep, R.n);
out:
  r->tried = R.tried;
  r->ms = now_ms() - t0;
  free(R.iso_maker);
  free(R.handle_maker);
  free(R.thread_of);
  free(R.sync_thread);
  free(R.keep);
  free(R.scratch);
  free(R.original);
  free(R.per_thread);
  free(units);
  return rc;
}

void reduce_result_free(reduce_result *r) {
  free(r->keep);
  memset(r, 0, sizeof *r);
}
