/* main.c — the isoreplay command: dispatches to a subcommand (usage.c has their help).
 *
 *   isoreplay run [OPTIONS] FILE...    replay against real V8 (or --dry-run)
 *   isoreplay check FILE...            parse only
 *   isoreplay versions                 the V8 runtimes found
 *   isoreplay record -- PROGRAM ...    check a real program live
 *   isoreplay new NAME                 a scenario skeleton
 *   isoreplay codes [CODE...]          the violation codes and their fixes
 *   isoreplay --help | --version | COMMAND --help */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "cli.h"
#include "runtime.h"

#ifndef ISOREPLAY_VERSION
#define ISOREPLAY_VERSION "0"
#endif

/* isoreplay's version, its build, and the V8 runtimes it found. */
static int print_version(void) {
  printf("isoreplay %s\n%s build: %s\n", ISOREPLAY_VERSION, iso_build_flavor(), iso_build_flags());
  runtime *rts;
  int n;
  iso_err err;
  if (runtimes_load(&rts, &n, &err)) {
    printf("V8 runtimes: none found: %s\n", err.msg);
  } else {
    for (int i = 0; i < n; i++) printf("V8 %s (%s)\n", rts[i].v8_version, rts[i].origin);
    runtimes_free(rts, n);
  }
  const char *d = iso_sanitizer_defaults();
  if (*d) printf("sanitizer defaults compiled in (a user's *SAN_OPTIONS add to them):\n  %s\n", d);
  return fflush(stdout) || ferror(stdout) ? EXIT_INTERNAL : EXIT_MET;
}

int main(int argc, char **argv) {
  if (argc < 2) return cli_usage_error("a command is needed");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) return cli_help(argc > 2 ? argv[2] : "");
  if (!strcmp(cmd, "--version")) return print_version();
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "check")) return cmd_check(argc - 1, argv + 1);
  if (!strcmp(cmd, "record")) return cmd_record(argc - 1, argv + 1);
  if (!strcmp(cmd, "versions")) return cmd_versions(argc - 1, argv + 1);
  if (!strcmp(cmd, "new")) return cmd_new(argc - 1, argv + 1);
  if (!strcmp(cmd, "codes")) return cmd_codes(argc - 1, argv + 1);
  if (!strcmp(cmd, "explore")) return cmd_explore(argc - 1, argv + 1);
  if (!strcmp(cmd, "reduce")) return cmd_reduce(argc - 1, argv + 1);
  return cli_unknown_command(cmd);
}
