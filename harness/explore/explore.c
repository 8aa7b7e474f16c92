/* explore.c — bounded systematic search with sleep sets, and PCT (explore.h). */
#define _POSIX_C_SOURCE 200809L
#include "explore.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define EXPLORE_MAX_CELLS 20000000L  /* steps x threads kept for the search's stack */

/* The search: the program, the findings so far, and for the systematic search its
 * stack (a node per depth: what was enabled, asleep and tried there). */
typedef struct search {
  sim_prog p;
  const explore_opts *o;
  explore_result *r;
  int n, nt;                 /* steps, threads */
  int *chosen, *cur, *preempt;               /* per depth */
  unsigned char *enabled, *asleep, *tried;   /* per depth x thread */
  int *next;                                 /* per depth x thread: its next step */
  int failed;
} search;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The file's own order: the lowest step whose thread may go on runs next (a step that
 * must wait runs once it can, as in the replay). */
static sim *run_file_order(const sim_prog *p) {
  sim *m = sim_new(p);
  while (m) {
    int best = -1, bt = -1;
    for (int t = 0; t < p->nthreads; t++) {
      int i = sim_next(m, t);
      if (i >= 0 && sim_enabled(m, t) && (best < 0 || i < best)) best = i, bt = t;
    }
    if (bt < 0) break;
    sim_step(m, bt);
  }
  if (m) sim_finish(m);
  return m;
}

static void copy_message(const sim *m, int nsteps, ck_code code, int step, char *out) {
  const ck_checker *ck = sim_checker(m);
  out[0] = 0;
  for (size_t v = 0; v < ck_violation_count(ck); v++) {
    const ck_violation *x = ck_violation_at(ck, v);
    int at = x->step >= 1 && x->step <= nsteps ? x->step - 1 : -1;
    if (x->code == code && at == step) {
      memcpy(out, x->message, CK_MESSAGE_MAX);
      return;
    }
  }
}

/* A new finding (code at step, absent from the file's order), or a witness with fewer
 * preemptions for a known one. Findings are told apart by code and the step's line (one
 * line of a repeat is one finding). */
static void note(search *S, const sim *m, ck_code code, int step, int preemptions) {
  explore_result *r = S->r;
  int line = step >= 0 ? S->p.s->steps[step].line : 0;
  explore_finding *f = NULL;
  for (int k = 0; k < r->nfindings && !f; k++)
    if (r->findings[k].code == code &&
        (r->findings[k].step >= 0 ? S->p.s->steps[r->findings[k].step].line : 0) == line)
      f = &r->findings[k];
  if (f && f->preemptions <= preemptions) return;
  if (!f) {
    explore_finding *grown = realloc(r->findings, ((size_t)r->nfindings + 1) * sizeof *grown);
    if (!grown) {
      S->failed = 1;
      return;
    }
    r->findings = grown;
    f = &r->findings[r->nfindings++];
    memset(f, 0, sizeof *f);
  }
  int norder;
  const int *order = sim_order(m, &norder);
  int *o = malloc(((size_t)norder + 1) * sizeof *o);
  unsigned *codes = malloc(((size_t)S->n + 1) * sizeof *codes);
  if (!o || !codes) {
    free(o);
    free(codes);
    S->failed = 1;
    return;
  }
  memcpy(o, order, (size_t)norder * sizeof *o);
  for (int i = 0; i < S->n; i++) codes[i] = sim_codes(m, i);
  free(f->order);
  free(f->codes);
  f->code = code;
  f->step = step;
  f->preemptions = preemptions;
  f->order = o;
  f->norder = norder;
  f->codes = codes;
  f->end_codes = sim_codes(m, -1);
  copy_message(m, S->n, code, step, f->message);
}

/* A complete schedule: the first violation it raised (in the order the checker raised
 * them) that the file's own order does not raise at that step gives its finding, with the
 * other new codes of that step; what follows is its consequence (uses after a racing
 * dispose, a wait on a Locker its holder can no longer release) and is not reported apart. */
static void evaluate(search *S, sim *m, int preemptions) {
  if (sim_finish(m)) S->r->deadlocked++;
  if (sim_failed(m)) S->failed = 1;
  S->r->schedules++;
  const ck_checker *ck = sim_checker(m);
  for (size_t v = 0; v < ck_violation_count(ck); v++) {
    const ck_violation *x = ck_violation_at(ck, v);
    int at = x->step >= 1 && x->step <= S->n ? x->step - 1 : -1;
    unsigned fresh = sim_codes(m, at) & ~(at < 0 ? S->r->baseline_end : S->r->baseline[at]);
    if (!(fresh & (1u << x->code))) continue;
    for (int c = 0; c < CK_CODE_COUNT; c++)
      if (fresh & (1u << c)) note(S, m, (ck_code)c, at, preemptions);
    return;
  }
}

