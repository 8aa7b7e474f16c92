// rec_core_test.cc — the recorder's core fed by hand, as ring_feed.c and uprobe_feed.c
// feed it: handles told by their slot, a slot reused by a later handle, a handle reset
// after its isolate's dispose, handles made before the recording. Each test runs in its
// own process (rec_core keeps its state for the process's life); the verdicts are read
// from the report pipe, the steps from the scenario written from the log.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

extern "C" {
#include "rec_core.h"
#include "rec_scenario.h"
#include "scenario.h"
}

namespace {

struct Recording {
  char log[64] = "/tmp/isoreplay-rec-core-XXXXXX";
  int pipe_fds[2] = {-1, -1};
  int th = -1;

  Recording() {
    int fd = mkstemp(log);
    EXPECT_GE(fd, 0);
    close(fd);
    EXPECT_EQ(0, pipe2(pipe_fds, O_NONBLOCK));
    EXPECT_EQ(0, rec_core_open(log, std::to_string(pipe_fds[1]).c_str(), 0));
    th = rec_core_thread(getpid(), "main");
  }
  ~Recording() {
    unlink(log);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  // Ends the recording; the live report's lines.
  std::string Close() {
    rec_core_exit();
    rec_core_close();
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) out.append(buf, (size_t)n);
    return out;
  }
  std::string Scenario() {
    strbuf out = {};
    rec_summary sum;
    iso_err err = {};
    EXPECT_EQ(0, rec_scenario_write(log, "test", &out, &sum, &err)) << err.msg;
    std::string text = out.p ? std::string(out.p, out.len) : "";
    sb_free(&out);
    return text;
  }
};

// Addresses standing for V8's objects.
int iso_a, iso_b, slot_1, slot_2;

}  // namespace

TEST(RecCore, HandlesAreToldBySlotAndASlotReusedIsANewHandle) {
  Recording r;
  rec_core_new(r.th, &iso_a, 0, "v8::Isolate::New");
  rec_core_call(r.th, CK_ENTER, &iso_a, "v8::Isolate::Enter");
  rec_core_handle_new(r.th, &iso_a, &slot_1, "GlobalizeReference");
  rec_core_handle_copy(r.th, &slot_1, &slot_2, "CopyGlobalReference");
  rec_core_handle_reset(r.th, &slot_1, "DisposeGlobal");
  rec_core_handle_new(r.th, &iso_a, &slot_1, "GlobalizeReference");  // V8 hands the slot out again
  rec_core_handle_reset(r.th, &slot_1, "DisposeGlobal");
  rec_core_handle_reset(r.th, &slot_2, "DisposeGlobal");
  rec_core_handle_reset(r.th, &slot_2, "DisposeGlobal");  // not a handle any more: left alone
  rec_core_call(r.th, CK_EXIT, &iso_a, "v8::Isolate::Exit");
  rec_core_call(r.th, CK_DISPOSE, &iso_a, "v8::Isolate::Dispose");
  std::string report = r.Close();
  EXPECT_EQ(std::string::npos, report.find("error")) << report;
  EXPECT_EQ(std::string::npos, report.find("warning")) << report;
  std::string text = r.Scenario();
  EXPECT_NE(std::string::npos, text.find("main: enter A\n"
                                         "main: persistent H1 of A\n"
                                         "main: persistent H2 of A\n"
                                         "main: reset H1\n"
                                         "main: persistent H3 of A\n"
                                         "main: reset H3\n"
                                         "main: reset H2\n"
                                         "main: exit A\n"))
      << text;
}

TEST(RecCore, AHandleResetAfterItsIsolatesDisposeIsGlobalAfterDispose) {
  Recording r;
  rec_core_new(r.th, &iso_a, 0, "v8::Isolate::New");
  rec_core_call(r.th, CK_ENTER, &iso_a, "v8::Isolate::Enter");
  rec_core_handle_new(r.th, &iso_a, &slot_1, "GlobalizeReference");
  rec_core_call(r.th, CK_EXIT, &iso_a, "v8::Isolate::Exit");
  rec_core_call(r.th, CK_DISPOSE, &iso_a, "v8::Isolate::Dispose");
  rec_core_handle_reset(r.th, &slot_1, "v8::Global::Reset (api_internal::DisposeGlobal)");
  std::string report = r.Close();
  EXPECT_NE(std::string::npos, report.find("global-after-dispose")) << report;
  EXPECT_NE(std::string::npos, report.find("v8::Global::Reset (api_internal::DisposeGlobal)")) << report;
  EXPECT_NE(std::string::npos, r.Scenario().find("main: reset H1  ! global-after-dispose\n"));
}

TEST(RecCore, AHandleMadeNotEnteredIsNotEnteredAndOneMadeBeforeTheRecordingIsLeftAlone) {
  Recording r;
  rec_core_new(r.th, &iso_b, 0, "v8::Isolate::New");
  rec_core_handle_reset(r.th, &slot_2, "DisposeGlobal");  // made before the recording
  rec_core_handle_copy(r.th, &slot_2, &slot_1, "CopyGlobalReference");  // a copy of it: unknown too
  rec_core_handle_new(r.th, &iso_b, &slot_1, "GlobalizeReference");
  rec_core_call(r.th, CK_DISPOSE, &iso_b, "v8::Isolate::Dispose");
  std::string report = r.Close();
  EXPECT_NE(std::string::npos, report.find("not-entered")) << report;
  std::string text = r.Scenario();
  EXPECT_NE(std::string::npos, text.find("main: new A\nmain: persistent H1 of A  ! not-entered\n"))
      << text;
  EXPECT_EQ(std::string::npos, text.find("reset")) << text;
}

TEST(RecCore, AThreadThatEndsInsideItsOwnRunStillGivesAScenarioThatParses) {
  // A worker's script made handles (so its run is a block) and the thread ended before
  // the run returned (Node's worker.terminate(), process.exit() in a worker); another
  // thread's run is still open when the process exits.
  Recording r;
  int w = rec_core_thread(getpid() + 1, "worker");
  rec_core_new(w, &iso_a, 0, "v8::Isolate::New");
  rec_core_call(w, CK_ENTER, &iso_a, "v8::Isolate::Enter");
  rec_core_call(w, CK_RUN, &iso_a, "v8::Script::Run");
  rec_core_handle_new(w, &iso_a, &slot_1, "GlobalizeReference");
  rec_core_thread_end(w);
  rec_core_new(r.th, &iso_b, 0, "v8::Isolate::New");
  rec_core_call(r.th, CK_ENTER, &iso_b, "v8::Isolate::Enter");
  rec_core_call(r.th, CK_RUN, &iso_b, "v8::Script::Run");
  rec_core_handle_new(r.th, &iso_b, &slot_2, "GlobalizeReference");
  r.Close();
  std::string text = r.Scenario();
  EXPECT_NE(std::string::npos, text.find("  worker: persistent H1 of A\n"
                                         "  # the run above never returned: its thread ends inside it\n}\n"
                                         "worker: end"))
      << text;
  EXPECT_NE(std::string::npos, text.find("  main: persistent H2 of B\n  # the run above never returned: its thread ends "
                                         "inside it\n}\n# the process exits"))
      << text;
  scenario* s = nullptr;
  iso_err err;
  EXPECT_EQ(0, scn_parse("recorded.scn", text.data(), text.size(), &s, &err)) << err.msg << "\n" << text;
  scn_free(s);
}
