/* records.h — the replay's protocol: one line per record, tab-separated fields, strings
 * escaped (\\, \t, \n). The child writes them to a pipe as they happen; the parent (or
 * an in-process caller) applies them to a report. Kinds:
 *   I <v8-version> <mode>                       replay starts
 *   S <step> <t_us>                             step starts (1-based step index)
 *   V <step> <code> <thread> <task> <isolate> <message>   a violation
 *   E <step> <t_us> <status> <executed> <real> <ideal> <run> <text> <note>  step ends
 *   F <location: message>                       V8 reported a fatal error to the probe
 *   D <step> <message>                          the scheduler found a deadlock
 *   W <thread> <where>                          where a thread stood (deadlock)
 *   Z <t_us> <done|deadlock>                    the replay is over
 */
#ifndef ISOREPLAY_RECORDS_H
#define ISOREPLAY_RECORDS_H

#include <stddef.h>

/* Appends s to buf (cap bytes, at *len), escaped; always NUL-terminates. */
void rec_escape(char *buf, size_t cap, size_t *len, const char *s);
/* Splits a record line in place into at most max fields (unescaped). Returns the count. */
int rec_split(char *line, char **fields, int max);

#endif
