// cli_test.cc — the isoreplay command's contract, through the real binary: exit codes,
// bad input of every kind, output files, signals, limits.
#include <gtest/gtest.h>
#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "test_json.h"
#include "test_util.h"

using testjson::LoadJson;
using testjson::Str;
using testutil::Cli;
using testutil::RunCli;

namespace {

const std::string kSrc = ISOREPLAY_SOURCE_DIR;
const std::string kGood = kSrc + "/scenarios/correct/create-here-use-there.scn";


}  // namespace

TEST(Cli, AnUnmetExpectationExitsOneAndShowsBothSides) {
  Cli r = RunCli("run --v8 10.2 " + kSrc + "/tests/data/unmet.scn " + kGood);
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("unmet.scn:5: mismatch: violations at step 3 (main: exit A)\n"
                                          "    expected: exit-order\n    got:      none\n")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("\n1 passed, 1 failed\n")) << r.out;
}

TEST(Cli, BadInputAmongGoodFilesRunsNothingAndExitsTwo) {
  std::string path = testutil::WriteFile("bad.scn", "title \"bad\"\nT1: new A\nT1: enter B\n");
  std::string json = testutil::Path("never.json");
  Cli r = RunCli("run --json " + json + " " + kGood + " " + path);
  EXPECT_EQ(2, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find(path + ":3:11: error: isolate 'B' is used before 'new B'")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("replay ended")) << r.out;
  EXPECT_NE(0, access(json.c_str(), F_OK)) << "nothing is written on bad input";
}

TEST(Cli, UsageVersionAndCheck) {
  EXPECT_EQ(2, RunCli("").status);
  Cli u = RunCli("run --frob x.scn");
  EXPECT_EQ(2, u.status);
  EXPECT_NE(std::string::npos, u.out.find("unknown option '--frob'")) << u.out;
  EXPECT_EQ(2, RunCli("run").status);
  EXPECT_NE(std::string::npos, RunCli("run --json").out.find("--json needs a value"));
  Cli v = RunCli("--version");
  EXPECT_EQ(0, v.status);
  EXPECT_NE(std::string::npos, v.out.find("V8 10.2.")) << v.out;
  EXPECT_NE(std::string::npos, v.out.find(std::string(ISOREPLAY_FLAVOR_NAME) + " build")) << v.out;
  Cli h = RunCli("--help");
  EXPECT_EQ(0, h.status);
  EXPECT_NE(std::string::npos, h.out.find("--dry-run")) << h.out;
  Cli c = RunCli("check " + kSrc + "/tests/data/four-threads.scn");
  EXPECT_EQ(0, c.status) << c.out;
  EXPECT_NE(std::string::npos, c.out.find("ok: \"Four threads")) << c.out;
  EXPECT_EQ(2, RunCli("check /nonexistent.scn").status);
}

TEST(Cli, SkipForThisBuildIsReportedWithItsReasonAndCountsAsSkipped) {
  std::string path = testutil::WriteFile("skip.scn", std::string("title \"skipped here\"\nskip ") + ISOREPLAY_FLAVOR_NAME +
                                                         " \"needs a debug V8\"\nT1: new A\nT1: enter A\nT1: dispose A\n");
  std::string json = testutil::Path("skip.json");
  Cli r = RunCli("run --v8 10.2 --json " + json + " " + path + " " + kGood);
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find(path + ": SKIP (" + ISOREPLAY_FLAVOR_NAME + " build, V8 10.2): needs a debug V8")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("\n1 passed, 0 failed, 1 skipped\n")) << r.out;
  json_t* root = LoadJson(json);
  ASSERT_NE(nullptr, root);
  json_t* sc = json_array_get(json_object_get(root, "scenarios"), 0);
  EXPECT_STREQ("skipped", Str(sc, "outcome"));
  EXPECT_STREQ("needs a debug V8", Str(sc, "skip_reason"));
  EXPECT_EQ(1, json_integer_value(json_object_get(json_object_get(root, "summary"), "skipped")));
  json_decref(root);
}

