/* demo_main.c — isoreplay-demo: one small example per violation code and the correct
 * patterns, each replayed against real V8 like any scenario (the replay's scheduler, in
 * a child process), printed step by step: the verdict beside the real and the ideal
 * current isolate, the script's result, then how V8 ended.
 *
 *   isoreplay-demo              all examples
 *   isoreplay-demo NAME...      the named examples
 *   isoreplay-demo --list       the names */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_examples.h"
#include "report.h"
#include "runner.h"

#ifndef ISOREPLAY_FLAVOR_NAME
#define ISOREPLAY_FLAVOR_NAME "default"
#endif

static const demo_example *find(const char *name) {
  for (int i = 0; i < DEMO_EXAMPLE_COUNT; i++)
    if (strcmp(DEMO_EXAMPLES[i].name, name) == 0) return &DEMO_EXAMPLES[i];
  return NULL;
}

static void print_violations(const report *r, int step) {
  for (int i = 0; i < r->nv; i++)
    if (r->v[i].step == step)
      printf("       %s[%s]: %s\n", ck_severity_name(ck_code_severity(r->v[i].code)),
             ck_code_name(r->v[i].code), r->v[i].message);
}

/* How the replay ended, in one line. */
static void print_ending(const report *r) {
  const char *sig = scn_signal_name(r->signal);
  printf("  V8 10.2 ended: ");
  switch (r->ending) {
    case ENDING_CLEAN: printf("clean"); break;
    case ENDING_DEADLOCK: printf("deadlock: %s", r->deadlock ? r->deadlock : ""); break;
    case ENDING_FATAL: printf("killed by SIG%s after a V8 fatal error", sig ? sig : "?"); break;
    case ENDING_SIGNAL: printf("killed by SIG%s", sig ? sig : "?"); break;
    case ENDING_TIMEOUT: printf("hung; killed at the timeout"); break;
    default: printf("exit %d", r->exit_code); break;
  }
  printf("%s%s\n", r->fatal ? ", fatal: " : "", r->fatal ? r->fatal : "");
}

/* Replays one example and prints it; 0, or -1 when it could not run. */
static int run_example(const demo_example *ex) {
  printf("\n== %s (%s; %s model): %s\n", ex->name, ex->shows,
         ex->model == CK_MODEL_RUSTY_V8 ? "rusty_v8" : "v8", ex->story);
  fflush(stdout);
  char *text = demo_scenario_text(ex), *diag = NULL;
  scenario *s = NULL;
  if (!text || scn_parse(ex->name, text, strlen(text), &s, &diag)) {
    fprintf(stderr, "isoreplay-demo: %s", diag ? diag : "out of memory\n");
    free(text);
    free(diag);
    return -1;
  }
  free(text);
  run_opts o = {0, ISOREPLAY_FLAVOR_NAME};
  report *r = run_scenario(s, &o);
  if (!r) {
    scn_free(s);
    return -1;
  }
  for (int i = 0; i < s->nsteps; i++) {
    const scn_step *st = &s->steps[i];
    const rep_step *rs = &r->steps[i];
    char label[256];
    printf("  %2d %s\n", i + 1, report_step_label(st, label, sizeof label));
    if (!rs->started) {
      printf("     -> not reached\n");
      continue;
    }
    print_violations(r, i + 1);
    if (!rs->ended) {
      printf("     -> V8 never returned\n");
      continue;
    }
    printf("     -> real=%s ideal=%s%s", rs->real, rs->ideal, rs->executed ? "" : " (V8 not called)");
    if (rs->run == V8P_RUN_VALUE) printf(" => \"%s\"", rs->text);
    if (rs->run == V8P_RUN_THREW) printf(" => throws \"%s\"", rs->text);
    if (rs->run == V8P_RUN_TERMINATED) printf(" => terminated");
    printf("\n");
    if (rs->note && *rs->note && st->op != CK_CHECK_CURRENT) printf("     note: %s\n", rs->note);
  }
  for (int i = 0; i < r->nv; i++)
    if (r->v[i].step > s->nsteps)
      printf("       (end) %s[%s]: %s\n", ck_severity_name(ck_code_severity(r->v[i].code)),
             ck_code_name(r->v[i].code), r->v[i].message);
  printf("  replay finished: %d violation%s\n", r->nv, r->nv == 1 ? "" : "s");
  print_ending(r);
  report_free(r);
  scn_free(s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < DEMO_EXAMPLE_COUNT; i++)
      printf("%-26s %-22s %s\n", DEMO_EXAMPLES[i].name, DEMO_EXAMPLES[i].shows, DEMO_EXAMPLES[i].story);
    return 0;
  }
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: isoreplay-demo [--list | NAME...]\n"
           "Replays each example against real V8 in a child process and shows, per step, the\n"
           "checker's verdict beside the real and ideal current isolate, then how V8 ended.\n");
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    if (!find(argv[i])) {
      fprintf(stderr, "isoreplay-demo: no example named '%s' (see --list)\n", argv[i]);
      return 2;
    }
  }
  printf("isoreplay demo: V8 10.2; every example replayed in its own child process\n");
  int failed = 0;
  if (argc > 1)
    for (int i = 1; i < argc; i++) failed |= run_example(find(argv[i]));
  else
    for (int i = 0; i < DEMO_EXAMPLE_COUNT; i++) failed |= run_example(&DEMO_EXAMPLES[i]);
  return failed ? 3 : 0;
}