static int limit_reached(const search *S) {
  return S->failed || (S->o->max_schedules > 0 && S->r->schedules >= S->o->max_schedules);
}

/* ---- systematic: bounded depth-first search with sleep sets ----------------------- */

#define AT(a, d, t) ((a)[(size_t)(d) * (size_t)S->nt + (size_t)(t)])

/* Records node d of execution m: who may run, who sleeps (inherited from d-1's choice). */
static void fill_node(search *S, const sim *m, int d) {
  for (int t = 0; t < S->nt; t++) {
    AT(S->enabled, d, t) = (unsigned char)sim_enabled(m, t);
    AT(S->next, d, t) = sim_next(m, t);
    AT(S->tried, d, t) = 0;
    AT(S->asleep, d, t) = 0;
  }
  if (d == 0 || S->o->no_reduction) return;
  int c = S->chosen[d - 1], step = AT(S->next, d - 1, c);
  for (int u = 0; u < S->nt; u++) {
    if (u == c || !(AT(S->asleep, d - 1, u) || AT(S->tried, d - 1, u))) continue;
    int su = AT(S->next, d - 1, u);
    if (su >= 0 && AT(S->enabled, d - 1, u) && sim_independent(&S->p, su, step)) AT(S->asleep, d, u) = 1;
  }
  for (int u = 0; u < S->nt; u++) S->r->pruned += AT(S->asleep, d, u) && AT(S->enabled, d, u);
}

/* 1 when choosing u at node d stays within the bound; the preemptions after it in *after. */
static int allowed(const search *S, int d, int u, int *after) {
  int cur = S->cur[d];
  *after = S->preempt[d] + (cur >= 0 && u != cur && AT(S->enabled, d, cur));
  return *after <= S->o->bound;
}

/* The choice at a fresh node: the thread that ran last if it may go on (no preemption),
 * else the lowest one allowed. -1: none may (*why: 1 all asleep, 2 the bound). */
static int default_choice(const search *S, int d, int *why) {
  int cur = S->cur[d], after;
  if (cur >= 0 && AT(S->enabled, d, cur) && !AT(S->asleep, d, cur)) return cur;
  int any_awake = 0;
  for (int u = 0; u < S->nt; u++) {
    if (!AT(S->enabled, d, u) || AT(S->asleep, d, u)) continue;
    any_awake = 1;
    if (allowed(S, d, u, &after)) return u;
  }
  *why = any_awake ? 2 : 1;
  return -1;
}

/* Runs the schedule whose first `prefix` choices are on the stack (the last one just
 * changed by the backtrack), then default choices to its end, filling the nodes past
 * the prefix. Returns the depth of its last node. */
static int run_schedule(search *S, int prefix) {
  sim *m = sim_new(&S->p);
  if (!m) {
    S->failed = 1;
    return 0;
  }
  int d = 0;
  for (; d < prefix; d++) sim_step(m, S->chosen[d]);
  for (;; d++) {
    S->cur[d] = d ? S->chosen[d - 1] : -1;
    S->preempt[d] = d ? S->preempt[d - 1] + (S->cur[d - 1] >= 0 && S->chosen[d - 1] != S->cur[d - 1] &&
                                             AT(S->enabled, d - 1, S->cur[d - 1]))
                      : 0;
    fill_node(S, m, d);
    int why = 0, any = 0;
    for (int t = 0; t < S->nt; t++) any |= AT(S->enabled, d, t);
    if (!any) {
      evaluate(S, m, S->preempt[d]);
      break;
    }
    int c = default_choice(S, d, &why);
    if (c < 0) {  /* every thread that may go on is asleep (counted above), or past the bound */
      if (why == 2) S->r->bounded++;
      break;
    }
    S->chosen[d] = c;
    AT(S->tried, d, c) = 1;
    sim_step(m, c);
  }
  sim_free(m);
  return d;
}

static void systematic(search *S) {
  int depth = run_schedule(S, 0);
  while (!limit_reached(S)) {
    int at = -1, u = -1, after;  /* the deepest node with an alternative left */
    for (int d = depth; d >= 0 && at < 0; d--)
      for (int t = 0; t < S->nt; t++)
        if (AT(S->enabled, d, t) && !AT(S->asleep, d, t) && !AT(S->tried, d, t) && allowed(S, d, t, &after)) {
          at = d;
          u = t;
          break;
        }
    if (at < 0) break;
    S->chosen[at] = u;
    AT(S->tried, at, u) = 1;
    depth = run_schedule(S, at + 1);
  }
}

/* ---- PCT ---------------------------------------------------------------------------- */

static unsigned long next_rand(unsigned long *state) {  /* xorshift64* */
  unsigned long x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 2685821657736338717ul;
}

