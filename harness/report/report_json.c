/* report_json.c — reports as JSON (docs/report-format.md), built with jansson, whose
 * encoder does the escaping of untrusted text (titles, scripts, V8 and sanitizer output).
 * Every value and every insertion is checked: a document that ran out of memory halfway
 * is never written (fail closed). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "json_build.h"
#include "outfile.h"
#include "report_out.h"
#include "spans.h"

#ifndef ISOREPLAY_VERSION
#define ISOREPLAY_VERSION "0"
#endif

static json_t *str_or_null(const char *s) { return s && *s ? jb_str(s) : json_null(); }
static json_t *int_or_null(int have, long v) { return have ? json_integer(v) : json_null(); }

static json_t *codes(jb *b, unsigned set) {
  json_t *a = json_array();
  for (int c = 0; c < CK_CODE_COUNT; c++)
    if (set & (1u << c)) jb_append(b, a, json_string(ck_code_name((ck_code)c)));
  return a;
}

static json_t *strings(jb *b, char **v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) jb_append(b, a, jb_str(v[i]));
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

/* The stable, machine-readable name of an ending (ending.kind). */
static const char *ending_key(rep_ending e) {
  switch (e) {
    case ENDING_CLEAN: return "clean";
    case ENDING_DEADLOCK: return "deadlock";
    case ENDING_FATAL: return "v8-fatal";
    case ENDING_SIGNAL: return "signal";
    case ENDING_EXIT: return "exit";
    case ENDING_TIMEOUT: return "timeout";
    case ENDING_SANITIZER: return "sanitizer";
    case ENDING_MEMORY: return "memory-limit";
    case ENDING_KILLED: return "killed";
    case ENDING_ERROR: return "internal-error";
  }
  return "?";
}

static const char *mismatch_key(rep_mismatch_kind k) {
  switch (k) {
    case MM_ENDING: return "ending";
    case MM_VIOLATIONS: return "violations";
    case MM_END_VIOLATIONS: return "end-violations";
    case MM_RESULT: return "result";
    case MM_CHECK_CURRENT: return "check-current";
    case MM_SANITIZER: return "sanitizer";
    case MM_NOT_REACHED: return "not-reached";
  }
  return "?";
}

static json_t *result_json(jb *b, const rep_step *rs) {
  if (!rs->ended || !run_name(rs->run)) return json_null();
  json_t *res = json_object();
  jb_put(b, res, "outcome", json_string(run_name(rs->run)));
  jb_put(b, res, "text", jb_strn(rs->text, rs->text_len));
  return res;
}

/* A step's place among blocks: the block it opens (its `}` step), the block it closes
 * (its opener), the innermost block that holds it; null when it is in none. */
static json_t *block_json(jb *b, const scn_step *st) {
  if (!st->opens_block && st->block_open < 0 && st->block_parent < 0) return json_null();
  json_t *j = json_object();
  jb_put(b, j, "opens_until", st->opens_block ? json_integer(st->block_end + 1) : json_null());
  jb_put(b, j, "closes", st->block_open >= 0 ? json_integer(st->block_open + 1) : json_null());
  jb_put(b, j, "inside", st->block_parent >= 0 ? json_integer(st->block_parent + 1) : json_null());
  return j;
}

