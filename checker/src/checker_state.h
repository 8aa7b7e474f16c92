/* checker_state.h — the checker's state, shared by checker_state.c (creation, names,
 * thread slots, queries) and checker.c (the transitions). Private to checker/src. */
#ifndef ISOREPLAY_CHECKER_STATE_H
#define ISOREPLAY_CHECKER_STATE_H

#include <stddef.h>

#include "checker.h"

typedef struct entry { int iso, task; } entry;

/* A thread's slot. A thread that ended cleanly (nothing entered, locked, unlocked or
 * running) gives its slot back with ck_release_thread(); the next thread reuses it. */
typedef struct cthread {
  const char *name;    /* owned by ck->names (it outlives the slot) */
  int serial;          /* unique per thread ever registered: ck->names[serial] */
  entry *stack;
  size_t depth, cap;
  int diverging;       /* inside a tls-divergence episode */
  int waiting_iso;     /* CK_NONE, or the isolate whose Locker it waits for */
  int waiting_depth;   /* Locker depth it gets once acquired */
  int waiting_step;
  int deadlock_raised;
  int ended;
  int locks_held;      /* isolates whose Locker this thread holds */
  int open_unlockers;  /* Unlockers opened and not yet closed */
  int open_runs;       /* runs started and not yet done */
} cthread;

/* One isolate's view of one thread slot. Zero in every field for a slot whose thread
 * was released, so a reused slot starts clean. */
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
  int lock_owner, lock_depth, ever_locked;  /* lock_owner: a slot, or -1 */
  int last_user;       /* a thread serial, or -1 */
  int last_use_locked;
  int entered_total, running_total;
  per_thread *pt;      /* by slot */
  size_t pt_cap;
} ciso;

typedef struct ctask { char *name; int last_serial; } ctask;

/* Slots live in chunks that never move, so a thread may read its own slot without the
 * caller's lock while another thread is being registered. */
enum { CK_CHUNK = 256, CK_CHUNKS = CK_MAX_THREADS / CK_CHUNK };

struct ck_checker {
  ck_model model;
  cthread *chunks[CK_CHUNKS];
  int nslots;           /* slots ever used */
  int *free_slots;      /* released slots, reused last-in first-out */
  size_t nfree, free_cap;
  char **names;         /* by serial */
  int *slot_of;         /* by serial: its slot, or -1 once released */
  size_t nserials, names_cap, slot_of_cap;
  ciso *isos;           /* index = isolate id; 0 unused */
  size_t nisos, isos_cap;
  ctask *tasks;
  size_t ntasks, tasks_cap;
  ck_violation *v;
  size_t nv, vcap;
  int failed;           /* out of memory: a verdict may be missing */
};

static inline cthread *slot(const ck_checker *ck, int t) { return &ck->chunks[t / CK_CHUNK][t % CK_CHUNK]; }
static inline int valid_thread(const ck_checker *ck, int t) { return t >= 0 && t < ck->nslots; }
static inline int valid_iso(const ck_checker *ck, int i) { return i >= 1 && (size_t)i < ck->nisos; }

/* The (isolate, slot) record, grown on demand; NULL only on out of memory (ck->failed). */
per_thread *ck_pt_of(ck_checker *ck, ciso *x, int t);
/* A per_thread field of slot t (0 when the record does not exist yet). */
int ck_pt_get(const ciso *x, int t, size_t field);
#define PT(x, t, f) ck_pt_get((x), (t), offsetof(per_thread, f))
/* The name of a thread serial. */
const char *ck_serial_name(const ck_checker *ck, int serial);

#endif
