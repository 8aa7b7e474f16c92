/* report_run.c — one scenario run into its checked report: skipped, a dry run in this
 * process, or a real replay in a child process (harness/replay/child.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "report.h"
#include "strbuf.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Each record line, as it arrives, into the report (the line is ours to modify: the
 * child's reader and the dry run both hand over a buffer they no longer need). */
static void apply_record(void *ud, const char *line) { report_apply(ud, (char *)line); }  /* child.c's own buffer */

/* Where each thread stood when the parent killed the child: its last started step. */
static void note_where(report *r) {
  const scenario *s = r->s;
  for (int i = 0; i < s->nsteps && !r->nwhere; i++) {
    if (!r->steps[i].started || r->steps[i].ended) continue;
    char line[300];
    snprintf(line, sizeof line, "W\t%s\tstill in line %d (step %d): %s", s->steps[i].thread, s->steps[i].line, i + 1,
             ck_op_name(s->steps[i].op));
    report_apply(r, line);
  }
}

static void run_real(report *r, const run_opts *o) {
  const scenario *s = r->s;
  child_opts co = {o->rt, s->timeout_ms, o->memory_limit, apply_record, r};
  child_end end;
  double start = now_ms();
  r->memory_limit = o->memory_limit;
  if (child_replay(s, &co, &end)) {
    report_internal(r, end.message);
    r->ending = ENDING_ERROR;
    return;
  }
  r->wall_ms = now_ms() - start;
  report_read_sanitizer(r, end.err_text ? end.err_text : "", end.pid);
  if (!r->v8_version) {  /* the child died before it could say which V8 it runs: not a replay */
    char why[600];
    const char *err = end.err_text && *end.err_text ? end.err_text : "nothing on its stderr";
    snprintf(why, sizeof why, "the replay child for V8 %s never started: %.500s", o->rt ? o->rt->name : "?", err);
    report_internal(r, why);
    r->runtime_unavailable = 1;
  }
  report_set_ending(r, &end);
  if (end.timed_out || end.over_memory) note_where(r);
  child_end_free(&end);
}

/* The records of a dry run, copied: replay_emit hands over a const line. */
static void apply_copy(void *ud, const char *line) {
  strbuf b = {0};
  sb_puts(&b, line);
  char *copy = sb_take(&b);
  if (!copy) {
    report_internal(ud, "out of memory reading a record");
    return;
  }
  report_apply(ud, copy);
  free(copy);
}

static void run_dry(report *r) {
  double start = now_ms();
  replay_opts ro = {1, apply_copy, r};
  replay_end e = replay_run(r->s, &ro);
  r->wall_ms = now_ms() - start;
  if (e == REPLAY_FAILED) report_internal(r, "the dry run failed");
}

report *report_run(const scenario *s, const run_opts *o) {
  report *r = report_new(s, o->dry_run, o->flavor);
  if (!r) return NULL;
  r->rt = o->dry_run ? NULL : o->rt;
  const char *reason;
  if (scn_skipped(s, o->flavor, r->rt ? r->rt->v8 : -1, &reason)) {
    r->skipped = 1;
    r->skip_reason = reason;
    r->met = 1;
    return r;
  }
  if (o->dry_run) {
    run_dry(r);
  } else {
    run_real(r, o);
    report *dry = report_new(s, 1, o->flavor);
    if (!dry) report_internal(r, "out of memory for the dry run that checks the verdicts");
    else run_dry(dry);
    if (dry) report_agrees_with_dry(r, dry);
    report_free(dry);
  }
  report_check(r);
  return r;
}
