/* scn_sema.c — the checks across steps, and the scenario's small accessors. Every
 * lookup is a hash, so checking a scenario takes time linear in its steps. */
#define _XOPEN_SOURCE 700  /* SIGTRAP is XSI */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scn_parser.h"
#include "strmap.h"

/* Per thread of the scenario, by order of first appearance. */
typedef struct sema_thread {
  int first, last;        /* its first and last step */
  int ended_line;         /* the line of its `end`, or 0 */
  int pending;            /* its previous step went to the background */
} sema_thread;

typedef struct sema {
  parser *p;
  strmap threads, isos;   /* name -> index into th / line of the `new` */
  sema_thread *th;
  int nth, live;
} sema;

/* The index of the step's thread, registering it on first sight. */
static int thread_of(sema *m, int i) {
  const scn_step *st = &m->p->s->steps[i];
  int t;
  if (strmap_get(&m->threads, st->thread, strlen(st->thread), &t)) return t;
  t = m->nth++;
  m->th[t] = (sema_thread){i, i, 0, 0};
  return strmap_put(&m->threads, st->thread, strlen(st->thread), t) ? -1 : t;
}

/* Checks step i of thread t (first pass: lasts are known). */
static int check_step(sema *m, int i, int t) {
  parser *p = m->p;
  const scn_step *st = &p->s->steps[i];
  sema_thread *th = &m->th[t];
  if (th->first == i && ++m->live > SCN_MAX_LIVE_THREADS)
    return parse_error(p, st->line, st->col, "thread '%s' starts while %d others are alive (a thread lives from its "
                       "first step to its last); isoreplay replays at most %d threads at once",
                       st->thread, m->live - 1, SCN_MAX_LIVE_THREADS);
  if (th->ended_line)
    return parse_error(p, st->line, st->col, "thread '%s' ended at line %d and has no more steps", st->thread, th->ended_line);
  const char *iso = st->op == CK_CHECK_CURRENT ? st->check_target : st->isolate;
  int first_line;
  int known = iso && strmap_get(&m->isos, iso, strlen(iso), &first_line);
  if (iso && st->op != CK_NEW && !known)
    return parse_error(p, st->line, st->isolate_col, "isolate '%s' is used before 'new %s'", iso, iso);
  if (st->op == CK_NEW && known)
    return parse_error(p, st->line, st->isolate_col, "isolate '%s' is created twice (first 'new' at line %d)", iso, first_line);
  if (st->op == CK_NEW && strmap_put(&m->isos, iso, strlen(iso), st->line)) return parse_nomem(p);
  if (st->op == CK_AWAIT && !st->task)
    return parse_error(p, st->line, st->op_col, "'await' needs a task: write %s/TASK: await", st->thread);
  if (st->op == CK_WAIT && !th->pending)
    return parse_error(p, st->line, st->op_col, "'wait' with no background step ('&') running on %s", st->thread);
  th->pending = st->background;
  if (st->op == CK_THREAD_END) th->ended_line = st->line;
  if (th->last == i) m->live--;
  return 0;
}

int sema_check(parser *p) {
  const scenario *s = p->s;
  sema m = {p, {0}, {0}, calloc((size_t)s->nsteps, sizeof(sema_thread)), 0, 0};
  int *thread = malloc((size_t)s->nsteps * sizeof *thread);
  int rc = m.th && thread ? 0 : parse_nomem(p);
  for (int i = 0; i < s->nsteps && !rc; i++) {  /* each thread's last step */
    if ((thread[i] = thread_of(&m, i)) < 0) rc = parse_nomem(p);
    else m.th[thread[i]].last = i;
  }
  for (int i = 0; i < s->nsteps && !rc; i++) rc = check_step(&m, i, thread[i]);
  strmap_free(&m.threads);
  strmap_free(&m.isos);
  free(m.th);
  free(thread);
  return rc;
}

/* ---- accessors -------------------------------------------------------------------- */

static void notes_free(scn_flavor_note *n, int count) {
  for (int i = 0; i < count; i++) {
    free(n[i].flavor);
    free(n[i].text);
  }
  free(n);
}

void scn_free(scenario *s) {
  if (!s) return;
  for (int i = 0; i < s->nsteps; i++) scn_step_free(&s->steps[i]);
  for (int i = 0; i < s->nsources; i++) free(s->sources[i]);
  for (int i = 0; i < s->ntags; i++) free(s->tags[i]);
  notes_free(s->skips, s->nskips);
  notes_free(s->sanitizers, s->nsanitizers);
  for (int i = 0; i < s->nends; i++) free(s->ends[i].text);
  free(s->ends);
  free(s->end_cond_codes);
  free(s->steps);
  free(s->sources);
  free(s->tags);
  free(s->path);
  free(s->text);
  free(s->lines);
  free(s->title);
  free(s);
}

static const struct { int sig; const char *name; } SIGNALS[] = {
  {SIGSEGV, "SEGV"}, {SIGTRAP, "TRAP"}, {SIGABRT, "ABRT"}, {SIGBUS, "BUS"},
  {SIGILL, "ILL"}, {SIGFPE, "FPE"}, {SIGKILL, "KILL"},
};

const char *scn_signal_name(int sig) {
  for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++)
    if (SIGNALS[i].sig == sig) return SIGNALS[i].name;
  return NULL;
}

int scn_signal_number(const char *name) {
  for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++)
    if (!strcmp(SIGNALS[i].name, name)) return SIGNALS[i].sig;
  return -1;
}

/* ---- what applies on one V8 version ---------------------------------------------- */

/* A conditional expectation applies only on a known version in its range. */
static int applies(int conditional, const scn_cond *cond, int v8) { return !conditional || (v8 >= 0 && scn_cond_holds(cond, v8)); }

const scn_end_expect *scn_end_for(const scenario *s, int v8) {
  static const scn_end_expect clean = {0, {0, 0}, SCN_END_CLEAN, NULL, 0, 0};
  const scn_end_expect *plain = &clean;
  for (int k = 0; k < s->nends; k++) {
    if (!s->ends[k].conditional) plain = &s->ends[k];
    else if (applies(1, &s->ends[k].cond, v8)) return &s->ends[k];
  }
  return plain;
}

const scn_expect_result *scn_result_for(const scn_step *st, int v8) {
  const scn_expect_result *plain = NULL;
  for (int k = 0; k < st->nresults; k++) {
    if (!st->results[k].conditional) plain = &st->results[k];
    else if (applies(1, &st->results[k].cond, v8)) return &st->results[k];
  }
  return plain;
}

unsigned scn_codes_for(const scenario *s, const scn_step *st, int v8) {
  unsigned set = st ? st->expect : s->end_expect;
  const scn_cond_code *cc = st ? st->cond_codes : s->end_cond_codes;
  int n = st ? st->ncond_codes : s->nend_cond_codes;
  for (int k = 0; k < n; k++)
    if (applies(1, &cc[k].cond, v8)) set |= 1u << cc[k].code;
  return set;
}

int scn_check_applies(const scn_step *st, int v8) { return applies(st->check_conditional, &st->check_cond, v8); }

int scn_note_applies(const scn_flavor_note *n, const char *flavor, int v8) {
  return (!n->flavor || !strcmp(n->flavor, flavor)) && applies(n->conditional, &n->cond, v8);
}

int scn_skipped(const scenario *s, const char *flavor, int v8, const char **reason) {
  for (int i = 0; i < s->nskips; i++) {
    if (scn_note_applies(&s->skips[i], flavor, v8)) {
      *reason = s->skips[i].text;
      return 1;
    }
  }
  return 0;
}
