/* scn_sema.c — step grammar, cross-step checks, and the scenario's small accessors. */
#define _XOPEN_SOURCE 700
#include "scn_sema.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strdup_opt.h"

typedef enum args { A_NONE, A_ISO, A_CONTEXT, A_RUN, A_CHECK } args;

static const struct { const char *name; ck_op op; args args; } OPS[] = {
  {"new", CK_NEW, A_ISO}, {"dispose", CK_DISPOSE, A_ISO}, {"drop", CK_DROP, A_ISO},
  {"enter", CK_ENTER, A_ISO}, {"exit", CK_EXIT, A_ISO}, {"lock", CK_LOCK, A_ISO},
  {"unlock", CK_UNLOCK, A_ISO}, {"unlocker", CK_UNLOCKER, A_ISO}, {"relock", CK_RELOCK, A_ISO},
  {"context", CK_CONTEXT, A_CONTEXT}, {"run", CK_RUN, A_RUN}, {"wait", CK_WAIT, A_NONE},
  {"terminate", CK_TERMINATE, A_ISO}, {"cancel-terminate", CK_CANCEL_TERMINATE, A_ISO},
  {"interrupt", CK_INTERRUPT, A_ISO}, {"gc", CK_GC, A_ISO}, {"check", CK_CHECK_CURRENT, A_CHECK},
  {"await", CK_AWAIT, A_NONE}, {"end", CK_THREAD_END, A_NONE},
};

static int fail(char *msg, size_t n, int *col, int at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, n, fmt, ap);
  va_end(ap);
  *col = at;
  return -1;
}

static const char *found(const token *t) {
  switch (t->kind) {
    case TOK_EOL: return "the end of the line";
    case TOK_STRING: return "a string";
    case TOK_NUMBER: return "a number";
    case TOK_NAME: return "a name";
    default: return "punctuation";
  }
}

/* A name token at t[*i] into *out; advances. */
static int take_name(const tok_line *tl, int *i, char **out, int *out_col, const char *what,
                     char *msg, size_t n, int *col) {
  const token *t = &tl->t[*i];
  if (t->kind == TOK_ERROR) return fail(msg, n, col, t->col, "%s", t->text);
  if (t->kind != TOK_NAME) return fail(msg, n, col, t->col, "expected %s, found %s", what, found(t));
  *out = strdup_opt(t->text);
  if (out_col) *out_col = t->col;
  (*i)++;
  return 0;
}

