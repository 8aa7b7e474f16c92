// record_uprobes_test.cc — `isoreplay record` on programs with V8 linked into the
// executable: the official node binaries of the version matrix, observed through
// uprobes. On each: the pool addon (v8probe/testprograms/pool_addon.cc, a native addon
// that drops isolates out of order) is reported at the right call and thread, its
// correct twin and a worker program raise nothing, and their scenarios replay to the
// same verdicts; the probes are gone afterwards, even after a killed isoreplay; without
// root the error says what is missing.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <regex>
#include <string>
#include <vector>

#include "test_util.h"

using testutil::Cli;
using testutil::Path;
using testutil::ReadFile;
using testutil::RunCli;

namespace {

struct Runtime {
  std::string v8, node, addon;
};

// build/<preset>/testprograms/pool_addons.tsv: one line per Node runtime.
std::vector<Runtime> Runtimes() {
  std::vector<Runtime> out;
  std::ifstream in(ISOREPLAY_POOL_ADDONS);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    Runtime r;
    if (std::getline(f, r.v8, '\t') && std::getline(f, r.node, '\t') && std::getline(f, r.addon)) out.push_back(r);
  }
  return out;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

// Probes still in tracefs whose isoreplay has ended (recordings running beside this test
// have theirs): none, once every record has cleaned up after itself.
std::string Leftovers() {
  std::string events = ReadFile("/sys/kernel/tracing/uprobe_events"), left;
  std::istringstream in(events);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find(":isoreplay_");
    if (at != std::string::npos && kill(std::atoi(line.c_str() + at + 11), 0) != 0) left += line + "\n";
  }
  return left;
}

#define NEED_ROOT_AND_RUNTIMES()                                                          \
  if (geteuid() != 0) GTEST_SKIP() << "uprobes need root";                                \
  if (Runtimes().empty()) GTEST_SKIP() << "no Node runtime in this build (cmake/NodeRuntimes.cmake)"

}  // namespace

TEST(RecordUprobes, TheWrongPoolAddonIsReportedOnEveryNodeAndItsScenarioReplaysTheSame) {
  NEED_ROOT_AND_RUNTIMES();
  for (const Runtime& rt : Runtimes()) {
    SCOPED_TRACE("V8 " + rt.v8);
    std::string scn = Path("addon-wrong-" + rt.v8 + ".scn");
    Cli r = RunCli("record --out " + scn + " -- " + rt.node + " -e \"require('" + rt.addon + "').run('wrong')\"");
    ASSERT_EQ(0, r.status) << r.out;
    EXPECT_EQ(2u, Count(r.out, "second runtime up")) << r.out;  // the program's own output
    EXPECT_NE(std::string::npos, r.out.find("error[exit-order]: thread pool-1 (tid ")) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("in v8::Isolate::Exit \\(call [0-9]+\\): pool-1 exits B while C, "
                                                    "entered later, is on top")))
        << r.out;
    EXPECT_NE(std::string::npos, r.out.find("error[exit-order]: thread pool-2")) << r.out;
    EXPECT_NE(std::string::npos, r.out.find(" 5 isolates: 2 errors, 0 warnings")) << r.out;
    std::string text = ReadFile(scn);
    EXPECT_NE(std::string::npos, text.find("pool-1: new B   # v8::Isolate::Allocate + Initialize\n")) << text;
    EXPECT_NE(std::string::npos, text.find("pool-1: exit B  ! exit-order\n")) << text;
    // The runtime's v8::Global, made in its script's context and reset before its exit;
    // node's own handles are there too, each reset where node resets it.
    EXPECT_TRUE(std::regex_search(text, std::regex("pool-1: context B\npool-1: persistent H[0-9]+ of B\n"))) << text;
    EXPECT_TRUE(std::regex_search(text, std::regex("pool-1: reset H[0-9]+\npool-1: exit B  ! exit-order\n"))) << text;
    EXPECT_NE(std::string::npos, text.find("pool-2: exit D  ! exit-order\n")) << text;
    EXPECT_EQ(0, RunCli("check " + scn).status);
    Cli dry = RunCli("run --dry-run " + scn);
    EXPECT_EQ(0, dry.status) << dry.out;
  }
  EXPECT_EQ("", Leftovers());
}

TEST(RecordUprobes, TheCorrectPoolAndNodesOwnWorkersRaiseNothing) {
  NEED_ROOT_AND_RUNTIMES();
  std::string js = std::string(ISOREPLAY_SOURCE_DIR) + "/tests/data/three_workers.js";
  for (const Runtime& rt : Runtimes()) {
    SCOPED_TRACE("V8 " + rt.v8);
    Cli c = RunCli("record -- " + rt.node + " -e \"require('" + rt.addon + "').run('correct')\"");
    ASSERT_EQ(0, c.status) << c.out;
    EXPECT_NE(std::string::npos, c.out.find(" 5 isolates: 0 errors, 0 warnings\n")) << c.out;
    std::string scn = Path("workers-" + rt.v8 + ".scn");
    Cli w = RunCli("record --out " + scn + " -- " + rt.node + " " + js);
    ASSERT_EQ(0, w.status) << w.out;
    EXPECT_EQ(3u, Count(w.out, "got 42")) << w.out;
    EXPECT_NE(std::string::npos, w.out.find("all workers exited")) << w.out;
    EXPECT_NE(std::string::npos, w.out.find("on 4 threads, 4 isolates: 0 errors, 0 warnings\n")) << w.out;
    std::string text = ReadFile(scn);
    // the workers start together: which thread gets B varies
    EXPECT_NE(std::string::npos, text.find(": new B   # v8::Isolate::Allocate + Initialize\n")) << text;
    EXPECT_NE(std::string::npos, text.find(": lock B\n")) << text;
    EXPECT_NE(std::string::npos, text.find(": dispose B\n")) << text;
    EXPECT_EQ(std::string::npos, text.find('!')) << text;
    Cli dry = RunCli("run --dry-run " + scn);
    EXPECT_EQ(0, dry.status) << dry.out;
  }
}

