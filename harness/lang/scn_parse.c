/* scn_parse.c — the scenario language's entry points and its concrete lines: header
 * directives, steps and the end-of-scenario expectation. The first error stops the
 * parse; nothing runs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_parser.h"
#include "vec.h"

int parse_error(parser *p, int line, int col, const char *fmt, ...) {
  if (p->failed) return -1;
  p->failed = 1;
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *src = p->cur_text;
  size_t n = p->cur_len;
  if (!src) src = scn_line(p->s, line, &n);
  char *d = diag_format(p->path, line, col, src, src ? n : 0, msg);
  if (!d) return iso_fail(p->err, ISO_ERR_NOMEM, "isoreplay: out of memory reporting an error in %s\n", p->path);
  iso_fail(p->err, ISO_ERR_INPUT, "%s", d);
  free(d);
  return -1;
}

int parse_nomem(parser *p) {
  if (!p->failed) iso_fail(p->err, ISO_ERR_NOMEM, "%s: error: out of memory while parsing\n", p->path);
  p->failed = 1;
  return -1;
}

/* ---- header directives ------------------------------------------------------------ */

/* Directives that may be given once; p->line_given[] remembers where. */
enum { ONCE_TITLE, ONCE_MODEL, ONCE_TIMEOUT, ONCE_END, ONCE_FATAL_HANDLER };

typedef struct directive_ctx {
  parser *p;
  int line;
  const tok_line *tl;
  int i;                  /* the next token */
} directive_ctx;

static const token *at(const directive_ctx *d) { return tok(d->tl, d->i); }

static const char *kind_name(tok_kind k) {
  switch (k) {
    case TOK_EOL: return "end of line";
    case TOK_NAME: return "a name";
    case TOK_STRING: return "a string";
    case TOK_NUMBER: return "a number";
    case TOK_ARROW: return "'=>'";
    case TOK_AMP: return "'&'";
    case TOK_BANG: return "'!'";
    case TOK_COMMA: return "','";
    case TOK_COLON: return "':'";
    case TOK_SLASH: return "'/'";
    case TOK_LBRACE: return "'{'";
    case TOK_RBRACE: return "'}'";
    default: return "a bad token";
  }
}

/* The next token, which must be of kind k (what: how the error names it); advances. */
static const token *want(directive_ctx *d, tok_kind k, const char *what) {
  const token *t = at(d);
  if (t->kind == TOK_ERROR) {
    parse_error(d->p, d->line, t->col, "%s", t->text);
    return NULL;
  }
  if (t->kind != k) {
    parse_error(d->p, d->line, t->col, "expected %s, found %s", what, kind_name(t->kind));
    return NULL;
  }
  d->i++;
  return t;
}

/* An optional version condition `[v8>=14.0]` next: 1 with *out, 0 when none, -1 on error. */
static int condition(directive_ctx *d, scn_cond *out) {
  const token *t = at(d);
  if (t->kind != TOK_COND) return 0;
  char msg[200];
  int offset = 0;
  if (cond_parse(t->text, out, msg, sizeof msg, &offset)) return parse_error(d->p, d->line, t->col + 1 + offset, "%s", msg);
  d->i++;
  return 1;
}

/* A directive that may be given once: an error the second time. */
static int once(directive_ctx *d, int which, const char *name) {
  int *first = &d->p->line_given[which];
  if (*first) return parse_error(d->p, d->line, tok(d->tl, 0)->col, "%s given twice (first at line %d)", name, *first);
  *first = d->line;
  return 0;
}

static int d_title(directive_ctx *d) {
  const token *t;
  if (once(d, ONCE_TITLE, "title") || !(t = want(d, TOK_STRING, "the title as a string"))) return -1;
  return (d->p->s->title = strdup(t->text)) ? 0 : parse_nomem(d->p);
}

/* Appends a copy of text to a string list. */
static int push_string(parser *p, char ***list, int *n, const char *text) {
  size_t cap = (size_t)*n;
  char *copy = strdup(text);
  if (!copy || vec_grow(list, &cap, (size_t)*n + 1, sizeof **list)) {
    free(copy);
    return parse_nomem(p);
  }
  (*list)[(*n)++] = copy;
  return 0;
}

static int d_source(directive_ctx *d) {
  const token *t = want(d, TOK_STRING, "the source as a string");
  return t ? push_string(d->p, &d->p->s->sources, &d->p->s->nsources, t->text) : -1;
}

