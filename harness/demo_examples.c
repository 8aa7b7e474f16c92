/* demo_examples.c — the table behind demo_examples.h. */
#include "demo_examples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(t, o, i) {t, o, i, NULL, 0}
#define RUN(t, i, js) {t, CK_RUN, i, js, 0}
#define BG_RUN(t, i, js) {t, CK_RUN, i, js, 1}

const demo_example DEMO_EXAMPLES[] = {
  {"drop-order", "drop-order", CK_MODEL_RUSTY_V8,
   "two OwnedIsolates on one pool thread, the older one dropped first (rusty_v8#1628)",
   {S("w1", CK_NEW, "A"), RUN("w1", "A", "globalThis.n = 40 + 2"), S("w1", CK_NEW, "B"),
    S("main", CK_TERMINATE, "A"), S("w1", CK_DROP, "A"), S("w1", CK_DROP, "B")}},
  {"exit-order", "exit-order", CK_MODEL_V8,
   "enter A, enter B, exit A: V8 restores what A's entry remembered (none)",
   {S("main", CK_NEW, "A"), S("main", CK_NEW, "B"), S("main", CK_ENTER, "A"),
    S("main", CK_ENTER, "B"), S("main", CK_EXIT, "A"), S("main", CK_CHECK_CURRENT, NULL),
    S("main", CK_EXIT, "B"), S("main", CK_DISPOSE, "A"), S("main", CK_DISPOSE, "B"),
    S("main", CK_NEW, "C"), S("main", CK_DISPOSE, "C")}},
  {"exit-unentered", "exit-unentered", CK_MODEL_V8, "one exit too many",
   {S("main", CK_NEW, "A"), S("main", CK_ENTER, "A"), S("main", CK_EXIT, "A"),
    S("main", CK_EXIT, "A"), S("main", CK_DISPOSE, "A")}},
  {"exit-other-thread", "exit-unentered", CK_MODEL_V8,
   "T2 exits the isolate T1 entered",
   {S("T1", CK_NEW, "A"), S("T1", CK_ENTER, "A"), S("T2", CK_EXIT, "A"),
    S("T1", CK_CHECK_CURRENT, NULL), S("T1", CK_EXIT, "A"), S("T1", CK_DISPOSE, "A")}},
  {"dispose-entered", "dispose-entered", CK_MODEL_V8, "dispose while still entered",
   {S("main", CK_NEW, "A"), S("main", CK_ENTER, "A"), S("main", CK_DISPOSE, "A")}},
  {"dispose-entered-other", "dispose-entered", CK_MODEL_V8,
   "another thread disposes an isolate T1 has entered",
   {S("T1", CK_NEW, "A"), S("T1", CK_ENTER, "A"), S("T2", CK_DISPOSE, "A")}},
  {"dispose-locked", "dispose-locked", CK_MODEL_V8,
   "T2 disposes while T1 holds the Locker (T1 never unlocks)",
   {S("main", CK_NEW, "A"), S("T1", CK_LOCK, "A"), S("T1", CK_ENTER, "A"),
    RUN("T1", "A", "1"), S("T1", CK_EXIT, "A"), S("T2", CK_DISPOSE, "A"),
    S("main", CK_NEW, "B"), S("main", CK_DISPOSE, "B")}},
  {"use-after-dispose", "use-after-dispose", CK_MODEL_V8,
   "a cross-thread terminate after the owner disposed (never executed)",
   {S("T1", CK_NEW, "A"), S("T1", CK_DISPOSE, "A"), S("main", CK_TERMINATE, "A")}},
  {"not-entered", "not-entered", CK_MODEL_V8, "a context on an isolate never entered",
   {S("main", CK_NEW, "A"), S("main", CK_CONTEXT, "A"), RUN("main", "A", "1 + 1"),
    S("main", CK_DISPOSE, "A")}},
  {"unlocked-shared", "unlocked-shared", CK_MODEL_V8,
   "T2 enters and runs in an isolate T1 still has entered, no Locker",
   {S("T1", CK_NEW, "A"), S("T1", CK_ENTER, "A"), RUN("T1", "A", "globalThis.x = 1"),
    S("T2", CK_ENTER, "A"), RUN("T2", "A", "x + 1"), S("T2", CK_EXIT, "A"),
    S("T1", CK_EXIT, "A"), S("T1", CK_DISPOSE, "A")}},
  {"wrong-thread", "wrong-thread", CK_MODEL_V8,
   "created on T0, entered and run on T1 without a Locker",
   {S("T0", CK_NEW, "A"), S("T1", CK_ENTER, "A"), RUN("T1", "A", "1"), S("T1", CK_EXIT, "A"),
    S("T1", CK_DISPOSE, "A")}},
  {"wrong-thread-task", "wrong-thread", CK_MODEL_V8,
   "a task resumes on another worker while its isolate is entered on the first",
   {S("w1/t1", CK_NEW, "A"), S("w1/t1", CK_ENTER, "A"), S("w1/t1", CK_AWAIT, NULL),
    RUN("w2/t1", "A", "1"), S("w1", CK_EXIT, "A"), S("w1", CK_DISPOSE, "A")}},
  {"locking-required", "locking-required", CK_MODEL_V8,
   "T2 used A under a Locker; T1 then opens a HandleScope without one",
   {S("main", CK_NEW, "A"), S("T2", CK_LOCK, "A"), S("T2", CK_ENTER, "A"),
    S("T2", CK_CONTEXT, "A"), S("T2", CK_EXIT, "A"), S("T2", CK_UNLOCK, "A"),
    S("T1", CK_ENTER, "A"), S("T1", CK_CONTEXT, "A"), S("T1", CK_EXIT, "A")}},
  {"locker-misuse", "locker-misuse", CK_MODEL_V8, "an Unlocker while still entered",
   {S("main", CK_NEW, "A"), S("main", CK_LOCK, "A"), S("main", CK_ENTER, "A"),
    S("main", CK_UNLOCKER, "A"), S("main", CK_RELOCK, "A"), S("main", CK_EXIT, "A"),
    S("main", CK_UNLOCK, "A"), S("main", CK_DISPOSE, "A")}},
  {"unlocker-without-locker", "locker-misuse", CK_MODEL_V8, "an Unlocker with no Locker",
   {S("main", CK_NEW, "A"), S("main", CK_UNLOCKER, "A"), S("main", CK_RELOCK, "A"),
    S("main", CK_DISPOSE, "A")}},
  {"thread-exit-entered", "thread-exit-entered", CK_MODEL_V8,
   "T1 ends with A entered; main disposes A later",
   {S("T1", CK_NEW, "A"), S("T1", CK_ENTER, "A"), S("T1", CK_THREAD_END, NULL),
    S("main", CK_DISPOSE, "A")}},
  {"suspend-while-entered", "suspend-while-entered", CK_MODEL_V8,
   "task t1 awaits with A entered; task t2 runs B on the same thread meanwhile",
   {S("w1/t1", CK_NEW, "A"), S("w1/t1", CK_ENTER, "A"), S("w1/t1", CK_AWAIT, NULL),
    S("w1/t2", CK_NEW, "B"), S("w1/t2", CK_ENTER, "B"), RUN("w1/t2", "B", "'t2'"),
    S("w1/t2", CK_EXIT, "B"), S("w1/t2", CK_DISPOSE, "B"), S("w1/t1", CK_EXIT, "A"),
    S("w1/t1", CK_DISPOSE, "A")}},
  {"deadlock", "deadlock", CK_MODEL_V8, "T1 keeps A's Locker; T2 waits for it forever",
   {S("main", CK_NEW, "A"), S("T1", CK_LOCK, "A"), S("T2", CK_LOCK, "A")}},
  {"leaked-isolate", "leaked-isolate", CK_MODEL_V8, "an isolate never disposed",
   {S("main", CK_NEW, "A"), S("main", CK_NEW, "B"), S("main", CK_DISPOSE, "B")}},
  {"locker-handoff", "correct", CK_MODEL_V8,
   "created on main, used on T1 then T2 under a Locker, disposed on main",
   {S("main", CK_NEW, "A"), S("T1", CK_LOCK, "A"), S("T1", CK_ENTER, "A"),
    RUN("T1", "A", "globalThis.n = 41"), S("T1", CK_EXIT, "A"), S("T1", CK_UNLOCK, "A"),
    S("T2", CK_LOCK, "A"), S("T2", CK_ENTER, "A"), RUN("T2", "A", "n + 1"),
    S("T2", CK_EXIT, "A"), S("T2", CK_UNLOCK, "A"), S("main", CK_DISPOSE, "A")}},
  {"terminator-thread", "correct", CK_MODEL_V8,
   "T1 runs an endless loop; main terminates it without a Locker",
   {S("T1", CK_NEW, "A"), S("T1", CK_ENTER, "A"), BG_RUN("T1", "A", "for(;;){}"),
    S("main", CK_TERMINATE, "A"), S("T1", CK_WAIT, NULL), RUN("T1", "A", "'alive'"),
    S("T1", CK_EXIT, "A"), S("T1", CK_DISPOSE, "A")}},
  {"exit-after-create", "correct", CK_MODEL_RUSTY_V8,
   "two runtimes on one thread: exit after creation, enter around each use",
   {S("w1", CK_NEW, "A"), S("w1", CK_EXIT, "A"), S("w1", CK_NEW, "B"), S("w1", CK_EXIT, "B"),
    S("w1", CK_ENTER, "A"), RUN("w1", "A", "'a'"), S("w1", CK_EXIT, "A"),
    S("w1", CK_ENTER, "B"), RUN("w1", "B", "'b'"), S("w1", CK_EXIT, "B"),
    S("w1", CK_ENTER, "A"), S("w1", CK_DROP, "A"), S("w1", CK_ENTER, "B"),
    S("w1", CK_DROP, "B")}},
};

