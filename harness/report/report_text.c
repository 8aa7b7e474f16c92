/* report_text.c — the human view of a report, like a compiler's diagnostics. */
#include <stdarg.h>
#include <string.h>

#include "report_out.h"

void report_put_text(FILE *out, const char *s, size_t n, int quote) {
  for (size_t i = 0; s && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (quote && (c == '\n' || c == '\t' || c == '\\')) fprintf(out, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
    else if (c < 0x20 || c == 0x7f) fprintf(out, "\\x%02x", c);
    else fputc(c, out);
  }
}

void report_printf(FILE *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      fputc(*f, out);
      continue;
    }
    if (!strncmp(f, "%s", 2)) {
      const char *s = va_arg(ap, const char *);
      report_put_text(out, s, s ? strlen(s) : 0, 0);
    } else if (!strncmp(f, "%c", 2)) {
      fputc(va_arg(ap, int), out);
    } else if (!strncmp(f, "%d", 2)) {
      fprintf(out, "%d", va_arg(ap, int));
    } else if (!strncmp(f, "%ld", 3)) {
      fprintf(out, "%ld", va_arg(ap, long));
      f++;
    } else if (!strncmp(f, "%zu", 3)) {
      fprintf(out, "%zu", va_arg(ap, size_t));
      f++;
    } else if (!strncmp(f, "%.1f", 4)) {
      fprintf(out, "%.1f", va_arg(ap, double));
      f += 2;
    } else {
      fputc('%', out);  /* %% */
    }
    f++;
  }
  va_end(ap);
}

static int line_of(const report *r, int step) {
  const scenario *s = r->s;
  if (step >= 1 && step <= s->nsteps) return s->steps[step - 1].line;
  if (s->has_end_expect) return s->end_expect_line;
  return s->nsteps ? s->steps[s->nsteps - 1].line : 1;
}

static const char *sig(int n) { return report_signal_name(n); }

/* Each line of text, indented, escaped; the last `keep` bytes only. */
static void print_block(FILE *out, const char *indent, const char *text, size_t keep) {
  size_t n = strlen(text);
  if (n > keep) text += n - keep;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    fputs(indent, out);
    report_put_text(out, p, len, 0);
    fputc('\n', out);
    p += len + (nl ? 1 : 0);
  }
}

static void print_ending_kind(FILE *out, const report *r) {
  const char *sg = sig(r->signal);
  switch (r->ending) {
    case ENDING_CLEAN: report_printf(out, "clean"); break;
    case ENDING_DEADLOCK: report_printf(out, "deadlock: %s", r->deadlock); break;
    case ENDING_FATAL: report_printf(out, "V8 fatal error \"%s\", then SIG%s", r->fatal, sg); break;
    case ENDING_SIGNAL: report_printf(out, "killed by SIG%s", sg); break;
    case ENDING_EXIT: report_printf(out, "exit %d before the end", r->exit_code); break;
    case ENDING_TIMEOUT: report_printf(out, "timeout after %ld ms: killed", r->s->timeout_ms); break;
    case ENDING_SANITIZER: report_printf(out, "a sanitizer stopped it (exit %d)", r->exit_code); break;
    case ENDING_MEMORY:
      report_printf(out, "over the memory limit: %ld MiB resident (limit %ld MiB, --memory-limit): killed",
                    r->peak_rss >> 20, r->memory_limit >> 20);
      break;
    case ENDING_KILLED:
      report_printf(out, "killed from outside by SIG%s (the kernel's out-of-memory killer or a user; not V8)", sg);
      break;
    case ENDING_ERROR: report_printf(out, "isoreplay failed: %s", r->internal); break;
  }
}

