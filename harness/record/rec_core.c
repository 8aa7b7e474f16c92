/* rec_core.c — a recorded program's calls fed to the checker, the log and the report
 * (rec_core.h). One thread calls it. */
#include "rec_core.h"

#include <stdio.h>
#include <stdlib.h>

#include "rec_log.h"
#include "rec_sink.h"

static ck_checker *ck;
static int exiting;           /* the process is exiting: what is raised now is information */
static int closed;            /* rec_core_exit ran: later calls are not the program's to check */
static rec_ptrmap isolates;   /* Isolate* -> checker id of its latest lifetime */
static rec_ptrmap scopes;     /* Locker* / Unlocker* -> checker isolate id */
static rec_ptrmap snapshots;  /* Isolate* -> 1 while a v8::SnapshotCreator owns it */
static rec_ptrmap handles;    /* a handle's slot (V8's Address*) -> checker handle id, 0 once reset */
static int *handle_iso;       /* checker handle id -> its isolate's checker id */
static size_t handle_iso_cap;
static const void **by_id;    /* checker isolate id -> its address */
static size_t by_id_cap;
static int seq;               /* REC_OP records so far */
static rec_thread *threads;   /* every thread that called V8, by number */
static size_t nthreads, threads_cap;

int rec_core_open(const char *log_path, const char *report_fd, pid_t program) {
  if (rec_sink_open(log_path, report_fd, program)) return -1;
  ck = ck_new(CK_MODEL_V8);
  return ck ? 0 : -1;
}

int rec_core_thread(pid_t tid, const char *os_name) {
  if (closed || rec_grow((void **)&threads, &threads_cap, nthreads + 1, sizeof *threads)) return -1;
  rec_thread *t = &threads[nthreads];
  rec_thread_name(os_name, t->name, sizeof t->name);
  t->tid = tid;
  t->slot = ck_add_thread(ck, t->name);
  t->number = (int)nthreads++;
  t->live = 1;
  rec_log_thread(t);
  return t->number;
}

/* Feeds one call of thread th to the checker and the log; reports what it raised. */
static void feed_object(int th, ck_op op, int iso, int object, int call, const char *what) {
  rec_thread *t = &threads[th];
  ck_event ev = {op, t->slot, -1, iso, ++seq, object, 0, 0};
  t->last_seq = seq;
  size_t before = ck_violation_count(ck);
  ck_feed(ck, &ev);
  rec_log_op(op, t->number, iso, object, call, seq);
  for (size_t i = before; i < ck_violation_count(ck); i++) rec_report(ck_violation_at(ck, i), t, seq, what, exiting);
}

static void feed(int th, ck_op op, int iso, int call, const char *what) { feed_object(th, op, iso, 0, call, what); }

static int add_isolate(int th, const void *iso, int call, const char *what) {
  int id = ck_add_isolate(ck, rec_isolate_name());
  rec_ptrmap_put(&isolates, iso, id);
  if (id >= 0 && !rec_grow((void **)&by_id, &by_id_cap, (size_t)id + 1, sizeof *by_id)) by_id[id] = iso;
  feed(th, CK_NEW, id, call, what);
  return id;
}

void rec_core_new(int th, const void *iso, int call, const char *what) {
  if (th >= 0 && !closed) add_isolate(th, iso, call, what);
}

/* The checker id of an isolate address; one never seen created (before recording took
 * effect, or by a call not observed) counts as created here, so later calls are checked.
 * -1 for an isolate a v8::SnapshotCreator owns: V8 made it, keeps it entered for the
 * creator's lifetime and disposes it; calls on it are not checked. */
static int isolate_id(int th, const void *iso, const char *what) {
  int id;
  if (rec_ptrmap_get(&snapshots, iso, &id) && id) return -1;
  return rec_ptrmap_get(&isolates, iso, &id) ? id : add_isolate(th, iso, REC_CALL_UNSEEN, what);
}

int rec_core_call(int th, ck_op op, const void *iso, const char *what) {
  if (th < 0 || closed) return 0;
  int id = isolate_id(th, iso, what);
  if (id < 0) return 0;
  feed(th, op, id, REC_CALL_PLAIN, what);
  return 1;
}

