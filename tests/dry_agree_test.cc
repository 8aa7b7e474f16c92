// The rule that a real run's verdicts equal a dry run's (harness/report/dry_agree.c): a
// difference makes the real run fail as a bug in isoreplay; what V8 may legitimately
// change (observations, late codes of a replay cut short, a block V8 never reached) is
// not compared.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "report.h"
}

namespace {

const char kScenario[] =
    "title \"t\"\n"
    "T1: new A\n"
    "T1: enter A\n"
    "T2: enter A ! unlocked-shared\n";

struct Reports {
  scenario* s = nullptr;
  report* real = nullptr;
  report* dry = nullptr;
  Reports() {
    iso_err err;
    EXPECT_EQ(0, scn_parse("t.scn", kScenario, sizeof kScenario - 1, &s, &err)) << err.msg;
    real = report_new(s, 0, "default");
    dry = report_new(s, 1, "default");
  }
  ~Reports() {
    report_free(real);
    report_free(dry);
    scn_free(s);
  }
  static void Apply(report* r, std::vector<std::string> lines) {
    for (auto& l : lines) report_apply(r, l.data());
  }
};

std::vector<std::string> Steps(const std::string& third_codes, bool finished) {
  std::vector<std::string> v = {"I\t10.2\treal", "S\t1\t1", "E\t1\t2\t0\t1\tA\tA\t0\t\t", "S\t2\t3",
                                "E\t2\t4\t0\t1\tA\tA\t0\t\t", "S\t3\t5"};
  if (!third_codes.empty()) v.push_back("V\t3\t" + third_codes + "\tT2\t\tA\tmessage");
  v.push_back("E\t3\t6\t0\t1\tA\tnone\t0\t\t");
  if (finished) v.push_back("Z\t7\tdone");
  return v;
}

TEST(DryAgree, TheSameVerdictsAgree) {
  Reports r;
  Reports::Apply(r.real, Steps("unlocked-shared", true));
  Reports::Apply(r.dry, Steps("unlocked-shared", true));
  EXPECT_EQ(1, report_agrees_with_dry(r.real, r.dry));
  EXPECT_EQ(nullptr, r.real->internal);
  EXPECT_TRUE(r.real->dry_compared && r.real->dry_agrees);
}

TEST(DryAgree, ADifferenceFailsTheRealRunAsABugNamingTheLine) {
  Reports r;
  Reports::Apply(r.real, Steps("unlocked-shared", true));
  Reports::Apply(r.dry, Steps("", true));
  EXPECT_EQ(0, report_agrees_with_dry(r.real, r.dry));
  ASSERT_NE(nullptr, r.real->internal);
  std::string why = r.real->internal;
  EXPECT_NE(std::string::npos, why.find("at line 4 (step 3): real unlocked-shared, dry none")) << why;
  report_check(r.real);
  EXPECT_FALSE(r.real->met);
}

TEST(DryAgree, AnObservationOfV8IsNotAVerdict) {
  Reports r;
  Reports::Apply(r.real, Steps("tls-divergence", true));
  Reports::Apply(r.dry, Steps("", true));
  EXPECT_EQ(1, report_agrees_with_dry(r.real, r.dry));
}

TEST(DryAgree, LateCodesAreComparedOnlyWhenTheRealReplayReachedItsEnd) {
  Reports cut, whole;
  Reports::Apply(cut.real, Steps("", false));  // V8 killed it before a later step raised it
  Reports::Apply(cut.dry, Steps("thread-exit-entered", true));
  EXPECT_EQ(1, report_agrees_with_dry(cut.real, cut.dry));
  Reports::Apply(whole.real, Steps("", true));
  Reports::Apply(whole.dry, Steps("thread-exit-entered", true));
  EXPECT_EQ(0, report_agrees_with_dry(whole.real, whole.dry));
}

TEST(DryAgree, ABlockV8NeverReachedIsNotCompared) {
  Reports r;
  std::vector<std::string> real = Steps("", true);
  real.insert(real.begin() + 1, "N\t1\tthe script returned without calling host()");
  Reports::Apply(r.real, real);
  Reports::Apply(r.dry, Steps("unlocked-shared", true));
  EXPECT_EQ(1, report_agrees_with_dry(r.real, r.dry));
  EXPECT_FALSE(r.real->dry_compared);
}

}  // namespace

namespace {

TEST(DryAgree, AStepThatNeverEndedIsComparedAsASubset) {
  Reports unfed, extra;
  std::vector<std::string> cut = {"I\t10.2\treal", "S\t1\t1", "E\t1\t2\t0\t1\tA\tA\t0\t\t", "S\t2\t3",
                                  "E\t2\t4\t0\t1\tA\tA\t0\t\t", "S\t3\t5"};  // crashed before the feed
  Reports::Apply(unfed.real, cut);
  Reports::Apply(unfed.dry, Steps("unlocked-shared", true));
  EXPECT_EQ(1, report_agrees_with_dry(unfed.real, unfed.dry));
  cut.push_back("V\t3\tnot-entered\tT2\t\tA\tm");  // fed, but not what the dry run said
  Reports::Apply(extra.real, cut);
  Reports::Apply(extra.dry, Steps("unlocked-shared", true));
  EXPECT_EQ(0, report_agrees_with_dry(extra.real, extra.dry));
}

}  // namespace
