/* report_json.c — reports as JSON (docs/report-format.md), built with jansson, whose
 * encoder does the escaping of untrusted text (titles, scripts, V8 and sanitizer output). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_out.h"
#include "spans.h"

#ifndef ISOREPLAY_VERSION
#define ISOREPLAY_VERSION "0"
#endif

/* A JSON string, or null for NULL; invalid UTF-8 is replaced rather than dropped. */
static json_t *str(const char *s) {
  if (!s) return json_null();
  json_t *j = json_string(s);
  if (j) return j;
  size_t n = strlen(s);
  char *clean = malloc(n + 1);
  if (!clean) return json_null();
  for (size_t i = 0; i <= n; i++) clean[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
  j = json_string(clean);
  free(clean);
  return j ? j : json_null();
}

static json_t *codes(unsigned set) {
  json_t *a = json_array();
  for (int c = 0; c < CK_CODE_COUNT; c++)
    if (set & (1u << c)) json_array_append_new(a, json_string(ck_code_name((ck_code)c)));
  return a;
}

static json_t *strings(char **v, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, str(v[i]));
  return a;
}

static const char *run_name(v8p_run_outcome run) {
  switch (run) {
    case V8P_RUN_VALUE: return "value";
    case V8P_RUN_THREW: return "threw";
    case V8P_RUN_TERMINATED: return "terminated";
    default: return NULL;
  }
}

static json_t *step_json(const report *r, int i) {
  const scn_step *st = &r->s->steps[i];
  const rep_step *rs = &r->steps[i];
  json_t *j = json_object();
  json_object_set_new(j, "index", json_integer(i + 1));
  json_object_set_new(j, "line", json_integer(st->line));
  json_object_set_new(j, "thread", str(st->thread));
  json_object_set_new(j, "task", str(st->task));
  json_object_set_new(j, "op", json_string(st->op == CK_CHECK_CURRENT ? "check current" : ck_op_name(st->op)));
  json_object_set_new(j, "isolate", str(st->op == CK_CHECK_CURRENT ? st->check_target : st->isolate));
  json_object_set_new(j, "context", str(st->context));
  json_object_set_new(j, "js", str(st->js));
  json_object_set_new(j, "background", json_boolean(st->background));
  json_object_set_new(j, "reached", json_boolean(rs->started));
  json_object_set_new(j, "start_us", rs->started ? json_real(rs->t_start_us) : json_null());
  json_object_set_new(j, "end_us", rs->ended ? json_real(rs->t_end_us) : json_null());
  json_object_set_new(j, "status", rs->ended ? json_string(v8p_status_name(rs->status)) : json_null());
  json_object_set_new(j, "executed", json_boolean(rs->ended && rs->executed));
  json_object_set_new(j, "real_current", rs->ended && !r->dry_run ? str(rs->real) : json_null());
  json_object_set_new(j, "ideal_current", rs->ended ? str(rs->ideal) : json_null());
  json_t *res = json_null();
  if (rs->ended && run_name(rs->run)) {
    res = json_object();
    json_object_set_new(res, "outcome", json_string(run_name(rs->run)));
    json_object_set_new(res, "text", str(rs->text));
  }
  json_object_set_new(j, "result", res);
  json_object_set_new(j, "note", rs->note && *rs->note ? str(rs->note) : json_null());
  json_object_set_new(j, "expected_violations", codes(st->expect));
  json_object_set_new(j, "violations", codes(rs->got));
  return j;
}

