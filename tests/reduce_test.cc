// reduce_test.cc — `isoreplay reduce` through the CLI: a large recorded-style scenario
// cut to the steps of its one bug, by the checker alone; a code at a chosen line; a V8
// crash on a chosen runtime; candidates the parser refuses are never tested; what the
// command refuses before anything runs.
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

using testutil::Cli;
using testutil::Path;
using testutil::ReadFile;
using testutil::RunCli;
using testutil::WriteFile;

namespace {

// A pool of four workers, each making, using and dropping 150 runtimes in turn; one of
// them, once, drops two out of creation order (rusty_v8's OwnedIsolate).
std::string PoolWithOneBug() {
  std::string text = "title \"Recorded: four pool workers, one drops out of order\"\nmodel rusty_v8\ntags recorded\n\n";
  int iso = 0;
  for (int round = 0; round < 150; round++)
    for (int w = 0; w < 4; w++) {
      std::string t = "worker-" + std::to_string(w) + ": ", a = "I" + std::to_string(iso++);
      text += t + "new " + a + "\n" + t + "run " + a + " \"0\"\n" + t + "persistent H" + a + " of " + a + "\n" + t +
              "reset H" + a + "\n" + t + "run " + a + " \"1\"\n" + t + "drop " + a + "\n";
      if (round == 97 && w == 2) {
        std::string b = "I" + std::to_string(iso++), c = "I" + std::to_string(iso++);
        text += t + "new " + b + "\n" + t + "new " + c + "\n" + t + "run " + c + " \"2\"\n" + t + "drop " + b +
                "  ! drop-order, tls-divergence\n" + t + "drop " + c + "\n";
      }
    }
  return text;
}

}  // namespace

TEST(Reduce, ALargeRecordingIsCutToTheStepsOfItsOneBugByTheCheckerAlone) {
  std::string scn = WriteFile("pool.scn", PoolWithOneBug()), out = Path("pool.small.scn");
  Cli r = RunCli("reduce -q --keep drop-order -o " + out + " " + scn);
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("reduced from 3605 steps to 3 keeping 'drop-order'")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("(the checker alone)")) << r.out;
  std::string text = ReadFile(out);
  EXPECT_NE(std::string::npos, text.find("worker-2: new I391\nworker-2: new I392\nworker-2: drop I391  ! drop-order")) << text;
  EXPECT_NE(std::string::npos, text.find("model rusty_v8\n")) << text;  // the header kept
  EXPECT_NE(std::string::npos, text.find("# Reduced by isoreplay reduce --keep 'drop-order' from 3605 steps")) << text;
  EXPECT_EQ(0, RunCli("check " + out).status);
  Cli dry = RunCli("run --dry-run " + out);
  EXPECT_EQ(0, dry.status) << dry.out;
  EXPECT_NE(std::string::npos, dry.out.find("error[drop-order]")) << dry.out;
}

TEST(Reduce, ACodeAtALineKeepsThatStepsViolationNotAnother) {
  std::string scn = WriteFile("two.scn",
                              "title \"two exit-orders\"\n"
                              "T1: new A\nT1: enter A\nT1: new B\nT1: enter B\nT1: exit A  ! exit-order\n"
                              "T2: new C\nT2: enter C\nT2: new D\nT2: enter D\nT2: exit C  ! exit-order\n"
                              "! leaked-isolate\n");
  std::string out = Path("two.small.scn");
  Cli r = RunCli("reduce -q --keep exit-order@11 -o " + out + " " + scn);
  ASSERT_EQ(0, r.status) << r.out;
  std::string text = ReadFile(out);
  EXPECT_NE(std::string::npos, text.find("T2: exit C  ! exit-order")) << text;
  EXPECT_EQ(std::string::npos, text.find("T1:")) << text;
  Cli none = RunCli("reduce -q --keep exit-order@3 -o " + out + " " + scn);
  EXPECT_EQ(1, none.status) << none.out;
  EXPECT_NE(std::string::npos, none.out.find("does not hold on the file itself")) << none.out;
}

TEST(Reduce, CandidatesTheParserRefusesAreNotTestedAndTheMessagesStayPaired) {
  // Dropping the send alone would leave a recv nothing sends to: that candidate is never
  // run; the reduction keeps both or neither.
  std::string scn = WriteFile("msg.scn",
                              "title \"a message, then a terminate after the dispose\"\n"
                              "w: new A\nw: send ready\nmain: recv ready\nw: dispose A\n"
                              "main: terminate A  ! use-after-dispose\n");
  std::string out = Path("msg.small.scn");
  Cli r = RunCli("reduce -q --keep use-after-dispose -o " + out + " " + scn);
  ASSERT_EQ(0, r.status) << r.out;
  std::string text = ReadFile(out);
  EXPECT_NE(std::string::npos, text.find("w: new A\nw: dispose A\nmain: terminate A  ! use-after-dispose\n")) << text;
  EXPECT_EQ(0, RunCli("check " + out).status) << text;
}

TEST(Reduce, AV8CrashIsKeptOnTheChosenRuntime) {
  Cli versions = RunCli("versions");
  if (versions.out.find("14.6") == std::string::npos) GTEST_SKIP() << "no V8 14.6 runtime in this build";
  std::string scn = std::string(ISOREPLAY_SOURCE_DIR) +
                    "/scenarios/bug-reports/isolated-vm-553-default-context-without-isolate-scope.scn";
  std::string out = Path("ivm.small.scn");
  Cli r = RunCli("reduce -q --keep 'signal SEGV' --v8 14.6 -o " + out + " " + scn);
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("to 3 keeping 'signal SEGV' on V8 14.6")) << r.out;
  std::string text = ReadFile(out);
  EXPECT_NE(std::string::npos, text.find("expect-end [v8=14.6] signal SEGV\n")) << text;
  EXPECT_NE(std::string::npos, text.find("node: new N\nnode: run N")) << text;
  Cli real = RunCli("run --v8 14.6 " + out);
  EXPECT_EQ(0, real.status) << real.out;
  EXPECT_NE(std::string::npos, real.out.find("killed by SIGSEGV")) << real.out;
}

TEST(Reduce, BadPropertiesAndAV8PropertyWithoutAVersionAreRefusedBeforeAnythingRuns) {
  std::string scn = WriteFile("one.scn", "title \"one\"\nT: new A\nT: dispose A\n");
  Cli bad = RunCli("reduce --keep drop-ordr " + scn);
  EXPECT_EQ(2, bad.status);
  EXPECT_NE(std::string::npos, bad.out.find("--keep 'drop-ordr': not a property")) << bad.out;
  Cli no_v8 = RunCli("reduce --keep 'signal SEGV' " + scn);
  EXPECT_EQ(2, no_v8.status);
  EXPECT_NE(std::string::npos, no_v8.out.find("name one runtime with --v8 VERSION")) << no_v8.out;
  Cli sig = RunCli("reduce --v8 14.6 --keep 'signal SEGX' " + scn);
  EXPECT_EQ(2, sig.status);
  EXPECT_NE(std::string::npos, sig.out.find("unknown signal 'SEGX'")) << sig.out;
  Cli none = RunCli("reduce " + scn);
  EXPECT_EQ(2, none.status);
}
