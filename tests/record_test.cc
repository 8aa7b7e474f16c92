// record_test.cc — `isoreplay record` on a real program: v8probe/testprograms/
// pool_embedder, a small C++ embedder of libnode with a pool of two threads. The wrong
// pool exits its first isolate while the second is entered: record reports exit-order at
// that call on that thread, live, and writes a scenario that `check` accepts and that
// replays (dry and on every runtime) to the same verdicts. The correct pool raises
// nothing. The program's output and exit status pass through.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <string>

#include "test_util.h"

using testutil::Cli;
using testutil::Path;
using testutil::ReadFile;
using testutil::RunCli;

namespace {

const std::string kPool = ISOREPLAY_POOL_EMBEDDER;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

}  // namespace

TEST(Record, TheWrongPoolIsReportedAtTheExitOfEachWorkerAndItsScenarioReplaysTheSame) {
  std::string scn = Path("wrong.scn");
  Cli r = RunCli("record --out " + scn + " -- " + kPool + " wrong");
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_EQ(2u, Count(r.out, "second runtime up")) << r.out;  // the program's own output
  EXPECT_NE(std::string::npos, r.out.find("error[exit-order]: thread pool-1 (tid ")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("in v8::Isolate::Exit (call 12): pool-1 exits A while B, entered later, is on top"))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("error[exit-order]: thread pool-2")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("warning[tls-divergence]: thread pool-1")) << r.out;  // what libnode did
  EXPECT_NE(std::string::npos, r.out.find("34 V8 calls on 2 threads, 4 isolates: 2 errors, 2 warnings")) << r.out;
  // The call site, as addr2line takes it: the worker function that exits out of order.
  size_t at = r.out.find("      at " + kPool + "+0x");
  ASSERT_NE(std::string::npos, at) << r.out;
  std::string address = r.out.substr(at + 9 + kPool.size() + 1, r.out.find('\n', at) - (at + 9 + kPool.size() + 1));
  FILE* p = popen(("addr2line -f -C -e " + kPool + " " + address).c_str(), "r");
  char fn[512] = {0};
  ASSERT_TRUE(p && fgets(fn, sizeof fn, p)) << address;
  pclose(p);
  EXPECT_NE(nullptr, strstr(fn, "Worker")) << fn << " at " << address;

  std::string text = ReadFile(scn);
  EXPECT_NE(std::string::npos, text.find("pool-1: new A   # v8::Isolate::New\n")) << text;
  EXPECT_NE(std::string::npos, text.find("pool-1: exit A  ! exit-order, tls-divergence\n")) << text;
  // Each runtime's v8::Global, made in its script's context and reset before its exit.
  EXPECT_NE(std::string::npos, text.find("pool-1: context A\npool-1: persistent H1 of A\n")) << text;
  EXPECT_NE(std::string::npos, text.find("pool-1: reset H1\npool-1: exit A")) << text;
  EXPECT_NE(std::string::npos, text.find("pool-2: reset H4\npool-2: exit D\n")) << text;
  EXPECT_NE(std::string::npos, text.find("pool-2: exit C  ! exit-order, tls-divergence\n")) << text;
  EXPECT_EQ(0, RunCli("check " + scn).status);
  Cli dry = RunCli("run --dry-run " + scn);
  EXPECT_EQ(0, dry.status) << dry.out;
  Cli real = RunCli("run " + scn);  // every runtime of this build: the same verdicts
  EXPECT_EQ(0, real.status) << real.out;
  EXPECT_EQ(0u, Count(real.out, "FAIL")) << real.out;

  // The recording reduced to what makes the first exit-order: two isolates entered, the
  // first exited (pool-1's, or pool-2's: either thread's five steps).
  std::string small = Path("wrong.reduced.scn");
  Cli red = RunCli("reduce -q --keep exit-order -o " + small + " " + scn);
  ASSERT_EQ(0, red.status) << red.out;
  EXPECT_NE(std::string::npos, red.out.find("reduced from 34 steps to 5 keeping 'exit-order'")) << red.out;
  std::string reduced = ReadFile(small);
  EXPECT_TRUE(reduced.find("pool-1: new A\npool-1: enter A\npool-1: new B\npool-1: enter B\npool-1: exit A  ! exit-order") !=
                  std::string::npos ||
              reduced.find("pool-2: new C\npool-2: enter C\npool-2: new D\npool-2: enter D\npool-2: exit C  ! exit-order") !=
                  std::string::npos)
      << reduced;
  EXPECT_NE(std::string::npos, reduced.find("title \"Recorded: ")) << reduced;  // the header kept
  Cli small_dry = RunCli("run --dry-run " + small);
  EXPECT_EQ(0, small_dry.status) << small_dry.out;
}

