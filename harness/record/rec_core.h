/* rec_core.h — a recorded program's V8 calls, fed in one order to the checker, the log
 * and the live report (rec_sink.h), in the command's reader process (rec_reader.h):
 * from the preloaded library's ring (ring_feed.c) or the kernel's trace of uprobes
 * (uprobe_feed.c). One thread calls it. A thread is a number from rec_core_thread; an
 * isolate is V8's address of it. `what` names the C++ call, for the report. */
#ifndef ISOREPLAY_REC_CORE_H
#define ISOREPLAY_REC_CORE_H

#include <sys/types.h>

#include "checker.h"

/* Opens the log and the report pipe (rec_sink_open; program: the recorded process, whose
 * call sites the reports name, 0 if they are not known) and makes the checker. 0, or -1
 * (nothing is recorded). */
int rec_core_open(const char *log_path, const char *report_fd, pid_t program);

/* Registers a thread at its first V8 call under its OS name: its number, or -1 (out of
 * memory: its calls are not recorded). */
int rec_core_thread(pid_t tid, const char *os_name);

/* A new isolate lifetime at iso, created by `call` (enum rec_call). */
void rec_core_new(int th, const void *iso, int call, const char *what);
/* One call on an isolate. Returns 0 when the isolate is one the checker leaves alone
 * (a v8::SnapshotCreator's), 1 when the call was fed. */
int rec_core_call(int th, ck_op op, const void *iso, const char *what);
/* Handles (v8::Global, v8::Persistent: V8's API does not tell them apart, so each is a
 * `persistent` to the checker; a Global's destructor is seen as its reset). A handle made
 * in iso at slot (api_internal::GlobalizeReference's result); one copied from the handle
 * at slot `from` (CopyGlobalReference); the handle at slot reset (DisposeGlobal). A slot
 * not made while recording is left alone. */
void rec_core_handle_new(int th, const void *iso, const void *slot, const char *what);
void rec_core_handle_copy(int th, const void *from, const void *slot, const char *what);
void rec_core_handle_reset(int th, const void *slot, const char *what);
/* After a call that changes the current isolate: the real Isolate::GetCurrent() beside
 * the one a correct embedding would have (tls-divergence). */
void rec_core_observe(int th, const void *current, const char *after);
/* A Locker (CK_LOCK, fed once it is held) or an Unlocker (CK_UNLOCKER) at scope, made
 * for iso; and its end (CK_UNLOCK before the release, CK_RELOCK once relocked). */
void rec_core_scope_begin(int th, ck_op op, const void *scope, const void *iso, const char *what);
void rec_core_scope_end(int th, ck_op op, const void *scope, const char *what);
/* The isolate a correct embedding would have current on th (its latest Enter still
 * open), or NULL. */
const void *rec_core_current(int th);
/* A script run on iso (fed with rec_core_call(CK_RUN)) returned. */
void rec_core_run_done(int th, const void *iso);
/* iso is owned by a v8::SnapshotCreator (1) or no longer (0): calls on it are V8's. */
void rec_core_snapshot(const void *iso, int owned);
/* Thread th ended; its number is not used again. */
void rec_core_thread_end(int th);
/* The process exits: threads still alive end, and the checker's end goes to the report
 * as information (how the program ends, not a bug). Calls after it are not recorded. */
void rec_core_exit(void);
/* The recording is complete: says how many calls were recorded. */
void rec_core_close(void);

#endif