TEST(Cli, AReportThatCannotBeWrittenIsAnInternalError) {
  Cli r = RunCli("run --quiet --dry-run --json /nonexistent-dir/report.json " + kGood);
  EXPECT_EQ(3, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("isoreplay: cannot write /nonexistent-dir/report.json")) << r.out;
}

TEST(Cli, StepsShowEachVerdictBesideTheRealAndIdealCurrentIsolate) {
  Cli r = RunCli("run --steps " + kSrc + "/scenarios/catalog/exit-order.scn");
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("   5 main: exit A (line 9)\n"
                                          "       error[exit-order]: main exits A while B, entered later, is on top"))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("     -> real=none ideal=B\n")) << r.out;
  Cli d = RunCli("run --steps " + kSrc + "/scenarios/catalog/dispose-entered.scn");
  EXPECT_NE(std::string::npos, d.out.find("     -> V8 never returned\n")) << d.out;
}

// ---- hostile and odd input --------------------------------------------------------

TEST(CliInput, AFifoADirectoryAndADeviceAreRefusedAtOnceWithoutBlocking) {
  std::string fifo = testutil::Path("in.fifo");
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  Cli f = RunCli("check " + fifo);  // a blocking open would hang here until ctest's timeout
  EXPECT_EQ(2, f.status) << f.out;
  EXPECT_NE(std::string::npos, f.out.find(fifo + ":1:1: error: a FIFO, not a scenario file")) << f.out;
  Cli d = RunCli("run " + testutil::Dir());
  EXPECT_EQ(2, d.status) << d.out;
  EXPECT_NE(std::string::npos, d.out.find("error: a directory, not a scenario file")) << d.out;
  Cli z = RunCli("check /dev/zero");
  EXPECT_EQ(2, z.status) << z.out;
  EXPECT_NE(std::string::npos, z.out.find("/dev/zero:1:1: error: a device")) << z.out;
}

TEST(CliInput, CrlfLineEndingsReadLikeLf) {
  std::string text = "title \"crlf\"\r\nrepeat 2 as i\r\n  T1: new A$i\r\n  T1: dispose A$i\r\ndone\r\n"
                     "T1: new B\r\nT1: enter B\r\nT1: exit B\r\nT1: dispose B\r\n";
  std::string path = testutil::WriteFile("crlf.scn", text);
  Cli ok = RunCli("run --dry-run " + path);
  EXPECT_EQ(0, ok.status) << ok.out;
  std::string bad = testutil::WriteFile("crlf-bad.scn", "title \"crlf\"\r\nT1: new A\r\nT1: enter B\r\n");
  Cli e = RunCli("check " + bad);
  EXPECT_EQ(2, e.status);
  EXPECT_NE(std::string::npos, e.out.find(":3:11: error: isolate 'B' is used before 'new B'\n  T1: enter B\n")) << e.out;
}

TEST(CliInput, ABadByteFarDownAFileIsReportedAtItsLine) {
  std::string text = "title \"long\"\nT1: new A\n";
  for (int i = 0; i < 300; i++) text += "# a comment line to push the bad byte far down\n";
  text += std::string("T1: dispose A\x01\x00 tail\n", 21);
  Cli nul = RunCli("check " + testutil::WriteFile("nul.scn", text));
  EXPECT_EQ(2, nul.status) << nul.out;
  EXPECT_NE(std::string::npos, nul.out.find("nul.scn:303:15: error: binary file: a NUL byte")) << nul.out;
  text.replace(text.size() - 7, 1, "\xff");
  Cli ff = RunCli("check " + testutil::WriteFile("ff.scn", text));
  EXPECT_NE(std::string::npos, ff.out.find("ff.scn:303:15: error: not UTF-8 text (byte 0xff)")) << ff.out;
}

