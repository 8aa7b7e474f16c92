/* runner.c — the child process around a real replay, and the in-process dry run. */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "replay.h"
#include "sanitizer.h"
#include "v8probe.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* In-process: every emitted line goes straight into the report. */
static void apply_line(void *ud, const char *line) {
  size_t n = strlen(line);
  char *copy = malloc(n + 1);
  if (!copy) return;
  memcpy(copy, line, n + 1);
  report_apply(ud, copy);
  free(copy);
}

/* In the child: every line goes down the pipe at once (a V8 abort may follow). */
static void write_line(void *ud, const char *line) {
  int fd = *(int *)ud;
  size_t n = strlen(line);
  char buf[8200];
  if (n > sizeof buf - 2) n = sizeof buf - 2;
  memcpy(buf, line, n);
  buf[n++] = '\n';
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, buf + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += (size_t)w;
  }
}

static void child(const scenario *s, int out_fd) {
  v8p_error err;
  if (v8p_init(NULL, &err) != V8P_OK) {
    fprintf(stderr, "isoreplay: cannot start V8: %s\n", err.message);
    _exit(3);
  }
  sanitizer_set_fd(out_fd);
  replay_opts o = {0, write_line, &out_fd};
  replay_end e = replay_run(s, &o);
  fflush(stderr);
  _exit(e == REPLAY_FAILED ? 3 : 0);  /* _exit: threads may still be blocked in V8 */
}

typedef struct buf { char *p; size_t n, cap; } buf;

static void buf_add(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    char *q = realloc(b->p, cap);
    if (!q) return;
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

/* Applies the complete lines in b to the report and keeps the rest. */
static void drain_lines(buf *b, report *r) {
  static int echo = -1;  /* ISOREPLAY_RECORDS=1 echoes the child's records to stderr */
  if (echo < 0) echo = getenv("ISOREPLAY_RECORDS") != NULL;
  size_t start = 0;
  for (size_t i = 0; i < b->n; i++) {
    if (b->p[i] != '\n') continue;
    b->p[i] = '\0';
    if (echo) fprintf(stderr, "record: %s\n", b->p + start);
    report_apply(r, b->p + start);
    start = i + 1;
  }
  memmove(b->p, b->p + start, b->n - start);
  b->n -= start;
  if (b->p) b->p[b->n] = '\0';
}

static report *run_real(const scenario *s, const run_opts *o) {
  report *r = report_new(s, 0, o->flavor);
  if (!r) return NULL;
  int rec[2], err[2];
  if (pipe(rec) || pipe(err)) {
    report_set_ending(r, 3 << 8, 0, "isoreplay: cannot create pipes");
    return r;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    close(rec[0]);
    close(err[0]);
    dup2(err[1], 2);
    close(err[1]);
    child(s, rec[1]);
  }
  close(rec[1]);
  close(err[1]);
  buf lines = {0}, errtext = {0};
  double start = now_ms(), deadline = start + (double)s->timeout_ms;
  int timed_out = 0, open_fds = 2;
  struct pollfd pf[2] = {{rec[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  while (open_fds > 0) {
    int left = (int)(deadline - now_ms());
    if (left <= 0) {
      timed_out = 1;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(pf, 2, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int k = 0; k < 2; k++) {
      if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[65536];
      ssize_t got = read(pf[k].fd, chunk, sizeof chunk);
      if (got <= 0) {
        close(pf[k].fd);
        pf[k].fd = -1;
        open_fds--;
        continue;
      }
      if (k == 0) {
        buf_add(&lines, chunk, (size_t)got);
        drain_lines(&lines, r);
      } else if (errtext.n < (1u << 20)) {
        buf_add(&errtext, chunk, (size_t)got);
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  for (int k = 0; k < 2; k++)
    if (pf[k].fd >= 0) close(pf[k].fd);
  if (lines.n) {
    buf_add(&lines, "\n", 1);
    drain_lines(&lines, r);
  }
  r->wall_ms = now_ms() - start;
  report_read_sanitizer(r, errtext.p ? errtext.p : "", (int)pid);
  report_set_ending(r, status, timed_out, errtext.p ? errtext.p : "");
  if (timed_out && !r->nwhere) {
    /* Where each thread stood, from the records: its last started step. */
    for (int i = 0; i < s->nsteps; i++) {
      if (!r->steps[i].started || r->steps[i].ended) continue;
      char line[300];
      snprintf(line, sizeof line, "W\t%s\tstill in line %d (step %d): %s", s->steps[i].thread,
               s->steps[i].line, i + 1, ck_op_name(s->steps[i].op));
      report_apply(r, line);
    }
  }
  free(lines.p);
  free(errtext.p);
  report_check(r);
  return r;
}

report *run_scenario(const scenario *s, const run_opts *o) {
  const char *reason;
  if (scn_skipped(s, o->flavor, &reason)) {
    report *r = report_new(s, o->dry_run, o->flavor);
    if (r) {
      r->skipped = 1;
      r->skip_reason = reason;
      r->met = 1;
    }
    return r;
  }
  if (!o->dry_run) return run_real(s, o);
  report *r = report_new(s, 1, o->flavor);
  if (!r) return NULL;
  double start = now_ms();
  replay_opts ro = {1, apply_line, r};
  replay_end e = replay_run(s, &ro);
  r->wall_ms = now_ms() - start;
  report_set_ending(r, e == REPLAY_FAILED ? 3 << 8 : 0, 0, "");
  report_check(r);
  return r;
}
