/* cmd_record.c — `isoreplay record [--out FILE.scn] [--json FILE] [--html FILE] [--quiet]
 *                                  -- PROGRAM ARGS...`
 *
 * Runs the program unmodified, observed one of two ways chosen from its executable: a
 * program that loads V8 from a shared library gets the recorder preloaded
 * (harness/record/interpose.c); one with V8 linked in and its symbols exported (the
 * official node binaries) is observed through uprobes (harness/record/rec_launch.c chooses).
 * Prints each violation the checker finds in it as it happens (on stderr: the program's
 * own stdout and stderr pass through untouched), then a summary, and writes what the
 * program did as a scenario (harness/record/rec_scenario.c). Exits with the program's
 * own status (a program killed by a signal kills isoreplay with the same signal), or 2
 * for bad usage and 3 when isoreplay itself fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "build_info.h"
#include "checker.h"
#include "cli.h"
#include "outfile.h"
#include "rec_log.h"
#include "rec_scenario.h"
#include "rec_launch.h"
#include "report.h"
#include "scenario.h"
#include "selfpath.h"
#include "strbuf.h"

static volatile sig_atomic_t child_pid;

/* SIGINT, SIGTERM, SIGHUP to isoreplay go to the recorded program; its end ends us. */
static void pass_on(int sig) {
  if (child_pid > 0) kill((pid_t)child_pid, sig);
}

/* Splits a report line into its tab-separated fields (in place); returns how many. */
static int split(char *line, char **f, int max) {
  int n = 0;
  for (char *p = line; n < max;) {
    f[n++] = p;
    p = strchr(p, '\t');
    if (!p) break;
    *p++ = 0;
  }
  return n;
}

typedef struct tally {
  long errors, warnings, infos;
  int v8_in_executable, ended, bystanders;
  json_t *found;  /* the violations, for --json (NULL without it) */
} tally;

/* A violation line's fields as a JSON object (frames split on \x1f). */
static void keep(tally *t, char **f, int at_exit) {
  if (!t->found) return;
  json_t *frames = json_array();
  for (char *fr = f[8]; fr && *fr;) {
    char *next = strchr(fr, '\x1f');
    if (next) *next = 0;
    json_array_append_new(frames, json_string(fr));
    if (next) *next = '\x1f';
    fr = next ? next + 1 : NULL;
  }
  ck_code c;
  const char *fix = ck_code_parse(f[2], &c) ? "" : ck_code_fix(c);
  json_array_append_new(t->found, json_pack("{s:s, s:s, s:s, s:I, s:s, s:i, s:s, s:s, s:o, s:b}", "severity", f[1],
                                            "code", f[2], "thread", f[3], "tid", (json_int_t)atol(f[4]), "call", f[5],
                                            "call_number", atoi(f[6]), "message", f[7], "fix", fix, "frames", frames,
                                            "at_exit", at_exit));
}

/* One line from the recorder, printed for the user. */
static void show(char *line, tally *t, int quiet) {
  char *f[10];
  int n = split(line, f, 10);
  if (n >= 9 && !strcmp(f[0], "V")) {
    const char *sev = f[1], *code = f[2];
    if (!strcmp(sev, "error")) t->errors++;
    else if (!strcmp(sev, "warning")) t->warnings++;
    else t->infos++;
    keep(t, f, !strcmp(sev, "info"));
    if (quiet && !strcmp(sev, "info")) return;
    if (!strcmp(sev, "info"))
      fprintf(stderr, "isoreplay record: info[%s] at the process's exit: %s\n", code, f[7]);
    else
      fprintf(stderr, "isoreplay record: %s[%s]: thread %s (tid %s), in %s (call %s): %s\n", sev, code, f[3], f[4],
              f[5], f[6], f[7]);
    for (char *fr = f[8]; fr && *fr && strcmp(sev, "info");) {
      char *next = strchr(fr, '\x1f');
      if (next) *next++ = 0;
      fprintf(stderr, "      at %s\n", fr);
      fr = next;
    }
    ck_code c;
    if (strcmp(sev, "info") && !ck_code_parse(code, &c)) fprintf(stderr, "    note: fix: %s\n", ck_code_fix(c));
  } else if (n >= 3 && !strcmp(f[0], "I")) {
    if (!strcmp(f[1], "v8-in-executable")) t->v8_in_executable = 1;
    if (!strcmp(f[1], "bystander")) t->bystanders++;
    fprintf(stderr, "isoreplay record: %s\n", f[2]);
  } else if (n >= 2 && !strcmp(f[0], "E")) {
    t->ended = 1;
  }
}

/* The lines of one pipe read so far, each shown once whole: 1 when some came, -1 when
 * none is there now, 0 at its end (or failure). */
