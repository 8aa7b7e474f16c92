/* report_text.c — the human view of a report, like a compiler's diagnostics. */
#include <string.h>

#include "report_out.h"

static int line_of(const report *r, int step) {
  const scenario *s = r->s;
  if (step >= 1 && step <= s->nsteps) return s->steps[step - 1].line;
  if (s->has_end_expect) return s->end_expect_line;
  return s->nsteps ? s->steps[s->nsteps - 1].line : 1;
}

static void print_ending(FILE *out, const report *r) {
  const char *path = r->s->path;
  if (r->dry_run) {
    fprintf(out, "%s: dry run: checker only, V8 not called (%.1f ms)\n", path, r->wall_ms);
    return;
  }
  fprintf(out, "%s: replay ended: ", path);
  switch (r->ending) {
    case ENDING_CLEAN: fprintf(out, "clean"); break;
    case ENDING_DEADLOCK: fprintf(out, "deadlock: %s", r->deadlock ? r->deadlock : ""); break;
    case ENDING_FATAL: fprintf(out, "V8 fatal error \"%s\", then SIG%s", r->fatal ? r->fatal : "",
                               scn_signal_name(r->signal) ? scn_signal_name(r->signal) : "?"); break;
    case ENDING_SIGNAL: fprintf(out, "killed by SIG%s", scn_signal_name(r->signal) ? scn_signal_name(r->signal) : "?"); break;
    case ENDING_EXIT: fprintf(out, "exit %d before the end", r->exit_code); break;
    case ENDING_TIMEOUT: fprintf(out, "timeout after %ld ms: killed", r->s->timeout_ms); break;
    case ENDING_SANITIZER: fprintf(out, "a sanitizer stopped it (exit %d)", r->exit_code); break;
  }
  fprintf(out, " (V8 %s, %s build, %.1f ms)\n", r->v8_version ? r->v8_version : "?", r->flavor, r->wall_ms);
  for (int i = 0; i < r->nwhere; i++) fprintf(out, "    note: %s\n", r->where[i]);
  int unreached = 0;
  for (int i = 0; i < r->s->nsteps; i++) unreached += !r->steps[i].started;
  if (unreached) fprintf(out, "    note: %d step%s not reached\n", unreached, unreached == 1 ? "" : "s");
  if (r->ending != ENDING_CLEAN && r->ending != ENDING_DEADLOCK && r->child_stderr && *r->child_stderr) {
    const char *e = r->child_stderr;
    size_t n = strlen(e);
    if (n > 2000) e += n - 2000;
    fprintf(out, "    note: the child's stderr%s:\n", n > 2000 ? " (last 2000 bytes)" : "");
    for (const char *p = e; *p;) {
      const char *nl = strchr(p, '\n');
      int len = nl ? (int)(nl - p) : (int)strlen(p);
      fprintf(out, "      | %.*s\n", len, p);
      p += len + (nl ? 1 : 0);
    }
  }
}

void report_print(FILE *out, const report *r, int quiet) {
  const scenario *s = r->s;
  if (r->skipped) {
    fprintf(out, "%s: SKIP (%s build): %s\n", s->path, r->flavor, r->skip_reason);
    return;
  }
  if (!quiet) {
    fprintf(out, "%s: \"%s\"\n", s->path, s->title);
    unsigned noted = 0;
    for (int i = 0; i < r->nv; i++) {
      const rep_violation *v = &r->v[i];
      if (r->dry_run && v->code == CK_TLS_DIVERGENCE) continue;
      fprintf(out, "%s:%d: %s[%s]: %s\n", s->path, line_of(r, v->step),
              ck_severity_name(ck_code_severity(v->code)), ck_code_name(v->code), v->message);
      if (!(noted & (1u << v->code))) fprintf(out, "    note: fix: %s\n", ck_code_fix(v->code));
      noted |= 1u << v->code;
    }
    for (int i = 0; i < r->nsan; i++) {
      const san_finding *f = &r->san[i];
      fprintf(out, "%s:%d: sanitizer[%s: %s]: %s\n", s->path, f->step ? line_of(r, f->step) : 1,
              f->tool, f->kind, f->summary);
      if (f->step) fprintf(out, "    note: at step %d%s%s\n", f->step, f->isolate ? ", isolate " : "",
                           f->isolate ? f->isolate : "");
      for (const char *p = f->frames; p && *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(out, "      %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
      }
    }
    if (r->san_log) fprintf(out, "    note: sanitizer log: %s\n", r->san_log);
    print_ending(out, r);
  }
  for (int i = 0; i < r->nmm; i++) {
    const rep_mismatch *m = &r->mm[i];
    if (m->line) fprintf(out, "%s:%d: mismatch: %s\n", s->path, m->line, m->what);
    else fprintf(out, "%s: mismatch: %s\n", s->path, m->what);
    fprintf(out, "    expected: %s\n    got:      %s\n", m->expected, m->got);
  }
  if (r->met)
    fprintf(out, "%s: PASS: every expectation met%s\n", s->path, r->dry_run ? " (dry run)" : "");
  else
    fprintf(out, "%s: FAIL: %d expectation%s not met\n", s->path, r->nmm, r->nmm == 1 ? "" : "s");
}
