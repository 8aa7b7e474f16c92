/* rec_reader.h — the reader of a recording: a process of the command's own that takes a
 * program's V8 calls one of two ways and feeds them to rec_core, which writes the log and
 * the live report (its pipe closes when the reader is done):
 *   - the preload way (rec_preload.c): the library preloaded into the program appends the
 *     calls to a ring (rec_ring.h), read by ring_feed.c;
 *   - the uprobe way (rec_uprobe.c), for a program with V8 linked into its executable (the
 *     official node binaries): a tracefs session on its V8 symbols (uprobe_session.h),
 *     read by uprobe_feed.c. */
#ifndef ISOREPLAY_REC_READER_H
#define ISOREPLAY_REC_READER_H

#include <sys/types.h>

#include "iso_err.h"
#include "v8_symbols.h"

typedef struct rec_reader {
  pid_t pid;        /* the reader process */
  int stop_fd;      /* closed when the program has ended: the reader drains and stops */
} rec_reader;

/* Makes the ring a preloaded program appends to: a memfd (close-on-exec), or -1 with err. */
int rec_preload_ring(iso_err *err);
/* Starts the reader of the ring ring_fd for process pid, writing log_path and the report
 * pipe report_fd. 0, or -1 with err. */
int rec_preload_start(rec_reader *r, int ring_fd, pid_t pid, const char *log_path, int report_fd, iso_err *err);

/* Starts the reader, which probes binary for process pid (started, and held before its
 * exec until this returns) and writes log_path and the report pipe report_fd. 0 once the
 * probes are in place, or -1 with err (ISO_ERR_INPUT: not root), nothing left behind. */
int rec_uprobe_start(rec_reader *r, const char *binary, const v8_symbols *syms, pid_t pid, const char *log_path,
                     int report_fd, iso_err *err);

/* The program has ended: the reader reads what is left and closes the report (its "E"
 * line says it finished; without it, it failed). */
void rec_reader_program_ended(rec_reader *r);

#endif
