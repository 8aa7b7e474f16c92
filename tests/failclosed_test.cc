// failclosed_test.cc — no internal failure ever yields a pass. Every allocation made
// while a report is built and checked is made to fail in turn (malloc is interposed in
// this program); whichever fails, a run whose expectations are not met never passes, and
// a run that lost anything to the failure is an internal error, not a pass.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

extern "C" {
#include "records.h"
#include "replay.h"
#include "report.h"
#include "scenario.h"

void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
}

namespace {
std::atomic<long> g_left{-1};   // allocations left before the one that fails; -1: off
std::atomic<bool> g_failed{false};

bool Fail() {
  if (g_left.load() < 0) return false;
  if (g_left.fetch_sub(1) != 0) return false;
  g_failed = true;
  return true;
}
}  // namespace

// The sanitizers own malloc in their builds: only the default build interposes it.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
extern "C" void* malloc(size_t n) { return Fail() ? nullptr : __libc_malloc(n); }
extern "C" void* calloc(size_t n, size_t m) { return Fail() ? nullptr : __libc_calloc(n, m); }
extern "C" void* realloc(void* p, size_t n) { return Fail() ? nullptr : __libc_realloc(p, n); }
#endif

namespace {

scenario* Parse(const std::string& text) {
  scenario* s = nullptr;
  iso_err err{};
  EXPECT_EQ(0, scn_parse("t.scn", text.data(), text.size(), &s, &err)) << err.msg;
  return s;
}

void Collect(void* ud, const char* line) { static_cast<std::vector<std::string>*>(ud)->push_back(line); }

// The record lines of a dry run of s.
std::vector<std::string> Records(const scenario* s) {
  std::vector<std::string> lines;
  replay_opts o = {1, Collect, &lines};
  replay_run(s, &o);
  return lines;
}

// Builds and checks the report with the k-th allocation failing (k < 0: none). Returns
// whether an allocation failed, and the report's met / internal.
bool Build(const scenario* s, const std::vector<std::string>& lines, long k, int* met, bool* internal) {
  report* r = report_new(s, 1, "default");
  std::vector<std::vector<char>> copies;
  for (auto& l : lines) copies.emplace_back(l.c_str(), l.c_str() + l.size() + 1);
  g_failed = false;
  g_left = k;
  for (auto& c : copies) report_apply(r, c.data());
  report_check(r);
  g_left = -1;
  *met = r->met;
  *internal = r->internal != nullptr;
  report_free(r);
  return g_failed;
}

// Sweeps every allocation of the report phase; returns how many were made to fail.
int Sweep(const std::string& text, bool truth_met) {
  if (std::string(ISOREPLAY_FLAVOR_NAME) != "default") return -1;
  scenario* s = Parse(text);
  std::vector<std::string> lines = Records(s);
  int met;
  bool internal;
  EXPECT_FALSE(Build(s, lines, -1, &met, &internal));
  EXPECT_EQ(truth_met, met == 1) << "the run without failures";
  int failures = 0;
  for (long k = 0; Build(s, lines, k, &met, &internal); k++) {
    failures++;
    EXPECT_EQ(0, met) << "allocation " << k << " failed and the run still passed";
    if (truth_met) {
      EXPECT_TRUE(internal) << "allocation " << k << " failed and nothing says so";
    }
  }
  scn_free(s);
  return failures;
}

}  // namespace

TEST(FailClosed, AnUnexpectedViolationNeverPassesWhateverAllocationFails) {
  int n = Sweep("title \"t\"\nT1: new A\nT1: new B\nT1: enter A\nT1: enter B\nT1: exit A\nT1: exit B\n"
                "T1: dispose A\nT1: dispose B\n", false);
  if (n < 0) GTEST_SKIP() << "malloc is the sanitizer's in this build";
  EXPECT_GT(n, 20) << "the sweep reached the report's allocations";
}

TEST(FailClosed, AMetRunThatLostSomethingIsAnInternalErrorNotAPass) {
  int n = Sweep("title \"t\"\nT1: new A\nT1: new B\nT1: enter A\nT1: enter B\nT1: exit A ! exit-order\n"
                "T1: exit B\nT1: dispose A\nT1: dispose B\n! leaked-isolate\n", false);
  if (n < 0) GTEST_SKIP() << "malloc is the sanitizer's in this build";
  int m = Sweep("title \"t\"\nT1: new A\nT1: new B\nT1: enter A\nT1: enter B\nT1: exit A ! exit-order\n"
                "T1: exit B\nT1: dispose A\nT1: dispose B\n", true);
  EXPECT_GT(m, 20);
}

TEST(FailClosed, AnUnreadableRecordIsAnInternalError) {
  scenario* s = Parse("title \"t\"\nT1: new A\nT1: dispose A\n");
  for (const char* bad : {"Q\tnonsense", "E\t1", "V\t99\tdrop-order\tT1\t\tA\tm", "V\t1\tno-such-code\tT1\t\tA\tm", "S\tx\t1.0"}) {
    report* r = report_new(s, 1, "default");
    for (auto& l : Records(s)) {
      std::vector<char> c(l.c_str(), l.c_str() + l.size() + 1);
      report_apply(r, c.data());
    }
    std::vector<char> c(bad, bad + strlen(bad) + 1);
    report_apply(r, c.data());
    report_check(r);
    EXPECT_EQ(0, r->met) << bad;
    EXPECT_NE(nullptr, r->internal) << bad;
    report_free(r);
  }
  scn_free(s);
}
