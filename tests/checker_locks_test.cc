// checker_locks_test.cc — the Locker codes raised (locking-required, locker-misuse), and
// the nearest correct sequence not: the rest of checker_test.cc's catalog, apart because
// the Locker rules are the longest part of it.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "checker_sim.h"

// ---- locking-required -------------------------------------------------------------

TEST(LockingRequired, HandleScopeWithoutLockerAfterLockerUse) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T2", CK_LOCK, "A");
  s.op("T2", CK_ENTER, "A");
  s.op("T2", CK_CONTEXT, "A");
  s.op("T2", CK_EXIT, "A");
  s.op("T2", CK_UNLOCK, "A");
  // last use was under a Locker: no wrong-thread; but every use needs the Locker now
  EXPECT_EQ("locking-required", s.op("T1", CK_ENTER, "A"));
  EXPECT_EQ("locking-required", s.op("T1", CK_CONTEXT, "A"));
  EXPECT_EQ("locking-required", s.op("T1", CK_RUN, "A"));
  s.run_done("T1", "A");
  EXPECT_EQ("locking-required", s.op("T1", CK_GC, "A"));
  EXPECT_EQ("locking-required", s.op("T1", CK_EXIT, "A"));
  EXPECT_NE(nullptr, strstr(s.last()->message, "T1 exits A without its v8::Locker")) << s.last()->message;
  // Terminate and its kin stay legal from any thread.
  EXPECT_EQ("", s.op("T3", CK_TERMINATE, "A"));
  EXPECT_EQ("", s.op("T3", CK_MEMORY_PRESSURE, "A"));
  // The last user may dispose it without a Locker once nobody holds it or has it entered.
  EXPECT_EQ("", s.op("T1", CK_DISPOSE, "A"));
}

TEST(LockingRequired, TheFlagIsPerIsolate) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("main", CK_LOCK, "B");
  s.op("main", CK_UNLOCK, "B");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("", s.op("main", CK_CONTEXT, "A"));
  EXPECT_EQ("", s.op("main", CK_RUN, "A"));
}

// ---- locker-misuse -----------------------------------------------------------------

TEST(LockerMisuse, UnlockWithoutLock) {
  Sim s;
  s.op("main", CK_NEW, "A");
  EXPECT_EQ("locker-misuse", s.op("main", CK_UNLOCK, "A"));
}

TEST(LockerMisuse, UnlockOfAnotherThreadsLocker) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  EXPECT_EQ("locker-misuse", s.op("T2", CK_UNLOCK, "A"));
  EXPECT_STREQ("T1", ck_thread_name(s.ck(), ck_lock_owner(s.ck(), s.iso("A"))));
}

TEST(LockerMisuse, UnlockerWithoutLocker) {
  Sim s;
  s.op("main", CK_NEW, "A");
  EXPECT_EQ("locker-misuse", s.op("main", CK_UNLOCKER, "A"));
}

TEST(LockerMisuse, AnUnlockerWhileEnteredIsV8sPatternForBlockingCalls) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_LOCK, "A");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_RUN, "A");  // a callback of this run blocks (Atomics.wait, isolated-vm)
  EXPECT_EQ("", s.op("main", CK_UNLOCKER, "A"));
  for (ck_op op : {CK_LOCK, CK_ENTER, CK_RUN}) EXPECT_EQ("", s.op("T2", op, "A")) << ck_op_name(op);
  s.run_done("T2", "A");
  for (ck_op op : {CK_EXIT, CK_UNLOCK}) EXPECT_EQ("", s.op("T2", op, "A")) << ck_op_name(op);
  EXPECT_EQ("", s.op("main", CK_RELOCK, "A"));
  // A thread that uses A without the Locker meanwhile is the violation, on its own step.
  EXPECT_EQ("", s.op("main", CK_UNLOCKER, "A"));
  EXPECT_EQ("locking-required,unlocked-shared", s.op("T3", CK_ENTER, "A"));
}

TEST(LockerMisuse, ReleasingTheLockerWhileStillEntered) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("", s.op("T1", CK_UNLOCK, "A"));  // a nested Locker: still held
  EXPECT_EQ("locker-misuse", s.op("T1", CK_UNLOCK, "A"));
  EXPECT_NE(nullptr, strstr(s.last()->message, "while it still has A entered")) << s.last()->message;
  EXPECT_EQ("locking-required", s.op("T1", CK_EXIT, "A"));
}

TEST(LockerMisuse, UnlockingTheLockerARunOnTheStackRunsUnder) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_RUN, "A");  // its host() callback runs the next steps
  EXPECT_EQ("", s.op("T1", CK_LOCK, "A"));
  EXPECT_EQ("", s.op("T1", CK_UNLOCK, "A"));  // its own nested Locker
  EXPECT_EQ("locker-misuse", s.op("T1", CK_UNLOCK, "A"));
  EXPECT_NE(nullptr, strstr(s.last()->message, "its own run, still on the stack")) << s.last()->message;
}

TEST(LockerMisuse, RelockWithoutUnlocker) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_LOCK, "A");
  EXPECT_EQ("locker-misuse", s.op("main", CK_RELOCK, "A"));
}

TEST(LockerMisuse, DocumentedExitUnlockerEnterPatternIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  for (ck_op op : {CK_LOCK, CK_ENTER, CK_EXIT, CK_UNLOCKER}) EXPECT_EQ("", s.op("T1", op, "A"));
  // Another thread uses A while T1 sits in its Unlocker.
  for (ck_op op : {CK_LOCK, CK_ENTER, CK_RUN, CK_EXIT, CK_UNLOCK}) {
    EXPECT_EQ("", s.op("T2", op, "A")) << ck_op_name(op);
    if (op == CK_RUN) s.run_done("T2", "A");
  }
  for (ck_op op : {CK_RELOCK, CK_ENTER, CK_RUN, CK_EXIT, CK_UNLOCK}) {
    EXPECT_EQ("", s.op("T1", op, "A")) << ck_op_name(op);
    if (op == CK_RUN) s.run_done("T1", "A");
  }
  EXPECT_EQ(-1, ck_lock_owner(s.ck(), s.iso("A")));
}
