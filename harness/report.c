/* report.c — builds a report from protocol lines and checks the expectations. */
#define _GNU_SOURCE
#include "report.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "records.h"

#include "strdup_opt.h"

report *report_new(const scenario *s, int dry_run, const char *flavor) {
  report *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->s = s;
  r->dry_run = dry_run;
  r->flavor = flavor;
  r->steps = calloc((size_t)s->nsteps + 2, sizeof *r->steps);
  if (!r->steps) {
    free(r);
    return NULL;
  }
  return r;
}

void report_free(report *r) {
  if (!r) return;
  for (int i = 0; i < r->s->nsteps + 2; i++) {
    free(r->steps[i].real);
    free(r->steps[i].ideal);
    free(r->steps[i].text);
    free(r->steps[i].note);
  }
  for (int i = 0; i < r->nv; i++) {
    free(r->v[i].thread);
    free(r->v[i].task);
    free(r->v[i].isolate);
    free(r->v[i].message);
  }
  for (int i = 0; i < r->nwhere; i++) free(r->where[i]);
  for (int i = 0; i < r->nmm; i++) {
    free(r->mm[i].what);
    free(r->mm[i].expected);
    free(r->mm[i].got);
  }
  san_free(r->san, r->nsan);
  for (int i = 0; i < r->nattrib; i++) free(r->attrib[i]);
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
  free(r);
}

/* Step index (0-based) from a 1-based field, or -1; nsteps maps the end of scenario. */
static int step_of(const report *r, const char *f) {
  int k = atoi(f);
  return k >= 1 && k <= r->s->nsteps + 1 ? k - 1 : -1;
}

/* Appends the n fields joined by sep to the string list *list (dropped when out of memory). */
static void push_joined(char ***list, int *count, char **f, int n, const char *sep) {
  size_t len = 1;
  for (int k = 0; k < n; k++) len += strlen(f[k]) + strlen(sep);
  char *s = malloc(len), **q = realloc(*list, (size_t)(*count + 1) * sizeof *q);
  if (q) *list = q;
  if (!s || !q) {
    free(s);
    return;
  }
  size_t at = 0;
  for (int k = 0; k < n; k++) at += (size_t)snprintf(s + at, len - at, "%s%s", k ? sep : "", f[k]);
  q[(*count)++] = s;
}

