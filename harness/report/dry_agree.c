/* dry_agree.c — the rule that the checker's verdicts never depend on V8 or on timing: a
 * real replay's verdicts must equal those of a dry run of the same scenario. Every real
 * run checks it; a difference is a bug in isoreplay, so the run cannot pass. */
#include <stdio.h>
#include <string.h>

#include "report.h"

/* Codes that may be raised for an earlier step by a later event (a suspended task's
 * await, a wait that never ends, a thread's end): compared only when the real replay
 * reached its end. tls-divergence observes V8 and is never compared. A step that started
 * but never ended is compared as a subset (it may not have been fed). */
static unsigned late_codes(void) {
  return (1u << CK_SUSPEND_WHILE_ENTERED) | (1u << CK_DEADLOCK) | (1u << CK_THREAD_EXIT_ENTERED);
}

/* "a, b" for a code set, into buf. */
static const char *codes_str(unsigned set, char *buf, size_t n) {
  size_t at = 0;
  buf[0] = '\0';
  for (int c = 0; c < CK_CODE_COUNT && at < n; c++)
    if (set & (1u << c)) at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? ", " : "", ck_code_name((ck_code)c));
  if (!at) snprintf(buf, n, "none");
  return buf;
}

int report_agrees_with_dry(report *real, const report *dry) {
  const scenario *s = real->s;
  real->dry_compared = 0;
  if (real->dry_run || real->skipped || real->internal || dry->internal) return 1;
  for (int i = 0; i < s->nsteps; i++)
    if (real->steps[i].unreached) return 1;  /* V8 skipped a block: the states parted by V8's doing */
  unsigned mask = ~(1u << CK_TLS_DIVERGENCE);
  if (!real->finished) mask &= ~late_codes();
  real->dry_compared = 1;
  for (int i = 0; i <= s->nsteps; i++) {
    int is_end = i == s->nsteps;
    if (is_end ? !real->finished : !real->steps[i].started) continue;
    unsigned want = dry->steps[i].got & mask, got = real->steps[i].got & mask;
    /* A step that started and never ended may not have reached the checker (another
     * thread crashed the replay first): what it raised must be in the dry verdict. */
    int partial = !is_end && !real->steps[i].ended;
    if (want == got || (partial && (got & ~want) == 0)) continue;
    char a[200], b[200], where[64], why[600];
    if (is_end) snprintf(where, sizeof where, "at the end of the scenario");
    else snprintf(where, sizeof where, "at line %d (step %d)", s->steps[i].line, i + 1);
    snprintf(why, sizeof why,
             "the checker's verdicts differ between this real run and a dry run of the same scenario %s: real %s, "
             "dry %s (a bug in isoreplay: verdicts must not depend on V8 or timing; please report it)",
             where, codes_str(got, a, sizeof a), codes_str(want, b, sizeof b));
    real->dry_agrees = 0;
    report_internal(real, why);
    return 0;
  }
  real->dry_agrees = 1;
  return 1;
}
