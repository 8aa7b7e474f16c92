/* rec_launch.h — a program started for `isoreplay record`, with its reader: the way its V8
 * calls can be seen is chosen from its executable (v8_symbols.h), the recording's files
 * are made, the program is started (preloaded, or held until its uprobes are in place)
 * and its reader (rec_reader.h) with it. */
#ifndef ISOREPLAY_REC_LAUNCH_H
#define ISOREPLAY_REC_LAUNCH_H

#include <limits.h>
#include <sys/types.h>

#include "iso_err.h"
#include "rec_reader.h"

typedef enum rec_way {
  REC_WAY_PRELOAD,  /* V8 from a shared library (or by dlopen): the preloaded recorder */
  REC_WAY_UPROBES,  /* V8 linked into the executable, its symbols exported */
  REC_WAY_NONE      /* an executable that neither exports nor imports V8: preloaded anyway */
} rec_way;

typedef struct rec_launch {
  rec_way way;
  pid_t program;
  rec_reader reader;
  int report_fd;              /* the reader's report (read end): "V", "I" and "E" lines */
  int facts_fd;               /* facts from the preloaded program's processes, or -1 */
  char binary[PATH_MAX];      /* the executable the command line runs */
  char log_path[PATH_MAX];    /* the reader's log (rec_log.h) */
  int ring_fd;                /* the preload's ring (a memfd), or -1 */
} rec_launch;

/* Starts argv with lib (the preloaded recorder) where it applies, and its reader. 0, or
 * -1 with err (ISO_ERR_INPUT: uprobes need root), the program not run. */
int rec_launch_start(rec_launch *l, char **argv, const char *lib, iso_err *err);
/* Closes what is left open and removes the recording's files. */
void rec_launch_end(rec_launch *l);

#endif
