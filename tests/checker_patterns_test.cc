// checker_patterns_test.cc — the catalog, and V8's own correct patterns (Locker handoffs,
// a terminator thread, one isolate per worker, exit-after-create) raising nothing.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "checker_sim.h"

// ---- the catalog ------------------------------------------------------------------

TEST(Catalog, EveryCodeHasANameThatParsesBackASummaryAndAFix) {
  for (int c = 0; c < CK_CODE_COUNT; c++) {
    ck_code back;
    const char* name = ck_code_name(static_cast<ck_code>(c));
    ASSERT_EQ(0, ck_code_parse(name, &back)) << name;
    EXPECT_EQ(c, back);
    EXPECT_GT(strlen(ck_code_fix(back)), 60u) << name;
    EXPECT_GT(strlen(ck_code_summary(back)), 20u) << name;
  }
  ck_code x;
  EXPECT_EQ(-1, ck_code_parse("drop_order", &x));
}

TEST(Catalog, SeveritiesAreThoseOfTheDesign) {
  for (int c = 0; c < CK_CODE_COUNT; c++) {
    ck_code code = static_cast<ck_code>(c);
    bool warning = code == CK_SUSPEND_WHILE_ENTERED || code == CK_LEAKED_ISOLATE || code == CK_TLS_DIVERGENCE ||
                   code == CK_LEAKED_GLOBAL;
    EXPECT_EQ(warning ? CK_WARNING : CK_ERROR, ck_code_severity(code)) << ck_code_name(code);
  }
}

// ---- V8's own correct patterns raise nothing ----------------------------------------

TEST(CorrectPatterns, NodeWorkersOneIsolatePerThreadTerminatedByTheParent) {
  Sim s;
  for (const char* w : {"w1", "w2", "w3", "w4"}) {
    std::string iso = std::string("I") + w;
    for (ck_op op : {CK_NEW, CK_LOCK, CK_ENTER, CK_CONTEXT, CK_RUN})
      EXPECT_EQ("", s.op(w, op, iso)) << w << " " << ck_op_name(op);
  }
  EXPECT_EQ("", s.op("main", CK_TERMINATE, "Iw2"));  // while w2 runs
  for (const char* w : {"w1", "w2", "w3", "w4"}) {
    std::string iso = std::string("I") + w;
    s.run_done(w, iso);
    for (ck_op op : {CK_EXIT, CK_UNLOCK, CK_DISPOSE}) EXPECT_EQ("", s.op(w, op, iso));
    EXPECT_EQ("", s.op(w, CK_THREAD_END));
  }
  EXPECT_EQ("", s.end());
}

TEST(CorrectPatterns, CreateOnOneThreadUseAndDisposeOnAnotherUnderLocker) {
  Sim s;
  s.op("main", CK_NEW, "A");
  for (ck_op op : {CK_LOCK, CK_ENTER, CK_CONTEXT, CK_RUN, CK_EXIT, CK_UNLOCK}) {
    EXPECT_EQ("", s.op("T1", op, "A"));
    if (op == CK_RUN) s.run_done("T1", "A");
  }
  // The last user disposes it after its own Locker is gone (Node's workers do).
  for (ck_op op : {CK_LOCK, CK_ENTER, CK_RUN, CK_EXIT, CK_UNLOCK, CK_DISPOSE}) {
    EXPECT_EQ("", s.op("T2", op, "A")) << ck_op_name(op);
    if (op == CK_RUN) s.run_done("T2", "A");
  }
  EXPECT_EQ("", s.end());
}

TEST(CorrectPatterns, TerminatorThreadWithoutLocker) {
  Sim s;
  s.op("T1", CK_NEW, "A");
  s.op("T1", CK_LOCK, "A");
  s.op("T1", CK_ENTER, "A");
  s.op("T1", CK_RUN, "A");
  EXPECT_EQ("", s.op("killer", CK_TERMINATE, "A"));
  EXPECT_EQ("", s.op("killer", CK_IS_TERMINATING, "A"));
  s.run_done("T1", "A");
  EXPECT_EQ("", s.op("T1", CK_CANCEL_TERMINATE, "A"));
  EXPECT_EQ("", s.op("T1", CK_EXIT, "A"));
  EXPECT_EQ("", s.op("T1", CK_UNLOCK, "A"));
  EXPECT_EQ("", s.op("T1", CK_DISPOSE, "A"));
}

TEST(CorrectPatterns, ExitAfterCreateEnterAroundEachUse) {
  Sim s(CK_MODEL_RUSTY_V8);
  s.op("w1", CK_NEW, "A");
  s.op("w1", CK_EXIT, "A");
  s.op("w1", CK_NEW, "B");
  s.op("w1", CK_EXIT, "B");
  for (const char* iso : {"A", "B", "A", "B"}) {
    EXPECT_EQ("", s.op("w1", CK_ENTER, iso));
    EXPECT_EQ("", s.op("w1", CK_RUN, iso));
    EXPECT_EQ("", s.op("w1", CK_EXIT, iso));
  }
  // Dropping enters first (the drop expects its isolate current), in any order.
  for (const char* iso : {"A", "B"}) {
    EXPECT_EQ("", s.op("w1", CK_ENTER, iso));
    EXPECT_EQ("", s.op("w1", CK_DROP, iso));
  }
  EXPECT_EQ("", s.end());
}
