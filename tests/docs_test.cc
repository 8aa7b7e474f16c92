// docs_test.cc — docs/violations.md documents every code the checker can raise.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "checker.h"

namespace {
std::string ReadDoc() {
  std::ifstream in(ISOREPLAY_SOURCE_DIR "/docs/violations.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Docs, EveryCodeHasASectionWithExampleReleaseDebugAndFix) {
  std::string doc = ReadDoc();
  ASSERT_FALSE(doc.empty()) << "docs/violations.md is missing";
  for (int c = 0; c < CK_CODE_COUNT; c++) {
    std::string name = ck_code_name(static_cast<ck_code>(c));
    size_t at = doc.find("\n## " + name + "\n");
    ASSERT_NE(std::string::npos, at) << "no section for " << name;
    size_t end = doc.find("\n## ", at + 4);
    std::string section = doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
    for (const char* part : {"**Example**", "**Release V8 10.2**", "**Debug V8**", "**Fix**"})
      EXPECT_NE(std::string::npos, section.find(part)) << name << " lacks " << part;
    EXPECT_NE(std::string::npos, doc.find("[`" + name + "`](#" + name + ")")) << name << " not in the index";
  }
}
