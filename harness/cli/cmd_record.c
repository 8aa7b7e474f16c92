/* cmd_record.c — `isoreplay record [--out FILE.scn] [--json FILE] [--html FILE] [--quiet]
 *                                  -- PROGRAM ARGS...`
 *
 * Runs the program unmodified, observed one of two ways chosen from its executable: a
 * program that loads V8 from a shared library gets the recorder preloaded
 * (harness/record/interpose.c); one with V8 linked in and its symbols exported (the
 * official node binaries) is observed through uprobes (harness/record/rec_uprobe.c).
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
#include "rec_uprobe.h"
#include "report.h"
#include "scenario.h"
#include "strbuf.h"
#include "v8_symbols.h"

static volatile sig_atomic_t child_pid;

/* SIGINT, SIGTERM, SIGHUP to isoreplay go to the recorded program; its end ends us. */
static void pass_on(int sig) {
  if (child_pid > 0) kill((pid_t)child_pid, sig);
}

/* The recorder library, installed beside the binary: BIN/../lib/libisoreplay-record.so. */
static int find_library(char *out, size_t n) {
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return -1;
  exe[len] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return -1;
  *slash = 0;
  snprintf(out, n, "%s/../lib/libisoreplay-record.so", exe);
  return access(out, R_OK);
}

/* The program, with the recorder preloaded (report_fd >= 0), or as it is, once the
 * command says go on hold_fd (the uprobes must be in place before it runs). */
