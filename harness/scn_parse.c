/* scn_parse.c — the scenario language: file checks, `repeat` expansion, header
 * directives, steps and expectations. The first error stops the parse; nothing runs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario.h"
#include "scn_lex.h"
#include "scn_sema.h"

#include "strdup_opt.h"

enum { MAX_DEPTH = 16, MAX_REPEAT = 100000 };

typedef struct var { char name[64]; long value; } var;

typedef struct parser {
  const char *path;
  scenario *s;
  char *diag;
  const char **start;     /* line starts */
  size_t *len;            /* line lengths */
  int nlines;
  var vars[MAX_DEPTH];
  int nvars;
  int repeat_line;        /* innermost repeat's line, 0 outside */
  int steps_cap;
  int title_line;
  char *cur_text;         /* the line being parsed (after $ substitution) */
  size_t cur_len;
} parser;

/* Records the first error at line:col of the text being parsed (or the source line). */
static int err(parser *p, int line, int col, const char *fmt, ...) {
  if (p->diag) return -1;
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *src = p->cur_text;
  size_t n = p->cur_len;
  if (!src && line >= 1 && line <= p->nlines) {
    src = p->start[line - 1];
    n = p->len[line - 1];
  }
  p->diag = diag_format(p->path, line, col, src, src ? n : 0, msg);
  return -1;
}

/* ---- file checks ------------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at s (1..4), or 0. */
static int utf8_len(const unsigned char *s, size_t left) {
  if (s[0] < 0x80) return 1;
  int n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (!n || (size_t)n > left || (n == 2 && s[0] < 0xC2)) return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}

static int split_lines(parser *p, const char *text, size_t len) {
  int cap = 64, line = 1;
  p->start = malloc((size_t)cap * sizeof *p->start);
  p->len = malloc((size_t)cap * sizeof *p->len);
  if (!p->start || !p->len) return err(p, 1, 1, "out of memory");
  size_t i = 0, ls = 0;
  while (i <= len) {
    if (i == len || text[i] == '\n') {
      if (p->nlines == cap) {
        cap *= 2;
        const char **a = realloc(p->start, (size_t)cap * sizeof *a);
        size_t *b = a ? realloc(p->len, (size_t)cap * sizeof *b) : NULL;
        if (a) p->start = a;
        if (!a || !b) return err(p, line, 1, "out of memory");
        p->len = b;
      }
      p->start[p->nlines] = text + ls;
      p->len[p->nlines++] = i - ls;
      if (i - ls > SCN_MAX_LINE)
        return err(p, line, SCN_MAX_LINE + 1, "line is %zu characters long; lines are limited to %d",
                   i - ls, SCN_MAX_LINE);
      line++;
      ls = i + 1;
      i++;
      continue;
    }
    if (text[i] == '\0') {
      p->nlines++;
      p->start[p->nlines - 1] = text + ls;
      p->len[p->nlines - 1] = i - ls;
      return err(p, line, (int)(i - ls) + 1, "binary file: a NUL byte; a scenario is UTF-8 text");
    }
    int n = utf8_len((const unsigned char *)text + i, len - i);
    if (!n) {
      p->start[p->nlines] = text + ls;
      p->len[p->nlines] = i - ls;
      p->nlines++;
      return err(p, line, (int)(i - ls) + 1, "not UTF-8 text (byte 0x%02x); a scenario is UTF-8 text",
                 (unsigned char)text[i]);
    }
    i += (size_t)n;
  }
  return 0;
}

/* ---- $var substitution ------------------------------------------------------------ */