TEST(CliInput, ANulInsideAJsResultIsComparedWholeLengthIncluded) {
  std::string head = "title \"nul\"\nT1: new A\nT1: enter A\n", tail = "T1: exit A\nT1: dispose A\n";
  std::string prefix = testutil::WriteFile("prefix.scn", head + "T1: run A \"'a\\\\0b'\" => \"a\"\n" + tail);
  Cli r = RunCli("run " + prefix);
  EXPECT_EQ(1, r.status) << "a value that only starts like the expected one must not pass:\n" << r.out;
  EXPECT_NE(std::string::npos, r.out.find("expected: \"a\"\n    got:      \"a\\x00b\"")) << r.out;
  std::string whole = testutil::WriteFile("whole.scn", head + "T1: run A \"'a\\\\0b'\" => \"a\\0b\"\n" + tail);
  Cli w = RunCli("run " + whole);
  EXPECT_EQ(0, w.status) << w.out;
  std::string json = testutil::Path("nul.json");
  RunCli("run --quiet --json " + json + " " + whole);
  EXPECT_NE(std::string::npos, testutil::ReadFile(json).find("\"text\": \"a\\u0000b\"")) << "JSON keeps the NUL";
}

TEST(CliInput, ControlCharactersAreEscapedInTerminalOutput) {
  std::string path = testutil::WriteFile("esc.scn",
      "title \"red \x1b[31m title\"\nT1: new A\nT1: enter A\n"
      "T1: run A \"throw '\\x1b[2J' + String.fromCharCode(7)\" => \"x\"\nT1: exit A\nT1: dispose A\n");
  Cli r = RunCli("run " + path);
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find('\x1b')) << "no raw escape byte reaches the terminal";
  EXPECT_EQ(std::string::npos, r.out.find('\x07'));
  EXPECT_NE(std::string::npos, r.out.find("\"red \\x1b[31m title\"")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("got:      throws \"\\x1b[2J\\x07\"")) << r.out;
}

TEST(CliInput, ExpansionBombsEndInAnErrorNamingTheLimit) {
  Cli empty = RunCli("check " + testutil::WriteFile("bomb1.scn", "title \"b\"\nrepeat 1000000 as a\nrepeat 1000000 as b\n"
                                                                  "done\ndone\nT1: new A\n"));
  EXPECT_EQ(2, empty.status) << empty.out;
  EXPECT_NE(std::string::npos, empty.out.find("expanding repeat blocks takes more than 4000000 lines and iterations")) << empty.out;
  std::string deep = "title \"b\"\n";
  for (int i = 0; i < 6; i++) deep += "repeat 100 as v" + std::to_string(i) + "\n";
  deep += "T1: gc A\n";
  for (int i = 0; i < 6; i++) deep += "done\n";
  Cli tiny = RunCli("check " + testutil::WriteFile("bomb2.scn", "title \"b\"\nT1: new A\n" + deep.substr(10)));
  EXPECT_EQ(2, tiny.status) << tiny.out;
  EXPECT_NE(std::string::npos, tiny.out.find(":9:1: error: more than 1000000 steps after expanding repeat blocks")) << tiny.out;
  Cli count = RunCli("check " + testutil::WriteFile("bomb3.scn", "title \"b\"\nrepeat 99999999999 as i\nT1: new A$i\ndone\n"));
  EXPECT_NE(std::string::npos, count.out.find(":2:8: error: repeat needs a count from 0 to 1000000")) << count.out;
}

TEST(CliInput, RepeatZeroBodiesAreStillChecked) {
  Cli r = RunCli("check " + testutil::WriteFile("r0.scn", "title \"r0\"\nT1: new A\nrepeat 0 as i\n  T1: frob A\ndone\n"));
  EXPECT_EQ(2, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("r0.scn:4:7: error: unknown op 'frob'")) << r.out;
  Cli ok = RunCli("run --dry-run " + testutil::WriteFile("r0ok.scn", "title \"r0\"\nT1: new A\nrepeat 0 as i\n"
                                                                     "  T1: gc A\ndone\nT1: dispose A\n"));
  EXPECT_EQ(0, ok.status) << ok.out;
}

