/* html.c — `--html FILE`: the report's JSON piped through reports/render.py (Jinja2,
 * Debian's python3-jinja2) and the page it prints written like every output file, so a
 * failure names the path and no partial page is left. */
#define _GNU_SOURCE  /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "selfpath.h"
#include "outfile.h"
#include "report_out.h"
#include "strbuf.h"

#ifndef ISOREPLAY_REPORTS_DIR
#define ISOREPLAY_REPORTS_DIR "reports"
#endif
#ifndef ISOREPLAY_PYTHON
#define ISOREPLAY_PYTHON "/usr/bin/python3"
#endif

/* Starts argv with pipes for its stdin, stdout and stderr (fds[0..2], ours). */
static pid_t spawn(char *const argv[], int fds[3]) {
  int p[3][2];
  for (int k = 0; k < 3; k++)
    if (pipe2(p[k], O_CLOEXEC)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[0][0], 0);
    dup2(p[1][1], 1);
    dup2(p[2][1], 2);
    execv(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(p[0][0]);
  close(p[1][1]);
  close(p[2][1]);
  fds[0] = p[0][1];
  fds[1] = p[1][0];
  fds[2] = p[2][0];
  return pid;
}

/* Feeds in to the child's stdin while collecting its stdout and stderr. */
static void exchange(int fds[3], const char *in, size_t n, strbuf *out, strbuf *err) {
  struct pollfd pf[3] = {{fds[0], POLLOUT, 0}, {fds[1], POLLIN, 0}, {fds[2], POLLIN, 0}};
  size_t sent = 0;
  if (!n) {
    close(fds[0]);
    pf[0].fd = -1;
  }
  while (pf[0].fd >= 0 || pf[1].fd >= 0 || pf[2].fd >= 0) {
    if (poll(pf, 3, -1) < 0 && errno != EINTR) break;
    if (pf[0].fd >= 0 && pf[0].revents) {
      ssize_t w = pf[0].revents & POLLOUT ? write(fds[0], in + sent, n - sent) : -1;
      if (w > 0) sent += (size_t)w;
      if (w <= 0 || sent == n) {
        close(fds[0]);
        pf[0].fd = -1;
      }
    }
    for (int k = 1; k < 3; k++) {
      if (pf[k].fd < 0 || !pf[k].revents) continue;
      char chunk[65536];
      ssize_t got = read(pf[k].fd, chunk, sizeof chunk);
      if (got > 0) sb_add(k == 1 ? out : err, chunk, (size_t)got);
      else if (got == 0 || errno != EINTR) {
        close(pf[k].fd);
        pf[k].fd = -1;
      }
    }
  }
}

int cli_write_html(const char *path, report *const *reps, int nreps, iso_err *err) {
  char *json = report_json_text(reps, nreps);
  if (!json) return iso_fail(err, ISO_ERR_NOMEM, "out of memory building %s", path);
  char installed[4096];  /* ISOREPLAY_REPORTS, else an installed copy, else the source tree's */
  const char *dir = getenv("ISOREPLAY_REPORTS");
  if ((!dir || !*dir) && !iso_installed_path("share/isoreplay/reports/render.py", installed, sizeof installed)) {
    installed[strlen(installed) - strlen("/render.py")] = 0;
    dir = installed;
  }
  strbuf script = {0}, out = {0}, errs = {0};
  sb_printf(&script, "%s/render.py", dir && *dir ? dir : ISOREPLAY_REPORTS_DIR);
  char *argv[] = {ISOREPLAY_PYTHON, script.p, "scenario", "--json", "-", "--out", "-", NULL};
  int fds[3];
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);  /* a renderer that dies early must not kill us */
  pid_t pid = script.p ? spawn(argv, fds) : -1;
  int status = -1;
  if (pid > 0) {
    exchange(fds, json, strlen(json), &out, &errs);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  signal(SIGPIPE, old);
  free(json);
  size_t page_len = out.len;
  char *page = sb_take(&out), *why = sb_take(&errs);
  int rc;
  if (pid <= 0) rc = iso_fail(err, ISO_ERR_INTERNAL, "cannot write %s: cannot start %s", path, ISOREPLAY_PYTHON);
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !page)
    rc = iso_fail(err, ISO_ERR_INTERNAL, "cannot write %s: the HTML renderer (%s %s) failed: %s", path, ISOREPLAY_PYTHON,
                  script.p, why && *why ? why : "no reason given");
  else rc = outfile_write(path, page, page_len, err);
  sb_free(&script);
  free(page);
  free(why);
  return rc;
}
