// parse_util.h — parsing scenario text in tests: what parses, and the diagnostic of what
// does not.
#ifndef ISOREPLAY_PARSE_UTIL_H
#define ISOREPLAY_PARSE_UTIL_H

#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "scenario.h"
}

namespace parseutil {

struct Parsed {
  scenario* s = nullptr;
  std::string diag;
  ~Parsed() { scn_free(s); }
};

inline void Parse(const std::string& text, Parsed* p, const char* path = "t.scn") {
  iso_err err{};
  if (scn_parse(path, text.data(), text.size(), &p->s, &err)) p->diag = err.msg;
}

// Parses text that must fail; returns the diagnostic.
inline std::string Bad(const std::string& text) {
  Parsed p;
  Parse(text, &p);
  EXPECT_EQ(nullptr, p.s) << "expected an error for:\n" << text;
  return p.diag;
}

}  // namespace parseutil

#endif