static json_t *step_json(jb *b, const report *r, int i) {
  const scn_step *st = &r->s->steps[i];
  const rep_step *rs = &r->steps[i];
  json_t *j = json_object();
  jb_put(b, j, "index", json_integer(i + 1));
  jb_put(b, j, "line", json_integer(st->line));
  jb_put(b, j, "thread", jb_str(st->thread));
  jb_put(b, j, "task", jb_str(st->task));
  jb_put(b, j, "op", json_string(st->op == CK_CHECK_CURRENT ? "check current" : ck_op_name(st->op)));
  jb_put(b, j, "isolate", jb_str(st->op == CK_CHECK_CURRENT ? st->check_target : st->isolate));
  jb_put(b, j, "context", jb_str(st->context));
  jb_put(b, j, "context_of", jb_str(st->context_of));
  jb_put(b, j, "handle", jb_str(st->handle));
  jb_put(b, j, "sync", jb_str(st->sync));
  jb_put(b, j, "js", jb_str(st->js));
  jb_put(b, j, "background", json_boolean(st->background));
  jb_put(b, j, "block", block_json(b, st));
  jb_put(b, j, "reached", json_boolean(rs->started));
  jb_put(b, j, "block_not_reached", str_or_null(rs->unreached));
  jb_put(b, j, "start_us", rs->started ? json_real(rs->t_start_us) : json_null());
  jb_put(b, j, "end_us", rs->ended ? json_real(rs->t_end_us) : json_null());
  jb_put(b, j, "status", rs->ended ? json_string(v8p_status_name(rs->status)) : json_null());
  jb_put(b, j, "executed", json_boolean(rs->ended && rs->executed));
  jb_put(b, j, "real_current", rs->ended && !r->dry_run ? jb_str(rs->real) : json_null());
  jb_put(b, j, "ideal_current", rs->ended ? jb_str(rs->ideal) : json_null());
  jb_put(b, j, "result", result_json(b, rs));
  jb_put(b, j, "note", str_or_null(rs->note));
  jb_put(b, j, "expected_violations", codes(b, scn_codes_for(r->s, st, report_v8(r))));
  jb_put(b, j, "violations", codes(b, rs->got));
  return j;
}

static json_t *ending_json(jb *b, const report *r) {
  const scenario *s = r->s;
  json_t *j = json_object();
  int has_exit = !r->dry_run && (r->ending == ENDING_CLEAN || r->ending == ENDING_EXIT || r->ending == ENDING_SANITIZER ||
                                 r->ending == ENDING_DEADLOCK);
  jb_put(b, j, "kind", json_string(r->dry_run && r->ending != ENDING_ERROR ? "dry-run" : ending_key(r->ending)));
  jb_put(b, j, "exit_code", int_or_null(has_exit, r->exit_code));
  jb_put(b, j, "signal", r->signal ? json_string(report_signal_name(r->signal)) : json_null());
  jb_put(b, j, "fatal", jb_str(r->fatal));
  jb_put(b, j, "deadlock", jb_str(r->deadlock));
  jb_put(b, j, "where", strings(b, r->where, r->nwhere));
  jb_put(b, j, "peak_rss_bytes", int_or_null(!r->dry_run, r->peak_rss));
  jb_put(b, j, "memory_limit_bytes", int_or_null(!r->dry_run && r->memory_limit, r->memory_limit));
  const scn_end_expect *e = scn_end_for(s, report_v8(r));
  jb_put(b, j, "expected", json_string(e->kind == SCN_END_CLEAN ? "clean" : e->kind == SCN_END_FATAL ? "fatal" : "signal"));
  jb_put(b, j, "expected_text", e->kind == SCN_END_FATAL ? jb_str(e->text)
                             : e->kind == SCN_END_SIGNAL ? json_string(scn_signal_name(e->signal)) : json_null());
  return j;
}

static json_t *violations_json(jb *b, const report *r) {
  const scenario *s = r->s;
  json_t *vs = json_array();
  for (size_t i = 0; i < r->nv; i++) {
    const rep_violation *v = &r->v[i];
    int at_end = v->step > s->nsteps;
    json_t *o = json_object();
    jb_put(b, o, "code", json_string(ck_code_name(v->code)));
    jb_put(b, o, "severity", json_string(ck_severity_name(ck_code_severity(v->code))));
    jb_put(b, o, "step", int_or_null(!at_end, v->step));
    jb_put(b, o, "at_end", json_boolean(at_end));
    jb_put(b, o, "line", int_or_null(!at_end, at_end ? 0 : s->steps[v->step - 1].line));
    jb_put(b, o, "thread", str_or_null(v->thread));
    jb_put(b, o, "task", str_or_null(v->task));
    jb_put(b, o, "isolate", str_or_null(v->isolate));
    jb_put(b, o, "message", jb_str(v->message));
    jb_put(b, o, "fix", json_string(ck_code_fix(v->code)));
    jb_append(b, vs, o);
  }
  return vs;
}

