/* report_out.h — a report as compiler-style text, and reports as one JSON document
 * (schema: docs/report-format.md). */
#ifndef ISOREPLAY_REPORT_OUT_H
#define ISOREPLAY_REPORT_OUT_H

#include <stdio.h>

#include "report.h"

/* `file:line: error[code]: message` per violation with a note on the fix (once per code),
 * how the replay ended, and on a mismatch the expected against the got, step by step.
 * quiet: only the verdict line and the mismatches. */
void report_print(FILE *out, const report *r, int quiet);

/* Writes every report to path atomically (a temporary file renamed over it).
 * Returns 0, or -1 with errno set. */
int report_write_json(const char *path, report *const *reports, int n);

/* One scenario's report as a JSON object (the element of "scenarios"). */
struct json_t;
struct json_t *report_scenario_json(report *r);

/* Writes root to path atomically (a temporary file renamed over it) with jansson's
 * dump flags. Returns 0, or -1 with errno set. */
int report_dump_atomic(struct json_t *root, const char *path, size_t flags);

/* The replay as a Chrome Trace Event file (Perfetto, chrome://tracing), atomically.
 * Returns 0, or -1 with errno set. */
int report_write_trace(const char *path, const report *r);

#endif
