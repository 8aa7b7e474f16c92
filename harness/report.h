/* report.h — what one replay of one scenario produced, built from the protocol lines
 * (records.h), plus how the child ended and whether the expectations were met. */
#ifndef ISOREPLAY_REPORT_H
#define ISOREPLAY_REPORT_H

#include "sanitizer.h"
#include "scenario.h"
#include "v8probe.h"

typedef struct rep_violation {
  ck_code code;
  int step;               /* 1-based; nsteps+1 for the end of the scenario */
  char *thread, *task, *isolate, *message;
} rep_violation;

typedef struct rep_step {
  int started, ended;
  double t_start_us, t_end_us;
  v8p_status status;
  int executed;
  char *real, *ideal;     /* current isolate after the step ("" when not observed) */
  v8p_run_outcome run;
  char *text, *note;
  unsigned got;           /* bit set of codes raised at this step */
  int reached;            /* 0: after the replay ended early */
} rep_step;

typedef enum rep_ending {
  ENDING_CLEAN,           /* the replay finished every step (Z done) */
  ENDING_DEADLOCK,        /* the scheduler found a step that can never proceed */
  ENDING_FATAL,           /* V8 fatal error (the process died after it) */
  ENDING_SIGNAL,          /* killed by a signal (a crash) */
  ENDING_EXIT,            /* exited early with a status */
  ENDING_TIMEOUT,         /* killed at the scenario's timeout */
  ENDING_SANITIZER        /* a sanitizer stopped it (it reports a signal or exit 1) */
} rep_ending;

typedef struct rep_mismatch {
  int step;               /* 0: not tied to a step */
  int line;
  char *what;             /* e.g. "violations at step 5 (w1: drop A)" */
  char *expected, *got;
} rep_mismatch;

typedef struct report {
  const scenario *s;
  int dry_run;
  const char *flavor;
  char *v8_version;
  rep_step *steps;
  rep_violation *v;
  int nv;
  char *fatal;            /* V8's fatal message: "location: message" */
  char *deadlock;
  char **where;           /* "thread: where" lines at a deadlock or timeout */
  int nwhere;
  int finished;           /* Z seen */
  rep_ending ending;
  int exit_code, signal;
  char *child_stderr;
  san_finding *san;       /* sanitizer findings, attributed to steps where possible */
  int nsan;
  char *san_log;          /* the sanitizer log file read, if log_path was set */
  char **attrib;          /* T records: "step\tisolate\tsummary" in arrival order */
  int nattrib;
  double wall_ms;
  int met;                /* 1 when every expectation is met */
  rep_mismatch *mm;
  int nmm;
  int skipped;
  const char *skip_reason;
} report;

report *report_new(const scenario *s, int dry_run, const char *flavor);
void report_free(report *r);
/* Applies one protocol line (modified in place). Unknown lines are ignored. */
void report_apply(report *r, char *line);
/* Sets the ending from the child's wait status, V8's fatal text in its stderr, and the
 * sanitizer findings (read them first with report_read_sanitizer); timed_out when the
 * parent killed it at the timeout. */
void report_set_ending(report *r, int wait_status, int timed_out, const char *err_text);
/* Reads sanitizer findings from the child's stderr and, when the sanitizer options set
 * log_path, from log_path.PID; attributes them to steps (call before report_check). */
void report_read_sanitizer(report *r, const char *err, int child_pid);
/* Compares the replay against the scenario's expectations; fills met and mismatches. */
void report_check(report *r);
/* A short phrase for the ending: "exit 0", "killed by SIGSEGV", "V8 fatal error", ... */
const char *report_ending_name(rep_ending e);
/* "w1: drop A" into buf. */
const char *report_step_label(const scn_step *st, char *buf, size_t n);

#endif