const int DEMO_EXAMPLE_COUNT = (int)(sizeof DEMO_EXAMPLES / sizeof DEMO_EXAMPLES[0]);

/* Appends text to the growing buffer *buf (length *n, capacity *cap). */
static void put(char **buf, size_t *n, size_t *cap, const char *text) {
  size_t len = strlen(text);
  if (*n + len + 1 > *cap) {
    size_t c = (*n + len + 1) * 2;
    char *q = realloc(*buf, c);
    if (!q) return;
    *buf = q;
    *cap = c;
  }
  memcpy(*buf + *n, text, len + 1);
  *n += len;
}

char *demo_scenario_text(const demo_example *ex) {
  char *buf = NULL, line[512];
  size_t n = 0, cap = 0;
  snprintf(line, sizeof line, "title \"%s\"\nmodel %s\ntimeout 5s\n", ex->name,
           ex->model == CK_MODEL_RUSTY_V8 ? "rusty_v8" : "v8");
  put(&buf, &n, &cap, line);
  for (int i = 0; i < DEMO_MAX_STEPS && ex->steps[i].thread; i++) {
    const demo_step *st = &ex->steps[i];
    const char *op = st->op == CK_CHECK_CURRENT ? "check current none" : ck_op_name(st->op);
    snprintf(line, sizeof line, "%s: %s", st->thread, op);
    put(&buf, &n, &cap, line);
    if (st->isolate) {
      put(&buf, &n, &cap, " ");
      put(&buf, &n, &cap, st->isolate);
    }
    if (st->js) {  /* the examples' scripts hold no double quote or backslash */
      put(&buf, &n, &cap, " \"");
      put(&buf, &n, &cap, st->js);
      put(&buf, &n, &cap, "\"");
    }
    put(&buf, &n, &cap, st->background ? " &\n" : "\n");
  }
  return buf;
}
