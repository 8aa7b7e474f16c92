/* report_out.h — the writers of a report, one file each: compiler-style text
 * (report_text.c), the per-step table (report_steps.c), one JSON document for any number
 * of reports (report_json.c, schema docs/report-format.md) and a Chrome Trace Event file
 * (report_trace.c). Files are written with outfile_write() (common/outfile.h):
 * atomically, or in place into a FIFO or device. */
#ifndef ISOREPLAY_REPORT_OUT_H
#define ISOREPLAY_REPORT_OUT_H

#include <stdio.h>

#include "iso_err.h"
#include "report.h"

/* `file:line: error[code]: message` per violation with a note on the fix (once per code),
 * how the replay ended, and on a mismatch the expected against the got. quiet: only the
 * verdict line and the mismatches. Text from the scenario, V8 or a sanitizer has its
 * control characters escaped. Returns 0, or -1 when writing to out failed. */
int report_print(FILE *out, const report *r, int quiet);
/* Every step on a line: its line, thread, op, verdict, the real and ideal current
 * isolate after it, and a run's result. Returns 0, or -1 when writing failed. */
int report_print_steps(FILE *out, const report *r);
/* Writes s (n bytes) with control characters, NUL included, escaped as \xHH (and \n, \t,
 * \\ as such when quote is set). */
void report_put_text(FILE *out, const char *s, size_t n, int quote);
/* fprintf for the terminal: every %s argument (NULL prints nothing) goes through
 * report_put_text(), so text from a scenario, V8 or a sanitizer cannot reach the terminal
 * raw. Conversions: %s %c %d %ld %zu %.1f %%. */
void report_printf(FILE *out, const char *fmt, ...);

/* The reports as one JSON document (malloc'd), or NULL when out of memory. */
char *report_json_text(report *const *reports, int n);
/* ... written to path. Returns 0, or -1 with err. */
int report_write_json(const char *path, report *const *reports, int n, iso_err *err);
/* The replays of one scenario (a process per runtime) as a Chrome Trace Event file
 * (Perfetto, chrome://tracing). Returns 0, or -1 with err. */
int report_write_trace(const char *path, const report *const *reps, int nreps, iso_err *err);

#endif