TEST(CliInput, LoopVariablesOfAnyLength) {
  std::string v(300, 'v');
  std::string path = testutil::WriteFile("long.scn", "title \"long\"\nrepeat 2 as " + v + "\n  T1: new A$" + v +
                                                         "\n  T1: dispose A$" + v + "\ndone\n");
  Cli r = RunCli("run --dry-run --steps " + path);
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("T1: dispose A1")) << r.out;
}

TEST(CliInput, ADirectiveGivenTwiceIsAnError) {
  for (const char* d : {"timeout 1s\ntimeout 2s", "model v8\nmodel rusty_v8", "expect-end clean\nexpect-end signal SEGV",
                        "fatal-handler abort\nfatal-handler continue", "skip asan \"a\"\nskip asan \"b\""}) {
    Cli r = RunCli("check " + testutil::WriteFile("twice.scn", std::string("title \"t\"\n") + d + "\nT1: new A\n"));
    EXPECT_EQ(2, r.status) << d << "\n" << r.out;
    EXPECT_NE(std::string::npos, r.out.find("twice.scn:3:")) << d << "\n" << r.out;
    EXPECT_NE(std::string::npos, r.out.find("given twice")) << d << "\n" << r.out;
  }
}

// ---- scale --------------------------------------------------------------------------

TEST(CliScale, MoreThanFourThousandThreadsComeAndGo) {
  std::string path = testutil::WriteFile("threads.scn", "title \"4100 threads\"\ntimeout 300s\nmain: new A\nrepeat 4100 as i\n"
                                                        "  T$i: lock A\n  T$i: unlock A\ndone\nmain: lock A\n"
                                                        "main: unlock A\nmain: dispose A\n");
  Cli dry = RunCli("run --dry-run " + path);
  EXPECT_EQ(0, dry.status) << dry.out.substr(0, 2000);
  Cli real = RunCli("run --v8 10.2 " + path);  // the checker's slots are the point: one runtime
  EXPECT_EQ(0, real.status) << real.out.substr(0, 2000);
}

TEST(CliScale, TooManyThreadsAliveAtOnceIsAnErrorNamingTheLimit) {
  std::string text = "title \"1025 alive\"\nrepeat 1025 as i\n  T$i: new A$i\ndone\nrepeat 1025 as i\n  T$i: dispose A$i\ndone\n";
  Cli r = RunCli("check " + testutil::WriteFile("alive.scn", text));
  EXPECT_EQ(2, r.status) << r.out.substr(0, 2000);
  EXPECT_NE(std::string::npos, r.out.find("alive.scn:3:3: error: thread 'T1024' starts while 1024 others are alive")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("at most 1024 threads at once")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("deadlock")) << r.out;
}

TEST(CliScale, AThreadThatCannotStartIsReportedNotHung) {
  if (std::string(ISOREPLAY_FLAVOR_NAME) != "default") GTEST_SKIP() << "an address-space limit breaks the sanitizer runtimes";
  // 200 threads alive at once need 200 stacks; 1 GiB of address space cannot hold them.
  std::string text = "title \"200 alive\"\nrepeat 200 as i\n  T$i: new A$i\ndone\nrepeat 200 as i\n  T$i: dispose A$i\ndone\n";
  std::string path = testutil::WriteFile("nostack.scn", text);
  Cli r = RunCli("run --dry-run " + path, "ulimit -v 1048576;");
  EXPECT_EQ(3, r.status) << r.out.substr(0, 3000);
  EXPECT_NE(std::string::npos, r.out.find("cannot start thread")) << r.out.substr(0, 3000);
}

// ---- the child: memory, signals, kills ------------------------------------------------