/* Replaces $name by loop values outside comments; the result goes to p->cur_text. */
static int substitute(parser *p, int line, const char *src, size_t n) {
  size_t cap = n * 2 + 64, o = 0;
  char *out = malloc(cap);
  if (!out) return err(p, line, 1, "out of memory");
  int in_str = 0;
  for (size_t i = 0; i < n; i++) {
    char c = src[i];
    if (c == '"' && (i == 0 || src[i - 1] != '\\')) in_str = !in_str;
    if (c == '#' && !in_str) {
      memcpy(out + o, src + i, n - i);
      o += n - i;
      break;
    }
    if (c != '$') {
      out[o++] = c;
      continue;
    }
    size_t j = i + 1;
    while (j < n && ((src[j] >= 'a' && src[j] <= 'z') || (src[j] >= 'A' && src[j] <= 'Z') ||
                     (src[j] >= '0' && src[j] <= '9') || src[j] == '_'))
      j++;
    const var *v = NULL;
    for (int k = p->nvars - 1; k >= 0 && !v; k--)
      if (strlen(p->vars[k].name) == j - i - 1 && !strncmp(p->vars[k].name, src + i + 1, j - i - 1))
        v = &p->vars[k];
    if (!v) {
      free(out);
      free(p->cur_text);
      p->cur_text = NULL;  /* the diagnostic shows the source line */
      return err(p, line, (int)i + 1, p->nvars ? "unknown loop variable '%.*s'"
                                               : "'%.*s' outside a repeat block",
                 (int)(j - i), src + i);
    }
    char num[32];
    int k = snprintf(num, sizeof num, "%ld", v->value);
    if (o + (size_t)k + (n - j) + 1 > cap) {
      cap = o + (size_t)k + (n - j) + 64;
      char *q = realloc(out, cap);
      if (!q) {
        free(out);
        return err(p, line, 1, "out of memory");
      }
      out = q;
    }
    memcpy(out + o, num, (size_t)k);
    o += (size_t)k;
    i = j - 1;
  }
  out[o] = '\0';
  free(p->cur_text);
  p->cur_text = out;
  p->cur_len = o;
  return 0;
}

/* ---- lines ------------------------------------------------------------------------ */

static int parse_steps_line(parser *p, int line, tok_line *tl);  /* below */

static int token_error(parser *p, int line, const token *t) {
  return err(p, line, t->col, "%s", t->text ? t->text : "bad token");
}

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
    default: return "a bad token";
  }
}

/* Expects a token kind at t[*i]; advances. */
static int want(parser *p, int line, tok_line *tl, int *i, tok_kind k, const char *what) {
  const token *t = &tl->t[*i];
  if (t->kind == TOK_ERROR) return token_error(p, line, t);
  if (t->kind != k)
    return err(p, line, t->col, "expected %s, found %s", what, kind_name(t->kind));
  (*i)++;
  return 0;
}

static int parse_duration(parser *p, int line, const token *t, long *ms) {
  char *end;
  errno = 0;
  long v = strtol(t->text, &end, 10);
  long mul = !strcmp(end, "ms") ? 1 : !strcmp(end, "s") ? 1000 : 0;
  if (!mul || errno || v <= 0 || v > 3600L * 1000 / mul)
    return err(p, line, t->col, "bad duration '%s': write it as 250ms or 5s (at most 3600s)", t->text);
  *ms = v * mul;
  return 0;
}

/* `! code, code` from t[*i] into *set. */
static int parse_codes(parser *p, int line, tok_line *tl, int *i, unsigned *set) {
  (*i)++;  /* the ! */
  for (;;) {
    const token *t = &tl->t[*i];
    if (t->kind == TOK_ERROR) return token_error(p, line, t);
    if (t->kind != TOK_NAME) return err(p, line, t->col, "expected a violation code after '!'");
    ck_code c;
    if (ck_code_parse(t->text, &c))
      return err(p, line, t->col, "'%s' is not a violation code (see docs/violations.md)", t->text);
    *set |= 1u << c;
    (*i)++;
    if (tl->t[*i].kind != TOK_COMMA) return 0;
    (*i)++;
  }
}

/* FLAVOR "text" after a directive, appended to *notes. FLAVOR is asan or tsan, or
 * default too when with_default; the *_what strings and bad_flavor (a format for the
 * name given) word the errors. */
static int flavor_note(parser *p, int line, tok_line *tl, int *i, int with_default, const char *flavor_what,
                       const char *bad_flavor, const char *text_what, scn_flavor_note **notes, int *n) {
  const token *t = tl->t;
  if (want(p, line, tl, i, TOK_NAME, flavor_what)) return -1;
  int known = !strcmp(t[1].text, "asan") || !strcmp(t[1].text, "tsan") ||
              (with_default && !strcmp(t[1].text, "default"));
  if (!known) return err(p, line, t[1].col, bad_flavor, t[1].text);
  if (want(p, line, tl, i, TOK_STRING, text_what)) return -1;
  scn_flavor_note *q = realloc(*notes, (size_t)(*n + 1) * sizeof *q);
  if (!q) return err(p, line, 1, "out of memory");
  *notes = q;
  q[(*n)++] = (scn_flavor_note){strdup_opt(t[1].text), strdup_opt(t[2].text)};
  return 0;
}

