/* strbuf.h — a growable string that fails closed.
 *
 *   strbuf b = {0};
 *   sb_printf(&b, "%s:%d", path, line);
 *   sb_add(&b, text, len);
 *   char *s = sb_take(&b);           // NULL if any append ran out of memory
 *
 * An append that runs out of memory marks the buffer failed; later appends do nothing
 * and sb_take() returns NULL, so one check at the end catches every failure. The text
 * may hold NUL bytes; b.len counts them. */
#ifndef ISOREPLAY_STRBUF_H
#define ISOREPLAY_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strbuf {
  char *p;        /* NUL-terminated once anything was added */
  size_t len, cap;
  int failed;     /* an append ran out of memory */
} strbuf;

/* Appends n bytes. Returns 0, or -1 when the buffer is (now) failed. */
int sb_add(strbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string (NULL appends nothing). */
int sb_puts(strbuf *b, const char *s);
/* Appends printf-formatted text. */
int sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vprintf(strbuf *b, const char *fmt, va_list ap);
/* The text (malloc'd, the caller frees; "" when empty), or NULL when the buffer failed.
 * The buffer is empty afterwards. */
char *sb_take(strbuf *b);
void sb_free(strbuf *b);

#ifdef __cplusplus
}
#endif
#endif
