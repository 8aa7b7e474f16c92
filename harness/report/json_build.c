/* json_build.c — the fail-closed JSON builder (see json_build.h). */
#include "json_build.h"

#include <stdlib.h>
#include <string.h>

void jb_put(jb *b, json_t *o, const char *key, json_t *v) {
  if (!v || !o || json_object_set_new(o, key, v)) b->failed = 1;
}

void jb_append(jb *b, json_t *a, json_t *v) {
  if (!v || !a || json_array_append_new(a, v)) b->failed = 1;
}

json_t *jb_strn(const char *s, size_t n) {
  if (!s) return json_null();
  json_t *j = json_stringn(s, n);
  if (j) return j;
  char *clean = malloc(n + 1);
  if (!clean) return NULL;
  for (size_t i = 0; i < n; i++) clean[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
  j = json_stringn(clean, n);
  free(clean);
  return j;
}

json_t *jb_str(const char *s) { return jb_strn(s, s ? strlen(s) : 0); }

char *jb_finish(jb *b, json_t *root, size_t flags) {
  char *text = b->failed || !root ? NULL : json_dumps(root, flags);
  json_decref(root);
  return text;
}
