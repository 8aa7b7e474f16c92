// probe_test.cc — v8probe against real V8 10.2, only through the C header.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "testing.h"
#include "v8probe.h"

namespace {

// A v8p_result whose text is copied out and freed at once.
struct Res : v8p_result {
  std::string str;
};

class Probe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    iso_err err{};
    ASSERT_EQ(0, v8p_init(nullptr, &err)) << err.msg;
  }
  void TearDown() override {
    if (attached_) v8p_thread_detach(s_);
    v8p_session_free(s_);
  }
  void Open(ck_model model = CK_MODEL_V8, int dry_run = 0, v8p_fatal_mode fatal = V8P_FATAL_ABORT,
            v8p_sink sink = nullptr, void* sink_ud = nullptr) {
    v8p_options o{};
    o.model = model;
    o.dry_run = dry_run;
    o.fatal = fatal;
    o.sink = sink;
    o.sink_ud = sink_ud;
    iso_err err{};
    ASSERT_EQ(0, v8p_session_new(&o, &s_, &err)) << err.msg;
    ASSERT_EQ(0, v8p_thread_attach(s_, "main", nullptr, &err)) << err.msg;
    attached_ = true;
  }
  std::string Codes(const v8p_result& r) const { return CodesOf(s_, r); }

 public:
  // Codes of the verdict and of the divergence, sorted and joined by ",".
  static std::string CodesOf(v8p_session* s, const v8p_result& r) {
    std::vector<std::string> v;
    for (size_t i = 0; i < r.violations; i++)
      v.push_back(ck_code_name(ck_violation_at(v8p_checker(s), r.first_violation + i)->code));
    if (r.divergence >= 0)
      v.push_back(ck_code_name(ck_violation_at(v8p_checker(s), r.divergence)->code));
    std::sort(v.begin(), v.end());
    std::string out;
    for (auto& c : v) out += (out.empty() ? "" : ",") + c;
    return out;
  }
  // One op on the calling thread; returns the result (text owned by the caller).
  static Res Do(v8p_session* s, ck_op op, int iso, const char* js = nullptr,
                const char* name = nullptr, int task = -1, const char* context = nullptr) {
    static std::atomic<int> step{0};
    v8p_call c{op, iso, name, ++step, task, js, context, 0, 0, nullptr, CK_NONE, nullptr, 0};
    Res r;
    v8p_do(s, &c, &r);
    r.str = r.text ? r.text : "";
    v8p_result_clear(&r);
    return r;
  }
  static int New(v8p_session* s, const char* name) {
    Res r = Do(s, CK_NEW, 0, nullptr, name);
    EXPECT_EQ(V8P_OK, r.status) << r.message;
    return r.isolate;
  }

 protected:
  v8p_session* s_ = nullptr;
  bool attached_ = false;
};

std::string Text(const Res& r) { return r.str; }

// Runs fn on a new OS thread attached to the session as `name`.
template <typename F>
std::thread OnThread(v8p_session* s, const char* name, F fn) {
  return std::thread([=] {
    iso_err err{};
    ASSERT_EQ(0, v8p_thread_attach(s, name, nullptr, &err)) << err.msg;
    fn();
    Probe::Do(s, CK_THREAD_END, 0);
    v8p_thread_detach(s);
  });
}

}  // namespace

TEST_F(Probe, ReportsV8Version10_2) {
  EXPECT_EQ(0, strncmp(v8p_v8_version(), "10.2.", 5)) << v8p_v8_version();
}

TEST_F(Probe, FourThreadsWithTheirOwnIsolatesRaiseNothing) {
  Open();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int w = 0; w < 4; w++) {
    static const char* const names[] = {"w0", "w1", "w2", "w3"};
    std::string name = names[w];
    threads.push_back(OnThread(s_, names[w], [this, w, &ok, name] {
      int a = New(s_, ("I" + name).c_str());
      EXPECT_EQ("", Codes(Do(s_, CK_ENTER, a)));
      Res r = Do(s_, CK_RUN, a, ("6 * " + std::to_string(w + 1)).c_str());
      EXPECT_EQ("", Codes(r));
      EXPECT_EQ(V8P_RUN_VALUE, r.run);
      EXPECT_EQ(std::to_string(6 * (w + 1)), Text(r));
      EXPECT_EQ(a, r.real_current);
      EXPECT_EQ("", Codes(Do(s_, CK_EXIT, a)));
      EXPECT_EQ("", Codes(Do(s_, CK_DISPOSE, a)));
      ok++;
    }));
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(4, ok.load());
  EXPECT_EQ(0u, v8p_end(s_, 100));
  EXPECT_EQ(0u, ck_violation_count(v8p_checker(s_)));
}

