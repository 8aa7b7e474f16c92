/* checker_state.c — the checker's state: creation, thread slots, tasks, isolate
 * lifetimes, handles and sync objects, names and queries. The transitions are in
 * checker.c, checker_lock.c and checker_handle.c. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker_state.h"
#include "vec.h"

ck_checker *ck_new(ck_model model) {
  ck_checker *ck = calloc(1, sizeof *ck);
  if (!ck) return NULL;
  ck->model = model;
  if (vec_grow(&ck->isos, &ck->isos_cap, 1, sizeof(ciso))) {
    free(ck);
    return NULL;
  }
  ck->nisos = 1;
  return ck;
}

void ck_free(ck_checker *ck) {
  if (!ck) return;
  for (int t = 0; t < ck->nslots; t++) {
    free(slot(ck, t)->stack);
    free(slot(ck, t)->runs);
  }
  for (int c = 0; c < CK_CHUNKS; c++) free(ck->chunks[c]);
  for (size_t i = 0; i < ck->nserials; i++) free(ck->names[i]);
  for (size_t i = 1; i < ck->nisos; i++) {
    free(ck->isos[i].name);
    free(ck->isos[i].pt);
    free(ck->isos[i].told);
  }
  for (size_t i = 1; i < ck->nhandles; i++) free(ck->handles[i].name);
  for (int k = 0; k < 3; k++) strmap_free(&ck->sync_by_name[k]);
  for (size_t i = 1; i < ck->nsyncs; i++) free(ck->syncs[i].name);
  free(ck->handles);
  free(ck->syncs);
  for (size_t i = 0; i < ck->ntasks; i++) free(ck->tasks[i].name);
  free(ck->names);
  free(ck->slot_of);
  free(ck->free_slots);
  free(ck->isos);
  free(ck->tasks);
  free(ck->v);
  free(ck);
}

/* A slot for a new thread: a released one, or the next unused (its chunk allocated). */
static int take_slot(ck_checker *ck) {
  if (ck->nfree) return ck->free_slots[--ck->nfree];
  if (ck->nslots >= CK_MAX_THREADS) return -1;
  int t = ck->nslots;
  cthread **chunk = &ck->chunks[t / CK_CHUNK];
  if (!*chunk && !(*chunk = calloc(CK_CHUNK, sizeof **chunk))) return -1;
  ck->nslots++;
  return t;
}

int ck_add_thread(ck_checker *ck, const char *name) {
  size_t serial = ck->nserials;
  if (vec_grow(&ck->names, &ck->names_cap, serial + 1, sizeof *ck->names) ||
      vec_grow(&ck->slot_of, &ck->slot_of_cap, serial + 1, sizeof *ck->slot_of) ||
      !(ck->names[serial] = strdup(name)))
    return -1;
  int t = take_slot(ck);
  if (t < 0) {
    free(ck->names[serial]);
    return -1;
  }
  cthread *th = slot(ck, t);
  entry *stack = th->stack;
  open_run *runs = th->runs;
  size_t cap = th->cap, runs_cap = th->runs_cap;
  *th = (cthread){.name = ck->names[serial], .serial = (int)serial, .stack = stack, .cap = cap,
                  .runs = runs, .runs_cap = runs_cap};
  ck->slot_of[serial] = t;
  ck->nserials++;
  return t;
}

int ck_release_thread(ck_checker *ck, int t) {
  if (!valid_thread(ck, t)) return 0;
  cthread *th = slot(ck, t);
  if (th->depth || th->locks_held || th->mutexes_held || th->open_unlockers || th->nruns || th->waiting != WAIT_NONE)
    return 0;  /* kept: its entries, Lockers and mutexes still count */
  if (vec_grow(&ck->free_slots, &ck->free_cap, ck->nfree + 1, sizeof *ck->free_slots)) return 0;
  ck->slot_of[th->serial] = -1;
  ck->free_slots[ck->nfree++] = t;
  return 1;
}

int ck_add_task(ck_checker *ck, const char *name) {
  if (vec_grow(&ck->tasks, &ck->tasks_cap, ck->ntasks + 1, sizeof(ctask))) return -1;
  ctask *k = &ck->tasks[ck->ntasks];
  if (!(k->name = strdup(name))) return -1;
  k->last_serial = -1;
  return (int)ck->ntasks++;
}

int ck_add_isolate(ck_checker *ck, const char *name) {
  if (vec_grow(&ck->isos, &ck->isos_cap, ck->nisos + 1, sizeof(ciso))) return -1;
  ciso *x = &ck->isos[ck->nisos];
  *x = (ciso){.state = ISO_NASCENT, .lock_owner = -1, .last_user = -1, .disposer = -1};
  if (!(x->name = strdup(name))) return -1;
  return (int)ck->nisos++;
}

