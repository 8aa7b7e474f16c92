/* report.c — the report model: built from protocol lines, then how the child ended. */
#define _GNU_SOURCE
#include "report.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "records.h"
#include "strmap.h"
#include "vec.h"

/* Each step's thread as an index by first appearance, for the views. */
static int index_threads(report *r) {
  const scenario *s = r->s;
  strmap m = {0};
  r->thread_of = calloc((size_t)s->nsteps, sizeof *r->thread_of);
  r->thread_names = calloc((size_t)s->nsteps, sizeof *r->thread_names);
  int rc = r->thread_of && r->thread_names ? 0 : -1;
  for (int i = 0; i < s->nsteps && !rc; i++) {
    const char *name = s->steps[i].thread;
    int t;
    if (!strmap_get(&m, name, strlen(name), &t)) {
      t = r->nthreads++;
      r->thread_names[t] = name;
      rc = strmap_put(&m, name, strlen(name), t);
    }
    r->thread_of[i] = t;
  }
  strmap_free(&m);
  return rc;
}

report *report_new(const scenario *s, int dry_run, const char *flavor) {
  report *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->s = s;
  r->dry_run = dry_run;
  r->flavor = flavor;
  r->steps = calloc((size_t)s->nsteps + 1, sizeof *r->steps);
  if (!r->steps || index_threads(r)) {
    report_free(r);
    return NULL;
  }
  return r;
}

void report_free(report *r) {
  if (!r) return;
  for (int i = 0; r->steps && i < r->s->nsteps + 1; i++) {
    free(r->steps[i].real);
    free(r->steps[i].ideal);
    free(r->steps[i].text);
    free(r->steps[i].note);
    free(r->steps[i].unreached);
  }
  for (size_t i = 0; i < r->nv; i++) {
    free(r->v[i].thread);
    free(r->v[i].task);
    free(r->v[i].isolate);
    free(r->v[i].message);
  }
  for (size_t i = 0; i < r->nwhere; i++) free(r->where[i]);
  for (size_t i = 0; i < r->nmm; i++) {
    free(r->mm[i].what);
    free(r->mm[i].expected);
    free(r->mm[i].got);
  }
  san_free(r->san, r->nsan);
  for (size_t i = 0; i < r->nattrib; i++) free(r->attrib[i]);
  free(r->attrib);
  free(r->san_log);
  free(r->steps);
  free(r->v);
  free(r->where);
  free(r->mm);
  free(r->v8_version);
  free(r->fatal);
  free(r->deadlock);
  free(r->child_stderr);
  free(r->internal);
  free(r->thread_of);
  free(r->thread_names);
  free(r);
}

void report_internal(report *r, const char *why) {
  if (r->internal) return;
  r->internal = strdup(why);
  if (!r->internal) r->internal = strdup("out of memory");  /* may fail too: */
  r->met = 0;
}

/* A copy of n bytes (NUL-terminated after them), or NULL with the report internal. */
static char *dup_field(report *r, const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) {
    report_internal(r, "out of memory reading a record");
    return NULL;
  }
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* Step index (0-based) from a 1-based field, or -1; nsteps+1 maps the end of scenario. */
static int step_of(const report *r, const char *f) {
  char *end;
  long k = strtol(f, &end, 10);
  return *f && !*end && k >= 1 && k <= r->s->nsteps + 1 ? (int)k - 1 : -1;
}

/* Appends the n fields joined by sep to the string list *list. */
static void push_joined(report *r, char ***list, size_t *count, size_t *cap, char **f, int n, const char *sep) {
  strbuf b = {0};
  for (int k = 0; k < n; k++) {
    if (k) sb_puts(&b, sep);
    sb_puts(&b, f[k]);
  }
  char *s = sb_take(&b);
  if (!s || vec_grow(list, cap, *count + 1, sizeof **list)) {
    free(s);
    report_internal(r, "out of memory reading a record");
    return;
  }
  (*list)[(*count)++] = s;
}

