/* scn_lex.h — tokens of one scenario line, and compiler-style diagnostics. */
#ifndef ISOREPLAY_SCN_LEX_H
#define ISOREPLAY_SCN_LEX_H

#include <stddef.h>

typedef enum tok_kind {
  TOK_EOL, TOK_NAME, TOK_STRING, TOK_NUMBER, /* NUMBER: digits, maybe a unit: 5s, 250ms */
  TOK_ARROW, TOK_AMP, TOK_BANG, TOK_COMMA, TOK_COLON, TOK_SLASH,
  TOK_COND,        /* a version condition `[v8>=14.0]`: text is what stands between the brackets */
  TOK_LBRACE, TOK_RBRACE,  /* `{` opens a block at the end of a run or gc; `}` alone closes it */
  TOK_ERROR
} tok_kind;

typedef struct token {
  tok_kind kind;
  int col;         /* 1-based column of the token's first byte */
  char *text;      /* NAME, NUMBER: the text; STRING: the decoded value; ERROR: message */
  size_t len;      /* bytes of text (a STRING may hold NUL bytes, written \0) */
} token;

typedef struct tok_line {
  token *t;
  int n;
} tok_line;

/* Splits one line (no newline) into tokens ending with TOK_EOL; `#` starts a comment
 * outside strings. Strings take the escapes \" \\ \n \t \r \0 and \xHH (ASCII,
 * 00 to 7f). On a lexical error the last token is TOK_ERROR with its column and
 * message. Returns -1 only when out of memory. */
int lex_line(const char *line, size_t len, tok_line *out);
void lex_free(tok_line *tl);
/* The i-th token, or the closing TOK_EOL when i is past it: never out of bounds. */
static inline const token *tok(const tok_line *tl, int i) { return &tl->t[i < tl->n ? i : tl->n - 1]; }

/* A malloc'd "PATH:LINE:COL: error: MESSAGE\n  <line>\n  <caret>\n" (the line shown
 * around the column when long, tabs as spaces). */
char *diag_format(const char *path, int line, int col, const char *src_line, size_t src_len,
                  const char *message);

#endif
