/* cmd_explore.c — `isoreplay explore FILE...`: the other interleavings of each scenario,
 * checked by the checker alone; each finding's witness written as a scenario and, with
 * --real, replayed on every runtime (docs/explore.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "explore.h"
#include "explore_write.h"
#include "outfile.h"
#include "report_out.h"
#include "scn_write.h"
#include "strbuf.h"

typedef struct explore_cli {
  explore_opts o;
  int real;
  const char *witness_dir;
  char how[256];
} explore_cli;

/* "--bound 2" or "--pct --seed 1 --runs 1000 --depth 3": how the findings were found. */
static void describe(explore_cli *c) {
  if (c->o.pct)
    snprintf(c->how, sizeof c->how, "isoreplay explore --pct --seed %lu --runs %ld --depth %d", c->o.seed, c->o.runs,
             c->o.pct_depth);
  else
    snprintf(c->how, sizeof c->how, "isoreplay explore --bound %d", c->o.bound);
}

/* DIR/BASE.race-K.scn for finding k of path; -1 when it does not fit in out. */
static int witness_path(const explore_cli *c, const char *path, int k, char *out, size_t n) {
  char stem[4096];
  cli_scenario_stem(path, stem, sizeof stem);
  int len = snprintf(out, n, "%s/%s.race-%d.scn", c->witness_dir, stem, k + 1);
  return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* The witness replayed on every runtime: what each V8 did in that order. */
static void replay_real(const char *witness) {
  char self[4096], cmd[8400];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);  /* popen's shell is another process */
  if (n <= 0 || strchr(witness, '\'') || memchr(self, '\'', (size_t)n)) return;
  self[n] = 0;
  snprintf(cmd, sizeof cmd, "'%s' run '%s' 2>&1", self, witness);
  FILE *p = popen(cmd, "r");
  if (!p) return;
  char line[2048];
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = 0;
    const char *ended = strstr(line, ": replay ended: "), *skipped = strstr(line, ": skipped");
    if (ended || skipped) report_printf(stdout, "        %s\n", ended ? ended + 2 : skipped + 2);
  }
  pclose(p);
}

static unsigned found_codes(const explore_result *r) {
  unsigned codes = 0;
  for (int k = 0; k < r->nfindings; k++) codes |= 1u << r->findings[k].code;
  return codes;
}

static void print_codes(FILE *out, unsigned codes) {
  strbuf b = {0};
  scn_write_codes(&b, codes, "");
  fprintf(out, "%s", b.p && b.len ? b.p : "nothing");
  sb_free(&b);
}

/* Explores one scenario and prints what it found. Exit status of that file. */
static int explore_one(void *ud, const scenario *s) {
  explore_cli *c = ud;
  explore_result r;
  iso_err err;
  if (explore_run(s, &c->o, &r, &err)) {
    fprintf(stderr, "isoreplay explore: %s\n", err.msg);
    return err.kind == ISO_ERR_INPUT ? EXIT_USAGE : EXIT_INTERNAL;
  }
  if (c->o.pct)
    report_printf(stdout, "%s: %ld random schedules (PCT, depth %d, seed %ld) in %.1f ms\n", s->path, r.schedules,
                  c->o.pct_depth, (long)c->o.seed, r.ms);
  else
    report_printf(stdout, "%s: explored %ld schedules to preemption bound %d in %.1f ms; partial-order reduction "
                  "cut %ld equivalent branches%s\n", s->path, r.schedules, c->o.bound, r.ms, r.pruned,
                  r.capped ? " (stopped at --max-schedules: the search is incomplete)" : "");
  int status = EXIT_MET;
  for (int k = 0; k < r.nfindings; k++) {
    const explore_finding *f = &r.findings[k];
    char where[64] = "";
    if (f->step >= 0) snprintf(where, sizeof where, "%d:", s->steps[f->step].line);
    report_printf(stdout, "%s:%s %s[%s]: %s (in another order: %d preemption%s)\n", s->path, where,
                  ck_severity_name(ck_code_severity(f->code)), ck_code_name(f->code), f->message, f->preemptions,
                  f->preemptions == 1 ? "" : "s");
    char path[4096];
    strbuf text = {0};
    explore_write_witness(&text, s, f, c->how);
    iso_err werr = {ISO_ERR_INPUT, "the witness's path is too long"};
    if (text.failed || witness_path(c, s->path, k, path, sizeof path) || outfile_write(path, text.p, text.len, &werr)) {
      fprintf(stderr, "isoreplay explore: %s\n", text.failed ? "out of memory writing a witness" : werr.msg);
      status = EXIT_INTERNAL;
    } else {
      report_printf(stdout, "    witness: %s\n", path);
      if (c->real) replay_real(path);
    }
    sb_free(&text);
  }
  unsigned found = found_codes(&r);
  if (s->race_expect_line) {
    if (found != s->race_expect) {
      report_printf(stdout, "%s:%d: expect-race ", s->path, s->race_expect_line);
      print_codes(stdout, s->race_expect);
      report_printf(stdout, ", explore found ");
      print_codes(stdout, found);
      report_printf(stdout, "\n%s: FAIL\n", s->path);
      status = status ? status : EXIT_UNMET;
    } else {
      report_printf(stdout, "%s: PASS: found what expect-race says\n", s->path);
    }
  } else if (r.nfindings) {
    report_printf(stdout, "%s: FAIL: %d finding%s in other schedules (a race the file's order hides)\n", s->path,
                  r.nfindings, r.nfindings == 1 ? "" : "s");
    status = status ? status : EXIT_UNMET;
  } else {
    report_printf(stdout, "%s: PASS: no schedule %s raises what the file's own order does not\n", s->path,
                  c->o.pct ? "tried" : "within the bound");
  }
  explore_result_free(&r);
  return status;
}