static void print_ending(FILE *out, const report *r) {
  const char *path = r->s->path;
  if (r->dry_run) {
    report_printf(out, "%s: dry run: checker only, V8 not called (%.1f ms)\n", path, r->wall_ms);
    return;
  }
  report_printf(out, "%s: replay ended: ", path);
  print_ending_kind(out, r);
  report_printf(out, " (V8 %s, %s build, %.1f ms)\n", r->v8_version ? r->v8_version : "?", r->flavor, r->wall_ms);
  for (size_t i = 0; i < r->nwhere; i++) report_printf(out, "    note: %s\n", r->where[i]);
  int unreached = 0;
  for (int i = 0; i < r->s->nsteps; i++) unreached += !r->steps[i].started;
  if (unreached) report_printf(out, "    note: %d step%s not reached\n", unreached, unreached == 1 ? "" : "s");
  if (r->ending != ENDING_CLEAN && r->ending != ENDING_DEADLOCK && r->child_stderr && *r->child_stderr) {
    report_printf(out, "    note: the child's stderr%s:\n", strlen(r->child_stderr) > 2000 ? " (last 2000 bytes)" : "");
    print_block(out, "      | ", r->child_stderr, 2000);
  }
}

static void print_violations(FILE *out, const report *r) {
  unsigned noted = 0;
  for (size_t i = 0; i < r->nv; i++) {
    const rep_violation *v = &r->v[i];
    if (r->dry_run && v->code == CK_TLS_DIVERGENCE) continue;
    report_printf(out, "%s:%d: %s[%s]: %s\n", r->s->path, line_of(r, v->step), ck_severity_name(ck_code_severity(v->code)),
                  ck_code_name(v->code), v->message);
    if (!(noted & (1u << v->code))) report_printf(out, "    note: fix: %s\n", ck_code_fix(v->code));
    noted |= 1u << v->code;
  }
}

static void print_findings(FILE *out, const report *r) {
  for (int i = 0; i < r->nsan; i++) {
    const san_finding *f = &r->san[i];
    report_printf(out, "%s:%d: sanitizer[%s: %s]: %s\n", r->s->path, f->step ? line_of(r, f->step) : 1, f->tool, f->kind,
                  f->summary);
    if (f->step)
      report_printf(out, "    note: at step %d%s%s\n", f->step, f->isolate ? ", isolate " : "", f->isolate);
    if (f->frames) print_block(out, "      ", f->frames, strlen(f->frames));
  }
  if (r->san_log) report_printf(out, "    note: sanitizer log: %s\n", r->san_log);
}

static void print_verdict(FILE *out, const report *r) {
  const char *path = r->s->path;
  for (size_t i = 0; i < r->nmm; i++) {
    const rep_mismatch *m = &r->mm[i];
    if (m->line) report_printf(out, "%s:%d: mismatch: %s\n", path, m->line, m->what);
    else report_printf(out, "%s: mismatch: %s\n", path, m->what);
    report_printf(out, "    expected: %s\n    got:      %s\n", m->expected, m->got);
  }
  const char *on = r->rt ? " on V8 " : r->dry_run ? " (dry run)" : "", *v8 = r->rt ? r->rt->name : "";
  if (r->internal) report_printf(out, "%s: ERROR%s%s: isoreplay failed, so this run cannot pass: %s\n", path, on, v8, r->internal);
  else if (r->met) report_printf(out, "%s: PASS: every expectation met%s%s\n", path, on, v8);
  else report_printf(out, "%s: FAIL: %zu expectation%s not met%s%s\n", path, r->nmm, r->nmm == 1 ? "" : "s", on, v8);
}

int report_print(FILE *out, const report *r, int quiet) {
  const scenario *s = r->s;
  if (r->skipped) {
    report_printf(out, "%s: SKIP (%s build%s%s): %s\n", s->path, r->flavor, r->rt ? ", V8 " : "", r->rt ? r->rt->name : "",
                  r->skip_reason);
  } else {
    if (!quiet) {
      report_printf(out, "%s: \"%s\"\n", s->path, s->title);
      print_violations(out, r);
      print_findings(out, r);
      print_ending(out, r);
    }
    print_verdict(out, r);
  }
  return ferror(out) ? -1 : 0;
}