void rec_core_observe(int th, const void *current, const char *after) {
  if (th < 0 || closed) return;
  rec_thread *t = &threads[th];
  int id = CK_NONE;
  if (current && !rec_ptrmap_get(&isolates, current, &id)) id = CK_UNKNOWN;
  size_t before = ck_violation_count(ck);
  ck_observe(ck, t->slot, id, t->last_seq);
  for (size_t i = before; i < ck_violation_count(ck); i++) rec_report(ck_violation_at(ck, i), t, t->last_seq, after, exiting);
}

void rec_core_scope_begin(int th, ck_op op, const void *scope, const void *iso, const char *what) {
  if (th < 0 || closed) return;
  int id = isolate_id(th, iso, what);
  if (id < 0) return;
  rec_ptrmap_put(&scopes, scope, id);
  feed(th, op, id, REC_CALL_PLAIN, what);
  if (op == CK_LOCK) ck_acquired(ck, threads[th].slot, id);  /* the real Locker is held by now */
}

void rec_core_scope_end(int th, ck_op op, const void *scope, const char *what) {
  int id;
  if (th < 0 || closed || !rec_ptrmap_get(&scopes, scope, &id)) return;
  feed(th, op, id, REC_CALL_PLAIN, what);
  if (op == CK_RELOCK) ck_acquired(ck, threads[th].slot, id);  /* relocked by now */
}

const void *rec_core_current(int th) {
  if (th < 0 || closed) return NULL;
  int id = ck_ideal_current(ck, threads[th].slot);
  return id > 0 && (size_t)id < by_id_cap ? by_id[id] : NULL;
}

/* A handle made in isolate id at slot: the checker numbers handles from 1 in the order
 * they are added, and the scenario names them H1, H2 ... by those numbers. */
static void add_handle(int th, int id, const void *slot, const char *what) {
  static int made;
  char name[24];
  snprintf(name, sizeof name, "H%d", made + 1);
  int h = ck_add_handle(ck, name, id, 1);
  if (h <= 0 || rec_grow((void **)&handle_iso, &handle_iso_cap, (size_t)h + 1, sizeof *handle_iso)) return;
  made = h;
  handle_iso[h] = id;
  rec_ptrmap_put(&handles, slot, h);
  feed_object(th, CK_PERSISTENT, id, h, REC_CALL_PLAIN, what);
}

void rec_core_handle_new(int th, const void *iso, const void *slot, const char *what) {
  if (th < 0 || closed || !slot) return;
  int id = isolate_id(th, iso, what);
  if (id >= 0) add_handle(th, id, slot, what);
}

void rec_core_handle_copy(int th, const void *from, const void *slot, const char *what) {
  int h;
  if (th < 0 || closed || !slot || !rec_ptrmap_get(&handles, from, &h) || h <= 0) return;
  add_handle(th, handle_iso[h], slot, what);
}

void rec_core_handle_reset(int th, const void *slot, const char *what) {
  int h;
  if (th < 0 || closed || !rec_ptrmap_get(&handles, slot, &h) || h <= 0) return;  /* made before the recording */
  rec_ptrmap_put(&handles, slot, 0);
  feed_object(th, CK_RESET, handle_iso[h], h, REC_CALL_PLAIN, what);
}

void rec_core_run_done(int th, const void *iso) {
  if (th < 0 || closed) return;
  int id = isolate_id(th, iso, "v8::Script::Run");
  if (id < 0) return;
  ck_run_done(ck, threads[th].slot, id);
  rec_log_run_done(th, id);
}

void rec_core_snapshot(const void *iso, int owned) { rec_ptrmap_put(&snapshots, iso, owned); }

void rec_core_thread_end(int th) {
  if (th < 0 || closed) return;
  rec_thread *t = &threads[th];
  feed(th, CK_THREAD_END, CK_NONE, REC_CALL_PLAIN, "thread end");
  ck_release_thread(ck, t->slot);
  t->live = 0;
}

void rec_core_exit(void) {
  if (closed) return;
  exiting = 1;
  rec_log_exit();
  for (size_t i = 0; i < nthreads; i++)
    if (threads[i].live) feed((int)i, CK_THREAD_END, CK_NONE, REC_CALL_AT_EXIT, "process exit");
  size_t before = ck_violation_count(ck);
  ck_end(ck, seq + 1);
  for (size_t i = before; i < ck_violation_count(ck); i++) rec_report(ck_violation_at(ck, i), NULL, seq + 1, "process exit", 1);
  closed = 1;
}

void rec_core_close(void) { rec_sink_close(seq); }
