/* canary.c — deliberate bugs the sanitizer builds must still report under the options
 * and suppressions isoreplay uses (test-only; registered for the matching preset):
 *   canary tsan-race  a data race whose first stack passes through V8 (an interrupt
 *                     callback): `race:libnode.so.108` would hide it, our rules must not
 *   canary asan-uaf   a heap-use-after-free in harness-style code */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"
#include "v8probe.h"

static int shared;              /* written by both sides with no happens-before */
static atomic_int hook_ran;     /* relaxed only: TSan sees no order through it */

static void hook(void *ud) {
  (void)ud;
  shared = 1;
  atomic_store_explicit(&hook_ran, 1, memory_order_relaxed);
}

static void *other(void *ud) {
  (void)ud;
  while (!atomic_load_explicit(&hook_ran, memory_order_relaxed)) {
  }
  shared = 2;
  return NULL;
}

static int call(v8p_session *s, ck_op op, int iso, const char *name, const char *js) {
  v8p_call c = {op, iso, name, 1, -1, js, NULL, 0};
  v8p_result r;
  v8p_do(s, &c, &r);
  v8p_result_clear(&r);
  return r.isolate;
}

static int tsan_race(void) {
  iso_err err;
  v8p_session *s;
  if (v8p_init(NULL, &err) || v8p_session_new(NULL, &s, &err) || v8p_thread_attach(s, "main", NULL, &err)) {
    fprintf(stderr, "canary: %s\n", err.msg);
    return 3;
  }
  pthread_t t;
  pthread_create(&t, NULL, other, NULL);
  v8p_set_interrupt_hook(hook, NULL);
  int a = call(s, CK_NEW, 0, "A", NULL);
  call(s, CK_ENTER, a, NULL, NULL);
  call(s, CK_INTERRUPT, a, NULL, NULL);
  call(s, CK_RUN, a, NULL, "let i = 0; while (i < 1e7) i++; i");
  pthread_join(t, NULL);
  printf("canary: shared=%d\n", shared);
  return 0;
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"  /* the use after free is the point */
#endif
static int asan_uaf(void) {
  char *p = malloc(16);
  strcpy(p, "isolate");
  free(p);
  volatile char c = p[1];  /* the deliberate use after free */
  printf("canary: read %d\n", c);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "tsan-race")) return tsan_race();
  if (argc == 2 && !strcmp(argv[1], "asan-uaf")) return asan_uaf();
  fprintf(stderr, "usage: canary tsan-race|asan-uaf\n");
  return 2;
}
