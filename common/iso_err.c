/* iso_err.c — the error convention (see iso_err.h). */
#include "iso_err.h"

#include <stdarg.h>
#include <stdio.h>

int iso_fail(iso_err *err, iso_err_kind kind, const char *fmt, ...) {
  if (!err) return -1;
  err->kind = kind;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return -1;
}

int iso_exit_status(iso_err_kind kind) { return kind == ISO_ERR_INPUT ? 2 : 3; }
