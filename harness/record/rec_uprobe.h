/* rec_uprobe.h — the uprobe way of `isoreplay record`, for a program with V8 linked into
 * its executable (the official node binaries): a tracefs session on its V8 symbols
 * (uprobe_session.h) and a reader process that feeds the trace to the checker and writes
 * the same log and live report the preloaded library writes (uprobe_feed.h). */
#ifndef ISOREPLAY_REC_UPROBE_H
#define ISOREPLAY_REC_UPROBE_H

#include <sys/types.h>

#include "iso_err.h"
#include "uprobe_session.h"
#include "v8_symbols.h"

typedef struct rec_uprobe {
  up_session session;
  pid_t reader;     /* the reader process */
  int stop_fd;      /* closed when the program has ended: the reader drains and stops */
} rec_uprobe;

/* Probes binary for process pid (started, and held before its exec until this returns)
 * and starts the reader, which writes log_path and the report pipe report_fd. 0, or -1
 * with err, nothing left behind. */
int rec_uprobe_start(rec_uprobe *u, const char *binary, const v8_symbols *syms, pid_t pid, const char *log_path,
                     int report_fd, iso_err *err);
/* The program has ended: the reader reads what is left and stops. */
void rec_uprobe_program_ended(rec_uprobe *u);
/* Waits for the reader and removes the probes. 0, or -1 when the reader failed. */
int rec_uprobe_finish(rec_uprobe *u);

#endif
