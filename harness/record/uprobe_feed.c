/* uprobe_feed.c — the kernel's trace of a recorded program fed to rec_core
 * (uprobe_feed.h).
 *
 * A line of the instance's trace_pipe reads
 *     COMM-TID [CPU] FLAGS SECONDS: call: (ADDRESS) k=SITE a=0x.. b=0x.. c="NAME"
 * for a probe's entry (ret: .. k=SITE r=0x.. for a return), and EVENT: pid=TID .. for a new task or a
 * thread's end. Which process a thread belongs to is followed from task_newtask's
 * clone_flags (CLONE_THREAD: the creator's), as the trace's own tgid column is blank
 * for tasks it has not seen scheduled. What V8 does inside its own New, Initialize, Dispose, Context::New and
 * SnapshotCreator is not the program's (it enters the isolate it sets up): a per-thread
 * stack of the calls still open, closed by their return probes, leaves it out, as the
 * preloaded library's in_v8 does. */
#define _GNU_SOURCE
#include "uprobe_feed.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec_core.h"
#include "rec_log.h"
#include "rec_sink.h"
#include "strbuf.h"
#include "vec.h"

typedef struct up_frame {
  up_call call;
  const void *a, *b;  /* the call's arguments, or what it was fed with */
  int fed;            /* a run fed to the checker (its return closes it) */
} up_frame;

typedef struct up_thread {
  int number;         /* rec_core's */
  int after_run;      /* its last event was Script::Run(ctx)'s entry */
  up_frame *frames;   /* calls open, awaiting their return probe */
  size_t nframes, cap;
} up_thread;

typedef struct feed_state {
  const up_session *s;
  pid_t pid;
  up_thread *threads;
  size_t nthreads, cap;
  rec_ptrmap by_tid;    /* tid -> index in threads, -1 once ended */
  rec_ptrmap tgids;     /* tid -> its process, from task_newtask */
  rec_ptrmap told;      /* processes named as not recorded */
  int *ended;           /* threads ended, not fed until the process shows it goes on */
  size_t nended, ended_cap;
  int exited;           /* the process called exit_group: the rest is its end */
  unsigned long lost;
} feed_state;

/* One parsed line. */
typedef struct up_line {
  pid_t tid, tgid;
  const char *event;
  size_t event_len;
  const char *rest;     /* after "EVENT: " */
} up_line;

/* The "-TID [CPU] " of a line: the first '[' with digits and a space before it after a
 * '-' and digits (a thread's name may hold anything). Its position, or NULL. */
static const char *cpu_field(const char *line, pid_t *tid) {
  for (const char *b = strchr(line, '['); b; b = strchr(b + 1, '[')) {
    const char *t = b;
    while (t > line && t[-1] == ' ') t--;
    const char *digits = t;
    while (digits > line && digits[-1] >= '0' && digits[-1] <= '9') digits--;
    if (digits == t || digits == line || digits[-1] != '-' || t == b) continue;
    *tid = (pid_t)atol(digits);
    return b;
  }
  return NULL;
}

static pid_t tgid_of(feed_state *f, pid_t tid) {
  int tgid;
  if (tid == f->pid) return tid;
  if (rec_ptrmap_get(&f->tgids, (void *)(uintptr_t)tid, &tgid)) return (pid_t)tgid;
  char task[64];  /* a task born before the trace, or whose birth was lost */
  snprintf(task, sizeof task, "/proc/%ld/task/%ld", (long)f->pid, (long)tid);
  return access(task, F_OK) ? tid : f->pid;
}

static int parse(feed_state *f, const char *line, up_line *out) {
  const char *cpu = cpu_field(line, &out->tid);
  const char *stamp = cpu ? strstr(cpu, "] ") : NULL;
  const char *colon = stamp ? strstr(stamp + 2, ": ") : NULL;
  if (!colon) return -1;
  out->tgid = tgid_of(f, out->tid);
  out->event = colon + 2;
  out->event_len = strcspn(out->event, ":(");
  out->rest = out->event + out->event_len;
  if (*out->rest == ':') out->rest++;
  while (*out->rest == ' ') out->rest++;
  return 0;
}

/* task_newtask: a thread (CLONE_THREAD) is its creator's process's; anything else is a
 * process of its own. */
static void on_new_task(feed_state *f, const up_line *l) {
  const char *p = strstr(l->rest, "pid="), *flags = strstr(l->rest, "clone_flags=");
  if (!p || !flags) return;
  pid_t child = (pid_t)atol(p + 4);
  unsigned long long cf = strtoull(flags + 12, NULL, 16);
  rec_ptrmap_put(&f->tgids, (void *)(uintptr_t)child, (int)((cf & 0x00010000ull) ? l->tgid : child));
}