static json_t *ending_json(const report *r) {
  json_t *j = json_object();
  json_object_set_new(j, "kind", json_string(r->dry_run ? "dry-run" : report_ending_name(r->ending)));
  json_object_set_new(j, "exit_code", !r->dry_run && (r->ending == ENDING_CLEAN || r->ending == ENDING_EXIT ||
                                                      r->ending == ENDING_SANITIZER || r->ending == ENDING_DEADLOCK)
                                          ? json_integer(r->exit_code) : json_null());
  json_object_set_new(j, "signal", r->signal && scn_signal_name(r->signal) ? json_string(scn_signal_name(r->signal)) : json_null());
  json_object_set_new(j, "fatal", str(r->fatal));
  json_object_set_new(j, "deadlock", str(r->deadlock));
  json_object_set_new(j, "where", strings(r->where, r->nwhere));
  const scenario *s = r->s;
  json_object_set_new(j, "expected", json_string(s->end == SCN_END_CLEAN ? "clean" : s->end == SCN_END_FATAL ? "fatal" : "signal"));
  json_object_set_new(j, "expected_text", s->end == SCN_END_FATAL ? str(s->end_text)
                      : s->end == SCN_END_SIGNAL ? json_string(scn_signal_name(s->end_signal)) : json_null());
  return j;
}

json_t *report_scenario_json(report *r) {
  const scenario *s = r->s;
  json_t *j = json_object();
  json_object_set_new(j, "file", str(s->path));
  json_object_set_new(j, "title", str(s->title));
  json_object_set_new(j, "sources", strings(s->sources, s->nsources));
  json_object_set_new(j, "tags", strings(s->tags, s->ntags));
  json_object_set_new(j, "model", json_string(s->model == CK_MODEL_RUSTY_V8 ? "rusty_v8" : "v8"));
  json_object_set_new(j, "v8_version", str(r->v8_version ? r->v8_version : v8p_v8_version()));
  json_object_set_new(j, "flavor", str(r->flavor));
  json_object_set_new(j, "mode", json_string(r->dry_run ? "dry-run" : "real"));
  json_object_set_new(j, "outcome", json_string(r->skipped ? "skipped" : r->met ? "passed" : "failed"));
  json_object_set_new(j, "skip_reason", r->skipped ? str(r->skip_reason) : json_null());
  json_object_set_new(j, "expectations_met", json_boolean(r->met));
  json_object_set_new(j, "wall_ms", json_real(r->wall_ms));
  if (r->skipped) return j;
  json_object_set_new(j, "ending", ending_json(r));
  json_t *steps = json_array();
  for (int i = 0; i < s->nsteps; i++) json_array_append_new(steps, step_json(r, i));
  json_object_set_new(j, "steps", steps);
  json_t *vs = json_array();
  for (int i = 0; i < r->nv; i++) {
    const rep_violation *v = &r->v[i];
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(ck_code_name(v->code)));
    json_object_set_new(o, "severity", json_string(ck_severity_name(ck_code_severity(v->code))));
    json_object_set_new(o, "step", v->step <= s->nsteps ? json_integer(v->step) : json_null());
    json_object_set_new(o, "at_end", json_boolean(v->step > s->nsteps));
    json_object_set_new(o, "line", v->step <= s->nsteps ? json_integer(s->steps[v->step - 1].line) : json_null());
    json_object_set_new(o, "thread", v->thread && *v->thread ? str(v->thread) : json_null());
    json_object_set_new(o, "task", v->task && *v->task ? str(v->task) : json_null());
    json_object_set_new(o, "isolate", v->isolate && *v->isolate ? str(v->isolate) : json_null());
    json_object_set_new(o, "message", str(v->message));
    json_object_set_new(o, "fix", json_string(ck_code_fix(v->code)));
    json_array_append_new(vs, o);
  }
  json_object_set_new(j, "violations", vs);
  json_object_set_new(j, "expected_at_end", codes(s->end_expect));
  json_t *mm = json_array();
  for (int i = 0; i < r->nmm; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "step", r->mm[i].step ? json_integer(r->mm[i].step) : json_null());
    json_object_set_new(o, "line", r->mm[i].line ? json_integer(r->mm[i].line) : json_null());
    json_object_set_new(o, "what", str(r->mm[i].what));
    json_object_set_new(o, "expected", str(r->mm[i].expected));
    json_object_set_new(o, "got", str(r->mm[i].got));
    json_array_append_new(mm, o);
  }
  json_object_set_new(j, "mismatches", mm);
  json_t *san = json_array();
  for (int i = 0; i < r->nsan; i++) {
    const san_finding *f = &r->san[i];
    json_t *o = json_object();
    json_object_set_new(o, "tool", str(f->tool));
    json_object_set_new(o, "kind", str(f->kind));
    json_object_set_new(o, "summary", str(f->summary));
    json_t *frames = json_array();
    for (const char *p = f->frames; p && *p;) {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t)(nl - p) : strlen(p);
      json_t *frame = json_stringn(p, len);
      json_array_append_new(frames, frame ? frame : json_null());
      p += len + (nl ? 1 : 0);
    }
    json_object_set_new(o, "frames", frames);
    json_object_set_new(o, "step", f->step ? json_integer(f->step) : json_null());
    json_object_set_new(o, "line", f->step && f->step <= s->nsteps ? json_integer(s->steps[f->step - 1].line) : json_null());
    json_object_set_new(o, "isolate", str(f->isolate));
    json_object_set_new(o, "report", str(f->text));
    json_array_append_new(san, o);
  }
  json_object_set_new(j, "sanitizer", san);
  span *sp;
  int nsp = spans_compute(r, &sp);
  json_t *spans_j = json_array();
  for (int i = 0; i < nsp; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(span_kind_name(sp[i].kind)));
    json_object_set_new(o, "thread", str(sp[i].thread));
    json_object_set_new(o, "name", str(sp[i].name));
    json_object_set_new(o, "from", json_integer(sp[i].from));
    json_object_set_new(o, "to", json_integer(sp[i].to));
    json_object_set_new(o, "open", json_boolean(sp[i].open));
    json_array_append_new(spans_j, o);
  }
  free(sp);
  json_object_set_new(j, "spans", spans_j);
  handoff *ho;
  int nho = handoffs_compute(r, &ho);
  json_t *ho_j = json_array();
  for (int i = 0; i < nho; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "what", json_string(ho[i].what));
    json_object_set_new(o, "isolate", str(ho[i].isolate));
    json_object_set_new(o, "from", json_integer(ho[i].from));
    json_object_set_new(o, "to", json_integer(ho[i].to));
    json_array_append_new(ho_j, o);
  }
  free(ho);
  json_object_set_new(j, "handoffs", ho_j);
  json_object_set_new(j, "source", str(s->text));
  json_object_set_new(j, "sanitizer_log", str(r->san_log));
  json_object_set_new(j, "stderr", str(r->child_stderr));
  return j;
}

