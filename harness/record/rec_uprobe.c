/* rec_uprobe.c — the uprobe way of `isoreplay record` (rec_reader.h).
 *
 * The reader process owns the session: it sets the probes up (named after its own pid,
 * so a session whose owner is gone is known stale), tells the command it is ready (or
 * why not), feeds the trace until the command says the program ended, closes the
 * report, and only then removes the probes: the command, which has everything once the
 * report closes, does not wait for the kernel's teardown (about 0.2 s). */
#define _GNU_SOURCE
#include "rec_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec_core.h"
#include "uprobe_feed.h"
#include "uprobe_session.h"

/* The reader: sets up, says "0" (ready) or "KIND\tMESSAGE" on ready_fd, then records. */
static _Noreturn void reader(const char *binary, const v8_symbols *syms, pid_t pid, const char *log_path, int report_fd,
                             int ready_fd, int stop_fd) {
  signal(SIGINT, SIG_IGN);  /* a ^C ends the program; the reader ends after it */
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  up_session s;
  iso_err err = {0};
  char num[32];
  snprintf(num, sizeof num, "%d", report_fd);
  int trace = -1;
  if (up_session_open(&s, binary, syms, pid, &err) || (trace = up_session_pipe(&s, &err)) < 0 ||
      rec_core_open(log_path, num, 0)) {  /* no call sites: the kernel hands over registers only */
    if (trace >= 0) up_session_close(&s);
    char line[ISO_ERR_MAX + 16];
    int n = snprintf(line, sizeof line, "%d\t%s", (int)(err.kind ? err.kind : ISO_ERR_INTERNAL),
                     err.msg[0] ? err.msg : "cannot open the recording's log");
    if (write(ready_fd, line, (size_t)n) < 0) _exit(3);
    _exit(3);
  }
  if (write(ready_fd, "0", 1) != 1) _exit(3);
  close(ready_fd);
  int null = open("/dev/null", O_RDWR);  /* it outlives the command: hold none of its outputs */
  for (int fd = 0; fd < 3 && null >= 0; fd++) dup2(null, fd);
  int bad = up_feed(&s, trace, stop_fd, pid);  /* closes the report (rec_core_close) */
  close(report_fd);
  close(trace);
  up_session_close(&s);
  _exit(bad ? 3 : 0);
}

int rec_uprobe_start(rec_reader *u, const char *binary, const v8_symbols *syms, pid_t pid, const char *log_path,
                     int report_fd, iso_err *err) {
  memset(u, 0, sizeof *u);
  u->stop_fd = -1;
  int stop[2], ready[2];
  if (pipe2(stop, O_CLOEXEC)) return iso_fail(err, ISO_ERR_INTERNAL, "cannot make a pipe: %s", strerror(errno));
  if (pipe2(ready, O_CLOEXEC)) {
    close(stop[0]), close(stop[1]);
    return iso_fail(err, ISO_ERR_INTERNAL, "cannot make a pipe: %s", strerror(errno));
  }
  u->pid = fork();
  if (u->pid == 0) {
    close(stop[1]);
    close(ready[0]);
    reader(binary, syms, pid, log_path, report_fd, ready[1], stop[0]);
  }
  close(stop[0]);
  close(ready[1]);
  char said[ISO_ERR_MAX + 16] = {0};
  ssize_t n = u->pid < 0 ? -1 : read(ready[0], said, sizeof said - 1);
  close(ready[0]);
  if (n == 1 && said[0] == '0') {
    u->stop_fd = stop[1];
    return 0;
  }
  close(stop[1]);
  if (u->pid < 0) return iso_fail(err, ISO_ERR_INTERNAL, "cannot start the trace reader: %s", strerror(errno));
  waitpid(u->pid, NULL, 0);
  char *tab = strchr(said, '\t');
  if (n <= 0 || !tab) return iso_fail(err, ISO_ERR_INTERNAL, "the trace reader failed to start");
  return iso_fail(err, (iso_err_kind)atoi(said), "%s", tab + 1);
}

void rec_reader_program_ended(rec_reader *r) {
  if (r->stop_fd >= 0) close(r->stop_fd);
  r->stop_fd = -1;
}