int sema_parse_step(const tok_line *tl, scn_step *st, char *msg, size_t n, int *col) {
  const token *t = tl->t;
  int i = 0;
  st->col = t[0].col;
  st->thread = strdup_opt(t[0].text);
  i = 1;
  if (t[i].kind == TOK_SLASH) {
    i++;
    if (take_name(tl, &i, &st->task, NULL, "a task name after '/'", msg, n, col)) return -1;
  }
  if (t[i].kind != TOK_COLON) return fail(msg, n, col, t[i].col, "expected ':' after the thread");
  i++;
  if (t[i].kind == TOK_ERROR) return fail(msg, n, col, t[i].col, "%s", t[i].text);
  if (t[i].kind != TOK_NAME) return fail(msg, n, col, t[i].col, "expected an op after ':'");
  int op = -1;
  for (size_t k = 0; k < sizeof OPS / sizeof OPS[0] && op < 0; k++)
    if (!strcmp(OPS[k].name, t[i].text)) op = (int)k;
  if (op < 0)
    return fail(msg, n, col, t[i].col,
                "unknown op '%s': expected new, dispose, drop, enter, exit, lock, unlock, "
                "unlocker, relock, context, run, wait, terminate, cancel-terminate, interrupt, "
                "gc, check current, await or end", t[i].text);
  st->op = OPS[op].op;
  st->op_col = t[i].col;
  i++;
  switch (OPS[op].args) {
    case A_NONE: break;
    case A_ISO:
    case A_CONTEXT:
    case A_RUN:
      if (take_name(tl, &i, &st->isolate, &st->isolate_col, "an isolate name", msg, n, col)) return -1;
      if (OPS[op].args == A_CONTEXT && t[i].kind == TOK_NAME && !strcmp(t[i].text, "as")) {
        i++;
        if (take_name(tl, &i, &st->context, NULL, "a context name after 'as'", msg, n, col)) return -1;
      }
      if (OPS[op].args == A_RUN) {
        if (t[i].kind == TOK_ERROR) return fail(msg, n, col, t[i].col, "%s", t[i].text);
        if (t[i].kind != TOK_STRING)
          return fail(msg, n, col, t[i].col, "run needs the script as a string: run X \"js\"");
        st->js = strdup_opt(t[i].text);
        i++;
        if (t[i].kind == TOK_NAME && !strcmp(t[i].text, "in")) {
          i++;
          if (take_name(tl, &i, &st->context, NULL, "a context name after 'in'", msg, n, col)) return -1;
        }
      }
      break;
    case A_CHECK:
      if (t[i].kind != TOK_NAME || strcmp(t[i].text, "current"))
        return fail(msg, n, col, t[i].col, "expected 'current': check current X / check current none");
      i++;
      if (take_name(tl, &i, &st->check_target, &st->isolate_col, "an isolate name or none", msg, n, col))
        return -1;
      if (!strcmp(st->check_target, "none")) {
        free(st->check_target);
        st->check_target = NULL;
      }
      break;
  }
  if (t[i].kind == TOK_ARROW) {
    if (st->op != CK_RUN) return fail(msg, n, col, t[i].col, "'=>' gives the result of a run, not of %s", OPS[op].name);
    i++;
    if (t[i].kind == TOK_STRING) {
      st->result = SCN_RESULT_VALUE;
      st->result_text = strdup_opt(t[i].text);
      i++;
    } else if (t[i].kind == TOK_NAME && !strcmp(t[i].text, "throws")) {
      i++;
      if (t[i].kind != TOK_STRING)
        return fail(msg, n, col, t[i].col, "expected the message text: => throws \"text\"");
      st->result = SCN_RESULT_THROWS;
      st->result_text = strdup_opt(t[i].text);
      i++;
    } else if (t[i].kind == TOK_NAME && !strcmp(t[i].text, "terminated")) {
      st->result = SCN_RESULT_TERMINATED;
      i++;
    } else {
      return fail(msg, n, col, t[i].col, "expected \"text\", throws \"text\" or terminated after '=>'");
    }
  }
  if (t[i].kind == TOK_AMP) {
    st->background = 1;
    i++;
  }
  if (t[i].kind == TOK_BANG) {
    st->has_expect = 1;
    i++;
    for (;;) {
      if (t[i].kind == TOK_ERROR) return fail(msg, n, col, t[i].col, "%s", t[i].text);
      if (t[i].kind != TOK_NAME) return fail(msg, n, col, t[i].col, "expected a violation code after '!'");
      ck_code c;
      if (ck_code_parse(t[i].text, &c))
        return fail(msg, n, col, t[i].col, "'%s' is not a violation code (see docs/violations.md)", t[i].text);
      st->expect |= 1u << c;
      i++;
      if (t[i].kind != TOK_COMMA) break;
      i++;
    }
  }
  if (t[i].kind == TOK_ERROR) return fail(msg, n, col, t[i].col, "%s", t[i].text);
  if (t[i].kind != TOK_EOL)
    return fail(msg, n, col, t[i].col, "unexpected %s: a step ends with [=> RESULT] [&] [! CODES]", found(&t[i]));
  return 0;
}

/* ---- cross-step checks ------------------------------------------------------------ */

typedef struct name_tab { char **names; int *lines; int n, cap; } name_tab;

static int tab_find(const name_tab *t, const char *name) {
  for (int i = t->n - 1; i >= 0; i--)
    if (!strcmp(t->names[i], name)) return i;
  return -1;
}

static int tab_add(name_tab *t, const char *name, int line) {
  if (t->n == t->cap) {
    int n = t->cap ? t->cap * 2 : 32;
    char **a = realloc(t->names, (size_t)n * sizeof *a);
    if (!a) return -1;
    t->names = a;
    int *b = realloc(t->lines, (size_t)n * sizeof *b);
    if (!b) return -1;
    t->lines = b;
    t->cap = n;
  }
  t->names[t->n] = (char *)name;
  t->lines[t->n++] = line;
  return t->n - 1;
}

