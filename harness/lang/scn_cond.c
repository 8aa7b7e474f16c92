/* scn_cond.c — V8 version conditions: `[v8>=14.0]`, `[v8<14.0]`, `[v8=12.4]`,
 * `[v8 10.2..13.6]` (major.minor; ranges inclusive; spaces inside the brackets free). */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_parser.h"

const scn_cond SCN_ALWAYS = {0, INT_MAX};

int scn_cond_holds(const scn_cond *c, int v8) { return v8 >= c->lo && v8 <= c->hi; }

int scn_cond_overlap(const scn_cond *a, const scn_cond *b) { return a->lo <= b->hi && b->lo <= a->hi; }

int scn_v8_parse(const char *version) {
  char *end;
  long major = strtol(version, &end, 10);
  if (end == version || *end != '.') return -1;
  long minor = strtol(end + 1, &end, 10);
  if (major < 0 || major > 999 || minor < 0 || minor > 999) return -1;
  return SCN_V8((int)major, (int)minor);
}

/* "major.minor" at *p (spaces skipped before it): its number, or -1; advances *p. */
static int version_at(const char **p) {
  while (**p == ' ' || **p == '\t') (*p)++;
  const char *q = *p;
  long major = 0, minor = 0;
  int digits = 0;
  for (; *q >= '0' && *q <= '9' && digits < 4; q++, digits++) major = major * 10 + (*q - '0');
  if (!digits || *q != '.') return -1;
  q++;
  for (digits = 0; *q >= '0' && *q <= '9' && digits < 4; q++, digits++) minor = minor * 10 + (*q - '0');
  if (!digits || major > 999 || minor > 999) return -1;
  *p = q;
  return SCN_V8((int)major, (int)minor);
}

int cond_parse(const char *text, scn_cond *out, char *msg, size_t n, int *offset) {
  static const char form[] = "write a version condition as [v8>=14.0], [v8<14.0], [v8=12.4] or [v8 10.2..13.6]";
  const char *p = text;
  while (*p == ' ' || *p == '\t') p++;
  if (strncmp(p, "v8", 2)) {
    snprintf(msg, n, "%s", form);
    *offset = (int)(p - text);
    return -1;
  }
  p += 2;
  while (*p == ' ' || *p == '\t') p++;
  const char *op = p;
  int len = !strncmp(p, ">=", 2) || !strncmp(p, "<=", 2) ? 2 : (*p == '>' || *p == '<' || *p == '=') ? 1 : 0;
  p += len;
  int v = version_at(&p), hi = v;
  if (v >= 0 && !len) {  /* a range: A..B */
    if (strncmp(p, "..", 2)) v = -1;
    else p += 2;  /* never past the text's end: `[v8 10.2]` ends there */
    if (v >= 0 && (hi = version_at(&p)) < v) v = -1;
  }
  while (*p == ' ' || *p == '\t') p++;
  if (v < 0 || *p) {
    snprintf(msg, n, "%s", form);
    *offset = (int)(op - text);
    return -1;
  }
  *out = SCN_ALWAYS;
  if (!len) *out = (scn_cond){v, hi};
  else if (op[0] == '=') *out = (scn_cond){v, v};
  else if (op[0] == '>') *out = (scn_cond){len == 2 ? v : v + 1, INT_MAX};
  else *out = (scn_cond){0, len == 2 ? v : v - 1};
  return 0;
}

const char *scn_cond_str(const scn_cond *c, char *buf, size_t n) {
  if (c->lo == 0 && c->hi == INT_MAX) snprintf(buf, n, "every V8");
  else if (c->lo == 0 && c->hi % 1000 == 999) snprintf(buf, n, "v8<%d.0", c->hi / 1000 + 1);
  else if (c->lo == 0) snprintf(buf, n, "v8<=%d.%d", c->hi / 1000, c->hi % 1000);
  else if (c->hi == INT_MAX) snprintf(buf, n, "v8>=%d.%d", c->lo / 1000, c->lo % 1000);
  else if (c->lo == c->hi) snprintf(buf, n, "v8=%d.%d", c->lo / 1000, c->lo % 1000);
  else snprintf(buf, n, "v8 %d.%d..%d.%d", c->lo / 1000, c->lo % 1000, c->hi / 1000, c->hi % 1000);
  return buf;
}