static int d_model(directive_ctx *d) {
  const token *t;
  if (once(d, ONCE_MODEL, "model") || !(t = want(d, TOK_NAME, "v8 or rusty_v8"))) return -1;
  if (!strcmp(t->text, "v8")) d->p->s->model = CK_MODEL_V8;
  else if (!strcmp(t->text, "rusty_v8")) d->p->s->model = CK_MODEL_RUSTY_V8;
  else return parse_error(d->p, d->line, t->col, "unknown model '%s': use v8 or rusty_v8", t->text);
  return 0;
}

static int d_tags(directive_ctx *d) {
  if (at(d)->kind != TOK_NAME) return parse_error(d->p, d->line, at(d)->col, "tags needs at least one word");
  for (; at(d)->kind == TOK_NAME; d->i++)
    if (push_string(d->p, &d->p->s->tags, &d->p->s->ntags, at(d)->text)) return -1;
  return 0;
}

static int d_timeout(directive_ctx *d) {
  const token *t;
  if (once(d, ONCE_TIMEOUT, "timeout") || !(t = want(d, TOK_NUMBER, "a duration such as 5s"))) return -1;
  char *end;
  errno = 0;
  long v = strtol(t->text, &end, 10);
  long mul = !strcmp(end, "ms") ? 1 : !strcmp(end, "s") ? 1000 : 0;
  if (!mul || errno || v <= 0 || v > 3600L * 1000 / mul)
    return parse_error(d->p, d->line, t->col, "bad duration '%s': write it as 250ms or 5s (at most 3600s)", t->text);
  d->p->s->timeout_ms = v * mul;
  return 0;
}

/* What an expect-end line expects, into e. */
static int end_kind(directive_ctx *d, scn_end_expect *e) {
  const token *t = want(d, TOK_NAME, "clean, fatal \"prefix\" or signal NAME");
  if (!t) return -1;
  if (!strcmp(t->text, "clean")) {
    e->kind = SCN_END_CLEAN;
  } else if (!strcmp(t->text, "fatal")) {
    if (!(t = want(d, TOK_STRING, "the fatal message's start as a string"))) return -1;
    e->kind = SCN_END_FATAL;
    if (!(e->text = strdup(t->text))) return parse_nomem(d->p);
  } else if (!strcmp(t->text, "signal")) {
    if (!(t = want(d, TOK_NAME, "a signal name such as SEGV"))) return -1;
    if ((e->signal = scn_signal_number(t->text)) < 0)
      return parse_error(d->p, d->line, t->col, "unknown signal '%s': use SEGV, TRAP, ABRT, BUS, ILL, FPE or KILL", t->text);
    e->kind = SCN_END_SIGNAL;
  } else {
    return parse_error(d->p, d->line, t->col, "expect-end takes clean, fatal \"prefix\" or signal NAME");
  }
  return 0;
}

/* expect-end [cond] clean | fatal "prefix" | signal NAME: one without a condition, and
 * conditional ones on disjoint versions. */
static int d_expect_end(directive_ctx *d) {
  scenario *s = d->p->s;
  scn_end_expect e = {0};
  e.line = d->line;
  int has = condition(d, &e.cond);
  if (has < 0 || (!has && once(d, ONCE_END, "expect-end"))) return -1;
  e.conditional = has;
  char a[48], b[48];
  for (int k = 0; k < s->nends && has; k++)
    if (s->ends[k].conditional && scn_cond_overlap(&e.cond, &s->ends[k].cond))
      return parse_error(d->p, d->line, tok(d->tl, 1)->col, "expect-end [%s] overlaps the one at line %d [%s]",
                         scn_cond_str(&e.cond, a, sizeof a), s->ends[k].line, scn_cond_str(&s->ends[k].cond, b, sizeof b));
  size_t cap = (size_t)s->nends;
  if (end_kind(d, &e) || vec_grow(&s->ends, &cap, cap + 1, sizeof *s->ends)) {
    free(e.text);
    return d->p->failed ? -1 : parse_nomem(d->p);
  }
  s->ends[s->nends++] = e;
  return 0;
}

/* [cond] FLAVOR "text" after skip or expect-sanitizer, appended to *notes. A skip may
 * name every flavor (default allowed); with a condition it may name none (every build). */
