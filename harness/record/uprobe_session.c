/* uprobe_session.c — uprobes on a program's V8 symbols, in a tracefs instance of our own
 * (uprobe_session.h). Documentation of the files written here: the kernel's
 * Documentation/trace/uprobetracer.rst and ftrace.rst (instances, set_event_pid,
 * options/event-fork). */
#define _GNU_SOURCE
#include "uprobe_session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* What to probe: a symbol (or every symbol starting with it), at entry, return or both. */
static const struct {
  up_call call;
  const char *name;
  const char *symbol;
  int prefix, entry, ret;
} WANTED[] = {
    {UP_NEW, "new", "_ZN2v87Isolate3NewE", 1, 1, 1},
    {UP_INITIALIZE, "initialize", "_ZN2v87Isolate10InitializeEPS0_RKNS0_12CreateParamsE", 0, 1, 1},
    {UP_DISPOSE, "dispose", "_ZN2v87Isolate7DisposeEv", 0, 1, 1},
    {UP_DEINITIALIZE, "deinitialize", "_ZN2v87Isolate12DeinitializeEv", 0, 1, 1},  /* V8 13+: Node's DisposeIsolate */
    {UP_ENTER, "enter", "_ZN2v87Isolate5EnterEv", 0, 1, 0},
    {UP_EXIT, "exit", "_ZN2v87Isolate4ExitEv", 0, 1, 0},
    {UP_TERMINATE, "terminate", "_ZN2v87Isolate18TerminateExecutionEv", 0, 1, 0},
    {UP_CANCEL_TERMINATE, "cancel_terminate", "_ZN2v87Isolate24CancelTerminateExecutionEv", 0, 1, 0},
    {UP_INTERRUPT, "interrupt", "_ZN2v87Isolate16RequestInterruptE", 1, 1, 0},
    {UP_LOW_MEMORY, "low_memory", "_ZN2v87Isolate21LowMemoryNotificationEv", 0, 1, 0},
    {UP_LOCKER, "locker", "_ZN2v86Locker10InitializeEPNS_7IsolateE", 0, 1, 1},
    {UP_LOCKER_END, "locker_end", "_ZN2v86LockerD", 1, 1, 0},
    {UP_UNLOCKER, "unlocker", "_ZN2v88Unlocker10InitializeEPNS_7IsolateE", 0, 1, 0},
    {UP_UNLOCKER_END, "unlocker_end", "_ZN2v88UnlockerD", 1, 1, 1},
    {UP_CONTEXT_NEW, "context_new", "_ZN2v87Context3NewEPNS_7IsolateE", 1, 1, 1},
    {UP_RUN, "run", "_ZN2v86Script3RunENS_5LocalINS_7ContextEEE", 0, 1, 1},
    {UP_RUN_OPTIONS, "run_options", "_ZN2v86Script3RunENS_5LocalINS_7ContextEEENS1_INS_4DataEEE", 0, 1, 1},
    {UP_SNAPSHOT_NEW, "snapshot_new", "_ZN2v815SnapshotCreatorC", 1, 1, 1},
    {UP_SNAPSHOT_END, "snapshot_end", "_ZN2v815SnapshotCreatorD", 1, 1, 1},
    {UP_GLOBALIZE, "globalize", "_ZN2v812api_internal18GlobalizeReferenceE", 1, 1, 1},  /* 10.2: (Isolate*, Address*) */
    {UP_COPY_GLOBAL, "copy_global", "_ZN2v812api_internal19CopyGlobalReferenceEPm", 0, 1, 1},
    {UP_DISPOSE_GLOBAL, "dispose_global", "_ZN2v812api_internal13DisposeGlobalEPm", 0, 1, 0},
};

