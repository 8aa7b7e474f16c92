/* child.c — the child process around a real replay (see child.h). */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build_info.h"
#include "sanitizer.h"
#include "selfpath.h"
#include "strbuf.h"
#include "v8probe.h"

enum { STDERR_KEEP = 1 << 20, POLL_MS = 50 };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---- the child -------------------------------------------------------------------- */

/* Writes a record line and its newline to the pipe in one system call (atomic up to
 * PIPE_BUF bytes, so a sanitizer's T record cannot land inside it); a V8 abort may follow. */
static void write_line(void *ud, const char *line) {
  int fd = *(int *)ud;
  struct iovec iov[2] = {{(void *)line, strlen(line)}, {(void *)"\n", 1}}, *v = iov;
  for (int cnt = 2; cnt > 0;) {
    ssize_t w = writev(fd, v, cnt);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(3);  /* the parent is gone */
    size_t left = (size_t)w;
    for (; cnt > 0 && left >= v->iov_len; v++, cnt--) left -= v->iov_len;
    if (cnt > 0) {
      v->iov_base = (char *)v->iov_base + left;
      v->iov_len -= left;
    }
  }
}

_Noreturn void child_serve(const scenario *s, int out_fd) {
  iso_err err;
  if (v8p_init(NULL, &err)) {
    fprintf(stderr, "isoreplay: cannot start V8: %s\n", err.msg);
    _exit(3);
  }
  sanitizer_set_fd(out_fd);
  replay_opts o = {0, write_line, &out_fd};
  replay_end e = replay_run(s, &o);
  fflush(stderr);
  _exit(e == REPLAY_FAILED ? 3 : 0);  /* _exit: threads may still be blocked in V8 */
}

/* An environment variable's number, or -1. */
static int env_fd(const char *name) {
  const char *v = getenv(name);
  char *end;
  long fd = v ? strtol(v, &end, 10) : -1;
  return v && *v && !*end && fd >= 0 && fd < 65536 ? (int)fd : -1;
}

_Noreturn void child_serve_from_env(void) {
  int out_fd = env_fd("ISOREPLAY_CHILD_RECORD_FD"), in_fd = env_fd("ISOREPLAY_CHILD_SCENARIO_FD");
  const char *path = getenv("ISOREPLAY_CHILD_PATH");
  strbuf text = {0};
  char chunk[65536];
  for (ssize_t got; in_fd >= 0 && (got = read(in_fd, chunk, sizeof chunk)) != 0;) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    sb_add(&text, chunk, (size_t)got);
  }
  size_t len = text.len;
  char *src = sb_take(&text);
  scenario *s = NULL;
  iso_err err;
  if (out_fd < 0 || !src || scn_parse(path ? path : "scenario", src, len, &s, &err)) {
    fprintf(stderr, "isoreplay: the replay child was not given its scenario and record pipe%s%s\n", src ? ": " : "",
            src && out_fd >= 0 ? err.msg : "");
    _exit(3);
  }
  free(src);
  child_serve(s, out_fd);
}

/* defaults with its suppressions=FILE pointing at the installed copy of FILE when the build
 * tree's is gone (an installed isoreplay: P/lib/isoreplay/FLAVOR/FILE). */
static void installed_suppressions(strbuf *v, const char *defaults) {
  const char *at = strstr(defaults, "suppressions=");
  if (!at) {
    sb_puts(v, defaults);
    return;
  }
  at += strlen("suppressions=");
  size_t len = strcspn(at, ": ");
  char file[4096], rel[4200], installed[4096];
  snprintf(file, sizeof file, "%.*s", (int)len, at);
  const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
  snprintf(rel, sizeof rel, "lib/isoreplay/%.16s/%s", iso_build_flavor(), base);
  if (!access(file, R_OK) || iso_installed_path(rel, installed, sizeof installed)) {
    sb_puts(v, defaults);
    return;
  }
  sb_printf(v, "%.*s%s%s", (int)(at - defaults), defaults, installed, at + len);
}

/* Sets NAME=defaults, then the user's own value after them (theirs wins a key given twice). */
static void add_sanitizer_env(const char *assignment) {
  const char *eq = strchr(assignment, '=');
  if (!eq) return;
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)(eq - assignment), assignment);
  const char *user = getenv(name);
  strbuf v = {0};
  installed_suppressions(&v, eq + 1);
  sb_printf(&v, "%s%s", user && *user ? ":" : "", user ? user : "");
  char *value = sb_take(&v);
  if (value) setenv(name, value, 1);
  free(value);
}

/* Replaces this (forked) process by `node` with the probe addon: the scenario's text in a
 * memory file, the record pipe kept open across exec, the sanitizer runtime of this build
 * preloaded with this build's options. */
static _Noreturn void exec_node(const scenario *s, const runtime *rt, int out_fd) {
  int sfd = memfd_create("isoreplay-scenario", 0);
  size_t off = 0;
  while (sfd >= 0 && off < s->text_len) {
    ssize_t w = write(sfd, s->text + off, s->text_len - off);
    if (w <= 0 && errno != EINTR) break;
    if (w > 0) off += (size_t)w;
  }
  if (sfd < 0 || off < s->text_len || lseek(sfd, 0, SEEK_SET) != 0 || fcntl(out_fd, F_SETFD, 0) != 0) {
    fprintf(stderr, "isoreplay: cannot hand the scenario to %s: %s\n", rt->node, strerror(errno));
    _exit(3);
  }
  char num[32];
  snprintf(num, sizeof num, "%d", out_fd);
  setenv("ISOREPLAY_CHILD_RECORD_FD", num, 1);
  snprintf(num, sizeof num, "%d", sfd);
  setenv("ISOREPLAY_CHILD_SCENARIO_FD", num, 1);
  setenv("ISOREPLAY_CHILD_PATH", s->path, 1);
  setenv("ISOREPLAY_CHILD_ADDON", rt->addon, 1);
  for (const char *const *e = iso_sanitizer_env(); *e; e++) add_sanitizer_env(*e);
  if (*iso_sanitizer_preload()) setenv("LD_PRELOAD", iso_sanitizer_preload(), 1);
  execl(rt->node, rt->node, "--no-warnings", "-e", "require(process.env.ISOREPLAY_CHILD_ADDON)", (char *)NULL);
  fprintf(stderr, "isoreplay: cannot run %s: %s\n", rt->node, strerror(errno));
  _exit(127);
}

