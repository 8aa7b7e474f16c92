/* main.c — the isoreplay command: dispatches to a subcommand.
 *
 *   isoreplay run [OPTIONS] FILE...    replay against real V8 (or --dry-run)
 *   isoreplay check FILE...            parse only
 *   isoreplay --help | --version */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "cli.h"
#include "v8probe.h"

#ifndef ISOREPLAY_VERSION
#define ISOREPLAY_VERSION "0"
#endif

const char CLI_USAGE[] =
    "usage: isoreplay run [--dry-run] [--v8 VERSION]... [--steps] [--quiet] [--json FILE]\n"
    "                     [--trace FILE] [--html FILE] [--memory-limit SIZE] FILE...\n"
    "       isoreplay check [--quiet] FILE...\n"
    "       isoreplay versions [--json]\n"
    "       isoreplay record [--out FILE.scn] [--json FILE] [--html FILE] [--quiet]\n"
    "                        -- PROGRAM ARGS...\n"
    "       isoreplay --help | --version\n"
    "\n"
    "run     replay each scenario against real V8, one OS thread per scenario thread,\n"
    "        in a child process; report every violation beside what V8 did, and check\n"
    "        the scenario's expectations\n"
    "check   parse only: report malformed input as FILE:LINE:COL: error: ...\n"
    "versions  the V8 runtimes this build replays on\n"
    "record  run a program with every isolate call it makes checked live (V8 from a\n"
    "        shared library: a preloaded recorder; V8 linked in, as in the official\n"
    "        node: uprobes, as root); --out writes what it did as a scenario, --json\n"
    "        the violations as JSON, --html its swimlanes; exits with the program's status\n"
    "\n"
    "  --dry-run          feed the steps to the checker alone, without V8 (no\n"
    "                     tls-divergence, no results, no expect-end)\n"
    "  --v8 VERSION       replay on that runtime only (e.g. 14.6; repeatable; 'all' is\n"
    "                     the default: every runtime `isoreplay versions` lists)\n"
    "  --steps            print every step: its verdict, the real and the ideal current\n"
    "                     isolate after it, and a run's result\n"
    "  --quiet            print only the verdict of each scenario and its mismatches\n"
    "  --json FILE        write the reports as JSON (docs/report-format.md)\n"
    "  --trace FILE       write the replay as a Chrome Trace Event file (Perfetto)\n"
    "  --html FILE        write the replay's HTML view (swimlanes, violations, source)\n"
    "  --memory-limit SIZE  kill a replay whose resident memory passes SIZE (K, M or G\n"
    "                     suffix; 0: no limit; default 4G)\n"
    "Output files are replaced atomically; a FIFO or device (/dev/stdout) is written\n"
    "into; '-' is standard output. --trace and --html take one scenario file.\n"
    "\n"
    "Exit status: 0 every expectation met, 1 not met, 2 bad input or usage (nothing ran),\n"
    "3 internal error. The scenario language: docs/scenario-language.md; the violations:\n"
    "docs/violations.md.\n";

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("isoreplay: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\n", stderr);
  va_end(ap);
  fputs(CLI_USAGE, stderr);
  return EXIT_USAGE;
}

static int print_version(void) {
  printf("isoreplay %s\nV8 %s\n%s build: %s\n", ISOREPLAY_VERSION, v8p_v8_version(), iso_build_flavor(),
         iso_build_flags());
  const char *d = iso_sanitizer_defaults();
  if (*d) printf("sanitizer defaults compiled in (a user's *SAN_OPTIONS add to them):\n  %s\n", d);
  return fflush(stdout) || ferror(stdout) ? EXIT_INTERNAL : EXIT_MET;
}

int main(int argc, char **argv) {
  if (argc < 2) return cli_usage_error("a command is needed");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(CLI_USAGE, stdout);
    return fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
  }
  if (!strcmp(cmd, "--version")) return print_version();
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "check")) return cmd_check(argc - 1, argv + 1);
  if (!strcmp(cmd, "record")) return cmd_record(argc - 1, argv + 1);
  if (!strcmp(cmd, "versions")) return cmd_versions(argc - 1, argv + 1);
  return cli_usage_error("unknown command '%s' (use run, check or versions)", cmd);
}