TEST(Record, JsonAndHtmlHoldEveryViolationWithItsThreadCallAndFrames) {
  std::string json = Path("wrong.json");
  Cli r = RunCli("record --json " + json + " -- " + kPool + " wrong");
  ASSERT_EQ(0, r.status) << r.out;
  std::string doc = ReadFile(json);
  EXPECT_NE(std::string::npos, doc.find("\"format\": \"isoreplay-record/1\"")) << doc;
  EXPECT_NE(std::string::npos, doc.find("\"errors\": 2")) << doc;
  EXPECT_NE(std::string::npos, doc.find("\"code\": \"exit-order\"")) << doc;
  EXPECT_NE(std::string::npos, doc.find("\"call\": \"v8::Isolate::Exit\"")) << doc;
  EXPECT_NE(std::string::npos, doc.find("\"thread\": \"pool-2\"")) << doc;
  EXPECT_NE(std::string::npos, doc.find("pool_embedder+0x")) << doc;
  std::string html = Path("wrong.html");
  Cli h = RunCli("record --html " + html + " -- " + kPool + " wrong");
  ASSERT_EQ(0, h.status) << h.out;
  std::string page = ReadFile(html);
  EXPECT_NE(std::string::npos, page.find("exit-order")) << page.substr(0, 2000);
  EXPECT_NE(std::string::npos, page.find("pool-2")) << page.substr(0, 2000);
  Cli k = RunCli("record --json " + Path("killed.json") + " -- sh -c 'kill -SEGV $$'");
  EXPECT_NE(std::string::npos, ReadFile(Path("killed.json")).find("\"signal\": \"SEGV\"")) << ReadFile(Path("killed.json"));
}

TEST(Record, RepeatedCallsBecomeRepeatAndTheLogGrowsPastItsFirstMapping) {
  std::string scn = Path("loop.scn");
  Cli r = RunCli("record --out " + scn + " -- " + kPool + " loop");
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("104005 V8 calls on 2 threads, 1 isolate: 0 errors, 0 warnings")) << r.out;
  std::string text = ReadFile(scn);
  EXPECT_NE(std::string::npos, text.find("repeat 100000 as r   # 100000 times back to back\n  watchdog: terminate A\ndone\n"))
      << text;
  EXPECT_NE(std::string::npos,
            text.find("repeat 1000 as r   # 1000 times back to back\n  pool_embedder: lock A\n  pool_embedder: enter A\n"
                      "  pool_embedder: exit A\n  pool_embedder: unlock A\ndone\n"))
      << text;
  EXPECT_LT(text.size(), 2000u);
  Cli dry = RunCli("run --dry-run " + scn);
  EXPECT_EQ(0, dry.status) << dry.out;
}

TEST(Record, FrequentCallsBetweenIrregularOnesAreCountedAfterAThousand) {
  std::string scn = Path("noisy.scn");
  Cli r = RunCli("record --out " + scn + " -- " + kPool + " noisy");
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("frequent calls counted, not written")) << r.out;
  std::string text = ReadFile(scn);
  EXPECT_NE(std::string::npos, text.find("more of `pool_embedder: terminate A` after its first 1000\n")) << text.substr(0, 3000);
  EXPECT_EQ(1000u, Count(text, "\npool_embedder: terminate A\n"));  // written outside `repeat`
  Cli dry = RunCli("run --dry-run " + scn);
  EXPECT_EQ(0, dry.status) << dry.out.substr(0, 3000);
}

