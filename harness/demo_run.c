/* demo_run.c — runs one demo example in this process: one OS thread per example thread,
 * a baton passing the steps in file order, every step through v8probe, and a line per
 * step with the verdict, the real and ideal current isolate, and the script result.
 * (The full scheduler with tasks, blocking Lockers and timeouts is harness/ proper.) */
#define _POSIX_C_SOURCE 200809L
#include "demo_run.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "v8probe.h"

enum { MAX_THREADS = 16, MAX_NAMES = 32 };

typedef struct runner {
  const demo_example *ex;
  v8p_session *s;
  int nsteps;
  int turn;                 /* index of the step allowed to start */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  const char *iso_names[MAX_NAMES];
  int iso_ids[MAX_NAMES];
  int niso;
  const char *task_names[MAX_NAMES];
  int task_ids[MAX_NAMES];
  int ntask;
} runner;

typedef struct thread_arg {
  runner *r;
  char name[32];
} thread_arg;

/* Splits "w1/t1" into thread and task names. */
static void split(const char *who, char *thread, size_t n, const char **task) {
  const char *slash = strchr(who, '/');
  size_t len = slash ? (size_t)(slash - who) : strlen(who);
  if (len >= n) len = n - 1;
  memcpy(thread, who, len);
  thread[len] = '\0';
  *task = slash ? slash + 1 : NULL;
}

/* The id of a name in a small table (caller holds r->mu). */
static int lookup(const char **names, const int *ids, int n, const char *name) {
  for (int i = n - 1; i >= 0; i--)
    if (strcmp(names[i], name) == 0) return ids[i];
  return CK_NONE;
}

static const char *current_name(ck_checker *ck, int id) {
  return id == CK_UNKNOWN ? "unknown" : ck_isolate_name(ck, id);
}

static void print_violations(const ck_violation *v, size_t nv) {
  for (size_t k = 0; k < nv; k++)
    printf("       %s[%s]: %s\n", ck_severity_name(v[k].severity), ck_code_name(v[k].code),
           v[k].message);
}

/* The probe's sink: the verdict is printed when the step is recorded, before V8 is
 * called, so it is on the page even when V8 then aborts. Called under the session lock. */
static void sink(void *ud, const v8p_event *ev, const ck_violation *v, size_t nv,
                 const char *fatal) {
  runner *r = ud;
  ck_checker *ck = v8p_checker(r->s);
  if (fatal) {
    printf("       V8 fatal error: %s\n", fatal);
  } else if (!ev) {
    for (size_t k = 0; k < nv; k++)
      printf("       (end) %s[%s]: %s\n", ck_severity_name(v[k].severity),
             ck_code_name(v[k].code), v[k].message);
  } else if (!ev->done) {
    const demo_step *st = &r->ex->steps[ev->step - 1];
    printf("  %2d %-6s %-9s %s\n", ev->step, ev->op == CK_THREAD_END ? ck_thread_name(ck, ev->thread)
                                                                     : st->thread,
           ck_op_name(ev->op), ev->isolate > 0 ? ck_isolate_name(ck, ev->isolate) : "");
    print_violations(v, nv);
  } else {
    printf("     -> real=%s ideal=%s%s\n", current_name(ck, ev->real_current),
           current_name(ck, ev->ideal_current), ev->executed ? "" : " (V8 not called)");
    print_violations(v, nv);
  }
  fflush(stdout);
}

/* One step on the calling thread; the sink prints the record, this the script result. */
static void do_step(runner *r, int i) {
  const demo_step *st = &r->ex->steps[i];
  char thread[32];
  const char *task;
  split(st->thread, thread, sizeof thread, &task);
  v8p_call c = {st->op, CK_NONE, st->isolate, i + 1, -1, st->js, NULL, 0};
  pthread_mutex_lock(&r->mu);
  if (st->isolate && st->op != CK_NEW)
    c.isolate = lookup(r->iso_names, r->iso_ids, r->niso, st->isolate);
  if (task) {
    c.task = lookup(r->task_names, r->task_ids, r->ntask, task);
    if (c.task == CK_NONE && r->ntask < MAX_NAMES) {
      c.task = v8p_task(r->s, task);
      r->task_names[r->ntask] = task;
      r->task_ids[r->ntask++] = c.task;
    }
  }
  pthread_mutex_unlock(&r->mu);
  v8p_result res;
  v8p_do(r->s, &c, &res);
  if (st->op == CK_NEW) {
    pthread_mutex_lock(&r->mu);
    if (r->niso < MAX_NAMES) {
      r->iso_names[r->niso] = st->isolate;
      r->iso_ids[r->niso++] = res.isolate;
    }
    pthread_mutex_unlock(&r->mu);
  }
  if (res.run == V8P_RUN_VALUE) printf("  %2d    => \"%s\"\n", i + 1, res.text);
  if (res.run == V8P_RUN_THREW) printf("  %2d    => throws \"%s\"\n", i + 1, res.text);
  if (res.run == V8P_RUN_TERMINATED) printf("  %2d    => terminated\n", i + 1);
  if (res.message[0]) printf("  %2d    note: %s\n", i + 1, res.message);
  fflush(stdout);
  v8p_result_clear(&res);
}

