/* scn_sema.c — the checks across steps, and the scenario's small accessors. Every
 * lookup is a hash, so checking a scenario takes time linear in its steps. */
#define _XOPEN_SOURCE 700  /* SIGTRAP is XSI; strdup */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scn_parser.h"
#include "strmap.h"
#include "vec.h"

/* Per thread of the scenario, by order of first appearance. */
typedef struct sema_thread {
  int first, last;        /* its first and last step */
  int ended_line;         /* the line of its `end`, or 0 */
  int pending;            /* its previous step went to the background */
  int spawned_line;       /* the line of its `spawn`, or 0 */
} sema_thread;

typedef struct sema {
  parser *p;
  strmap threads, isos;   /* name -> index into th / line of the `new` */
  strmap handles;         /* handle name -> index of its `global`/`persistent` step */
  strmap contexts;        /* "ISOLATE\x01CONTEXT" -> 1 once made (keys in `keys`) */
  strmap sends, channels, mutexes;  /* channel -> 1 if any step sends on it; name -> line */
  strmap held;            /* "THREAD\x01MUTEX" -> acquires not yet released */
  char **keys;            /* composite keys the maps borrow */
  size_t nkeys, keys_cap;
  sema_thread *th;
  int nth, live;
} sema;

/* The index of the step's thread, registering it on first sight. */
static int thread_of(sema *m, int i) {
  const scn_step *st = &m->p->s->steps[i];
  int t;
  if (strmap_get(&m->threads, st->thread, strlen(st->thread), &t)) return t;
  t = m->nth++;
  m->th[t] = (sema_thread){i, i, 0, 0, 0};
  return strmap_put(&m->threads, st->thread, strlen(st->thread), t) ? -1 : t;
}

/* "a\x01b" kept alive until the end of the checks; NULL when out of memory. */
static const char *pair_key(sema *m, const char *a, const char *b, size_t *len) {
  size_t la = strlen(a), lb = strlen(b);
  char *k = malloc(la + lb + 2);
  if (!k || vec_grow(&m->keys, &m->keys_cap, m->nkeys + 1, sizeof *m->keys)) {
    free(k);
    return NULL;
  }
  memcpy(k, a, la);
  k[la] = '\x01';
  memcpy(k + la + 1, b, lb + 1);
  m->keys[m->nkeys++] = k;
  *len = la + lb + 1;
  return k;
}

/* Adds delta to the count under (a, b); *before gets the count before. -1 on out of memory. */
static int pair_add(sema *m, strmap *map, const char *a, const char *b, int delta, int *before) {
  size_t len;
  const char *k = pair_key(m, a, b, &len);
  if (!k) return -1;
  int v = 0;
  strmap_get(map, k, len, &v);
  *before = v;
  return strmap_put(map, k, len, v + delta);
}

/* Blocks: the opener's own thread is inside a callback until the block's `}`. */
static int check_block(sema *m, const scn_step *st) {
  parser *p = m->p;
  for (int o = st->block_parent; o >= 0; o = p->s->steps[o].block_parent) {
    const scn_step *op = &p->s->steps[o];
    if (strcmp(op->thread, st->thread)) continue;
    const char *what = st->op == CK_AWAIT ? "await" : st->op == CK_THREAD_END ? "end" : st->op == CK_WAIT ? "wait" : NULL;
    if (what)
      return parse_error(p, st->line, st->op_col, "%s is inside the callback of its own %s at line %d: it cannot %s there",
                         st->thread, ck_op_name(op->op), op->line, what);
    if (st->background)
      return parse_error(p, st->line, st->col, "%s is inside the callback of its own %s at line %d: it cannot send a step "
                         "to the background there", st->thread, ck_op_name(op->op), op->line);
  }
  return 0;
}

