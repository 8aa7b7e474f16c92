// witness_test.cc — ThreadSanitizer as an independent witness of replays (tsan build):
// unlocked sharing is reported on the isolate's shadow word and attributed to its step;
// a Locker handoff and a correct eight-thread pool give no report at all.
#include <gtest/gtest.h>
#include <jansson.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>

namespace {

const std::string kSrc = ISOREPLAY_SOURCE_DIR;
const bool kTsan = std::string(ISOREPLAY_FLAVOR_NAME) == "tsan";

// Replays a scenario with the CLI and returns its JSON report (caller decrefs).
json_t* Replay(const std::string& scenario, const std::string& name) {
  std::string json = testing::TempDir() + "/" + name + ".json";
  std::string cmd = std::string(ISOREPLAY_CLI) + " run --quiet --json " + json + " " + kSrc + "/" + scenario + " >/dev/null 2>&1";
  int st = system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(st)) << cmd;
  json_error_t e;
  json_t* root = json_load_file(json.c_str(), 0, &e);
  EXPECT_NE(nullptr, root) << e.text;
  return root;
}

json_t* Scenario(json_t* root) { return json_array_get(json_object_get(root, "scenarios"), 0); }

}  // namespace

TEST(Witness, TwoThreadsWithoutALockerRaceOnTheIsolatesShadowWordAtTheirStep) {
  if (!kTsan) GTEST_SKIP() << "needs the tsan build (the witness is ThreadSanitizer)";
  json_t* root = Replay("tests/data/witness-unlocked.scn", "unlocked");
  ASSERT_NE(nullptr, root);
  json_t* sc = Scenario(root);
  EXPECT_STREQ("passed", json_string_value(json_object_get(sc, "outcome")));
  json_t* san = json_object_get(sc, "sanitizer");
  ASSERT_GE(json_array_size(san), 1u);
  json_t* f = json_array_get(san, 0);
  EXPECT_STREQ("ThreadSanitizer", json_string_value(json_object_get(f, "tool")));
  EXPECT_STREQ("data race", json_string_value(json_object_get(f, "kind")));
  EXPECT_NE(nullptr, strstr(json_string_value(json_object_get(f, "summary")), "in isoreplay_use_isolate"));
  EXPECT_STREQ("A", json_string_value(json_object_get(f, "isolate")));
  EXPECT_EQ(4, json_integer_value(json_object_get(f, "step")));  // T2: enter A
  EXPECT_EQ(8, json_integer_value(json_object_get(f, "line")));
  EXPECT_GE(json_array_size(json_object_get(f, "frames")), 3u);
  json_decref(root);
}

TEST(Witness, TheSameIsolateHandedOverUnderALockerGivesNoReport) {
  if (!kTsan) GTEST_SKIP() << "needs the tsan build (the witness is ThreadSanitizer)";
  json_t* root = Replay("tests/data/witness-locker.scn", "locker");
  ASSERT_NE(nullptr, root);
  json_t* sc = Scenario(root);
  EXPECT_STREQ("passed", json_string_value(json_object_get(sc, "outcome")));
  EXPECT_EQ(0u, json_array_size(json_object_get(sc, "sanitizer")))
      << json_string_value(json_object_get(sc, "stderr"));
  json_decref(root);
}

TEST(Witness, ACorrectEightThreadPoolGivesNoReport) {
  if (!kTsan) GTEST_SKIP() << "needs the tsan build (the witness is ThreadSanitizer)";
  json_t* root = Replay("tests/data/witness-pool-8.scn", "pool8");
  ASSERT_NE(nullptr, root);
  json_t* sc = Scenario(root);
  EXPECT_STREQ("passed", json_string_value(json_object_get(sc, "outcome")));
  std::set<std::string> threads;
  json_t* steps = json_object_get(sc, "steps");
  for (size_t i = 0; i < json_array_size(steps); i++)
    threads.insert(json_string_value(json_object_get(json_array_get(steps, i), "thread")));
  EXPECT_EQ(9u, threads.size());  // eight workers and main
  EXPECT_EQ(0u, json_array_size(json_object_get(sc, "sanitizer")))
      << json_string_value(json_object_get(sc, "stderr"));
  json_decref(root);
}
