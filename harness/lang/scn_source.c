/* scn_source.c — a scenario's source: reading the file without ever blocking, splitting
 * it into lines (UTF-8 only, no NUL, CRLF accepted), and the lines for diagnostics. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_parser.h"
#include "vec.h"

/* Length of a valid UTF-8 sequence at s (1..4), or 0. */
static int utf8_len(const unsigned char *s, size_t left) {
  if (s[0] < 0x80) return 1;
  int n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (!n || (size_t)n > left || (n == 2 && s[0] < 0xC2)) return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* Appends the line [from, to) to the table; a CR before the newline is cut off. */
static int add_line(parser *p, size_t *cap, size_t from, size_t to, int crlf) {
  scenario *s = p->s;
  if (crlf && to > from && s->text[to - 1] == '\r') to--;
  if (vec_grow(&s->lines, cap, (size_t)s->nlines + 1, sizeof *s->lines)) return parse_nomem(p);
  s->lines[s->nlines++] = (struct scn_srcline){from, to - from};
  return 0;
}

int split_lines(parser *p) {
  const char *text = p->s->text;
  size_t len = p->s->text_len, cap = 0, start = 0;
  for (size_t i = 0; i <= len;) {
    int line = p->s->nlines + 1;
    if (i == len || text[i] == '\n') {
      if (add_line(p, &cap, start, i, 1)) return -1;
      if (i - start > SCN_MAX_LINE)
        return parse_error(p, line, SCN_MAX_LINE + 1, "line is %zu characters long; lines are limited to %d",
                           i - start, SCN_MAX_LINE);
      start = ++i;
      continue;
    }
    int n = text[i] ? utf8_len((const unsigned char *)text + i, len - i) : 0;
    if (n) {
      i += (size_t)n;
      continue;
    }
    /* the diagnostic shows the line up to the bad byte */
    if (add_line(p, &cap, start, i, 0)) return -1;
    if (!text[i]) return parse_error(p, line, (int)(i - start) + 1, "binary file: a NUL byte; a scenario is UTF-8 text");
    return parse_error(p, line, (int)(i - start) + 1, "not UTF-8 text (byte 0x%02x); a scenario is UTF-8 text",
                       (unsigned char)text[i]);
  }
  return 0;
}

const char *scn_line(const scenario *s, int line, size_t *len) {
  if (line < 1 || line > s->nlines) return NULL;
  *len = s->lines[line - 1].len;
  return s->text + s->lines[line - 1].at;
}

/* Reads all of fd (a regular file of about `size` bytes) into a malloc'd buffer. */
static char *read_all(int fd, size_t size, size_t *out_len) {
  char *buf = malloc(size + 1);
  size_t n = 0;
  while (buf && n < size) {
    ssize_t got = read(fd, buf + n, size - n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    n += (size_t)got;
  }
  *out_len = n;
  return buf;
}

int scn_load(const char *path, scenario **out, iso_err *err) {
  *out = NULL;
  /* O_NONBLOCK: opening a FIFO nobody writes to returns at once instead of waiting */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return iso_fail(err, ISO_ERR_INPUT, "%s: error: cannot read: %s\n", path, strerror(e));
  }
  const char *what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO"
                   : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISSOCK(st.st_mode) ? "a socket" : NULL;
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return iso_fail(err, ISO_ERR_INPUT, "%s:1:1: error: %s, not a scenario file\n", path, what ? what : "not a regular file");
  }
  if (st.st_size > SCN_MAX_FILE_BYTES) {
    close(fd);
    return iso_fail(err, ISO_ERR_INPUT, "%s:1:1: error: the file is %lld bytes; scenario files are limited to %ld bytes\n",
                    path, (long long)st.st_size, SCN_MAX_FILE_BYTES);
  }
  size_t n = 0;
  char *buf = read_all(fd, (size_t)st.st_size, &n);
  close(fd);
  if (!buf) return iso_fail(err, ISO_ERR_NOMEM, "%s: error: out of memory reading the file\n", path);
  int rc = scn_parse(path, buf, n, out, err);
  free(buf);
  return rc;
}
