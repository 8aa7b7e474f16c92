/* iso_err.h — the error convention of isoreplay's C code.
 *
 * A function that can fail returns int (0 on success, -1 on failure) or a pointer (NULL
 * on failure). When its caller needs to know why, it takes an `iso_err *err` as its last
 * argument, which it fills on failure with a kind and a message (err may be NULL). A
 * function that cannot fail returns void. Out of memory is never ignored: it fails the
 * operation that met it, and no caller turns a failure into a success.
 *
 * The kind decides the exit status of the command: ISO_ERR_INPUT (bad input or usage,
 * nothing ran) exits 2; every other kind is an internal failure and exits 3. */
#ifndef ISOREPLAY_ISO_ERR_H
#define ISOREPLAY_ISO_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum iso_err_kind {
  ISO_ERR_NONE = 0,
  ISO_ERR_INPUT,      /* the user's input or usage is wrong: exit 2 */
  ISO_ERR_NOMEM,      /* out of memory */
  ISO_ERR_IO,         /* a read or write failed */
  ISO_ERR_INTERNAL    /* anything else that must not happen */
} iso_err_kind;

/* Room for a compiler-style diagnostic: a path, the message, the line and its caret. */
#define ISO_ERR_MAX 8192

typedef struct iso_err {
  iso_err_kind kind;
  char msg[ISO_ERR_MAX];
} iso_err;

/* Fills err (when not NULL) with kind and a printf-formatted message; returns -1, so
 * `return iso_fail(err, ISO_ERR_NOMEM, "out of memory");` fails a function. */
int iso_fail(iso_err *err, iso_err_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The exit status for a failure of this kind: 2 for input, 3 otherwise. */
int iso_exit_status(iso_err_kind kind);

#ifdef __cplusplus
}
#endif
#endif
