/* rec_log.h — what a recorded program leaves for `isoreplay record`: the log of its V8
 * calls, written by the interposer (interpose.c) inside the program, read by the command
 * after the program ends (rec_scenario.c).
 *
 * The log is a file of fixed-size records in the order the checker saw the calls (one
 * global order, taken under the interposer's lock). It is written through a shared
 * mapping, so what a crashing program had recorded is still there: the first 8 bytes
 * hold how many records are complete. */
#ifndef ISOREPLAY_REC_LOG_H
#define ISOREPLAY_REC_LOG_H

#include <stdint.h>

/* Environment between the command and the interposer. */
#define REC_ENV_LOG "ISOREPLAY_RECORD_LOG"       /* the log file, created by the command */
#define REC_ENV_REPORT "ISOREPLAY_RECORD_FD"     /* the pipe the live report goes to */
#define REC_ENV_PID "ISOREPLAY_RECORD_PID"       /* only this process records */

enum rec_kind {
  REC_THREAD = 1, /* a thread made its first V8 call: thread, tid, name */
  REC_OP,         /* one call: op (a ck_op), thread, isolate, arg */
  REC_CODE,       /* the checker raised code `arg` at the REC_OP numbered `seq` */
  REC_RUN_DONE,   /* the run open on `thread` (isolate) returned */
  REC_EXIT,       /* the process exits: what follows is the end the checker fed */
  REC_INFO        /* a fact about the process: arg is a rec_info */
};

enum rec_info {
  REC_INFO_V8_IN_EXECUTABLE = 1  /* V8 is linked into the program: calls inside it are not seen */
};

/* arg of an REC_OP: what the call was (for the scenario's comments). */
enum rec_call {
  REC_CALL_PLAIN = 0,
  REC_CALL_ALLOCATE_INITIALIZE,  /* Isolate::Allocate + Isolate::Initialize (Node's way) */
  REC_CALL_NEW,                  /* Isolate::New */
  REC_CALL_UNSEEN,               /* an isolate first seen at this call: its creation was not */
  REC_CALL_AT_EXIT               /* a thread still alive when the process exited */
};

typedef struct rec_record {
  uint16_t kind;      /* enum rec_kind */
  uint16_t op;        /* REC_OP: a ck_op */
  int32_t thread;     /* the recorder's thread number (REC_THREAD order, from 0) */
  int32_t isolate;    /* REC_OP: the isolate number (creation order, from 1) or 0 */
  int32_t arg;        /* REC_OP: enum rec_call; REC_CODE: a ck_code; REC_INFO: rec_info */
  int32_t seq;        /* REC_OP: its number (from 1); REC_CODE: the REC_OP it belongs to */
  int32_t handle;     /* REC_OP of a handle (persistent, reset): the checker's handle id */
  int64_t tid;        /* REC_THREAD: the kernel's thread id */
  char name[32];      /* REC_THREAD: the thread's scenario name (NUL-terminated) */
} rec_record;

_Static_assert(sizeof(rec_record) == 64, "a record is one cache line");

#define REC_HEADER 8  /* bytes before the first record: the count, a uint64_t */

/* The name of the isolate created n-th (from 0): A ... Z, AA, AB ... (out: 16 bytes). */
static inline void rec_isolate_label(int n, char *out) {
  char rev[16];
  int k = 0;
  do {
    rev[k++] = (char)('A' + n % 26);
    n = n / 26 - 1;
  } while (n >= 0 && k < 15);
  for (int j = 0; j < k; j++) out[j] = rev[k - 1 - j];
  out[k] = 0;
}

#endif