static int flavor_note(directive_ctx *d, int is_skip, const char *text_what, scn_flavor_note **notes, int *n) {
  scn_flavor_note note = {.line = d->line};
  int has = condition(d, &note.cond);
  if (has < 0) return -1;
  note.conditional = has;
  const token *f = at(d);
  if (!(is_skip && has && f->kind == TOK_STRING)) {  /* a conditional skip may leave the flavor out */
    if (!(f = want(d, TOK_NAME, is_skip ? "a build flavor (default, asan, tsan)" : "a sanitizer build (asan or tsan)")))
      return -1;
    int known = !strcmp(f->text, "asan") || !strcmp(f->text, "tsan") || (is_skip && !strcmp(f->text, "default"));
    if (!known)
      return is_skip ? parse_error(d->p, d->line, f->col, "unknown flavor '%s': use default, asan or tsan", f->text)
                     : parse_error(d->p, d->line, f->col, "expect-sanitizer takes asan or tsan, not '%s'", f->text);
    for (int k = 0; k < *n && is_skip && !has; k++)
      if (!(*notes)[k].conditional && (*notes)[k].flavor && !strcmp((*notes)[k].flavor, f->text))
        return parse_error(d->p, d->line, f->col, "skip %s given twice (first at line %d)", f->text, (*notes)[k].line);
    if (!(note.flavor = strdup(f->text))) return parse_nomem(d->p);
  }
  const token *t = want(d, TOK_STRING, text_what);
  size_t cap = (size_t)*n;
  if (!t || !(note.text = strdup(t->text)) || vec_grow(notes, &cap, cap + 1, sizeof **notes)) {
    free(note.flavor);
    free(note.text);
    return d->p->failed ? -1 : parse_nomem(d->p);
  }
  (*notes)[(*n)++] = note;
  return 0;
}

static int d_skip(directive_ctx *d) {
  return flavor_note(d, 1, "the reason as a string", &d->p->s->skips, &d->p->s->nskips);
}

static int d_expect_sanitizer(directive_ctx *d) {
  return flavor_note(d, 0, "the finding's text, e.g. \"data race\"", &d->p->s->sanitizers, &d->p->s->nsanitizers);
}

static int d_fatal_handler(directive_ctx *d) {
  const token *t;
  if (once(d, ONCE_FATAL_HANDLER, "fatal-handler") || !(t = want(d, TOK_NAME, "continue or abort"))) return -1;
  if (strcmp(t->text, "continue") && strcmp(t->text, "abort"))
    return parse_error(d->p, d->line, t->col, "fatal-handler takes continue or abort");
  d->p->s->fatal_continue = !strcmp(t->text, "continue");
  return 0;
}

/* expect-race CODE[, CODE...]: what `isoreplay explore` must find in other schedules
 * (an extension, docs/explore.md); may repeat. */
static int d_expect_race(directive_ctx *d) {
  for (;;) {
    const token *t = want(d, TOK_NAME, "a violation code, e.g. use-after-dispose");
    if (!t) return -1;
    ck_code code;
    if (ck_code_parse(t->text, &code))
      return parse_error(d->p, d->line, t->col, "unknown violation code '%s' (isoreplay codes lists them)", t->text);
    d->p->s->race_expect |= 1u << code;
    if (!d->p->s->race_expect_line) d->p->s->race_expect_line = d->line;
    if (at(d)->kind != TOK_COMMA) return 0;
    d->i++;
  }
}

static const struct { const char *name; int (*parse)(directive_ctx *); } DIRECTIVES[] = {
  {"title", d_title}, {"source", d_source}, {"model", d_model}, {"tags", d_tags},
  {"timeout", d_timeout}, {"expect-end", d_expect_end}, {"skip", d_skip},
  {"expect-sanitizer", d_expect_sanitizer}, {"fatal-handler", d_fatal_handler}, {"expect-race", d_expect_race},
};

