/* scn_expand.c — `repeat N as NAME [reversed]` ... `done` blocks and `$NAME`
 * substitution: every concrete line goes to parse_line(). The work is bounded
 * (SCN_MAX_EXPANSION lines and iterations visited), so nested or empty loops with huge
 * counts end in an error, never in a hang; a `repeat 0` body is still parsed. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "scn_parser.h"
#include "strbuf.h"

enum { LINE_OTHER, LINE_REPEAT, LINE_DONE };

/* What a raw source line is, by its first word: a `repeat` header, a `done`, or other. */
static int block_word(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  size_t j = i;
  while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '#' && s[j] != ':' && s[j] != '/') j++;
  size_t k = j;
  while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
  int rest_empty = k == n || s[k] == '#';
  if (j - i == 6 && !strncmp(s + i, "repeat", 6) && !rest_empty && s[k] != ':' && s[k] != '/') return LINE_REPEAT;
  if (j - i == 4 && !strncmp(s + i, "done", 4) && rest_empty) return LINE_DONE;
  return LINE_OTHER;
}

static int is_var_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The loop variable that `$` + src[0..n) names: the innermost one whose name is the
 * whole run of name characters, else the longest that is a prefix of it. */
static const loop_var *find_var(const parser *p, const char *src, size_t n) {
  const loop_var *best = NULL;
  for (int k = p->nvars - 1; k >= 0; k--) {
    const loop_var *v = &p->vars[k];
    if (v->len > n || memcmp(v->name, src, v->len)) continue;
    if (!best || v->len > best->len) best = v;
  }
  return best;
}

/* Replaces $NAME by loop values, outside comments, into p->cur_text. */
static int substitute(parser *p, int line, const char *src, size_t n) {
  strbuf out = {0};
  int in_str = 0;
  for (size_t i = 0; i < n; i++) {
    char c = src[i];
    if (in_str && c == '\\' && i + 1 < n) {  /* an escape: never a quote or a `$` */
      sb_add(&out, src + i, 2);
      i++;
      continue;
    }
    if (c == '"') in_str = !in_str;
    if (c == '#' && !in_str) {
      sb_add(&out, src + i, n - i);
      break;
    }
    if (c != '$') {
      sb_add(&out, &c, 1);
      continue;
    }
    if (i + 1 < n && src[i + 1] == '$') {  /* `$$`: a literal `$` (template literals) */
      sb_add(&out, "$", 1);
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < n && is_var_char(src[j])) j++;
    const loop_var *v = find_var(p, src + i + 1, j - i - 1);
    if (!v) {
      sb_free(&out);
      free(p->cur_text);
      p->cur_text = NULL;  /* the diagnostic shows the source line */
      return parse_error(p, line, (int)i + 1, p->nvars ? "unknown loop variable '%.*s'" : "'%.*s' outside a repeat block",
                         (int)(j - i), src + i);
    }
    sb_printf(&out, "%ld", v->value);
    i += v->len;
  }
  char *text = sb_take(&out);
  if (!text) return parse_nomem(p);
  free(p->cur_text);
  p->cur_text = text;
  p->cur_len = strlen(text);
  return 0;
}

/* One more line or iteration visited; an error past the bound. */
static int visit(parser *p, int line) {
  if (++p->expansion <= SCN_MAX_EXPANSION) return 0;
  return parse_error(p, line, 1, "expanding repeat blocks takes more than %ld lines and iterations; "
                     "the expanded scenario is limited to that (and to %d steps)", SCN_MAX_EXPANSION, SCN_MAX_STEPS);
}

