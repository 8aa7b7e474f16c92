// The checker on the second edition's ops: handles, the embedder's synchronisation,
// rusty_v8's IsolateHandle, and the corrected rules (use-after-dispose once per thread
// with who and where, dispose-locked by the disposer itself, cross-isolate runs).
#include <gtest/gtest.h>

#include <cstring>

#include "checker_sim.h"

namespace {

bool Says(const ck_violation* v, const char* text) { return v && strstr(v->message, text) != nullptr; }

// ---- use-after-dispose -------------------------------------------------------------

TEST(UseAfterDisposeOnce, SaidOncePerIsolateAndThreadWithTheDisposerAndItsLine) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.at_line(12);
  s.op("T1", CK_DISPOSE, "A");
  EXPECT_EQ("use-after-dispose", s.op("T2", CK_ENTER, "A"));
  EXPECT_TRUE(Says(s.last(), "after T1 disposed it at line 12")) << s.last()->message;
  EXPECT_EQ("", s.op("T2", CK_RUN, "A"));     // not again on T2
  EXPECT_EQ("", s.op("T2", CK_EXIT, "A"));
  EXPECT_EQ("use-after-dispose", s.op("T3", CK_TERMINATE, "A"));  // once on T3 too
  ck_event ev = {CK_RUN, 0, -1, s.iso("A"), 99, 0, 0, 0};
  EXPECT_TRUE(ck_would_use_freed(s.ck(), &ev));  // never executed, reported or not
}

TEST(UseAfterDisposeOnce, RustyIsolateHandleMakesTerminateAfterDropSafe) {
  Sim s(CK_MODEL_RUSTY_V8);
  s.op("w1", CK_NEW, "A");
  s.op("w1", CK_DROP, "A");
  for (ck_op op : {CK_TERMINATE, CK_CANCEL_TERMINATE, CK_INTERRUPT, CK_IS_TERMINATING}) {
    EXPECT_EQ("", s.op("main", op, "A")) << ck_op_name(op);
    ck_event ev = {op, 0, -1, s.iso("A"), 1, 0, 0, 0};
    EXPECT_FALSE(ck_would_use_freed(s.ck(), &ev)) << ck_op_name(op);  // the handle checks
  }
  EXPECT_EQ("use-after-dispose", s.op("main", CK_HEAP_STATS, "A"));  // no handle for that
}

TEST(UseAfterDisposeOnce, TheV8ModelHasNoHandle) {
  Sim s;
  s.op("w1", CK_NEW, "A");
  s.op("w1", CK_DISPOSE, "A");
  EXPECT_EQ("use-after-dispose", s.op("main", CK_TERMINATE, "A"));
}

// ---- dispose-locked and locking-required ------------------------------------------

TEST(DisposeLockedBySelf, DisposingUnderItsOwnLocker) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  EXPECT_EQ("dispose-locked", s.op("T1", CK_DISPOSE, "A"));
  EXPECT_TRUE(Says(s.last(), "while it still holds its Locker itself")) << s.last()->message;
}

TEST(LockingRequiredEverywhere, HandlesAndHeapStatsNeedTheLocker) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("", s.handle("T1", CK_GLOBAL, "H", "A"));
  s.op("T1", CK_EXIT, "A");
  s.op("T1", CK_UNLOCK, "A");
  EXPECT_EQ("locking-required", s.op("T1", CK_HEAP_STATS, "A"));
  EXPECT_EQ("locking-required", s.handle("T1", CK_WEAK, "H"));
  EXPECT_EQ("locking-required", s.handle("T1", CK_RESET, "H"));
  EXPECT_EQ("", s.op("T1", CK_DISPOSE, "A"));
}

TEST(LockingRequiredEverywhere, DisposeOutsideTheExceptionHasItsOwnCodesNotLockingRequired) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_UNLOCKER, "A");
  EXPECT_EQ("dispose-entered,unlocked-shared", s.op("T2", CK_DISPOSE, "A"));
  Sim l;
  l.op("T1", CK_NEW, "A");
  l.op("T1", CK_LOCK, "A");
  EXPECT_EQ("dispose-locked", l.op("T2", CK_DISPOSE, "A"));
}

// ---- handles -------------------------------------------------------------------------