static int directive(parser *p, int line, tok_line *tl) {
  scenario *s = p->s;
  const token *t = tl->t;
  const char *d = t[0].text;
  int i = 1;
  if (s->nsteps)
    return err(p, line, t[0].col, "header directive '%s' after the first step", d);
  if (!strcmp(d, "title")) {
    if (s->title) return err(p, line, t[0].col, "title given twice (first at line %d)", p->title_line);
    if (want(p, line, tl, &i, TOK_STRING, "the title as a string")) return -1;
    s->title = strdup_opt(t[1].text);
    p->title_line = line;
  } else if (!strcmp(d, "source")) {
    if (want(p, line, tl, &i, TOK_STRING, "the source as a string")) return -1;
    char **q = realloc(s->sources, (size_t)(s->nsources + 1) * sizeof *q);
    if (!q) return err(p, line, 1, "out of memory");
    s->sources = q;
    s->sources[s->nsources++] = strdup_opt(t[1].text);
  } else if (!strcmp(d, "model")) {
    if (want(p, line, tl, &i, TOK_NAME, "v8 or rusty_v8")) return -1;
    if (!strcmp(t[1].text, "v8")) s->model = CK_MODEL_V8;
    else if (!strcmp(t[1].text, "rusty_v8")) s->model = CK_MODEL_RUSTY_V8;
    else return err(p, line, t[1].col, "unknown model '%s': use v8 or rusty_v8", t[1].text);
  } else if (!strcmp(d, "tags")) {
    for (; t[i].kind == TOK_NAME; i++) {
      char **q = realloc(s->tags, (size_t)(s->ntags + 1) * sizeof *q);
      if (!q) return err(p, line, 1, "out of memory");
      s->tags = q;
      s->tags[s->ntags++] = strdup_opt(t[i].text);
    }
    if (i == 1) return err(p, line, t[1].col, "tags needs at least one word");
  } else if (!strcmp(d, "timeout")) {
    if (t[1].kind != TOK_NUMBER) return err(p, line, t[1].col, "expected a duration such as 5s");
    if (parse_duration(p, line, &t[1], &s->timeout_ms)) return -1;
    i = 2;
  } else if (!strcmp(d, "expect-end")) {
    if (want(p, line, tl, &i, TOK_NAME, "clean, fatal \"prefix\" or signal NAME")) return -1;
    if (!strcmp(t[1].text, "clean")) {
      s->end = SCN_END_CLEAN;
    } else if (!strcmp(t[1].text, "fatal")) {
      if (want(p, line, tl, &i, TOK_STRING, "the fatal message's start as a string")) return -1;
      s->end = SCN_END_FATAL;
      s->end_text = strdup_opt(t[2].text);
    } else if (!strcmp(t[1].text, "signal")) {
      if (want(p, line, tl, &i, TOK_NAME, "a signal name such as SEGV")) return -1;
      int sig = -1;
      for (int k = 1; k < 65 && sig < 0; k++)
        if (scn_signal_name(k) && !strcmp(scn_signal_name(k), t[2].text)) sig = k;
      if (sig < 0)
        return err(p, line, t[2].col, "unknown signal '%s': use SEGV, TRAP, ABRT, BUS, ILL, FPE or KILL", t[2].text);
      s->end = SCN_END_SIGNAL;
      s->end_signal = sig;
    } else {
      return err(p, line, t[1].col, "expect-end takes clean, fatal \"prefix\" or signal NAME");
    }
  } else if (!strcmp(d, "skip")) {
    if (flavor_note(p, line, tl, &i, 1, "a build flavor (default, asan, tsan)", "unknown flavor '%s': use default, asan or tsan",
                    "the reason as a string", &s->skips, &s->nskips))
      return -1;
  } else if (!strcmp(d, "expect-sanitizer")) {
    if (flavor_note(p, line, tl, &i, 0, "a sanitizer build (asan or tsan)", "expect-sanitizer takes asan or tsan, not '%s'",
                    "the finding's text, e.g. \"data race\"", &s->sanitizers, &s->nsanitizers))
      return -1;
  } else if (!strcmp(d, "fatal-handler")) {
    if (want(p, line, tl, &i, TOK_NAME, "continue or abort")) return -1;
    if (strcmp(t[1].text, "continue") && strcmp(t[1].text, "abort"))
      return err(p, line, t[1].col, "fatal-handler takes continue or abort");
    s->fatal_continue = !strcmp(t[1].text, "continue");
  } else {
    return err(p, line, t[0].col,
               "unknown directive '%s': a step is THREAD: OP ...; directives are title, source, "
               "model, tags, timeout, expect-end, skip, expect-sanitizer, fatal-handler", d);
  }
  if (tl->t[i].kind == TOK_ERROR) return token_error(p, line, &tl->t[i]);
  if (tl->t[i].kind != TOK_EOL)
    return err(p, line, tl->t[i].col, "unexpected %s after '%s'", kind_name(tl->t[i].kind), d);
  return 0;
}

