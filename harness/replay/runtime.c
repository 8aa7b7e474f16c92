/* runtime.c — the runtimes of this build: the built-in V8 and the manifest's (see
 * runtime.h). Manifest lines: V8-VERSION <tab> ORIGIN <tab> NODE <tab> ADDON, the paths
 * absolute or relative to the manifest. */
#define _DEFAULT_SOURCE
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "selfpath.h"
#include "strbuf.h"
#include "v8probe.h"
#include "vec.h"

#ifndef ISOREPLAY_RUNTIMES_FILE
#define ISOREPLAY_RUNTIMES_FILE ""
#endif
#ifndef ISOREPLAY_INSTALLED_RUNTIMES
#define ISOREPLAY_INSTALLED_RUNTIMES "lib/isoreplay/default/runtimes.tsv"
#endif
#ifndef ISOREPLAY_BUILTIN_ORIGIN
#define ISOREPLAY_BUILTIN_ORIGIN "linked in"
#endif

/* "12.4.254.21" as its name "12.4". */
static char *name_of(const char *version) {
  const char *dot = strchr(version, '.');
  const char *end = dot ? dot + 1 + strspn(dot + 1, "0123456789") : version + strlen(version);
  return strndup(version, (size_t)(end - version));
}

static int add(runtime **rts, size_t *cap, int *n, const char *version, const char *origin, const char *node,
               const char *addon, iso_err *err) {
  if (vec_grow(rts, cap, (size_t)*n + 1, sizeof **rts)) return iso_fail(err, ISO_ERR_NOMEM, "out of memory");
  runtime *r = &(*rts)[(*n)++];
  r->v8_version = strdup(version);
  r->name = name_of(version);
  r->origin = strdup(origin);
  r->node = node ? strdup(node) : NULL;
  r->addon = addon ? strdup(addon) : NULL;
  r->v8 = scn_v8_parse(version);
  if (!r->v8_version || !r->name || !r->origin || (node && !r->node) || (addon && !r->addon))
    return iso_fail(err, ISO_ERR_NOMEM, "out of memory");
  return 0;
}

/* A manifest's path as given (absolute), or relative to the manifest's directory (an
 * installed manifest: the files are installed beside it). */
static void resolve(const char *manifest, const char *p, char *out, size_t n) {
  const char *slash = strrchr(manifest, '/');
  char joined[4096];
  if (p[0] == '/' || !slash) snprintf(joined, sizeof joined, "%s", p);
  else snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - manifest), manifest, p);
  char real[PATH_MAX];
  snprintf(out, n, "%s", realpath(joined, real) ? real : joined);
}

/* One manifest line into a runtime; -1 with err when malformed. */
static int add_line(runtime **rts, size_t *cap, int *n, char *line, const char *path, int lineno, iso_err *err) {
  char *f[4];
  int k = 0;
  for (char *save = NULL, *t = strtok_r(line, "\t", &save); t && k < 4; t = strtok_r(NULL, "\t", &save)) f[k++] = t;
  if (k != 4 || scn_v8_parse(f[0]) < 0)
    return iso_fail(err, ISO_ERR_INTERNAL, "%s:%d: a runtime is VERSION<tab>ORIGIN<tab>NODE<tab>ADDON", path, lineno);
  char node[4096], addon[4096];
  resolve(path, f[2], node, sizeof node);
  resolve(path, f[3], addon, sizeof addon);
  return add(rts, cap, n, f[0], f[1], node, addon, err);
}

int runtimes_load(runtime **out, int *n, iso_err *err) {
  runtime *rts = NULL;
  size_t cap = 0;
  *n = 0;
  char installed[4096];  /* ISOREPLAY_RUNTIMES, else an installed manifest, else the build's */
  const char *path = getenv("ISOREPLAY_RUNTIMES");
  if ((!path || !*path) && !iso_installed_path(ISOREPLAY_INSTALLED_RUNTIMES, installed, sizeof installed))
    path = installed;
  if (!path || !*path) path = ISOREPLAY_RUNTIMES_FILE;
  char version[64];
  snprintf(version, sizeof version, "%s", v8p_v8_version());
  version[strcspn(version, "-")] = '\0';  /* "10.2.154.26-node.37": the V8 part */
  char origin[512];  /* installed: libnode came with isoreplay, not from the build's cache */
  snprintf(origin, sizeof origin, "%s", ISOREPLAY_BUILTIN_ORIGIN);
  if (path == installed && strstr(origin, " (unpacked in "))
    snprintf(strstr(origin, " (unpacked in "), sizeof origin - (size_t)(strstr(origin, " (unpacked in ") - origin),
             " (installed with isoreplay)");
  int rc = add(&rts, &cap, n, version, origin, NULL, NULL, err);
  FILE *f = *path ? fopen(path, "r") : NULL;
  if (!f && *path && errno != ENOENT) rc = iso_fail(err, ISO_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  char line[8192];
  for (int lineno = 1; f && !rc && fgets(line, sizeof line, f); lineno++) {
    line[strcspn(line, "\n")] = '\0';
    if (*line && *line != '#') rc = add_line(&rts, &cap, n, line, path, lineno, err);
  }
  if (f) fclose(f);
  if (rc) {
    runtimes_free(rts, *n);
    *n = 0;
    return -1;
  }
  *out = rts;
  return 0;
}

static void runtime_clear(runtime *r) {
  free(r->name);
  free(r->v8_version);
  free(r->origin);
  free(r->node);
  free(r->addon);
}

void runtimes_free(runtime *rts, int n) {
  for (int i = 0; i < n; i++) runtime_clear(&rts[i]);
  free(rts);
}

int runtimes_select(runtime *rts, int *n, char **want, int nwant, iso_err *err) {
  int all = nwant == 0;
  for (int w = 0; w < nwant; w++) {
    if (!strcmp(want[w], "all")) {
      all = 1;
      continue;
    }
    int found = 0;
    for (int i = 0; i < *n; i++) found |= !strcmp(rts[i].name, want[w]);
    if (!found) {
      strbuf names = {0};
      for (int i = 0; i < *n; i++) sb_printf(&names, "%s%s", i ? ", " : "", rts[i].name);
      char *list = sb_take(&names);
      iso_fail(err, ISO_ERR_INPUT, "--v8 %s: no such runtime in this build (there are: %s; see `isoreplay versions`)",
               want[w], list ? list : "?");
      free(list);
      return -1;
    }
  }
  if (all) return 0;
  int kept = 0;
  for (int i = 0; i < *n; i++) {
    int keep = 0;
    for (int w = 0; w < nwant; w++) keep |= !strcmp(rts[i].name, want[w]);
    if (!keep) continue;
    runtime tmp = rts[kept];
    rts[kept++] = rts[i];
    rts[i] = tmp;
  }
  for (int i = kept; i < *n; i++) runtime_clear(&rts[i]);  /* the ones not kept */
  *n = kept;
  return 0;
}
