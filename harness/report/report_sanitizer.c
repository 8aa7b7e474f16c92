/* report_sanitizer.c — sanitizer findings of a replay: read from the child's stderr and
 * its sanitizer log, each attributed to the step whose T record carries its summary. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "strbuf.h"

/* The log_path of the sanitizer options in the environment (the last one given, as the
 * sanitizers read it), or NULL. */
static char *log_path_option(void) {
  static const char *const VARS[] = {"TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS"};
  for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++) {
    const char *o = getenv(VARS[i]), *lp = NULL;
    for (const char *at = o; at && (at = strstr(at, "log_path=")); at++)
      if (at == o || at[-1] == ':' || at[-1] == ' ') lp = at + strlen("log_path=");
    if (lp) return strndup(lp, strcspn(lp, ": "));
  }
  return NULL;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  strbuf b = {0};
  char chunk[4096];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sb_add(&b, chunk, got);
  fclose(f);
  return sb_take(&b);
}

/* Reports come out one at a time, each followed by its T record: the i-th finding is
 * the i-th T record (only reports from the replay's threads have one). */
static void attribute(report *r) {
  for (int i = 0, k = 0; i < r->nsan && (size_t)k < r->nattrib; i++) {
    const char *tab1 = strchr(r->attrib[k], '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2) {
      k++;
      continue;
    }
    const char *sum = tab2 + 1;
    if (!strncmp(sum, "SUMMARY: ", 9)) sum += 9;
    /* a summary that is only the report's first line takes the T record's */
    int generic = !strncmp(r->san[i].summary, "WARNING", 7) || !strncmp(r->san[i].summary, "ERROR", 5);
    if (!generic && strcmp(sum, r->san[i].summary)) continue;  /* not from a replay thread */
    if (generic) {
      char *s = strdup(sum);
      if (!s) {
        report_internal(r, "out of memory reading sanitizer findings");
        return;
      }
      free(r->san[i].summary);
      r->san[i].summary = s;
    }
    r->san[i].step = atoi(r->attrib[k]);
    if (tab2 > tab1 + 1) r->san[i].isolate = strndup(tab1 + 1, (size_t)(tab2 - tab1 - 1));
    k++;
  }
}

void report_read_sanitizer(report *r, const char *err, int child_pid) {
  char *lp = log_path_option(), *log = NULL;
  if (lp && child_pid > 0) {
    strbuf path = {0};
    sb_printf(&path, "%s.%d", lp, child_pid);
    r->san_log = sb_take(&path);
    if (r->san_log && !(log = read_file(r->san_log))) {
      free(r->san_log);
      r->san_log = NULL;
    }
  }
  free(lp);
  strbuf all = {0};
  sb_puts(&all, err);
  sb_puts(&all, "\n");
  sb_puts(&all, log);
  char *text = sb_take(&all);
  free(log);
  if (!text) {
    report_internal(r, "out of memory reading sanitizer findings");
    return;
  }
  r->nsan = san_parse(text, &r->san);
  free(text);
  if (r->nsan < 0) {
    r->nsan = 0;
    report_internal(r, "out of memory parsing sanitizer findings");
    return;
  }
  attribute(r);
}