static int directive(parser *p, int line, const tok_line *tl) {
  const token *name = tok(tl, 0);
  if (p->s->nsteps) return parse_error(p, line, name->col, "header directive '%s' after the first step", name->text);
  if (p->repeat_line) return parse_error(p, line, name->col, "header directive '%s' inside a repeat block", name->text);
  directive_ctx d = {p, line, tl, 1};
  size_t k = 0;
  while (k < sizeof DIRECTIVES / sizeof DIRECTIVES[0] && strcmp(DIRECTIVES[k].name, name->text)) k++;
  if (k == sizeof DIRECTIVES / sizeof DIRECTIVES[0])
    return parse_error(p, line, name->col,
                       "unknown directive '%s': a step is THREAD: OP ...; directives are title, source, "
                       "model, tags, timeout, expect-end, skip, expect-sanitizer, fatal-handler, expect-race", name->text);
  if (DIRECTIVES[k].parse(&d)) return -1;
  const token *rest = at(&d);
  if (rest->kind == TOK_ERROR) return parse_error(p, line, rest->col, "%s", rest->text);
  if (rest->kind != TOK_EOL)
    return parse_error(p, line, rest->col, "unexpected %s after '%s'", kind_name(rest->kind), name->text);
  return 0;
}

/* ---- steps and the end expectation ------------------------------------------------ */

static int step_line(parser *p, int line, const tok_line *tl) {
  scenario *s = p->s;
  if (s->has_end_expect)
    return parse_error(p, line, tok(tl, 0)->col, "a step after the end-of-scenario expectation at line %d", s->end_expect_line);
  if (!p->check_only && s->nsteps >= SCN_MAX_STEPS)
    return parse_error(p, line, 1, "more than %d steps after expanding repeat blocks", SCN_MAX_STEPS);
  scn_step st = {0};
  st.line = line;
  st.iteration_line = p->repeat_line;
  st.block_open = -1;
  st.block_parent = p->nblocks ? p->blocks[p->nblocks - 1] : -1;
  char msg[600];
  int col = 0;
  if (parse_step(tl, &st, msg, sizeof msg, &col)) {
    scn_step_free(&st);
    return col < 0 ? parse_nomem(p) : parse_error(p, line, col, "%s", msg);
  }
  if (st.opens_block && p->nblocks == SCN_MAX_BLOCK_NESTING) {
    scn_step_free(&st);
    return parse_error(p, line, tok(tl, 0)->col, "blocks nest at most %d deep", SCN_MAX_BLOCK_NESTING);
  }
  int index = p->check_only ? -1 : s->nsteps;
  if (st.opens_block) {
    p->blocks[p->nblocks] = index;
    p->block_lines[p->nblocks++] = line;
  }
  if (p->check_only) {  /* `repeat 0`: checked, not kept */
    scn_step_free(&st);
    return 0;
  }
  if (vec_grow(&s->steps, &p->steps_cap, (size_t)s->nsteps + 1, sizeof *s->steps)) {
    scn_step_free(&st);
    return parse_nomem(p);
  }
  s->steps[s->nsteps++] = st;
  return 0;
}

/* A line holding only `}`: the innermost block ends; its opener's thread returns from
 * the callback here (a CK_BLOCK_END step of that thread). */
static int block_close(parser *p, int line, const tok_line *tl) {
  scenario *s = p->s;
  const token *brace = tok(tl, 0), *rest = tok(tl, 1);
  if (rest->kind != TOK_EOL) return parse_error(p, line, rest->col, "a line with '}' holds nothing else");
  if (p->nblocks == p->block_floor)
    return parse_error(p, line, brace->col, p->nblocks ? "'}' closes a block opened outside this repeat block"
                                                       : "'}' without a block to close (a run or a gc line ending with '{' opens one)");
  int opener = p->blocks[--p->nblocks];
  if (opener < 0) return 0;  /* a `repeat 0` body */
  if (s->nsteps >= SCN_MAX_STEPS) return parse_error(p, line, 1, "more than %d steps after expanding repeat blocks", SCN_MAX_STEPS);
  scn_step st = {0};
  st.line = line;
  st.col = st.op_col = brace->col;
  st.iteration_line = p->repeat_line;
  st.op = CK_BLOCK_END;
  st.block_open = opener;
  st.block_parent = p->nblocks ? p->blocks[p->nblocks - 1] : -1;
  const scn_step *o = &s->steps[opener];
  if (!(st.thread = strdup(o->thread)) || (o->task && !(st.task = strdup(o->task))) ||
      vec_grow(&s->steps, &p->steps_cap, (size_t)s->nsteps + 1, sizeof *s->steps)) {
    scn_step_free(&st);
    return parse_nomem(p);
  }
  s->steps[opener].block_end = s->nsteps;
  s->steps[s->nsteps++] = st;
  return 0;
}

