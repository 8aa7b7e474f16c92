/* report_steps.c — a replay step by step (`isoreplay run --steps`): each step's
 * verdict beside the real and the ideal current isolate after it, and a run's result. */
#include <string.h>

#include "report_out.h"

static void print_codes_at(FILE *out, const report *r, int step) {
  for (size_t i = 0; i < r->nv; i++) {
    const rep_violation *v = &r->v[i];
    if (v->step != step || (r->dry_run && v->code == CK_TLS_DIVERGENCE)) continue;
    report_printf(out, "       %s[%s]: %s\n", ck_severity_name(ck_code_severity(v->code)), ck_code_name(v->code), v->message);
  }
}

static void print_outcome(FILE *out, const report *r, const scn_step *st, const rep_step *rs) {
  if (r->dry_run) fprintf(out, "     -> ideal=%s", rs->ideal ? rs->ideal : "?");
  else fprintf(out, "     -> real=%s ideal=%s%s", rs->real ? rs->real : "?", rs->ideal ? rs->ideal : "?",
               rs->executed ? "" : " (V8 not called)");
  if (rs->run == V8P_RUN_VALUE || rs->run == V8P_RUN_THREW) {
    fputs(rs->run == V8P_RUN_VALUE ? " => \"" : " => throws \"", out);
    report_put_text(out, rs->text, rs->text_len, 1);
    fputc('"', out);
  }
  if (rs->run == V8P_RUN_TERMINATED) fputs(" => terminated", out);
  fputc('\n', out);
  if (rs->note && *rs->note && st->op != CK_CHECK_CURRENT) report_printf(out, "     note: %s\n", rs->note);
}

/* How deep the step stands in blocks (a `}` at its opener's depth). */
static int block_depth(const scenario *s, const scn_step *st) {
  int d = st->block_open >= 0 ? -1 : 0;
  for (int o = st->block_parent; o >= 0 && d < 64; o = s->steps[o].block_parent) d++;
  return d < 0 ? 0 : d;
}

int report_print_steps(FILE *out, const report *r) {
  const scenario *s = r->s;
  if (r->skipped) return 0;
  for (int i = 0; i < s->nsteps; i++) {
    const scn_step *st = &s->steps[i];
    const rep_step *rs = &r->steps[i];
    char label[256];
    int indent = 2 * block_depth(s, st);  /* a block's steps stand inside their opener */
    fprintf(out, "  %2d %*s%s (line %d)%s%s\n", i + 1, indent, "", report_step_label(st, label, sizeof label), st->line,
            st->background ? " &" : "", st->opens_block ? " {" : "");
    if (rs->unreached) report_printf(out, "     block never reached: %s\n", rs->unreached);
    if (!rs->started) {
      fputs("     -> not reached\n", out);
      continue;
    }
    print_codes_at(out, r, i + 1);
    if (!rs->ended) fputs("     -> V8 never returned\n", out);
    else print_outcome(out, r, st, rs);
  }
  if (r->steps[s->nsteps].got) {
    fputs("  end\n", out);
    print_codes_at(out, r, s->nsteps + 1);
  }
  return ferror(out) ? -1 : 0;
}
