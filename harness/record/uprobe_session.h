/* uprobe_session.h — the kernel's side of recording a program with V8 linked in: uprobes
 * on the V8 API symbols of its executable, in a tracefs instance of our own that hears
 * only the recorded process and what it starts, read through the instance's trace_pipe.
 * Needs root (tracefs and uprobe_events); mounts tracefs if it is not. */
#ifndef ISOREPLAY_UPROBE_SESSION_H
#define ISOREPLAY_UPROBE_SESSION_H

#include <limits.h>
#include <sys/types.h>

#include "iso_err.h"
#include "v8_symbols.h"

/* The V8 calls a probe stands for. */
typedef enum up_call {
  UP_NEW, UP_INITIALIZE, UP_DISPOSE, UP_DEINITIALIZE, UP_ENTER, UP_EXIT, UP_TERMINATE, UP_CANCEL_TERMINATE,
  UP_INTERRUPT, UP_LOW_MEMORY, UP_LOCKER, UP_LOCKER_END, UP_UNLOCKER, UP_UNLOCKER_END,
  UP_CONTEXT_NEW, UP_RUN, UP_RUN_OPTIONS, UP_SNAPSHOT_NEW, UP_SNAPSHOT_END, UP_GLOBALIZE, UP_COPY_GLOBAL,
  UP_DISPOSE_GLOBAL
} up_call;

/* One probe: a call's entry (its first two arguments) or its return (its value). All
 * entries are one trace event, `call`, and all returns another, `ret` (disabling an event
 * waits for the kernel once per event, about 40 ms: one event per probe made every
 * recording 1.7 s longer); each probe tells itself by k=, its index in sites. */
typedef struct up_site {
  up_call call;
  int ret;
  unsigned long offset;
} up_site;

#define UP_MAX_SITES 64

typedef struct up_session {
  char root[64];         /* where tracefs is mounted */
  char group[32];        /* the probes' group: isoreplay_PID (PID: isoreplay's) */
  char instance[PATH_MAX];
  up_site sites[UP_MAX_SITES];
  int nsites;
  int defined;           /* sites written to uprobe_events so far */
  int exit_group_event;  /* the syscall's tracepoint is there: the process's exit is seen */
} up_session;

/* Probes binary (whose V8 symbols are syms) and hears only process pid and what it starts
 * (threads, children). On failure says why in err (ISO_ERR_INPUT when it is the
 * privilege: not root), having undone what it did. */
int up_session_open(up_session *s, const char *binary, const v8_symbols *syms, pid_t pid, iso_err *err);
/* The instance's trace_pipe, opened non-blocking; -1 with err. */
int up_session_pipe(const up_session *s, iso_err *err);
/* Removes the instance and the probes. */
void up_session_close(up_session *s);
/* The site a trace line's event (its name, then rest: its fields) stands for, or NULL
 * when it is not one of the session's probes. */
const up_site *up_session_site(const up_session *s, const char *event, size_t len, const char *rest);

#endif
