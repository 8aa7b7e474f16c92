// checker_test.cc — every violation code raised, and the nearest correct sequence not.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "checker_sim.h"

// ---- drop-order ------------------------------------------------------------------

TEST(DropOrder, RustyNonLifoDropRaises) {
  Sim s(CK_MODEL_RUSTY_V8);
  EXPECT_EQ("", s.op("w1", CK_NEW, "A"));
  EXPECT_EQ("", s.op("w1", CK_NEW, "B"));
  EXPECT_EQ("drop-order", s.op("w1", CK_DROP, "A"));
  EXPECT_EQ("", s.op("w1", CK_DROP, "B"));
}

TEST(DropOrder, RustyReverseOrderIsClean) {
  Sim s(CK_MODEL_RUSTY_V8);
  s.op("w1", CK_NEW, "A");
  s.op("w1", CK_NEW, "B");
  EXPECT_EQ("", s.op("w1", CK_DROP, "B"));
  EXPECT_EQ("", s.op("w1", CK_DROP, "A"));
  EXPECT_EQ("", s.end());
}

TEST(DropOrder, MessageNamesBothIsolatesTheThreadAndRustyText) {
  Sim s(CK_MODEL_RUSTY_V8);
  s.op("w1", CK_NEW, "A");
  s.op("w1", CK_NEW, "B");
  s.op("w1", CK_DROP, "A");
  const ck_violation* v = s.last();
  ASSERT_NE(nullptr, v);
  EXPECT_EQ(CK_ERROR, v->severity);
  EXPECT_EQ(s.iso("A"), v->isolate);
  std::string m = v->message;
  EXPECT_NE(std::string::npos, m.find("w1 drops A")) << m;
  EXPECT_NE(std::string::npos, m.find("current isolate is B")) << m;
  EXPECT_NE(std::string::npos, m.find("[A, B]")) << m;
  EXPECT_NE(std::string::npos, m.find("reverse order of creation")) << m;
}

TEST(DropOrder, V8ModelDropOfAnIsolateNeverEnteredRaises) {
  Sim s;
  s.op("main", CK_NEW, "A");
  EXPECT_EQ("drop-order", s.op("main", CK_DROP, "A"));
}

TEST(DropOrder, V8ModelDropOfTheCurrentIsolateIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("", s.op("main", CK_DROP, "A"));
  EXPECT_EQ("none", s.ideal("main"));
}

// ---- exit-order / exit-unentered ------------------------------------------------------

TEST(ExitOrder, ExitBelowTheTopRaisesAndRemovesThatEntry) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_ENTER, "B");
  EXPECT_EQ("exit-order", s.op("main", CK_EXIT, "A"));
  EXPECT_EQ("B", s.ideal("main"));
  EXPECT_EQ("", s.op("main", CK_EXIT, "B"));
}

TEST(ExitOrder, StrictNestingIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_ENTER, "B");
  EXPECT_EQ("", s.op("main", CK_EXIT, "B"));
  EXPECT_EQ("", s.op("main", CK_EXIT, "A"));
}

TEST(ExitOrder, ReenteringTheSameIsolateNestsCleanly) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("", s.op("main", CK_EXIT, "A"));
  EXPECT_EQ("A", s.ideal("main"));
  EXPECT_EQ("", s.op("main", CK_EXIT, "A"));
}

TEST(ExitUnentered, ExitWithoutEnter) {
  Sim s;
  s.op("main", CK_NEW, "A");
  EXPECT_EQ("exit-unentered", s.op("main", CK_EXIT, "A"));
}

TEST(ExitUnentered, DoubleExit) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("", s.op("main", CK_EXIT, "A"));
  EXPECT_EQ("exit-unentered", s.op("main", CK_EXIT, "A"));
}

TEST(ExitUnentered, ExitFromAThreadThatNeverEnteredIsAlsoUnlockedShared) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("exit-unentered,unlocked-shared", s.op("T2", CK_EXIT, "A"));
  EXPECT_EQ("A", s.ideal("T1"));
}

// ---- dispose-entered / dispose-locked ---------------------------------------------

TEST(DisposeEntered, DisposeWhileEnteredOnThisThread) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("dispose-entered", s.op("main", CK_DISPOSE, "A"));
  EXPECT_NE(nullptr, strstr(s.last()->message, "this thread"));
}

TEST(DisposeEntered, DisposeFromAnotherThreadWhileEnteredThere) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("dispose-entered,unlocked-shared", s.op("T2", CK_DISPOSE, "A"));
}