int ck_add_handle(ck_checker *ck, const char *name, int isolate, int persistent) {
  if (!ck->nhandles) ck->nhandles = 1;  /* id 0 is "none" */
  if (vec_grow(&ck->handles, &ck->handles_cap, ck->nhandles + 1, sizeof(chandle))) return -1;
  chandle *h = &ck->handles[ck->nhandles];
  *h = (chandle){.iso = isolate, .persistent = persistent, .state = HANDLE_LIVE};
  if (!(h->name = strdup(name))) return -1;
  return (int)ck->nhandles++;
}

int ck_sync_id(ck_checker *ck, ck_sync_kind kind, const char *name) {
  strmap *m = &ck->sync_by_name[kind];
  int id;
  if (strmap_get(m, name, strlen(name), &id)) return id;
  if (!ck->nsyncs) ck->nsyncs = 1;
  if (vec_grow(&ck->syncs, &ck->syncs_cap, ck->nsyncs + 1, sizeof(csync))) return -1;
  csync *o = &ck->syncs[ck->nsyncs];
  *o = (csync){.kind = kind, .owner = -1};
  if (!(o->name = strdup(name))) return -1;
  id = (int)ck->nsyncs;
  if (strmap_put(m, o->name, strlen(o->name), id)) {
    free(o->name);
    return -1;
  }
  ck->nsyncs++;
  return id;
}

const char *ck_thread_name(const ck_checker *ck, int t) {
  return valid_thread(ck, t) ? slot(ck, t)->name : "?";
}
const char *ck_serial_name(const ck_checker *ck, int serial) {
  return serial >= 0 && (size_t)serial < ck->nserials ? ck->names[serial] : "?";
}
const char *ck_task_name(const ck_checker *ck, int k) {
  return k >= 0 && (size_t)k < ck->ntasks ? ck->tasks[k].name : "";
}
const char *ck_isolate_name(const ck_checker *ck, int i) {
  if (i == CK_NONE) return "none";
  return valid_iso(ck, i) ? ck->isos[i].name : "an unknown isolate";
}
int ck_would_use_freed(const ck_checker *ck, const ck_event *ev) {
  if (ev->op == CK_NEW || !valid_iso(ck, ev->isolate) || ck->isos[ev->isolate].state != ISO_DISPOSED) return 0;
  if (ck->model == CK_MODEL_RUSTY_V8) {
    switch (ev->op) {  /* the thread-safe IsolateHandle checks the isolate is alive */
      case CK_TERMINATE: case CK_CANCEL_TERMINATE: case CK_INTERRUPT: case CK_IS_TERMINATING: return 0;
      default: break;
    }
  }
  return 1;
}

int ck_waiting(const ck_checker *ck, int t) { return valid_thread(ck, t) && slot(ck, t)->waiting != WAIT_NONE; }
int ck_gc_collected(const ck_checker *ck, int t) { return valid_thread(ck, t) ? slot(ck, t)->gc_collected : 0; }

const char *ck_where(int line, int step, char *buf, size_t n) {
  if (line > 0) snprintf(buf, n, " at line %d", line);
  else if (step > 0) snprintf(buf, n, " at step %d", step);
  else snprintf(buf, n, "%s", "");
  return buf;
}
int ck_lock_owner(const ck_checker *ck, int i) {
  return valid_iso(ck, i) ? ck->isos[i].lock_owner : -1;
}
int ck_ideal_current(const ck_checker *ck, int t) {
  const cthread *th = slot(ck, t);
  return th->depth ? th->stack[th->depth - 1].iso : CK_NONE;
}
int ck_thread_diverging(const ck_checker *ck, int t) { return slot(ck, t)->diverging; }
int ck_failed(const ck_checker *ck) { return ck->failed; }
size_t ck_violation_count(const ck_checker *ck) { return ck->nv; }
const ck_violation *ck_violation_at(const ck_checker *ck, size_t i) {
  return i < ck->nv ? &ck->v[i] : NULL;
}

per_thread *ck_pt_of(ck_checker *ck, ciso *x, int t) {
  if (vec_grow(&x->pt, &x->pt_cap, (size_t)t + 1, sizeof(per_thread))) {
    ck->failed = 1;
    return NULL;
  }
  return &x->pt[t];
}

int ck_pt_get(const ciso *x, int t, size_t field) {
  if ((size_t)t >= x->pt_cap) return 0;
  return *(const int *)((const char *)&x->pt[t] + field);
}