static int apply_end(report *r, char **f, size_t *len, int n) {
  int i = n >= 10 ? step_of(r, f[1]) : -1;
  if (i < 0 || i >= r->s->nsteps) return -1;
  rep_step *st = &r->steps[i];
  st->ended = 1;
  st->t_end_us = atof(f[2]);
  st->status = (v8p_status)atoi(f[3]);
  st->executed = atoi(f[4]);
  st->real = dup_field(r, f[5], len[5]);
  st->ideal = dup_field(r, f[6], len[6]);
  st->run = (v8p_run_outcome)atoi(f[7]);
  st->text = dup_field(r, f[8], len[8]);
  st->text_len = len[8];
  st->note = dup_field(r, f[9], len[9]);
  return 0;
}

static int apply_violation(report *r, char **f, size_t *len, int n) {
  ck_code code;
  int i = n >= 7 ? step_of(r, f[1]) : -1;
  if (i < 0 || ck_code_parse(f[2], &code)) return -1;
  if (vec_grow(&r->v, &r->v_cap, r->nv + 1, sizeof *r->v)) {
    report_internal(r, "out of memory reading a record");
    return 0;
  }
  r->v[r->nv++] = (rep_violation){code, i + 1, dup_field(r, f[3], len[3]), dup_field(r, f[4], len[4]),
                                  dup_field(r, f[5], len[5]), dup_field(r, f[6], len[6])};
  r->steps[i].got |= 1u << code;
  return 0;
}

/* One record; -1 when it cannot be read. */
static int apply(report *r, char **f, size_t *len, int n) {
  int i;
  switch (f[0][0]) {
    case 'I':
      if (n < 3) return -1;
      if (!r->v8_version) r->v8_version = dup_field(r, f[1], len[1]);
      return 0;
    case 'S':
      if (n < 3 || (i = step_of(r, f[1])) < 0 || i >= r->s->nsteps) return -1;
      r->steps[i].started = 1;
      r->steps[i].t_start_us = atof(f[2]);
      return 0;
    case 'E': return apply_end(r, f, len, n);
    case 'V': return apply_violation(r, f, len, n);
    case 'F':
      if (n < 2) return -1;
      if (!r->fatal) r->fatal = dup_field(r, f[1], len[1]);
      return 0;
    case 'D':
      if (n < 3) return -1;
      if (!r->deadlock) r->deadlock = dup_field(r, f[2], len[2]);
      return 0;
    case 'W':
      if (n < 3) return -1;
      push_joined(r, &r->where, &r->nwhere, &r->where_cap, f + 1, 2, ": ");
      return 0;
    case 'T':
      if (n < 4) return -1;
      push_joined(r, &r->attrib, &r->nattrib, &r->attrib_cap, f + 1, 3, "\t");
      return 0;
    case 'X':
      report_internal(r, n >= 2 ? f[1] : "the replay failed");
      return 0;
    case 'N':
      if (n < 3 || (i = step_of(r, f[1])) < 0 || i >= r->s->nsteps) return -1;
      if (!r->steps[i].unreached) r->steps[i].unreached = dup_field(r, f[2], len[2]);
      return 0;
    case 'Z':
      if (n < 3) return -1;
      r->finished = 1;
      if (!strcmp(f[2], "deadlock")) r->ending = ENDING_DEADLOCK;
      return 0;
    default:
      return -1;
  }
}

void report_apply(report *r, char *line) {
  char *f[12];
  size_t len[12];
  int n = rec_split(line, f, len, 12);
  if (n < 1 || len[0] != 1 || apply(r, f, len, n)) {
    char why[160];
    snprintf(why, sizeof why, "an unreadable record from the replay: '%.100s'", line);
    report_internal(r, why);
  }
}

/* "# Fatal error in LOCATION\n# MESSAGE" in V8's stderr as "LOCATION: MESSAGE". */
static char *fatal_from_stderr(const char *err) {
  const char *p = err ? strstr(err, "# Fatal error in ") : NULL;
  if (!p) return NULL;
  p += strlen("# Fatal error in ");
  const char *e = strchr(p, '\n');
  if (!e) return NULL;
  const char *m = strstr(e, "\n# ");
  if (!m) return NULL;
  m += 3;
  const char *me = strchr(m, '\n');
  size_t ln = (size_t)(e - p), mn = me ? (size_t)(me - m) : strlen(m);
  char *out = malloc(ln + mn + 3);
  if (out) snprintf(out, ln + mn + 3, "%.*s: %.*s", (int)ln, p, (int)mn, m);
  return out;
}