TEST(DisposeEntered, ExitThenDisposeIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_EXIT, "A");
  EXPECT_EQ("", s.op("main", CK_DISPOSE, "A"));
  EXPECT_EQ("", s.end());
}

TEST(DisposeLocked, DisposeWhileAnotherThreadHoldsTheLocker) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_EXIT, "A");
  EXPECT_EQ("dispose-locked", s.op("T2", CK_DISPOSE, "A"));
}

TEST(DisposeLocked, DisposeAfterTheLockerIsReleasedIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_EXIT, "A");
  s.op("T1", CK_UNLOCK, "A");
  EXPECT_EQ("", s.op("main", CK_DISPOSE, "A"));
}

// ---- use-after-dispose ----------------------------------------------------------------

TEST(UseAfterDispose, EnterAfterDisposeIsVetoed) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_DISPOSE, "A");
  ck_event ev = {CK_ENTER, 0, -1, s.iso("A"), 9, 0, 0, 0};
  EXPECT_TRUE(ck_would_use_freed(s.ck(), &ev));
  EXPECT_EQ("use-after-dispose", s.op("main", CK_ENTER, "A"));
  EXPECT_EQ("none", s.ideal("main"));
}

TEST(UseAfterDispose, CrossThreadTerminateAfterDispose) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_DISPOSE, "A");
  EXPECT_EQ("use-after-dispose", s.op("T2", CK_TERMINATE, "A"));
}

TEST(UseAfterDispose, TerminateFromAnotherThreadWhileAliveIsLegal) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("", s.op("T2", CK_TERMINATE, "A"));
  EXPECT_EQ("", s.op("T2", CK_CANCEL_TERMINATE, "A"));
  EXPECT_EQ("", s.op("T2", CK_INTERRUPT, "A"));
  EXPECT_EQ("", s.op("T2", CK_IS_TERMINATING, "A"));
}

TEST(UseAfterDispose, ANameReusedForANewLifetimeIsANewIsolate) {
  Sim s;
  s.op("main", CK_NEW, "A");
  int first = s.iso("A");
  s.op("main", CK_DISPOSE, "A");
  s.op("main", CK_NEW, "A");
  EXPECT_NE(first, s.iso("A"));
  EXPECT_EQ("", s.op("main", CK_ENTER, "A"));
  EXPECT_EQ("", s.op("main", CK_EXIT, "A"));
}

// ---- not-entered -------------------------------------------------------------------

TEST(NotEntered, ContextWithoutEnter) {
  Sim s;
  s.op("main", CK_NEW, "A");
  EXPECT_EQ("not-entered", s.op("main", CK_CONTEXT, "A"));
}

TEST(NotEntered, RunWhileAnotherIsolateIsOnTop) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_ENTER, "B");
  EXPECT_EQ("not-entered", s.op("main", CK_RUN, "A"));
  EXPECT_EQ("", s.op("main", CK_RUN, "B"));
}

TEST(NotEntered, EnterContextRunIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("", s.op("main", CK_CONTEXT, "A"));
  EXPECT_EQ("", s.op("main", CK_RUN, "A"));
}

// ---- unlocked-shared / wrong-thread ---------------------------------------------------

TEST(UnlockedShared, SecondThreadEntersWhileFirstHasItEntered) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("unlocked-shared", s.op("T2", CK_ENTER, "A"));
  EXPECT_NE(nullptr, strstr(s.last()->message, "T1 has it entered"));
}

TEST(UnlockedShared, UseWhileAnotherThreadRunsScript) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_RUN, "A");
  s.op("T1", CK_EXIT, "A");  // the background run still holds it
  EXPECT_EQ("unlocked-shared", s.op("T2", CK_GC, "A"));
  s.run_done("T1", "A");
}

TEST(UnlockedShared, LockerOnBothThreadsIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  for (const char* t : {"T1", "T2", "T1"}) {
    EXPECT_EQ("", s.op(t, CK_LOCK, "A")) << t;
    EXPECT_EQ("", s.op(t, CK_ENTER, "A")) << t;
    EXPECT_EQ("", s.op(t, CK_RUN, "A")) << t;
    s.run_done(t, "A");
    EXPECT_EQ("", s.op(t, CK_EXIT, "A")) << t;
    EXPECT_EQ("", s.op(t, CK_UNLOCK, "A")) << t;
  }
}

TEST(WrongThread, CreatedOnOneThreadEnteredOnAnotherWithoutLocker) {
  Sim s;
  s.op("T0", CK_NEW, "A");
  EXPECT_EQ("wrong-thread", s.op("T1", CK_ENTER, "A"));
  EXPECT_EQ("", s.op("T1", CK_RUN, "A"));  // T1 is the last user now
}

