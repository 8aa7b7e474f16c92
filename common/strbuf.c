/* strbuf.c — the growable string behind strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

int sb_add(strbuf *b, const char *s, size_t n) {
  if (b->failed) return -1;
  if (b->len + n + 1 < b->len || vec_grow(&b->p, &b->cap, b->len + n + 1, 1)) {
    b->failed = 1;
    return -1;
  }
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

int sb_puts(strbuf *b, const char *s) { return sb_add(b, s, s ? strlen(s) : 0); }

int sb_vprintf(strbuf *b, const char *fmt, va_list ap) {
  if (b->failed) return -1;
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0 || vec_grow(&b->p, &b->cap, b->len + (size_t)n + 1, 1)) {
    b->failed = 1;
    return -1;
  }
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int sb_printf(strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = sb_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

char *sb_take(strbuf *b) {
  if (!b->failed && !b->p) sb_add(b, "", 0);
  char *s = b->failed ? NULL : b->p;
  if (!s) free(b->p);
  *b = (strbuf){0};
  return s;
}

void sb_free(strbuf *b) {
  free(b->p);
  *b = (strbuf){0};
}
