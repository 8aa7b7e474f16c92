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
#include "test_json.h"
#include "test_util.h"

using testjson::LoadJson;
using testjson::Str;
using testutil::Cli;
using testutil::RunCli;

namespace {

const std::string kSrc = ISOREPLAY_SOURCE_DIR;

scenario* Load(const std::string& rel) {
  scenario* s = nullptr;
  iso_err err{};
  scn_load((kSrc + "/" + rel).c_str(), &s, &err);
  EXPECT_NE(nullptr, s) << err.msg;
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


}  // namespace

// 200 replays of the four-thread scenario, real or dry; the canonical traces.
std::vector<std::string> TwoHundred(int dry) {
  scenario* s = Load("tests/data/four-threads.scn");
  std::vector<std::string> first;
  for (int run = 0; s && run < 200; run++) {
    std::vector<std::string> trace;
    replay_opts o = {dry, Collect, &trace};
    replay_end end = replay_run(s, &o);
    trace = Canonical(trace);
    std::string text;
    for (auto& l : trace) text += l + "\n";
    EXPECT_EQ(REPLAY_DONE, end) << "run " << run << ":\n" << text;
    if (run == 0) {
      first = trace;
      EXPECT_EQ(2u * s->nsteps + 2, first.size()) << text;  // I, S+E per step, Z: no violation
      continue;
    }
    EXPECT_EQ(first, trace) << "run " << run << " differs:\n" << text;
    if (first != trace) break;
  }
  scn_free(s);
  return first;
}

TEST(Replay, FourThreadScenarioGivesTheSameTraceTwoHundredTimes) {
  iso_err err;
  ASSERT_EQ(0, v8p_init(nullptr, &err)) << err.msg;
  std::vector<std::string> first = TwoHundred(0);
  // The trace holds what the scenario is about: the handoff, the termination.
  std::string all;
  for (auto& l : first) all += l + "\n";
  EXPECT_NE(std::string::npos, all.find("E\t6\t0\t1\tnone\tnone\t0\t\t\n"));  // T2's lock step, blocked then acquired
  EXPECT_NE(std::string::npos, all.find("T1,T2"));
  EXPECT_NE(std::string::npos, all.find("\t3\t\t\n"));                       // a run that was terminated
  EXPECT_EQ(std::string::npos, all.find("\nV\t"));                          // a correct scenario
}

TEST(Replay, TheDryRunOfTheFourThreadScenarioIsAsDeterministicAndRaisesNothing) {
  std::vector<std::string> first = TwoHundred(1);
  std::string all;
  for (auto& l : first) all += l + "\n";
  EXPECT_EQ(std::string::npos, all.find("\nV\t")) << "the background run ends in a dry run too:\n" << all;
}

TEST(Replay, AV8AbortMidScenarioStillGivesACompleteJsonReport) {
  std::string json = testutil::Path("abort.json");
  Cli r = RunCli("run --json " + json + " " + kSrc + "/scenarios/drop-order/dispose-while-entered.scn");
  EXPECT_EQ(0, r.status) << r.out;
  json_t* root = LoadJson(json);
  ASSERT_NE(nullptr, root);
  json_t* sc = json_array_get(json_object_get(root, "scenarios"), 0);
  EXPECT_STREQ("passed", Str(sc, "outcome"));
  EXPECT_STREQ("real", Str(sc, "mode"));
  EXPECT_STREQ("10.2", std::string(Str(sc, "v8_version")).substr(0, 4).c_str());
  json_t* ending = json_object_get(sc, "ending");
  EXPECT_STREQ("v8-fatal", Str(ending, "kind"));
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
  EXPECT_EQ(0u, testutil::ReadFile(json).find("{")) << "a whole document, no temporary file left";
  json_decref(root);
}

TEST(Replay, ASegfaultMidScenarioStillGivesACompleteJsonReport) {
  std::string json = testutil::Path("segv.json");
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