TEST(WrongThread, TakingAndReleasingTheLockerIsAHandoff) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_EXIT, "A");
  EXPECT_EQ("", s.op("main", CK_LOCK, "A"));
  EXPECT_EQ("", s.op("main", CK_UNLOCK, "A"));
  EXPECT_EQ("", s.op("main", CK_DISPOSE, "A"));
}

TEST(WrongThread, DisposeOnAnotherThreadWithoutAnyHandoff) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  EXPECT_EQ("wrong-thread", s.op("main", CK_DISPOSE, "A"));
}

TEST(WrongThread, TheOwnerThatKeptItEnteredIsNotTheWrongThread) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("unlocked-shared", s.op("T2", CK_ENTER, "A"));  // the intruder
  EXPECT_EQ("unlocked-shared", s.op("T2", CK_EXIT, "A"));
  EXPECT_EQ("", s.op("T1", CK_RUN, "A"));  // T1 never let go of A
  s.run_done("T1", "A");
  EXPECT_EQ("", s.op("T1", CK_EXIT, "A"));
}

TEST(WrongThread, CreatedOnOneThreadUsedOnAnotherUnderLockerIsClean) {
  Sim s;
  s.op("T0", CK_NEW, "A");
  EXPECT_EQ("", s.op("T1", CK_LOCK, "A"));
  EXPECT_EQ("", s.op("T1", CK_ENTER, "A"));
  EXPECT_EQ("", s.op("T1", CK_RUN, "A"));
  s.run_done("T1", "A");
  EXPECT_EQ("", s.op("T1", CK_EXIT, "A"));
  EXPECT_EQ("", s.op("T1", CK_UNLOCK, "A"));
}

TEST(WrongThread, TaskResumedOnAnotherWorkerWhileEntered) {
  Sim s;
  s.op("w1/t1", CK_NEW, "A");
  s.op("w1/t1", CK_ENTER, "A");
  EXPECT_EQ("", s.op("w1/t1", CK_AWAIT));
  int await_step = s.step();
  // Never together with unlocked-shared, though w1 still has A entered; the await that
  // left A entered on w1 is now a warning, at the await.
  EXPECT_EQ("not-entered,suspend-while-entered,wrong-thread", s.op("w2/t1", CK_RUN, "A"));
  const ck_violation* suspend = ck_violation_at(s.ck(), ck_violation_count(s.ck()) - 2);
  EXPECT_EQ(CK_SUSPEND_WHILE_ENTERED, suspend->code);
  EXPECT_EQ(await_step, suspend->step);
  const ck_violation* wrong = ck_violation_at(s.ck(), ck_violation_count(s.ck()) - 3);
  EXPECT_EQ(CK_WRONG_THREAD, wrong->code);
  EXPECT_NE(nullptr, strstr(wrong->message,
                            "task t1 resumed on w2 while its isolate A is "
                            "still entered on w1"))
      << wrong->message;
}

TEST(WrongThread, TaskThatExitsBeforeAwaitAndResumesOnTheSameThreadIsClean) {
  Sim s;
  s.op("w1/t1", CK_NEW, "A");
  s.op("w1/t1", CK_ENTER, "A");
  s.op("w1/t1", CK_EXIT, "A");
  EXPECT_EQ("", s.op("w1/t1", CK_AWAIT));
  EXPECT_EQ("", s.op("w1/t2", CK_NEW, "B"));
  EXPECT_EQ("", s.op("w1/t1", CK_ENTER, "A"));
  EXPECT_EQ("", s.op("w1/t1", CK_RUN, "A"));
  EXPECT_EQ("", s.op("w1/t1", CK_EXIT, "A"));
}

TEST(WrongThread, MigratingTaskUnderLockerIsClean) {
  Sim s;
  s.op("w1/t1", CK_NEW, "A");
  s.op("w1/t1", CK_LOCK, "A");
  s.op("w1/t1", CK_ENTER, "A");
  s.op("w1/t1", CK_EXIT, "A");
  s.op("w1/t1", CK_UNLOCK, "A");
  EXPECT_EQ("", s.op("w1/t1", CK_AWAIT));
  EXPECT_EQ("", s.op("w2/t1", CK_LOCK, "A"));
  EXPECT_EQ("", s.op("w2/t1", CK_ENTER, "A"));
  EXPECT_EQ("", s.op("w2/t1", CK_RUN, "A"));
}

// ---- thread-exit-entered ----------------------------------------------------------

TEST(ThreadExitEntered, EndWithAnIsolateEntered) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("thread-exit-entered", s.op("T1", CK_THREAD_END));
}

