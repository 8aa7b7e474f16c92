/* strdup_opt.h — strdup that passes NULL through (the harness's optional strings). */
#ifndef ISOREPLAY_STRDUP_OPT_H
#define ISOREPLAY_STRDUP_OPT_H

#include <string.h>

/* A malloc'd copy of s, or NULL when s is NULL (or out of memory). */
static inline char *strdup_opt(const char *s) { return s ? strdup(s) : NULL; }

#endif