TEST(Handles, OpenNeedsItsIsolateCurrent) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_NEW, "B");
  EXPECT_EQ("not-entered", s.handle("T1", CK_GLOBAL, "H", "A"));
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("", s.handle("T1", CK_OPEN, "H"));
  s.op("T1", CK_ENTER, "B");
  EXPECT_EQ("cross-isolate", s.handle("T1", CK_OPEN, "H"));  // replaces not-entered
  EXPECT_TRUE(Says(s.last(), "while B is its current isolate")) << s.last()->message;
  s.op("T1", CK_EXIT, "B");
  s.op("T1", CK_EXIT, "A");
  EXPECT_EQ("not-entered", s.handle("T1", CK_OPEN, "H"));
  EXPECT_EQ("", s.handle("T1", CK_RESET, "H"));  // Reset opens no scope
}

TEST(Handles, OpenOrResetAfterDisposeIsGlobalAfterDisposeAlone) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.handle("T1", CK_GLOBAL, "H", "A");
  s.handle("T1", CK_GLOBAL, "G", "A");
  s.op("T1", CK_EXIT, "A");
  s.at_line(7);
  s.op("T1", CK_DISPOSE, "A");
  EXPECT_EQ("global-after-dispose", s.handle("T1", CK_OPEN, "H"));
  EXPECT_TRUE(Says(s.last(), "after T1 disposed it at line 7")) << s.last()->message;
  EXPECT_EQ("global-after-dispose", s.handle("fin", CK_RESET, "G"));
  EXPECT_EQ("", s.end());  // both count as reset: no leaked-global
}

TEST(Handles, RustyResetAfterDropIsSafeOpenIsNot) {
  Sim s(CK_MODEL_RUSTY_V8);
  s.op("T1", CK_NEW, "A");
  s.handle("T1", CK_GLOBAL, "H", "A");
  s.handle("T1", CK_GLOBAL, "G", "A");
  s.op("T1", CK_DROP, "A");
  EXPECT_EQ("", s.handle("T1", CK_RESET, "H"));
  EXPECT_EQ("global-after-dispose", s.handle("T1", CK_OPEN, "G"));
  EXPECT_EQ("", s.end());  // a rusty_v8 Global checks its isolate when dropped
}

TEST(Handles, LeakedGlobalIsAGlobalNeverResetWhoseIsolateWentFirst) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.handle("T1", CK_GLOBAL, "H", "A");
  s.handle("T1", CK_PERSISTENT, "P", "A");  // its destructor does not Reset
  s.handle("T1", CK_GLOBAL, "R", "A");
  s.handle("T1", CK_RESET, "R");
  s.op("T1", CK_EXIT, "A");
  s.op("T1", CK_DISPOSE, "A");
  EXPECT_EQ("leaked-global", s.end());
  EXPECT_EQ(CK_WARNING, s.last()->severity);
  EXPECT_TRUE(Says(s.last(), "global H of A is never reset")) << s.last()->message;
}

TEST(Handles, AGlobalOfALiveIsolateIsNotLeakedGlobal) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.handle("T1", CK_GLOBAL, "H", "A");
  EXPECT_EQ("leaked-isolate", s.end());
}

TEST(Handles, AGcCollectsTheWeakHandlesOfItsIsolate) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_NEW, "B");
  s.op("T1", CK_ENTER, "A");
  s.handle("T1", CK_GLOBAL, "H", "A");
  s.handle("T1", CK_GLOBAL, "K", "A");
  s.handle("T1", CK_WEAK, "H");
  EXPECT_EQ("", s.op("T1", CK_GC, "B"));
  EXPECT_EQ(0, s.gc_collected("T1"));
  EXPECT_EQ("", s.gc_block("T1", "A"));
  EXPECT_EQ(1, s.gc_collected("T1"));
  s.run_done("T1", "A");  // the gc's block has run
  s.op("T1", CK_EXIT, "A");
  s.handle("T1", CK_RESET, "K");
  s.op("T1", CK_DISPOSE, "A");
  s.op("T1", CK_DISPOSE, "B");
  EXPECT_EQ("", s.end());  // H was collected: it counts as reset
}

TEST(Handles, HandleOpsFollowTheThreadRules) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.handle("T1", CK_GLOBAL, "H", "A");
  EXPECT_EQ("unlocked-shared", s.handle("T2", CK_RESET, "H"));
}

// ---- contexts of another isolate ----------------------------------------------------