TEST_F(Probe, LockerHandoffBetweenThreadsBlocksAndSharesTheIsolate) {
  Open();
  int a = New(s_, "A");
  std::atomic<int> phase{0};
  std::atomic<bool> t2_locked{false};
  std::thread t1 = OnThread(s_, "T1", [&] {
    EXPECT_EQ("", Codes(Do(s_, CK_LOCK, a)));
    EXPECT_EQ("", Codes(Do(s_, CK_ENTER, a)));
    Res r = Do(s_, CK_RUN, a, "globalThis.n = 40 + 2");
    EXPECT_EQ("42", Text(r));
    EXPECT_EQ("", Codes(Do(s_, CK_EXIT, a)));
    phase = 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(t2_locked.load()) << "T2 got the Locker while T1 held it";
    EXPECT_EQ("", Codes(Do(s_, CK_UNLOCK, a)));
  });
  std::thread t2 = OnThread(s_, "T2", [&] {
    while (phase.load() == 0) std::this_thread::yield();
    EXPECT_EQ("", Codes(Do(s_, CK_LOCK, a)));  // blocks until T1 unlocks
    t2_locked = true;
    EXPECT_EQ("", Codes(Do(s_, CK_ENTER, a)));
    Res r = Do(s_, CK_RUN, a, "n + 1");
    EXPECT_EQ("", Codes(r));
    EXPECT_EQ("43", Text(r));
    EXPECT_EQ("", Codes(Do(s_, CK_EXIT, a)));
    EXPECT_EQ("", Codes(Do(s_, CK_UNLOCK, a)));
  });
  t1.join();
  t2.join();
  EXPECT_EQ("", Codes(Do(s_, CK_DISPOSE, a)));
  EXPECT_EQ(0u, ck_violation_count(v8p_checker(s_)));
}