void report_apply(report *r, char *line) {
  char *f[12];
  int n = rec_split(line, f, 12);
  if (n < 1 || strlen(f[0]) != 1) return;
  switch (f[0][0]) {
    case 'I':
      if (n >= 2 && !r->v8_version) r->v8_version = strdup_opt(f[1]);
      break;
    case 'S': {
      int i = n >= 3 ? step_of(r, f[1]) : -1;
      if (i < 0) break;
      r->steps[i].started = 1;
      r->steps[i].t_start_us = atof(f[2]);
      break;
    }
    case 'E': {
      int i = n >= 10 ? step_of(r, f[1]) : -1;
      if (i < 0) break;
      rep_step *st = &r->steps[i];
      st->ended = 1;
      st->t_end_us = atof(f[2]);
      st->status = (v8p_status)atoi(f[3]);
      st->executed = atoi(f[4]);
      st->real = strdup_opt(f[5]);
      st->ideal = strdup_opt(f[6]);
      st->run = (v8p_run_outcome)atoi(f[7]);
      st->text = strdup_opt(f[8]);
      st->note = strdup_opt(f[9]);
      break;
    }
    case 'V': {
      ck_code code;
      int i = n >= 7 ? step_of(r, f[1]) : -1;
      if (i < 0 || ck_code_parse(f[2], &code)) break;
      rep_violation *q = realloc(r->v, (size_t)(r->nv + 1) * sizeof *q);
      if (!q) break;
      r->v = q;
      r->v[r->nv++] = (rep_violation){code, i + 1, strdup_opt(f[3]), strdup_opt(f[4]), strdup_opt(f[5]), strdup_opt(f[6])};
      r->steps[i].got |= 1u << code;
      break;
    }
    case 'F':
      if (n >= 2 && !r->fatal) r->fatal = strdup_opt(f[1]);
      break;
    case 'D':
      if (n >= 3 && !r->deadlock) r->deadlock = strdup_opt(f[2]);
      break;
    case 'W':
      if (n >= 3) push_joined(&r->where, &r->nwhere, f + 1, 2, ": ");
      break;
    case 'T':
      if (n >= 4) push_joined(&r->attrib, &r->nattrib, f + 1, 3, "\t");
      break;
    case 'Z':
      r->finished = 1;
      if (n >= 3 && !strcmp(f[2], "deadlock")) r->ending = ENDING_DEADLOCK;
      break;
    default:
      break;
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

/* The signal a finding reports catching ("SEGV on unknown address": SIGSEGV; the
 * sanitizer then exits with a status instead of dying by the signal), or 0. */
static int finding_signal(const san_finding *f) {
  for (int sig = 1; sig < 65; sig++) {
    const char *name = scn_signal_name(sig);
    size_t n = name ? strlen(name) : 0;
    if (n && f->kind && !strncmp(f->kind, name, n) && !strncmp(f->kind + n, " on ", 4)) return sig;
  }
  return 0;
}

/* The log_path of the sanitizer options in the environment, or NULL. */
static char *log_path_option(void) {
  static const char *const VARS[] = {"TSAN_OPTIONS", "ASAN_OPTIONS"};
  for (size_t i = 0; i < 2; i++) {
    const char *o = getenv(VARS[i]);
    const char *lp = o ? strstr(o, "log_path=") : NULL;
    if (!lp) continue;
    lp += strlen("log_path=");
    size_t n = strcspn(lp, ": ");
    char *path = malloc(n + 1);
    if (path) snprintf(path, n + 1, "%s", lp);
    return path;
  }
  return NULL;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = (n + 4096 + 1) * 2;
      char *q = realloc(buf, cap);
      if (!q) break;
      buf = q;
    }
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got == 0) break;
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

/* Findings from the child's stderr and its sanitizer log (log_path.PID), each
 * attributed to the step whose T record carries the same summary. */
void report_read_sanitizer(report *r, const char *err, int child_pid) {
  char *lp = log_path_option(), *log = NULL;
  if (lp && child_pid > 0) {
    size_t n = strlen(lp) + 24;
    r->san_log = malloc(n);
    if (r->san_log) {
      snprintf(r->san_log, n, "%s.%d", lp, child_pid);
      log = read_file(r->san_log);
      if (!log) {
        free(r->san_log);
        r->san_log = NULL;
      }
    }
  }
  free(lp);
  size_t n = (err ? strlen(err) : 0) + (log ? strlen(log) : 0) + 2;
  char *all = malloc(n);
  if (all) snprintf(all, n, "%s\n%s", err ? err : "", log ? log : "");
  r->nsan = san_parse(all, &r->san);
  free(all);
  free(log);
  /* Reports come out one at a time, each followed by its T record: the i-th finding
   * is the i-th T record (only reports from the replay's threads have one). */
  for (int i = 0, k = 0; i < r->nsan && k < r->nattrib; i++) {
    const char *tab1 = strchr(r->attrib[k], '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2) {
      k++;
      continue;
    }
    const char *sum = tab2 + 1;
    if (!strncmp(sum, "SUMMARY: ", 9)) sum += 9;
    /* a summary that is only the report's first line takes the T record's */
    int generic = !strncmp(r->san[i].summary, "WARNING", 7) || !strncmp(r->san[i].summary, "ERROR", 5);
    if (!generic && strcmp(sum, r->san[i].summary))
      continue;  /* a report without a T record (not from a replay thread) */
    if (generic) {
      free(r->san[i].summary);
      r->san[i].summary = strdup_opt(sum);
    }
    r->san[i].step = atoi(r->attrib[k]);
    if (tab2 > tab1 + 1) r->san[i].isolate = strndup(tab1 + 1, (size_t)(tab2 - tab1 - 1));
    k++;
  }
}

void report_set_ending(report *r, int status, int timed_out, const char *err) {
  free(r->child_stderr);
  r->child_stderr = strdup_opt(err ? err : "");
  if (!r->fatal) r->fatal = fatal_from_stderr(err);
  int deadly = 0;  /* a sanitizer caught the signal and exited (findings: stderr and log) */
  for (int i = 0; i < r->nsan && !deadly; i++) deadly = finding_signal(&r->san[i]);
  if (timed_out) {
    r->ending = ENDING_TIMEOUT;
    r->signal = SIGKILL;
  } else if (WIFSIGNALED(status)) {
    r->signal = WTERMSIG(status);
    r->ending = r->fatal ? ENDING_FATAL : ENDING_SIGNAL;
  } else if (WIFEXITED(status)) {
    r->exit_code = WEXITSTATUS(status);
    if (deadly) {
      r->signal = deadly;
      r->ending = r->fatal ? ENDING_FATAL : ENDING_SIGNAL;
    } else if (r->finished && (r->exit_code == 0 || r->nsan > 0)) {
      /* a sanitizer that reported (and went on) sets its own exit status at the end */
      if (r->ending != ENDING_DEADLOCK) r->ending = ENDING_CLEAN;
    } else {
      r->ending = r->nsan ? ENDING_SANITIZER : ENDING_EXIT;
    }
  }
}

const char *report_ending_name(rep_ending e) {
  switch (e) {
    case ENDING_CLEAN: return "clean";
    case ENDING_DEADLOCK: return "deadlock";
    case ENDING_FATAL: return "V8 fatal error";
    case ENDING_SIGNAL: return "signal";
    case ENDING_EXIT: return "exit";
    case ENDING_TIMEOUT: return "timeout";
    case ENDING_SANITIZER: return "sanitizer";
  }
  return "?";
}

const char *report_step_label(const scn_step *st, char *buf, size_t n) {
  snprintf(buf, n, "%s%s%s: %s%s%s", st->thread, st->task ? "/" : "", st->task ? st->task : "",
           st->op == CK_CHECK_CURRENT ? "check current" : ck_op_name(st->op),
           st->op == CK_CHECK_CURRENT || st->isolate ? " " : "",
           st->op == CK_CHECK_CURRENT ? (st->check_target ? st->check_target : "none")
                                      : st->isolate ? st->isolate : "");
  return buf;
}

static char *codes_str(unsigned set) {
  char buf[512] = "";
  size_t at = 0;
  for (int c = 0; c < CK_CODE_COUNT; c++)
    if (set & (1u << c))
      at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", at ? ", " : "", ck_code_name((ck_code)c));
  return strdup_opt(at ? buf : "none");
}

static void mismatch(report *r, int step, int line, char *what, char *expected, char *got) {
  rep_mismatch *q = realloc(r->mm, (size_t)(r->nmm + 1) * sizeof *q);
  if (!q) {
    free(what);
    free(expected);
    free(got);
    return;
  }
  r->mm = q;
  r->mm[r->nmm++] = (rep_mismatch){step, line, what, expected, got};
}

static char *fmt(const char *f, const char *a, const char *b) {
  size_t n = strlen(f) + (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 1;
  char *o = malloc(n);
  if (o) snprintf(o, n, f, a ? a : "", b ? b : "");
  return o;
}

static int ending_met(report *r, char **expected, char **got) {
  const scenario *s = r->s;
  char buf[600];
  const char *msg = r->fatal ? strstr(r->fatal, ": ") : NULL;
  msg = msg ? msg + 2 : r->fatal;
  if (r->ending == ENDING_CLEAN || r->ending == ENDING_DEADLOCK)
    snprintf(buf, sizeof buf, "%s", r->ending == ENDING_CLEAN ? "clean" : "clean (deadlock reported)");
  else if (r->ending == ENDING_FATAL)
    snprintf(buf, sizeof buf, "fatal \"%s\" (SIG%s)", msg ? msg : "", scn_signal_name(r->signal) ? scn_signal_name(r->signal) : "?");
  else if (r->ending == ENDING_SIGNAL)
    snprintf(buf, sizeof buf, "signal %s", scn_signal_name(r->signal) ? scn_signal_name(r->signal) : "?");
  else if (r->ending == ENDING_EXIT || r->ending == ENDING_SANITIZER)
    snprintf(buf, sizeof buf, "%s exit %d", r->ending == ENDING_SANITIZER ? "sanitizer report," : "", r->exit_code);
  else
    snprintf(buf, sizeof buf, "timeout after %ld ms", s->timeout_ms);
  *got = strdup_opt(buf);
  int ok;
  switch (s->end) {
    case SCN_END_CLEAN:
      ok = r->ending == ENDING_CLEAN || r->ending == ENDING_DEADLOCK;
      *expected = strdup_opt("clean");
      break;
    case SCN_END_FATAL:
      ok = r->ending == ENDING_FATAL && msg && !strncmp(msg, s->end_text, strlen(s->end_text));
      if (!ok && r->fatal && r->ending == ENDING_FATAL) ok = !strncmp(r->fatal, s->end_text, strlen(s->end_text));
      *expected = fmt("fatal \"%s\"%s", s->end_text, NULL);
      break;
    default:
      ok = (r->ending == ENDING_SIGNAL || r->ending == ENDING_FATAL) && r->signal == s->end_signal;
      *expected = fmt("signal %s%s", scn_signal_name(s->end_signal), NULL);
      break;
  }
  return ok;
}

static int finding_matches(const san_finding *f, const char *text) {
  return strstr(f->kind, text) || strstr(f->summary, text);
}


/* Under this build's sanitizer, every `expect-sanitizer` text must be found, and every
 * finding must be one of them. */
static void check_sanitizer(report *r) {
  const scenario *s = r->s;
  char want[600] = "", got[600] = "";
  size_t wa = 0, ga = 0;
  int ok = 1;
  for (int i = 0; i < s->nsanitizers; i++) {
    if (strcmp(s->sanitizers[i].flavor, r->flavor)) continue;
    wa += (size_t)snprintf(want + wa, sizeof want - wa, "%s\"%s\"", wa ? ", " : "", s->sanitizers[i].text);
    int found = 0;
    for (int k = 0; k < r->nsan && !found; k++) found = finding_matches(&r->san[k], s->sanitizers[i].text);
    ok &= found;
  }
  for (int k = 0; k < r->nsan; k++) {
    if (finding_signal(&r->san[k])) continue;  /* the crash the ending describes */
    int expected = 0;
    for (int i = 0; i < s->nsanitizers && !expected; i++)
      expected = !strcmp(s->sanitizers[i].flavor, r->flavor) && finding_matches(&r->san[k], s->sanitizers[i].text);
    ok &= expected;
    if (ga < sizeof got - 1)
      ga += (size_t)snprintf(got + ga, sizeof got - ga, "%s%s: %s (step %d)", ga ? "; " : "", r->san[k].tool,
                             r->san[k].kind, r->san[k].step);
  }
  if (!ok) mismatch(r, 0, 0, strdup_opt("sanitizer findings"), strdup_opt(wa ? want : "none"), strdup_opt(ga ? got : "none"));
}

void report_check(report *r) {
  const scenario *s = r->s;
  unsigned mask = ~0u;
  if (r->dry_run) mask &= ~(1u << CK_TLS_DIVERGENCE);  /* an observation of real V8 */
  char label[256], buf[512];
  if (!r->dry_run) {
    char *expected, *got;
    if (ending_met(r, &expected, &got)) {
      free(expected);
      free(got);
    } else {
      mismatch(r, 0, 0, strdup_opt("how the replay ended"), expected, got);
    }
  }
  for (int i = 0; i < s->nsteps; i++) {
    const scn_step *st = &s->steps[i];
    rep_step *rs = &r->steps[i];
    rs->reached = rs->started;
    if (!rs->started) continue;
    unsigned want = st->expect & mask, got = rs->got & mask;
    report_step_label(st, label, sizeof label);
    if (want != got) {
      snprintf(buf, sizeof buf, "violations at step %d (%s)", i + 1, label);
      mismatch(r, i + 1, st->line, strdup_opt(buf), codes_str(want), codes_str(got));
    }
    if (r->dry_run || !rs->ended) continue;
    if (st->op == CK_RUN && st->result != SCN_RESULT_ANY) {
      int ok = st->result == SCN_RESULT_VALUE ? rs->run == V8P_RUN_VALUE && !strcmp(rs->text, st->result_text)
             : st->result == SCN_RESULT_THROWS ? rs->run == V8P_RUN_THREW && strstr(rs->text, st->result_text) != NULL
             : rs->run == V8P_RUN_TERMINATED;
      if (!ok) {
        const char *kind = st->result == SCN_RESULT_VALUE ? "\"%s\"%s" : st->result == SCN_RESULT_THROWS ? "throws \"%s\"%s" : "terminated%s%s";
        const char *gk = rs->run == V8P_RUN_VALUE ? "\"%s\"%s" : rs->run == V8P_RUN_THREW ? "throws \"%s\"%s"
                       : rs->run == V8P_RUN_TERMINATED ? "terminated%.0s%s" : "not run%.0s%s";
        snprintf(buf, sizeof buf, "result of step %d (%s)", i + 1, label);
        mismatch(r, i + 1, st->line, strdup_opt(buf),
                 fmt(kind, st->result == SCN_RESULT_TERMINATED ? "" : st->result_text, NULL),
                 fmt(gk, rs->text ? rs->text : "", NULL));
      }
    }
    if (st->op == CK_CHECK_CURRENT) {
      const char *want_iso = st->check_target ? st->check_target : "none";
      if (strcmp(rs->real ? rs->real : "", want_iso)) {
        snprintf(buf, sizeof buf, "check current at step %d (%s)", i + 1, label);
        mismatch(r, i + 1, st->line, strdup_opt(buf), strdup_opt(want_iso), strdup_opt(rs->real ? rs->real : "?"));
      }
    }
  }
  if (!r->dry_run) check_sanitizer(r);  /* a dry run touches neither V8 nor shadow words */
  if (r->finished) {
    unsigned want = s->end_expect & mask, got = r->steps[s->nsteps].got & mask;
    if (want != got)
      mismatch(r, s->nsteps + 1, s->has_end_expect ? s->end_expect_line : 0,
               strdup_opt("violations at the end of the scenario"), codes_str(want), codes_str(got));
  }
  r->met = r->nmm == 0;
}
