/* expect.c — a replay's report against the scenario's expectations: how it ended, the
 * violations of each step and of the end, results, `check current`, sanitizer findings.
 * Every difference becomes a mismatch with both sides; the report passes only with
 * none, and never when isoreplay itself failed. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "strbuf.h"
#include "vec.h"

/* A printf-formatted malloc'd string (NULL when out of memory). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  strbuf b = {0};
  va_list ap;
  va_start(ap, f);
  sb_vprintf(&b, f, ap);
  va_end(ap);
  return sb_take(&b);
}

/* Bytes as a quoted string, with NUL and control characters escaped. */
static char *quoted(const char *s, size_t n) {
  strbuf b = {0};
  sb_add(&b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') sb_printf(&b, "\\%c", c);
    else if (c < 0x20 || c == 0x7f) sb_printf(&b, "\\x%02x", c);
    else sb_add(&b, s + i, 1);
  }
  sb_add(&b, "\"", 1);
  return sb_take(&b);
}

static char *codes_str(unsigned set) {
  strbuf b = {0};
  for (int c = 0; c < CK_CODE_COUNT; c++)
    if (set & (1u << c)) sb_printf(&b, "%s%s", b.len ? ", " : "", ck_code_name((ck_code)c));
  if (!b.len) sb_puts(&b, "none");
  return sb_take(&b);
}

/* Records a mismatch, taking the three strings (and, for violations, the two code
 * sets); out of memory fails the report. */
static void mismatch_codes(report *r, rep_mismatch_kind kind, int step, int line, char *what, char *expected,
                           char *got, unsigned want_codes, unsigned got_codes) {
  if (!what || !expected || !got || vec_grow(&r->mm, &r->mm_cap, r->nmm + 1, sizeof *r->mm)) {
    free(what);
    free(expected);
    free(got);
    report_internal(r, "out of memory comparing the expectations");
    return;
  }
  r->mm[r->nmm++] = (rep_mismatch){kind, step, line, what, expected, got, want_codes, got_codes};
}

static void mismatch(report *r, rep_mismatch_kind kind, int step, int line, char *what, char *expected, char *got) {
  mismatch_codes(r, kind, step, line, what, expected, got, 0, 0);
}

static void code_mismatch(report *r, rep_mismatch_kind kind, int step, int line, char *what, unsigned want, unsigned got) {
  mismatch_codes(r, kind, step, line, what, codes_str(want), codes_str(got), want, got);
}

static const char *sig_name(int sig) { return report_signal_name(sig); }

/* What the replay's ending was, as the expect-end line would say it. */
static char *ending_text(const report *r, const char *fatal_msg) {
  switch (r->ending) {
    case ENDING_CLEAN: return fmt("clean");
    case ENDING_DEADLOCK: return fmt("clean (deadlock reported)");
    case ENDING_FATAL: return fmt("fatal \"%s\" (SIG%s)", fatal_msg ? fatal_msg : "", sig_name(r->signal));
    case ENDING_SIGNAL: return fmt("signal %s", sig_name(r->signal));
    case ENDING_EXIT: return fmt("exit %d", r->exit_code);
    case ENDING_SANITIZER: return fmt("sanitizer report, exit %d", r->exit_code);
    case ENDING_TIMEOUT: return fmt("timeout after %ld ms", r->s->timeout_ms);
    case ENDING_MEMORY: return fmt("memory limit: %ld MiB resident, limit %ld MiB", r->peak_rss >> 20, r->memory_limit >> 20);
    case ENDING_KILLED: return fmt("killed from outside by SIG%s (not V8: the kernel or a user)", sig_name(r->signal));
    case ENDING_ERROR: return fmt("internal error");
  }
  return fmt("?");
}

static void check_ending(report *r) {
  const scn_end_expect *e = scn_end_for(r->s, report_v8(r));
  const char *msg = r->fatal ? strstr(r->fatal, ": ") : NULL;
  msg = msg ? msg + 2 : r->fatal;
  int ok;
  char *expected;
  switch (e->kind) {
    case SCN_END_CLEAN:
      ok = r->ending == ENDING_CLEAN || r->ending == ENDING_DEADLOCK;
      expected = fmt("clean");
      break;
    case SCN_END_FATAL:
      ok = r->ending == ENDING_FATAL && r->fatal &&
           ((msg && !strncmp(msg, e->text, strlen(e->text))) || !strncmp(r->fatal, e->text, strlen(e->text)));
      expected = fmt("fatal \"%s\"", e->text);
      break;
    default:  /* only a signal of the replay's own: never the timeout, the limit or a kill from outside */
      ok = (r->ending == ENDING_SIGNAL || r->ending == ENDING_FATAL) && r->signal == e->signal;
      expected = fmt("signal %s", sig_name(e->signal));
      break;
  }
  if (ok) free(expected);
  else mismatch(r, MM_ENDING, 0, 0, fmt("how the replay ended"), expected, ending_text(r, msg));
}

