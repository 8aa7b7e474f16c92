// replay_test.cc — the replay against real V8: determinism, reports that survive a V8
// abort or a segfault, the timeout, and the CLI's contract (exit codes, bad input).
#include <gtest/gtest.h>
#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "records.h"
#include "replay.h"
#include "scenario.h"
#include "v8probe.h"
}

namespace {

const std::string kSrc = ISOREPLAY_SOURCE_DIR;
const std::string kCli = ISOREPLAY_CLI;

scenario* Load(const std::string& rel) {
  scenario* s = nullptr;
  char* diag = nullptr;
  scn_load((kSrc + "/" + rel).c_str(), &s, &diag);
  EXPECT_NE(nullptr, s) << (diag ? diag : "");
  free(diag);
  return s;
}

// The record lines of one in-process replay, without their timestamps.
void Collect(void* ud, const char* line) {
  std::string l = line;
  // Drop the t_us field: the 3rd of S and E records, the 2nd of Z.
  if (l[0] == 'S' || l[0] == 'E' || l[0] == 'Z') {
    size_t a = l[0] == 'Z' ? 1 : l.find('\t', 2), b = l.find('\t', a + 1);
    l = l.substr(0, a) + (b == std::string::npos ? "" : l.substr(b));
  }
  static_cast<std::vector<std::string>*>(ud)->push_back(l);
}

// The trace as defined for determinism: records grouped by step, in step order (the
// order within a step kept). When a background step and the steps after it finish is
// timing, not part of the scenario.
std::vector<std::string> Canonical(const std::vector<std::string>& lines) {
  std::vector<std::pair<int, std::string>> keyed;
  for (auto& l : lines) {
    bool per_step = l[0] == 'S' || l[0] == 'E' || l[0] == 'V' || l[0] == 'D';
    keyed.emplace_back(per_step ? atoi(l.c_str() + 2) : l[0] == 'I' ? 0 : 1 << 30, l);
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& k : keyed) out.push_back(k.second);
  return out;
}

struct Cli {
  int status;
  std::string out;
};

// Runs the isoreplay CLI with arguments (already quoted), stdout and stderr merged.
Cli RunCli(const std::string& args) {
  std::string cmd = kCli + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  Cli r{-1, ""};
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

json_t* LoadJson(const std::string& path) {
  json_error_t e;
  json_t* j = json_load_file(path.c_str(), 0, &e);
  EXPECT_NE(nullptr, j) << path << ": " << e.text;
  return j;
}

const char* Str(json_t* o, const char* key) { return json_string_value(json_object_get(o, key)); }

}  // namespace

TEST(Replay, FourThreadScenarioGivesTheSameTraceTwoHundredTimes) {
  v8p_error err;
  ASSERT_EQ(V8P_OK, v8p_init(nullptr, &err)) << err.message;
  scenario* s = Load("tests/data/four-threads.scn");
  ASSERT_NE(nullptr, s);
  std::vector<std::string> first;
  for (int run = 0; run < 200; run++) {
    std::vector<std::string> trace;
    replay_opts o = {0, Collect, &trace};
    replay_end end = replay_run(s, &o);
    trace = Canonical(trace);
    std::string text;
    for (auto& l : trace) text += l + "\n";
    ASSERT_EQ(REPLAY_DONE, end) << "run " << run << ":\n" << text;
    if (run == 0) {
      first = trace;
      ASSERT_EQ(2u * s->nsteps + 2, first.size());  // I, S+E per step, Z: no violation
      continue;
    }
    ASSERT_EQ(first.size(), trace.size()) << "run " << run;
    for (size_t i = 0; i < first.size(); i++) ASSERT_EQ(first[i], trace[i]) << "run " << run << " record " << i;
  }
  // The trace holds what the scenario is about: the handoff, the termination.
  std::string all;
  for (auto& l : first) all += l + "\n";
  EXPECT_NE(std::string::npos, all.find("E\t6\t0\t1\tnone\tnone\t0\t\t\n"));  // T2's lock step, blocked then acquired
  EXPECT_NE(std::string::npos, all.find("T1,T2"));
  EXPECT_NE(std::string::npos, all.find("\t3\t\t\n"));                       // a run that was terminated
  EXPECT_EQ(std::string::npos, all.find("\nV\t"));                          // a correct scenario
  scn_free(s);
}

TEST(Replay, AV8AbortMidScenarioStillGivesACompleteJsonReport) {
  std::string json = testing::TempDir() + "/abort.json";
  Cli r = RunCli("run --json " + json + " " + kSrc + "/scenarios/drop-order/dispose-while-entered.scn");
  EXPECT_EQ(0, r.status) << r.out;
  json_t* root = LoadJson(json);
  ASSERT_NE(nullptr, root);
  json_t* sc = json_array_get(json_object_get(root, "scenarios"), 0);
  EXPECT_STREQ("passed", Str(sc, "outcome"));
  EXPECT_STREQ("real", Str(sc, "mode"));
  EXPECT_STREQ("10.2", std::string(Str(sc, "v8_version")).substr(0, 4).c_str());
  json_t* ending = json_object_get(sc, "ending");
  EXPECT_STREQ("V8 fatal error", Str(ending, "kind"));
  EXPECT_STREQ("TRAP", Str(ending, "signal"));
  EXPECT_STREQ("v8::Isolate::Dispose(): Disposing the isolate that is entered by a thread.", Str(ending, "fatal"));
  json_t* steps = json_object_get(sc, "steps");
  ASSERT_EQ(5u, json_array_size(steps));
  json_t* dispose = json_array_get(steps, 3);
  EXPECT_STREQ("dispose", Str(dispose, "op"));
  EXPECT_TRUE(json_is_true(json_object_get(dispose, "reached")));
  EXPECT_STREQ("dispose-entered", json_string_value(json_array_get(json_object_get(dispose, "violations"), 0)));
  EXPECT_TRUE(json_is_null(json_object_get(dispose, "end_us")));  // V8 never returned
  EXPECT_TRUE(json_is_false(json_object_get(json_array_get(steps, 4), "reached")));
  json_t* run = json_array_get(steps, 2);
  EXPECT_STREQ("still here", Str(json_object_get(run, "result"), "text"));
  EXPECT_STREQ("A", Str(run, "real_current"));
  EXPECT_NE(nullptr, strstr(Str(sc, "stderr"), "# Fatal error in v8::Isolate::Dispose()"));
  EXPECT_NE(0, access((json + ".tmp." + std::to_string(getpid())).c_str(), F_OK));
  json_decref(root);
}

TEST(Replay, ASegfaultMidScenarioStillGivesACompleteJsonReport) {
  std::string json = testing::TempDir() + "/segv.json";
  Cli r = RunCli("run --json " + json + " " + kSrc + "/scenarios/drop-order/double-exit.scn");
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("error[exit-unentered]")) << r.out;
  json_t* root = LoadJson(json);
  ASSERT_NE(nullptr, root);
  json_t* sc = json_array_get(json_object_get(root, "scenarios"), 0);
  EXPECT_STREQ("SEGV", Str(json_object_get(sc, "ending"), "signal"));
  json_t* steps = json_object_get(sc, "steps");
  json_t* second_exit = json_array_get(steps, 3);
  EXPECT_STREQ("exit-unentered", json_string_value(json_array_get(json_object_get(second_exit, "violations"), 0)));
  EXPECT_TRUE(json_is_false(json_object_get(json_array_get(steps, 4), "reached")));
  json_t* v = json_array_get(json_object_get(sc, "violations"), 0);
  EXPECT_EQ(8, json_integer_value(json_object_get(v, "line")));
  EXPECT_GT(strlen(Str(v, "fix")), 40u);
  json_decref(root);
}

