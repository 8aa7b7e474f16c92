/* v8_symbols.h — the V8 API symbols a program's executable exports, with the file
 * offsets a uprobe needs (libelf). This is how `record` tells a program with V8 linked in
 * (the official node binaries: uprobes) from one that loads V8 from a shared library
 * (the preload), or from one whose V8 cannot be seen (stripped, as Deno's). */
#ifndef ISOREPLAY_V8_SYMBOLS_H
#define ISOREPLAY_V8_SYMBOLS_H

#include <stddef.h>

#include "iso_err.h"

typedef struct v8_symbol {
  char *name;             /* mangled, e.g. _ZN2v87Isolate5EnterEv */
  unsigned long offset;   /* in the file: what uprobe_events takes */
} v8_symbol;

typedef struct v8_symbols {
  v8_symbol *defined;     /* the exported (defined) dynamic symbols of namespace v8 */
  size_t ndefined, cap;
  int imports_v8;         /* it takes v8:: symbols from a shared library */
} v8_symbols;

/* Reads the dynamic symbols of the ELF file at path. 0; 1 when it is not an ELF file (a
 * script); -1 with err when it cannot be read. */
int v8_symbols_read(const char *path, v8_symbols *out, iso_err *err);
/* The symbol named exactly `name`, or the first whose name starts with it when prefix
 * is set; NULL if none. */
const v8_symbol *v8_symbols_find(const v8_symbols *s, const char *name, int prefix);
void v8_symbols_free(v8_symbols *s);

/* The executable a command line runs: argv0 looked up in PATH as execvp does, and for a
 * script, its #! interpreter (through `/usr/bin/env NAME` too). 0 with out filled, or -1. */
int v8_program_binary(const char *argv0, char *out, size_t n);

#endif
