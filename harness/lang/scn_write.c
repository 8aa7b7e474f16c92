/* scn_write.c — a parsed scenario written back as text (scn_write.h): the header as the
 * file has it, and steps from their fields, so an expanded `repeat` (its `$i` already
 * replaced) reads as the steps it made. */
#include "scn_write.h"

#include <string.h>

static const char *const METHOD[CK_OP_COUNT] = {
    [CK_HEAP_STATS] = "heap-stats", [CK_MEMORY_PRESSURE] = "memory-pressure", [CK_IS_TERMINATING] = "is-terminating"};

/* A string as the lexer reads it back: quotes, backslashes and control characters
 * escaped, `$` doubled (it starts a loop variable). */
static void put_string(strbuf *out, const char *s, size_t len) {
  sb_puts(out, "\"");
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '"' || c == '\\') sb_printf(out, "\\%c", c);
    else if (c == '\n') sb_puts(out, "\\n");
    else if (c == '\t') sb_puts(out, "\\t");
    else if (c == '$') sb_puts(out, "$$");
    else sb_add(out, &c, 1);
  }
  sb_puts(out, "\"");
}

static void put_cond(strbuf *out, int conditional, const scn_cond *c) {
  char buf[64];
  if (conditional) sb_printf(out, " [%s]", scn_cond_str(c, buf, sizeof buf));
}

static void put_results(strbuf *out, const scn_step *st) {
  for (int i = 0; i < st->nresults; i++) {
    const scn_expect_result *r = &st->results[i];
    sb_puts(out, " =>");
    put_cond(out, r->conditional, &r->cond);
    switch (r->kind) {
      case SCN_RESULT_VALUE: sb_puts(out, " "); put_string(out, r->text, r->len); break;
      case SCN_RESULT_THROWS: sb_puts(out, " throws "); put_string(out, r->text, r->len); break;
      case SCN_RESULT_TERMINATED: sb_puts(out, " terminated"); break;
      default: break;
    }
  }
}

void scn_write_codes(strbuf *out, unsigned codes, const char *lead) {
  const char *sep = lead;
  for (int c = 0; c < CK_CODE_COUNT; c++)
    if (codes & (1u << c)) {
      sb_printf(out, "%s%s", sep, ck_code_name((ck_code)c));
      sep = ", ";
    }
}

void scn_write_step(strbuf *out, const scn_step *st, unsigned codes, int results) {
  if (st->op == CK_BLOCK_END) {
    sb_puts(out, "}");
    return;
  }
  sb_puts(out, st->thread);
  if (st->task) sb_printf(out, "/%s", st->task);
  sb_puts(out, ": ");
  switch (st->op) {
    case CK_THREAD_END: sb_puts(out, "end"); break;
    case CK_CHECK_CURRENT:
      sb_printf(out, "check current %s", st->check_target ? st->check_target : "none");
      put_cond(out, st->check_conditional, &st->check_cond);
      break;
    case CK_HEAP_STATS: case CK_MEMORY_PRESSURE: case CK_IS_TERMINATING:
      sb_printf(out, "call %s %s", st->isolate, METHOD[st->op]);
      break;
    case CK_CONTEXT:
      sb_printf(out, "context %s", st->isolate);
      if (st->context) sb_printf(out, " as %s", st->context);
      break;
    case CK_RUN:
      sb_printf(out, "run %s ", st->isolate);
      put_string(out, st->js ? st->js : "", st->js ? strlen(st->js) : 0);
      if (st->context || st->context_of) sb_printf(out, " in %s", st->context ? st->context : "main");
      if (st->context_of) sb_printf(out, " of %s", st->context_of);
      break;
    case CK_GLOBAL: case CK_PERSISTENT:
      sb_printf(out, "%s %s of %s", ck_op_name(st->op), st->handle, st->isolate);
      if (st->context) sb_printf(out, " in %s", st->context);
      break;
    case CK_OPEN: case CK_RESET: case CK_WEAK: sb_printf(out, "%s %s", ck_op_name(st->op), st->handle); break;
    case CK_SPAWN: case CK_JOIN: case CK_SEND: case CK_RECV: case CK_ACQUIRE: case CK_RELEASE:
      sb_printf(out, "%s %s", ck_op_name(st->op), st->sync);
      break;
    default:
      sb_puts(out, ck_op_name(st->op));
      if (st->isolate) sb_printf(out, " %s", st->isolate);
      break;
  }
  if (results) put_results(out, st);
  if (st->background) sb_puts(out, " &");
  scn_write_codes(out, codes, "  ! ");
  if (st->opens_block) sb_puts(out, " {");
}

/* 1 when the line (without its newline) is blank, a comment or a header directive. */
static int header_line(const char *text, size_t len) {
  static const char *const DIRECTIVES[] = {"title", "source", "model", "tags", "timeout", "expect-end", "skip",
                                           "expect-sanitizer", "fatal-handler", "expect-race"};
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t')) i++;
  if (i == len || text[i] == '#') return 1;
  size_t w = i;
  while (w < len && text[w] != ' ' && text[w] != '\t') w++;
  for (size_t d = 0; d < sizeof DIRECTIVES / sizeof *DIRECTIVES; d++)
    if (strlen(DIRECTIVES[d]) == w - i && !memcmp(text + i, DIRECTIVES[d], w - i)) return 1;
  return 0;
}

void scn_write_header(strbuf *out, const scenario *s) {
  for (int n = 1; n <= s->nlines; n++) {
    size_t len;
    const char *text = scn_line(s, n, &len);
    if (!text || !header_line(text, len)) break;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t')) i++;
    if (len - i >= 10 && (!memcmp(text + i, "expect-end", 10) || !memcmp(text + i, "expect-rac", 10))) continue;
    sb_add(out, text, len);
    sb_puts(out, "\n");
  }
  while (out->len >= 2 && out->p[out->len - 1] == '\n' && out->p[out->len - 2] == '\n') out->p[--out->len] = 0;
}

void scn_write_line(strbuf *out, const scn_step *st, unsigned codes, const char *more, int results, int *depth) {
  if (st->op == CK_BLOCK_END && *depth > 0) (*depth)--;
  for (int d = 0; d < *depth; d++) sb_puts(out, "  ");
  scn_step plain = *st;  /* the `{` goes after every mark */
  plain.opens_block = 0;
  scn_write_step(out, &plain, codes, results);
  if (more && *more) sb_printf(out, "%s%s", codes ? ", " : "  ! ", more);
  sb_puts(out, st->opens_block ? " {\n" : "\n");
  if (st->opens_block) (*depth)++;
}