int check_blocks_closed(parser *p, int floor, const char *where) {
  if (p->nblocks <= floor) return 0;
  free(p->cur_text);
  p->cur_text = NULL;  /* the diagnostic shows the opener's line */
  return parse_error(p, p->block_lines[p->nblocks - 1], 1, "this block is never closed %s: end it with a line holding only '}'", where);
}

static int end_expectation(parser *p, int line, const tok_line *tl) {
  scenario *s = p->s;
  if (!s->nsteps && !p->check_only)
    return parse_error(p, line, tok(tl, 0)->col, "an end-of-scenario expectation must follow the last step");
  if (p->repeat_line) return parse_error(p, line, tok(tl, 0)->col, "an end-of-scenario expectation inside a repeat block");
  if (p->nblocks) return parse_error(p, line, tok(tl, 0)->col, "an end-of-scenario expectation inside a block (opened at line %d)", p->block_lines[p->nblocks - 1]);
  if (s->has_end_expect)
    return parse_error(p, line, tok(tl, 0)->col, "end-of-scenario expectation given twice (first at line %d)", s->end_expect_line);
  char msg[600];
  int i = 0, col = 0;
  if (parse_codes(tl, &i, &s->end_expect, &s->end_cond_codes, &s->nend_cond_codes, msg, sizeof msg, &col))
    return col < 0 ? parse_nomem(p) : parse_error(p, line, col, "%s", msg);
  if (tok(tl, i)->kind != TOK_EOL) return parse_error(p, line, tok(tl, i)->col, "expected ',' or end of line after a code");
  s->has_end_expect = 1;
  s->end_expect_line = line;
  return 0;
}

int parse_line(parser *p, int line) {
  tok_line tl;
  if (lex_line(p->cur_text, p->cur_len, &tl)) return parse_nomem(p);
  const token *t0 = tok(&tl, 0), *t1 = tok(&tl, 1);
  int rc = 0;
  if (t0->kind == TOK_EOL) rc = 0;
  else if (t0->kind == TOK_ERROR) rc = parse_error(p, line, t0->col, "%s", t0->text);
  else if (t0->kind == TOK_BANG) rc = end_expectation(p, line, &tl);
  else if (t0->kind == TOK_RBRACE) rc = block_close(p, line, &tl);
  else if (t0->kind == TOK_NAME && (t1->kind == TOK_COLON || t1->kind == TOK_SLASH)) rc = step_line(p, line, &tl);
  else if (t0->kind == TOK_NAME) rc = directive(p, line, &tl);
  else rc = parse_error(p, line, t0->col, "expected a step (THREAD: OP ...), a directive, '}' or '! code'");
  lex_free(&tl);
  return rc;
}

/* ---- entry points ----------------------------------------------------------------- */

/* The whole file: lines, expansion, the required parts, the checks across steps. */
static int parse_all(parser *p) {
  scenario *s = p->s;
  if (s->text_len == 0) return parse_error(p, 1, 1, "empty file: a scenario needs a title and at least one step");
  if (split_lines(p) || expand(p, 0, s->nlines)) return -1;
  free(p->cur_text);
  p->cur_text = NULL;
  if (check_blocks_closed(p, 0, "before the end of the file")) return -1;
  if (!s->title) return parse_error(p, 1, 1, "missing 'title \"...\"': every scenario needs a title");
  if (!s->nsteps) return parse_error(p, s->nlines, 1, "no steps: a scenario needs at least one THREAD: OP line");
  return sema_check(p);
}

int scn_parse(const char *path, const char *text, size_t len, scenario **out, iso_err *err) {
  *out = NULL;
  scenario *s = calloc(1, sizeof *s);
  parser p = {.path = path, .s = s, .err = err};
  if (!s || !(s->path = strdup(path)) || !(s->text = malloc(len + 1))) {
    scn_free(s);
    return iso_fail(err, ISO_ERR_NOMEM, "%s: error: out of memory\n", path);
  }
  memcpy(s->text, text, len);
  s->text[len] = '\0';
  s->text_len = len;
  s->timeout_ms = 10000;
  int rc = parse_all(&p);
  free(p.cur_text);
  if (rc) {
    scn_free(s);
    return -1;
  }
  *out = s;
  return 0;
}