/* One line after substitution: blank, directive, step, or the end expectation. */
static int parse_line(parser *p, int line) {
  tok_line tl;
  if (lex_line(p->cur_text, p->cur_len, &tl)) return err(p, line, 1, "out of memory");
  int rc = 0;
  const token *t = tl.t;
  if (t[0].kind == TOK_EOL) {
    rc = 0;
  } else if (t[0].kind == TOK_ERROR) {
    rc = token_error(p, line, &t[0]);
  } else if (t[0].kind == TOK_BANG) {
    if (!p->s->nsteps) {
      rc = err(p, line, t[0].col, "an end-of-scenario expectation must follow the last step");
    } else if (p->s->has_end_expect) {
      rc = err(p, line, t[0].col, "end-of-scenario expectation given twice (first at line %d)",
               p->s->end_expect_line);
    } else {
      int i = 0;
      rc = parse_codes(p, line, &tl, &i, &p->s->end_expect);
      if (!rc && tl.t[i].kind != TOK_EOL)
        rc = err(p, line, tl.t[i].col, "expected ',' or end of line after a code");
      p->s->has_end_expect = 1;
      p->s->end_expect_line = line;
    }
  } else if (t[0].kind == TOK_NAME && (t[1].kind == TOK_COLON || t[1].kind == TOK_SLASH)) {
    if (p->s->has_end_expect)
      rc = err(p, line, t[0].col, "a step after the end-of-scenario expectation at line %d",
               p->s->end_expect_line);
    else
      rc = parse_steps_line(p, line, &tl);
  } else if (t[0].kind == TOK_NAME) {
    rc = directive(p, line, &tl);
  } else {
    rc = err(p, line, t[0].col, "expected a step (THREAD: OP ...), a directive or '! code'");
  }
  lex_free(&tl);
  return rc;
}

/* ---- repeat expansion ------------------------------------------------------------- */

/* First token of a raw line: 1 = `repeat`, 2 = `done`, 0 = other. */
static int block_word(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  size_t j = i;
  while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '#' && s[j] != ':' && s[j] != '/') j++;
  size_t k = j;
  while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
  int rest_empty = k == n || s[k] == '#';
  if (j - i == 6 && !strncmp(s + i, "repeat", 6) && !rest_empty && s[k] != ':' && s[k] != '/') return 1;
  if (j - i == 4 && !strncmp(s + i, "done", 4) && rest_empty) return 2;
  return 0;
}

static int expand(parser *p, int from, int to) {
  for (int i = from; i < to && !p->diag; i++) {
    int line = i + 1, kind = block_word(p->start[i], p->len[i]);
    if (kind == 2) return err(p, line, 1, "'done' without a matching 'repeat'");
    if (kind == 0) {
      if (substitute(p, line, p->start[i], p->len[i]) || parse_line(p, line)) return -1;
      continue;
    }
    if (substitute(p, line, p->start[i], p->len[i])) return -1;
    tok_line tl;
    if (lex_line(p->cur_text, p->cur_len, &tl)) return err(p, line, 1, "out of memory");
    const token *t = tl.t;
    char *end = NULL;
    long n = t[1].kind == TOK_NUMBER ? strtol(t[1].text, &end, 10) : -1;
    int bad = t[1].kind != TOK_NUMBER || *end || n < 0 || n > MAX_REPEAT;
    int bad_as = !bad && (t[2].kind != TOK_NAME || strcmp(t[2].text, "as") || t[3].kind != TOK_NAME ||
                          t[4].kind != TOK_EOL);
    int col = bad ? t[1].col : t[2].col;
    char varname[64];
    snprintf(varname, sizeof varname, "%s", !bad && !bad_as ? t[3].text : "");
    lex_free(&tl);
    if (bad) return err(p, line, col, "repeat needs a count from 0 to %d: repeat N as NAME", MAX_REPEAT);
    if (bad_as) return err(p, line, col, "expected 'as NAME' after the count: repeat N as NAME");
    if (p->nvars == MAX_DEPTH) return err(p, line, 1, "repeat blocks nest at most %d deep", MAX_DEPTH);
    int depth = 1, j = i + 1;
    for (; j < to && depth; j++) {
      int k = block_word(p->start[j], p->len[j]);
      depth += k == 1 ? 1 : k == 2 ? -1 : 0;
    }
    if (depth) {
      free(p->cur_text);
      p->cur_text = NULL;  /* show the source line */
      return err(p, line, 1, "'repeat' without a matching 'done'");
    }
    int body_end = j - 1, saved = p->repeat_line;
    p->repeat_line = line;
    snprintf(p->vars[p->nvars].name, sizeof p->vars[p->nvars].name, "%s", varname);
    p->nvars++;
    for (long k = 0; k < n && !p->diag; k++) {
      p->vars[p->nvars - 1].value = k;
      if (expand(p, i + 1, body_end)) break;
    }
    p->nvars--;
    p->repeat_line = saved;
    i = body_end;
  }
  return p->diag ? -1 : 0;
}

