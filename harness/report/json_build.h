/* json_build.h — building a jansson document that fails closed: every value and every
 * insertion is checked, and a builder that met out of memory is never written. Shared
 * by the JSON report (report_json.c) and the trace (report_trace.c). */
#ifndef ISOREPLAY_JSON_BUILD_H
#define ISOREPLAY_JSON_BUILD_H

#include <jansson.h>
#include <stddef.h>

typedef struct jb { int failed; } jb;

/* o[key] = v, taking v; the builder fails when v is NULL or the insertion fails. */
void jb_put(jb *b, json_t *o, const char *key, json_t *v);
/* a += v, taking v; likewise. */
void jb_append(jb *b, json_t *a, json_t *v);
/* A JSON string of n bytes (NUL characters kept) or null for NULL; invalid UTF-8 is
 * replaced by '?' rather than dropped. NULL only when out of memory. */
json_t *jb_strn(const char *s, size_t n);
json_t *jb_str(const char *s);
/* Dumps root with flags into a malloc'd string, or NULL when the builder failed or the
 * dump ran out of memory; root is released either way. */
char *jb_finish(jb *b, json_t *root, size_t flags);

#endif
