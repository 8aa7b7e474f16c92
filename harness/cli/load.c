/* load.c — every scenario file parsed before anything runs, and a command run on each. */
#include <stdio.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report_out.h"

int cli_load_all(char **files, int n, scenario **scns) {
  int status = 0;
  for (int i = 0; i < n; i++) {
    iso_err err;
    if (!scn_load(files[i], &scns[i], &err)) continue;
    fputs(err.msg, stderr);
    int st = iso_exit_status(err.kind);
    if (st > status) status = st;
  }
  return status;
}

int cli_each_scenario(char **files, int n, int (*fn)(void *ud, const scenario *s), void *ud) {
  scenario **scns = calloc((size_t)n, sizeof *scns);
  if (!scns) return EXIT_INTERNAL;
  int status = cli_load_all(files, n, scns);
  for (int i = 0, bad = status; i < n && !bad; i++) {
    int one = fn(ud, scns[i]);
    if (one > status) status = one;
  }
  for (int i = 0; i < n; i++) scn_free(scns[i]);
  free(scns);
  if (fflush(stdout) || ferror(stdout)) {
    fprintf(stderr, "isoreplay: cannot write to standard output\n");
    return EXIT_INTERNAL;
  }
  return status;
}

void cli_scenario_stem(const char *path, char *out, size_t n) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  char *base = basename(copy);
  size_t len = strlen(base);
  if (len > 4 && !strcmp(base + len - 4, ".scn")) base[len - 4] = 0;
  snprintf(out, n, "%s", base);
}