TEST(CliChild, TheMemoryLimitStopsTheReplayAndSaysSo) {
  std::string path = testutil::WriteFile("memory.scn", "title \"hungry\"\ntimeout 60s\nT1: new A\nT1: enter A\n"
      "T1: run A \"const a = []; for (let i = 0; i < 5e7; i++) a.push({i}); a.length\"\nT1: exit A\nT1: dispose A\n");
  std::string json = testutil::Path("memory.json");
  Cli r = RunCli("run --memory-limit 300M --json " + json + " " + path);
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("over the memory limit")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("limit 300 MiB, --memory-limit")) << r.out;
  EXPECT_NE(std::string::npos, testutil::ReadFile(json).find("\"kind\": \"memory-limit\"")) << testutil::ReadFile(json);
  EXPECT_EQ(2, RunCli("run --memory-limit lots " + path).status);
}

namespace {
// A replay that runs until something stops it.
std::string Endless(const std::string& name, const std::string& extra = "") {
  return testutil::WriteFile(name, "title \"endless\"\ntimeout 60s\n" + extra + "main: new A\nmain: enter A\n"
                                   "main: run A \"for (;;) {}\"\nmain: exit A\nmain: dispose A\n");
}
}  // namespace

TEST(CliChild, SigtermOrSigintToIsoreplayEndsItsChildToo) {
  for (int sig : {SIGTERM, SIGINT}) {
    std::string out = testutil::Path("term.out");
    pid_t pid = testutil::Spawn({"run", "--v8", "10.2", Endless("term.scn")}, out);
    std::vector<pid_t> kids = testutil::Children(pid);
    ASSERT_EQ(1u, kids.size()) << testutil::ReadFile(out);
    usleep(200000);  // well inside the script
    kill(pid, sig);
    EXPECT_EQ(128 + sig, testutil::Reap(pid)) << testutil::ReadFile(out);
    EXPECT_TRUE(testutil::Gone(kids[0])) << "the replay child outlived isoreplay (signal " << sig << ")";
  }
}

TEST(CliChild, AKilledIsoreplayTakesItsChildWithIt) {
  std::string out = testutil::Path("kill.out");
  pid_t pid = testutil::Spawn({"run", "--v8", "10.2", Endless("kill.scn")}, out);
  std::vector<pid_t> kids = testutil::Children(pid);
  ASSERT_EQ(1u, kids.size());
  kill(pid, SIGKILL);
  testutil::Reap(pid);
  EXPECT_TRUE(testutil::Gone(kids[0])) << "the child must die with its parent (parent-death signal)";
}

TEST(CliChild, AKillFromOutsideIsReportedAsSuchAndNeverMeetsExpectEndSignalKill) {
  std::string out = testutil::Path("outside.out"), json = testutil::Path("outside.json");
  // One runtime: after the kill, isoreplay would go on to replay the next runtimes.
  pid_t pid = testutil::Spawn({"run", "--v8", "10.2", "--json", json, Endless("outside.scn", "expect-end signal KILL\n")}, out);
  std::vector<pid_t> kids = testutil::Children(pid);
  ASSERT_EQ(1u, kids.size());
  usleep(200000);
  kill(kids[0], SIGKILL);  // as the kernel's OOM killer or a user's kill -9 would
  EXPECT_EQ(1, testutil::Reap(pid)) << testutil::ReadFile(out);
  std::string text = testutil::ReadFile(out);
  EXPECT_NE(std::string::npos, text.find("replay ended: killed from outside by SIGKILL")) << text;
  EXPECT_NE(std::string::npos, text.find("expected: signal KILL\n    got:      killed from outside")) << text;
  EXPECT_NE(std::string::npos, testutil::ReadFile(json).find("\"kind\": \"killed\"")) << testutil::ReadFile(json);
}

// ---- outputs --------------------------------------------------------------------------