/* Handles: names apart from isolates, made once, used after they are made. */
static int check_handle(sema *m, int i, scn_step *st) {
  parser *p = m->p;
  int at;
  size_t n = strlen(st->handle);
  if (st->op == CK_GLOBAL || st->op == CK_PERSISTENT) {
    if (strmap_get(&m->handles, st->handle, n, &at))
      return parse_error(p, st->line, st->handle_col, "handle '%s' is made twice (first at line %d)", st->handle, p->s->steps[at].line);
    if (strmap_get(&m->isos, st->handle, n, &at))
      return parse_error(p, st->line, st->handle_col, "'%s' is an isolate (new at line %d): a handle needs another name", st->handle, at);
    return strmap_put(&m->handles, st->handle, n, i) ? parse_nomem(p) : 0;
  }
  if (!strmap_get(&m->handles, st->handle, n, &at))
    return parse_error(p, st->line, st->handle_col, "handle '%s' is used before 'global %s of ...' (or persistent)", st->handle, st->handle);
  return (st->isolate = strdup(p->s->steps[at].isolate)) ? 0 : parse_nomem(p);  /* its isolate */
}

/* Contexts: `run X ... in NAME of Y` needs Y's context NAME made before. */
static int check_context(sema *m, const scn_step *st) {
  parser *p = m->p;
  const char *ctx = st->context ? st->context : "main";
  size_t len;
  const char *k;
  int v;
  if (st->op == CK_RUN && st->context_of) {
    if (!(k = pair_key(m, st->context_of, ctx, &len))) return parse_nomem(p);
    if (!strmap_get(&m->isos, st->context_of, strlen(st->context_of), &v))
      return parse_error(p, st->line, st->context_of_col, "isolate '%s' is used before 'new %s'", st->context_of, st->context_of);
    if (!strmap_get(&m->contexts, k, len, &v))
      return parse_error(p, st->line, st->context_of_col, "context '%s' of %s is used before it is made (context %s as %s, "
                         "or a run in it)", ctx, st->context_of, st->context_of, ctx);
    return 0;
  }
  if (st->op != CK_RUN && st->op != CK_CONTEXT && st->op != CK_GLOBAL && st->op != CK_PERSISTENT) return 0;
  if (!(k = pair_key(m, st->isolate, ctx, &len))) return parse_nomem(p);
  return strmap_put(&m->contexts, k, len, 1) ? parse_nomem(p) : 0;
}

/* The embedder's synchronisation: spawn before the thread's first step, join a thread
 * of the scenario, recv on a channel someone sends to, release what this thread holds. */
static int check_sync(sema *m, int i, const scn_step *st) {
  parser *p = m->p;
  int t, v, held;
  size_t n = strlen(st->sync);
  if (st->op == CK_SPAWN || st->op == CK_JOIN) {
    if (!strmap_get(&m->threads, st->sync, n, &t))
      return parse_error(p, st->line, st->sync_col, "%s %s: no thread '%s' has a step in this scenario", ck_op_name(st->op), st->sync, st->sync);
    if (!strcmp(st->sync, st->thread))
      return parse_error(p, st->line, st->sync_col, "%s cannot %s itself", st->thread, ck_op_name(st->op));
    if (st->op == CK_JOIN) return 0;
    if (m->th[t].spawned_line) return parse_error(p, st->line, st->sync_col, "thread '%s' is spawned twice (first at line %d)", st->sync, m->th[t].spawned_line);
    if (m->th[t].first < i)
      return parse_error(p, st->line, st->sync_col, "thread '%s' has a step at line %d, before it is spawned here", st->sync,
                         p->s->steps[m->th[t].first].line);
    m->th[t].spawned_line = st->line;
    return 0;
  }
  int is_channel = st->op == CK_SEND || st->op == CK_RECV;
  strmap *mine = is_channel ? &m->channels : &m->mutexes, *other = is_channel ? &m->mutexes : &m->channels;
  if (strmap_get(other, st->sync, n, &v))
    return parse_error(p, st->line, st->sync_col, "'%s' is a %s (line %d): a %s needs another name", st->sync,
                       is_channel ? "mutex" : "channel", v, is_channel ? "channel" : "mutex");
  if (!strmap_get(mine, st->sync, n, &v) && strmap_put(mine, st->sync, n, st->line)) return parse_nomem(p);
  if (st->op == CK_RECV && !strmap_get(&m->sends, st->sync, n, &v))
    return parse_error(p, st->line, st->sync_col, "recv on channel '%s', which no step sends to (send %s)", st->sync, st->sync);
  if (st->op == CK_ACQUIRE || st->op == CK_RELEASE) {
    if (pair_add(m, &m->held, st->thread, st->sync, st->op == CK_ACQUIRE ? 1 : -1, &held)) return parse_nomem(p);
    if (st->op == CK_RELEASE && held <= 0)
      return parse_error(p, st->line, st->sync_col, "%s releases mutex '%s', which it has not acquired", st->thread, st->sync);
  }
  return 0;
}