static json_t *mismatches_json(jb *b, const report *r) {
  json_t *mm = json_array();
  for (size_t i = 0; i < r->nmm; i++) {
    const rep_mismatch *m = &r->mm[i];
    int coded = m->kind == MM_VIOLATIONS || m->kind == MM_END_VIOLATIONS;
    json_t *o = json_object();
    jb_put(b, o, "kind", json_string(mismatch_key(m->kind)));
    jb_put(b, o, "step", int_or_null(m->step, m->step));
    jb_put(b, o, "line", int_or_null(m->line, m->line));
    jb_put(b, o, "what", jb_str(m->what));
    jb_put(b, o, "expected", jb_str(m->expected));
    jb_put(b, o, "got", jb_str(m->got));
    jb_put(b, o, "expected_codes", coded ? codes(b, m->want_codes) : json_null());
    jb_put(b, o, "got_codes", coded ? codes(b, m->got_codes) : json_null());
    jb_append(b, mm, o);
  }
  return mm;
}

/* A finding's frames, one string per line. */
static json_t *frames_json(jb *b, const char *frames) {
  json_t *a = json_array();
  for (const char *p = frames; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    jb_append(b, a, jb_strn(p, len));
    p += len + (nl ? 1 : 0);
  }
  return a;
}

static json_t *sanitizer_json(jb *b, const report *r) {
  const scenario *s = r->s;
  json_t *san = json_array();
  for (int i = 0; i < r->nsan; i++) {
    const san_finding *f = &r->san[i];
    json_t *o = json_object();
    jb_put(b, o, "tool", jb_str(f->tool));
    jb_put(b, o, "kind", jb_str(f->kind));
    jb_put(b, o, "summary", jb_str(f->summary));
    jb_put(b, o, "frames", frames_json(b, f->frames));
    jb_put(b, o, "step", int_or_null(f->step, f->step));
    jb_put(b, o, "line", int_or_null(f->step && f->step <= s->nsteps, f->step && f->step <= s->nsteps ? s->steps[f->step - 1].line : 0));
    jb_put(b, o, "isolate", jb_str(f->isolate));
    jb_put(b, o, "report", jb_str(f->text));
    jb_append(b, san, o);
  }
  return san;
}

static json_t *spans_json(jb *b, const report *r) {
  span *sp;
  int nsp = spans_compute(r, &sp);
  if (nsp < 0) return NULL;
  json_t *a = json_array();
  for (int i = 0; i < nsp; i++) {
    json_t *o = json_object();
    jb_put(b, o, "kind", json_string(span_kind_name(sp[i].kind)));
    jb_put(b, o, "thread", jb_str(sp[i].thread));
    jb_put(b, o, "name", jb_str(sp[i].name));
    jb_put(b, o, "from", json_integer(sp[i].from));
    jb_put(b, o, "to", json_integer(sp[i].to));
    jb_put(b, o, "open", json_boolean(sp[i].open));
    jb_append(b, a, o);
  }
  free(sp);
  return a;
}

static json_t *handoffs_json(jb *b, const report *r) {
  handoff *ho;
  int nho = handoffs_compute(r, &ho);
  if (nho < 0) return NULL;
  json_t *a = json_array();
  for (int i = 0; i < nho; i++) {
    json_t *o = json_object();
    jb_put(b, o, "what", json_string(ho[i].what));
    jb_put(b, o, "isolate", jb_str(ho[i].isolate));
    jb_put(b, o, "from", json_integer(ho[i].from));
    jb_put(b, o, "to", json_integer(ho[i].to));
    jb_append(b, a, o);
  }
  free(ho);
  return a;
}

static json_t *build_json(jb *b) {
  json_t *j = json_object();
  jb_put(b, j, "flavor", json_string(iso_build_flavor()));
  jb_put(b, j, "flags", json_string(iso_build_flags()));
  jb_put(b, j, "sanitizer_defaults", json_string(iso_sanitizer_defaults()));
  return j;
}

/* The runtime a replay ran on ({name, origin, node}), or null for a dry run. */
static json_t *runtime_json(jb *b, const runtime *rt) {
  if (!rt) return json_null();
  json_t *o = json_object();
  jb_put(b, o, "name", jb_str(rt->name));
  jb_put(b, o, "origin", jb_str(rt->origin));
  jb_put(b, o, "node", jb_str(rt->node));
  return o;
}