int sema_check(const scenario *s, char *msg, size_t n, int *line, int *col) {
  name_tab isos = {0}, threads = {0};
  int *ended = NULL, *pending = NULL, rc = 0;
  ended = calloc((size_t)s->nsteps + 1, sizeof *ended);
  pending = calloc((size_t)s->nsteps + 1, sizeof *pending);
  if (!ended || !pending) rc = fail(msg, n, col, 1, "out of memory");
  for (int i = 0; i < s->nsteps && !rc; i++) {
    const scn_step *st = &s->steps[i];
    *line = st->line;
    int th = tab_find(&threads, st->thread);
    if (th < 0) th = tab_add(&threads, st->thread, st->line);
    if (th < 0) {
      rc = fail(msg, n, col, 1, "out of memory");
      break;
    }
    if (ended[th]) {
      rc = fail(msg, n, col, st->col, "thread '%s' ended at line %d and has no more steps",
                st->thread, ended[th]);
      break;
    }
    const char *iso = st->op == CK_CHECK_CURRENT ? st->check_target : st->isolate;
    if (iso && st->op != CK_NEW && tab_find(&isos, iso) < 0) {
      rc = fail(msg, n, col, st->isolate_col, "isolate '%s' is used before 'new %s'", iso, iso);
      break;
    }
    if (st->op == CK_NEW) {
      int at = tab_find(&isos, st->isolate);
      if (at >= 0) {
        rc = fail(msg, n, col, st->isolate_col, "isolate '%s' is created twice (first 'new' at line %d)",
                  st->isolate, isos.lines[at]);
        break;
      }
      if (tab_add(&isos, st->isolate, st->line) < 0) rc = fail(msg, n, col, 1, "out of memory");
    }
    if (st->op == CK_AWAIT && !st->task) {
      rc = fail(msg, n, col, st->op_col, "'await' needs a task: write %s/TASK: await", st->thread);
      break;
    }
    if (st->op == CK_WAIT && !pending[th]) {
      rc = fail(msg, n, col, st->op_col, "'wait' with no background step ('&') running on %s", st->thread);
      break;
    }
    pending[th] = st->background;
    if (st->op == CK_THREAD_END) ended[th] = st->line;
  }
  free(isos.names);
  free(isos.lines);
  free(threads.names);
  free(threads.lines);
  free(ended);
  free(pending);
  return rc;
}

/* ---- accessors -------------------------------------------------------------------- */

void scn_step_free(scn_step *st) {
  free(st->thread);
  free(st->task);
  free(st->isolate);
  free(st->context);
  free(st->check_target);
  free(st->js);
  free(st->result_text);
}

static void notes_free(scn_flavor_note *n, int count) {
  for (int i = 0; i < count; i++) {
    free(n[i].flavor);
    free(n[i].text);
  }
  free(n);
}

void scn_free(scenario *s) {
  if (!s) return;
  for (int i = 0; i < s->nsteps; i++) scn_step_free(&s->steps[i]);
  for (int i = 0; i < s->nsources; i++) free(s->sources[i]);
  for (int i = 0; i < s->ntags; i++) free(s->tags[i]);
  notes_free(s->skips, s->nskips);
  notes_free(s->sanitizers, s->nsanitizers);
  free(s->steps);
  free(s->sources);
  free(s->tags);
  free(s->path);
  free(s->text);
  free(s->title);
  free(s->end_text);
  free(s);
}

const char *scn_line(const scenario *s, int line, size_t *len) {
  const char *p = s->text;
  for (int l = 1; l < line && p; l++) {
    p = strchr(p, '\n');
    if (p) p++;
  }
  if (!p || line < 1) return NULL;
  const char *e = strchr(p, '\n');
  *len = e ? (size_t)(e - p) : strlen(p);
  return p;
}

const char *scn_signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SEGV";
    case SIGTRAP: return "TRAP";
    case SIGABRT: return "ABRT";
    case SIGBUS: return "BUS";
    case SIGILL: return "ILL";
    case SIGFPE: return "FPE";
    case SIGKILL: return "KILL";
    default: return NULL;
  }
}

int scn_skipped(const scenario *s, const char *flavor, const char **reason) {
  for (int i = 0; i < s->nskips; i++) {
    if (!strcmp(s->skips[i].flavor, flavor)) {
      *reason = s->skips[i].text;
      return 1;
    }
  }
  return 0;
}
