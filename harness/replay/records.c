/* records.c — building, escaping and splitting protocol lines (see records.h). */
#include "records.h"

#include <stdarg.h>

void rec_escape(strbuf *b, const char *s, size_t n) {
  if (!s) return;
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    char e = c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : c == '\0' ? '0' : 0;
    if (!e) continue;
    sb_add(b, s + from, i - from);
    char esc[2] = {'\\', e};
    sb_add(b, esc, 2);
    from = i + 1;
  }
  sb_add(b, s + from, n - from);
}

char *rec_format(char kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *line = rec_vformat(kind, fmt, ap);
  va_end(ap);
  return line;
}

char *rec_vformat(char kind, const char *fmt, va_list ap) {
  strbuf b = {0};
  sb_add(&b, &kind, 1);
  for (const char *f = fmt; *f; f++) {
    sb_add(&b, "\t", 1);
    if (*f == 's') {
      const char *s = va_arg(ap, const char *);
      size_t n = 0;
      while (s && s[n]) n++;
      rec_escape(&b, s, n);
    } else if (*f == 'b') {
      const char *s = va_arg(ap, const char *);
      size_t n = va_arg(ap, size_t);
      rec_escape(&b, s, s ? n : 0);
    } else if (*f == 'd') {
      sb_printf(&b, "%d", va_arg(ap, int));
    } else if (*f == 'f') {
      sb_printf(&b, "%.1f", va_arg(ap, double));
    }
  }
  return sb_take(&b);
}

int rec_split(char *line, char **fields, size_t *lens, int max) {
  int n = 0;
  char *r = line, *w = line;
  if (max <= 0) return 0;
  fields[n++] = w;
  for (; *r; r++) {
    if (*r == '\t' && n < max) {
      if (lens) lens[n - 1] = (size_t)(w - fields[n - 1]);
      *w++ = '\0';
      fields[n++] = w;
    } else if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == '0' ? '\0' : *r;
    } else {
      *w++ = *r;
    }
  }
  if (lens) lens[n - 1] = (size_t)(w - fields[n - 1]);
  *w = '\0';
  return n;
}
