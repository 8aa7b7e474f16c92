/* cmd_reduce.c — `isoreplay reduce FILE --keep PROPERTY [--v8 VERSION] [-o OUT]`: the
 * scenario cut down to the steps that keep the property (harness/explore/reduce.h).
 * Checker properties are tested in this process, without V8; V8 properties by replaying
 * each candidate in a child `isoreplay run --v8 VERSION --json`, with its usual timeout
 * (docs/reduce.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_info.h"
#include "cli.h"
#include "explore.h"
#include "outfile.h"
#include "reduce.h"
#include "report_out.h"
#include "scn_write.h"

typedef enum prop_kind { PROP_CODE, PROP_SIGNAL, PROP_FATAL, PROP_SANITIZER, PROP_RESULT } prop_kind;

typedef struct prop {
  prop_kind kind;
  ck_code code;
  int line;               /* PROP_CODE: at a step of this line of the file (0: anywhere) */
  char text[256];         /* signal name, fatal text, sanitizer text */
  const char *spec;       /* as the user wrote it */
  const char *v8;         /* --v8 */
  const scenario *orig;
  char dir[64];           /* a private directory for the candidates */
  char v8_version[64];    /* the version the child reported */
  unsigned tls[64];       /* tls-divergence at candidate steps (bits) of the last run */
  long child_runs;
  int quiet;
} prop;

/* `CODE`, `CODE@LINE`, `signal SIG`, `fatal TEXT`, `sanitizer TEXT`, `wrong-result`. */
static int parse_prop(prop *p, const char *spec) {
  p->spec = spec;
  if (!strncmp(spec, "signal ", 7)) {
    p->kind = PROP_SIGNAL;
    snprintf(p->text, sizeof p->text, "%s", spec + 7);
    return scn_signal_number(p->text) < 0 ? cli_command_error("reduce", "--keep '%s': unknown signal '%s' (SEGV, TRAP, ABRT, BUS, ILL, FPE)", spec, p->text) : 0;
  }
  if (!strncmp(spec, "fatal ", 6) || !strncmp(spec, "sanitizer ", 10)) {
    p->kind = spec[0] == 'f' ? PROP_FATAL : PROP_SANITIZER;
    const char *t = strchr(spec, ' ') + 1;
    size_t n = strlen(t);
    if (n >= 2 && t[0] == '"' && t[n - 1] == '"') t++, n -= 2;  /* quotes are optional */
    snprintf(p->text, sizeof p->text, "%.*s", (int)n, t);
    if (strpbrk(p->text, "\"\\\n"))
      return cli_command_error("reduce", "--keep '%s': the text may not hold quotes or backslashes", spec);
    return p->text[0] ? 0 : cli_command_error("reduce", "--keep '%s': the text to look for is empty", spec);
  }
  if (!strcmp(spec, "wrong-result")) {
    p->kind = PROP_RESULT;
    return 0;
  }
  char name[64];
  const char *at = strchr(spec, '@');
  snprintf(name, sizeof name, "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec);
  p->kind = PROP_CODE;
  if (ck_code_parse(name, &p->code))
    return cli_command_error("reduce", "--keep '%s': not a property: a violation code (isoreplay codes), CODE@LINE, "
                             "'signal SIG', 'fatal TEXT', 'sanitizer TEXT' or wrong-result", spec);
  if (at) {
    char *end;
    p->line = (int)strtol(at + 1, &end, 10);
    if (*end || p->line <= 0) return cli_command_error("reduce", "--keep '%s': a line number after '@'", spec);
  }
  return 0;
}

/* The checker's verdict, as a dry run gives it. */
static int holds_code(prop *p, const scenario *c, const int *original) {
  unsigned *codes = calloc((size_t)c->nsteps + 1, sizeof *codes), end = 0;
  if (!codes || explore_file_order(c, codes, &end)) {
    free(codes);
    return -1;
  }
  unsigned bit = 1u << p->code;
  int holds = !p->line && (end & bit);
  for (int k = 0; k < c->nsteps && !holds; k++)
    holds = (codes[k] & bit) && (!p->line || p->orig->steps[original[k]].line == p->line);
  free(codes);
  return holds;
}

/* Replays the candidate on the chosen runtime in a child; its JSON report, or NULL. */
static json_t *replay(prop *p, const scenario *c) {
  char scn[128], out[128];
  snprintf(scn, sizeof scn, "%s/candidate.scn", p->dir);
  snprintf(out, sizeof out, "%s/report.json", p->dir);
  iso_err err;
  if (outfile_write(scn, c->text, c->text_len, &err)) return NULL;
  unlink(out);
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1), dup2(null, 2);
    execl("/proc/self/exe", "isoreplay", "run", "--quiet", "--v8", p->v8, "--json", out, scn, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > EXIT_UNMET) return NULL;
  p->child_runs++;
  json_t *doc = json_load_file(out, 0, NULL);
  json_t *one = json_array_get(json_object_get(doc, "scenarios"), 0);
  if (one) json_incref(one);
  json_decref(doc);
  return one;
}

