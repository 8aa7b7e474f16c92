/* rec_sink.h — the recorder's outputs and small state, for interpose.c: the log file
 * (rec_log.h), the live report to the command's pipe, thread and isolate names, and a
 * map from V8's object addresses to checker ids. Used by rec_core.c, whose callers
 * serialize. */
#ifndef ISOREPLAY_REC_SINK_H
#define ISOREPLAY_REC_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checker.h"

typedef struct rec_thread {
  int slot;        /* the checker's thread slot */
  int number;      /* order of first V8 call, from 0 */
  int live;        /* not ended yet */
  int last_seq;    /* its latest call, where an observation after it is reported */
  pid_t tid;
  char name[32];   /* the OS thread name made a unique scenario name */
} rec_thread;

/* A map from addresses to ints: open addressing, overwritten on put, never shrinks. */
typedef struct rec_ptrmap { uintptr_t *keys; int *values; size_t cap, n; } rec_ptrmap;
int rec_ptrmap_get(const rec_ptrmap *m, const void *key, int *value);
void rec_ptrmap_put(rec_ptrmap *m, const void *key, int value);

/* vec_grow: *pp holds at least `need` elements of `size` bytes; 0, or -1 out of memory. */
int rec_grow(void **pp, size_t *cap, size_t need, size_t size);

/* The OS thread name os as a scenario name ([A-Za-z_][A-Za-z0-9_-]*), made unique with
 * -2, -3 ... in the order threads appear. */
void rec_thread_name(const char *os, char *out, size_t n);
/* The next isolate name in creation order: A ... Z, AA, AB ... (a static buffer). */
const char *rec_isolate_name(void);

/* Opens the log (path) and the report pipe (a decimal fd); program: the recorded process,
 * whose call sites rec_report names (0: none known). 0, or -1 (nothing recorded). */
int rec_sink_open(const char *log_path, const char *report_fd, pid_t program);
/* The program's return address into the call being fed (0: unknown): the frame the
 * reports of that call show, as FILE+0xADDRESS (addr2line's address in FILE). */
void rec_sink_caller(uint64_t address);
/* Reads the program's memory map (at its first call, while it surely lives): call sites
 * found in it are named even after the program has exited; one not in it makes the map
 * read again (a library loaded since). */
void rec_sink_refresh_maps(void);
/* Everything written so far is in the log; says how many calls were recorded. */
void rec_sink_close(int calls);

void rec_log_thread(const rec_thread *t);
void rec_log_op(ck_op op, int thread, int isolate, int handle, int call, int seq);
void rec_log_run_done(int thread, int isolate);
void rec_log_exit(void);

/* Reports violation v, raised at call number seq of thread t (NULL at exit) inside
 * `what` (the C++ call), with the program's call site; at_exit marks it as information:
 * the process exited with it so. Also logs the code for the scenario. */
void rec_report(const ck_violation *v, const rec_thread *t, int seq, const char *what, int at_exit);
/* A fact for the command: "I\tKIND\tTEXT" on the report pipe. */
void rec_report_info(const char *kind, const char *text);

#endif
