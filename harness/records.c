/* records.c — escaping and splitting of protocol lines (see records.h). */
#include "records.h"

void rec_escape(char *buf, size_t cap, size_t *len, const char *s) {
  size_t o = *len;
  for (; s && *s && o + 3 < cap; s++) {
    char c = *s;
    if (c == '\\' || c == '\t' || c == '\n') {
      buf[o++] = '\\';
      buf[o++] = c == '\\' ? '\\' : c == '\t' ? 't' : 'n';
    } else {
      buf[o++] = c;
    }
  }
  if (o < cap) buf[o] = '\0';
  *len = o;
}

int rec_split(char *line, char **fields, int max) {
  int n = 0;
  char *r = line, *w = line;
  if (max <= 0) return 0;
  fields[n++] = w;
  for (; *r; r++) {
    if (*r == '\t' && n < max) {
      *w++ = '\0';
      fields[n++] = w;
    } else if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return n;
}
