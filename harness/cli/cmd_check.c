/* cmd_check.c — `isoreplay check FILE...`: parse only. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "report_out.h"

static int say_ok(void *ud, const scenario *s) {
  (void)ud;
  report_printf(stdout, "%s: ok: \"%s\", %d step%s\n", s->path, s->title, s->nsteps, s->nsteps == 1 ? "" : "s");
  return EXIT_MET;
}

static int say_nothing(void *ud, const scenario *s) {
  (void)ud;
  (void)s;
  return EXIT_MET;
}

int cmd_check(int argc, char **argv) {
  static const struct option OPTS[] = {{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'H'},
                                       {NULL, 0, NULL, 0}};
  int quiet = 0, c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "q", OPTS, NULL)) != -1) {
    if (c == 'q') quiet = 1;
    else if (c == 'H') return cli_help("check");
    else return cli_unknown_option("check", argv[optind - 1], OPTS);
  }
  int n = argc - optind;
  if (n <= 0) return cli_usage_error("no scenario file given");
  return cli_each_scenario(argv + optind, n, quiet ? say_nothing : say_ok, NULL);
}
