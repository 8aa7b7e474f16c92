/* scn_step.c — the grammar of one step:
 *   THREAD[/TASK]: OP ARGS [=> RESULT] [&] [! CODE[, CODE...]] */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_parser.h"
#include "vec.h"

typedef enum args {
  A_NONE, A_ISO, A_CONTEXT, A_RUN, A_CHECK,
  A_NEW_HANDLE,           /* H of X [in NAME] */
  A_HANDLE,               /* H */
  A_CALL,                 /* X METHOD */
  A_THREAD, A_CHANNEL, A_MUTEX
} args;

static const struct { const char *name; ck_op op; args args; } OPS[] = {
  {"new", CK_NEW, A_ISO}, {"dispose", CK_DISPOSE, A_ISO}, {"drop", CK_DROP, A_ISO},
  {"enter", CK_ENTER, A_ISO}, {"exit", CK_EXIT, A_ISO}, {"lock", CK_LOCK, A_ISO},
  {"unlock", CK_UNLOCK, A_ISO}, {"unlocker", CK_UNLOCKER, A_ISO}, {"relock", CK_RELOCK, A_ISO},
  {"context", CK_CONTEXT, A_CONTEXT}, {"run", CK_RUN, A_RUN}, {"wait", CK_WAIT, A_NONE},
  {"terminate", CK_TERMINATE, A_ISO}, {"cancel-terminate", CK_CANCEL_TERMINATE, A_ISO},
  {"interrupt", CK_INTERRUPT, A_ISO}, {"gc", CK_GC, A_ISO}, {"check", CK_CHECK_CURRENT, A_CHECK},
  {"await", CK_AWAIT, A_NONE}, {"end", CK_THREAD_END, A_NONE},
  {"global", CK_GLOBAL, A_NEW_HANDLE}, {"persistent", CK_PERSISTENT, A_NEW_HANDLE},
  {"open", CK_OPEN, A_HANDLE}, {"reset", CK_RESET, A_HANDLE}, {"weak", CK_WEAK, A_HANDLE},
  {"call", CK_HEAP_STATS, A_CALL}, {"spawn", CK_SPAWN, A_THREAD}, {"join", CK_JOIN, A_THREAD},
  {"send", CK_SEND, A_CHANNEL}, {"recv", CK_RECV, A_CHANNEL}, {"acquire", CK_ACQUIRE, A_MUTEX},
  {"release", CK_RELEASE, A_MUTEX},
};
enum { NOPS = sizeof OPS / sizeof OPS[0] };

/* The isolate methods of `call X METHOD` (docs/scenario-language.md, "Other isolate
 * calls"): the thread rule of each is in the checker (ck_op_is_use). */
static const struct { const char *name; ck_op op; } METHODS[] = {
  {"heap-stats", CK_HEAP_STATS}, {"memory-pressure", CK_MEMORY_PRESSURE}, {"is-terminating", CK_IS_TERMINATING},
};
enum { NMETHODS = sizeof METHODS / sizeof METHODS[0] };

/* Where the step's parse stands, and where an error goes. */
typedef struct step_ctx {
  const tok_line *tl;
  int i;
  char *msg;
  size_t n;
  int *col;               /* the error's column; -1 for out of memory */
} step_ctx;

static const token *cur(const step_ctx *c) { return tok(c->tl, c->i); }

static int fail(step_ctx *c, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(step_ctx *c, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->msg, c->n, fmt, ap);
  va_end(ap);
  *c->col = col;
  return -1;
}

static int nomem(step_ctx *c) { return fail(c, -1, "out of memory"); }

/* A version condition at the current position, if any: 1 with *out filled, 0 when there
 * is none, -1 on a malformed one. */
static int condition(step_ctx *c, scn_cond *out) {
  const token *t = cur(c);
  if (t->kind != TOK_COND) return 0;
  int offset = 0;
  if (cond_parse(t->text, out, c->msg, c->n, &offset)) {
    *c->col = t->col + 1 + offset;
    return -1;
  }
  c->i++;
  return 1;
}

/* Codes that observe what V8 did (versions differ) may carry a condition; the checker's
 * verdicts are the same on every version. */
static int is_observation(ck_code code) { return code == CK_TLS_DIVERGENCE; }

