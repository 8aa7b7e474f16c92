/* cmd_versions.c — `isoreplay versions [--json]`: the V8 runtimes this build replays on. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime.h"

/* The runtimes as a JSON array on stdout (for the suite runner); 0 or -1. */
static int print_json(const runtime *rts, int n) {
  json_t *a = json_array();
  int failed = !a;
  for (int i = 0; i < n && !failed; i++) {
    json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "name", rts[i].name, "v8_version", rts[i].v8_version,
                          "origin", rts[i].origin, "node", rts[i].node, "addon", rts[i].addon);
    failed = !o || json_array_append_new(a, o);
  }
  char *text = failed ? NULL : json_dumps(a, JSON_INDENT(2));
  json_decref(a);
  if (!text) return -1;
  puts(text);
  free(text);
  return 0;
}

int cmd_versions(int argc, char **argv) {
  if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return cli_help("versions");
  int json = argc == 2 && !strcmp(argv[1], "--json");
  if (argc > 1 && !json) {
    static const struct option OPTS[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'H'},
                                         {NULL, 0, NULL, 0}};
    if (argv[1][0] == '-') return cli_unknown_option("versions", argv[1], OPTS);
    return cli_command_error("versions", "versions takes only --json");
  }
  runtime *rts;
  int n;
  iso_err err;
  if (runtimes_load(&rts, &n, &err)) {
    fprintf(stderr, "isoreplay: %s\n", err.msg);
    return iso_exit_status(err.kind);
  }
  int rc = 0;
  if (json) {
    rc = print_json(rts, n);
  } else {
    printf("%-6s %-14s %s\n", "name", "V8", "origin and path");
    for (int i = 0; i < n; i++)
      printf("%-6s %-14s %s%s%s\n", rts[i].name, rts[i].v8_version, rts[i].origin, rts[i].node ? ": " : "",
             rts[i].node ? rts[i].node : "");
  }
  runtimes_free(rts, n);
  return rc || fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
}