/* `repeat N as NAME [reversed]` in p->cur_text: the count, the variable, the order. */
static int repeat_header(parser *p, int line, long *count, char **name, int *reversed) {
  tok_line tl;
  if (lex_line(p->cur_text, p->cur_len, &tl)) return parse_nomem(p);
  const token *num = tok(&tl, 1), *as = tok(&tl, 2), *var = tok(&tl, 3), *rev = tok(&tl, 4);
  int rc = 0;
  char *end = NULL;
  long n = num->kind == TOK_NUMBER ? strtol(num->text, &end, 10) : -1;
  if (n < 0 || *end || n > SCN_MAX_REPEAT) {
    rc = parse_error(p, line, num->col, "repeat needs a count from 0 to %ld: repeat N as NAME", SCN_MAX_REPEAT);
  } else if (as->kind != TOK_NAME || strcmp(as->text, "as") || var->kind != TOK_NAME) {
    rc = parse_error(p, line, as->col, "expected 'as NAME' after the count: repeat N as NAME [reversed]");
  } else {
    *reversed = rev->kind == TOK_NAME && !strcmp(rev->text, "reversed");
    const token *last = tok(&tl, 4 + *reversed);
    if (last->kind != TOK_EOL)
      rc = parse_error(p, line, last->col, "unexpected text after the loop variable: repeat N as NAME [reversed]");
    else if (!(*name = strdup(var->text)))
      rc = parse_nomem(p);
    *count = n;
  }
  lex_free(&tl);
  return rc;
}

/* The index of the `done` that closes the repeat at index i, or -1. */
static int block_end(const parser *p, int i, int to) {
  int depth = 1;
  for (int j = i + 1; j < to; j++) {
    size_t n;
    const char *s = scn_line(p->s, j + 1, &n);
    int k = block_word(s, n);
    depth += k == LINE_REPEAT ? 1 : k == LINE_DONE ? -1 : 0;
    if (!depth) return j;
  }
  return -1;
}

/* The body [i+1, end) once per iteration, or once in check-only mode for `repeat 0`. */
static int run_block(parser *p, int line, int i, int end, long count, char *name, int reversed) {
  loop_var *v = &p->vars[p->nvars++];
  *v = (loop_var){name, strlen(name), 0};
  int saved = p->repeat_line, saved_floor = p->block_floor;
  p->repeat_line = line;
  p->block_floor = p->nblocks;  /* a block opened in the body closes in the body */
  if (count == 0) p->check_only++;
  for (long k = 0; k < (count ? count : 1) && !p->failed; k++) {
    v->value = count == 0 ? 0 : reversed ? count - 1 - k : k;
    if (visit(p, line) == 0 && expand(p, i + 1, end) == 0) check_blocks_closed(p, p->block_floor, "before its 'done'");
  }
  if (count == 0) p->check_only--;
  p->repeat_line = saved;
  p->block_floor = saved_floor;
  p->nvars--;
  free(name);
  return p->failed ? -1 : 0;
}

int expand(parser *p, int from, int to) {
  for (int i = from; i < to && !p->failed; i++) {
    int line = i + 1;
    size_t n;
    const char *src = scn_line(p->s, line, &n);
    int kind = block_word(src, n);
    if (visit(p, line)) return -1;
    if (kind == LINE_DONE) return parse_error(p, line, 1, "'done' without a matching 'repeat'");
    if (substitute(p, line, src, n)) return -1;
    if (kind == LINE_OTHER) {
      if (parse_line(p, line)) return -1;
      continue;
    }
    long count = 0;
    char *name = NULL;
    int reversed = 0, end = block_end(p, i, to);
    if (repeat_header(p, line, &count, &name, &reversed)) return -1;
    if (end < 0 || p->nvars == SCN_MAX_NESTING) {
      free(name);
      free(p->cur_text);
      p->cur_text = NULL;  /* show the source line */
      return end < 0 ? parse_error(p, line, 1, "'repeat' without a matching 'done'")
                     : parse_error(p, line, 1, "repeat blocks nest at most %d deep", SCN_MAX_NESTING);
    }
    if (run_block(p, line, i, end, count, name, reversed)) return -1;
    i = end;
  }
  return p->failed ? -1 : 0;
}