TEST(Record, AProgramV8KillsIsReportedBeforeItDiesAndItsCallsAreKept) {
  std::string scn = Path("unlocked.scn");
  Cli r = RunCli("record --out " + scn + " -- " + kPool + " unlocked");
  EXPECT_EQ(128 + 5, r.status) << r.out;  // V8's fatal error: SIGTRAP, passed through
  size_t said = r.out.find("error[locking-required]: thread pool_embedder");
  size_t died = r.out.find("Entering the V8 API without proper locking in place");
  EXPECT_NE(std::string::npos, said) << r.out;
  EXPECT_NE(std::string::npos, died) << r.out;
  std::string text = ReadFile(scn);
  EXPECT_NE(std::string::npos, text.find("pool_embedder: enter A  ! locking-required")) << text;
  EXPECT_NE(std::string::npos, text.find("# the program was killed by SIGTRAP after its last call above")) << text;
  EXPECT_EQ(0, RunCli("check " + scn).status);
}

TEST(Record, TheCorrectPoolRaisesNothing) {
  std::string scn = Path("correct.scn");
  Cli r = RunCli("record --out " + scn + " -- " + kPool + " correct");
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("34 V8 calls on 2 threads, 4 isolates: 0 errors, 0 warnings\n")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("error[")) << r.out;
  std::string text = ReadFile(scn);
  EXPECT_EQ(std::string::npos, text.find('!')) << text;
  EXPECT_EQ(0, RunCli("run --dry-run " + scn).status);
}

TEST(Record, TheProgramsExitStatusAndSignalPassThrough) {
  EXPECT_EQ(7, RunCli("record -- sh -c 'exit 7'").status);
  EXPECT_EQ(128 + 11, RunCli("record -- sh -c 'kill -SEGV $$'").status);
  Cli none = RunCli("record -- sh -c 'exit 0'");
  EXPECT_NE(std::string::npos, none.out.find("no V8 call was seen")) << none.out;
  Cli missing = RunCli("record -- /nonexistent/program");
  EXPECT_EQ(127, missing.status);
  EXPECT_NE(std::string::npos, missing.out.find("cannot run /nonexistent/program")) << missing.out;
}

TEST(Record, AProgramStartedByTheRecordedOneThatCallsV8IsNamedNotSilentlyMissed) {
  Cli r = RunCli("record -- sh -c '" + kPool + " wrong; true'");  // sh forks: another process
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("(pool_embedder), started by the recorded program, calls V8 too")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("no V8 call was seen")) << r.out;
}

TEST(Record, BadUsageRunsNothing) {
  Cli r = RunCli("record");
  EXPECT_EQ(2, r.status);
  EXPECT_NE(std::string::npos, r.out.find("record needs a program")) << r.out;
  Cli d = RunCli("record --out / -- sh -c 'echo ran'");
  EXPECT_EQ(2, d.status) << d.out;
  EXPECT_EQ(std::string::npos, d.out.find("ran\n")) << d.out;
}

// Debian's own node 18 (bin/debian-node: cmake/DebianNode.cmake), a real program that
// takes V8 from libnode.so.108, with three workers: recorded without a violation, the
// scenario replays to the same verdicts.
TEST(Record, DebianNodeWithWorkersRaisesNothingAndItsScenarioReplays) {
  if (!*ISOREPLAY_DEBIAN_NODE) GTEST_SKIP() << "no Debian node in this build: " << ISOREPLAY_DEBIAN_NODE_WHY;
  if (geteuid() != 0) GTEST_SKIP() << "debian-node needs root (a private mount namespace)";
  std::string js = std::string(ISOREPLAY_SOURCE_DIR) + "/tests/data/three_workers.js";
  std::string scn = Path("node.scn");
  Cli r = RunCli("record --out " + scn + " -- " + std::string(ISOREPLAY_DEBIAN_NODE) + " " + js);
  ASSERT_EQ(0, r.status) << r.out;
  EXPECT_EQ(3u, Count(r.out, "got 42")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("all workers exited")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("on 4 threads, 4 isolates: 0 errors, 0 warnings")) << r.out;
  std::string text = ReadFile(scn);
  EXPECT_NE(std::string::npos, text.find("node-2: new B   # v8::Isolate::Allocate + Initialize\n")) << text;
  EXPECT_NE(std::string::npos, text.find("node-2: lock B\n")) << text;
  Cli dry = RunCli("run --dry-run " + scn);
  EXPECT_EQ(0, dry.status) << dry.out;
  Cli real = RunCli("run " + scn);
  EXPECT_EQ(0, real.status) << real.out;
}
