/* outfile.h — how isoreplay writes an output file (--json, --html, --trace).
 *
 * A regular file, or a path that does not exist yet, is replaced atomically: the data go
 * to a temporary file in the same folder, which is renamed over the path (through a
 * symbolic link, over its target), and removed on any failure, so readers see the old
 * file or the new one, never half of one. An existing FIFO, character device or socket
 * (/dev/stdout, a pipe, a terminal) is written in place and never replaced. "-" is
 * standard output. A directory, or anything else, is refused. */
#ifndef ISOREPLAY_OUTFILE_H
#define ISOREPLAY_OUTFILE_H

#include <stddef.h>

#include "iso_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes n bytes to path as above. Returns 0, or -1 with err (kind ISO_ERR_IO, or
 * ISO_ERR_INPUT for a path that can never be written) naming the path. */
int outfile_write(const char *path, const char *data, size_t n, iso_err *err);
/* The checks of outfile_write() without writing: 0 when path can be written, or -1
 * with err. Lets a command refuse a bad output path before it runs anything. */
int outfile_check(const char *path, iso_err *err);

#ifdef __cplusplus
}
#endif
#endif
