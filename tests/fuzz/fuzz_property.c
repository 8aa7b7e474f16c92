/* fuzz_property.c — the property behind the fuzz target (see fuzz_property.h). */
#include "fuzz_property.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  scenario *s = NULL;
  iso_err err;
  err.kind = ISO_ERR_NONE;
  if (scn_parse("fuzz.scn", (const char *)data, size, &s, &err)) {
    /* refused: only ever as bad input, with a compiler-style diagnostic */
    if (err.kind != ISO_ERR_INPUT || strncmp(err.msg, "fuzz.scn:", 9)) {
      fprintf(stderr, "property broken: a refusal that is not a diagnostic (kind %d): %s\n", err.kind, err.msg);
      abort();
    }
    return 0;
  }
  run_opts o = {1, "fuzz", 0, NULL};
  report *r = report_run(s, &o);
  if (!r || r->internal || !r->finished) {
    fprintf(stderr, "property broken: an accepted scenario's dry run %s: %s\n", !r ? "ran out of memory"
            : r->internal ? "failed" : "did not finish", r && r->internal ? r->internal : "");
    abort();
  }
  report_free(r);
  scn_free(s);
  return 0;
}
