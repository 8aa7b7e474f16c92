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
  pid_t reader;     /* the reader process: it owns the session */
  int stop_fd;      /* closed when the program has ended: the reader drains and stops */
} rec_uprobe;

/* Starts the reader, which probes binary for process pid (started, and held before its
 * exec until this returns) and writes log_path and the report pipe report_fd. 0 once the
 * probes are in place, or -1 with err (ISO_ERR_INPUT: not root), nothing left behind. */
int rec_uprobe_start(rec_uprobe *u, const char *binary, const v8_symbols *syms, pid_t pid, const char *log_path,
                     int report_fd, iso_err *err);
/* The program has ended: the reader reads what is left, closes the report (its "E"
 * line says it finished; without it, it failed), and removes the probes on its own time. */
void rec_uprobe_program_ended(rec_uprobe *u);

#endif