TEST(CrossIsolate, RunInAContextOfAnotherIsolate) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_NEW, "B");
  s.op("T1", CK_ENTER, "B");
  EXPECT_EQ("cross-isolate", s.run_in("T1", "B", "A"));
  s.run_done("T1", "B");
  EXPECT_EQ("", s.run_in("T1", "B", "B"));  // its own
  s.run_done("T1", "B");
  s.op("T1", CK_DISPOSE, "A");
  EXPECT_EQ("global-after-dispose", s.run_in("T1", "B", "A"));
}

// ---- the embedder's synchronisation ------------------------------------------------

TEST(Sync, AMutexIsHandedToTheLongestWaiter) {
  Sim s;
  EXPECT_EQ("", s.sync("T1", CK_ACQUIRE, "M"));
  EXPECT_FALSE(s.waiting("T1"));
  EXPECT_EQ("", s.sync("T2", CK_ACQUIRE, "M"));
  EXPECT_EQ("", s.sync("T3", CK_ACQUIRE, "M"));
  EXPECT_TRUE(s.waiting("T2"));
  EXPECT_EQ("", s.sync("T1", CK_RELEASE, "M"));
  EXPECT_FALSE(s.waiting("T2"));
  EXPECT_TRUE(s.waiting("T3"));
  EXPECT_EQ("", s.sync("T2", CK_RELEASE, "M"));
  EXPECT_FALSE(s.waiting("T3"));
  EXPECT_EQ("", s.end());
}

TEST(Sync, AcquiringAMutexItHoldsDeadlocksAtOnce) {
  Sim s;
  s.sync("T1", CK_ACQUIRE, "M");
  EXPECT_EQ("deadlock", s.sync("T1", CK_ACQUIRE, "M"));
  EXPECT_TRUE(Says(s.last(), "which it holds itself")) << s.last()->message;
}

TEST(Sync, MessagesAreCountedAndServeWaiters) {
  Sim s;
  EXPECT_EQ("", s.sync("T1", CK_SEND, "CH"));
  EXPECT_EQ("", s.sync("T2", CK_RECV, "CH"));
  EXPECT_FALSE(s.waiting("T2"));
  EXPECT_EQ("", s.sync("T2", CK_RECV, "CH"));
  EXPECT_TRUE(s.waiting("T2"));
  EXPECT_EQ("", s.sync("T1", CK_SEND, "CH"));
  EXPECT_FALSE(s.waiting("T2"));
  EXPECT_EQ("", s.sync("T1", CK_SEND, "CH"));  // nobody receives it: fine
  EXPECT_EQ("", s.end());
}

TEST(Sync, ARecvNobodyFeedsIsADeadlockAtTheEnd) {
  Sim s;
  s.sync("T1", CK_SEND, "CH");
  s.sync("T2", CK_RECV, "CH");
  s.sync("T2", CK_RECV, "CH");
  EXPECT_EQ("deadlock", s.end());
  EXPECT_TRUE(Says(s.last(), "T2 waits forever for a message on CH")) << s.last()->message;
}

TEST(Sync, JoinWaitsForTheThreadsEnd) {
  Sim s;
  s.op("T1", CK_AWAIT);  // T1 exists
  EXPECT_EQ("", s.sync("main", CK_JOIN, "T1"));
  EXPECT_TRUE(s.waiting("main"));
  s.op("T1", CK_THREAD_END);
  EXPECT_FALSE(s.waiting("main"));
  EXPECT_EQ("", s.sync("main", CK_JOIN, "T1"));  // already ended
  EXPECT_FALSE(s.waiting("main"));
}

TEST(Sync, AJoinAndALockerInACycleDeadlock) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T2", CK_LOCK, "A");  // T2 waits for T1's Locker
  EXPECT_EQ("deadlock,deadlock", s.sync("T1", CK_JOIN, "T2"));
}

TEST(Sync, AMutexAndALockerInACycleDeadlockOnBothSteps) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.sync("T2", CK_ACQUIRE, "M");
  EXPECT_EQ("", s.op("T2", CK_LOCK, "A"));
  EXPECT_EQ("deadlock,deadlock", s.sync("T1", CK_ACQUIRE, "M"));
}

TEST(Sync, SyncOpsDoNotMakeAnUnlockedHandoffLegal) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_EXIT, "A");
  s.sync("T1", CK_SEND, "go");
  s.sync("T2", CK_RECV, "go");
  EXPECT_EQ("wrong-thread", s.op("T2", CK_ENTER, "A"));
}

}  // namespace