TEST(ThreadExitEntered, EndHoldingALocker) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  EXPECT_EQ("thread-exit-entered", s.op("T1", CK_THREAD_END));
}

TEST(ThreadExitEntered, CleanExitBeforeEnd) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_EXIT, "A");
  s.op("T1", CK_UNLOCK, "A");
  EXPECT_EQ("", s.op("T1", CK_THREAD_END));
}

// ---- suspend-while-entered --------------------------------------------------------

TEST(SuspendWhileEntered, AnotherTaskRunningInsideIsAWarningAtTheAwait) {
  Sim s;
  s.op("w1/t1", CK_NEW, "A");
  s.op("w1/t1", CK_ENTER, "A");
  EXPECT_EQ("", s.op("w1/t1", CK_AWAIT));
  int await_step = s.step();
  EXPECT_EQ("suspend-while-entered", s.op("w1/t2", CK_NEW, "B"));
  EXPECT_EQ(CK_WARNING, s.last()->severity);
  EXPECT_EQ(0, s.last()->task);
  EXPECT_EQ(await_step, s.last()->step);
  EXPECT_NE(nullptr, strstr(s.last()->message, "task t2 then ran on w1")) << s.last()->message;
  EXPECT_EQ("", s.op("w1/t2", CK_ENTER, "B"));  // once per await
}

TEST(SuspendWhileEntered, ADedicatedThreadPerRuntimeIsClean) {
  Sim s(CK_MODEL_RUSTY_V8);
  s.op("rt1/t1", CK_NEW, "A");
  s.op("rt2/t2", CK_NEW, "B");
  EXPECT_EQ("", s.op("rt1/t1", CK_AWAIT));
  EXPECT_EQ("", s.op("rt2/t2", CK_AWAIT));
  EXPECT_EQ("", s.op("rt1/t1", CK_RUN, "A"));  // the same task resumes: nothing ran inside
  s.run_done("rt1", "A");
  EXPECT_EQ("", s.op("rt2/t2", CK_RUN, "B"));
  s.run_done("rt2", "B");
  EXPECT_EQ("", s.op("rt1", CK_CHECK_CURRENT));
  EXPECT_EQ("", s.op("rt1/t1", CK_AWAIT));
  EXPECT_EQ("", s.op("rt1/t1", CK_DROP, "A"));
  EXPECT_EQ("", s.op("rt2/t2", CK_DROP, "B"));
}

TEST(SuspendWhileEntered, AnotherTasksEntryIsNotThisTasksConcern) {
  Sim s;
  s.op("w1/t1", CK_NEW, "A");
  s.op("w1/t1", CK_ENTER, "A");
  EXPECT_EQ("", s.op("w1/t2", CK_AWAIT));
}

// ---- deadlock ---------------------------------------------------------------------

TEST(Deadlock, LockerNeverReleasedIsReportedAtTheEnd) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  EXPECT_EQ("", s.op("T2", CK_LOCK, "A"));
  EXPECT_EQ("deadlock", s.end().substr(0, 8));
  EXPECT_NE(nullptr,
            strstr(ck_violation_at(s.ck(), 0)->message, "T2 waits forever for the Locker of A"));
}

TEST(Deadlock, CycleOfLockersIsReportedAtOnce) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("T1", CK_LOCK, "A");
  s.op("T2", CK_LOCK, "B");
  EXPECT_EQ("", s.op("T1", CK_LOCK, "B"));
  // Closing the cycle reports every waiting step in it, each at its own step.
  EXPECT_EQ("deadlock,deadlock", s.op("T2", CK_LOCK, "A"));
  std::set<int> steps = {ck_violation_at(s.ck(), 0)->step, ck_violation_at(s.ck(), 1)->step};
  EXPECT_EQ((std::set<int>{5, 6}), steps);  // T1's lock B and T2's lock A
  EXPECT_EQ("leaked-isolate,leaked-isolate", s.end());  // no second deadlock
}

TEST(Deadlock, HolderThatEndedNeverReleases) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  EXPECT_EQ("thread-exit-entered", s.op("T1", CK_THREAD_END));
  EXPECT_EQ("deadlock", s.op("T2", CK_LOCK, "A"));
}

TEST(Deadlock, WaiterThatGetsTheLockIsClean) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T2", CK_LOCK, "A");
  s.op("T1", CK_UNLOCK, "A");
  s.acquired("T2", "A");
  EXPECT_STREQ("T2", ck_thread_name(s.ck(), ck_lock_owner(s.ck(), s.iso("A"))));
  s.op("T2", CK_UNLOCK, "A");
  s.op("main", CK_DISPOSE, "A");
  EXPECT_EQ("", s.end());
}

