/* report.h — what one replay of one scenario produced, built from the protocol lines
 * (records.h) and how the child ended, and whether the expectations were met.
 *
 * Fail closed: anything that goes wrong inside isoreplay while the report is built (out
 * of memory, a record that cannot be read, the replay's own X record) sets `internal`,
 * and a report with `internal` set never passes (exit 3). */
#ifndef ISOREPLAY_REPORT_H
#define ISOREPLAY_REPORT_H

#include "child.h"
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
  char *text;             /* run: the value or the message (text_len bytes, NULs kept) */
  size_t text_len;
  char *note;
  unsigned got;           /* bit set of codes raised at this step */
  int reached;            /* 0: after the replay ended early */
  char *unreached;        /* an opener whose block never ran: why (N record), else NULL */
} rep_step;

typedef enum rep_ending {
  ENDING_CLEAN,           /* the replay finished every step (Z done) */
  ENDING_DEADLOCK,        /* the scheduler found a step that can never proceed */
  ENDING_FATAL,           /* V8 fatal error (the process died after it) */
  ENDING_SIGNAL,          /* killed by a signal of its own (a crash) */
  ENDING_EXIT,            /* exited early with a status */
  ENDING_TIMEOUT,         /* killed at the scenario's timeout */
  ENDING_SANITIZER,       /* a sanitizer stopped it (it reports a signal or exit 1) */
  ENDING_MEMORY,          /* killed at the memory limit */
  ENDING_KILLED,          /* killed from outside (OOM killer, a user's kill): not V8 */
  ENDING_ERROR            /* isoreplay itself failed (internal) */
} rep_ending;

/* What an expectation compared: the runner sorts mismatches by this, never by text. */
typedef enum rep_mismatch_kind {
  MM_ENDING, MM_VIOLATIONS, MM_END_VIOLATIONS, MM_RESULT, MM_CHECK_CURRENT, MM_SANITIZER,
  MM_NOT_REACHED          /* a block whose callback never ran: its steps did not run */
} rep_mismatch_kind;

typedef struct rep_mismatch {
  rep_mismatch_kind kind;
  int step;               /* 0: not tied to a step */
  int line;
  char *what;             /* e.g. "violations at step 5 (w1: drop A)" */
  char *expected, *got;
  unsigned want_codes, got_codes;  /* MM_VIOLATIONS and MM_END_VIOLATIONS */
} rep_mismatch;

typedef struct report {
  const scenario *s;
  int dry_run;
  const char *flavor;
  const runtime *rt;      /* the runtime it replayed on (NULL for a dry run) */
  char *v8_version;
  rep_step *steps;        /* nsteps + 1: the last is the end of the scenario */
  rep_violation *v;
  size_t nv, v_cap;
  char *fatal;            /* V8's fatal message: "location: message" */
  char *deadlock;
  char **where;           /* "thread: where" lines at a deadlock or timeout */
  size_t nwhere, where_cap;
  int finished;           /* Z seen */
  rep_ending ending;
  int exit_code, signal;
  long peak_rss, memory_limit;
  char *child_stderr;
  san_finding *san;       /* sanitizer findings, attributed to steps where possible */
  int nsan;
  char *san_log;          /* the sanitizer log file read, if log_path was set */
  char **attrib;          /* T records: "step\tisolate\tsummary" in arrival order */
  size_t nattrib, attrib_cap;
  double wall_ms;
  int met;                /* 1 when every expectation is met (never with internal) */
  rep_mismatch *mm;
  size_t nmm, mm_cap;
  int skipped;
  const char *skip_reason;
  char *internal;         /* why isoreplay itself failed, or NULL */
  int runtime_unavailable; /* with internal: the runtime's replay child never started */
  int dry_compared;       /* real runs: the verdicts were compared with a dry run's */
  int dry_agrees;         /* ... and they were the same (dry_agree.c) */
  int *thread_of;         /* by step: the thread's index by first appearance */
  const char **thread_names;
  int nthreads;
} report;

/* A report for s (NULL when out of memory). */
report *report_new(const scenario *s, int dry_run, const char *flavor);
void report_free(report *r);
/* Applies one protocol line (modified in place). A line that cannot be read marks the
 * report internal. */
void report_apply(report *r, char *line);
/* Marks the report failed inside isoreplay (keeps the first reason). */
void report_internal(report *r, const char *why);
/* How a real replay's child ended: its wait status, the timeout or memory limit that
 * killed it, V8's fatal text in its stderr, the sanitizer findings (read them first with
 * report_read_sanitizer). */
void report_set_ending(report *r, const child_end *end);
/* Reads sanitizer findings from the child's stderr and, when the sanitizer options set
 * log_path, from log_path.PID; attributes them to steps (call before report_check). */
void report_read_sanitizer(report *r, const char *err, int child_pid);
/* Compares the replay against the scenario's expectations; fills met and mismatches. */
void report_check(report *r);
/* Real runs: the checker's verdicts must equal those of a dry run of the same scenario
 * (steps the real replay reached; late codes and the end only when it finished; never
 * tls-divergence). A difference marks the report internal (a bug). Returns 1 when they
 * agree or cannot be compared (a block V8 never reached). */
int report_agrees_with_dry(report *real, const report *dry);
/* The signal a sanitizer finding reports catching ("SEGV on unknown address": SIGSEGV;
 * the sanitizer then exits with a status instead of dying by the signal), or 0. */
int report_finding_signal(const san_finding *f);
/* Any signal's name without "SIG" ("SEGV", "TERM"), for reports; "?" when unknown. */
const char *report_signal_name(int sig);
/* The V8 version the report's expectations are read for: SCN_V8(major, minor) of the
 * replay's V8, or -1 for a dry run (only what holds on every version applies). */
int report_v8(const report *r);
/* "w1: drop A" into buf. */
const char *report_step_label(const scn_step *st, char *buf, size_t n);

typedef struct run_opts {
  int dry_run;
  const char *flavor;     /* the build flavor, for `skip` and the report */
  long memory_limit;      /* bytes; 0: none (real runs) */
  const runtime *rt;      /* real runs: the V8 runtime to replay on */
} run_opts;

/* Runs one scenario and returns its checked report: a real replay in a child process,
 * or a dry run in this process. NULL only when out of memory. */
report *report_run(const scenario *s, const run_opts *o);

#endif
