/* scenario.h — a parsed scenario (.scn): header directives and the flat list of steps
 * in global order, `repeat` blocks already expanded. See docs/scenario-language.md. */
#ifndef ISOREPLAY_SCENARIO_H
#define ISOREPLAY_SCENARIO_H

#include <stddef.h>

#include "checker.h"
#include "iso_err.h"

typedef enum scn_result {
  SCN_RESULT_ANY = 0,     /* no `=>`: any outcome is accepted and reported */
  SCN_RESULT_VALUE,       /* => "text": the result as a string equals text */
  SCN_RESULT_THROWS,      /* => throws "text": it threw and the message contains text */
  SCN_RESULT_TERMINATED   /* => terminated */
} scn_result;

typedef enum scn_end {
  SCN_END_CLEAN = 0,      /* expect-end clean (default) */
  SCN_END_FATAL,          /* expect-end fatal "prefix" */
  SCN_END_SIGNAL          /* expect-end signal SEGV */
} scn_end;

typedef struct scn_step {
  int line, col;          /* the step's line (in a repeat: the line of its template) */
  int op_col;
  int iteration_line;     /* line of the innermost repeat, 0 outside one */
  char *thread;
  char *task;             /* NULL without /TASK */
  ck_op op;
  char *isolate;          /* NULL for ops without one (and for check current) */
  int isolate_col;
  char *context;          /* context ... as NAME / run ... in NAME; NULL: "main" */
  char *check_target;     /* check current X: X; NULL for `check current none` */
  char *js;               /* run */
  scn_result result;
  char *result_text;
  size_t result_len;      /* bytes of result_text (a result may hold NUL bytes) */
  int background;         /* & */
  int has_expect;         /* a `!` was given (else: no violation expected) */
  unsigned expect;        /* bit set of ck_code */
} scn_step;

/* A directive that names a build flavor and a string: `skip` (the reason) and
 * `expect-sanitizer` (text a finding's kind or summary contains). */
typedef struct scn_flavor_note {
  char *flavor;           /* default, asan or tsan */
  char *text;
} scn_flavor_note;

typedef struct scenario {
  char *path;
  char *text;             /* the whole source, NUL-terminated */
  size_t text_len;
  struct scn_srcline { size_t at, len; } *lines;  /* line n at lines[n-1]: its offset in
                            text and length, without the newline (and a CR before it) */
  int nlines;
  char *title;
  char **sources;
  int nsources;
  ck_model model;
  char **tags;
  int ntags;
  long timeout_ms;        /* default 10000 */
  scn_end end;
  char *end_text;         /* fatal prefix */
  int end_signal;         /* signal number */
  int fatal_continue;     /* fatal-handler continue (extension) */
  scn_flavor_note *skips;
  int nskips;
  scn_flavor_note *sanitizers;  /* expect-sanitizer FLAVOR "text" (extension) */
  int nsanitizers;
  scn_step *steps;
  int nsteps;
  int has_end_expect;     /* a lone `! codes` line after the last step */
  unsigned end_expect;
  int end_expect_line;
} scenario;

/* Limits (docs/scenario-language.md, "Limits"): larger input is an error naming the
 * limit, never truncated. */
#define SCN_MAX_FILE_BYTES (4L << 20)     /* a scenario file */
#define SCN_MAX_LINE 4096                 /* a line */
#define SCN_MAX_STEPS 1000000             /* steps after expanding repeat blocks */
#define SCN_MAX_EXPANSION 4000000L        /* lines and iterations visited expanding them */
#define SCN_MAX_REPEAT 1000000L           /* the count of one repeat */
#define SCN_MAX_NESTING 32                /* repeat blocks inside each other */
#define SCN_MAX_LIVE_THREADS 1024         /* threads alive at once (first to last step) */

/* Reads and parses a file. On success returns 0 and *out; on bad input returns -1 and
 * fills err (kind ISO_ERR_INPUT) with `FILE:LINE:COL: error: message`, the line and a
 * caret; on an internal failure, another kind. Nothing is run. Never blocks on a FIFO
 * or a device: anything but a regular file is refused at once. */
int scn_load(const char *path, scenario **out, iso_err *err);
/* The same for text in memory (path names it in diagnostics). */
int scn_parse(const char *path, const char *text, size_t len, scenario **out, iso_err *err);
void scn_free(scenario *s);

/* 1-based text of a source line (without newline) and its length; NULL if out of range. */
const char *scn_line(const scenario *s, int line, size_t *len);
/* The name of a signal as the language spells it ("SEGV"), or NULL; and back (-1 when
 * the language has no such name). */
const char *scn_signal_name(int sig);
int scn_signal_number(const char *name);
/* 1 when the scenario says to skip this flavor; *reason gets the reason. */
int scn_skipped(const scenario *s, const char *flavor, const char **reason);

#endif
