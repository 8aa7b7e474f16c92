/* cmd_versions.c — `isoreplay versions`: the V8 runtimes this build replays on. */
#include <stdio.h>

#include "cli.h"
#include "runtime.h"

int cmd_versions(int argc, char **argv) {
  (void)argv;
  if (argc > 1) return cli_usage_error("versions takes no argument");
  runtime *rts;
  int n;
  iso_err err;
  if (runtimes_load(&rts, &n, &err)) {
    fprintf(stderr, "isoreplay: %s\n", err.msg);
    return iso_exit_status(err.kind);
  }
  printf("%-6s %-14s %s\n", "name", "V8", "origin and path");
  for (int i = 0; i < n; i++)
    printf("%-6s %-14s %s%s%s\n", rts[i].name, rts[i].v8_version, rts[i].origin, rts[i].node ? ": " : "",
           rts[i].node ? rts[i].node : "");
  runtimes_free(rts, n);
  return fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
}