/* A run's result against `=> ...`: the whole value, its length included. */
static void check_result(report *r, int i, const char *label) {
  const scn_step *st = &r->s->steps[i];
  const rep_step *rs = &r->steps[i];
  const scn_expect_result *e = scn_result_for(st, report_v8(r));
  if (!e || e->kind == SCN_RESULT_ANY) return;  /* a run's value, or a call's bool */
  const char *text = rs->text ? rs->text : "";
  int ok = e->kind == SCN_RESULT_VALUE ? rs->run == V8P_RUN_VALUE && rs->text_len == e->len && !memcmp(text, e->text, e->len)
         : e->kind == SCN_RESULT_THROWS ? rs->run == V8P_RUN_THREW && memmem(text, rs->text_len, e->text, e->len)
         : rs->run == V8P_RUN_TERMINATED;
  if (ok) return;
  char *want = e->kind == SCN_RESULT_TERMINATED ? fmt("terminated") : quoted(e->text, e->len);
  if (want && e->kind == SCN_RESULT_THROWS) {
    char *w = fmt("throws %s", want);
    free(want);
    want = w;
  }
  char *got = rs->run == V8P_RUN_TERMINATED ? fmt("terminated") : rs->run == V8P_RUN_NONE ? fmt("not run")
            : quoted(text, rs->text_len);
  if (got && rs->run == V8P_RUN_THREW) {
    char *g = fmt("throws %s", got);
    free(got);
    got = g;
  }
  mismatch(r, MM_RESULT, i + 1, st->line, fmt("result of step %d (%s)", i + 1, label), want, got);
}

static void check_current(report *r, int i, const char *label) {
  const scn_step *st = &r->s->steps[i];
  const char *want = st->check_target ? st->check_target : "none", *real = r->steps[i].real;
  if (st->op != CK_CHECK_CURRENT || !scn_check_applies(st, report_v8(r)) || (real && !strcmp(real, want))) return;
  mismatch(r, MM_CHECK_CURRENT, i + 1, st->line, fmt("check current at step %d (%s)", i + 1, label), fmt("%s", want),
           fmt("%s", real ? real : "?"));
}

static int finding_matches(const san_finding *f, const char *text) {
  return strstr(f->kind, text) || strstr(f->summary, text);
}

/* Under this build's sanitizer, every `expect-sanitizer` text must be found, and every
 * finding must be one of them. */
static void check_sanitizer(report *r) {
  const scenario *s = r->s;
  strbuf want = {0}, got = {0};
  int ok = 1;
  int v8 = report_v8(r);
  for (int i = 0; i < s->nsanitizers; i++) {
    if (!scn_note_applies(&s->sanitizers[i], r->flavor, v8)) continue;
    sb_printf(&want, "%s\"%s\"", want.len ? ", " : "", s->sanitizers[i].text);
    int found = 0;
    for (int k = 0; k < r->nsan && !found; k++) found = finding_matches(&r->san[k], s->sanitizers[i].text);
    ok &= found;
  }
  for (int k = 0; k < r->nsan; k++) {
    if (report_finding_signal(&r->san[k])) continue;  /* the crash the ending describes */
    int expected = 0;
    for (int i = 0; i < s->nsanitizers && !expected; i++)
      expected = scn_note_applies(&s->sanitizers[i], r->flavor, v8) && finding_matches(&r->san[k], s->sanitizers[i].text);
    ok &= expected;
    sb_printf(&got, "%s%s: %s (step %d)", got.len ? "; " : "", r->san[k].tool, r->san[k].kind, r->san[k].step);
  }
  if (!want.len) sb_puts(&want, "none");
  if (!got.len) sb_puts(&got, "none");
  char *w = sb_take(&want), *g = sb_take(&got);
  if (ok && w && g) {
    free(w);
    free(g);
    return;
  }
  mismatch(r, MM_SANITIZER, 0, 0, fmt("sanitizer findings"), w, g);
}

void report_check(report *r) {
  const scenario *s = r->s;
  unsigned mask = r->dry_run ? ~(1u << CK_TLS_DIVERGENCE) : ~0u;  /* an observation of real V8 */
  char label[256];
  if (!r->dry_run) check_ending(r);
  for (int i = 0; i < s->nsteps; i++) {
    const scn_step *st = &s->steps[i];
    rep_step *rs = &r->steps[i];
    rs->reached = rs->started;
    if (rs->unreached) {
      report_step_label(st, label, sizeof label);
      mismatch(r, MM_NOT_REACHED, i + 1, st->line, fmt("the block of step %d (%s)", i + 1, label), fmt("reached"),
               fmt("never reached: %s; its steps did not run", rs->unreached));
    }
    if (!rs->started) continue;
    /* a step V8 never returned from has no "after": what is observed after a call
     * (tls-divergence) cannot be, so it is not checked there */
    unsigned step_mask = rs->ended ? mask : mask & ~(1u << CK_TLS_DIVERGENCE);
    unsigned want = scn_codes_for(s, st, report_v8(r)) & step_mask, got = rs->got & step_mask;
    report_step_label(st, label, sizeof label);
    if (want != got) code_mismatch(r, MM_VIOLATIONS, i + 1, st->line, fmt("violations at step %d (%s)", i + 1, label), want, got);
    if (r->dry_run || !rs->ended) continue;
    check_result(r, i, label);
    check_current(r, i, label);
  }
  if (!r->dry_run) check_sanitizer(r);  /* a dry run touches neither V8 nor shadow words */
  if (r->finished) {
    unsigned want = scn_codes_for(s, NULL, report_v8(r)) & mask, got = r->steps[s->nsteps].got & mask;
    if (want != got)
      code_mismatch(r, MM_END_VIOLATIONS, s->nsteps + 1, s->has_end_expect ? s->end_expect_line : 0,
                    fmt("violations at the end of the scenario"), want, got);
  }
  r->met = r->nmm == 0 && !r->internal;
}
