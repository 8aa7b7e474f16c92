/* checker_state.c — the checker's state: creation, registration of threads, tasks and
 * isolate lifetimes, names and queries. The transitions are in checker.c. */
#include <stdlib.h>
#include <string.h>

#include "checker_state.h"

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int ck_grow(void **p, int *cap, int need, size_t size) {
  if (need <= *cap) return 0;
  int n = *cap ? *cap : 8;
  while (n < need) n *= 2;
  void *q = realloc(*p, (size_t)n * size);
  if (!q) return -1;
  memset((char *)q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
  *p = q;
  *cap = n;
  return 0;
}

ck_checker *ck_new(ck_model model) {
  ck_checker *ck = calloc(1, sizeof *ck);
  if (!ck) return NULL;
  ck->model = model;
  ck->threads = calloc(CK_MAX_THREADS, sizeof *ck->threads);
  if (!ck->threads || ck_grow((void **)&ck->isos, &ck->isos_cap, 1, sizeof(ciso))) {
    ck_free(ck);
    return NULL;
  }
  ck->nisos = 1;
  return ck;
}

void ck_free(ck_checker *ck) {
  if (!ck) return;
  for (int i = 0; i < ck->nthreads; i++) {
    free(ck->threads[i]->name);
    free(ck->threads[i]->stack);
    free(ck->threads[i]);
  }
  for (int i = 1; i < ck->nisos; i++) {
    free(ck->isos[i].name);
    free(ck->isos[i].pt);
  }
  for (int i = 0; i < ck->ntasks; i++) free(ck->tasks[i].name);
  free(ck->threads);
  free(ck->isos);
  free(ck->tasks);
  free(ck->v);
  free(ck);
}

ck_model ck_get_model(const ck_checker *ck) { return ck->model; }

int ck_add_thread(ck_checker *ck, const char *name) {
  if (ck->nthreads >= CK_MAX_THREADS) return -1;
  cthread *t = calloc(1, sizeof *t);
  if (!t || !(t->name = dupstr(name))) {
    free(t);
    return -1;
  }
  t->waiting_iso = CK_NONE;
  ck->threads[ck->nthreads] = t;
  return ck->nthreads++;
}

int ck_add_task(ck_checker *ck, const char *name) {
  if (ck_grow((void **)&ck->tasks, &ck->tasks_cap, ck->ntasks + 1, sizeof(ctask))) return -1;
  ctask *k = &ck->tasks[ck->ntasks];
  if (!(k->name = dupstr(name))) return -1;
  k->last_thread = -1;
  return ck->ntasks++;
}

int ck_add_isolate(ck_checker *ck, const char *name) {
  if (ck_grow((void **)&ck->isos, &ck->isos_cap, ck->nisos + 1, sizeof(ciso))) return -1;
  ciso *x = &ck->isos[ck->nisos];
  memset(x, 0, sizeof *x);
  if (!(x->name = dupstr(name))) return -1;
  x->state = ISO_NASCENT;
  x->lock_owner = -1;
  x->last_user = -1;
  return ck->nisos++;
}


const char *ck_thread_name(const ck_checker *ck, int t) {
  return valid_thread(ck, t) ? ck->threads[t]->name : "?";
}
const char *ck_task_name(const ck_checker *ck, int k) {
  return k >= 0 && k < ck->ntasks ? ck->tasks[k].name : "";
}
const char *ck_isolate_name(const ck_checker *ck, int i) {
  if (i == CK_NONE) return "none";
  return valid_iso(ck, i) ? ck->isos[i].name : "an unknown isolate";
}
int ck_isolate_count(const ck_checker *ck) { return ck->nisos - 1; }
int ck_isolate_alive(const ck_checker *ck, int i) {
  return valid_iso(ck, i) && ck->isos[i].state == ISO_LIVE;
}
int ck_would_use_freed(const ck_checker *ck, const ck_event *ev) {
  return ev->op != CK_NEW && valid_iso(ck, ev->isolate) &&
         ck->isos[ev->isolate].state == ISO_DISPOSED;
}
int ck_lock_owner(const ck_checker *ck, int i) {
  return valid_iso(ck, i) ? ck->isos[i].lock_owner : -1;
}
int ck_ideal_current(const ck_checker *ck, int t) {
  const cthread *th = ck->threads[t];
  return th->depth ? th->stack[th->depth - 1].iso : CK_NONE;
}
int ck_thread_diverging(const ck_checker *ck, int t) { return ck->threads[t]->diverging; }
int ck_entry_depth(const ck_checker *ck, int t) { return ck->threads[t]->depth; }
size_t ck_violation_count(const ck_checker *ck) { return ck->nv; }
const ck_violation *ck_violation_at(const ck_checker *ck, size_t i) {
  return i < ck->nv ? &ck->v[i] : NULL;
}

per_thread *ck_pt_of(ciso *x, int t) {
  if (ck_grow((void **)&x->pt, &x->pt_cap, t + 1, sizeof(per_thread))) return NULL;
  return &x->pt[t];
}

int ck_pt_get(const ciso *x, int t, size_t field) {
  if (t >= x->pt_cap) return 0;
  return *(const int *)((const char *)&x->pt[t] + field);
}
