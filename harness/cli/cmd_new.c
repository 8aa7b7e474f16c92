/* cmd_new.c — `isoreplay new [--force] NAME`: a scenario skeleton to start from, with the
 * header and a commented example of every step of the language, which `check` accepts. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "outfile.h"

/* The skeleton; %s is the title. docs/scenario-language.md has every word of it. */
static const char SKELETON[] =
    "title \"%s\"\n"
    "source \"where this case comes from: owner/repo#123, an address, a test name\"\n"
    "model v8                  # or rusty_v8: `new` also enters, `drop` as OwnedIsolate drops\n"
    "tags mine\n"
    "# timeout 5s              # the replay's wall-clock limit (default 10s)\n"
    "# expect-end clean        # or: fatal \"Disposing the isolate that is entered by a thread.\"\n"
    "#                         # or: signal SEGV; with a version range: expect-end [v8>=14.0] signal SEGV\n"
    "# skip tsan \"why\"         # do not run under that build (default, asan, tsan)\n"
    "# expect-sanitizer tsan \"data race\"\n"
    "# fatal-handler continue  # the embedder's fatal error handler returns\n"
    "\n"
    "# Each step is THREAD: OP; a thread is named by its first step. `! code, code` after a\n"
    "# step expects exactly those violations there (docs/violations.md).\n"
    "main: new A\n"
    "main: enter A\n"
    "main: context A\n"
    "main: run A \"6 * 7\" => \"42\"\n"
    "main: exit A\n"
    "main: dispose A\n"
    "\n"
    "# Every other step, commented out (one example each):\n"
    "# w1: lock A                        # v8::Locker; blocks while another thread holds it\n"
    "# w1: unlock A                      # ~Locker\n"
    "# w1: unlocker A                    # v8::Unlocker\n"
    "# w1: relock A                      # ~Unlocker: locks again\n"
    "# w1: context A as request          # HandleScope + Context::New, kept as `request`\n"
    "# w1: run A \"1 + 1\" in request => \"2\"   # also: => throws \"text\", => terminated\n"
    "# w1: run A \"for (;;) {}\" => terminated &   # in the background; `wait` waits for it\n"
    "# w1: wait\n"
    "# main: terminate A                 # TerminateExecution, from any thread\n"
    "# main: cancel-terminate A\n"
    "# main: interrupt A                 # RequestInterrupt\n"
    "# w1: gc A                          # LowMemoryNotification\n"
    "# w1: check current A               # or: check current none (real runs only)\n"
    "# w1/t1: await                      # the task t1 suspends; it may resume on another thread\n"
    "# w1: drop A  ! drop-order           # rusty_v8's OwnedIsolate drop\n"
    "# w1: end                           # the thread ends\n"
    "# w1: global H of A                 # v8::Global H of a new object in A's context\n"
    "# w1: persistent P of A             # the same in a v8::Persistent (never Reset by itself)\n"
    "# w1: open H                        # Local::New of H\n"
    "# w1: weak H                        # SetWeak: the next gc of A collects it\n"
    "# w1: reset H\n"
    "# mon: call A heap-stats            # also: memory-pressure, is-terminating\n"
    "# main: spawn w1                    # w1 starts here\n"
    "# main: join w1                     # waits until w1 has ended\n"
    "# w1: send done                     # and: main: recv done\n"
    "# w1: acquire M                     # the embedder's own mutex; and: release M\n"
    "# repeat 3 as r                     # the steps up to `done`, three times ($r: 1, 2, 3)\n"
    "#   w1: run A \"$r\" => \"$r\"\n"
    "# done\n"
    "# main: run A \"host(); 'done'\" => \"done\" {   # a host callback: steps while it runs\n"
    "#   main: unlocker A\n"
    "#   main: relock A\n"
    "# }\n";

int cmd_new(int argc, char **argv) {
  static const struct option OPTS[] = {{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'H'},
                                       {NULL, 0, NULL, 0}};
  int force = 0, c;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "f", OPTS, NULL)) != -1) {
    if (c == 'f') force = 1;
    else if (c == 'H') return cli_help("new");
    else return cli_unknown_option("new", argv[optind - 1], OPTS);
  }
  if (optind != argc - 1) return cli_command_error("new", "new takes one NAME");
  const char *name = argv[optind];
  size_t len = strlen(name);
  char path[4096];
  snprintf(path, sizeof path, "%s%s", name, len > 4 && !strcmp(name + len - 4, ".scn") ? "" : ".scn");
  struct stat st;
  if (!force && stat(path, &st) == 0) return cli_command_error("new", "%s exists: keep it, or --force", path);
  const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
  char title[256];
  snprintf(title, sizeof title, "%.*s", (int)strcspn(base, "\"."), base);
  char text[sizeof SKELETON + 256];
  int n = snprintf(text, sizeof text, SKELETON, title);
  iso_err err = {0};
  if (outfile_write(path, text, (size_t)n, &err)) {
    fprintf(stderr, "isoreplay new: %s\n", err.msg);
    return EXIT_INTERNAL;
  }
  fprintf(stderr, "isoreplay new: wrote %s; `isoreplay check %s` parses it, `isoreplay run %s` replays it\n", path,
          path, path);
  return EXIT_MET;
}
