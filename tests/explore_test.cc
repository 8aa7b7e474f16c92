// explore_test.cc — the program model and the search, without the command: the file's
// own order gives the dry run's verdicts on the whole corpus; the preemption bound,
// partial-order reduction and PCT do what they say; a witness parses back to the same
// steps.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

extern "C" {
#include "explore.h"
#include "explore_write.h"
#include "scenario.h"
}

namespace {

scenario* Parse(const std::string& text) {
  scenario* s = nullptr;
  iso_err err;
  EXPECT_EQ(0, scn_parse("test.scn", text.data(), text.size(), &s, &err)) << err.msg;
  return s;
}

explore_result Explore(const scenario* s, explore_opts o) {
  explore_result r;
  iso_err err;
  EXPECT_EQ(0, explore_run(s, &o, &r, &err)) << err.msg;
  return r;
}

unsigned Found(const explore_result& r) {
  unsigned codes = 0;
  for (int k = 0; k < r.nfindings; k++) codes |= 1u << r.findings[k].code;
  return codes;
}

const char kInversion[] =
    "title \"AB-BA\"\n"
    "main: new A\nmain: new B\n"
    "T1: lock A\nT1: lock B\nT1: unlock B\nT1: unlock A\n"
    "T2: lock B\nT2: lock A\nT2: unlock A\nT2: unlock B\n"
    "main: join T1\nmain: join T2\nmain: dispose A\nmain: dispose B\n";

}  // namespace

TEST(Explore, TheFileOrderGivesTheDryRunsVerdictsOnTheWholeCorpus) {
  int checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(ISOREPLAY_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".scn") continue;
    scenario* s = nullptr;
    iso_err err;
    ASSERT_EQ(0, scn_load(e.path().c_str(), &s, &err)) << err.msg;
    explore_opts o = {};
    o.max_schedules = 1;
    explore_result r = Explore(s, o);
    unsigned observation = 1u << CK_TLS_DIVERGENCE;
    for (int i = 0; i < s->nsteps; i++)
      EXPECT_EQ(scn_codes_for(s, &s->steps[i], -1) & ~observation, r.baseline[i])
          << e.path() << ":" << s->steps[i].line << " (step " << i + 1 << ")";
    EXPECT_EQ(scn_codes_for(s, nullptr, -1) & ~observation, r.baseline_end) << e.path() << ": the end";
    explore_result_free(&r);
    scn_free(s);
    checked++;
  }
  EXPECT_GT(checked, 100);
}

TEST(Explore, TheBoundDecidesWhichRacesAreReached) {
  scenario* s = Parse(kInversion);
  explore_opts o = {};
  explore_result r0 = Explore(s, o);  // bound 0: each thread runs until it must wait
  EXPECT_EQ(0, r0.nfindings);
  o.bound = 1;
  explore_result r1 = Explore(s, o);
  EXPECT_EQ(1u << CK_DEADLOCK, Found(r1));
  ASSERT_EQ(1, r1.nfindings);
  EXPECT_EQ(1, r1.findings[0].preemptions);
  EXPECT_GT(r1.schedules, r0.schedules);
  explore_result_free(&r0);
  explore_result_free(&r1);
  scn_free(s);
}

TEST(Explore, PartialOrderReductionChecksFewerSchedulesAndFindsTheSame) {
  scenario* s = Parse(kInversion);
  explore_opts o = {};
  o.bound = 2;
  explore_result with = Explore(s, o);
  o.no_reduction = 1;
  explore_result without = Explore(s, o);
  EXPECT_LT(with.schedules, without.schedules);
  EXPECT_GT(with.pruned, 0);
  EXPECT_EQ(0, without.pruned);
  EXPECT_EQ(Found(without), Found(with));
  explore_result_free(&with);
  explore_result_free(&without);
  scn_free(s);
}

TEST(Explore, PctFindsTheRaceFromItsSeedAndAgainFromTheSameSeed) {
  scenario* s = Parse(kInversion);
  explore_opts o = {};
  o.pct = 1;
  o.seed = 7;
  o.runs = 200;
  o.pct_depth = 2;
  explore_result a = Explore(s, o), b = Explore(s, o);
  EXPECT_EQ(200, a.schedules);
  EXPECT_EQ(1u << CK_DEADLOCK, Found(a));
  ASSERT_EQ(a.nfindings, b.nfindings);
  ASSERT_EQ(a.findings[0].norder, b.findings[0].norder);  // the same witness: deterministic
  for (int k = 0; k < a.findings[0].norder; k++) EXPECT_EQ(a.findings[0].order[k], b.findings[0].order[k]);
  explore_result_free(&a);
  explore_result_free(&b);
  scn_free(s);
}

TEST(Explore, AWitnessParsesBackToTheSameStepsInItsOrderWithItsCodes) {
  scenario* s = Parse(
      "title \"terminate vs dispose\"\nmodel v8\n"
      "w: new A\nw: enter A\nw: run A \"`$${1}` + \\\"\\\\\\\"\" => \"1\\\"\\\\\"\nwd: terminate A\nw: exit A\nw: dispose A\n");
  explore_opts o = {};
  o.bound = 2;
  explore_result r = Explore(s, o);
  ASSERT_EQ(1, r.nfindings);
  EXPECT_EQ(CK_USE_AFTER_DISPOSE, r.findings[0].code);
  strbuf text = {};
  explore_write_witness(&text, s, &r.findings[0], "test");
  ASSERT_FALSE(text.failed);
  scenario* w = Parse(std::string(text.p, text.len));
  ASSERT_NE(nullptr, w);
  ASSERT_EQ(s->nsteps, w->nsteps);
  EXPECT_STREQ("wd", w->steps[s->nsteps - 1].thread);  // the terminate comes last
  EXPECT_EQ(1u << CK_USE_AFTER_DISPOSE, w->steps[s->nsteps - 1].expect);
  EXPECT_STREQ(s->steps[2].js, w->steps[2].js);  // quotes, backslashes and `$` survive
  EXPECT_EQ(0, w->steps[2].nresults);           // what V8 returns in another order is not assumed
  sb_free(&text);
  scn_free(w);
  explore_result_free(&r);
  scn_free(s);
}
