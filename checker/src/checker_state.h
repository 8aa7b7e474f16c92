/* checker_state.h — the checker's state and the helpers its transition files share:
 * checker_state.c (creation, names, thread slots, registration, queries), checker.c (the
 * dispatch, entries, uses, dispose, the end), checker_lock.c (Lockers, Unlockers, waits
 * and deadlocks), checker_handle.c (handles). Private to checker/src. */
#ifndef ISOREPLAY_CHECKER_STATE_H
#define ISOREPLAY_CHECKER_STATE_H

#include <stddef.h>

#include "checker.h"
#include "strmap.h"

/* An entry on a thread's ideal stack: the isolate, the task that entered it (-1: none),
 * and the step of the `await` that suspended that task with it entered (0: none). */
typedef struct entry { int iso, task, suspended; } entry;

/* A run (or a gc with a block) on a thread's stack, and the Locker depth it runs under. */
typedef struct open_run { int iso, lock_depth; } open_run;

/* What a thread waits for (ck_waiting): a Locker, a mutex, a message, a thread's end. */
typedef enum wait_kind { WAIT_NONE, WAIT_LOCKER, WAIT_MUTEX, WAIT_CHANNEL, WAIT_JOIN } wait_kind;

/* A thread's slot. A thread that ended cleanly (nothing entered, locked, unlocked,
 * running or awaited) gives its slot back with ck_release_thread(); the next thread
 * reuses it. */
typedef struct cthread {
  const char *name;    /* owned by ck->names (it outlives the slot) */
  int serial;          /* unique per thread ever registered: ck->names[serial] */
  entry *stack;
  size_t depth, cap;
  int diverging;       /* inside a tls-divergence episode */
  int nsuspended;      /* entries left entered by a suspended task */
  wait_kind waiting;   /* WAIT_NONE, or what it waits for: */
  int wait_obj;        /*   the isolate (Locker) or the sync object */
  int waiting_depth;   /* Locker depth it gets once acquired */
  int waiting_step;
  long wait_seq;       /* order of waits: the longest waiter is served first */
  int deadlock_raised;
  int ended;
  int locks_held;      /* isolates whose Locker this thread holds */
  int mutexes_held;    /* the embedder's mutexes it holds */
  int open_unlockers;  /* Unlockers opened and not yet closed */
  open_run *runs;      /* runs started and not yet done, innermost last */
  size_t nruns, runs_cap;
  int gc_collected;    /* weak handles its latest gc collected */
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
  int disposer;        /* the serial of the thread that disposed it, or -1 */
  int dispose_step, dispose_line;
  int *told;           /* serials already told use-after-dispose (once per thread) */
  size_t ntold, told_cap;
} ciso;

enum { HANDLE_LIVE, HANDLE_WEAK, HANDLE_RESET };

typedef struct chandle {
  char *name;
  int iso;
  int persistent;
  int state;
} chandle;

typedef struct csync {
  char *name;
  ck_sync_kind kind;
  int owner;           /* mutex: the slot holding it, or -1 */
  long messages;       /* channel: sent and not yet received */
  int ended;           /* thread: it has ended */
} csync;

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
  chandle *handles;     /* index = handle id; 0 unused */
  size_t nhandles, handles_cap;
  csync *syncs;         /* index = sync id; 0 unused */
  size_t nsyncs, syncs_cap;
  strmap sync_by_name[3];  /* by ck_sync_kind: name -> sync id */
  long wait_seq;
  ctask *tasks;
  size_t ntasks, tasks_cap;
  ck_violation *v;
  size_t nv, vcap;
  int failed;           /* out of memory: a verdict may be missing */
};

static inline cthread *slot(const ck_checker *ck, int t) { return &ck->chunks[t / CK_CHUNK][t % CK_CHUNK]; }
static inline int valid_thread(const ck_checker *ck, int t) { return t >= 0 && t < ck->nslots; }
static inline int valid_iso(const ck_checker *ck, int i) { return i >= 1 && (size_t)i < ck->nisos; }
static inline int valid_handle(const ck_checker *ck, int h) { return h >= 1 && (size_t)h < ck->nhandles; }
static inline int valid_sync(const ck_checker *ck, int o) { return o >= 1 && (size_t)o < ck->nsyncs; }

/* The (isolate, slot) record, grown on demand; NULL only on out of memory (ck->failed). */
per_thread *ck_pt_of(ck_checker *ck, ciso *x, int t);
/* A per_thread field of slot t (0 when the record does not exist yet). */
int ck_pt_get(const ciso *x, int t, size_t field);
#define PT(x, t, f) ck_pt_get((x), (t), offsetof(per_thread, f))
/* The name of a thread serial. */
const char *ck_serial_name(const ck_checker *ck, int serial);
/* " at line N" (or " at step N") for a step, into buf. */
const char *ck_where(int line, int step, char *buf, size_t n);

/* checker.c: appends a violation of `code` for the event (printf-formatted message). */
void ck_flag(ck_checker *ck, ck_code code, const ck_event *ev, int iso, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The thread's entry stack as "[A, B]" into buf. */
const char *ck_stack_str(const ck_checker *ck, int t, char *buf, size_t n);

/* checker_lock.c */
void ck_request_lock(ck_checker *ck, const ck_event *ev, ciso *x, int depth);
void ck_take_lock(ck_checker *ck, ciso *x, int t, int depth);
void ck_drop_lock(ck_checker *ck, ciso *x);
void ck_on_unlock(ck_checker *ck, const ck_event *ev, ciso *x);
void ck_on_unlocker(ck_checker *ck, const ck_event *ev, ciso *x);
void ck_on_relock(ck_checker *ck, const ck_event *ev, ciso *x);
/* spawn, join, send, recv, acquire, release. */
void ck_on_sync(ck_checker *ck, const ck_event *ev);
/* Thread t has ended: whoever joins it goes on. */
void ck_thread_gone(ck_checker *ck, int t);
/* deadlock for every thread still waiting (the end of the scenario). */
void ck_deadlocks_at_end(ck_checker *ck);

/* checker_handle.c: global, persistent, open, reset, weak on a live isolate (the caller
 * has applied the thread and Locker rules); the gc's effect on weak handles. */
void ck_on_handle(ck_checker *ck, const ck_event *ev, ciso *x);
/* A handle op on a disposed isolate: global-after-dispose, or nothing (rusty_v8 reset).
 * Returns 1 when it handled the event. */
int ck_handle_after_dispose(ck_checker *ck, const ck_event *ev, ciso *x);
void ck_gc_collects(ck_checker *ck, const ck_event *ev);
/* leaked-global for every global never reset whose isolate was disposed. */
void ck_leaked_globals(ck_checker *ck, int step);

#endif
