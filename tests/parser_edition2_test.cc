// parser_edition2_test.cc — the second edition of the language: handles, blocks, the
// embedder's synchronisation, `call`, `run ... in NAME of Y`, `$$`; and each of their
// malformed forms reported at its FILE:LINE:COL with the line and a caret.
#include <gtest/gtest.h>

#include <string>

#include "parse_util.h"

namespace {

using parseutil::Bad;
using parseutil::Parse;
using parseutil::Parsed;

// The diagnostic starts with "t.scn:LINE:COL: error: TEXT".
::testing::AssertionResult Says(const std::string& diag, const std::string& head) {
  if (diag.rfind("t.scn:" + head, 0) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "wanted t.scn:" << head << "\n got: " << diag;
}

const std::string kHead = "title \"t\"\n";
const std::string kA = kHead + "T1: new A\nT1: enter A\n";

}  // namespace

TEST(Edition2, HandlesCallsAndContextsOfAnotherIsolate) {
  Parsed p;
  Parse(kA + "T1: global H of A in req\nT1: persistent P of A\nT1: open H\nT1: weak H\nT1: reset P\n"
             "T1: call A heap-stats\nT1: call A memory-pressure\nT1: call A is-terminating => \"false\"\n"
             "T1: new B\nT1: run B \"1\" in req of A ! cross-isolate\n",
        &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  const scn_step* st = p.s->steps;
  EXPECT_EQ(CK_GLOBAL, st[2].op);
  EXPECT_STREQ("H", st[2].handle);
  EXPECT_STREQ("A", st[2].isolate);
  EXPECT_STREQ("req", st[2].context);
  EXPECT_EQ(CK_PERSISTENT, st[3].op);
  EXPECT_EQ(CK_OPEN, st[4].op);
  EXPECT_STREQ("A", st[4].isolate);  // the handle's isolate, filled in
  EXPECT_EQ(CK_WEAK, st[5].op);
  EXPECT_EQ(CK_RESET, st[6].op);
  EXPECT_STREQ("P", st[6].handle);
  EXPECT_EQ(CK_HEAP_STATS, st[7].op);
  EXPECT_EQ(CK_MEMORY_PRESSURE, st[8].op);
  EXPECT_EQ(CK_IS_TERMINATING, st[9].op);
  ASSERT_EQ(1, st[9].nresults);
  EXPECT_STREQ("false", st[9].results[0].text);
  EXPECT_STREQ("A", st[11].context_of);
  EXPECT_STREQ("req", st[11].context);
  EXPECT_EQ(1u << CK_CROSS_ISOLATE, st[11].expect);
}

TEST(Edition2, BlocksNestAndTheirEndIsAStepOfTheOpenersThread) {
  Parsed p;
  Parse(kA + "T1: run A \"host()\" => \"undefined\" & ! locking-required {\n"
             "  T2: lock A\n"
             "  T1: gc A {\n"
             "    T1: call A heap-stats\n"
             "  }\n"
             "  T2: unlock A\n"
             "}\n"
             "T1: exit A\n",
        &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  const scn_step* st = p.s->steps;
  ASSERT_EQ(10, p.s->nsteps);
  EXPECT_TRUE(st[2].opens_block && st[2].background);
  EXPECT_EQ(8, st[2].block_end);
  EXPECT_EQ(2, st[3].block_parent);
  EXPECT_EQ(6, st[4].block_end);  // the inner gc's `}`
  EXPECT_EQ(4, st[5].block_parent);
  EXPECT_EQ(CK_BLOCK_END, st[6].op);
  EXPECT_STREQ("T1", st[6].thread);
  EXPECT_EQ(4, st[6].block_open);
  EXPECT_EQ(8, st[6].line);
  EXPECT_EQ(2, st[7].block_parent);
  EXPECT_EQ(CK_BLOCK_END, st[8].op);
  EXPECT_EQ(2, st[8].block_open);
  EXPECT_EQ(-1, st[9].block_parent);
}

TEST(Edition2, ABlockInARepeatClosesInEachIteration) {
  Parsed p;
  Parse(kA + "repeat 2 as i\n  T1: run A \"host()\" {\n    T2: call A heap-stats\n  }\ndone\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  ASSERT_EQ(8, p.s->nsteps);
  EXPECT_EQ(4, p.s->steps[2].block_end);
  EXPECT_EQ(7, p.s->steps[5].block_end);
}

TEST(Edition2, TheEmbeddersSynchronisation) {
  Parsed p;
  Parse(kHead + "main: spawn w\nw: acquire M\nw: send ready\nw: release M\nmain: recv ready\nmain: join w\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_EQ(CK_SPAWN, p.s->steps[0].op);
  EXPECT_STREQ("w", p.s->steps[0].sync);
  EXPECT_EQ(CK_ACQUIRE, p.s->steps[1].op);
  EXPECT_STREQ("ready", p.s->steps[4].sync);
  EXPECT_EQ(CK_JOIN, p.s->steps[5].op);
}

TEST(Edition2, DoubleDollarIsALiteralDollarInAndOutOfRepeats) {
  Parsed p;
  Parse(kA + "T1: run A \"`$${1}`\"\nrepeat 1 as i\n  T1: run A \"`$${x$i}` $$$i\"\ndone\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_STREQ("`${1}`", p.s->steps[2].js);
  EXPECT_STREQ("`${x0}` $0", p.s->steps[3].js);
}

TEST(Edition2, RustyHandleCallsMayPinTheirBool) {
  Parsed p;
  Parse("title \"t\"\nmodel rusty_v8\nw: new A\nw: drop A\nmain: terminate A => \"false\"\n"
        "main: interrupt A => \"false\"\nmain: cancel-terminate A => \"false\"\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_STREQ("false", p.s->steps[2].results[0].text);
}

TEST(Edition2Errors, WordsAfterAStepNameWhatWasFoundAndWhereTheStepEnds) {
  EXPECT_TRUE(Says(Bad(kA + "T1: context req of A\n"),
                   "4:17: error: found the name 'of' where context ends: a step ends with [=> RESULT] [&] [! CODES] [{]"));
  EXPECT_TRUE(Says(Bad(kA + "T1: exit A \"x\"\n"), "4:12: error: found a string where exit ends"));
}

TEST(Edition2Errors, BlocksMalformed) {
  EXPECT_TRUE(Says(Bad(kA + "T1: run A \"host()\" {\nT1: exit A\n"), "4:1: error: this block is never closed before the end of the file"));
  EXPECT_TRUE(Says(Bad(kA + "}\n"), "4:1: error: '}' without a block to close"));
  EXPECT_TRUE(Says(Bad(kA + "T1: run A \"1\" {\n} x\n"), "5:3: error: a line with '}' holds nothing else"));
  EXPECT_TRUE(Says(Bad(kA + "T1: exit A {\n}\n"), "4:12: error: only a run (its host() callback) or a gc"));
  EXPECT_TRUE(Says(Bad(kA + "repeat 2 as i\n  T1: run A \"host()\" {\ndone\n}\n"), "5:1: error: this block is never closed before its 'done'"));
  EXPECT_TRUE(Says(Bad(kA + "T1: run A \"host()\" {\nrepeat 1 as i\n}\ndone\n}\n"), "6:1: error: '}' closes a block opened outside this repeat block"));
  EXPECT_TRUE(Says(Bad(kA + "T1: run A \"host()\" {\n! leaked-isolate\n"), "5:1: error: an end-of-scenario expectation inside a block"));
  std::string deep = kA;
  for (int i = 0; i < 33; i++) deep += "T1: run A \"host()\" {\n";
  EXPECT_TRUE(Says(Bad(deep), "36:1: error: blocks nest at most 32 deep"));
}

TEST(Edition2Errors, TheOpenersThreadInsideItsOwnBlock) {
  EXPECT_TRUE(Says(Bad("title \"t\"\nw/t: new A\nw/t: run A \"host()\" {\n  w/t: await\n}\n"),
                   "4:8: error: w is inside the callback of its own run at line 3: it cannot await there"));
  EXPECT_TRUE(Says(Bad(kA + "T1: run A \"host()\" {\n  T1: end\n}\n"), "5:7: error: T1 is inside the callback of its own run at line 4: it cannot end there"));
  EXPECT_TRUE(Says(Bad(kA + "T1: gc A {\n  T1: run A \"1\" &\n}\n"), "5:3: error: T1 is inside the callback of its own gc at line 4: it cannot send a step"));
  Parsed ok;  // another thread may
  Parse(kA + "T1: run A \"host()\" {\n  T2: run A \"1\" &\n  T2: wait\n  T2: end\n}\n", &ok);
  EXPECT_NE(nullptr, ok.s) << ok.diag;
}

TEST(Edition2Errors, HandlesMalformed) {
  EXPECT_TRUE(Says(Bad(kA + "T1: open H\n"), "4:10: error: handle 'H' is used before 'global H of ...'"));
  EXPECT_TRUE(Says(Bad(kA + "T1: global H of A\nT1: persistent H of A\n"), "5:16: error: handle 'H' is made twice (first at line 4)"));
  EXPECT_TRUE(Says(Bad(kA + "T1: global A of A\n"), "4:12: error: 'A' is an isolate (new at line 2)"));
  EXPECT_TRUE(Says(Bad(kA + "T1: global H of A\nT1: new H\n"), "5:9: error: 'H' is a handle (line 4)"));
  EXPECT_TRUE(Says(Bad(kA + "T1: global H A\n"), "4:14: error: expected 'of ISOLATE' after the handle"));
  EXPECT_TRUE(Says(Bad(kA + "T1: global H of B\n"), "4:17: error: isolate 'B' is used before 'new B'"));
  EXPECT_TRUE(Says(Bad(kA + "T1: new B\nT1: run B \"1\" in req of A\n"), "5:25: error: context 'req' of A is used before it is made"));
}

TEST(Edition2Errors, CallsAndResultsMalformed) {
  EXPECT_TRUE(Says(Bad(kA + "T1: call A heap-statz\n"), "4:12: error: unknown isolate method 'heap-statz'"));
  EXPECT_TRUE(Says(Bad(kA + "T1: call A is-terminating => \"yes\"\n"), "4:30: error: call returns a bool"));
  EXPECT_TRUE(Says(Bad(kA + "T1: terminate A => \"false\"\n"), "4:5: error: '=>' on terminate needs model rusty_v8"));
  EXPECT_TRUE(Says(Bad(kA + "T1: call A heap-stats => \"1\"\n"), "4:23: error: '=>' gives the result of a run"));
}

TEST(Edition2Errors, SynchronisationMalformed) {
  EXPECT_TRUE(Says(Bad(kHead + "w: send x\nmain: recv ready\n"), "3:12: error: recv on channel 'ready', which no step sends to"));
  EXPECT_TRUE(Says(Bad(kHead + "w: release M\n"), "2:12: error: w releases mutex 'M', which it has not acquired"));
  EXPECT_TRUE(Says(Bad(kHead + "w: acquire M\nv: release M\n"), "3:12: error: v releases mutex 'M'"));
  EXPECT_TRUE(Says(Bad(kHead + "w: send x\nmain: spawn w\n"), "3:13: error: thread 'w' has a step at line 2, before it is spawned here"));
  EXPECT_TRUE(Says(Bad(kHead + "main: spawn w\nmain: spawn w\nw: send x\n"), "3:13: error: thread 'w' is spawned twice"));
  EXPECT_TRUE(Says(Bad(kHead + "main: join nobody\n"), "2:12: error: join nobody: no thread 'nobody' has a step"));
  EXPECT_TRUE(Says(Bad(kHead + "main: join main\n"), "2:12: error: main cannot join itself"));
  EXPECT_TRUE(Says(Bad(kHead + "w: send M\nw: acquire M\n"), "3:12: error: 'M' is a channel (line 2): a mutex needs another name"));
}
