/* cmd_run.c — `isoreplay run [OPTIONS] FILE...`: replay each scenario, print its report,
 * write the requested files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "child.h"
#include "cli.h"
#include "outfile.h"
#include "report_out.h"

typedef struct run_args {
  int dry, quiet, steps, help;  /* help: --help was printed, nothing to run */
  const char *json, *trace, *html;
  long memory_limit;
  char **files;
  int nfiles;
  char **v8;              /* --v8 values */
  int nv8;
  runtime *rts;           /* the runtimes to replay on (none for a dry run) */
  int nrts;
} run_args;

/* "512M", "4G", "65536", "0" as bytes; -1 when malformed. */
static long parse_size(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  long mul = !*end ? 1 : !strcmp(end, "K") || !strcmp(end, "k") ? 1L << 10
           : !strcmp(end, "M") || !strcmp(end, "m") ? 1L << 20 : !strcmp(end, "G") || !strcmp(end, "g") ? 1L << 30 : 0;
  if (errno || end == s || v < 0 || !mul || v > (1L << 50) / mul) return -1;
  return v * mul;
}

/* The runtimes --v8 selects (all by default); a dry run needs none. */
static int choose_runtimes(run_args *a) {
  iso_err err;
  if (a->dry) return 0;
  if (runtimes_load(&a->rts, &a->nrts, &err)) {
    fprintf(stderr, "isoreplay: %s\n", err.msg);
    return iso_exit_status(err.kind);
  }
  if (runtimes_select(a->rts, &a->nrts, a->v8, a->nv8, &err)) return cli_usage_error("%s", err.msg);
  return 0;
}

/* The option argv[optind - 1] that getopt_long rejected, as the user wrote it. */
static const char *bad_option(char **argv) { return argv[optind - 1]; }

static int parse_args(int argc, char **argv, run_args *a) {
  static const struct option OPTS[] = {
    {"dry-run", no_argument, NULL, 'd'}, {"quiet", no_argument, NULL, 'q'}, {"steps", no_argument, NULL, 's'},
    {"json", required_argument, NULL, 'j'}, {"trace", required_argument, NULL, 't'},
    {"html", required_argument, NULL, 'h'}, {"memory-limit", required_argument, NULL, 'm'},
    {"v8", required_argument, NULL, 'v'}, {"help", no_argument, NULL, 'H'}, {NULL, 0, NULL, 0}};
  a->memory_limit = CHILD_DEFAULT_MEMORY_LIMIT;
  opterr = 0;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, ":dqs", OPTS, NULL)) != -1;) {
    switch (c) {
      case 'd': a->dry = 1; break;
      case 'q': a->quiet = 1; break;
      case 's': a->steps = 1; break;
      case 'j': a->json = optarg; break;
      case 't': a->trace = optarg; break;
      case 'h': a->html = optarg; break;
      case 'v': a->v8[a->nv8++] = optarg; break;
      case 'm':
        if ((a->memory_limit = parse_size(optarg)) < 0)
          return cli_usage_error("--memory-limit takes a size such as 512M or 4G, not '%s'", optarg);
        break;
      case 'H': a->help = 1; return cli_help("run");
      case ':': return cli_command_error("run", "%s needs a value", bad_option(argv));
      default: return cli_unknown_option("run", bad_option(argv), OPTS);
    }
  }
  a->files = argv + optind;
  a->nfiles = argc - optind;
  if (a->nfiles <= 0) return cli_usage_error("no scenario file given");
  if ((a->trace || a->html) && a->nfiles != 1) return cli_usage_error("--trace and --html take one scenario file");
  const char *outs[3] = {a->json, a->trace, a->html};
  for (int k = 0; k < 3; k++) {
    iso_err err;
    if (outs[k] && outfile_check(outs[k], &err)) return cli_usage_error("%s", err.msg);
  }
  return choose_runtimes(a);
}