int report_dump_atomic(struct json_t *root, const char *path, size_t flags) {
  size_t tl = strlen(path) + 32;
  char *tmp = malloc(tl);
  if (!tmp) {
    errno = ENOMEM;
    return -1;
  }
  snprintf(tmp, tl, "%s.tmp.%ld", path, (long)getpid());
  int rc = json_dump_file(root, tmp, flags);
  if (rc == 0 && rename(tmp, path) != 0) rc = -1;
  if (rc != 0) {
    int e = errno;
    unlink(tmp);
    errno = e ? e : EIO;
  }
  free(tmp);
  return rc;
}

int report_write_json(const char *path, report *const *reports, int n) {
  json_t *root = json_object();
  int passed = 0, failed = 0, skipped = 0;
  json_t *arr = json_array();
  for (int i = 0; i < n; i++) {
    json_array_append_new(arr, report_scenario_json(reports[i]));
    if (reports[i]->skipped) skipped++;
    else if (reports[i]->met) passed++;
    else failed++;
  }
  json_object_set_new(root, "format", json_integer(1));
  json_object_set_new(root, "isoreplay", json_string(ISOREPLAY_VERSION));
  json_object_set_new(root, "scenarios", arr);
  json_t *sum = json_object();
  json_object_set_new(sum, "passed", json_integer(passed));
  json_object_set_new(sum, "failed", json_integer(failed));
  json_object_set_new(sum, "skipped", json_integer(skipped));
  json_object_set_new(root, "summary", sum);
  int rc = report_dump_atomic(root, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
  json_decref(root);
  return rc;
}