// ---- leaked-isolate ---------------------------------------------------------------

TEST(LeakedIsolate, NeverDisposedIsAWarningAtTheEnd) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("main", CK_DISPOSE, "B");
  EXPECT_EQ("leaked-isolate", s.end());
  EXPECT_EQ(CK_WARNING, s.last()->severity);
  EXPECT_EQ(s.iso("A"), s.last()->isolate);
}

// ---- tls-divergence -----------------------------------------------------------------

TEST(TlsDivergence, OncePerEpisode) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_NEW, "B");
  s.op("main", CK_ENTER, "A");
  EXPECT_EQ("", s.observe("main", "A"));
  s.op("main", CK_ENTER, "B");
  EXPECT_EQ("", s.observe("main", "B"));
  s.op("main", CK_EXIT, "A");
  EXPECT_EQ("tls-divergence", s.observe("main", "none"));  // V8 restored A's previous
  EXPECT_EQ(CK_WARNING, s.last()->severity);
  EXPECT_NE(nullptr, strstr(s.last()->message, "would have B current"));
  s.op("main", CK_GC, "B");
  EXPECT_EQ("", s.observe("main", "none"));  // same episode
  s.op("main", CK_EXIT, "B");
  EXPECT_EQ("", s.observe("main", "none"));  // they agree again: the episode ends
  s.op("main", CK_ENTER, "B");
  EXPECT_EQ("tls-divergence", s.observe("main", "A"));  // a new episode
}

TEST(TlsDivergence, DanglingCurrentIsNamedAsDisposed) {
  Sim s;
  s.op("main", CK_NEW, "A");
  s.op("main", CK_ENTER, "A");
  s.op("main", CK_EXIT, "A");
  s.op("main", CK_DISPOSE, "A");
  EXPECT_EQ("tls-divergence", s.observe("main", "A"));
  EXPECT_NE(nullptr, strstr(s.last()->message, "dangling"));
}

// ---- thread slots come and go ---------------------------------------------------------

TEST(CheckerSlots, AnyNumberOfThreadsOverTheScenariosLife) {
  Sim s;
  EXPECT_EQ("", s.op("main", CK_NEW, "A"));
  for (int i = 0; i < 20000; i++) {
    std::string t = "T" + std::to_string(i);
    ASSERT_EQ("", s.op(t, CK_LOCK, "A")) << t;
    s.acquired(t, "A");
    ASSERT_EQ("", s.op(t, CK_ENTER, "A")) << t;
    ASSERT_EQ("", s.op(t, CK_EXIT, "A")) << t;
    ASSERT_EQ("", s.op(t, CK_UNLOCK, "A")) << t;
    ASSERT_EQ("", s.op(t, CK_THREAD_END)) << t;
    ASSERT_EQ(1, s.release(t)) << t << " ended clean: its slot is free again";
  }
  EXPECT_LT(s.slot("late"), 4) << "20000 threads reused a few slots";
}

TEST(CheckerSlots, AReusedSlotIsANewThreadForWrongThread) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_EXIT, "A");
  s.op("T1", CK_THREAD_END);
  int slot = s.slot("T1");
  ASSERT_EQ(1, s.release("T1"));
  ASSERT_EQ(slot, s.slot("T2")) << "T2 takes T1's slot";
  EXPECT_EQ("wrong-thread", s.op("T2", CK_ENTER, "A")) << "A's last user was T1, not the slot";
  EXPECT_NE(nullptr, strstr(s.last()->message, "which T1 used last")) << s.last()->message;
  EXPECT_STREQ("T2", s.last()->thread_name);
}

TEST(CheckerSlots, AThreadThatEndsWithAnIsolateEnteredKeepsItsSlot) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_ENTER, "A");
  EXPECT_EQ("thread-exit-entered", s.op("T1", CK_THREAD_END));
  int slot = s.slot("T1");
  EXPECT_EQ(0, s.release("T1")) << "its entry still counts for A";
  EXPECT_NE(slot, s.slot("T2"));
  EXPECT_EQ("dispose-entered,unlocked-shared", s.op("T2", CK_DISPOSE, "A"));
}

TEST(CheckerSlots, ATaskMovingOffAReleasedThreadIsNotWrongThread) {
  Sim s;
  s.op("w1/t", CK_NEW, "A");
  s.op("w1/t", CK_DISPOSE, "A");
  s.op("w1", CK_THREAD_END);
  ASSERT_EQ(1, s.release("w1"));
  EXPECT_EQ("", s.op("w2/t", CK_NEW, "B")) << "nothing of the task was left entered on w1";
}
