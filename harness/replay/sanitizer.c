/* sanitizer.c — the sanitizers' report hook, and their reports parsed into findings. */
#define _GNU_SOURCE
#include "sanitizer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "strbuf.h"
#include "vec.h"
#include <unistd.h>

static _Thread_local int cur_step;
static _Thread_local const char *cur_isolate;
static int report_fd = -1;

void sanitizer_set_step(int step, const char *isolate) {
  cur_step = step;
  cur_isolate = isolate;
}

void sanitizer_set_fd(int fd) { report_fd = fd; }

/* Appends s to buf, replacing tabs and newlines (no libc formatting: this runs inside a
 * sanitizer's report, where intercepted functions must be avoided). */
static size_t put(char *buf, size_t at, size_t cap, const char *s) {
  for (; s && *s && at + 2 < cap; s++) buf[at++] = (*s == '\t' || *s == '\n') ? ' ' : *s;
  return at;
}

static size_t put_int(char *buf, size_t at, size_t cap, int v) {
  char tmp[16];
  int n = 0;
  if (v < 0) v = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v && n < 15);
  while (n && at + 2 < cap) buf[at++] = tmp[--n];
  return at;
}

/* Called by ASan, TSan, LSan and UBSan for every report they print, on the thread that
 * found it: records which step was running there. */
void __sanitizer_report_error_summary(const char *summary);
void __sanitizer_report_error_summary(const char *summary) {
  /* Defining this hook replaces the sanitizer's own print of the summary line. */
  size_t n = strlen(summary);
  if (syscall(SYS_write, 2, summary, n) > 0) (void)syscall(SYS_write, 2, "\n", 1);
  if (report_fd < 0) return;
  char buf[1024];
  size_t at = 0;
  buf[at++] = 'T';
  buf[at++] = '\t';  /* separators written as they are: put() blanks tabs in values */
  at = put_int(buf, at, sizeof buf, cur_step);
  buf[at++] = '\t';
  at = put(buf, at, sizeof buf, cur_isolate ? cur_isolate : "");
  buf[at++] = '\t';
  at = put(buf, at, sizeof buf, summary);
  buf[at++] = '\n';
  for (size_t off = 0; off < at;) {
    long w = syscall(SYS_write, report_fd, buf + off, at - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
}

static const char *line_end(const char *p) {
  const char *e = strchr(p, '\n');
  return e ? e : p + strlen(p);
}

/* The start of the next report: a sanitizer's "WARNING:"/"ERROR:" header or a UBSan
 * "runtime error:" line. */
static const char *next_report(const char *p, const char **tool, size_t *tool_n) {
  static const char *const HEADS[] = {"WARNING: ThreadSanitizer: ", "ERROR: AddressSanitizer: ",
                                      "ERROR: LeakSanitizer: ", "ERROR: ThreadSanitizer: "};
  const char *best = NULL;
  for (size_t i = 0; i < sizeof HEADS / sizeof HEADS[0]; i++) {
    const char *h = strstr(p, HEADS[i]);
    if (h && (!best || h < best)) {
      best = h;
      *tool = strchr(HEADS[i], ' ') + 1;
      *tool_n = (size_t)(strchr(*tool, ':') - *tool);
    }
  }
  const char *ub = strstr(p, ": runtime error: ");
  if (ub && (!best || ub < best)) {
    while (ub > p && ub[-1] != '\n') ub--;
    best = ub;
    *tool = "UndefinedBehaviorSanitizer";
    *tool_n = strlen(*tool);
  }
  return best;
}

/* The kind of a report at h: what follows "Sanitizer: " (or "runtime error: ") on its
 * first line, up to a pid or an address. */
static char *report_kind(const char *h) {
  const char *k = strstr(h, "Sanitizer: ");
  k = k && k < line_end(h) ? k + strlen("Sanitizer: ") : strstr(h, "runtime error: ") + strlen("runtime error: ");
  const char *ke = line_end(k);
  static const char *const CUTS[] = {" (pid=", " on address", " 0x"};  /* no addresses */
  for (size_t i = 0; i < sizeof CUTS / sizeof CUTS[0]; i++) {
    const char *cut = strstr(k, CUTS[i]);
    if (cut && cut < ke) ke = cut;
  }
  return strndup(k, (size_t)(ke - k));
}

/* The first stack's top frames ("    #0 ..." to "#4"), one per line. */
static char *top_frames(const char *h, const char *end) {
  strbuf b = {0};
  const char *fr = strstr(h, "#0 ");
  for (int i = 0; fr && fr < end && i < 5; i++) {
    const char *fe = line_end(fr);
    sb_add(&b, fr, (size_t)(fe - fr));
    sb_add(&b, "\n", 1);
    const char *nx = *fe ? fe + 1 : fe;
    while (*nx == ' ') nx++;
    if (*nx != '#' || nx[1] == '0') break;
    fr = nx;
  }
  return sb_take(&b);
}

int san_parse(const char *text, san_finding **out) {
  size_t n = 0, cap = 0;
  *out = NULL;
  const char *p = text ? text : "";
  const char *tool;
  size_t tool_n;
  for (const char *h = next_report(p, &tool, &tool_n); h; h = next_report(p, &tool, &tool_n)) {
    const char *sum = strstr(h, "SUMMARY: ");
    const char *end = sum ? line_end(sum) : line_end(h);
    if (vec_grow(out, &cap, n + 1, sizeof **out)) break;
    san_finding *f = &(*out)[n++];
    f->tool = strndup(tool, tool_n);
    f->kind = report_kind(h);
    const char *s = sum ? sum + strlen("SUMMARY: ") : h;
    f->summary = strndup(s, (size_t)(line_end(s) - s));
    f->frames = top_frames(h, end);
    f->text = strndup(h, (size_t)(end - h));
    if (!f->tool || !f->kind || !f->summary || !f->frames || !f->text) break;
    p = *end ? end + 1 : end;
  }
  if (next_report(p, &tool, &tool_n) || (n && !(*out)[n - 1].text)) {  /* stopped early: out of memory */
    san_free(*out, (int)n);
    *out = NULL;
    return -1;
  }
  return (int)n;
}

void san_free(san_finding *f, int n) {
  for (int i = 0; i < n; i++) {
    free(f[i].tool);
    free(f[i].kind);
    free(f[i].summary);
    free(f[i].frames);
    free(f[i].text);
    free(f[i].isolate);
  }
  free(f);
}
