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
#include <sys/wait.h>
#include <unistd.h>

#include "report_out.h"
#include "runner.h"
#include "v8probe.h"

#ifndef ISOREPLAY_VERSION
#define ISOREPLAY_VERSION "0"
#endif
#ifndef ISOREPLAY_REPORTS_DIR
#define ISOREPLAY_REPORTS_DIR "reports"
#endif
#ifndef ISOREPLAY_PYTHON
#define ISOREPLAY_PYTHON "/usr/bin/python3"
#endif
#ifndef ISOREPLAY_FLAVOR_NAME
#define ISOREPLAY_FLAVOR_NAME "default"
#endif

static const char USAGE[] =
    "usage: isoreplay run [--dry-run] [--json FILE] [--quiet] [--trace FILE] [--html FILE] FILE...\n"
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
    "  --trace FILE write the replay as a Chrome Trace Event file (Perfetto, chrome://tracing)\n"
    "  --html FILE  write the replay's HTML view (swimlanes, violations, source); one FILE only\n"
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

/* The HTML view: the report's JSON rendered by reports/render.py (Jinja2). Returns 0,
 * or -1 after saying why. */
static int write_html(const char *out, report *r) {
  const char *dir = getenv("ISOREPLAY_REPORTS");
  if (!dir) dir = ISOREPLAY_REPORTS_DIR;
  char tmp[] = "/tmp/isoreplay-html-XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) {
    perror("isoreplay: mkstemp");
    return -1;
  }
  close(fd);
  report *one[1] = {r};
  if (report_write_json(tmp, one, 1)) {
    fprintf(stderr, "isoreplay: cannot write %s: %s\n", tmp, strerror(errno));
    unlink(tmp);
    return -1;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char script[4096];
    snprintf(script, sizeof script, "%s/render.py", dir);
    execl(ISOREPLAY_PYTHON, ISOREPLAY_PYTHON, script, "scenario", "--json", tmp, "--out", out, (char *)NULL);
    fprintf(stderr, "isoreplay: cannot run %s %s: %s\n", ISOREPLAY_PYTHON, script, strerror(errno));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  unlink(tmp);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "isoreplay: the HTML renderer failed (needs %s with python3-jinja2)\n", ISOREPLAY_PYTHON);
    return -1;
  }
  return 0;
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
  const char *json = NULL, *trace = NULL, *html = NULL;
  char **files = calloc((size_t)argc, sizeof *files);
  if (!files) return 3;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--dry-run") && !check_only) dry = 1;
    else if (!strcmp(argv[i], "--quiet")) quiet = 1;
    else if (!strcmp(argv[i], "--json") && !check_only) {
      if (++i == argc) return finish(usage_error("--json needs a file name"), files, NULL, NULL, 0);
      json = argv[i];
    } else if (!strcmp(argv[i], "--trace") && !check_only) {
      if (++i == argc) return finish(usage_error("--trace needs a file name"), files, NULL, NULL, 0);
      trace = argv[i];
    } else if (!strcmp(argv[i], "--html") && !check_only) {
      if (++i == argc) return finish(usage_error("--html needs a file name"), files, NULL, NULL, 0);
      html = argv[i];
    } else if (argv[i][0] == '-' && argv[i][1]) {
      char msg[300];
      snprintf(msg, sizeof msg, "unknown option '%s'", argv[i]);
      return finish(usage_error(msg), files, NULL, NULL, 0);
    } else {
      files[nfiles++] = argv[i];
    }
  }
  if (!nfiles) return finish(usage_error("no scenario file given"), files, NULL, NULL, 0);
  if ((trace || html) && nfiles != 1)
    return finish(usage_error("--trace and --html take one scenario file"), files, NULL, NULL, 0);
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
  if (trace && !internal && report_write_trace(trace, reps[0])) {
    fprintf(stderr, "isoreplay: cannot write %s: %s\n", trace, strerror(errno));
    internal = 1;
  }
  if (html && !internal && write_html(html, reps[0])) internal = 1;
  if (nfiles > 1) {
    if (skipped) printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    else printf("%d passed, %d failed\n", passed, failed);
  }
  return finish(internal ? 3 : failed ? 1 : 0, files, scns, reps, nfiles);
}
