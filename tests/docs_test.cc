// docs_test.cc — docs/violations.md documents every code the checker can raise, and each
// code's example is a scenario of scenarios/catalog/ that expects that very code.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

extern "C" {
#include "checker.h"
#include "scenario.h"
}

namespace {
std::string ReadDoc() {
  std::ifstream in(ISOREPLAY_SOURCE_DIR "/docs/violations.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The section of the catalog about one code.
std::string Section(const std::string& doc, const std::string& name) {
  size_t at = doc.find("\n## " + name + "\n");
  if (at == std::string::npos) return "";
  size_t end = doc.find("\n## ", at + 4);
  return doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// 1 when the scenario expects the code at some step or at its end.
bool Expects(const scenario* s, ck_code code) {
  if (s->end_expect & (1u << code)) return true;
  for (int i = 0; i < s->nsteps; i++)
    if (s->steps[i].expect & (1u << code)) return true;
  return false;
}
}  // namespace

TEST(Docs, EveryCodeHasASectionWithExampleReleaseDebugAndFix) {
  std::string doc = ReadDoc();
  ASSERT_FALSE(doc.empty()) << "docs/violations.md is missing";
  for (int c = 0; c < CK_CODE_COUNT; c++) {
    std::string name = ck_code_name(static_cast<ck_code>(c));
    std::string section = Section(doc, name);
    ASSERT_FALSE(section.empty()) << "no section for " << name;
    for (const char* part : {"**Example**", "**Release V8, version by version**", "**Release V8 10.2**", "**Debug V8**", "**Fix**"})
      EXPECT_NE(std::string::npos, section.find(part)) << name << " lacks " << part;
    EXPECT_NE(std::string::npos, section.find("<!-- measured: " + name + " -->\n| example | V8 10.2 |"))
        << name << " lacks its measured table (scripts/catalog_table.py --write)";
    EXPECT_NE(std::string::npos, doc.find("[`" + name + "`](#" + name + ")")) << name << " not in the index";
  }
}

TEST(Docs, EveryExampleIsACatalogScenarioThatExpectsItsCode) {
  std::string doc = ReadDoc();
  std::regex link(R"(\(\.\./scenarios/catalog/([a-z0-9-]+\.scn)\))");
  for (int c = 0; c < CK_CODE_COUNT; c++) {
    ck_code code = static_cast<ck_code>(c);
    std::string section = Section(doc, ck_code_name(code));
    size_t at = section.find("**Example**");
    ASSERT_NE(std::string::npos, at) << ck_code_name(code);
    std::string line = section.substr(at, section.find('\n', at) - at);
    int files = 0, expecting = 0;
    for (std::sregex_iterator m(line.begin(), line.end(), link), end; m != end; ++m) {
      std::string path = std::string(ISOREPLAY_SOURCE_DIR "/scenarios/catalog/") + (*m)[1].str();
      scenario* s = nullptr;
      iso_err err{};
      ASSERT_EQ(0, scn_load(path.c_str(), &s, &err)) << err.msg;
      files++;
      expecting += Expects(s, code);
      scn_free(s);
    }
    EXPECT_GT(files, 0) << ck_code_name(code) << ": its Example links no scenario of scenarios/catalog/";
    EXPECT_GT(expecting, 0) << ck_code_name(code) << ": none of its example scenarios expects it";
  }
}