TEST(RecordUprobes, ANodeStartedByTheRecordedOneIsNamedAndExitStatusAndSignalsPassThrough) {
  NEED_ROOT_AND_RUNTIMES();
  const Runtime rt = Runtimes().back();
  Cli r = RunCli("record -- " + rt.node +
                 " -e \"require('child_process').execFileSync(process.execPath, ['-e', '1']); process.exit(5)\"");
  EXPECT_EQ(5, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("started by the recorded program, calls V8 too")) << r.out;
  Cli k = RunCli("record -- " + rt.node + " -e \"process.kill(process.pid, 'SIGSEGV')\"");
  EXPECT_EQ(128 + 11, k.status) << k.out;
  EXPECT_EQ("", Leftovers());
}

// The probes' group is named after the reader process that owns them: gone with it.
std::string GroupOwners(const std::string& events) {
  std::string owners;
  std::istringstream in(events);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find(":isoreplay_");
    if (at != std::string::npos) owners += " " + std::to_string(std::atoi(line.c_str() + at + 11));
  }
  return owners;
}

TEST(RecordUprobes, ProbesLeftByAKilledRecordingAreSweptByTheNextOne) {
  NEED_ROOT_AND_RUNTIMES();
  const Runtime rt = Runtimes().front();
  pid_t pid = testutil::Spawn({"record", "--", rt.node, "-e", "setTimeout(() => {}, 20000)"}, Path("killed.out"));
  pid_t reader = 0;  // the group whose owner is this isoreplay's child (other tests record meanwhile)
  for (int i = 0; i < 100 && !reader; i++) {
    std::istringstream now(GroupOwners(ReadFile("/sys/kernel/tracing/uprobe_events")));
    for (std::string owner; now >> owner;)
      if (ReadFile("/proc/" + owner + "/status").find("\nPPid:\t" + std::to_string(pid) + "\n") != std::string::npos)
        reader = std::atoi(owner.c_str());
    if (!reader) usleep(50000);
  }
  ASSERT_NE(0, reader);
  kill(reader, SIGKILL);  // the whole recording, as a CI timeout kills it: no chance to clean up
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::string group = ":isoreplay_" + std::to_string(reader) + "/";
  for (int i = 0; i < 100 && kill(reader, 0) == 0; i++) usleep(20000);  // reaped by init
  ASSERT_NE(std::string::npos, Leftovers().find(group)) << Leftovers();
  Cli r = RunCli("record -- " + rt.node + " -e 1");
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_EQ(std::string::npos, ReadFile("/sys/kernel/tracing/uprobe_events").find(group));
  struct stat st;
  EXPECT_NE(0, stat(("/sys/kernel/tracing/instances/isoreplay-" + std::to_string(reader)).c_str(), &st));
  system("pkill -KILL -f 'setTimeout\\(\\(\\) => \\{\\}, 20000\\)'");  // the orphaned program
}

// A user without root: isoreplay, its recorder, libnode and a node copied where anyone
// may read them (the checkout may be private), then run as nobody.
TEST(RecordUprobes, WithoutRootTheErrorSaysWhatIsMissingAndNothingRuns) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop it";
  if (Runtimes().empty()) GTEST_SKIP() << "no Node runtime in this build";
  const Runtime rt = Runtimes().front();
  char dir[] = "/tmp/isoreplay-nobody-XXXXXX";
  ASSERT_NE(nullptr, mkdtemp(dir));
  std::string d = dir, cli = ISOREPLAY_CLI, bindir = cli.substr(0, cli.rfind('/'));
  std::string setup = "chmod 755 " + d + " && mkdir -p " + d + "/bin " + d + "/lib && cp " + cli + " " + d +
                      "/bin/isoreplay && cp " + bindir + "/../lib/libisoreplay-record.so " ISOREPLAY_LIBNODE " " + d +
                      "/lib/ && cp " + rt.node + " " + d + "/node && chmod -R a+rX " + d;
  ASSERT_EQ(0, system(setup.c_str())) << setup;
  std::string mark = d + "/ran";
  std::string cmd = "cd / && LD_LIBRARY_PATH=" + d + "/lib setpriv --reuid=65534 --regid=65534 --clear-groups " + d +
                    "/bin/isoreplay record -- " + d + "/node -e \"require('fs').writeFileSync('" + mark + "', '')\" 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int st = p ? pclose(p) : -1;
  EXPECT_EQ(2, WIFEXITED(st) ? WEXITSTATUS(st) : -1) << out;
  EXPECT_NE(std::string::npos, out.find("recording it takes uprobes, which need root")) << out;
  EXPECT_NE(0, access(mark.c_str(), F_OK)) << "the program ran";
  system(("rm -rf " + d).c_str());
}

TEST(RecordUprobes, AProgramWithoutV8SymbolsIsSaidToBeUnobservable) {
  Cli r = RunCli("record -- true");
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("neither exports V8's API nor loads it from a shared library")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("stripped (as in Deno)")) << r.out;
}
