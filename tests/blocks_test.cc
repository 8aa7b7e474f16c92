// blocks_test.cc — host-callback blocks and the embedder's synchronisation through the real
// CLI, on the built-in V8 and in a dry run: a block runs inside its run (or gc), a block
// never reached fails the scenario with its reason, the steps after it still run, and
// the JSON report places every step among the blocks.
#include <gtest/gtest.h>
#include <jansson.h>

#include <string>

#include "test_json.h"
#include "test_util.h"

using testjson::LoadJson;
using testjson::Str;
using testutil::Cli;
using testutil::RunCli;

namespace {

const std::string kHead = "title \"t\"\nT1: new A\nT1: enter A\n";

// The first scenario entry of a JSON report written by `run --json`.
json_t* FirstEntry(json_t* root) { return json_array_get(json_object_get(root, "scenarios"), 0); }
json_t* StepAt(json_t* entry, size_t i) { return json_array_get(json_object_get(entry, "steps"), i); }

}  // namespace

TEST(Blocks, AHostCallbackRunsTheBlockInsideTheRunOnEveryMode) {
  std::string path = testutil::WriteFile(
      "block.scn", kHead +
                       "T1: run A \"globalThis.seen = 0; host(); seen\" => \"1\" {\n"
                       "  T1: run A \"seen = 1\"\n"  // inside the callback: the outer script sees it
                       "  T2: call A memory-pressure\n"
                       "}\n"
                       "T1: exit A\nT1: dispose A\n");
  for (const char* mode : {"--v8 10.2", "--dry-run"}) {
    std::string json = testutil::Path("block.json");
    Cli r = RunCli(std::string("run ") + mode + " --json " + json + " " + path);
    EXPECT_EQ(0, r.status) << mode << "\n" << r.out;
    json_t* root = LoadJson(json);
    ASSERT_NE(nullptr, root);
    json_t* e = FirstEntry(root);
    json_t* opener = StepAt(e, 2);
    EXPECT_EQ(6, json_integer_value(json_object_get(json_object_get(opener, "block"), "opens_until")));
    json_t* inner = StepAt(e, 3);
    EXPECT_EQ(3, json_integer_value(json_object_get(json_object_get(inner, "block"), "inside")));
    json_t* close = StepAt(e, 5);
    EXPECT_STREQ("}", Str(close, "op"));
    EXPECT_STREQ("T1", Str(close, "thread"));
    EXPECT_EQ(3, json_integer_value(json_object_get(json_object_get(close, "block"), "closes")));
    if (std::string(mode) == "--v8 10.2") {  // the block's steps happen while the run is on the stack
      double run_end = json_number_value(json_object_get(opener, "end_us"));
      EXPECT_LT(json_number_value(json_object_get(inner, "end_us")), run_end);
      EXPECT_LE(json_number_value(json_object_get(close, "end_us")), run_end);
      EXPECT_TRUE(json_is_true(json_object_get(e, "verdicts_match_dry_run")));
    }
    json_decref(root);
  }
}

TEST(Blocks, ABlockNeverReachedFailsWithItsReasonAndTheReplayGoesOn) {
  std::string path = testutil::WriteFile(
      "unreached.scn", kHead +
                           "T1: run A \"'no host call'\" {\n"
                           "  T2: call A memory-pressure\n"
                           "}\n"
                           "T1: gc A {\n"  // no weak handle: no weak callback
                           "  T1: call A heap-stats\n"
                           "}\n"
                           "T1: exit A\nT1: dispose A\n");
  std::string json = testutil::Path("unreached.json");
  Cli r = RunCli("run --v8 10.2 --json " + json + " " + path);
  EXPECT_EQ(1, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("unreached.scn:4: mismatch: the block of step 3 (T1: run A)\n"
                                          "    expected: reached\n"
                                          "    got:      never reached: the script returned without calling host()"))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("never reached: the gc collected no weak handle")) << r.out;
  json_t* root = LoadJson(json);
  ASSERT_NE(nullptr, root);
  json_t* e = FirstEntry(root);
  EXPECT_FALSE(json_is_true(json_object_get(StepAt(e, 3), "reached")));  // T2's step did not run
  EXPECT_STREQ("the script returned without calling host()", Str(StepAt(e, 2), "block_not_reached"));
  EXPECT_TRUE(json_is_true(json_object_get(StepAt(e, 8), "reached")));   // after both blocks: ran
  EXPECT_TRUE(json_is_true(json_object_get(StepAt(e, 9), "reached")));
  json_t* mm = json_array_get(json_object_get(e, "mismatches"), 0);
  EXPECT_STREQ("not-reached", Str(mm, "kind"));
  json_decref(root);
}

TEST(Blocks, AWeakHandlesSecondPassCallbackRunsTheGcBlock) {
  std::string path = testutil::WriteFile(
      "gcblock.scn", kHead +
                         "T1: global Obj of A\nT1: weak Obj\n"
                         "T1: gc A {\n"
                         "  T1: call A heap-stats\n"
                         "}\n"
                         "T1: exit A\nT1: dispose A\n");
  Cli r = RunCli("run --steps " + path);  // every runtime: synchronous second passes on all
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_EQ(std::string::npos, r.out.find("not reached")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("   6   T1: call A heap-stats (line 7)")) << r.out;
}

TEST(Sync, WaitsPassTheBatonAndAreServedInOrder) {
  std::string path = testutil::WriteFile(
      "sync.scn",
      "title \"t\"\n"
      "w1: acquire M\n"
      "w2: acquire M\n"       // waits: the baton moves on
      "w3: recv ch\n"         // waits too
      "w1: send ch\n"
      "w1: release M\n"       // w2 gets M
      "w2: release M\n"
      "main: join w3\n");
  Cli r = RunCli("run --v8 10.2 --steps " + path);
  EXPECT_EQ(0, r.status) << r.out;
  Cli d = RunCli("run --dry-run " + path);
  EXPECT_EQ(0, d.status) << d.out;
}

TEST(Sync, ARecvNobodyFeedsEndsTheReplayAsADeadlockSayingWhereEachThreadStood) {
  std::string path = testutil::WriteFile(
      "recv.scn", "title \"t\"\nw: send ch\nmain: recv ch\nmain: recv ch ! deadlock\nw: end\n");
  Cli r = RunCli("run --v8 10.2 " + path);
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("replay ended: deadlock: main waits at line 4 for 'recv ch' to go on")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("error[deadlock]: main waits forever for a message on ch")) << r.out;
}

TEST(Blocks, ScriptInsideAWeakCallbackRunsUntilV8ThirteenSixForbidsIt) {
  // Measured on every runtime and pinned: docs/scenario-language.md, "Host callbacks".
  std::string path = testutil::WriteFile(
      "gcscript.scn", "title \"t\"\nexpect-end [v8>=13.0] fatal \"Invoke in DisallowJavascriptExecutionScope\"\n"
                      "T1: new A\nT1: enter A\nT1: global Obj of A\nT1: weak Obj\n"
                      "T1: gc A {\n"
                      "  T1: run A \"6 * 7\" => \"42\"\n"
                      "}\n"
                      "T1: exit A\nT1: dispose A\n");
  Cli r = RunCli("run " + path);
  EXPECT_EQ(0, r.status) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("PASS: every expectation met on V8 12.4")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("PASS: every expectation met on V8 14.6")) << r.out;
}