static const char *found(const token *t) {
  switch (t->kind) {
    case TOK_EOL: return "the end of the line";
    case TOK_STRING: return "a string";
    case TOK_NUMBER: return "a number";
    case TOK_NAME: return "a name";
    case TOK_LBRACE: return "'{'";
    case TOK_RBRACE: return "'}'";
    default: return "punctuation";
  }
}

/* A lexical error token at the current position fails the step with its message. */
static int lex_error(step_ctx *c) { return cur(c)->kind == TOK_ERROR ? fail(c, cur(c)->col, "%s", cur(c)->text) : 0; }

/* A name token into *out (and its column); advances. */
static int take_name(step_ctx *c, char **out, int *out_col, const char *what) {
  const token *t = cur(c);
  if (lex_error(c)) return -1;
  if (t->kind != TOK_NAME) return fail(c, t->col, "expected %s, found %s", what, found(t));
  if (!(*out = strdup(t->text))) return nomem(c);
  if (out_col) *out_col = t->col;
  c->i++;
  return 0;
}

/* A string token into *out (and *len); advances. */
static int take_string(step_ctx *c, char **out, size_t *len, const char *what) {
  const token *t = cur(c);
  if (lex_error(c)) return -1;
  if (t->kind != TOK_STRING) return fail(c, t->col, "%s", what);
  if (!(*out = malloc(t->len + 1))) return nomem(c);
  memcpy(*out, t->text, t->len + 1);
  if (len) *len = t->len;
  c->i++;
  return 0;
}

/* A keyword (a name with this text) at the current position: consumed, 1; else 0. */
static int keyword(step_ctx *c, const char *word) {
  if (cur(c)->kind != TOK_NAME || strcmp(cur(c)->text, word)) return 0;
  c->i++;
  return 1;
}

/* THREAD[/TASK]: */
static int thread_and_task(step_ctx *c, scn_step *st) {
  st->col = cur(c)->col;
  if (take_name(c, &st->thread, NULL, "a thread name")) return -1;
  if (cur(c)->kind == TOK_SLASH) {
    c->i++;
    if (take_name(c, &st->task, NULL, "a task name after '/'")) return -1;
  }
  if (cur(c)->kind != TOK_COLON) return fail(c, cur(c)->col, "expected ':' after the thread");
  c->i++;
  return 0;
}

/* OP: its index in OPS. */
static int op_name(step_ctx *c, scn_step *st) {
  const token *t = cur(c);
  if (lex_error(c)) return -1;
  if (t->kind != TOK_NAME) return fail(c, t->col, "expected an op after ':'");
  for (int k = 0; k < NOPS; k++) {
    if (strcmp(OPS[k].name, t->text)) continue;
    st->op = OPS[k].op;
    st->op_col = t->col;
    c->i++;
    return k;
  }
  return fail(c, t->col, "unknown op '%s': expected new, dispose, drop, enter, exit, lock, unlock, "
              "unlocker, relock, context, run, wait, terminate, cancel-terminate, interrupt, "
              "gc, check current, await, end, global, persistent, open, reset, weak, call, "
              "spawn, join, send, recv, acquire or release", t->text);
}

/* `call X METHOD`: the method decides the op. */
static int call_args(step_ctx *c, scn_step *st) {
  if (take_name(c, &st->isolate, &st->isolate_col, "an isolate name: call X METHOD")) return -1;
  const token *t = cur(c);
  if (lex_error(c)) return -1;
  if (t->kind != TOK_NAME) return fail(c, t->col, "expected a method after the isolate: heap-stats, memory-pressure or is-terminating");
  for (int k = 0; k < NMETHODS; k++) {
    if (strcmp(METHODS[k].name, t->text)) continue;
    st->op = METHODS[k].op;
    c->i++;
    return 0;
  }
  return fail(c, t->col, "unknown isolate method '%s': call takes heap-stats, memory-pressure or is-terminating", t->text);
}

