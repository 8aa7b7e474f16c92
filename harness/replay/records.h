/* records.h — the replay's protocol: one line per record, tab-separated fields, strings
 * escaped (\\ \t \n \0), so a field may hold any byte. The child writes them to a pipe
 * as they happen; the parent (or an in-process caller) applies them to a report. Kinds:
 *   I <v8-version> <mode>                       replay starts
 *   S <step> <t_us>                             step starts (1-based step index)
 *   V <step> <code> <thread> <task> <isolate> <message>   a violation
 *   E <step> <t_us> <status> <executed> <real> <ideal> <run> <text> <note>  step ends
 *   F <location: message>                       V8 reported a fatal error to the probe
 *   D <step> <message>                          the scheduler found a deadlock
 *   W <thread> <where>                          where a thread stood (deadlock)
 *   X <message>                                 an internal failure: the run cannot pass
 *   T <step> <isolate> <summary>                a sanitizer report on a replay thread
 *   N <step> <why>                              the block that step opens was never reached:
 *                                               its steps that had not started do not run
 *   Z <t_us> <done|deadlock|failed>             the replay is over
 */
#ifndef ISOREPLAY_RECORDS_H
#define ISOREPLAY_RECORDS_H

#include <stdarg.h>
#include <stddef.h>

#include "strbuf.h"

/* Appends n bytes of s to b, escaped. */
void rec_escape(strbuf *b, const char *s, size_t n);

/* Builds a record: kind, then one tab-separated field per format letter: 's' a string
 * (const char *, NULL as empty), 'b' bytes (const char *, size_t), 'd' an int, 'f' a
 * double. Returns the line (malloc'd, no newline), or NULL when out of memory. */
char *rec_format(char kind, const char *fmt, ...);
char *rec_vformat(char kind, const char *fmt, va_list ap);

/* Splits a record line in place into at most max fields (unescaped); lens (may be NULL)
 * gets each field's length, since a field may hold NUL bytes. Returns the count. */
int rec_split(char *line, char **fields, size_t *lens, int max);

#endif