static const char *jstr(json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

/* What V8 did with the candidate: its ending, sanitizer findings or a wrong result. */
static int holds_v8(prop *p, const scenario *c) {
  json_t *r = replay(p, c);
  if (!r) return -1;
  json_t *ending = json_object_get(r, "ending");
  int holds = 0;
  size_t i;
  json_t *x;
  switch (p->kind) {
    case PROP_SIGNAL: holds = !strcmp(jstr(ending, "signal"), p->text) && strcmp(jstr(ending, "kind"), "killed") &&
                              strcmp(jstr(ending, "kind"), "timeout") && strcmp(jstr(ending, "kind"), "memory-limit"); break;
    case PROP_FATAL: holds = !strcmp(jstr(ending, "kind"), "v8-fatal") && strstr(jstr(ending, "fatal"), p->text); break;
    case PROP_SANITIZER:
      json_array_foreach(json_object_get(r, "sanitizer"), i, x) holds |= strstr(jstr(x, "kind"), p->text) ||
                                                                           strstr(jstr(x, "summary"), p->text);
      break;
    case PROP_RESULT:
      json_array_foreach(json_object_get(r, "mismatches"), i, x) holds |= !strcmp(jstr(x, "kind"), "result");
      break;
    default: break;
  }
  snprintf(p->v8_version, sizeof p->v8_version, "%s", jstr(r, "v8_version"));
  memset(p->tls, 0, sizeof p->tls);
  json_array_foreach(json_object_get(r, "violations"), i, x) {
    json_int_t step = json_integer_value(json_object_get(x, "step"));
    if (!strcmp(jstr(x, "code"), "tls-divergence") && step >= 1 && step <= (json_int_t)sizeof p->tls * 8)
      p->tls[(step - 1) / 32] |= 1u << ((step - 1) % 32);
  }
  json_decref(r);
  return holds;
}

static int test(void *ud, const scenario *c, const int *original) {
  prop *p = ud;
  return p->kind == PROP_CODE ? holds_code(p, c, original) : holds_v8(p, c);
}

static void progress(void *ud, int steps, long tried) {
  prop *p = ud;
  if (!p->quiet) fprintf(stderr, "isoreplay reduce: %d steps (%ld candidates tried)\n", steps, tried);
}

/* The reduced scenario: the header, what was reduced from what, the ending the property
 * is on that version, the steps with the checker's marks (and V8's tls-divergence on that
 * version), so `run --dry-run` (and `run --v8 VERSION` for a V8 property) passes. */
static int write_result(prop *p, const scenario *s, const reduce_result *r, strbuf *out) {
  strbuf text = {0};
  int *original = malloc(((size_t)s->nsteps + 1) * sizeof *original);
  int keep_results = p->kind == PROP_RESULT;
  if (!original) return -1;
  reduce_candidate(s, r->keep, keep_results, &text, original);
  scenario *c = NULL;
  iso_err err;
  int rc = text.failed || scn_parse(s->path, text.p, text.len, &c, &err) ? -1 : 0;
  unsigned *codes = c ? calloc((size_t)c->nsteps + 1, sizeof *codes) : NULL, end = 0;
  if (!rc && (!codes || explore_file_order(c, codes, &end))) rc = -1;
  if (!rc && p->kind != PROP_CODE && holds_v8(p, c) != 1) rc = -1;  /* its tls-divergence and version */
  if (!rc) {
    scn_write_header(out, s);
    char ver[32] = "";
    int v = scn_v8_parse(p->v8_version);
    if (v > 0) snprintf(ver, sizeof ver, "v8=%d.%d", v / 1000, v % 1000);
    sb_printf(out, "\n# Reduced by isoreplay reduce --keep '%s'%s%s from %d steps of %s to %d (%ld candidates "
                   "tried).\n", p->spec, p->v8 ? " --v8 " : "", p->v8 ? p->v8 : "", s->nsteps, s->path, r->kept, r->tried);
    if (p->kind == PROP_SIGNAL && ver[0]) sb_printf(out, "expect-end [%s] signal %s\n", ver, p->text);
    if (p->kind == PROP_FATAL && ver[0]) sb_printf(out, "expect-end [%s] fatal \"%s\"\n", ver, p->text);
    if (p->kind == PROP_SANITIZER && ver[0]) sb_printf(out, "expect-sanitizer [%s] %s \"%s\"\n", ver, iso_build_flavor(), p->text);
    sb_puts(out, "\n");
    int depth = 0;
    char tls_mark[48];
    snprintf(tls_mark, sizeof tls_mark, "tls-divergence[%s]", ver);
    for (int k = 0; k < c->nsteps; k++) {
      int tls = ver[0] && p->kind != PROP_CODE && k < (int)sizeof p->tls * 8 && (p->tls[k / 32] >> (k % 32) & 1);
      scn_write_line(out, &c->steps[k], codes[k], tls ? tls_mark : NULL, keep_results, &depth);
    }
    if (end) {
      scn_write_codes(out, end, "! ");
      sb_puts(out, "\n");
    }
  }
  free(codes);
  free(original);
  scn_free(c);
  sb_free(&text);
  return rc || out->failed ? -1 : 0;
}

static void remove_dir(prop *p) {
  char f[160];
  snprintf(f, sizeof f, "%s/candidate.scn", p->dir);
  unlink(f);
  snprintf(f, sizeof f, "%s/report.json", p->dir);
  unlink(f);
  rmdir(p->dir);
}

static int reduce_one(prop *p, const scenario *s, const char *out_path) {
  reduce_opts o = {test, p, p->kind == PROP_RESULT, progress};
  reduce_result r;
  iso_err err;
  int rc = reduce_run(s, &o, &r, &err);
  if (rc < 0) {
    fprintf(stderr, "isoreplay reduce: %s%s\n", err.msg, p->kind != PROP_CODE ? " (a replay child failed: is --v8 a version `isoreplay versions` lists?)" : "");
    return EXIT_INTERNAL;
  }
  if (rc > 0) {
    report_printf(stdout, "%s: the property '%s' does not hold on the file itself%s%s: nothing to reduce\n", s->path,
                  p->spec, p->v8 ? " on V8 " : "", p->v8 ? p->v8 : "");
    return EXIT_UNMET;
  }
  strbuf text = {0};
  int status = EXIT_MET;
  if (write_result(p, s, &r, &text)) {
    fprintf(stderr, "isoreplay reduce: writing the reduced scenario failed\n");
    status = EXIT_INTERNAL;
  } else if (outfile_write(out_path, text.p, text.len, &err)) {
    fprintf(stderr, "isoreplay reduce: %s\n", err.msg);
    status = EXIT_INTERNAL;
  } else {
    report_printf(stdout, "%s: reduced from %d steps to %d keeping '%s'%s%s: %ld candidates tried in %.1f s%s\n",
                  s->path, s->nsteps, r.kept, p->spec, p->v8 ? " on V8 " : "", p->v8 ? p->v8 : "", r.tried,
                  r.ms / 1000, p->child_runs ? "" : " (the checker alone)");
    report_printf(stdout, "    reduced: %s\n", out_path);
  }
  sb_free(&text);
  reduce_result_free(&r);
  return status;
}

int cmd_reduce(int argc, char **argv) {
  static const struct option OPTS[] = {{"keep", required_argument, NULL, 'k'}, {"v8", required_argument, NULL, 'v'},
                                       {"output", required_argument, NULL, 'o'}, {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'H'}, {NULL, 0, NULL, 0}};
  prop p = {0};
  const char *keep = NULL, *out = NULL;
  int ch;
  opterr = 0;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "o:q", OPTS, NULL)) != -1) {
    switch (ch) {
      case 'k': keep = optarg; break;
      case 'v': p.v8 = optarg; break;
      case 'o': out = optarg; break;
      case 'q': p.quiet = 1; break;
      case 'H': return cli_help("reduce");
      default: return cli_unknown_option("reduce", argv[optind - 1], OPTS);
    }
  }
  if (argc - optind != 1) return cli_command_error("reduce", "one scenario file is needed");
  if (!keep) return cli_command_error("reduce", "--keep PROPERTY is needed: what the reduced scenario must still show");
  if (parse_prop(&p, keep)) return EXIT_USAGE;
  if (p.kind != PROP_CODE && (!p.v8 || !strcmp(p.v8, "all")))
    return cli_command_error("reduce", "--keep '%s' is what V8 does: name one runtime with --v8 VERSION "
                             "(isoreplay versions lists them)", keep);
  if (p.kind == PROP_CODE && p.v8)
    return cli_command_error("reduce", "--keep '%s' is the checker's verdict, the same on every V8: --v8 is not used", keep);
  char stem[4096], default_path[4200];  /* NAME.reduced.scn in the current directory */
  cli_scenario_stem(argv[optind], stem, sizeof stem);
  int len = snprintf(default_path, sizeof default_path, "%s.reduced.scn", stem);
  if (!out && (len < 0 || (size_t)len >= sizeof default_path)) return cli_command_error("reduce", "the file's name is too long: give -o OUT");
  if (!out) out = default_path;
  iso_err err;
  if (outfile_check(out, &err)) {
    fprintf(stderr, "isoreplay reduce: %s\n", err.msg);
    return EXIT_USAGE;
  }
  snprintf(p.dir, sizeof p.dir, "/tmp/isoreplay-reduce-XXXXXX");
  if (p.kind != PROP_CODE && !mkdtemp(p.dir)) {
    fprintf(stderr, "isoreplay reduce: cannot make a directory for the candidates: %s\n", strerror(errno));
    return EXIT_INTERNAL;
  }
  scenario *s = NULL;
  int status = cli_load_all(argv + optind, 1, &s);
  if (!status) {
    p.orig = s;
    status = reduce_one(&p, s, out);
  }
  scn_free(s);
  if (p.kind != PROP_CODE) remove_dir(&p);
  return status;
}
