/* explore_write.c — a finding's witness as a scenario (explore_write.h). */
#include "explore_write.h"

#include <stdio.h>
#include <stdlib.h>

#include "scn_write.h"

/* Step i with the witness's codes. */
static void put_step(strbuf *out, const scenario *s, const explore_finding *f, int i, int *depth) {
  scn_write_line(out, &s->steps[i], f->codes[i], NULL, 0, depth);  /* what V8 returns in this order is V8's to say */
}

void explore_write_witness(strbuf *out, const scenario *s, const explore_finding *f, const char *how) {
  unsigned char *written = calloc((size_t)s->nsteps + 1, 1);
  if (!written) {
    out->failed = 1;
    return;
  }
  scn_write_header(out, s);
  char at[32] = "the end";
  if (f->step >= 0) snprintf(at, sizeof at, "line %d", s->steps[f->step].line);
  sb_printf(out, "\n# Witness: %s at %s of %s, in a schedule with %d preemption%s that the file's own\n"
                 "# order does not take (%s). The steps are the file's, in the order that breaks.\n\n",
            ck_code_name(f->code), at, s->path, f->preemptions, f->preemptions == 1 ? "" : "s", how);
  int depth = 0;
  for (int k = 0; k < f->norder; k++) {
    int i = f->order[k];
    put_step(out, s, f, i, &depth);
    written[i] = 1;
    if (s->steps[i].opens_block && s->steps[i].block_end > i && !written[i + 1]) {
      int ran = 0;  /* a block never reached: its steps stand here, and are skipped */
      for (int j = 0; j < f->norder && !ran; j++) ran = f->order[j] > i && f->order[j] <= s->steps[i].block_end;
      for (int j = i + 1; !ran && j <= s->steps[i].block_end; j++)
        if (!written[j]) {
          put_step(out, s, f, j, &depth);
          written[j] = 1;
        }
    }
  }
  int left = 0;
  for (int i = 0; i < s->nsteps; i++) left += !written[i];
  if (left) sb_printf(out, "# never reached in this schedule (%d step%s): their threads wait forever\n", left, left == 1 ? "" : "s");
  for (int i = 0; i < s->nsteps; i++)
    if (!written[i]) put_step(out, s, f, i, &depth);
  if (f->end_codes) {
    scn_write_codes(out, f->end_codes, "! ");
    sb_puts(out, "\n");
  }
  free(written);
}