static void pct(search *S) {
  int *prio = malloc(((size_t)S->nt + 1) * sizeof *prio), *change = malloc(((size_t)S->o->pct_depth + 1) * sizeof *change);
  if (!prio || !change) S->failed = 1;
  for (long run = 0; !S->failed && run < S->o->runs && !limit_reached(S); run++) {
    unsigned long rs = (S->o->seed + (unsigned long)run) * 0x9E3779B97F4A7C15ul + 1;
    for (int t = 0; t < S->nt; t++) prio[t] = S->o->pct_depth + t;  /* above every change point */
    for (int t = S->nt - 1; t > 0; t--) {  /* a random order of the threads */
      int j = (int)(next_rand(&rs) % (unsigned long)(t + 1)), x = prio[t];
      prio[t] = prio[j];
      prio[j] = x;
    }
    for (int k = 0; k < S->o->pct_depth - 1; k++) change[k] = 1 + (int)(next_rand(&rs) % (unsigned long)(S->n ? S->n : 1));
    sim *m = sim_new(&S->p);
    if (!m) {
      S->failed = 1;
      break;
    }
    int last = -1, preemptions = 0;
    for (int k = 1;; k++) {
      int best = -1;
      for (int t = 0; t < S->nt; t++)
        if (sim_enabled(m, t) && (best < 0 || prio[t] > prio[best])) best = t;
      if (best < 0) break;
      preemptions += last >= 0 && best != last && sim_enabled(m, last);
      sim_step(m, best);
      last = best;
      for (int c = 0; c < S->o->pct_depth - 1; c++)
        if (change[c] == k) prio[best] = c;  /* below every initial priority */
    }
    evaluate(S, m, preemptions);
    sim_free(m);
  }
  free(prio);
  free(change);
}

int explore_run(const scenario *s, const explore_opts *o, explore_result *r, iso_err *err) {
  memset(r, 0, sizeof *r);
  double t0 = now_ms();
  search S = {.o = o, .r = r, .n = s->nsteps};
  if (sim_prog_init(&S.p, s)) return iso_fail(err, ISO_ERR_NOMEM, "out of memory reading the scenario as a program");
  S.nt = S.p.nthreads;
  if ((long)(S.n + 1) * (long)(S.nt + 1) > EXPLORE_MAX_CELLS) {
    sim_prog_free(&S.p);
    return iso_fail(err, ISO_ERR_INPUT, "%s: %d steps on %d threads is too large to explore systematically (at most "
                    "%ld steps x threads): reduce it first (isoreplay reduce)", s->path, S.n, S.nt, EXPLORE_MAX_CELLS);
  }
  r->baseline = calloc((size_t)S.n + 1, sizeof *r->baseline);
  sim *base = r->baseline ? run_file_order(&S.p) : NULL;
  int rc = 0;
  if (!base) {
    rc = iso_fail(err, ISO_ERR_NOMEM, "out of memory");
  } else {
    for (int i = 0; i < S.n; i++) r->baseline[i] = sim_codes(base, i);
    r->baseline_end = sim_codes(base, -1);
    sim_free(base);
    size_t cells = ((size_t)S.n + 2) * ((size_t)S.nt + 1);
    S.chosen = calloc((size_t)S.n + 2, sizeof *S.chosen);
    S.cur = calloc((size_t)S.n + 2, sizeof *S.cur);
    S.preempt = calloc((size_t)S.n + 2, sizeof *S.preempt);
    S.enabled = calloc(cells, 1);
    S.asleep = calloc(cells, 1);
    S.tried = calloc(cells, 1);
    S.next = calloc(cells, sizeof *S.next);
    if (!S.chosen || !S.cur || !S.preempt || !S.enabled || !S.asleep || !S.tried || !S.next) S.failed = 1;
    else if (o->pct) pct(&S);
    else systematic(&S);
    if (S.failed) rc = iso_fail(err, ISO_ERR_NOMEM, "out of memory exploring %s", s->path);
    r->capped = !S.failed && o->max_schedules > 0 && r->schedules >= o->max_schedules;
  }
  free(S.chosen);
  free(S.cur);
  free(S.preempt);
  free(S.enabled);
  free(S.asleep);
  free(S.tried);
  free(S.next);
  sim_prog_free(&S.p);
  r->ms = now_ms() - t0;
  if (rc) explore_result_free(r);
  return rc;
}

int explore_file_order(const scenario *s, unsigned *codes, unsigned *end_codes) {
  sim_prog p;
  if (sim_prog_init(&p, s)) return -1;
  sim *m = run_file_order(&p);
  int rc = m && !sim_failed(m) ? 0 : -1;
  for (int i = 0; m && i < s->nsteps; i++) codes[i] = sim_codes(m, i);
  if (m) *end_codes = sim_codes(m, -1);
  sim_free(m);
  sim_prog_free(&p);
  return rc;
}

void explore_result_free(explore_result *r) {
  for (int k = 0; k < r->nfindings; k++) {
    free(r->findings[k].order);
    free(r->findings[k].codes);
  }
  free(r->findings);
  free(r->baseline);
  memset(r, 0, sizeof *r);
}
