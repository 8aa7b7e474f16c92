/* child.h — a real replay contained in a child process.
 *
 * The child (a fork of this process, in its own process group, killed with its parent)
 * initialises V8 and replays the scenario, writing each record to a pipe as it happens.
 * The parent reads them as they come, enforces the timeout and the memory limit, keeps
 * the child's stderr, and records how it ended, so a V8 abort, a crash, a hang or an
 * external kill all end in a complete account. SIGTERM, SIGINT and SIGHUP to the parent
 * during a replay kill the child first, then end the parent as they would have. */
#ifndef ISOREPLAY_CHILD_H
#define ISOREPLAY_CHILD_H

#include "replay.h"
#include "runtime.h"

/* The default memory ceiling of a replay: its resident memory (docs/cli.md). */
#define CHILD_DEFAULT_MEMORY_LIMIT (4L << 30)

typedef struct child_opts {
  const runtime *rt;      /* where to replay; NULL or the built-in one: a fork of this process */
  long timeout_ms;
  long memory_limit;      /* bytes of resident memory; 0: no limit */
  replay_emit on_record;  /* each record line as it arrives (NUL-terminated) */
  void *ud;
} child_opts;

typedef struct child_end {
  int started;            /* the child ran (else: message says why not) */
  int pid;
  int wait_status;        /* from waitpid */
  int timed_out;          /* killed by the parent at the timeout */
  int over_memory;        /* killed by the parent at the memory limit */
  long peak_rss;          /* the largest resident memory seen, in bytes */
  int torn_record;        /* the last record was cut off by the child's death */
  char *err_text;         /* the child's stderr (the last MiB), malloc'd */
  char message[256];
} child_end;

/* Replays s in a child as above. Returns 0 when the child ran (however it ended), or -1
 * when it could not be started (end->message says why). */
int child_replay(const scenario *s, const child_opts *o, child_end *end);
void child_end_free(child_end *e);

/* Inside the child (this process forked, or `node` with the probe addon): starts V8 and
 * replays s, every record written to out_fd as it happens; never returns. */
__attribute__((noreturn)) void child_serve(const scenario *s, int out_fd);
/* The addon's entry (v8probe/node/addon.cc): reads the scenario and the record pipe the
 * parent handed over (environment ISOREPLAY_CHILD_*) and serves them; never returns. */
__attribute__((noreturn)) void child_serve_from_env(void);

#endif
