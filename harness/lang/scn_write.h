/* scn_write.h — a parsed scenario written back as scenario text: what `explore` writes as
 * a witness (the steps in another order) and `reduce` as its result (fewer steps). The
 * text parses back to the same steps. */
#ifndef ISOREPLAY_SCN_WRITE_H
#define ISOREPLAY_SCN_WRITE_H

#include "scenario.h"
#include "strbuf.h"

/* The file's header lines as written (directives, comments and blank lines before the
 * first step; no blank line at its end), but for expect-end and expect-race: what the
 * written scenario ends in and what it races to are the writer's to say. */
void scn_write_header(strbuf *out, const scenario *s);
/* One step from its fields, without indentation or newline: a `}` step as "}", its `=>`
 * results and their conditions (unless !results), `&`, "  ! CODE, ..." for the codes set
 * in `codes` (bits of ck_code; none written when 0), and `{`. */
void scn_write_step(strbuf *out, const scn_step *st, unsigned codes, int results);
/* One step as a line of a scenario body: indented by the blocks it stands in (*depth,
 * kept across calls, from 0), its codes and then `more` (marks already written, e.g.
 * "tls-divergence[v8=14.6]"; NULL for none), `{` and a newline. */
void scn_write_line(strbuf *out, const scn_step *st, unsigned codes, const char *more, int results, int *depth);
/* The codes set in `codes`, after `lead`, comma-separated (nothing when 0). */
void scn_write_codes(strbuf *out, unsigned codes, const char *lead);

#endif
