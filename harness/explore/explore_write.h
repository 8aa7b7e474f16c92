/* explore_write.h — a finding's witness as a scenario: the file's header and steps, in
 * the order that breaks, each step marked with the codes the checker raised there, so
 * `isoreplay run --dry-run WITNESS` passes and shows the violation, and a real run shows
 * what each V8 does in that order. */
#ifndef ISOREPLAY_EXPLORE_WRITE_H
#define ISOREPLAY_EXPLORE_WRITE_H

#include "explore.h"
#include "strbuf.h"

/* The witness of finding f of s into out; `how` is the command line that found it (a
 * comment). */
void explore_write_witness(strbuf *out, const scenario *s, const explore_finding *f, const char *how);

#endif
