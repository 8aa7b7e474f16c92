/* report_trace.c — a replay as a Chrome Trace Event file, for Perfetto and
 * chrome://tracing: a process per runtime replayed, one named track per thread with a slice per step; async slices for
 * isolates entered and Lockers held (they may overlap out of order, which is the point);
 * instant events for violations; flow arrows for cross-thread handoffs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_build.h"
#include "outfile.h"
#include "report_out.h"
#include "spans.h"

/* The track of a step's thread: threads numbered from 1 by first appearance. */
static int tid_of(const report *r, int step) { return step >= 1 && step <= r->s->nsteps ? r->thread_of[step - 1] + 1 : 0; }

/* A step's start and end in microseconds (a step V8 never returned from ends 1 us on). */
static double t_start(const report *r, int step) { return r->steps[step - 1].t_start_us; }
static double t_end(const report *r, int step) {
  const rep_step *st = &r->steps[step - 1];
  return st->ended && st->t_end_us > st->t_start_us ? st->t_end_us : st->t_start_us + 1;
}

static json_t *event(jb *b, int pid, const char *ph, const char *name, const char *cat, int tid, double ts) {
  json_t *e = json_object();
  jb_put(b, e, "ph", json_string(ph));
  jb_put(b, e, "name", jb_str(name ? name : ""));
  if (cat) jb_put(b, e, "cat", json_string(cat));
  jb_put(b, e, "pid", json_integer(pid));
  jb_put(b, e, "tid", json_integer(tid));
  jb_put(b, e, "ts", json_real(ts));
  return e;
}

static json_t *metadata(jb *b, int pid, const char *what, int tid, const char *name) {
  json_t *e = json_object(), *a = json_object();
  jb_put(b, e, "ph", json_string("M"));
  jb_put(b, e, "name", json_string(what));
  jb_put(b, e, "pid", json_integer(pid));
  jb_put(b, e, "tid", json_integer(tid));
  jb_put(b, a, "name", jb_str(name));
  jb_put(b, e, "args", a);
  return e;
}

static void add_names(jb *b, json_t *ev, const report *r, int pid) {
  char name[400];
  snprintf(name, sizeof name, "isoreplay: %s (V8 %s)", r->s->title, r->dry_run ? "dry run" : r->v8_version ? r->v8_version : "?");
  jb_append(b, ev, metadata(b, pid, "process_name", 0, name));
  for (int t = 0; t < r->nthreads; t++) jb_append(b, ev, metadata(b, pid, "thread_name", t + 1, r->thread_names[t]));
}

static void add_steps(jb *b, json_t *ev, const report *r, int pid) {
  for (int i = 0; i < r->s->nsteps; i++) {  /* a slice per reached step */
    const scn_step *st = &r->s->steps[i];
    const rep_step *rs = &r->steps[i];
    if (!rs->started) continue;
    char label[256];
    report_step_label(st, label, sizeof label);
    json_t *e = event(b, pid, "X", strchr(label, ':') + 2, "step", tid_of(r, i + 1), rs->t_start_us), *a = json_object();
    jb_put(b, e, "dur", json_real(t_end(r, i + 1) - rs->t_start_us));
    jb_put(b, a, "step", json_integer(i + 1));
    jb_put(b, a, "line", json_integer(st->line));
    if (st->task) jb_put(b, a, "task", jb_str(st->task));
    if (rs->ended && !r->dry_run) jb_put(b, a, "real_current", jb_str(rs->real ? rs->real : ""));
    if (rs->ended) jb_put(b, a, "ideal_current", jb_str(rs->ideal ? rs->ideal : ""));
    if (!rs->ended) jb_put(b, a, "returned", json_false());
    jb_put(b, e, "args", a);
    jb_append(b, ev, e);
  }
}