/* Checks step i of thread t (first pass: lasts are known). */
static int check_step(sema *m, int i, int t) {
  parser *p = m->p;
  scn_step *st = &p->s->steps[i];
  sema_thread *th = &m->th[t];
  if (th->first == i && ++m->live > SCN_MAX_LIVE_THREADS)
    return parse_error(p, st->line, st->col, "thread '%s' starts while %d others are alive (a thread lives from its "
                       "first step to its last); isoreplay replays at most %d threads at once",
                       st->thread, m->live - 1, SCN_MAX_LIVE_THREADS);
  if (th->ended_line)
    return parse_error(p, st->line, st->col, "thread '%s' ended at line %d and has no more steps", st->thread, th->ended_line);
  if (check_block(m, st) || (st->handle && check_handle(m, i, st)) || (st->sync && check_sync(m, i, st))) return -1;
  const char *iso = st->op == CK_CHECK_CURRENT ? st->check_target : st->isolate;
  int first_line;
  int known = iso && strmap_get(&m->isos, iso, strlen(iso), &first_line);
  if (iso && st->op != CK_NEW && !known)
    return parse_error(p, st->line, st->isolate_col, "isolate '%s' is used before 'new %s'", iso, iso);
  if (st->op == CK_NEW && known)
    return parse_error(p, st->line, st->isolate_col, "isolate '%s' is created twice (first 'new' at line %d)", iso, first_line);
  if (st->op == CK_NEW && strmap_get(&m->handles, iso, strlen(iso), &first_line))
    return parse_error(p, st->line, st->isolate_col, "'%s' is a handle (line %d): an isolate needs another name", iso,
                       p->s->steps[first_line].line);
  if (st->op == CK_NEW && strmap_put(&m->isos, iso, strlen(iso), st->line)) return parse_nomem(p);
  if (check_context(m, st)) return -1;
  if (st->op == CK_AWAIT && !st->task)
    return parse_error(p, st->line, st->op_col, "'await' needs a task: write %s/TASK: await", st->thread);
  if (st->op == CK_WAIT && !th->pending)
    return parse_error(p, st->line, st->op_col, "'wait' with no background step ('&') running on %s", st->thread);
  if (st->nresults && st->op != CK_RUN && st->op != CK_IS_TERMINATING && p->s->model != CK_MODEL_RUSTY_V8)
    return parse_error(p, st->line, st->op_col, "'=>' on %s needs model rusty_v8: there it goes through the IsolateHandle, "
                       "which returns a bool; V8's own call returns nothing", ck_op_name(st->op));
  th->pending = st->background;
  if (st->op == CK_THREAD_END) th->ended_line = st->line;
  if (th->last == i) m->live--;
  return 0;
}

int sema_check(parser *p) {
  const scenario *s = p->s;
  sema m = {.p = p, .th = calloc((size_t)s->nsteps, sizeof(sema_thread))};
  int *thread = malloc((size_t)s->nsteps * sizeof *thread);
  int rc = m.th && thread ? 0 : parse_nomem(p);
  for (int i = 0; i < s->nsteps && !rc; i++) {  /* each thread's last step; the channels sent to */
    if ((thread[i] = thread_of(&m, i)) < 0) rc = parse_nomem(p);
    else m.th[thread[i]].last = i;
    if (!rc && s->steps[i].op == CK_SEND && strmap_put(&m.sends, s->steps[i].sync, strlen(s->steps[i].sync), 1)) rc = parse_nomem(p);
  }
  for (int i = 0; i < s->nsteps && !rc; i++) rc = check_step(&m, i, thread[i]);
  strmap *maps[] = {&m.threads, &m.isos, &m.handles, &m.contexts, &m.sends, &m.channels, &m.mutexes, &m.held};
  for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) strmap_free(maps[k]);
  for (size_t k = 0; k < m.nkeys; k++) free(m.keys[k]);
  free(m.keys);
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