static _Noreturn void exec_program(char **argv, const char *lib, const char *log, int report_fd, int hold_fd) {
  if (hold_fd >= 0) {
    char go;
    if (read(hold_fd, &go, 1) != 1) _exit(127);  /* the command could not set up: it says why */
    close(hold_fd);
  }
  if (report_fd >= 0) {
    char num[32];
    snprintf(num, sizeof num, "%d", report_fd);
    setenv(REC_ENV_REPORT, num, 1);
    snprintf(num, sizeof num, "%d", (int)getpid());
    setenv(REC_ENV_PID, num, 1);
    setenv(REC_ENV_LOG, log, 1);
    strbuf pre = {0};  /* the recorder is never instrumented: no sanitizer runtime with it */
    sb_puts(&pre, lib);
    const char *old = getenv("LD_PRELOAD");
    if (old && *old) sb_printf(&pre, ":%s", old);
    char *value = sb_take(&pre);
    if (value) setenv("LD_PRELOAD", value, 1);
  }
  execvp(argv[0], argv);
  fprintf(stderr, "isoreplay record: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* How the program's V8 calls can be seen, from its executable (a script's interpreter). */
typedef enum way { WAY_PRELOAD, WAY_UPROBES, WAY_NONE } way;

static way choose_way(const char *argv0, char *binary, size_t n, v8_symbols *syms) {
  iso_err err = {0};
  memset(syms, 0, sizeof *syms);
  if (v8_program_binary(argv0, binary, n) || v8_symbols_read(binary, syms, &err)) return WAY_PRELOAD;
  if (v8_symbols_find(syms, "_ZN2v87Isolate5EnterEv", 0)) return WAY_UPROBES;
  return syms->imports_v8 ? WAY_PRELOAD : WAY_NONE;  /* NONE: V8 may still come by dlopen */
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

/* Reads the recorder's lines until the program has ended and the pipe is drained (with
 * uprobes: until the reader, told the program ended, has closed it). */
static int follow(int fd, pid_t pid, tally *t, int quiet, rec_uprobe *u) {
  strbuf pending = {0};
  int status = 0, done = 0, eof = 0;
  int ended = (int)syscall(SYS_pidfd_open, pid, 0);  /* readable once the program ends (Linux 5.3) */
  while (!eof) {
    struct pollfd p[2] = {{fd, POLLIN, 0}, {ended, POLLIN, 0}};
    int r = poll(p, done || ended < 0 ? 1 : 2, done && !u ? 0 : 100);
    if (r > 0 && p[0].revents) {
      char buf[8192];
      ssize_t got = read(fd, buf, sizeof buf);
      if (got > 0) {
        sb_add(&pending, buf, (size_t)got);
        char *start = pending.p, *nl;
        while (start && (nl = memchr(start, '\n', pending.len - (size_t)(start - pending.p)))) {
          *nl = 0;
          show(start, t, quiet);
          start = nl + 1;
        }
        size_t rest = pending.len - (size_t)(start - pending.p);
        memmove(pending.p, start, rest);
        pending.len = rest;
        continue;
      }
      if (got == 0 || errno != EINTR) eof = 1;  /* every writer is gone (or the pipe failed) */
    }
    if (!done && waitpid(pid, &status, WNOHANG) == pid) done = 1;
    if (done && u) rec_uprobe_program_ended(u);
    if (done && !u && r <= 0) break;  /* drained: what the program started may hold the pipe on */
  }
  if (!done) waitpid(pid, &status, 0);
  if (ended >= 0) close(ended);
  sb_free(&pending);
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
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL, *json = NULL, *html = NULL;
  int quiet = 0, c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+o:j:h:q", OPTS, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'j') json = optarg;
    else if (c == 'h') html = optarg;
    else if (c == 'q') quiet = 1;
    else return cli_usage_error("unknown option '%s' for record", argv[optind - 1]);
  }
  if (optind >= argc) return cli_usage_error("record needs a program: isoreplay record [--out FILE.scn] -- PROGRAM ARGS...");
  iso_err err = {0};
  if ((out && outfile_check(out, &err)) || (json && outfile_check(json, &err)) || (html && outfile_check(html, &err))) {
    fprintf(stderr, "isoreplay record: %s\n", err.msg);
    return EXIT_USAGE;
  }
  char lib[PATH_MAX + 64];
  if (find_library(lib, sizeof lib)) {
    fprintf(stderr, "isoreplay record: the recorder library is missing (%s): build or install isoreplay whole\n", lib);
    return EXIT_INTERNAL;
  }
  const char *tmp = getenv("TMPDIR");
  char logpath[PATH_MAX];
  snprintf(logpath, sizeof logpath, "%s/isoreplay-record-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  int logfd = mkstemp(logpath);
  int pipefd[2];
  if (logfd < 0 || pipe2(pipefd, O_CLOEXEC)) {
    fprintf(stderr, "isoreplay record: cannot create the recording's files: %s\n", strerror(errno));
    return EXIT_INTERNAL;
  }
  close(logfd);
  char **prog = argv + optind;
  char binary[PATH_MAX];
  v8_symbols syms;
  way how = choose_way(prog[0], binary, sizeof binary, &syms);
  int hold[2] = {-1, -1};
  if (how == WAY_UPROBES && pipe2(hold, O_CLOEXEC)) how = WAY_PRELOAD;  /* reported below as unseen */
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "isoreplay record: cannot start %s: %s\n", prog[0], strerror(errno));
    unlink(logpath);
    return EXIT_INTERNAL;
  }
  if (pid == 0) {
    if (hold[1] >= 0) close(hold[1]);  /* a failed set-up closes the command's end: EOF */
    int w = how == WAY_UPROBES ? -1 : dup(pipefd[1]);  /* without close-on-exec: the program inherits it */
    exec_program(prog, lib, logpath, w, hold[0]);
  }
  rec_uprobe up, *u = NULL;
  if (how == WAY_UPROBES) {
    close(hold[0]);
    if (rec_uprobe_start(&up, binary, &syms, pid, logpath, pipefd[1], &err)) {
      close(hold[1]);  /* the program never runs */
      waitpid(pid, NULL, 0);
      fprintf(stderr, "isoreplay record: %s\n", err.msg);
      unlink(logpath);
      v8_symbols_free(&syms);
      return err.kind == ISO_ERR_INPUT ? EXIT_USAGE : EXIT_INTERNAL;
    }
    u = &up;
    if (write(hold[1], "g", 1) != 1) kill(pid, SIGKILL);
    close(hold[1]);
  }
  v8_symbols_free(&syms);
  child_pid = pid;
  struct sigaction sa = {0};
  sa.sa_handler = pass_on;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  close(pipefd[1]);
  tally t = {0};
  if (json) t.found = json_array();
  int status = follow(pipefd[0], pid, &t, quiet, u);
  close(pipefd[0]);
  if (u && !t.ended) fprintf(stderr, "isoreplay record: the trace reader failed: the recording is incomplete\n");

  strbuf cmdline = {0}, scn = {0};
  for (char **a = prog; *a; a++) sb_printf(&cmdline, "%s%s", a == prog ? "" : " ", *a);
  rec_summary sum;
  int failed = rec_scenario_write(logpath, cmdline.p ? cmdline.p : prog[0], &scn, &sum, &err);
  if (!failed && WIFSIGNALED(status))  /* no exit: nothing ended the threads in the recording */
    sb_printf(&scn, "# the program was killed by SIG%s after its last call above: its threads never ended, so a\n"
                    "# replay that ends them here raises what the program never reached\n", sigabbrev_np(WTERMSIG(status)));
  unlink(logpath);
  if (failed) fprintf(stderr, "isoreplay record: %s\n", err.msg);
  else {
    fprintf(stderr, "isoreplay record: %ld V8 call%s on %ld thread%s, %ld isolate%s: %ld error%s, %ld warning%s", sum.calls,
            sum.calls == 1 ? "" : "s", sum.threads, sum.threads == 1 ? "" : "s", sum.isolates, sum.isolates == 1 ? "" : "s",
            t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s");
    if (t.infos) fprintf(stderr, ", %ld left at the process's exit (information)", t.infos);
    fputs("\n", stderr);
    if (!sum.calls && !t.v8_in_executable && !t.bystanders && how == WAY_NONE)
      fprintf(stderr, "isoreplay record: no V8 call was seen: %s neither exports V8's API nor loads it from a shared "
                      "library; if V8 is linked into it with its symbols stripped (as in Deno), its calls cannot be "
                      "observed\n", binary);
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
