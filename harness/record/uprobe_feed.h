/* uprobe_feed.h — the trace of a recorded program (uprobe_session.h) read and fed, in the
 * order the kernel stamped it, to rec_core: each probe hit becomes the call it stands for;
 * a thread's end and the process's exit_group come from the scheduler's and the
 * syscall's tracepoints. Runs in a process of its own (isoreplay's child), with
 * rec_core opened. */
#ifndef ISOREPLAY_UPROBE_FEED_H
#define ISOREPLAY_UPROBE_FEED_H

#include <sys/types.h>

#include "uprobe_session.h"

/* Reads trace_fd (non-blocking) until stop_fd is closed by the command (the program has
 * ended), then drains it. pid is the recorded process: other processes it started are
 * named once as not recorded. Returns 0, or -1 when the trace could not be read. */
int up_feed(const up_session *s, int trace_fd, int stop_fd, pid_t pid);

#endif