TEST_F(Probe, InfiniteLoopTerminatedFromAnotherThread) {
  Open();
  int a = New(s_, "A");
  std::atomic<bool> started{false};
  v8p_run_outcome outcome = V8P_RUN_NONE;
  std::thread t1 = OnThread(s_, "T1", [&] {
    Do(s_, CK_LOCK, a);
    Do(s_, CK_ENTER, a);
    started = true;
    Res r = Do(s_, CK_RUN, a, "for(;;){}");
    outcome = r.run;
    EXPECT_EQ("", Codes(r));
    Do(s_, CK_EXIT, a);
    Do(s_, CK_UNLOCK, a);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Res r = Do(s_, CK_TERMINATE, a);  // the terminator holds no Locker
  EXPECT_EQ(V8P_OK, r.status);
  EXPECT_EQ("", Codes(r));
  t1.join();
  EXPECT_EQ(V8P_RUN_TERMINATED, outcome);
  Do(s_, CK_LOCK, a);  // the handoff back to main, released before Dispose
  Do(s_, CK_UNLOCK, a);
  Do(s_, CK_DISPOSE, a);
  EXPECT_EQ(0u, ck_violation_count(v8p_checker(s_)));
}

// The tests that corrupt a thread's current isolate run on a thread of their own: V8's
// thread-local state outlives a session and would leak into the next test.
TEST_F(Probe, ExitBelowTheTopLeavesRealCurrentNullAndReportsDivergence) {
  Open();
  OnThread(s_, "w1", [this] {
    int a = New(s_, "A"), b = New(s_, "B");
    Do(s_, CK_ENTER, a);
    Res rb = Do(s_, CK_ENTER, b);
    EXPECT_EQ(b, rb.real_current);
    Res r = Do(s_, CK_EXIT, a);
    EXPECT_EQ("exit-order,tls-divergence", Codes(r));
    EXPECT_EQ(CK_NONE, r.real_current);  // V8 restored what A's entry remembered
    EXPECT_EQ(b, r.ideal_current);       // while B is still entered
    EXPECT_EQ(CK_NONE, v8p_real_current(s_));
    // Same episode: no second divergence while they still differ.
    EXPECT_EQ("", Codes(Do(s_, CK_CHECK_CURRENT, 0)));
    Res rx = Do(s_, CK_EXIT, b);
    EXPECT_EQ("", Codes(rx));
    Do(s_, CK_DISPOSE, a);
    Do(s_, CK_DISPOSE, b);
  }).join();
}

TEST_F(Probe, UseAfterDisposeIsNeverExecuted) {
  Open();
  int a = New(s_, "A");
  Do(s_, CK_DISPOSE, a);
  for (ck_op op : {CK_ENTER, CK_TERMINATE, CK_RUN}) {
    Res r = Do(s_, op, a, "1");
    EXPECT_EQ(V8P_NOT_EXECUTED, r.status) << ck_op_name(op);
    EXPECT_EQ(0, r.executed);
    // said once per isolate and thread; never executed, said or not
    EXPECT_EQ(op == CK_ENTER ? "use-after-dispose" : "", Codes(r)) << ck_op_name(op);
    EXPECT_NE(nullptr, strstr(r.message, "use-after-free")) << r.message;
  }
}

TEST_F(Probe, DryRunGivesTheSameVerdictsWithoutCallingV8) {
  Open(CK_MODEL_V8, 1);
  int a = New(s_, "A"), b = New(s_, "B");
  Do(s_, CK_ENTER, a);
  Do(s_, CK_ENTER, b);
  Res r = Do(s_, CK_EXIT, a);
  EXPECT_EQ("exit-order", Codes(r));  // no tls-divergence: nothing is observed
  EXPECT_EQ(0, r.executed);
  EXPECT_EQ(CK_UNKNOWN, r.real_current);
  Res d = Do(s_, CK_DISPOSE, b);
  EXPECT_EQ("dispose-entered", Codes(d));
}

namespace {
// Every event the sink is told, with the codes it raised.
struct Told {
  std::vector<v8p_event> events;
  std::vector<std::string> codes;
};
void Collect(void* ud, const v8p_event* ev, const ck_violation* v, size_t nv, const char*) {
  if (!ev) return;
  auto* t = static_cast<Told*>(ud);
  t->events.push_back(*ev);
  std::string c;
  for (size_t i = 0; i < nv; i++) c += (c.empty() ? "" : ",") + std::string(ck_code_name(v[i].code));
  t->codes.push_back(c);
}
}  // namespace

TEST_F(Probe, TheSinkIsToldTheVerdictAtStartAndTheRealStateAtTheEndOfEveryCall) {
  Told told;
  Open(CK_MODEL_V8, 0, V8P_FATAL_ABORT, Collect, &told);
  int a = New(s_, "A");
  Do(s_, CK_ENTER, a);
  Do(s_, CK_EXIT, a);
  Do(s_, CK_UNLOCK, a);  // locker-misuse: no Locker object to destroy, not executed
  ASSERT_EQ(8u, told.events.size());  // a start and an end per call
  const v8p_event& enter_end = told.events[3];
  EXPECT_EQ(CK_ENTER, enter_end.op);
  EXPECT_EQ(1, enter_end.done);
  EXPECT_EQ(a, enter_end.real_current);
  EXPECT_EQ(a, enter_end.ideal_current);
  const v8p_event& unlock_start = told.events[6];
  EXPECT_EQ(0, unlock_start.done);
  EXPECT_EQ("locker-misuse", told.codes[6]);
  const v8p_event& unlock_end = told.events[7];
  EXPECT_EQ(0, unlock_end.executed);
  EXPECT_EQ(V8P_NOT_EXECUTED, unlock_end.status);
  EXPECT_EQ(CK_NONE, unlock_end.real_current);
  for (size_t i = 0; i < told.events.size(); i++) EXPECT_EQ(static_cast<int>(i % 2), told.events[i].done) << i;
}

TEST_F(Probe, RunResultsExceptionsAndNamedContexts) {
  Open();
  int a = New(s_, "A");
  Do(s_, CK_ENTER, a);
  Res r = Do(s_, CK_RUN, a, "throw new Error('boom')");
  EXPECT_EQ(V8P_RUN_THREW, r.run);
  EXPECT_EQ("Error: boom", Text(r));
  r = Do(s_, CK_RUN, a, "syntax error here");
  EXPECT_EQ(V8P_RUN_THREW, r.run);
  EXPECT_NE(std::string::npos, Text(r).find("SyntaxError"));
  Do(s_, CK_RUN, a, "globalThis.x = 'in main'");
  ASSERT_EQ(V8P_OK, Do(s_, CK_CONTEXT, a, nullptr, nullptr, -1, "other").status);
  r = Do(s_, CK_RUN, a, "typeof x", nullptr, -1, "other");
  EXPECT_EQ(V8P_RUN_VALUE, r.run);
  EXPECT_EQ("undefined", Text(r));
  r = Do(s_, CK_RUN, a, "x");
  EXPECT_EQ("in main", Text(r));
  Do(s_, CK_EXIT, a);
  Do(s_, CK_DISPOSE, a);
}

TEST_F(Probe, PendingTerminationKillsTheNextRunOnlyAndCancelClearsIt) {
  Open();
  int a = New(s_, "A");
  Do(s_, CK_ENTER, a);
  Do(s_, CK_TERMINATE, a);
  Res t = Do(s_, CK_IS_TERMINATING, a);
  EXPECT_EQ(V8P_OK, t.status);
  Res r = Do(s_, CK_RUN, a, "1 + 1");
  EXPECT_EQ(V8P_RUN_TERMINATED, r.run);
  r = Do(s_, CK_RUN, a, "1 + 1");
  EXPECT_EQ("2", Text(r));
  Do(s_, CK_TERMINATE, a);
  Do(s_, CK_CANCEL_TERMINATE, a);
  r = Do(s_, CK_RUN, a, "2 + 1");
  EXPECT_EQ("3", Text(r));
  Do(s_, CK_EXIT, a);
  Do(s_, CK_DISPOSE, a);
}

TEST_F(Probe, RequestedInterruptIsDeliveredWhileScriptRuns) {
  Open();
  int a = New(s_, "A");
  Do(s_, CK_ENTER, a);
  EXPECT_EQ(V8P_OK, Do(s_, CK_INTERRUPT, a).status);
  EXPECT_EQ(0, v8p_interrupts_delivered(s_, a));
  Res r = Do(s_, CK_RUN, a, "let s = 0; for (let i = 0; i < 1e6; i++) s += i; s");
  EXPECT_EQ("499999500000", Text(r));
  EXPECT_EQ(1, v8p_interrupts_delivered(s_, a));
  EXPECT_EQ(V8P_OK, Do(s_, CK_GC, a).status);
  Do(s_, CK_EXIT, a);
  Do(s_, CK_DISPOSE, a);
}

TEST_F(Probe, IsolateFromAnotherThreadWithoutLockerFailsToRunScript) {
  // V8-RULES: the stack limit was computed on the creating thread's stack.
  Open();
  int a = New(s_, "A");
  Res r;
  std::thread t1 = OnThread(s_, "T1", [&] {
    EXPECT_EQ("wrong-thread", Codes(Do(s_, CK_ENTER, a)));
    r = Do(s_, CK_RUN, a, "1");
    Do(s_, CK_EXIT, a);
  });
  t1.join();
  EXPECT_EQ(V8P_RUN_THREW, r.run);
  Do(s_, CK_LOCK, a);
  Do(s_, CK_UNLOCK, a);
  EXPECT_EQ("", Codes(Do(s_, CK_DISPOSE, a)));
}

TEST_F(Probe, RustyModelNewEntersAndOutOfOrderDropCorruptsCurrent) {
  Open(CK_MODEL_RUSTY_V8);
  OnThread(s_, "w1", [this] {
    int a = New(s_, "A");
    EXPECT_EQ(a, v8p_real_current(s_));
    int b = New(s_, "B");
    Res r = Do(s_, CK_DROP, a);
    EXPECT_EQ("drop-order,tls-divergence", Codes(r));
    EXPECT_NE(nullptr, strstr(r.message, "rusty_v8 >= 0.83 panics")) << r.message;
    EXPECT_EQ(CK_NONE, r.real_current);
    EXPECT_EQ(b, r.ideal_current);
    r = Do(s_, CK_DROP, b);
    EXPECT_EQ("", Codes(r));
    EXPECT_EQ(a, r.real_current);  // B's entry remembered A: now a dangling current
    EXPECT_EQ(CK_NONE, r.ideal_current);
  }).join();
}

TEST_F(Probe, CallFromAnUnattachedThreadIsRefused) {
  Open();
  v8p_status st = V8P_OK;
  std::thread t([&] {
    v8p_call c{CK_NEW, 0, "X", 1, -1, nullptr, nullptr, 0, 0, nullptr, CK_NONE, nullptr, 0};
    v8p_result r;
    st = v8p_do(s_, &c, &r);
  });
  t.join();
  EXPECT_EQ(V8P_ERR_STATE, st);
  v8p_call bad{CK_ENTER, 99, nullptr, 1, -1, nullptr, nullptr, 0, 0, nullptr, CK_NONE, nullptr, 0};
  v8p_result r;
  EXPECT_EQ(V8P_ERR_ARG, v8p_do(s_, &bad, &r));
  EXPECT_NE(nullptr, strstr(r.message, "no isolate with id 99"));
}

namespace {
// A sink that writes every record to stderr at once, as a parent process would read it.
void StderrSink(void*, const v8p_event* ev, const ck_violation* v, size_t nv, const char* fatal) {
  char line[700];
  int n;
  if (!ev)
    n = snprintf(line, sizeof line, "record fatal: %s\n", fatal ? fatal : "(end)");
  else
    n = snprintf(line, sizeof line, "record step=%d op=%s done=%d verdict=%s\n", ev->step,
                 ck_op_name(ev->op), ev->done, nv ? ck_code_name(v[0].code) : "none");
  if (write(2, line, static_cast<size_t>(n)) < 0) _exit(99);
}
}  // namespace

TEST_F(Probe, DisposeOfAnEnteredIsolateDiesWithV8sExactFatalMessage) {
  EXPECT_EXIT(
      {
        Open(CK_MODEL_V8, 0, V8P_FATAL_ABORT, StderrSink);
        int a = New(s_, "A");
        Do(s_, CK_ENTER, a);
        Do(s_, CK_DISPOSE, a);
        _exit(0);  // not reached
      },
      ::testing::KilledBySignal(SIGTRAP),
      "record step=[0-9]+ op=dispose done=0 verdict=dispose-entered\n"
      "record fatal: v8::Isolate::Dispose\\(\\): Disposing the isolate that is entered by a "
      "thread.\n"
      "\n#\n# Fatal error in v8::Isolate::Dispose\\(\\)\n"
      "# Disposing the isolate that is entered by a thread.\n#");
}

TEST_F(Probe, FatalHandlerThatReturnsLetsDisposeReturnWithoutFreeing) {
  EXPECT_EXIT(
      {
        Open(CK_MODEL_V8, 0, V8P_FATAL_CONTINUE, StderrSink);
        int a = New(s_, "A");
        Do(s_, CK_ENTER, a);
        Res r = Do(s_, CK_DISPOSE, a);
        fprintf(stderr, "after dispose: %s | %s\n", v8p_status_name(r.status), r.message);
        Res run = Do(s_, CK_CHECK_CURRENT, 0);
        fprintf(stderr, "still current: %d\n", run.real_current == a);
        _exit(0);
      },
      ::testing::ExitedWithCode(0),
      "after dispose: v8-error \\| V8 fatal error \\(handler returned\\): "
      "v8::Isolate::Dispose\\(\\): Disposing the isolate that is entered by a thread.\n"
      ".*still current: 1");
}