/* The op's arguments. */
static int op_args(step_ctx *c, scn_step *st, args kind) {
  if (kind == A_NONE) return 0;
  if (kind == A_CHECK) {
    if (!keyword(c, "current")) return fail(c, cur(c)->col, "expected 'current': check current X / check current none");
    if (take_name(c, &st->check_target, &st->isolate_col, "an isolate name or none")) return -1;
    if (!strcmp(st->check_target, "none")) {
      free(st->check_target);
      st->check_target = NULL;
    }
    int has = condition(c, &st->check_cond);
    st->check_conditional = has == 1;
    return has < 0 ? -1 : 0;
  }
  switch (kind) {
    case A_CALL: return call_args(c, st);
    case A_HANDLE: return take_name(c, &st->handle, &st->handle_col, "a handle name");
    case A_THREAD: return take_name(c, &st->sync, &st->sync_col, "a thread name");
    case A_CHANNEL: return take_name(c, &st->sync, &st->sync_col, "a channel name");
    case A_MUTEX: return take_name(c, &st->sync, &st->sync_col, "a mutex name");
    case A_NEW_HANDLE:
      if (take_name(c, &st->handle, &st->handle_col, "a handle name")) return -1;
      if (!keyword(c, "of")) return fail(c, cur(c)->col, "expected 'of ISOLATE' after the handle: global H of X [in NAME]");
      if (take_name(c, &st->isolate, &st->isolate_col, "an isolate name after 'of'")) return -1;
      if (keyword(c, "in")) return take_name(c, &st->context, NULL, "a context name after 'in'");
      return 0;
    default: break;
  }
  if (take_name(c, &st->isolate, &st->isolate_col, "an isolate name")) return -1;
  if (kind == A_CONTEXT && keyword(c, "as")) return take_name(c, &st->context, NULL, "a context name after 'as'");
  if (kind != A_RUN) return 0;
  if (take_string(c, &st->js, NULL, "run needs the script as a string: run X \"js\"")) return -1;
  if (!keyword(c, "in")) return 0;
  if (take_name(c, &st->context, NULL, "a context name after 'in'")) return -1;
  if (keyword(c, "of")) return take_name(c, &st->context_of, &st->context_of_col, "an isolate name after 'of'");
  return 0;
}

/* One `=> [cond] RESULT`: "text" | throws "text" | terminated. */
static int one_result(step_ctx *c, scn_expect_result *r) {
  int has = condition(c, &r->cond);
  if (has < 0) return -1;
  r->conditional = has;
  if (cur(c)->kind == TOK_STRING) {
    r->kind = SCN_RESULT_VALUE;
    return take_string(c, &r->text, &r->len, "");
  }
  if (keyword(c, "throws")) {
    r->kind = SCN_RESULT_THROWS;
    return take_string(c, &r->text, &r->len, "expected the message text: => throws \"text\"");
  }
  if (keyword(c, "terminated")) {
    r->kind = SCN_RESULT_TERMINATED;
    return 0;
  }
  return fail(c, cur(c)->col, "expected \"text\", throws \"text\" or terminated after '=>'");
}

/* A new result must not apply where another already does: one unconditional, and
 * conditional ones on disjoint versions. */
static int check_result_overlap(step_ctx *c, const scn_step *st, int col) {
  const scn_expect_result *r = &st->results[st->nresults - 1];
  char a[48], b[48];
  for (int k = 0; k < st->nresults - 1; k++) {
    const scn_expect_result *o = &st->results[k];
    if (!r->conditional && !o->conditional) return fail(c, col, "a second '=>' without a version condition");
    if (r->conditional && o->conditional && scn_cond_overlap(&r->cond, &o->cond))
      return fail(c, col, "'=>' [%s] overlaps an earlier '=>' [%s]: on each version one result applies",
                  scn_cond_str(&r->cond, a, sizeof a), scn_cond_str(&o->cond, b, sizeof b));
  }
  return 0;
}

/* Ops with a result: run (its value), and the calls that return a bool. */
static int has_result(ck_op op) {
  return op == CK_RUN || op == CK_IS_TERMINATING || op == CK_TERMINATE || op == CK_CANCEL_TERMINATE || op == CK_INTERRUPT;
}