TEST(Replay, TheTimeoutIsEnforcedAndSaysWhereEachThreadStood) {
  Cli r = RunCli("run " + kSrc + "/tests/data/endless.scn");
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("replay ended: timeout after 300 ms: killed")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("note: main: still in line 6 (step 3): run")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("expected: clean\n    got:      timeout after 300 ms")) << r.out;
}

TEST(Cli, AnUnmetExpectationExitsOneAndShowsBothSides) {
  Cli r = RunCli("run " + kSrc + "/tests/data/unmet.scn " + kSrc + "/scenarios/correct/create-here-use-there.scn");
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("unmet.scn:5: mismatch: violations at step 3 (main: exit A)\n"
                                          "    expected: exit-order\n    got:      none\n")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("\n1 passed, 1 failed\n")) << r.out;
}

TEST(Cli, BadInputAmongGoodFilesRunsNothingAndExitsTwo) {
  char path[] = "/tmp/isoreplay-bad-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const char text[] = "title \"bad\"\nT1: new A\nT1: enter B\n";
  ASSERT_EQ((ssize_t)sizeof text - 1, write(fd, text, sizeof text - 1));
  close(fd);
  std::string json = testing::TempDir() + "/never.json";
  unlink(json.c_str());
  Cli r = RunCli("run --json " + json + " " + kSrc + "/scenarios/correct/create-here-use-there.scn " + path);
  unlink(path);
  EXPECT_EQ(2, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find(std::string(path) + ":3:11: error: isolate 'B' is used before 'new B'")) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("replay ended")) << r.out;
  EXPECT_NE(0, access(json.c_str(), F_OK)) << "nothing is written on bad input";
}

TEST(Cli, UsageVersionAndCheck) {
  EXPECT_EQ(2, RunCli("").status);
  EXPECT_EQ(2, RunCli("run --frob x.scn").status);
  EXPECT_EQ(2, RunCli("run").status);
  Cli v = RunCli("--version");
  EXPECT_EQ(0, v.status);
  EXPECT_NE(std::string::npos, v.out.find("V8 10.2.")) << v.out;
  Cli h = RunCli("--help");
  EXPECT_EQ(0, h.status);
  EXPECT_NE(std::string::npos, h.out.find("--dry-run")) << h.out;
  Cli c = RunCli("check " + kSrc + "/tests/data/four-threads.scn");
  EXPECT_EQ(0, c.status) << c.out;
  EXPECT_NE(std::string::npos, c.out.find("ok: \"Four threads")) << c.out;
  EXPECT_EQ(2, RunCli("check /nonexistent.scn").status);
}

TEST(Cli, SkipForThisBuildIsReportedWithItsReasonAndCountsAsSkipped) {
  char path[] = "/tmp/isoreplay-skip-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string text = std::string("title \"skipped here\"\nskip ") + ISOREPLAY_FLAVOR_NAME +
                     " \"needs a debug V8\"\nT1: new A\nT1: enter A\nT1: dispose A\n";
  ASSERT_EQ((ssize_t)text.size(), write(fd, text.data(), text.size()));
  close(fd);
  std::string json = testing::TempDir() + "/skip.json";
  Cli r = RunCli("run --json " + json + " " + path + " " + kSrc + "/scenarios/correct/create-here-use-there.scn");
  unlink(path);
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find(std::string(path) + ": SKIP (" + ISOREPLAY_FLAVOR_NAME +
                                          " build): needs a debug V8")) << r.out;
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
  Cli r = RunCli("run --quiet --dry-run --json /nonexistent-dir/report.json " + kSrc +
                 "/scenarios/correct/create-here-use-there.scn");
  EXPECT_EQ(3, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("isoreplay: cannot write /nonexistent-dir/report.json")) << r.out;
}
