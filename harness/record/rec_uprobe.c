/* rec_uprobe.c — the uprobe way of `isoreplay record` (rec_uprobe.h). */
#define _GNU_SOURCE
#include "rec_uprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rec_core.h"
#include "uprobe_feed.h"

int rec_uprobe_start(rec_uprobe *u, const char *binary, const v8_symbols *syms, pid_t pid, const char *log_path,
                     int report_fd, iso_err *err) {
  memset(u, 0, sizeof *u);
  u->stop_fd = -1;
  if (up_session_open(&u->session, binary, syms, pid, err)) return -1;
  int trace = up_session_pipe(&u->session, err), stop[2] = {-1, -1};
  if (trace < 0 || pipe2(stop, O_CLOEXEC)) {
    if (trace >= 0) iso_fail(err, ISO_ERR_INTERNAL, "cannot make a pipe: %s", strerror(errno));
    goto fail;
  }
  u->reader = fork();
  if (u->reader < 0) {
    iso_fail(err, ISO_ERR_INTERNAL, "cannot start the trace reader: %s", strerror(errno));
    goto fail;
  }
  if (u->reader == 0) {  /* the reader: its own checker, log and report, as the preload has */
    signal(SIGINT, SIG_IGN);  /* a ^C ends the program; the reader ends after it */
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    close(stop[1]);
    char num[32];
    snprintf(num, sizeof num, "%d", report_fd);
    if (rec_core_open(log_path, num, 0)) _exit(3);
    _exit(up_feed(&u->session, trace, stop[0], pid) ? 3 : 0);
  }
  close(trace);
  close(stop[0]);
  u->stop_fd = stop[1];
  return 0;
fail:
  if (trace >= 0) close(trace);
  if (stop[0] >= 0) close(stop[0]), close(stop[1]);
  up_session_close(&u->session);
  return -1;
}

void rec_uprobe_program_ended(rec_uprobe *u) {
  if (u->stop_fd >= 0) close(u->stop_fd);
  u->stop_fd = -1;
}

int rec_uprobe_finish(rec_uprobe *u) {
  rec_uprobe_program_ended(u);
  int status = 0;
  while (waitpid(u->reader, &status, 0) < 0 && errno == EINTR) {
  }
  up_session_close(&u->session);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
