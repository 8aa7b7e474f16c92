/* rec_ring.h — how the preloaded library hands a program's V8 calls to the command: a
 * ring of fixed-size events in memory both map shared (a memfd: no file system, no page
 * faults once mapped). The library only appends (a
 * thread claims the next sequence number with one atomic add, writes its event and marks
 * it ready); the command's reader (ring_feed.c) takes the events in sequence order and
 * feeds the checker. The order of the sequence numbers is the one global order of the
 * calls: a Locker's event is claimed once the lock is held, its release's before the
 * unlock, so the order agrees with the program's own synchronisation.
 *
 * A full ring makes the program's threads sleep (a futex on `progress`) until the
 * reader has moved on (nothing is dropped), unless the reader is gone. What a crashing program had made ready is still in the ring. */
#ifndef ISOREPLAY_REC_RING_H
#define ISOREPLAY_REC_RING_H

#include <stdint.h>

#define REC_ENV_RING "ISOREPLAY_RECORD_RING"  /* the ring: a memfd the program inherits, its number */
#define REC_RING_SLOTS (1u << 14)             /* 1 MiB of events: a power of two that stays in
                                                 the caches (4 MiB made each event a miss) */

/* What an event says. */
enum rec_ev_kind {
  REC_EV_THREAD = 1, /* a thread's first call: tid, name */
  REC_EV_CALL,       /* a call: call (enum rec_ev_call), a, b, caller */
  REC_EV_OBSERVE,    /* Isolate::GetCurrent() after the thread's previous call: a */
  REC_EV_THREAD_END, /* the thread ends */
  REC_EV_EXIT        /* the process exits: what follows is not the program's */
};

/* The calls, and how each feeds the checker (ring_feed.c). */
enum rec_ev_call {
  REC_EV_NEW = 1,            /* a: the isolate; Isolate::New */
  REC_EV_INITIALIZE,         /* a: the isolate; Isolate::Allocate + Initialize */
  REC_EV_DISPOSE,            /* a: the isolate */
  REC_EV_DEINITIALIZE,       /* a: the isolate (V8 13+) */
  REC_EV_ENTER,              /* a: the isolate (V8 makes it current: no observation needed) */
  REC_EV_EXIT_ISOLATE,       /* a: the isolate, b: Isolate::GetCurrent() after it */
  REC_EV_TERMINATE,          /* a: the isolate */
  REC_EV_CANCEL_TERMINATE,
  REC_EV_INTERRUPT,
  REC_EV_LOW_MEMORY,
  REC_EV_CONTEXT_NEW,
  REC_EV_LOCKED,             /* a: the Locker, b: the isolate; the lock is held */
  REC_EV_LOCKER_END,         /* a: the Locker; before the unlock */
  REC_EV_UNLOCKER,           /* a: the Unlocker, b: the isolate; before the unlock */
  REC_EV_RELOCKED,           /* a: the Unlocker; relocked */
  REC_EV_RUN,                /* a: the isolate (the context's) */
  REC_EV_RUN_DONE,           /* a: the isolate */
  REC_EV_SNAPSHOT_OWNS,      /* a: the isolate, b: 1 while a SnapshotCreator owns it, 0 after */
  REC_EV_GLOBAL,             /* a: the isolate, b: the new handle's slot; after the call */
  REC_EV_GLOBAL_COPY,        /* a: the slot copied, b: the new slot; after the call */
  REC_EV_GLOBAL_RESET,       /* a: the slot; before the call */
  REC_EV_CALLS
};

typedef struct rec_event {
  uint64_t ready;      /* the event's sequence number + 1, stored last (release) */
  uint16_t kind;       /* enum rec_ev_kind */
  uint16_t call;       /* enum rec_ev_call */
  int32_t tid;
  uint64_t a, b;
  uint64_t caller;     /* the program's return address into the V8 call */
  char name[24];       /* REC_EV_THREAD: the OS thread name */
} rec_event;

typedef struct rec_ring {
  uint64_t head;       /* the next sequence number to claim (atomic) */
  uint64_t reader;     /* the reader's pid: a full ring waits only while it lives */
  uint64_t lost;       /* events dropped because the reader was gone */
  char pad1[40];
  uint64_t tail;       /* the next sequence number the reader takes (atomic) */
  uint32_t progress;   /* a futex: bumped by the reader each time it moves the tail */
  uint32_t waiters;    /* threads asleep on progress (a full ring): the reader wakes them */
  char pad2[48];
  rec_event slots[REC_RING_SLOTS];
} rec_ring;

_Static_assert(sizeof(rec_event) == 64, "an event is one cache line");

#endif