/* => RESULT [=> [cond] RESULT ...] */
static int results(step_ctx *c, scn_step *st, const char *op) {
  while (cur(c)->kind == TOK_ARROW) {
    int col = cur(c)->col;
    if (!has_result(st->op))
      return fail(c, col, "'=>' gives the result of a run, of call X is-terminating, or (model rusty_v8) of "
                  "terminate, cancel-terminate and interrupt; not of %s", op);
    c->i++;
    size_t cap = (size_t)st->nresults;  /* exactly full: grows by one at a time */
    if (vec_grow(&st->results, &cap, cap + 1, sizeof *st->results)) return nomem(c);
    st->results[st->nresults++] = (scn_expect_result){0};
    if (one_result(c, &st->results[st->nresults - 1]) || check_result_overlap(c, st, col)) return -1;
    const scn_expect_result *r = &st->results[st->nresults - 1];
    if (st->op != CK_RUN && (r->kind != SCN_RESULT_VALUE || (strcmp(r->text, "true") && strcmp(r->text, "false"))))
      return fail(c, col + 3, "%s returns a bool: => \"true\" or => \"false\"", op);
  }
  return 0;
}

/* One code of a `!` list, maybe with a condition. */
static int one_code(step_ctx *c, unsigned *set, scn_cond_code **cc, int *ncc) {
  const token *t = cur(c);
  if (lex_error(c)) return -1;
  if (t->kind != TOK_NAME) return fail(c, t->col, "expected a violation code after '!'");
  ck_code code;
  if (ck_code_parse(t->text, &code)) return fail(c, t->col, "'%s' is not a violation code (see docs/violations.md)", t->text);
  c->i++;
  scn_cond cond;
  int has = condition(c, &cond);
  if (has < 0) return -1;
  if (!has) {
    *set |= 1u << code;
    return 0;
  }
  if (!is_observation(code))
    return fail(c, t->col, "'%s' is the checker's verdict, the same on every V8: only an observation "
                "of V8 (tls-divergence) takes a version condition", t->text);
  size_t cap = (size_t)*ncc;
  if (vec_grow(cc, &cap, cap + 1, sizeof **cc)) return nomem(c);
  (*cc)[(*ncc)++] = (scn_cond_code){code, cond};
  return 0;
}

int parse_codes(const tok_line *tl, int *i, unsigned *set, scn_cond_code **cc, int *ncc, char *msg, size_t n, int *col) {
  step_ctx c = {tl, *i + 1, msg, n, col};  /* past the `!` */
  for (;;) {
    if (one_code(&c, set, cc, ncc)) return -1;
    if (cur(&c)->kind != TOK_COMMA) break;
    c.i++;
  }
  *i = c.i;
  return 0;
}

int parse_step(const tok_line *tl, scn_step *st, char *msg, size_t n, int *col) {
  step_ctx c = {tl, 0, msg, n, col};
  int k;
  if (thread_and_task(&c, st) || (k = op_name(&c, st)) < 0 || op_args(&c, st, OPS[k].args) ||
      results(&c, st, OPS[k].name))
    return -1;
  if (cur(&c)->kind == TOK_AMP) {
    st->background = 1;
    c.i++;
  }
  if (cur(&c)->kind == TOK_BANG) {
    st->has_expect = 1;
    if (parse_codes(tl, &c.i, &st->expect, &st->cond_codes, &st->ncond_codes, msg, n, col)) return -1;
  }
  if (cur(&c)->kind == TOK_LBRACE) {
    if (st->op != CK_RUN && st->op != CK_GC)
      return fail(&c, cur(&c)->col, "only a run (its host() callback) or a gc (its weak callback) opens a block, not %s",
                  OPS[k].name);
    st->opens_block = 1;
    c.i++;
  }
  if (lex_error(&c)) return -1;
  if (cur(&c)->kind == TOK_NAME)
    return fail(&c, cur(&c)->col, "found the name '%s' where %s ends: a step ends with [=> RESULT] [&] [! CODES] [{]",
                cur(&c)->text, OPS[k].name);
  if (cur(&c)->kind != TOK_EOL)
    return fail(&c, cur(&c)->col, "found %s where %s ends: a step ends with [=> RESULT] [&] [! CODES] [{]",
                found(cur(&c)), OPS[k].name);
  return 0;
}

void scn_step_free(scn_step *st) {
  free(st->thread);
  free(st->task);
  free(st->isolate);
  free(st->context);
  free(st->context_of);
  free(st->handle);
  free(st->sync);
  free(st->check_target);
  free(st->js);
  for (int k = 0; k < st->nresults; k++) free(st->results[k].text);
  free(st->results);
  free(st->cond_codes);
}
