/* reduce.h — a scenario cut down to the steps that keep a property (delta debugging,
 * Zeller and Hildebrandt, TSE 2002), over threads, then isolates, then steps and blocks,
 * until no single one can go.
 *
 * Every candidate is well formed: a dropped `new` takes the steps that use that isolate
 * lifetime, a dropped `global` the steps of its handle, a dropped block opener its block,
 * a thread with no step left its spawn and joins; then the candidate is written as text
 * and parsed by the language, so one the parser refuses (a recv with no send left, a
 * release with no acquire) is not tested. */
#ifndef ISOREPLAY_REDUCE_H
#define ISOREPLAY_REDUCE_H

#include "iso_err.h"
#include "scenario.h"
#include "strbuf.h"

/* Whether a candidate keeps the property: 1 yes, 0 no, -1 the test itself failed (out of
 * memory, a child that could not start): the reduction stops. original[k] is the index in
 * the reduced scenario of the candidate's step k. */
typedef int (*reduce_test)(void *ud, const scenario *candidate, const int *original);

typedef struct reduce_opts {
  reduce_test test;
  void *ud;
  int keep_results;  /* candidates keep the runs' `=>` results (a wrong-result property) */
  void (*progress)(void *ud, int steps, long tried);  /* after each smaller candidate, or NULL */
} reduce_opts;

typedef struct reduce_result {
  unsigned char *keep;  /* per step of the original: kept */
  int kept;             /* steps kept */
  long tried;           /* candidates tested */
  double ms;
} reduce_result;

/* Reduces s. 0 with r filled (the property held on s itself); 1 when it does not hold on
 * s (nothing to reduce); -1 with err. */
int reduce_run(const scenario *s, const reduce_opts *o, reduce_result *r, iso_err *err);
void reduce_result_free(reduce_result *r);
/* The candidate of s that keeps keep[]: its text (the header, the kept steps in order,
 * `=>` results if results) into out, and in original[] (s->nsteps entries) the original
 * index of each of its steps; the count of steps. */
int reduce_candidate(const scenario *s, const unsigned char *keep, int results, strbuf *out, int *original);

#endif
