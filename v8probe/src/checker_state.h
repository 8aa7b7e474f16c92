/* checker_state.h — the checker's state, shared by checker_state.c (creation, names,
 * queries) and checker.c (the transitions). Private to v8probe/src. */
#ifndef ISOREPLAY_CHECKER_STATE_H
#define ISOREPLAY_CHECKER_STATE_H

#include <stddef.h>

#include "checker.h"

typedef struct entry { int iso, task; } entry;

typedef struct cthread {
  char *name;
  entry *stack;
  int depth, cap;
  int diverging;       /* inside a tls-divergence episode */
  int waiting_iso;     /* CK_NONE, or the isolate whose Locker it waits for */
  int waiting_depth;   /* Locker depth it gets once acquired */
  int waiting_step;
  int deadlock_raised;
  int ended;
} cthread;

typedef struct per_thread {
  int entered;         /* entries of this isolate on that thread's ideal stack */
  int running;         /* runs in progress */
  int in_unlocker;
  int unlocker_depth;  /* Locker depth saved by the Unlocker */
} per_thread;

enum { ISO_NASCENT, ISO_LIVE, ISO_DISPOSED };

typedef struct ciso {
  char *name;
  int state;
  int lock_owner, lock_depth, ever_locked;
  int last_user, last_use_locked;
  int entered_total, running_total;
  per_thread *pt;
  int pt_cap;
} ciso;

typedef struct ctask { char *name; int last_thread; } ctask;

struct ck_checker {
  ck_model model;
  cthread **threads;   /* fixed CK_MAX_THREADS slots: never moved, see checker.h */
  int nthreads;
  ciso *isos;          /* index = isolate id; 0 unused */
  int nisos, isos_cap;
  ctask *tasks;
  int ntasks, tasks_cap;
  ck_violation *v;
  size_t nv, vcap;
};

static inline int valid_thread(const ck_checker *ck, int t) { return t >= 0 && t < ck->nthreads; }
static inline int valid_iso(const ck_checker *ck, int i) { return i >= 1 && i < ck->nisos; }

/* Grows *p (cap elements of size bytes, zero-filled) to hold need; -1 on out of memory. */
int ck_grow(void **p, int *cap, int need, size_t size);
/* The (isolate, thread) record, grown on demand; NULL only on out of memory. */
per_thread *ck_pt_of(ciso *x, int t);
/* A per_thread field of thread t (0 when the record does not exist yet). */
int ck_pt_get(const ciso *x, int t, size_t field);
#define PT(x, t, f) ck_pt_get((x), (t), offsetof(per_thread, f))

#endif
