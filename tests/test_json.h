// test_json.h — reading isoreplay's JSON reports in tests (jansson).
#ifndef ISOREPLAY_TEST_JSON_H
#define ISOREPLAY_TEST_JSON_H

#include <gtest/gtest.h>
#include <jansson.h>

#include <string>

namespace testjson {

// The parsed document at path (a test failure and NULL when it does not parse).
inline json_t* LoadJson(const std::string& path) {
  json_error_t e;
  json_t* j = json_load_file(path.c_str(), 0, &e);
  EXPECT_NE(nullptr, j) << path << ": " << e.text;
  return j;
}

// o[key] as a string, or NULL.
inline const char* Str(json_t* o, const char* key) { return json_string_value(json_object_get(o, key)); }

}  // namespace testjson

#endif