static void add_spans(jb *b, json_t *ev, const report *r, int pid) {
  span *sp;
  int nsp = spans_compute(r, &sp);
  if (nsp < 0) b->failed = 1;
  for (int i = 0; i < nsp; i++) {  /* async slices: entered and locked may overlap */
    if (sp[i].kind != SPAN_ENTERED && sp[i].kind != SPAN_LOCKED) continue;
    char name[300];
    snprintf(name, sizeof name, "%s %s on %s", sp[i].name, span_kind_name(sp[i].kind), sp[i].thread);
    for (int phase = 0; phase < 2; phase++) {
      json_t *e = event(b, pid, phase ? "e" : "b", name, span_kind_name(sp[i].kind), tid_of(r, sp[i].from),
                        phase ? t_end(r, sp[i].to) : t_start(r, sp[i].from));
      jb_put(b, e, "id", json_integer((json_int_t)pid * 1000000 + i + 1));  /* unique across processes */
      jb_append(b, ev, e);
    }
  }
  if (nsp >= 0) free(sp);
}

/* The latest end of any reached step: where the end-of-scenario violations go. */
static double last_end(const report *r) {
  double ts = 0;
  for (int k = 0; k < r->s->nsteps; k++)
    if (r->steps[k].started && t_end(r, k + 1) > ts) ts = t_end(r, k + 1);
  return ts;
}

static void add_violations(jb *b, json_t *ev, const report *r, int pid) {
  double end = last_end(r);
  for (size_t i = 0; i < r->nv; i++) {  /* an instant per violation, on its thread */
    const rep_violation *v = &r->v[i];
    int step = v->step <= r->s->nsteps ? v->step : 0, tid = tid_of(r, step);
    double ts = step && r->steps[step - 1].started ? t_start(r, step) : end;
    json_t *e = event(b, pid, "i", ck_code_name(v->code), "violation", tid, ts), *a = json_object();
    jb_put(b, e, "s", json_string(tid ? "t" : "p"));
    jb_put(b, a, "message", jb_str(v->message ? v->message : ""));
    jb_put(b, a, "fix", json_string(ck_code_fix(v->code)));
    jb_put(b, e, "args", a);
    jb_append(b, ev, e);
  }
}

static void add_handoffs(jb *b, json_t *ev, const report *r, int pid) {
  handoff *ho;
  int nho = handoffs_compute(r, &ho);
  if (nho < 0) b->failed = 1;
  for (int i = 0; i < nho; i++) {  /* flow arrows between the two threads' slices */
    double from = t_start(r, ho[i].from) + (t_end(r, ho[i].from) - t_start(r, ho[i].from)) / 2;
    double to = t_start(r, ho[i].to);
    if (to < from) to = from;  /* a terminate lands in a run that started earlier */
    if (to > t_end(r, ho[i].to)) to = t_end(r, ho[i].to);
    char name[300];
    snprintf(name, sizeof name, "%s %s", ho[i].what, ho[i].isolate);
    json_t *s = event(b, pid, "s", name, "handoff", tid_of(r, ho[i].from), from);
    json_t *f = event(b, pid, "f", name, "handoff", tid_of(r, ho[i].to), to);
    jb_put(b, s, "id", json_integer((json_int_t)pid * 1000000 + i + 1));
    jb_put(b, f, "id", json_integer((json_int_t)pid * 1000000 + i + 1));
    jb_put(b, f, "bp", json_string("e"));
    jb_append(b, ev, s);
    jb_append(b, ev, f);
  }
  if (nho >= 0) free(ho);
}

int report_write_trace(const char *path, const report *const *reps, int nreps, iso_err *err) {
  jb b = {0};
  json_t *ev = json_array(), *root = json_object();
  for (int k = 0; k < nreps; k++) {  /* a process per runtime, side by side */
    add_names(&b, ev, reps[k], k + 1);
    add_steps(&b, ev, reps[k], k + 1);
    add_spans(&b, ev, reps[k], k + 1);
    add_violations(&b, ev, reps[k], k + 1);
    add_handoffs(&b, ev, reps[k], k + 1);
  }
  jb_put(&b, root, "traceEvents", ev);
  jb_put(&b, root, "displayTimeUnit", json_string("ms"));
  char *text = jb_finish(&b, root, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (!text) return iso_fail(err, ISO_ERR_NOMEM, "out of memory building %s", path);
  int rc = outfile_write(path, text, strlen(text), err);
  free(text);
  return rc;
}
