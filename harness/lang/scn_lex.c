/* scn_lex.c — the scenario language's tokens and diagnostics (see scn_lex.h). */
#define _POSIX_C_SOURCE 200809L
#include "scn_lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

static int is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static int is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Appends a token that owns text (len bytes); -1 when out of memory (text freed). */
static int push(tok_line *tl, size_t *cap, tok_kind kind, int col, char *text, size_t len) {
  if (vec_grow(&tl->t, cap, (size_t)tl->n + 1, sizeof *tl->t)) {
    free(text);
    return -1;
  }
  tl->t[tl->n++] = (token){kind, col, text, len};
  return 0;
}

/* A token whose text is a copy of s (NULL for none); -1 when out of memory. */
static int push_copy(tok_line *tl, size_t *cap, tok_kind kind, int col, const char *s, size_t n) {
  char *text = NULL;
  if (s && !(text = strndup(s, n))) return -1;
  return push(tl, cap, kind, col, text, n);
}

static int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The byte an escape at line[k] (after the backslash) stands for, or -1; *used gets
 * how many characters after the backslash it took. */
static int unescape(const char *line, size_t len, size_t k, size_t *used) {
  *used = 1;
  switch (line[k]) {
    case '"': return '"';
    case '\\': return '\\';
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    case 'x': {
      int hi = k + 2 < len ? hex_digit(line[k + 1]) : -1, lo = k + 2 < len ? hex_digit(line[k + 2]) : -1;
      if (hi < 0 || lo < 0 || hi > 7) return -1;
      *used = 3;
      return hi * 16 + lo;
    }
    default: return -1;
  }
}

/* Decodes a string starting at line[i] == '"'; *end gets the index after the closing
 * quote and *out_len the value's length. Returns the value, or NULL with *err set (and
 * *err_col) on a lexical error. */
static char *lex_string(const char *line, size_t len, size_t i, size_t *end, size_t *out_len,
                        const char **err, size_t *err_col) {
  char *out = malloc(len + 1);
  size_t o = 0;
  if (!out) {
    *err = "out of memory";
    *err_col = i;
    return NULL;
  }
  for (size_t k = i + 1; k < len; k++) {
    char c = line[k];
    if (c == '"') {
      out[o] = '\0';
      *end = k + 1;
      *out_len = o;
      return out;
    }
    if (c != '\\') {
      out[o++] = c;
      continue;
    }
    if (++k >= len) break;
    size_t used;
    int b = unescape(line, len, k, &used);
    if (b < 0) {
      free(out);
      *err = "unknown escape in string: use \\\", \\\\, \\n, \\t, \\r, \\0 or \\xHH (00 to 7f)";
      *err_col = k - 1;
      return NULL;
    }
    out[o++] = (char)b;
    k += used - 1;
  }
  free(out);
  *err = "unterminated string: a closing \" is missing on this line";
  *err_col = i;
  return NULL;
}

int lex_line(const char *line, size_t len, tok_line *tl) {
  size_t cap = 0;
  tl->t = NULL;
  tl->n = 0;
  size_t i = 0;
  while (i < len) {
    char c = line[i];
    int col = (int)i + 1;
    if (c == ' ' || c == '\t' || c == '\r') {  /* a lone CR counts as a blank */
      i++;
    } else if (c == '#') {
      break;
    } else if (c == '"') {
      const char *err = NULL;
      size_t end = 0, vlen = 0, err_col = 0;
      char *v = lex_string(line, len, i, &end, &vlen, &err, &err_col);
      if (!v) return push_copy(tl, &cap, TOK_ERROR, (int)err_col + 1, err, strlen(err));
      if (push(tl, &cap, TOK_STRING, col, v, vlen)) return -1;
      i = end;
    } else if (is_name_start(c)) {
      size_t j = i;
      while (j < len && is_name_char(line[j])) j++;
      if (push_copy(tl, &cap, TOK_NAME, col, line + i, j - i)) return -1;
      i = j;
    } else if (is_digit(c)) {
      size_t j = i;
      while (j < len && (is_digit(line[j]) || is_name_char(line[j]))) j++;
      if (push_copy(tl, &cap, TOK_NUMBER, col, line + i, j - i)) return -1;
      i = j;
    } else if (c == '[') {
      size_t j = i + 1;
      while (j < len && line[j] != ']' && line[j] != '#') j++;
      static const char unclosed[] = "a version condition needs its closing ']': [v8>=14.0]";
      if (j == len || line[j] != ']') return push_copy(tl, &cap, TOK_ERROR, col, unclosed, sizeof unclosed - 1);
      if (push_copy(tl, &cap, TOK_COND, col, line + i + 1, j - i - 1)) return -1;
      i = j + 1;
    } else if (c == '=' && i + 1 < len && line[i + 1] == '>') {
      if (push_copy(tl, &cap, TOK_ARROW, col, NULL, 0)) return -1;
      i += 2;
    } else {
      tok_kind k = c == '&' ? TOK_AMP : c == '!' ? TOK_BANG : c == ',' ? TOK_COMMA
                 : c == ':' ? TOK_COLON : c == '/' ? TOK_SLASH : c == '{' ? TOK_LBRACE
                 : c == '}' ? TOK_RBRACE : TOK_ERROR;
      if (k == TOK_ERROR) {
        char msg[96];
        if ((unsigned char)c >= 0x80)
          snprintf(msg, sizeof msg, "unexpected character (a name is [A-Za-z_][A-Za-z0-9_-]*)");
        else if ((unsigned char)c < 0x20 || c == 0x7f)
          snprintf(msg, sizeof msg, "unexpected control character \\x%02x", (unsigned)(unsigned char)c);
        else
          snprintf(msg, sizeof msg, "unexpected character '%c'", c);
        return push_copy(tl, &cap, TOK_ERROR, col, msg, strlen(msg));
      }
      if (push_copy(tl, &cap, k, col, NULL, 0)) return -1;
      i++;
    }
  }
  return push_copy(tl, &cap, TOK_EOL, (int)len + 1, NULL, 0);
}

void lex_free(tok_line *tl) {
  for (int i = 0; i < tl->n; i++) free(tl->t[i].text);
  free(tl->t);
  tl->t = NULL;
  tl->n = 0;
}

char *diag_format(const char *path, int line, int col, const char *src, size_t src_len,
                  const char *message) {
  enum { SHOW = 100 };
  size_t from = 0, to = src_len;
  if (col < 1) col = 1;
  if ((size_t)col > SHOW) from = (size_t)col - SHOW / 2;
  if (to - from > SHOW) to = from + SHOW;
  if (from > src_len) from = to = src_len;
  size_t caret = (size_t)col - 1 - from;
  size_t n = strlen(path) + strlen(message) + (to - from) * 2 + caret + 128;
  char *out = malloc(n);
  if (!out) return NULL;
  int at = snprintf(out, n, "%s:%d:%d: error: %s\n", path, line, col, message);
  if (src) {
    at += snprintf(out + at, n - (size_t)at, "  %s", from ? "..." : "");
    for (size_t k = from; k < to; k++) {
      unsigned char c = (unsigned char)src[k];
      out[at++] = c == '\t' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    at += snprintf(out + at, n - (size_t)at, "%s\n  %s", to < src_len ? "..." : "", from ? "   " : "");
    for (size_t k = 0; k < caret; k++) out[at++] = ' ';
    snprintf(out + at, n - (size_t)at, "^\n");
  }
  return out;
}