static const char *outcome(const report *r) {
  return r->internal ? "error" : r->skipped ? "skipped" : r->met ? "passed" : "failed";
}

/* One scenario's report: the element of "scenarios". */
static json_t *scenario_json(jb *b, report *r) {
  const scenario *s = r->s;
  json_t *j = json_object();
  jb_put(b, j, "file", jb_str(s->path));
  jb_put(b, j, "title", jb_str(s->title));
  jb_put(b, j, "sources", strings(b, s->sources, (size_t)s->nsources));
  jb_put(b, j, "tags", strings(b, s->tags, (size_t)s->ntags));
  jb_put(b, j, "model", json_string(s->model == CK_MODEL_RUSTY_V8 ? "rusty_v8" : "v8"));
  jb_put(b, j, "v8_version", jb_str(r->v8_version ? r->v8_version : r->rt ? r->rt->v8_version : NULL));
  jb_put(b, j, "runtime", runtime_json(b, r->rt));
  jb_put(b, j, "flavor", jb_str(r->flavor));
  jb_put(b, j, "build", build_json(b));
  jb_put(b, j, "mode", json_string(r->dry_run ? "dry-run" : "real"));
  jb_put(b, j, "outcome", json_string(outcome(r)));
  jb_put(b, j, "internal_error", jb_str(r->internal));
  jb_put(b, j, "error_kind", !r->internal ? json_null() : json_string(r->runtime_unavailable ? "runtime-unavailable" : "internal"));
  jb_put(b, j, "skip_reason", r->skipped ? jb_str(r->skip_reason) : json_null());
  jb_put(b, j, "expectations_met", json_boolean(r->met));
  jb_put(b, j, "verdicts_match_dry_run", r->dry_compared ? json_boolean(r->dry_agrees) : json_null());
  jb_put(b, j, "wall_ms", json_real(r->wall_ms));
  if (r->skipped) return j;
  json_t *steps = json_array();
  for (int i = 0; i < s->nsteps; i++) jb_append(b, steps, step_json(b, r, i));
  jb_put(b, j, "ending", ending_json(b, r));
  jb_put(b, j, "steps", steps);
  jb_put(b, j, "violations", violations_json(b, r));
  jb_put(b, j, "expected_at_end", codes(b, scn_codes_for(s, NULL, report_v8(r))));
  jb_put(b, j, "mismatches", mismatches_json(b, r));
  jb_put(b, j, "sanitizer", sanitizer_json(b, r));
  jb_put(b, j, "spans", spans_json(b, r));
  jb_put(b, j, "handoffs", handoffs_json(b, r));
  jb_put(b, j, "source", jb_strn(s->text, s->text_len));
  jb_put(b, j, "sanitizer_log", jb_str(r->san_log));
  jb_put(b, j, "stderr", jb_str(r->child_stderr));
  return j;
}

char *report_json_text(report *const *reports, int n) {
  jb b = {0};
  json_t *root = json_object(), *arr = json_array(), *sum = json_object();
  int counts[4] = {0};  /* passed, failed, skipped, error */
  for (int i = 0; i < n; i++) {
    jb_append(&b, arr, scenario_json(&b, reports[i]));
    const char *o = outcome(reports[i]);
    counts[!strcmp(o, "failed") ? 1 : !strcmp(o, "skipped") ? 2 : !strcmp(o, "error") ? 3 : 0]++;
  }
  jb_put(&b, root, "format", json_integer(1));
  jb_put(&b, root, "isoreplay", json_string(ISOREPLAY_VERSION));
  jb_put(&b, root, "scenarios", arr);
  jb_put(&b, sum, "passed", json_integer(counts[0]));
  jb_put(&b, sum, "failed", json_integer(counts[1]));
  jb_put(&b, sum, "skipped", json_integer(counts[2]));
  jb_put(&b, sum, "errors", json_integer(counts[3]));
  jb_put(&b, root, "summary", sum);
  return jb_finish(&b, root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
}

int report_write_json(const char *path, report *const *reports, int n, iso_err *err) {
  char *text = report_json_text(reports, n);
  if (!text) return iso_fail(err, ISO_ERR_NOMEM, "out of memory building %s", path);
  int rc = outfile_write(path, text, strlen(text), err);
  free(text);
  return rc;
}