static int read_lines(int fd, strbuf *pending, tally *t, int quiet) {
  char buf[8192];
  ssize_t got = read(fd, buf, sizeof buf);
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return -1;
  if (got <= 0) return 0;
  sb_add(pending, buf, (size_t)got);
  char *start = pending->p, *nl;
  while (start && (nl = memchr(start, '\n', pending->len - (size_t)(start - pending->p)))) {
    *nl = 0;
    show(start, t, quiet);
    start = nl + 1;
  }
  size_t rest = pending->len - (size_t)(start - pending->p);
  memmove(pending->p, start, rest);
  pending->len = rest;
  return 1;
}

/* Shows the reader's report and the program's facts until the program has ended and the
 * reader, told so, has closed its report; returns the program's wait status. The facts
 * pipe is drained, not waited for: what the program started may hold it on. */
static int follow(rec_launch *l, tally *t, int quiet) {
  strbuf report = {0}, facts = {0};
  int status = 0, done = 0, open_report = 1, open_facts = l->facts_fd >= 0;
  int ended = (int)syscall(SYS_pidfd_open, l->program, 0);  /* readable once the program ends (Linux 5.3) */
  if (open_facts) fcntl(l->facts_fd, F_SETFL, O_NONBLOCK);
  while (open_report) {
    struct pollfd p[3] = {{l->report_fd, POLLIN, 0}, {ended, done ? -1 : POLLIN, 0}, {open_facts ? l->facts_fd : -1, POLLIN, 0}};
    if (poll(p, 3, ended < 0 && !done ? 100 : -1) < 0 && errno != EINTR) break;
    if (p[2].revents) open_facts = read_lines(l->facts_fd, &facts, t, quiet) != 0;
    if (p[0].revents) open_report = read_lines(l->report_fd, &report, t, quiet) != 0;
    if (!done && waitpid(l->program, &status, WNOHANG) == l->program) {
      done = 1;
      rec_reader_program_ended(&l->reader);
    }
  }
  while (open_facts && read_lines(l->facts_fd, &facts, t, quiet) == 1) {
  }
  if (!done) waitpid(l->program, &status, 0);
  if (ended >= 0) close(ended);
  waitpid(l->reader.pid, NULL, WNOHANG);
  sb_free(&report);
  sb_free(&facts);
  return status;
}

/* The recording as JSON (docs/record.md): the command, how it ended, the counts, every
 * violation with its frames, the scenario written. Returns 0, or 1 after saying why. */
static int write_json(const char *path, char **prog, int status, const rec_summary *sum, tally *t, const char *scn) {
  json_t *argv = json_array();
  for (char **a = prog; *a; a++) json_array_append_new(argv, json_string(*a));
  json_t *end = WIFSIGNALED(status) ? json_pack("{s:n, s:s}", "exit_code", "signal", sigabbrev_np(WTERMSIG(status)))
                                    : json_pack("{s:i, s:n}", "exit_code", WEXITSTATUS(status), "signal");
  json_t *doc = json_pack("{s:s, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:b, s:O, s:s?}", "format",
                          "isoreplay-record/1", "command", argv, "ending", end, "summary", "calls", (json_int_t)sum->calls,
                          "threads", (json_int_t)sum->threads, "isolates", (json_int_t)sum->isolates, "errors",
                          (json_int_t)t->errors, "warnings", (json_int_t)t->warnings, "at_exit", (json_int_t)t->infos,
                          "steps_written", (json_int_t)sum->written, "calls_cut", (json_int_t)sum->cut,
                          "calls_counted", (json_int_t)sum->counted,
                          "v8_in_executable", t->v8_in_executable, "violations", t->found, "scenario", scn);
  char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
  json_decref(doc);
  iso_err err = {0};
  int bad = !text || outfile_write(path, text, strlen(text), &err);
  if (bad) fprintf(stderr, "isoreplay record: cannot write %s: %s\n", path, text ? err.msg : "out of memory");
  free(text);
  return bad;
}

/* The recording's swimlanes: its scenario, replayed by the checker alone (the verdicts
 * the recording printed), as the HTML view `run --html` writes. 0, or 1 after saying why. */
static int write_html(const char *path, const char *name, const strbuf *scn) {
  iso_err err = {0};
  scenario *s = NULL;
  report *r = NULL;
  int bad = scn_parse(name, scn->p, scn->len, &s, &err);
  if (!bad) {
    run_opts o = {1, iso_build_flavor(), 0, NULL};
    r = report_run(s, &o);
    bad = !r || cli_write_html(path, &r, 1, &err);
  }
  if (bad) fprintf(stderr, "isoreplay record: cannot write %s: %s\n", path, err.msg[0] ? err.msg : "out of memory");
  report_free(r);
  scn_free(s);
  return bad;
}

