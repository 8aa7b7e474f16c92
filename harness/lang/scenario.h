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

/* A V8 version condition (`[v8>=14.0]`, docs/scenario-language.md): the inclusive range
 * [lo, hi] of versions numbered SCN_V8(major, minor). */
typedef struct scn_cond { int lo, hi; } scn_cond;
#define SCN_V8(major, minor) ((major) * 1000 + (minor))
extern const scn_cond SCN_ALWAYS;

/* A `=> RESULT` of a run, maybe for some V8 versions only. */
typedef struct scn_expect_result {
  int conditional;        /* cond applies (else: where no conditional one does) */
  scn_cond cond;
  scn_result kind;
  char *text;             /* VALUE, THROWS: the text (len bytes; may hold NULs) */
  size_t len;
} scn_expect_result;

/* An `expect-end`, maybe for some V8 versions only. */
typedef struct scn_end_expect {
  int conditional;
  scn_cond cond;
  scn_end kind;
  char *text;             /* FATAL: the message's start */
  int signal;             /* SIGNAL: its number */
  int line;
} scn_end_expect;

/* An observation code in a `!` list with a condition: `tls-divergence[v8<14.0]`. */
typedef struct scn_cond_code { ck_code code; scn_cond cond; } scn_cond_code;

typedef struct scn_step {
  int line, col;          /* the step's line (in a repeat: the line of its template) */
  int op_col;
  int iteration_line;     /* line of the innermost repeat, 0 outside one */
  char *thread;
  char *task;             /* NULL without /TASK */
  ck_op op;
  char *isolate;          /* NULL for ops without one (and for check current); open,
                             reset, weak: the handle's isolate (filled by the parser) */
  int isolate_col;
  char *context;          /* context ... as NAME / run, global, persistent ... in NAME;
                             NULL: "main" */
  char *context_of;       /* run ... in NAME of Y: Y (NULL: the run's own isolate) */
  int context_of_col;
  char *handle;           /* global, persistent, open, reset, weak: the handle's name */
  int handle_col;
  char *sync;             /* spawn, join: a thread; send, recv: a channel; acquire,
                             release: a mutex */
  int sync_col;
  int opens_block;        /* run, gc: the line ends with `{` */
  int block_end;          /* an opener: the index of its `}` step (a CK_BLOCK_END step of
                             the opener's thread), else 0 */
  int block_open;         /* a `}` step: the index of its opener, else -1 */
  int block_parent;       /* the opener of the innermost block holding the step, or -1 */
  char *check_target;     /* check current X: X; NULL for `check current none` */
  char *js;               /* run */
  scn_expect_result *results;   /* run: the `=>` given, none: any outcome is accepted */
  int nresults;
  int check_conditional;  /* check current ... [cond]: checked only on those versions */
  scn_cond check_cond;
  int background;         /* & */
  int has_expect;         /* a `!` was given (else: no violation expected) */
  unsigned expect;        /* bit set of ck_code, on every version */
  scn_cond_code *cond_codes;    /* observation codes expected on some versions only */
  int ncond_codes;
} scn_step;

/* A directive that names a build flavor and a string: `skip` (the reason) and
 * `expect-sanitizer` (text a finding's kind or summary contains), maybe for some V8
 * versions only. */
typedef struct scn_flavor_note {
  char *flavor;           /* default, asan or tsan; NULL: every build (a skip with a condition) */
  char *text;
  int conditional;
  scn_cond cond;
  int line;
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
  scn_end_expect *ends;   /* expect-end lines: at most one unconditional (default: clean) */
  int nends;
  int fatal_continue;     /* fatal-handler continue (extension) */
  unsigned race_expect;   /* expect-race CODE, ... (extension): what explore must find */
  int race_expect_line;   /* its first line, 0 when none */
  scn_flavor_note *skips;
  int nskips;
  scn_flavor_note *sanitizers;  /* expect-sanitizer FLAVOR "text" (extension) */
  int nsanitizers;
  scn_step *steps;
  int nsteps;
  int has_end_expect;     /* a lone `! codes` line after the last step */
  unsigned end_expect;
  scn_cond_code *end_cond_codes;
  int nend_cond_codes;
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
#define SCN_MAX_BLOCK_NESTING 32          /* blocks ({ ... }) inside each other */

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
/* What the scenario expects on one V8 version (v8: SCN_V8(major, minor); -1 when unknown,
 * as in a dry run: then only what holds on every version applies). */
/* The expect-end that applies (never NULL: clean by default). */
const scn_end_expect *scn_end_for(const scenario *s, int v8);
/* The `=>` result that applies to a run, or NULL for any outcome. */
const scn_expect_result *scn_result_for(const scn_step *st, int v8);
/* The codes a step (or, with st NULL, the end of the scenario) must raise. */
unsigned scn_codes_for(const scenario *s, const scn_step *st, int v8);
/* 1 when `check current` of the step is checked on this version. */
int scn_check_applies(const scn_step *st, int v8);
/* 1 when the note (expect-sanitizer) applies to this flavor and version. */
int scn_note_applies(const scn_flavor_note *n, const char *flavor, int v8);
/* 1 when the scenario says to skip this flavor on this version; *reason gets the reason. */
int scn_skipped(const scenario *s, const char *flavor, int v8, const char **reason);
/* "12.4.254.21-node.21" as SCN_V8(12, 4), or -1. */
int scn_v8_parse(const char *version);
int scn_cond_holds(const scn_cond *c, int v8);
int scn_cond_overlap(const scn_cond *a, const scn_cond *b);
/* The condition as the language writes it ("v8>=14.0", "every V8") into buf. */
const char *scn_cond_str(const scn_cond *c, char *buf, size_t n);

#endif
