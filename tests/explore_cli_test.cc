// explore_cli_test.cc — `isoreplay explore` through the CLI: what it prints and writes,
// its exit status with and without expect-race, --real's replay of a witness on every
// runtime, PCT from a seed, and what it refuses before anything runs. (reduce's
// sanitizer property is here too: it needs this build's sanitizer.)
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

using testutil::Cli;
using testutil::Dir;
using testutil::Path;
using testutil::ReadFile;
using testutil::RunCli;
using testutil::WriteFile;

namespace {

const char kRace[] =
    "title \"a watchdog's terminate after the dispose\"\n"
    "w: new A\nw: lock A\nw: enter A\nw: run A \"1\" => \"1\"\nwd: terminate A\nw: exit A\nw: unlock A\nw: dispose A\n";

}  // namespace

TEST(ExploreCli, ARaceIsReportedWithItsWitnessAndFailsAFileThatExpectsNone) {
  std::string scn = WriteFile("race.scn", kRace);
  Cli r = RunCli("explore --witness-dir " + Dir() + " " + scn);
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("race.scn:6: error[use-after-dispose]: wd: terminate A after w disposed it"))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("(in another order: 0 preemptions)")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("FAIL: 1 finding in other schedules")) << r.out;
  std::string witness = ReadFile(Path("race.race-1.scn"));
  EXPECT_NE(std::string::npos, witness.find("w: dispose A\nwd: terminate A  ! use-after-dispose\n")) << witness;
  EXPECT_NE(std::string::npos, witness.find("# Witness: use-after-dispose at line 6")) << witness;
  Cli dry = RunCli("run --dry-run " + Path("race.race-1.scn"));
  EXPECT_EQ(0, dry.status) << dry.out;

  std::string expected = WriteFile("race-expected.scn", std::string(kRace).replace(0, 0, "expect-race use-after-dispose\n"));
  EXPECT_EQ(0, RunCli("explore --witness-dir " + Dir() + " " + expected).status);
  std::string wrong = WriteFile("race-wrong.scn", std::string(kRace).replace(0, 0, "expect-race deadlock\n"));
  Cli w = RunCli("explore --witness-dir " + Dir() + " " + wrong);
  EXPECT_EQ(1, w.status);
  EXPECT_NE(std::string::npos, w.out.find("expect-race deadlock, explore found use-after-dispose")) << w.out;
}

TEST(ExploreCli, RealReplaysEachWitnessOnEveryRuntimeAndSaysHowV8EndedIt) {
  std::string scn = WriteFile("entered.scn",
                              "title \"the owner disposes while the worker may still be entered\"\n"
                              "main: new A\nw: lock A\nw: enter A\nw: run A \"1\"\nw: exit A\nw: unlock A\nmain: dispose A\n");
  Cli r = RunCli("explore --real --witness-dir " + Dir() + " " + scn);
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("error[dispose-entered]")) << r.out;
  // V8's own check, on every runtime: "Disposing the isolate that is entered by a thread".
  EXPECT_NE(std::string::npos, r.out.find("Disposing the isolate that is entered by a thread")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("replay ended")) << r.out;
}

TEST(ExploreCli, PctIsRepeatableFromItsSeedAndSaysHowManySchedules) {
  std::string scn = WriteFile("race-pct.scn", kRace);
  Cli a = RunCli("explore --pct --seed 3 --runs 50 --depth 1 --witness-dir " + Dir() + " " + scn);
  EXPECT_EQ(1, a.status) << a.out;
  EXPECT_NE(std::string::npos, a.out.find("50 random schedules (PCT, depth 1, seed 3)")) << a.out;
  std::string first = ReadFile(Path("race-pct.race-1.scn"));
  RunCli("explore --pct --seed 3 --runs 50 --depth 1 --witness-dir " + Dir() + " " + scn);
  EXPECT_EQ(first, ReadFile(Path("race-pct.race-1.scn")));
}

TEST(ExploreCli, BadOptionsAndBadFilesStopBeforeAnythingRuns) {
  std::string scn = WriteFile("ok.scn", kRace);
  Cli bound = RunCli("explore --bound x " + scn);
  EXPECT_EQ(2, bound.status);
  EXPECT_NE(std::string::npos, bound.out.find("--bound takes a number from 0 to 20, not 'x'")) << bound.out;
  Cli dir = RunCli("explore --witness-dir /nonexistent " + scn);
  EXPECT_EQ(2, dir.status);
  EXPECT_NE(std::string::npos, dir.out.find("--witness-dir /nonexistent: not a directory")) << dir.out;
  std::string bad = WriteFile("bad.scn", "title \"x\"\nexpect-race use-after-dispos\nT: new A\n");
  Cli parse = RunCli("explore --witness-dir " + Dir() + " " + scn + " " + bad);
  EXPECT_EQ(2, parse.status);
  EXPECT_NE(std::string::npos, parse.out.find("bad.scn:2:13: error: unknown violation code 'use-after-dispos'")) << parse.out;
  EXPECT_EQ(std::string::npos, parse.out.find("explored")) << parse.out;  // nothing ran, ok.scn neither
}

TEST(ReduceSanitizer, AFindingOfThisBuildIsKeptAndExpectedInTheResult) {
  if (std::string(ISOREPLAY_FLAVOR_NAME) != "tsan") GTEST_SKIP() << "the data race is TSan's: the tsan build tests it";
  Cli versions = RunCli("versions");
  if (versions.out.find("10.2") == std::string::npos) GTEST_SKIP() << "no V8 10.2 runtime";
  std::string scn = std::string(ISOREPLAY_SOURCE_DIR) + "/scenarios/catalog/unlocked-shared.scn";
  std::string out = Path("shared.small.scn");
  Cli r = RunCli("reduce -q --keep 'sanitizer data race' --v8 10.2 -o " + out + " " + scn);
  ASSERT_EQ(0, r.status) << r.out;
  std::string text = ReadFile(out);
  EXPECT_NE(std::string::npos, text.find("expect-sanitizer [v8=10.2] tsan \"data race\"\n")) << text;
  Cli real = RunCli("run --v8 10.2 " + out);
  EXPECT_EQ(0, real.status) << real.out;
}