int cmd_record(int argc, char **argv) {
  static const struct option OPTS[] = {{"out", required_argument, NULL, 'o'}, {"json", required_argument, NULL, 'j'},
                                       {"html", required_argument, NULL, 'h'}, {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'H'}, {NULL, 0, NULL, 0}};
  const char *out = NULL, *json = NULL, *html = NULL;
  int quiet = 0, c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+o:j:h:q", OPTS, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'j') json = optarg;
    else if (c == 'h') html = optarg;
    else if (c == 'q') quiet = 1;
    else if (c == 'H') return cli_help("record");
    else return cli_unknown_option("record", argv[optind - 1], OPTS);
  }
  if (optind >= argc) return cli_command_error("record", "record needs a program: isoreplay record [--out FILE.scn] -- PROGRAM ARGS...");
  iso_err err = {0};
  if ((out && outfile_check(out, &err)) || (json && outfile_check(json, &err)) || (html && outfile_check(html, &err))) {
    fprintf(stderr, "isoreplay record: %s\n", err.msg);
    return EXIT_USAGE;
  }
  char lib[PATH_MAX + 64];  /* beside the binary: BIN/../lib/libisoreplay-record.so */
  if (iso_installed_path("lib/libisoreplay-record.so", lib, sizeof lib)) {
    fprintf(stderr, "isoreplay record: the recorder library is missing (lib/libisoreplay-record.so beside the "
                    "isoreplay binary's folder): build or install isoreplay whole\n");
    return EXIT_INTERNAL;
  }
  char **prog = argv + optind;
  rec_launch l;
  if (rec_launch_start(&l, prog, lib, &err)) {
    fprintf(stderr, "isoreplay record: %s\n", err.msg);
    return err.kind == ISO_ERR_INPUT ? EXIT_USAGE : EXIT_INTERNAL;
  }
  child_pid = l.program;
  struct sigaction sa = {0};
  sa.sa_handler = pass_on;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  tally t = {0};
  if (json) t.found = json_array();
  int status = follow(&l, &t, quiet);
  if (!t.ended) fprintf(stderr, "isoreplay record: the recording's reader failed: the recording is incomplete\n");

  strbuf cmdline = {0}, scn = {0};
  for (char **a = prog; *a; a++) sb_printf(&cmdline, "%s%s", a == prog ? "" : " ", *a);
  rec_summary sum;
  int failed = out || html ? rec_scenario_write(l.log_path, cmdline.p ? cmdline.p : prog[0], &scn, &sum, &err)
                           : rec_scenario_count(l.log_path, &sum, &err);
  if (!failed && WIFSIGNALED(status))  /* no exit: nothing ended the threads in the recording */
    sb_printf(&scn, "# the program was killed by SIG%s after its last call above: its threads never ended, so a\n"
                    "# replay that ends them here raises what the program never reached\n", sigabbrev_np(WTERMSIG(status)));
  rec_launch_end(&l);
  if (failed) fprintf(stderr, "isoreplay record: %s\n", err.msg);
  else {
    fprintf(stderr, "isoreplay record: %ld V8 call%s on %ld thread%s, %ld isolate%s: %ld error%s, %ld warning%s", sum.calls,
            sum.calls == 1 ? "" : "s", sum.threads, sum.threads == 1 ? "" : "s", sum.isolates, sum.isolates == 1 ? "" : "s",
            t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s");
    if (t.infos) fprintf(stderr, ", %ld left at the process's exit (information)", t.infos);
    fputs("\n", stderr);
    if (!sum.calls && !t.v8_in_executable && !t.bystanders && l.way == REC_WAY_NONE)
      fprintf(stderr, "isoreplay record: no V8 call was seen: %s neither exports V8's API nor loads it from a shared "
                      "library; if V8 is linked into it with its symbols stripped (as in Deno), its calls cannot be "
                      "observed\n", l.binary);
    else if (!sum.calls && !t.v8_in_executable && !t.bystanders)
      fprintf(stderr, "isoreplay record: no V8 call was seen: the program does not load V8 from a shared library "
                      "(libnode.so, libv8.so) nor export it (the official node), or made none\n");
    if (out && sum.calls) {
      if (outfile_write(out, scn.p, scn.len, &err)) {
        fprintf(stderr, "isoreplay record: %s\n", err.msg);
        failed = 1;
      } else {
        fprintf(stderr, "isoreplay record: scenario written to %s (%ld steps", out, sum.written);
        if (sum.counted) fprintf(stderr, "; %ld frequent calls counted, not written", sum.counted);
        if (sum.cut) fprintf(stderr, "; %ld calls past the scenario's limits not written", sum.cut);
        fputs(")\n", stderr);
      }
    }
  }
  if (json && !failed) failed = write_json(json, prog, status, &sum, &t, out);
  if (html && !failed && sum.calls) failed = write_html(html, out ? out : "recorded.scn", &scn);
  json_decref(t.found);
  sb_free(&cmdline);
  sb_free(&scn);
  if (failed) return EXIT_INTERNAL;
  if (WIFSIGNALED(status)) {
    signal(WTERMSIG(status), SIG_DFL);
    raise(WTERMSIG(status));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_INTERNAL;
}