static int last_step_of(const runner *r, const char *thread) {
  int last = -1;
  for (int i = 0; i < r->nsteps; i++) {
    char t[32];
    const char *task;
    split(r->ex->steps[i].thread, t, sizeof t, &task);
    if (strcmp(t, thread) == 0) last = i;
  }
  return last;
}

static void *thread_main(void *p) {
  thread_arg *a = p;
  runner *r = a->r;
  v8p_error err;
  if (v8p_thread_attach(r->s, a->name, NULL, &err) != V8P_OK) {
    fprintf(stderr, "attach %s: %s\n", a->name, err.message);
    return NULL;
  }
  int last = last_step_of(r, a->name);
  for (int i = 0; i <= last; i++) {
    char t[32];
    const char *task;
    split(r->ex->steps[i].thread, t, sizeof t, &task);
    if (strcmp(t, a->name) != 0) continue;
    pthread_mutex_lock(&r->mu);
    while (r->turn != i) pthread_cond_wait(&r->cv, &r->mu);
    int bg = r->ex->steps[i].background;
    if (bg) r->turn = i + 1;  /* `&`: the next step may start now */
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    do_step(r, i);
    if (i == last && r->ex->steps[i].op != CK_THREAD_END) {
      v8p_call end = {CK_THREAD_END, CK_NONE, NULL, i + 1, -1, NULL, NULL, 0};
      v8p_do(r->s, &end, NULL);
    }
    if (!bg) {
      pthread_mutex_lock(&r->mu);
      r->turn = i + 1;
      pthread_cond_broadcast(&r->cv);
      pthread_mutex_unlock(&r->mu);
    }
  }
  v8p_thread_detach(r->s);
  return NULL;
}

int demo_run(const demo_example *ex) {
  v8p_error err;
  if (v8p_init(NULL, &err) != V8P_OK) {
    fprintf(stderr, "isoreplay-demo: %s\n", err.message);
    return 3;
  }
  runner r;
  memset(&r, 0, sizeof r);
  v8p_options opt = {ex->model, 0, V8P_FATAL_ABORT, sink, &r};
  r.ex = ex;
  pthread_mutex_init(&r.mu, NULL);
  pthread_cond_init(&r.cv, NULL);
  while (r.nsteps < DEMO_MAX_STEPS && ex->steps[r.nsteps].thread) r.nsteps++;
  if (v8p_session_new(&opt, &r.s, &err) != V8P_OK) {
    fprintf(stderr, "isoreplay-demo: %s\n", err.message);
    return 3;
  }
  thread_arg args[MAX_THREADS];
  pthread_t tids[MAX_THREADS];
  int n = 0;
  for (int i = 0; i < r.nsteps && n < MAX_THREADS; i++) {
    char t[32];
    const char *task;
    split(ex->steps[i].thread, t, sizeof t, &task);
    int seen = 0;
    for (int k = 0; k < n; k++) seen |= strcmp(args[k].name, t) == 0;
    if (seen) continue;
    args[n].r = &r;
    snprintf(args[n].name, sizeof args[n].name, "%s", t);
    n++;
  }
  for (int k = 0; k < n; k++) pthread_create(&tids[k], NULL, thread_main, &args[k]);
  for (int k = 0; k < n; k++) pthread_join(tids[k], NULL);
  v8p_end(r.s, r.nsteps + 1);
  size_t total = ck_violation_count(v8p_checker(r.s));
  printf("  replay finished: %zu violation%s\n", total, total == 1 ? "" : "s");
  fflush(stdout);
  v8p_session_free(r.s);
  return 0;
}
