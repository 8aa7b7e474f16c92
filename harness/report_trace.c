/* report_trace.c — a replay as a Chrome Trace Event file, for Perfetto and
 * chrome://tracing: one named track per thread with a slice per step; async slices for
 * isolates entered and Lockers held (they may overlap out of order, which is the point);
 * instant events for violations; flow arrows for cross-thread handoffs. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_out.h"
#include "spans.h"

enum { PID = 1 };

static int thread_id(const scenario *s, const char *name) {
  int id = 0;
  for (int i = 0; i < s->nsteps; i++) {
    int seen = 0;
    for (int k = 0; k < i && !seen; k++) seen = !strcmp(s->steps[k].thread, s->steps[i].thread);
    if (!seen) {
      id++;
      if (!strcmp(s->steps[i].thread, name)) return id;
    }
  }
  return 0;
}

/* A step's start and end in microseconds (a step V8 never returned from ends 1 us on). */
static double t_start(const report *r, int step) { return r->steps[step - 1].t_start_us; }
static double t_end(const report *r, int step) {
  const rep_step *st = &r->steps[step - 1];
  return st->ended && st->t_end_us > st->t_start_us ? st->t_end_us : st->t_start_us + 1;
}

static json_t *event(const char *ph, const char *name, const char *cat, int tid, double ts) {
  json_t *e = json_object();
  json_object_set_new(e, "ph", json_string(ph));
  json_object_set_new(e, "name", json_string(name ? name : ""));
  if (cat) json_object_set_new(e, "cat", json_string(cat));
  json_object_set_new(e, "pid", json_integer(PID));
  json_object_set_new(e, "tid", json_integer(tid));
  json_object_set_new(e, "ts", json_real(ts));
  return e;
}

static json_t *metadata(const char *what, int tid, const char *name) {
  json_t *e = json_object();
  json_object_set_new(e, "ph", json_string("M"));
  json_object_set_new(e, "name", json_string(what));
  json_object_set_new(e, "pid", json_integer(PID));
  json_object_set_new(e, "tid", json_integer(tid));
  json_t *a = json_object();
  json_object_set_new(a, "name", json_string(name));
  json_object_set_new(e, "args", a);
  return e;
}

int report_write_trace(const char *path, const report *r) {
  const scenario *s = r->s;
  json_t *ev = json_array();
  char name[300];
  snprintf(name, sizeof name, "isoreplay: %s", s->title);
  json_array_append_new(ev, metadata("process_name", 0, name));
  for (int i = 0; i < s->nsteps; i++) {
    int tid = thread_id(s, s->steps[i].thread), first = 1;
    for (int k = 0; k < i && first; k++) first = strcmp(s->steps[k].thread, s->steps[i].thread) != 0;
    if (first) json_array_append_new(ev, metadata("thread_name", tid, s->steps[i].thread));
  }
  for (int i = 0; i < s->nsteps; i++) {  /* a slice per reached step */
    const scn_step *st = &s->steps[i];
    const rep_step *rs = &r->steps[i];
    if (!rs->started) continue;
    char label[256];
    report_step_label(st, label, sizeof label);
    json_t *e = event("X", strchr(label, ':') + 2, "step", thread_id(s, st->thread), rs->t_start_us);
    json_object_set_new(e, "dur", json_real(t_end(r, i + 1) - rs->t_start_us));
    json_t *a = json_object();
    json_object_set_new(a, "step", json_integer(i + 1));
    json_object_set_new(a, "line", json_integer(st->line));
    if (st->task) json_object_set_new(a, "task", json_string(st->task));
    if (rs->ended && !r->dry_run) json_object_set_new(a, "real_current", json_string(rs->real ? rs->real : ""));
    if (rs->ended) json_object_set_new(a, "ideal_current", json_string(rs->ideal ? rs->ideal : ""));
    if (!rs->ended) json_object_set_new(a, "returned", json_false());
    json_object_set_new(e, "args", a);
    json_array_append_new(ev, e);
  }
  span *sp;
  int nsp = spans_compute(r, &sp);
  for (int i = 0; i < nsp; i++) {  /* async slices: entered and locked may overlap */
    if (sp[i].kind != SPAN_ENTERED && sp[i].kind != SPAN_LOCKED) continue;
    snprintf(name, sizeof name, "%s %s on %s", sp[i].name, span_kind_name(sp[i].kind), sp[i].thread);
    int tid = thread_id(s, sp[i].thread);
    for (int phase = 0; phase < 2; phase++) {
      json_t *e = event(phase ? "e" : "b", name, span_kind_name(sp[i].kind), tid,
                        phase ? t_end(r, sp[i].to) : t_start(r, sp[i].from));
      json_object_set_new(e, "id", json_integer(i + 1));
      json_array_append_new(ev, e);
    }
  }
  free(sp);
  for (int i = 0; i < r->nv; i++) {  /* an instant per violation, on its thread */
    const rep_violation *v = &r->v[i];
    int step = v->step <= s->nsteps ? v->step : 0;
    int tid = v->thread && *v->thread ? thread_id(s, v->thread) : 0;
    double ts = step && r->steps[step - 1].started ? t_start(r, step) : 0;
    if (!step) {
      for (int k = 0; k < s->nsteps; k++)
        if (r->steps[k].started && t_end(r, k + 1) > ts) ts = t_end(r, k + 1);
    }
    json_t *e = event("i", ck_code_name(v->code), "violation", tid, ts);
    json_object_set_new(e, "s", json_string(tid ? "t" : "p"));
    json_t *a = json_object();
    json_object_set_new(a, "message", json_string(v->message ? v->message : ""));
    json_object_set_new(a, "fix", json_string(ck_code_fix(v->code)));
    json_object_set_new(e, "args", a);
    json_array_append_new(ev, e);
  }
  handoff *ho;
  int nho = handoffs_compute(r, &ho);
  for (int i = 0; i < nho; i++) {  /* flow arrows between the two threads' slices */
    double from = t_start(r, ho[i].from) + (t_end(r, ho[i].from) - t_start(r, ho[i].from)) / 2;
    double to = t_start(r, ho[i].to);
    if (to < from) to = from;  /* a terminate lands in a run that started earlier */
    if (to > t_end(r, ho[i].to)) to = t_end(r, ho[i].to);
    snprintf(name, sizeof name, "%s %s", ho[i].what, ho[i].isolate);
    json_t *a = event("s", name, "handoff", thread_id(s, s->steps[ho[i].from - 1].thread), from);
    json_t *b = event("f", name, "handoff", thread_id(s, s->steps[ho[i].to - 1].thread), to);
    json_object_set_new(a, "id", json_integer(i + 1));
    json_object_set_new(b, "id", json_integer(i + 1));
    json_object_set_new(b, "bp", json_string("e"));
    json_array_append_new(ev, a);
    json_array_append_new(ev, b);
  }
  free(ho);
  json_t *root = json_object();
  json_object_set_new(root, "traceEvents", ev);
  json_object_set_new(root, "displayTimeUnit", json_string("ms"));
  int rc = report_dump_atomic(root, path, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref(root);
  return rc;
}
