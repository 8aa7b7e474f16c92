/* scn_sema.h — a step's grammar and the checks across steps (scn_parse.c's helpers). */
#ifndef ISOREPLAY_SCN_SEMA_H
#define ISOREPLAY_SCN_SEMA_H

#include <stddef.h>

#include "scenario.h"
#include "scn_lex.h"

/* Parses `THREAD[/TASK]: OP ARGS [=> RESULT] [&] [! CODES]` into st (line already set).
 * Returns 0, or -1 with a message and its column. */
int sema_parse_step(const tok_line *tl, scn_step *st, char *msg, size_t n, int *col);
/* Checks across steps: isolates used before `new` or created twice, `await` without a
 * task, `wait` with nothing in the background, steps after a thread's `end`.
 * Returns 0, or -1 with a message, its line and column. */
int sema_check(const scenario *s, char *msg, size_t n, int *line, int *col);
void scn_step_free(scn_step *st);

#endif