/* The child: dies with the parent whatever kills it, leads a process group of its own,
 * takes the default action on the signals the parent passes on; then replays, here or
 * in `node`. */
static _Noreturn void child_main(const scenario *s, const runtime *rt, int out_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(3);
  setpgid(0, 0);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  if (rt && rt->node) exec_node(s, rt, out_fd);
  child_serve(s, out_fd);
}

/* ---- signals to the parent -------------------------------------------------------- */

static volatile sig_atomic_t g_child = 0;  /* the running child's pid (its group), or 0 */
static struct sigaction g_saved[3];
static const int FORWARDED[3] = {SIGTERM, SIGINT, SIGHUP};

/* Kills the child's process group, then ends this process as the signal would have. */
static void on_signal(int sig) {
  pid_t pid = g_child;
  if (pid > 0) kill(-pid, SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void forward_signals(int on) {
  for (int k = 0; k < 3; k++) {
    if (on) {
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(FORWARDED[k], &sa, &g_saved[k]);
    } else {
      sigaction(FORWARDED[k], &g_saved[k], NULL);
    }
  }
}

/* ---- the parent ------------------------------------------------------------------- */

/* Resident memory of pid in bytes, or -1. */
static long resident_bytes(pid_t pid) {
  char path[64], buf[128];
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  long size, resident;
  if (sscanf(buf, "%ld %ld", &size, &resident) != 2) return -1;
  return resident * sysconf(_SC_PAGESIZE);
}

/* Hands the complete lines of b to the callback and keeps the rest. */
static void drain_lines(strbuf *b, const child_opts *o) {
  static int echo = -1;  /* ISOREPLAY_RECORDS=1 echoes the child's records to stderr */
  if (echo < 0) echo = getenv("ISOREPLAY_RECORDS") != NULL;
  size_t start = 0;
  for (size_t i = 0; i < b->len; i++) {
    if (b->p[i] != '\n') continue;
    b->p[i] = '\0';
    if (echo) fprintf(stderr, "record: %s\n", b->p + start);
    o->on_record(o->ud, b->p + start);
    start = i + 1;
  }
  if (start) {
    memmove(b->p, b->p + start, b->len - start);
    b->len -= start;
    b->p[b->len] = '\0';
  }
}

/* Reads the two pipes until both close, the timeout passes or memory runs over. */
static void supervise(pid_t pid, int fds[2], const child_opts *o, child_end *end, strbuf *lines, strbuf *errs) {
  double deadline = now_ms() + (double)o->timeout_ms;
  struct pollfd pf[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
  for (int open_fds = 2; open_fds > 0;) {
    long rss = resident_bytes(pid);
    if (rss > end->peak_rss) end->peak_rss = rss;
    if (o->memory_limit > 0 && rss > o->memory_limit) {
      end->over_memory = 1;
      break;
    }
    int left = (int)(deadline - now_ms());
    if (left <= 0) {
      end->timed_out = 1;
      break;
    }
    int n = poll(pf, 2, left < POLL_MS ? left : POLL_MS);
    if (n <= 0) continue;  /* EINTR or the periodic memory check */
    for (int k = 0; k < 2; k++) {
      if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[65536];
      ssize_t got = read(pf[k].fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        pf[k].fd = -1;
        open_fds--;
      } else if (k == 0) {
        sb_add(lines, chunk, (size_t)got);
        drain_lines(lines, o);
      } else if (errs->len < STDERR_KEEP) {
        sb_add(errs, chunk, (size_t)got);
      }
    }
  }
}

int child_replay(const scenario *s, const child_opts *o, child_end *end) {
  memset(end, 0, sizeof *end);
  int rec[2], err[2];
  if (pipe2(rec, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    snprintf(end->message, sizeof end->message, "cannot create pipes: %s", strerror(errno));
    return -1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t parent = getpid();
  forward_signals(1);
  pid_t pid = fork();
  if (pid == 0) {
    close(rec[0]);
    close(err[0]);
    dup2(err[1], 2);
    child_main(s, o->rt, rec[1], parent);
  }
  close(rec[1]);
  close(err[1]);
  if (pid < 0) {
    snprintf(end->message, sizeof end->message, "cannot fork: %s", strerror(errno));
    forward_signals(0);
    close(rec[0]);
    close(err[0]);
    return -1;
  }
  setpgid(pid, pid);  /* also here: whichever runs first */
  g_child = pid;
  end->started = 1;
  end->pid = (int)pid;
  strbuf lines = {0}, errs = {0};
  int fds[2] = {rec[0], err[0]};
  supervise(pid, fds, o, end, &lines, &errs);
  if (end->timed_out || end->over_memory) kill(-pid, SIGKILL);
  while (waitpid(pid, &end->wait_status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  forward_signals(0);
  close(rec[0]);
  close(err[0]);
  if (lines.len) {  /* no newline: the child died while writing it */
    end->torn_record = 1;
    lines.len = 0;
  }
  sb_free(&lines);
  end->err_text = sb_take(&errs);
  return 0;
}

void child_end_free(child_end *e) {
  free(e->err_text);
  e->err_text = NULL;
}
