// parser_test.cc — the scenario language: what parses, and every kind of bad input
// reported as FILE:LINE:COL: error: with the line and a caret.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" {
#include "scenario.h"
}
#include <fcntl.h>

#include "parse_util.h"
#include "test_util.h"

namespace {

using parseutil::Bad;
using parseutil::Parse;
using parseutil::Parsed;

const std::string kHead = "title \"t\"\n";

}  // namespace

TEST(Parser, TheSpecExampleParsesWithEveryPart) {
  Parsed p;
  Parse("title  \"Two runtimes\"\nsource \"denoland/rusty_v8#1628\"\nmodel  rusty_v8\n\n"
        "w1:   new A\nw1:   run A \"globalThis.n = 40 + 2\" => \"42\"\nw1:   new B\n"
        "main: terminate A\nw1:   drop A                     ! drop-order, tls-divergence\n"
        "w1:   drop B\n",
        &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_STREQ("Two runtimes", p.s->title);
  EXPECT_EQ(CK_MODEL_RUSTY_V8, p.s->model);
  ASSERT_EQ(6, p.s->nsteps);
  ASSERT_EQ(1, p.s->steps[1].nresults);
  EXPECT_EQ(SCN_RESULT_VALUE, p.s->steps[1].results[0].kind);
  EXPECT_STREQ("42", p.s->steps[1].results[0].text);
  EXPECT_EQ(9, p.s->steps[4].line);
  EXPECT_EQ((1u << CK_DROP_ORDER) | (1u << CK_TLS_DIVERGENCE), p.s->steps[4].expect);
  EXPECT_TRUE(p.s->steps[4].has_expect);
  EXPECT_FALSE(p.s->steps[5].has_expect);
}

TEST(Parser, DirectivesTasksBackgroundContextsAndEndExpectation) {
  Parsed p;
  Parse("title \"x\"\ntags a b\ntimeout 250ms\nexpect-end fatal \"Disposing\"\n"
        "skip tsan \"slow\"\nfatal-handler continue\n"
        "w1/t1: new A\nw1/t1: context A as c2\nw1/t1: run A \"s\\t\\\"q\\\"\" in c2 => throws \"E\" &\n"
        "w1/t1: wait\nw1/t1: await ! suspend-while-entered\nw1: check current none\n"
        "w1: check current A\nw1: end\n! leaked-isolate\n",
        &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_EQ(250, p.s->timeout_ms);
  EXPECT_EQ(SCN_END_FATAL, scn_end_for(p.s, -1)->kind);
  EXPECT_STREQ("Disposing", scn_end_for(p.s, -1)->text);
  EXPECT_EQ(2, p.s->ntags);
  EXPECT_TRUE(p.s->fatal_continue);
  const char* reason = nullptr;
  EXPECT_TRUE(scn_skipped(p.s, "tsan", -1, &reason));
  EXPECT_STREQ("slow", reason);
  EXPECT_FALSE(scn_skipped(p.s, "asan", -1, &reason));
  EXPECT_STREQ("t1", p.s->steps[0].task);
  EXPECT_STREQ("c2", p.s->steps[1].context);
  EXPECT_STREQ("s\t\"q\"", p.s->steps[2].js);
  EXPECT_STREQ("c2", p.s->steps[2].context);
  EXPECT_EQ(SCN_RESULT_THROWS, p.s->steps[2].results[0].kind);
  EXPECT_TRUE(p.s->steps[2].background);
  EXPECT_EQ(nullptr, p.s->steps[5].check_target);
  EXPECT_STREQ("A", p.s->steps[6].check_target);
  EXPECT_EQ(CK_THREAD_END, p.s->steps[7].op);
  EXPECT_TRUE(p.s->has_end_expect);
  EXPECT_EQ(1u << CK_LEAKED_ISOLATE, p.s->end_expect);
}

TEST(Parser, RepeatExpandsNestedBlocksAndSubstitutesNamesAndStrings) {
  Parsed p;
  Parse(kHead + "repeat 3 as i\n  T$i: new I$i\n  repeat 2 as j\n    T$i: run I$i \"$i*$j\"\n  done\ndone\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  ASSERT_EQ(9, p.s->nsteps);
  EXPECT_STREQ("T0", p.s->steps[0].thread);
  EXPECT_STREQ("I2", p.s->steps[6].isolate);
  EXPECT_STREQ("2*1", p.s->steps[8].js);
  EXPECT_EQ(5, p.s->steps[8].line);            // the template line of the inner run
  EXPECT_EQ(4, p.s->steps[8].iteration_line);  // the inner repeat
}

TEST(ParserErrors, UnknownOp) {
  std::string d = Bad(kHead + "T1: frobnicate A\n");
  EXPECT_EQ(0u, d.find("t.scn:2:5: error: unknown op 'frobnicate'")) << d;
  EXPECT_NE(std::string::npos, d.find("\n  T1: frobnicate A\n      ^\n")) << d;
}

TEST(ParserErrors, IsolateUsedBeforeNew) {
  std::string d = Bad(kHead + "T1: new A\nT1: enter B\n");
  EXPECT_EQ(0u, d.find("t.scn:3:11: error: isolate 'B' is used before 'new B'")) << d;
  EXPECT_NE(std::string::npos, d.find("  T1: enter B\n            ^\n")) << d;
}

TEST(ParserErrors, NameCreatedTwice) {
  std::string d = Bad(kHead + "T1: new A\nT2: new A\n");
  EXPECT_EQ(0u, d.find("t.scn:3:9: error: isolate 'A' is created twice (first 'new' at line 2)")) << d;
}

TEST(ParserErrors, AwaitWithoutATask) {
  std::string d = Bad(kHead + "w1: new A\nw1: await\n");
  EXPECT_EQ(0u, d.find("t.scn:3:5: error: 'await' needs a task: write w1/TASK: await")) << d;
}

TEST(ParserErrors, UnterminatedString) {
  std::string d = Bad(kHead + "T1: new A\nT1: run A \"1 + 1\n");
  EXPECT_EQ(0u, d.find("t.scn:3:11: error: unterminated string")) << d;
  EXPECT_NE(std::string::npos, d.find("  T1: run A \"1 + 1\n            ^\n")) << d;
}

TEST(ParserErrors, BadDuration) {
  std::string d = Bad("title \"t\"\ntimeout 5min\nT1: new A\n");
  EXPECT_EQ(0u, d.find("t.scn:2:9: error: bad duration '5min': write it as 250ms or 5s")) << d;
}

TEST(ParserErrors, RepeatWithoutDone) {
  std::string d = Bad(kHead + "repeat 3 as i\n  T1: new I$i\n");
  EXPECT_EQ(0u, d.find("t.scn:2:1: error: 'repeat' without a matching 'done'")) << d;
  EXPECT_NE(std::string::npos, d.find("  repeat 3 as i\n  ^\n")) << d;
}

TEST(ParserErrors, ExpectationCodeNotInTheCatalog) {
  std::string d = Bad(kHead + "T1: new A\nT1: exit A ! exit-order, drop_order\n");
  EXPECT_EQ(0u, d.find("t.scn:3:26: error: 'drop_order' is not a violation code")) << d;
}

TEST(ParserErrors, EmptyFile) {
  std::string d = Bad("");
  EXPECT_EQ(0u, d.find("t.scn:1:1: error: empty file")) << d;
}

TEST(ParserErrors, BinaryFile) {
  std::string text = kHead + "T1: new A\n";
  text += std::string("\x7f" "ELF\x02\x01\x01\x00\x00", 9);
  std::string d = Bad(text);
  EXPECT_EQ(0u, d.find("t.scn:3:8: error: binary file: a NUL byte")) << d;
  std::string bad_utf8 = kHead + "T1: new A\xff\n";
  d = Bad(bad_utf8);
  EXPECT_EQ(0u, d.find("t.scn:2:10: error: not UTF-8 text (byte 0xff)")) << d;
}

TEST(ParserErrors, TenMegabyteFileIsRefusedBeforeReadingIt) {
  std::string p = testutil::Path("big.scn");
  const char* path = p.c_str();
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::string line = "T1: gc A  # padding padding padding padding padding padding padding\n";
  std::string chunk;
  while (chunk.size() < (1u << 20)) chunk += line;
  std::string head = kHead + "T1: new A\n";
  ASSERT_EQ((ssize_t)head.size(), write(fd, head.data(), head.size()));
  for (int i = 0; i < 10; i++) ASSERT_EQ((ssize_t)chunk.size(), write(fd, chunk.data(), chunk.size()));
  close(fd);
  scenario* s = nullptr;
  iso_err err{};
  EXPECT_EQ(-1, scn_load(path, &s, &err));
  EXPECT_EQ(nullptr, s);
  std::string d = err.msg;
  unlink(path);
  EXPECT_NE(std::string::npos, d.find(std::string(path) + ":1:1: error: the file is ")) << d;
  EXPECT_NE(std::string::npos, d.find("scenario files are limited to 4194304 bytes")) << d;
}

TEST(ParserErrors, LineOfAHundredThousandCharacters) {
  std::string d = Bad(kHead + "T1: new A\nT1: run A \"" + std::string(100000, 'x') + "\"\n");
  EXPECT_EQ(0u, d.find("t.scn:3:4097: error: line is 100012 characters long; lines are limited to 4096")) << d;
  EXPECT_LT(d.size(), 600u) << "the echoed line is cut around the column";
  EXPECT_NE(std::string::npos, d.find("...xxxx")) << d;
}

TEST(ParserErrors, MoreMalformedInputs) {
  EXPECT_EQ(0u, Bad("T1: new A\n").find("t.scn:1:1: error: missing 'title")) ;
  EXPECT_EQ(0u, Bad(kHead).find("t.scn:2:1: error: no steps"));
  EXPECT_EQ(0u, Bad(kHead + "done\n").find("t.scn:2:1: error: 'done' without a matching 'repeat'"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\ntitle \"again\"\n").find("t.scn:3:1: error: header directive 'title' after the first step"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A => \"1\"\n").find("t.scn:2:11: error: '=>' gives the result of a run"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: wait\n").find("t.scn:3:5: error: 'wait' with no background step"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: end\nT1: gc A\n").find("t.scn:4:1: error: thread 'T1' ended at line 3"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new I$i\n").find("t.scn:2:10: error: '$i' outside a repeat block"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\n! leaked-isolate\nT1: gc A\n").find("t.scn:4:1: error: a step after the end-of-scenario expectation"));
  EXPECT_EQ(0u, Bad("title \"t\"\nexpect-end signal SEGFAULT\nT1: new A\n").find("t.scn:2:19: error: unknown signal 'SEGFAULT'"));
  EXPECT_EQ(0u, Bad("title \"t\"\nmodel v9\nT1: new A\n").find("t.scn:2:7: error: unknown model 'v9'"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A & ! \n").find("t.scn:2:15: error: expected a violation code after '!'"));
}

TEST(Parser, StringEscapesIncludingNulAndHexKeepTheirLength) {
  Parsed p;
  Parse(kHead + "T1: new A\nT1: run A \"x\" => \"a\\0b\\x41\\r\"\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_EQ(5u, p.s->steps[1].results[0].len);
  EXPECT_EQ(0, memcmp(p.s->steps[1].results[0].text, "a\0bA\r", 5));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: run A \"\\x80\"\n").find("t.scn:3:12: error: unknown escape in string"));
}

TEST(Parser, RepeatReversedCountsDown) {
  Parsed p;
  Parse(kHead + "repeat 3 as i\n  T1: new I$i\ndone\nrepeat 3 as i reversed\n  T1: dispose I$i\ndone\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  ASSERT_EQ(6, p.s->nsteps);
  EXPECT_STREQ("I2", p.s->steps[3].isolate);
  EXPECT_STREQ("I0", p.s->steps[5].isolate);
}

TEST(Parser, TheLongestLoopVariableWinsAndDirectivesStayOutOfRepeats) {
  Parsed p;
  Parse(kHead + "repeat 2 as i\n  repeat 2 as in\n    T$in: new I$i-$in\n  done\ndone\n", &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  EXPECT_STREQ("I1-0", p.s->steps[2].isolate);
  EXPECT_STREQ("T0", p.s->steps[2].thread);
  EXPECT_EQ(0u, Bad(kHead + "repeat 1 as i\n  tags x\ndone\nT1: new A\n").find("t.scn:3:3: error: header directive 'tags' inside a repeat block"));
}

// ---- V8 version conditions ------------------------------------------------------------

TEST(ParserVersions, EveryFormOfConditionAndWhatAppliesOnEachVersion) {
  Parsed p;
  Parse("title \"v\"\nexpect-end [v8>=14.0] signal SEGV\nexpect-end [ v8 = 12.4 ] fatal \"x\"\n"
        "expect-sanitizer [v8<12.0] tsan \"data race\"\nskip [v8 13.6..13.9] asan \"no asan there\"\n"
        "skip [v8<11.0] \"needs 11\"\nT1: new A\nT1: new B\nT1: enter A\nT1: enter B\n"
        "T1: exit A ! exit-order, tls-divergence[v8<14.0]\n"
        "T1: run B \"1\" => [v8<13.0] \"1\" => [v8>=14.0] throws \"x\" => terminated\n"
        "T1: check current none [v8>12.4]\n",
        &p);
  ASSERT_NE(nullptr, p.s) << p.diag;
  const int v10 = SCN_V8(10, 2), v12 = SCN_V8(12, 4), v13 = SCN_V8(13, 6), v14 = SCN_V8(14, 6);
  EXPECT_EQ(SCN_END_CLEAN, scn_end_for(p.s, v10)->kind);
  EXPECT_EQ(SCN_END_FATAL, scn_end_for(p.s, v12)->kind);
  EXPECT_EQ(SCN_END_CLEAN, scn_end_for(p.s, v13)->kind);
  EXPECT_EQ(SCN_END_SIGNAL, scn_end_for(p.s, v14)->kind);
  EXPECT_EQ(SCN_END_CLEAN, scn_end_for(p.s, -1)->kind) << "a dry run ignores conditions";
  EXPECT_TRUE(scn_note_applies(&p.s->sanitizers[0], "tsan", v10));
  EXPECT_FALSE(scn_note_applies(&p.s->sanitizers[0], "tsan", v12));
  const char* why;
  EXPECT_TRUE(scn_skipped(p.s, "asan", v13, &why));
  EXPECT_FALSE(scn_skipped(p.s, "tsan", v13, &why));
  EXPECT_TRUE(scn_skipped(p.s, "tsan", v10, &why));
  EXPECT_STREQ("needs 11", why);
  EXPECT_FALSE(scn_skipped(p.s, "default", -1, &why));
  const scn_step* exit_a = &p.s->steps[4];
  unsigned order = 1u << CK_EXIT_ORDER, tls = 1u << CK_TLS_DIVERGENCE;
  EXPECT_EQ(order | tls, scn_codes_for(p.s, exit_a, v13));
  EXPECT_EQ(order, scn_codes_for(p.s, exit_a, v14));
  EXPECT_EQ(order, scn_codes_for(p.s, exit_a, -1));
  const scn_step* run = &p.s->steps[5];
  EXPECT_EQ(SCN_RESULT_VALUE, scn_result_for(run, v12)->kind);
  EXPECT_EQ(SCN_RESULT_TERMINATED, scn_result_for(run, v13)->kind) << "the unconditional one where no other holds";
  EXPECT_EQ(SCN_RESULT_THROWS, scn_result_for(run, v14)->kind);
  const scn_step* check = &p.s->steps[6];
  EXPECT_FALSE(scn_check_applies(check, v12));
  EXPECT_TRUE(scn_check_applies(check, v13));
}

TEST(ParserVersions, BadConditionsAreErrorsAtTheirColumn) {
  EXPECT_EQ(0u, Bad(kHead + "T1: new A ! exit-order[v8<14.0]\n").find("t.scn:2:13: error: 'exit-order' is the checker's verdict"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: check current A [v8>=14]\n").find("t.scn:3:24: error: write a version condition as"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: check current A [node>=14.0]\n").find("t.scn:3:22: error: write a version condition"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: check current A [v8>=14.0\n").find("t.scn:3:21: error: a version condition needs its closing ']'"));
  EXPECT_EQ(0u, Bad("title \"t\"\nexpect-end [v8>=13.0] clean\nexpect-end [v8 12.0..13.6] signal SEGV\nT1: new A\n")
                    .find("t.scn:3:12: error: expect-end [v8 12.0..13.6] overlaps the one at line 2 [v8>=13.0]"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: run A \"1\" => \"1\" => \"2\"\n").find("t.scn:3:22: error: a second '=>' without a version condition"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: run A \"1\" => [v8<14.0] \"1\" => [v8=13.6] \"2\"\n")
                    .find("t.scn:3:32: error: '=>' [v8=13.6] overlaps an earlier '=>' [v8<14.0]"));
  EXPECT_EQ(0u, Bad(kHead + "T1: new A\nT1: run A \"1\" => [v8 14.0..13.0] \"1\"\n").find("t.scn:3:22: error: write a version condition"));
}