/* Writes text to root/rel (appending for uprobe_events). 0, or -1 with errno. */
static int put(const up_session *s, const char *rel, const char *text) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", rel[0] == '/' ? "" : s->root, rel);
  int fd = open(path, O_WRONLY | O_CLOEXEC | (strstr(rel, "uprobe_events") ? O_APPEND : O_TRUNC));
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A file of the session's instance. */
static int put_in(const up_session *s, const char *rel, const char *text) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", s->instance, rel);
  return put(s, path, text);
}

/* The kernel's last word on a rejected write (tracefs error_log), into err. */
static int kernel_says(const up_session *s, iso_err *err, const char *what) {
  char msg[512] = "", path[128];
  snprintf(path, sizeof path, "%s/error_log", s->root);
  FILE *f = fopen(path, "re");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f)) snprintf(msg, sizeof msg, "%s", line);
    fclose(f);
  }
  msg[strcspn(msg, "\n")] = 0;
  return iso_fail(err, ISO_ERR_INTERNAL, "%s: %s%s%s", what, strerror(errno), msg[0] ? "; the kernel says: " : "", msg);
}

/* tracefs, mounted at /sys/kernel/tracing if it is not yet. */
static int find_tracefs(up_session *s, iso_err *err) {
  const char *roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
      char probe[128];
      snprintf(probe, sizeof probe, "%s/uprobe_events", roots[i]);
      if (!access(probe, W_OK)) {
        snprintf(s->root, sizeof s->root, "%s", roots[i]);
        return 0;
      }
      if (pass == 0 && i == 0 && mount("nodev", roots[0], "tracefs", 0, NULL) && errno != EBUSY) break;
    }
  return iso_fail(err, ISO_ERR_INTERNAL, "no tracefs with uprobe_events at /sys/kernel/tracing (could not mount it: "
                  "%s): this kernel needs CONFIG_UPROBE_EVENTS", strerror(errno));
}

/* Probes and instances of recordings whose isoreplay is gone (killed before it could
 * remove them): removed, so they neither pile up nor slow the program down. */
static void sweep(const up_session *s) {
  char path[128];
  snprintf(path, sizeof path, "%s/uprobe_events", s->root);
  FILE *f = fopen(path, "re");
  if (!f) return;
  char line[1024], dead[64][128];
  int ndead = 0;
  while (fgets(line, sizeof line, f) && ndead < 64) {
    long pid;
    char event[64];
    if (sscanf(line, "%*c:isoreplay_%ld/%63s", &pid, event) != 2) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    char inst[PATH_MAX];
    snprintf(inst, sizeof inst, "%s/instances/isoreplay-%ld", s->root, pid);
    rmdir(inst);
    snprintf(dead[ndead++], sizeof dead[0], "-:isoreplay_%ld/%s", pid, event);
  }
  fclose(f);
  for (int i = 0; i < ndead; i++) put(s, "uprobe_events", dead[i]);
}

static void add_site(up_session *s, int w, int ret, unsigned long offset) {
  for (int i = 0; i < s->nsites; i++)  /* aliases (C1/C2, D1/D2) share one address */
    if (s->sites[i].offset == offset && s->sites[i].ret == ret) return;
  if (s->nsites < UP_MAX_SITES) s->sites[s->nsites++] = (up_site){WANTED[w].call, ret, offset};
}

/* The sites of every wanted symbol the binary has. */
static void choose_sites(up_session *s, const v8_symbols *syms) {
  for (size_t w = 0; w < sizeof WANTED / sizeof *WANTED; w++) {
    size_t len = strlen(WANTED[w].symbol);
    for (size_t i = 0; i < syms->ndefined; i++) {
      const char *name = syms->defined[i].name;
      if (WANTED[w].prefix ? strncmp(name, WANTED[w].symbol, len) : strcmp(name, WANTED[w].symbol)) continue;
      if (WANTED[w].entry) add_site(s, (int)w, 0, syms->defined[i].offset);
      if (WANTED[w].ret) add_site(s, (int)w, 1, syms->defined[i].offset);
    }
  }
}