/* The requested files of the run; returns EXIT_INTERNAL after saying why, or 0. */
static int write_outputs(const run_args *a, report **reps, int nreps) {
  iso_err err;
  if ((a->json && report_write_json(a->json, reps, nreps, &err)) ||
      (a->trace && report_write_trace(a->trace, (const report *const *)reps, nreps, &err)) || (a->html && cli_write_html(a->html, reps, nreps, &err))) {
    fprintf(stderr, "isoreplay: %s\n", err.msg);
    return EXIT_INTERNAL;
  }
  return 0;
}

/* Where the text report goes: stdout, unless a file option writes to stdout ('-' or
 * /dev/stdout), which then has it alone and the text goes to stderr. */
static FILE *text_stream(const run_args *a) {
  const char *outs[3] = {a->json, a->trace, a->html};
  for (int k = 0; k < 3; k++)
    if (outs[k] && (!strcmp(outs[k], "-") || !strcmp(outs[k], "/dev/stdout"))) return stderr;
  return stdout;
}

/* How many replays each scenario gets: one per runtime, or one dry run. */
static int per_scenario(const run_args *a) { return a->dry ? 1 : a->nrts; }

/* Runs every scenario on every chosen runtime and prints each replay; counts the
 * outcomes. Returns EXIT_INTERNAL when a report could not be made or printed, else 0. */
static int run_all(const run_args *a, scenario **scns, report **reps, int counts[4]) {
  int k = per_scenario(a);
  for (int i = 0; i < a->nfiles; i++) {
    for (int v = 0; v < k; v++) {
      run_opts o = {a->dry, iso_build_flavor(), a->memory_limit, a->dry ? NULL : &a->rts[v]};
      report *r = reps[i * k + v] = report_run(scns[i], &o);
      if (!r) {
        fprintf(stderr, "isoreplay: out of memory running %s\n", a->files[i]);
        return EXIT_INTERNAL;
      }
      FILE *out = text_stream(a);
      if ((a->steps && report_print_steps(out, r)) || report_print(out, r, a->quiet) || fflush(out)) {
        fprintf(stderr, "isoreplay: cannot write to standard output\n");
        return EXIT_INTERNAL;
      }
      counts[r->internal ? 3 : r->skipped ? 2 : r->met ? 0 : 1]++;
    }
  }
  return 0;
}

int cmd_run(int argc, char **argv) {
  run_args a = {0};
  a.v8 = calloc((size_t)argc, sizeof *a.v8);
  int status = a.v8 ? parse_args(argc, argv, &a) : EXIT_INTERNAL;
  if (a.help) {
    free(a.v8);
    return status;
  }
  int nreps = status ? 0 : a.nfiles * per_scenario(&a);
  scenario **scns = status ? NULL : calloc((size_t)a.nfiles, sizeof *scns);
  report **reps = status ? NULL : calloc((size_t)nreps + 1, sizeof *reps);
  int counts[4] = {0};  /* passed, failed, skipped, errors */
  if (!status && (!scns || !reps)) status = EXIT_INTERNAL;
  if (!status) status = cli_load_all(a.files, a.nfiles, scns);
  if (!status) status = run_all(&a, scns, reps, counts);
  if (!status) status = write_outputs(&a, reps, nreps);
  if (!status && nreps > 1) {
    FILE *out = text_stream(&a);
    fprintf(out, "%d passed, %d failed", counts[0], counts[1]);
    if (counts[2]) fprintf(out, ", %d skipped", counts[2]);
    if (counts[3]) fprintf(out, ", %d errors", counts[3]);
    fprintf(out, "\n");
  }
  if (!status) status = counts[3] ? EXIT_INTERNAL : counts[1] ? EXIT_UNMET : EXIT_MET;
  for (int i = 0; i < nreps && reps; i++) report_free(reps[i]);
  for (int i = 0; i < a.nfiles && scns; i++) scn_free(scns[i]);
  free(reps);
  free(scns);
  free(a.v8);
  runtimes_free(a.rts, a.nrts);
  if (fflush(stdout) || ferror(stdout)) return EXIT_INTERNAL;
  return status;
}
