// cli_usage_test.cc — the command line a user meets first: `isoreplay COMMAND --help` for
// every command, a mistyped option or command named with the closest one, `--version`
// with the V8 runtimes found, and `isoreplay new`, whose skeleton `check` accepts and which
// shows every step the language documents.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "test_util.h"

using testutil::Cli;
using testutil::Path;
using testutil::ReadFile;
using testutil::RunCli;

TEST(CliUsage, EveryCommandHasItsOwnHelp) {
  for (const char* cmd : {"run", "check", "versions", "record", "new", "codes"}) {
    SCOPED_TRACE(cmd);
    Cli h = RunCli(std::string(cmd) + " --help");
    EXPECT_EQ(0, h.status) << h.out;
    EXPECT_EQ(0u, h.out.find(std::string("usage: isoreplay ") + cmd)) << h.out;
    Cli same = RunCli(std::string("help ") + cmd);
    EXPECT_EQ(h.out, same.out);
  }
  EXPECT_NE(std::string::npos, RunCli("run --help").out.find("--memory-limit SIZE")) << "its options";
  EXPECT_NE(std::string::npos, RunCli("record --help").out.find("uprobes")) << "both ways";
}

TEST(CliUsage, AMistypedOptionOrCommandIsNamedWithTheClosestAndNothingRuns) {
  Cli o = RunCli("run --jsn out.json x.scn");
  EXPECT_EQ(2, o.status);
  EXPECT_NE(std::string::npos, o.out.find("isoreplay run: unknown option '--jsn'; did you mean '--json'?")) << o.out;
  EXPECT_NE(std::string::npos, o.out.find("Try 'isoreplay run --help'.")) << o.out;
  Cli r = RunCli("record --qiet -- true");
  EXPECT_EQ(2, r.status);
  EXPECT_NE(std::string::npos, r.out.find("did you mean '--quiet'?")) << r.out;
  Cli far = RunCli("check --frobnicate x.scn");
  EXPECT_EQ(2, far.status);
  EXPECT_NE(std::string::npos, far.out.find("unknown option '--frobnicate'\n")) << "no far-fetched guess: " << far.out;
  Cli c = RunCli("recrod -- true");
  EXPECT_EQ(2, c.status);
  EXPECT_NE(std::string::npos, c.out.find("unknown command 'recrod'; did you mean 'record'?")) << c.out;
  Cli v = RunCli("versions --jsno");
  EXPECT_NE(std::string::npos, v.out.find("did you mean '--json'?")) << v.out;
}

TEST(CliUsage, VersionNamesIsoreplayAndEveryRuntimeFound) {
  Cli v = RunCli("--version");
  EXPECT_EQ(0, v.status);
  EXPECT_EQ(0u, v.out.find("isoreplay ")) << v.out;
  Cli list = RunCli("versions");
  std::istringstream rows(list.out);
  std::string line;
  std::getline(rows, line);  // the header
  int n = 0;
  while (std::getline(rows, line)) {
    std::istringstream f(line);
    std::string name, version;
    f >> name >> version;
    EXPECT_NE(std::string::npos, v.out.find("V8 " + version + " (")) << v.out;
    n++;
  }
  EXPECT_GE(n, 1) << list.out;
}

// The steps the language documents: the first word of each row of the step table of
// docs/scenario-language.md (from `new X` to `acquire M`).
std::set<std::string> DocumentedSteps() {
  std::ifstream in(std::string(ISOREPLAY_SOURCE_DIR) + "/docs/scenario-language.md");
  std::set<std::string> steps;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `new X`", 0) == 0) in_table = true;
    if (!in_table) continue;
    if (line.rfind("| ", 0) != 0) break;
    std::string first = line.substr(0, line.find(" | ", 2));
    for (size_t at = first.find('`'); at != std::string::npos; at = first.find('`', first.find('`', at + 1) + 1)) {
      size_t end = first.find_first_not_of("abcdefghijklmnopqrstuvwxyz-", at + 1);
      if (end > at + 1) steps.insert(first.substr(at + 1, end - at - 1));
      if (first.find('`', at + 1) == std::string::npos) break;
    }
  }
  return steps;
}

// Whether text shows `: step` followed by a space or the line's end.
bool Shows(const std::string& text, const std::string& step) {
  for (size_t at = text.find(": " + step); at != std::string::npos; at = text.find(": " + step, at + 1)) {
    char next = at + 2 + step.size() < text.size() ? text[at + 2 + step.size()] : '\n';
    if (next == ' ' || next == '\n') return true;
  }
  return false;
}

TEST(CliUsage, NewWritesASkeletonCheckAcceptsWithEveryDocumentedStep) {
  std::string name = Path("first-case");
  Cli n = RunCli("new " + name);
  ASSERT_EQ(0, n.status) << n.out;
  std::string text = ReadFile(name + ".scn");
  EXPECT_EQ(0u, text.find("title \"first-case\"\n")) << text;
  Cli c = RunCli("check " + name + ".scn");
  EXPECT_EQ(0, c.status) << c.out;
  EXPECT_EQ(0, RunCli("run --dry-run " + name + ".scn").status);
  std::set<std::string> steps = DocumentedSteps();
  EXPECT_GE(steps.size(), 25u);
  for (const std::string& step : steps) EXPECT_TRUE(Shows(text, step)) << "the skeleton shows no `" << step << "` step";
  for (const char* word : {"source ", "model ", "tags ", "timeout ", "expect-end ", "skip ", "expect-sanitizer ",
                           "fatal-handler ", "repeat ", "=> throws", "! "})
    EXPECT_NE(std::string::npos, text.find(word)) << word;
  Cli again = RunCli("new " + name);
  EXPECT_EQ(2, again.status) << "an existing file is kept";
  EXPECT_NE(std::string::npos, again.out.find("exists: keep it, or --force")) << again.out;
  EXPECT_EQ(0, RunCli("new --force " + name + ".scn").status);
}

TEST(CliUsage, CodesExplainsEachViolationCodeAndSuggestsForAMisspeltOne) {
  Cli all = RunCli("codes");
  EXPECT_EQ(0, all.status);
  Cli names = RunCli("codes --names");
  std::istringstream in(names.out);
  int n = 0;
  for (std::string code; std::getline(in, code); n++)
    EXPECT_NE(std::string::npos, all.out.find(code + " (")) << code;
  EXPECT_GE(n, 19);
  Cli one = RunCli("codes exit-order");
  EXPECT_EQ(0u, one.out.find("exit-order (error)\n")) << one.out;
  EXPECT_NE(std::string::npos, one.out.find("  fix: Nest Enter/Exit strictly")) << one.out;
  Cli bad = RunCli("codes exit-ordr");
  EXPECT_EQ(2, bad.status);
  EXPECT_NE(std::string::npos, bad.out.find("unknown code 'exit-ordr'; did you mean 'exit-order'?")) << bad.out;
}