/* ---- entry points ----------------------------------------------------------------- */

static int parse_steps_line(parser *p, int line, tok_line *tl) {
  scenario *s = p->s;
  if (s->nsteps >= SCN_MAX_STEPS)
    return err(p, line, 1, "more than %d steps after expanding repeat blocks", SCN_MAX_STEPS);
  if (s->nsteps == p->steps_cap) {
    int n = p->steps_cap ? p->steps_cap * 2 : 64;
    scn_step *q = realloc(s->steps, (size_t)n * sizeof *q);
    if (!q) return err(p, line, 1, "out of memory");
    s->steps = q;
    p->steps_cap = n;
  }
  scn_step *st = &s->steps[s->nsteps];
  memset(st, 0, sizeof *st);
  st->line = line;
  st->iteration_line = p->repeat_line;
  char msg[600];
  int col = 0;
  if (sema_parse_step(tl, st, msg, sizeof msg, &col)) {
    scn_step_free(st);
    return err(p, line, col, "%s", msg);
  }
  s->nsteps++;
  return 0;
}

int scn_parse(const char *path, const char *text, size_t len, scenario **out, char **diag) {
  parser p;
  memset(&p, 0, sizeof p);
  p.path = path;
  *out = NULL;
  *diag = NULL;
  scenario *s = calloc(1, sizeof *s);
  if (!s) return -1;
  p.s = s;
  s->path = strdup_opt(path);
  s->text = malloc(len + 1);
  if (s->text) {
    memcpy(s->text, text, len);
    s->text[len] = '\0';
  }
  s->text_len = len;
  s->timeout_ms = 10000;
  int rc = 0;
  if (len == 0)
    rc = err(&p, 1, 1, "empty file: a scenario needs a title and at least one step");
  if (!rc) rc = split_lines(&p, s->text, len);
  if (!rc) rc = expand(&p, 0, p.nlines);
  free(p.cur_text);
  p.cur_text = NULL;
  if (!rc && !s->title) rc = err(&p, 1, 1, "missing 'title \"...\"': every scenario needs a title");
  if (!rc && !s->nsteps) rc = err(&p, p.nlines, 1, "no steps: a scenario needs at least one THREAD: OP line");
  if (!rc) {
    char msg[600];
    int line = 0, col = 0;
    if (sema_check(s, msg, sizeof msg, &line, &col)) rc = err(&p, line, col, "%s", msg);
  }
  free(p.start);
  free(p.len);
  if (rc) {
    *diag = p.diag ? p.diag : strdup_opt("isoreplay: out of memory\n");
    scn_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

int scn_load(const char *path, scenario **out, char **diag) {
  *out = NULL;
  *diag = NULL;
  struct stat st;
  char msg[512];
  FILE *f = fopen(path, "rb");
  if (!f || fstat(fileno(f), &st) != 0) {
    snprintf(msg, sizeof msg, "%s: error: cannot read: %s\n", path, strerror(errno));
    if (f) fclose(f);
    *diag = strdup_opt(msg);
    return -1;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > SCN_MAX_FILE_BYTES) {
    snprintf(msg, sizeof msg, S_ISREG(st.st_mode)
             ? "%s:1:1: error: the file is %lld bytes; scenario files are limited to %ld bytes\n"
             : "%s:1:1: error: not a regular file%.0lld%.0ld\n",
             path, (long long)st.st_size, SCN_MAX_FILE_BYTES);
    fclose(f);
    *diag = strdup_opt(msg);
    return -1;
  }
  size_t n = (size_t)st.st_size;
  char *buf = malloc(n + 1);
  if (!buf || fread(buf, 1, n, f) != n) {
    snprintf(msg, sizeof msg, "%s: error: cannot read the file\n", path);
    free(buf);
    fclose(f);
    *diag = strdup_opt(msg);
    return -1;
  }
  fclose(f);
  int rc = scn_parse(path, buf, n, out, diag);
  free(buf);
  return rc;
}
