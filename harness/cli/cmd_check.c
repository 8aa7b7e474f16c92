/* cmd_check.c — `isoreplay check FILE...`: parse only. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "report_out.h"

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
  scenario **scns = calloc((size_t)n, sizeof *scns);
  if (!scns) return EXIT_INTERNAL;
  int status = cli_load_all(argv + optind, n, scns);
  for (int i = 0; i < n && !status && !quiet; i++)
    report_printf(stdout, "%s: ok: \"%s\", %d step%s\n", argv[optind + i], scns[i]->title, scns[i]->nsteps,
                  scns[i]->nsteps == 1 ? "" : "s");
  for (int i = 0; i < n; i++) scn_free(scns[i]);
  free(scns);
  if (fflush(stdout) || ferror(stdout)) {
    fprintf(stderr, "isoreplay: cannot write to standard output\n");
    return EXIT_INTERNAL;
  }
  return status;
}
