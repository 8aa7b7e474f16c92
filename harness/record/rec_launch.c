/* rec_launch.c — a program started for `isoreplay record` (rec_launch.h). */
#define _GNU_SOURCE
#include "rec_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec_log.h"
#include "rec_ring.h"
#include "strbuf.h"
#include "v8_symbols.h"

static rec_way choose_way(const char *argv0, char *binary, size_t n, v8_symbols *syms) {
  iso_err err = {0};
  memset(syms, 0, sizeof *syms);
  if (v8_program_binary(argv0, binary, n) || v8_symbols_read(binary, syms, &err)) return REC_WAY_PRELOAD;
  if (v8_symbols_find(syms, "_ZN2v87Isolate5EnterEv", 0)) return REC_WAY_UPROBES;
  return syms->imports_v8 ? REC_WAY_PRELOAD : REC_WAY_NONE;  /* NONE: V8 may still come by dlopen */
}

/* The program, with the recorder preloaded (facts_fd >= 0: its pipe for facts), or as it
 * is once the command says go on hold_fd (the uprobes must be in place before it runs). */
static _Noreturn void exec_program(char **argv, const char *lib, int ring_fd, int facts_fd, int hold_fd) {
  if (hold_fd >= 0) {
    char go;
    if (read(hold_fd, &go, 1) != 1) _exit(127);  /* the command could not set up: it says why */
    close(hold_fd);
  }
  if (facts_fd >= 0) {
    char num[32];
    snprintf(num, sizeof num, "%d", facts_fd);
    setenv(REC_ENV_REPORT, num, 1);
    snprintf(num, sizeof num, "%d", (int)getpid());
    setenv(REC_ENV_PID, num, 1);
    snprintf(num, sizeof num, "%d", ring_fd);
    setenv(REC_ENV_RING, num, 1);
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

/* The recording's log file and pipes. */
static int make_files(rec_launch *l, int report[2], int facts[2], int hold[2], iso_err *err) {
  const char *tmp = getenv("TMPDIR");
  snprintf(l->log_path, sizeof l->log_path, "%s/isoreplay-record-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  int fd = mkstemp(l->log_path);
  if (fd < 0) {
    l->log_path[0] = 0;
    return iso_fail(err, ISO_ERR_IO, "cannot create the recording's log: %s", strerror(errno));
  }
  close(fd);
  if (l->way != REC_WAY_UPROBES && (l->ring_fd = rec_preload_ring(err)) < 0) return -1;
  if (pipe2(report, O_CLOEXEC) || (l->way != REC_WAY_UPROBES && pipe2(facts, O_CLOEXEC)) ||
      (l->way == REC_WAY_UPROBES && pipe2(hold, O_CLOEXEC)))
    return iso_fail(err, ISO_ERR_INTERNAL, "cannot make the recording's pipes: %s", strerror(errno));
  return 0;
}

static void close_pair(int p[2]) {
  for (int i = 0; i < 2; i++)
    if (p[i] >= 0) close(p[i]), p[i] = -1;
}

int rec_launch_start(rec_launch *l, char **argv, const char *lib, iso_err *err) {
  memset(l, 0, sizeof *l);
  l->report_fd = l->facts_fd = l->reader.stop_fd = l->ring_fd = -1;
  l->program = l->reader.pid = -1;
  v8_symbols syms;
  l->way = choose_way(argv[0], l->binary, sizeof l->binary, &syms);
  int report[2] = {-1, -1}, facts[2] = {-1, -1}, hold[2] = {-1, -1};
  if (make_files(l, report, facts, hold, err)) goto fail;
  l->program = fork();
  if (l->program < 0) {
    iso_fail(err, ISO_ERR_INTERNAL, "cannot start %s: %s", argv[0], strerror(errno));
    goto fail;
  }
  if (l->program == 0) {
    if (hold[1] >= 0) close(hold[1]);  /* a failed set-up closes the command's end: EOF */
    int w = facts[1] >= 0 ? dup(facts[1]) : -1;  /* dup: without close-on-exec, the program inherits it */
    int ring = l->ring_fd >= 0 ? dup(l->ring_fd) : -1;
    exec_program(argv, lib, ring, w, hold[0]);
  }
  if (facts[1] >= 0) close(facts[1]), facts[1] = -1;  /* the program's alone: EOF when it is gone */
  if (hold[0] >= 0) close(hold[0]), hold[0] = -1;
  int failed = l->way == REC_WAY_UPROBES
                   ? rec_uprobe_start(&l->reader, l->binary, &syms, l->program, l->log_path, report[1], err)
                   : rec_preload_start(&l->reader, l->ring_fd, l->program, l->log_path, report[1], err);
  if (failed) {
    close_pair(hold);  /* a held program never runs */
    if (l->way != REC_WAY_UPROBES) kill(l->program, SIGKILL);
    waitpid(l->program, NULL, 0);
    goto fail;
  }
  if (hold[1] >= 0 && write(hold[1], "g", 1) != 1) kill(l->program, SIGKILL);
  close_pair(hold);
  close(report[1]);
  l->report_fd = report[0];
  l->facts_fd = facts[0];
  v8_symbols_free(&syms);
  return 0;
fail:
  close_pair(report);
  close_pair(facts);
  close_pair(hold);
  v8_symbols_free(&syms);
  rec_launch_end(l);
  return -1;
}

void rec_launch_end(rec_launch *l) {
  rec_reader_program_ended(&l->reader);
  if (l->report_fd >= 0) close(l->report_fd);
  if (l->facts_fd >= 0) close(l->facts_fd);
  l->report_fd = l->facts_fd = -1;
  if (l->log_path[0]) unlink(l->log_path);
  if (l->ring_fd >= 0) close(l->ring_fd);
  l->ring_fd = -1;
  l->log_path[0] = 0;
}