static unsigned long long hex_arg(const char *rest, const char *key) {
  const char *p = strstr(rest, key);
  return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

/* The thread's name: what $comm gave, quoted at the end of the line. */
static void comm_of(const char *rest, char *out, size_t n) {
  const char *p = strstr(rest, " c=\"");
  if (!p) {
    snprintf(out, n, "thread");
    return;
  }
  p += 4;
  size_t len = strlen(p);
  if (len && p[len - 1] == '"') len--;
  snprintf(out, n, "%.*s", (int)len, p);
}

/* The recorded thread tid, registered at its first call; NULL when out of memory. */
static up_thread *thread_of(feed_state *f, pid_t tid, const char *rest) {
  int i;
  if (rec_ptrmap_get(&f->by_tid, (void *)(uintptr_t)tid, &i) && i >= 0) return &f->threads[i];
  if (vec_grow((void **)&f->threads, &f->cap, f->nthreads + 1, sizeof *f->threads)) return NULL;
  char name[64];
  comm_of(rest, name, sizeof name);
  int number = rec_core_thread(tid, name);
  if (number < 0) return NULL;
  f->threads[f->nthreads] = (up_thread){number, 0, NULL, 0, 0};
  rec_ptrmap_put(&f->by_tid, (void *)(uintptr_t)tid, (int)f->nthreads);
  return &f->threads[f->nthreads++];
}

/* Threads seen ending are fed once the process shows it goes on: a process killed by a
 * signal ends all its threads at once, and that is no thread's end (as in the preload). */
static void feed_ended(feed_state *f) {
  for (size_t i = 0; i < f->nended; i++) {
    up_thread *t = &f->threads[f->ended[i]];
    rec_core_thread_end(t->number);
    free(t->frames);
    t->frames = NULL;
    t->nframes = t->cap = 0;
  }
  f->nended = 0;
}

static int inside_v8(const up_thread *t) {
  for (size_t i = 0; i < t->nframes; i++) {
    up_call c = t->frames[i].call;
    if (c == UP_NEW || c == UP_INITIALIZE || c == UP_DISPOSE || c == UP_DEINITIALIZE || c == UP_CONTEXT_NEW || c == UP_SNAPSHOT_NEW ||
        c == UP_SNAPSHOT_END)
      return 1;
  }
  return 0;
}

static void push(up_thread *t, up_call call, const void *a, const void *b, int fed) {
  if (vec_grow((void **)&t->frames, &t->cap, t->nframes + 1, sizeof *t->frames)) return;
  t->frames[t->nframes++] = (up_frame){call, a, b, fed};
}

/* The open call a return probe closes; calls above it lost their returns (a C++
 * exception unwound them) and are dropped. 0, or -1 when it is not open. */
static int pop(up_thread *t, up_call call, up_frame *out) {
  for (size_t i = t->nframes; i-- > 0;)
    if (t->frames[i].call == call) {
      *out = t->frames[i];
      t->nframes = i;
      return 0;
    }
  return -1;
}

static const ck_op PLAIN_OP[] = {[UP_ENTER] = CK_ENTER, [UP_EXIT] = CK_EXIT, [UP_TERMINATE] = CK_TERMINATE,
                                 [UP_CANCEL_TERMINATE] = CK_CANCEL_TERMINATE, [UP_INTERRUPT] = CK_INTERRUPT,
                                 [UP_LOW_MEMORY] = CK_GC};
static const char *const WHAT[] = {
    [UP_NEW] = "v8::Isolate::New", [UP_INITIALIZE] = "v8::Isolate::Initialize", [UP_DISPOSE] = "v8::Isolate::Dispose",
    [UP_DEINITIALIZE] = "v8::Isolate::Deinitialize",
    [UP_ENTER] = "v8::Isolate::Enter", [UP_EXIT] = "v8::Isolate::Exit", [UP_TERMINATE] = "v8::Isolate::TerminateExecution",
    [UP_CANCEL_TERMINATE] = "v8::Isolate::CancelTerminateExecution", [UP_INTERRUPT] = "v8::Isolate::RequestInterrupt",
    [UP_LOW_MEMORY] = "v8::Isolate::LowMemoryNotification", [UP_LOCKER] = "v8::Locker::Locker",
    [UP_LOCKER_END] = "v8::Locker::~Locker", [UP_UNLOCKER] = "v8::Unlocker::Unlocker",
    [UP_UNLOCKER_END] = "v8::Unlocker::~Unlocker", [UP_CONTEXT_NEW] = "v8::Context::New", [UP_RUN] = "v8::Script::Run",
    [UP_RUN_OPTIONS] = "v8::Script::Run", [UP_SNAPSHOT_NEW] = "v8::SnapshotCreator::SnapshotCreator",
    [UP_SNAPSHOT_END] = "v8::SnapshotCreator::~SnapshotCreator",
    [UP_GLOBALIZE] = "v8::Global (api_internal::GlobalizeReference)",
    [UP_COPY_GLOBAL] = "v8::Persistent copy (api_internal::CopyGlobalReference)",
    [UP_DISPOSE_GLOBAL] = "v8::Global::Reset (api_internal::DisposeGlobal)"};

/* A script run on the isolate the thread has entered (what a correct embedding runs on:
 * the probe cannot ask the context for its isolate). */
static void run_entry(up_thread *t, up_call call, int v8) {
  const void *iso = v8 ? NULL : rec_core_current(t->number);
  int fed = iso && rec_core_call(t->number, CK_RUN, iso, WHAT[call]);
  push(t, call, iso, NULL, fed);
}

static void on_entry(up_thread *t, up_call call, const void *a, const void *b) {
  int v8 = inside_v8(t), after_run = t->after_run;
  t->after_run = call == UP_RUN;
  switch (call) {
    case UP_NEW: case UP_SNAPSHOT_NEW: case UP_SNAPSHOT_END: push(t, call, NULL, NULL, 0); break;
    case UP_INITIALIZE: push(t, call, a, NULL, 0); break;
    case UP_DISPOSE: case UP_DEINITIALIZE: case UP_CONTEXT_NEW:
      if (!v8) rec_core_call(t->number, call == UP_CONTEXT_NEW ? CK_CONTEXT : CK_DISPOSE, a, WHAT[call]);
      push(t, call, a, NULL, 0);
      break;
    case UP_LOCKER: case UP_UNLOCKER_END: case UP_GLOBALIZE: case UP_COPY_GLOBAL: push(t, call, a, b, 0); break;
    case UP_DISPOSE_GLOBAL: if (!v8) rec_core_handle_reset(t->number, a, WHAT[call]); break;
    case UP_LOCKER_END: if (!v8) rec_core_scope_end(t->number, CK_UNLOCK, a, WHAT[call]); break;
    case UP_UNLOCKER: if (!v8) rec_core_scope_begin(t->number, CK_UNLOCKER, a, b, WHAT[call]); break;
    case UP_RUN: run_entry(t, call, v8); break;
    case UP_RUN_OPTIONS:
      if (after_run) push(t, call, NULL, NULL, 0);  /* Run(ctx) passing its call on: already fed */
      else run_entry(t, call, v8);
      break;
    default: if (!v8) rec_core_call(t->number, PLAIN_OP[call], a, WHAT[call]); break;
  }
}

static void on_return(up_thread *t, up_call call, const void *value) {
  up_frame fr;
  t->after_run = 0;
  if (pop(t, call, &fr)) return;
  if (inside_v8(t)) return;  /* a call V8 made inside its own */
  switch (call) {
    case UP_NEW: rec_core_new(t->number, value, REC_CALL_NEW, WHAT[call]); break;
    case UP_INITIALIZE: rec_core_new(t->number, fr.a, REC_CALL_ALLOCATE_INITIALIZE, WHAT[call]); break;
    case UP_LOCKER: rec_core_scope_begin(t->number, CK_LOCK, fr.a, fr.b, WHAT[call]); break;
    case UP_UNLOCKER_END: rec_core_scope_end(t->number, CK_RELOCK, fr.a, WHAT[call]); break;
    case UP_RUN: case UP_RUN_OPTIONS: if (fr.fed) rec_core_run_done(t->number, fr.a); break;
    case UP_GLOBALIZE: rec_core_handle_new(t->number, fr.a, value, WHAT[call]); break;
    case UP_COPY_GLOBAL: rec_core_handle_copy(t->number, fr.a, value, WHAT[call]); break;
    default: break;
  }
}

/* A process the recorded one started calls V8: named once, as the preload does. */
static void tell_bystander(feed_state *f, const up_line *l) {
  int seen;
  if (rec_ptrmap_get(&f->told, (void *)(uintptr_t)l->tgid, &seen)) return;
  rec_ptrmap_put(&f->told, (void *)(uintptr_t)l->tgid, 1);
  char name[64], text[400];
  comm_of(l->rest, name, sizeof name);
  snprintf(text, sizeof text, "process %ld (%s), started by the recorded program, calls V8 too: its calls are not "
           "recorded (one process per recording): record that program directly", (long)l->tgid, name);
  rec_report_info("bystander", text);
}

static void process_exit(feed_state *f) {
  feed_ended(f);
  rec_core_exit();
  f->exited = 1;
}

static void on_thread_end(feed_state *f, const up_line *l) {
  const char *p = strstr(l->rest, "pid=");
  pid_t tid = p ? (pid_t)atol(p + 4) : l->tid;
  int i;
  if (!f->s->exit_group_event && tid == f->pid) {  /* no exit_group tracepoint: the main thread's end */
    f->nended = 0;
    rec_core_exit();
    f->exited = 1;
    return;
  }
  if (!rec_ptrmap_get(&f->by_tid, (void *)(uintptr_t)tid, &i) || i < 0) return;  /* never called V8 */
  rec_ptrmap_put(&f->by_tid, (void *)(uintptr_t)tid, -1);
  if (!vec_grow((void **)&f->ended, &f->ended_cap, f->nended + 1, sizeof *f->ended)) f->ended[f->nended++] = i;
}

static void on_line(feed_state *f, const char *line) {
  unsigned long lost;
  const char *l_at = strstr(line, "[LOST ");
  if (l_at && sscanf(l_at, "[LOST %lu", &lost) == 1) {
    f->lost += lost;
    return;
  }
  up_line l;
  if (parse(f, line, &l)) return;
  if (l.event_len == 12 && !memcmp(l.event, "task_newtask", 12)) {
    on_new_task(f, &l);
    return;
  }
  if (l.tgid != f->pid) {
    if (up_session_site(f->s, l.event, l.event_len, l.rest)) tell_bystander(f, &l);
    return;
  }
  if (f->exited) return;
  if (l.event_len == 18 && !memcmp(l.event, "sched_process_exit", 18)) {
    on_thread_end(f, &l);
    return;
  }
  if (l.event_len == 14 && !memcmp(l.event, "sys_exit_group", 14)) {
    process_exit(f);
    return;
  }
  const up_site *site = up_session_site(f->s, l.event, l.event_len, l.rest);
  if (!site) return;
  feed_ended(f);
  up_thread *t = thread_of(f, l.tid, l.rest);
  if (!t) return;
  if (site->ret) on_return(t, site->call, (const void *)(uintptr_t)hex_arg(l.rest, " r=0x"));
  else on_entry(t, site->call, (const void *)(uintptr_t)hex_arg(l.rest, " a=0x"),
                (const void *)(uintptr_t)hex_arg(l.rest, " b=0x"));
}

/* Reads what trace_fd has now, feeding whole lines. 0, or -1 on a read error. */
static int drain(feed_state *f, int trace_fd, strbuf *pending) {
  char buf[65536];
  for (;;) {
    ssize_t got = read(trace_fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno == EAGAIN ? 0 : -1;
    if (got == 0) return 0;
    if (sb_add(pending, buf, (size_t)got)) return -1;
    size_t start = 0;
    for (char *nl; (nl = memchr(pending->p + start, '\n', pending->len - start));) {
      *nl = 0;
      on_line(f, pending->p + start);
      start = (size_t)(nl - pending->p) + 1;
    }
    memmove(pending->p, pending->p + start, pending->len - start);
    pending->len -= start;
  }
}

int up_feed(const up_session *s, int trace_fd, int stop_fd, pid_t pid) {
  feed_state f = {.s = s, .pid = pid};
  strbuf pending = {0};
  int bad = 0, stopping = 0;
  while (!bad) {
    struct pollfd p[2] = {{trace_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int r = poll(p, stopping ? 1 : 2, stopping ? 5 : -1);  /* ended: its events are all in by now */
    if (r < 0 && errno != EINTR) bad = -1;
    bad = bad || drain(&f, trace_fd, &pending);
    if (stopping && r == 0) break;  /* the program has ended and nothing more came */
    if (!stopping && p[1].revents) stopping = 1;
  }
  if (f.lost) {
    char text[300];
    snprintf(text, sizeof text, "the kernel's trace buffer overflowed and dropped %lu events: the program called V8 "
             "faster than they could be read, so the calls recorded and their verdicts are incomplete", f.lost);
    rec_report_info("lost", text);
  }
  if (bad) rec_report_info("trace-unreadable", "reading the kernel's trace failed: the recording stops there");
  rec_core_close();
  sb_free(&pending);
  return bad ? -1 : 0;
}