int report_finding_signal(const san_finding *f) {
  for (int sig = 1; sig < 65; sig++) {
    const char *name = scn_signal_name(sig);
    size_t n = name ? strlen(name) : 0;
    if (n && f->kind && !strncmp(f->kind, name, n) && !strncmp(f->kind + n, " on ", 4)) return sig;
  }
  return 0;
}

/* Signals that only come from outside: V8 and the sanitizers never send them. */
static int from_outside(int sig) {
  return sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT ||
         sig == SIGUSR1 || sig == SIGUSR2;
}

/* The ending of a child that exited (rather than died of a signal). */
static void set_exit_ending(report *r, int code) {
  int deadly = 0;  /* a sanitizer caught the signal and exited (findings: stderr and log) */
  for (int i = 0; i < r->nsan && !deadly; i++) deadly = report_finding_signal(&r->san[i]);
  r->exit_code = code;
  if (deadly) {
    r->signal = deadly;
    r->ending = r->fatal ? ENDING_FATAL : ENDING_SIGNAL;
  } else if (r->finished && (code == 0 || r->nsan > 0)) {
    /* a sanitizer that reported (and went on) sets its own exit status at the end */
    if (r->ending != ENDING_DEADLOCK) r->ending = ENDING_CLEAN;
  } else {
    r->ending = r->nsan ? ENDING_SANITIZER : ENDING_EXIT;
  }
}

void report_set_ending(report *r, const child_end *end) {
  free(r->child_stderr);
  r->child_stderr = strdup(end->err_text ? end->err_text : "");
  r->peak_rss = end->peak_rss;
  if (!r->fatal) r->fatal = fatal_from_stderr(end->err_text);
  int st = end->wait_status;
  if (end->timed_out) {
    r->ending = ENDING_TIMEOUT;
    r->signal = SIGKILL;
  } else if (end->over_memory) {
    r->ending = ENDING_MEMORY;
    r->signal = SIGKILL;
  } else if (WIFSIGNALED(st)) {
    r->signal = WTERMSIG(st);
    r->ending = from_outside(r->signal) ? ENDING_KILLED : r->fatal ? ENDING_FATAL : ENDING_SIGNAL;
  } else if (WIFEXITED(st)) {
    set_exit_ending(r, WEXITSTATUS(st));
  }
  if (r->internal) r->ending = ENDING_ERROR;
}

const char *report_signal_name(int sig) {
  const char *name = scn_signal_name(sig);
  if (!name) name = sigabbrev_np(sig);
  return name ? name : "?";
}

int report_v8(const report *r) {
  if (r->dry_run) return -1;
  if (r->v8_version) return scn_v8_parse(r->v8_version);
  return r->rt ? r->rt->v8 : -1;
}

const char *report_step_label(const scn_step *st, char *buf, size_t n) {
  const char *op = st->op == CK_CHECK_CURRENT ? "check current" : ck_op_name(st->op);
  const char *arg = st->op == CK_CHECK_CURRENT ? (st->check_target ? st->check_target : "none") : st->isolate;
  char args[200];
  switch (st->op) {
    case CK_GLOBAL: case CK_PERSISTENT:
      snprintf(args, sizeof args, "%s of %s", st->handle, st->isolate);
      arg = args;
      break;
    case CK_OPEN: case CK_RESET: case CK_WEAK: arg = st->handle; break;
    case CK_HEAP_STATS: case CK_MEMORY_PRESSURE: case CK_IS_TERMINATING:
      snprintf(args, sizeof args, "%s %s", st->isolate, op);
      op = "call";
      arg = args;
      break;
    case CK_BLOCK_END: op = "}"; arg = NULL; break;
    default:
      if (st->sync) arg = st->sync;
      break;
  }
  snprintf(buf, n, "%s%s%s: %s%s%s", st->thread, st->task ? "/" : "", st->task ? st->task : "", op,
           arg ? " " : "", arg ? arg : "");
  return buf;
}