static int number(const char *opt, const char *text, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || *end || end == text || v < lo || v > hi)
    return cli_command_error("explore", "%s takes a number from %ld to %ld, not '%s'", opt, lo, hi, text);
  *out = v;
  return 0;
}

int cmd_explore(int argc, char **argv) {
  static const struct option OPTS[] = {
      {"bound", required_argument, NULL, 'b'}, {"pct", no_argument, NULL, 'p'},
      {"seed", required_argument, NULL, 's'}, {"runs", required_argument, NULL, 'r'},
      {"depth", required_argument, NULL, 'd'}, {"real", no_argument, NULL, 'R'},
      {"witness-dir", required_argument, NULL, 'w'}, {"max-schedules", required_argument, NULL, 'm'},
      {"no-reduction", no_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'H'}, {NULL, 0, NULL, 0}};
  explore_cli c = {.o = {.bound = 2, .seed = 1, .runs = 1000, .pct_depth = 3, .max_schedules = 10000000}, .witness_dir = "."};
  long v;
  int ch;
  opterr = 0;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "", OPTS, NULL)) != -1) {
    switch (ch) {
      case 'b': if (number("--bound", optarg, 0, 20, &v)) return EXIT_USAGE; c.o.bound = (int)v; break;
      case 'p': c.o.pct = 1; break;
      case 's': if (number("--seed", optarg, 0, 0x7fffffffL, &v)) return EXIT_USAGE; c.o.seed = (unsigned long)v; break;
      case 'r': if (number("--runs", optarg, 1, 100000000L, &v)) return EXIT_USAGE; c.o.runs = v; break;
      case 'd': if (number("--depth", optarg, 1, 100, &v)) return EXIT_USAGE; c.o.pct_depth = (int)v; break;
      case 'm': if (number("--max-schedules", optarg, 1, 1000000000L, &v)) return EXIT_USAGE; c.o.max_schedules = v; break;
      case 'R': c.real = 1; break;
      case 'n': c.o.no_reduction = 1; break;
      case 'w': c.witness_dir = optarg; break;
      case 'H': return cli_help("explore");
      default: return cli_unknown_option("explore", argv[optind - 1], OPTS);
    }
  }
  int n = argc - optind;
  if (n <= 0) return cli_command_error("explore", "no scenario file given");
  struct stat st;
  if (stat(c.witness_dir, &st) || !S_ISDIR(st.st_mode))
    return cli_command_error("explore", "--witness-dir %s: not a directory", c.witness_dir);
  describe(&c);
  return cli_each_scenario(argv + optind, n, explore_one, &c);
}