TEST(CliOutput, JsonGoesToDevStdoutAndIntoAPipe) {
  Cli r = RunCli("run --quiet --dry-run --json /dev/stdout " + kGood);
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("\"format\": 1")) << r.out;
  Cli p = RunCli("run --quiet --dry-run --json - " + kGood + " | grep -c '\"outcome\": \"passed\"'");
  EXPECT_EQ("1\n", p.out.substr(p.out.size() - 2)) << p.out;
  std::string fifo = testutil::Path("out.fifo");
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  Cli f = RunCli("run --quiet --dry-run --trace " + fifo + " " + kGood + " & cat " + fifo + " | head -c 40; wait");
  EXPECT_NE(std::string::npos, f.out.find("{\"traceEvents\"")) << f.out;
  struct stat st;
  ASSERT_EQ(0, stat(fifo.c_str(), &st));
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO is written into, never replaced";
}

TEST(CliOutput, AnOutputPathThatCanNeverBeWrittenIsRefusedBeforeAnythingRuns) {
  Cli r = RunCli("run --json " + testutil::Dir() + " " + kGood);
  EXPECT_EQ(2, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("is a directory")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("replay ended")) << r.out;
}

TEST(CliOutput, AFailingHtmlWriteNamesThePathWithoutATraceback) {
  Cli r = RunCli("run --quiet --dry-run --html /nonexistent-dir/page.html " + kGood);
  EXPECT_EQ(3, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("cannot write /nonexistent-dir/page.html")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("Traceback")) << r.out;
}

// ---- V8 runtimes --------------------------------------------------------------------

TEST(CliRuntimes, VersionsListsEveryRuntimeAndV8SelectsThem) {
  Cli v = RunCli("versions");
  EXPECT_EQ(0, v.status) << v.out;
  EXPECT_NE(std::string::npos, v.out.find("\n10.2   10.2.154.26    Debian")) << v.out;
  for (const char* want : {"12.4", "13.6", "14.6"}) EXPECT_NE(std::string::npos, v.out.find(std::string("\n") + want + "  ")) << want;
  Cli one = RunCli("run --quiet --v8 14.6 " + kGood);
  EXPECT_EQ(0, one.status) << one.out;
  EXPECT_NE(std::string::npos, one.out.find("PASS: every expectation met on V8 14.6")) << one.out;
  EXPECT_EQ(std::string::npos, one.out.find("on V8 10.2")) << one.out;
  Cli bad = RunCli("run --v8 9.9 " + kGood);
  EXPECT_EQ(2, bad.status) << bad.out;
  EXPECT_NE(std::string::npos, bad.out.find("--v8 9.9: no such runtime in this build (there are: 10.2, 12.4, 13.6, 14.6")) << bad.out;
}

TEST(CliRuntimes, TheExitOrderCaseIsSilentUntilV8FourteenWhichCrashes) {
  std::string path = testutil::WriteFile("exit-order-run.scn",
      "title \"enter A, enter B, exit A, then script in B\"\nexpect-end [v8>=14.0] signal SEGV\n"
      "T1: new A\nT1: new B\nT1: enter A\nT1: enter B\nT1: exit A ! exit-order, tls-divergence\n"
      "T1: context B\nT1: run B \"6 * 7\" => \"42\"\nT1: exit B\n"
      "T1: dispose A\nT1: dispose B\n");
  std::string json = testutil::Path("versions.json");
  Cli r = RunCli("run --quiet --json " + json + " " + path);
  EXPECT_EQ(0, r.status) << r.out;
  json_t* root = LoadJson(json);
  ASSERT_NE(nullptr, root);
  json_t* runs = json_object_get(root, "scenarios");
  ASSERT_EQ(4u, json_array_size(runs));
  for (size_t i = 0; i < 4; i++) {
    json_t* sc = json_array_get(runs, i);
    std::string v8 = Str(sc, "v8_version");
    std::string kind = Str(json_object_get(sc, "ending"), "kind");
    EXPECT_EQ(v8.rfind("14.6", 0) == 0 ? "signal" : "clean", kind) << v8;
  }
  json_decref(root);
}