/* Writes the probes to uprobe_events: entries take this and the first argument (rdi,
 * rsi), returns the value (rax); each its index and its thread's name. */
static int define_probes(up_session *s, const char *binary, iso_err *err) {
  for (int i = 0; i < s->nsites; i++) {
    const up_site *site = &s->sites[i];
    char line[PATH_MAX + 256];
    snprintf(line, sizeof line, "%c:%s/%s %s:0x%lx k=\\%d:u8 %s c=$comm:string", site->ret ? 'r' : 'p', s->group,
             site->ret ? "ret" : "call", binary, site->offset, i, site->ret ? "r=$retval:x64" : "a=%di:x64 b=%si:x64");
    if (put(s, "uprobe_events", line)) return kernel_says(s, err, "cannot add a uprobe to uprobe_events");
    s->defined = 1;
  }
  return 0;
}

/* The instance: the probes, new tasks, thread ends and exit_group of pid and what it
 * starts. */
static int make_instance(up_session *s, pid_t pid, iso_err *err) {
  if (mkdir(s->instance, 0700)) return kernel_says(s, err, "cannot make a tracefs instance");
  char num[32], enable[96];
  snprintf(num, sizeof num, "%ld", (long)pid);
  snprintf(enable, sizeof enable, "events/%s/enable", s->group);
  if (put_in(s, "trace_clock", "mono") || put_in(s, "buffer_size_kb", "16384") || put_in(s, "options/event-fork", "1") || put_in(s, "set_event_pid", num) || put_in(s, enable, "1") ||
      put_in(s, "events/sched/sched_process_exit/enable", "1") || put_in(s, "events/task/task_newtask/enable", "1"))
    return kernel_says(s, err, "cannot set up the tracefs instance");
  s->exit_group_event = !put_in(s, "events/syscalls/sys_enter_exit_group/enable", "1");
  return 0;
}

int up_session_open(up_session *s, const char *binary, const v8_symbols *syms, pid_t pid, iso_err *err) {
  memset(s, 0, sizeof *s);
  if (geteuid() != 0)
    return iso_fail(err, ISO_ERR_INPUT, "%s has V8 linked in (as the official node binaries do): recording it "
                    "takes uprobes, which need root (tracefs's uprobe_events and an instance of its own); run "
                    "isoreplay record as root", binary);
  if (find_tracefs(s, err)) return -1;
  snprintf(s->group, sizeof s->group, "isoreplay_%ld", (long)getpid());
  snprintf(s->instance, sizeof s->instance, "%s/instances/isoreplay-%ld", s->root, (long)getpid());
  sweep(s);
  choose_sites(s, syms);
  if (define_probes(s, binary, err) || make_instance(s, pid, err)) {
    up_session_close(s);
    return -1;
  }
  return 0;
}

int up_session_pipe(const up_session *s, iso_err *err) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/trace_pipe", s->instance);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) iso_fail(err, ISO_ERR_INTERNAL, "cannot open %s: %s", path, strerror(errno));
  return fd;
}

void up_session_close(up_session *s) {
  rmdir(s->instance);  /* disables its events: the probes can go */
  if (s->defined)
    for (int ret = 0; ret < 2; ret++) {
      char line[96];
      snprintf(line, sizeof line, "-:%s/%s", s->group, ret ? "ret" : "call");
      put(s, "uprobe_events", line);
    }
  s->defined = 0;
}

const up_site *up_session_site(const up_session *s, const char *event, size_t len, const char *rest) {
  int ret = len == 3 && !memcmp(event, "ret", 3);
  if (!ret && !(len == 4 && !memcmp(event, "call", 4))) return NULL;
  const char *k = strstr(rest, " k=");
  if (!k) return NULL;
  int i = atoi(k + 3);
  return i >= 0 && i < s->nsites && s->sites[i].ret == ret ? &s->sites[i] : NULL;
}
