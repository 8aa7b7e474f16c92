/* scn_parser.h — the parser's state, shared by the files of harness/lang (private):
 * scn_source.c reads and splits the file, scn_expand.c expands `repeat` blocks and `$`
 * variables, scn_parse.c parses each concrete line, scn_step.c a step's grammar,
 * scn_sema.c the checks across steps. */
#ifndef ISOREPLAY_SCN_PARSER_H
#define ISOREPLAY_SCN_PARSER_H

#include <stddef.h>

#include "scenario.h"
#include "scn_lex.h"

typedef struct loop_var {
  char *name;
  size_t len;
  long value;
} loop_var;

typedef struct parser {
  const char *path;
  scenario *s;
  iso_err *err;
  int failed;             /* the first error is in err; everything stops */
  loop_var vars[SCN_MAX_NESTING];
  int nvars;
  int repeat_line;        /* innermost repeat's line, 0 outside */
  int check_only;         /* inside `repeat 0`: parse, keep nothing */
  long expansion;         /* lines and iterations visited so far */
  size_t steps_cap;
  int line_given[8];      /* where each once-only directive was given (scn_parse.c) */
  char *cur_text;         /* the line being parsed (after $ substitution), or NULL */
  size_t cur_len;
  int blocks[SCN_MAX_BLOCK_NESTING];      /* open blocks: the opener's step index (-1 in
                                             a `repeat 0` body, where nothing is kept) */
  int block_lines[SCN_MAX_BLOCK_NESTING]; /* ... and its line */
  int nblocks;
  int block_floor;        /* blocks open when the innermost repeat body began */
} parser;

/* Records the first error at line:col, showing the line being parsed (after
 * substitution) or else the source line; returns -1. Later calls do nothing. */
int parse_error(parser *p, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records an out-of-memory failure (not an input error); returns -1. */
int parse_nomem(parser *p);

/* scn_source.c: splits s->text into the line table, refusing NUL bytes and bad UTF-8;
 * a CR before a newline (CRLF files) is not part of the line. */
int split_lines(parser *p);
/* scn_expand.c: expands lines [from, to) (0-based) into concrete lines for parse_line. */
int expand(parser *p, int from, int to);
/* scn_parse.c: one concrete line (in p->cur_text): blank, directive, step, `}` or `!`. */
int parse_line(parser *p, int line);
/* An error when a block opened inside the current repeat body is still open. */
int check_blocks_closed(parser *p, int floor, const char *where);

/* scn_cond.c: the text between the brackets of `[v8>=14.0]` into *out; -1 with a
 * message and the offset in text of the error. */
int cond_parse(const char *text, scn_cond *out, char *msg, size_t n, int *offset);

/* scn_step.c: `THREAD[/TASK]: OP ARGS [=> RESULT] [&] [! CODES]` into st. Returns 0, or
 * -1 with a message and its column. */
int parse_step(const tok_line *tl, scn_step *st, char *msg, size_t n, int *col);
/* `! code, code[cond]` from t[*i] (the `!`) into *set and the conditional observation
 * codes into *cc (*ncc of them); -1 with a message and column (-1: out of memory). */
int parse_codes(const tok_line *tl, int *i, unsigned *set, scn_cond_code **cc, int *ncc, char *msg, size_t n, int *col);
void scn_step_free(scn_step *st);

/* scn_sema.c: checks across steps (isolates used before `new` or created twice, `await`
 * without a task, `wait` with nothing in the background, steps after a thread's `end`,
 * too many threads alive at once). Returns 0, or -1 with the error recorded. */
int sema_check(parser *p);

#endif
