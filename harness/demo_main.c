/* demo_main.c — isoreplay-demo: every demo example against real V8, each in a child
 * process, with how the child ended (exit, V8 fatal error, signal, timeout).
 *
 *   isoreplay-demo              all examples
 *   isoreplay-demo NAME...      the named examples
 *   isoreplay-demo --list       the names
 *   isoreplay-demo --one NAME   run one example in this process (what a child does) */
#define _POSIX_C_SOURCE 200809L
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

#include "demo_examples.h"
#include "demo_run.h"
#include "v8probe.h"

enum { TIMEOUT_MS = 3000 };

static const demo_example *find(const char *name) {
  for (int i = 0; i < DEMO_EXAMPLE_COUNT; i++)
    if (strcmp(DEMO_EXAMPLES[i].name, name) == 0) return &DEMO_EXAMPLES[i];
  return NULL;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Copies the child's output to ours as it comes, keeping the "# Fatal error" lines
 * V8 printed. Returns 1 if the child was killed for the timeout. */
static int pump(int fd, pid_t pid, char *fatal, size_t fatal_n) {
  char buf[4096];
  double deadline = now_ms() + TIMEOUT_MS;
  size_t fl = 0;
  fatal[0] = '\0';
  for (;;) {
    int left = (int)(deadline - now_ms());
    if (left <= 0) {
      kill(pid, SIGKILL);
      return 1;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = read(fd, buf, sizeof buf - 1);
    if (got <= 0) return 0;
    buf[got] = '\0';
    fputs(buf, stdout);
    for (char *line = strstr(buf, "# "); line && fl + 2 < fatal_n; line = strstr(line + 2, "# ")) {
      char *eol = strchr(line, '\n');
      size_t len = eol ? (size_t)(eol - line) : strlen(line);
      if (len <= 2 || fl + len + 2 >= fatal_n) continue;
      fl += (size_t)snprintf(fatal + fl, fatal_n - fl, "%s%.*s", fl ? " / " : "", (int)(len - 2), line + 2);
    }
  }
}

/* Runs one example in a child process and prints how it ended. */
static void run_child(const char *self, const demo_example *ex) {
  printf("\n== %s (%s; %s model): %s\n", ex->name, ex->shows,
         ex->model == CK_MODEL_RUSTY_V8 ? "rusty_v8" : "v8", ex->story);
  fflush(stdout);
  int fds[2];
  if (pipe(fds) != 0) {
    perror("pipe");
    exit(3);
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execl(self, self, "--one", ex->name, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char fatal[512];
  int timed_out = pump(fds[0], pid, fatal, sizeof fatal);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("  V8 10.2 ended: ");
  if (timed_out)
    printf("hung; killed after %d ms (a step blocked forever)\n", TIMEOUT_MS);
  else if (WIFSIGNALED(status))
    printf("killed by %s%s%s\n", strsignal(WTERMSIG(status)), fatal[0] ? ", fatal: " : "", fatal);
  else
    printf("exit %d%s%s\n", WEXITSTATUS(status), fatal[0] ? ", fatal: " : "", fatal);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--one") == 0) {
    const demo_example *ex = find(argv[2]);
    if (!ex) {
      fprintf(stderr, "isoreplay-demo: no example named '%s' (see --list)\n", argv[2]);
      return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    return demo_run(ex);
  }
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < DEMO_EXAMPLE_COUNT; i++)
      printf("%-26s %-22s %s\n", DEMO_EXAMPLES[i].name, DEMO_EXAMPLES[i].shows, DEMO_EXAMPLES[i].story);
    return 0;
  }
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: isoreplay-demo [--list | --one NAME | NAME...]\n"
           "Runs each example against real V8 in a child process and shows, per step, the\n"
           "checker's verdict beside the real and ideal current isolate, then how V8 ended.\n");
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    if (!find(argv[i])) {
      fprintf(stderr, "isoreplay-demo: no example named '%s' (see --list)\n", argv[i]);
      return 2;
    }
  }
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    perror("readlink /proc/self/exe");
    return 3;
  }
  self[n] = '\0';
  printf("isoreplay probe demo: V8 %s; every example in its own child process\n", v8p_v8_version());
  if (argc > 1)
    for (int i = 1; i < argc; i++) run_child(self, find(argv[i]));
  else
    for (int i = 0; i < DEMO_EXAMPLE_COUNT; i++) run_child(self, &DEMO_EXAMPLES[i]);
  return 0;
}
