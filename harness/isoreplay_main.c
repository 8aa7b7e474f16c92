/* isoreplay_main.c — the isoreplay command.
 *
 *   isoreplay run [--dry-run] [--json FILE] [--quiet] FILE...
 *   isoreplay check FILE...
 *   isoreplay --help | --version
 *
 * Exit status: 0 every expectation met, 1 some not met, 2 bad input or usage (nothing
 * runs), 3 internal error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_out.h"
#include "runner.h"
#include "v8probe.h"

#ifndef ISOREPLAY_VERSION
#define ISOREPLAY_VERSION "0"
#endif
#ifndef ISOREPLAY_FLAVOR_NAME
#define ISOREPLAY_FLAVOR_NAME "default"
#endif

static const char USAGE[] =
    "usage: isoreplay run [--dry-run] [--json FILE] [--quiet] FILE...\n"
    "       isoreplay check FILE...\n"
    "       isoreplay --help | --version\n"
    "\n"
    "run     replay each scenario against real V8 (10.2), one OS thread per scenario\n"
    "        thread, in a child process; report every violation beside what V8 did,\n"
    "        and check the scenario's expectations\n"
    "check   parse only: report malformed input as FILE:LINE:COL: error: ...\n"
    "\n"
    "  --dry-run    feed the steps to the checker alone, without V8 (no tls-divergence,\n"
    "               no results, no expect-end)\n"
    "  --json FILE  write the reports as JSON (docs/report-format.md), atomically\n"
    "  --quiet      print only the verdict of each scenario and its mismatches\n"
    "\n"
    "Exit status: 0 every expectation met, 1 not met, 2 bad input or usage, 3 internal error.\n"
    "The scenario language: docs/scenario-language.md; the violations: docs/violations.md.\n";

static int usage_error(const char *msg) {
  fprintf(stderr, "isoreplay: %s\n%s", msg, USAGE);
  return 2;
}

/* Parses every file first: any bad input means nothing runs. */
static int load_all(char **files, int n, scenario **out) {
  int bad = 0;
  for (int i = 0; i < n; i++) {
    char *diag = NULL;
    if (scn_load(files[i], &out[i], &diag)) {
      fputs(diag ? diag : "isoreplay: out of memory\n", stderr);
      bad = 1;
    }
    free(diag);
  }
  return bad;
}

/* Frees what main allocated and returns status. */
static int finish(int status, char **files, scenario **scns, report **reps, int n) {
  for (int i = 0; i < n; i++) {
    if (reps) report_free(reps[i]);
    if (scns) scn_free(scns[i]);
  }
  free(reps);
  free(scns);
  free(files);
  return status;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage_error("a command is needed");
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    fputs(USAGE, stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("isoreplay %s (V8 %s, %s build)\n", ISOREPLAY_VERSION, v8p_v8_version(), ISOREPLAY_FLAVOR_NAME);
    return 0;
  }
  int check_only = !strcmp(argv[1], "check");
  if (!check_only && strcmp(argv[1], "run")) return usage_error("unknown command (use run or check)");
  int dry = 0, quiet = 0, nfiles = 0;
  const char *json = NULL;
  char **files = calloc((size_t)argc, sizeof *files);
  if (!files) return 3;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--dry-run") && !check_only) dry = 1;
    else if (!strcmp(argv[i], "--quiet")) quiet = 1;
    else if (!strcmp(argv[i], "--json") && !check_only) {
      if (++i == argc) return finish(usage_error("--json needs a file name"), files, NULL, NULL, 0);
      json = argv[i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      char msg[300];
      snprintf(msg, sizeof msg, "unknown option '%s'", argv[i]);
      return finish(usage_error(msg), files, NULL, NULL, 0);
    } else {
      files[nfiles++] = argv[i];
    }
  }
  if (!nfiles) return finish(usage_error("no scenario file given"), files, NULL, NULL, 0);
  scenario **scns = calloc((size_t)nfiles, sizeof *scns);
  report **reps = calloc((size_t)nfiles, sizeof *reps);
  if (!scns || !reps) return finish(3, files, scns, reps, 0);
  if (load_all(files, nfiles, scns)) return finish(2, files, scns, reps, nfiles);
  if (check_only) {
    for (int i = 0; i < nfiles; i++)
      if (!quiet) printf("%s: ok: \"%s\", %d step%s\n", files[i], scns[i]->title, scns[i]->nsteps,
                         scns[i]->nsteps == 1 ? "" : "s");
    return finish(0, files, scns, reps, nfiles);
  }
  run_opts o = {dry, ISOREPLAY_FLAVOR_NAME};
  int passed = 0, failed = 0, skipped = 0, internal = 0;
  for (int i = 0; i < nfiles; i++) {
    reps[i] = run_scenario(scns[i], &o);
    if (!reps[i]) {
      fprintf(stderr, "isoreplay: out of memory running %s\n", files[i]);
      internal = 1;
      break;
    }
    report_print(stdout, reps[i], quiet);
    fflush(stdout);
    if (reps[i]->skipped) skipped++;
    else if (reps[i]->met) passed++;
    else failed++;
  }
  if (json && !internal && report_write_json(json, reps, nfiles)) {
    fprintf(stderr, "isoreplay: cannot write %s: %s\n", json, strerror(errno));
    internal = 1;
  }
  if (nfiles > 1) {
    if (skipped) printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else printf("%d passed, %d failed\n", passed, failed);
  }
  return finish(internal ? 3 : failed ? 1 : 0, files, scns, reps, nfiles);
}
