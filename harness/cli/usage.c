/* usage.c — what `isoreplay --help`, `isoreplay COMMAND --help` and a usage error print,
 * and the closest option or command to one the user mistyped. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* One command's help: its synopsis, then what it does and its options. */
static const struct {
  const char *name, *synopsis, *text;
} HELP[] = {
    {"run",
     "isoreplay run [--dry-run] [--v8 VERSION]... [--steps] [--quiet] [--json FILE]\n"
     "              [--trace FILE] [--html FILE] [--memory-limit SIZE] FILE...\n",
     "Replays each scenario against real V8, one OS thread per scenario thread, in a child\n"
     "process; reports every violation beside what V8 did, and checks the scenario's\n"
     "expectations.\n"
     "\n"
     "  --dry-run          feed the steps to the checker alone, without V8 (no\n"
     "                     tls-divergence, no results, no expect-end)\n"
     "  --v8 VERSION       replay on that runtime only (e.g. 14.6; repeatable; 'all' is\n"
     "                     the default: every runtime `isoreplay versions` lists)\n"
     "  --steps            print every step: its verdict, the real and the ideal current\n"
     "                     isolate after it, and a run's result\n"
     "  --quiet            print only the verdict of each scenario and its mismatches\n"
     "  --json FILE        write the reports as JSON (docs/report-format.md)\n"
     "  --trace FILE       write the replay as a Chrome Trace Event file (Perfetto)\n"
     "  --html FILE        write the replay's HTML view (swimlanes, violations, source)\n"
     "  --memory-limit SIZE  kill a replay whose resident memory passes SIZE (K, M or G\n"
     "                     suffix; 0: no limit; default 4G)\n"
     "Output files are replaced atomically; a FIFO or device (/dev/stdout) is written\n"
     "into; '-' is standard output. --trace and --html take one scenario file.\n"},
    {"check", "isoreplay check [--quiet] FILE...\n",
     "Parses only: reports malformed input as FILE:LINE:COL: error: ..., the line and a\n"
     "caret; prints each scenario's title and step count unless --quiet.\n"},
    {"versions", "isoreplay versions [--json]\n",
     "The V8 runtimes this isoreplay replays on: name, V8 version, origin and path (as JSON\n"
     "with --json).\n"},
    {"record", "isoreplay record [--out FILE.scn] [--json FILE] [--html FILE] [--quiet] -- PROGRAM ARGS...\n",
     "Runs PROGRAM with every isolate call it makes checked live, and prints each violation\n"
     "as it happens (on stderr; the program's own output and exit status pass through).\n"
     "V8 from a shared library (libnode.so, libv8.so): a preloaded recorder; V8 linked into\n"
     "the executable with its symbols exported (the official node binaries): uprobes, as\n"
     "root (docs/record.md).\n"
     "\n"
     "  --out FILE.scn     write what the program did as a scenario that replays to the\n"
     "                     same verdicts\n"
     "  --json FILE        write the recording as JSON (isoreplay-record/1)\n"
     "  --html FILE        write the recording's swimlanes\n"
     "  --quiet            leave out what the process left at its exit (information)\n"},
    {"explore",
     "isoreplay explore [--bound N] [--pct [--seed S] [--runs K] [--depth D]] [--real]\n"
     "                  [--witness-dir DIR] [--max-schedules N] FILE...\n",
     "Treats each scenario as a program (each thread's steps in order, the orderings its\n"
     "Lockers, joins, channels, mutexes, spawns and blocks guarantee) and checks its other\n"
     "interleavings with the checker alone. Reports each violation some schedule raises and\n"
     "the file's own order does not, with a witness: the same steps in the order that breaks\n"
     "(DIR/NAME.race-K.scn). A scenario with `expect-race CODE, ...` passes when exactly\n"
     "those codes are found; one without passes when nothing is (docs/explore.md).\n"
     "\n"
     "  --bound N          at most N preemptions per schedule (default 2), every schedule\n"
     "                     up to that, equivalent orders of independent steps checked once\n"
     "  --pct              random schedules instead (PCT): --runs K of them (default 1000)\n"
     "                     from --seed S (default 1), --depth D (default 3)\n"
     "  --real             replay each witness on every V8 runtime: what V8 does in that order\n"
     "  --witness-dir DIR  where witnesses are written (default: the current directory)\n"
     "  --max-schedules N  stop after N schedules and say the search is incomplete\n"
     "                     (default 10000000)\n"
     "  --no-reduction     check every schedule within the bound, equivalent ones too\n"
     "                     (what partial-order reduction saves, for comparison)\n"},
    {"reduce", "isoreplay reduce --keep PROPERTY [--v8 VERSION] [-o OUT] [--quiet] FILE\n",
     "Cuts a scenario (written by hand or recorded) down to the few steps that keep a\n"
     "property, by delta debugging over its threads, isolates, blocks and steps; every\n"
     "candidate stays well formed. Writes OUT (default NAME.reduced.scn here): the header,\n"
     "what was reduced from what, and the steps marked with what they raise, so it passes\n"
     "`check` and shows the property when run (docs/reduce.md).\n"
     "\n"
     "  --keep PROPERTY    CODE or CODE@LINE: the checker raises the code (at a step of\n"
     "                     that line of FILE), tested without V8;\n"
     "                     'signal SIG', 'fatal TEXT': how V8 ends the replay;\n"
     "                     'sanitizer TEXT': a sanitizer finding of this build;\n"
     "                     wrong-result: a run's `=>` is not met; these on --v8's V8,\n"
     "                     each candidate replayed in a child\n"
     "  --v8 VERSION       the runtime V8 properties are tested on (e.g. 13.6)\n"
     "  -o, --output OUT   where the reduced scenario goes\n"
     "  --quiet            no progress lines on stderr\n"},
    {"codes", "isoreplay codes [CODE...]\n",
     "The violation codes isoreplay reports (docs/violations.md), each with its severity,\n"
     "what it means and its fix: all of them, or the ones named.\n"},
    {"new", "isoreplay new [--force] NAME\n",
     "Writes NAME.scn (NAME if it ends in .scn): a scenario skeleton with the header and a\n"
     "commented example of every step, which `isoreplay check` accepts. An existing file is\n"
     "kept unless --force.\n"},
};

const char CLI_USAGE[] =
    "usage: isoreplay run [--dry-run] [--v8 VERSION]... [--steps] [--quiet] [--json FILE]\n"
    "                     [--trace FILE] [--html FILE] [--memory-limit SIZE] FILE...\n"
    "       isoreplay check [--quiet] FILE...\n"
    "       isoreplay versions [--json]\n"
    "       isoreplay record [--out FILE.scn] [--json FILE] [--html FILE] [--quiet]\n"
    "                        -- PROGRAM ARGS...\n"
    "       isoreplay new [--force] NAME\n"
    "       isoreplay codes [CODE...]\n"
    "       isoreplay explore [--bound N] [--pct] [--real] [--witness-dir DIR] FILE...\n"
    "       isoreplay reduce --keep PROPERTY [--v8 VERSION] [-o OUT] FILE\n"
    "       isoreplay --help | --version | COMMAND --help\n"
    "\n"
    "run       replay each scenario against real V8 and check its expectations\n"
    "check     parse only: report malformed input as FILE:LINE:COL: error: ...\n"
    "versions  the V8 runtimes this isoreplay replays on\n"
    "record    run a program with every isolate call it makes checked live, and write\n"
    "          what it did as a scenario\n"
    "new       write a scenario skeleton\n"
    "codes     the violation codes: what each means and its fix\n"
    "explore   check a scenario's other interleavings; write a witness of each race\n"
    "reduce    cut a scenario down to the steps that keep a violation or a V8 crash\n"
    "\n"
    "Exit status: 0 every expectation met, 1 not met, 2 bad input or usage (nothing ran),\n"
    "3 internal error. `isoreplay COMMAND --help` for a command's options; the scenario\n"
    "language: docs/scenario-language.md; the violations: docs/violations.md.\n";

int cli_help(const char *command) {
  for (size_t i = 0; i < sizeof HELP / sizeof *HELP; i++)
    if (!strcmp(HELP[i].name, command)) {
      printf("usage: %s\n%s", HELP[i].synopsis, HELP[i].text);
      return fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
    }
  fputs(CLI_USAGE, stdout);
  return fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
}

/* The command's synopsis, or the whole usage. */
static void print_synopsis(const char *command) {
  for (size_t i = 0; command && i < sizeof HELP / sizeof *HELP; i++)
    if (!strcmp(HELP[i].name, command)) {
      fprintf(stderr, "usage: %sTry 'isoreplay %s --help'.\n", HELP[i].synopsis, command);
      return;
    }
  fputs(CLI_USAGE, stderr);
}

static int vusage(const char *command, const char *fmt, va_list ap) {
  fprintf(stderr, "isoreplay%s%s: ", command ? " " : "", command ? command : "");
  vfprintf(stderr, fmt, ap);
  fputs("\n", stderr);
  print_synopsis(command);
  return EXIT_USAGE;
}

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vusage(NULL, fmt, ap);
  va_end(ap);
  return rc;
}

int cli_command_error(const char *command, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vusage(command, fmt, ap);
  va_end(ap);
  return rc;
}

/* Levenshtein distance of a and b (each at most 63 characters; longer: far). */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 64;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The closest of words to word, within a third of its length (at least 2), or NULL. */
static const char *closest(const char *word, const char *const *words, size_t n) {
  const char *best = NULL;
  size_t best_d = strlen(word) / 3 > 2 ? strlen(word) / 3 : 2;
  for (size_t i = 0; i < n; i++) {
    size_t d = distance(word, words[i]);
    if (d <= best_d && (!best || d < distance(word, best))) best = words[i];
  }
  return best;
}

int cli_unknown_option(const char *command, const char *bad, const struct option *opts) {
  const char *names[32];
  size_t n = 0;
  const char *dashes = strncmp(bad, "--", 2) ? bad + (bad[0] == '-') : bad + 2;
  char word[64];
  snprintf(word, sizeof word, "%.*s", (int)strcspn(dashes, "="), dashes);
  for (; opts[n].name && n < 32; n++) names[n] = opts[n].name;
  const char *near = closest(word, names, n);
  if (near) return cli_command_error(command, "unknown option '%s'; did you mean '--%s'?", bad, near);
  return cli_command_error(command, "unknown option '%s'", bad);
}

int cli_unknown_word(const char *command, const char *what, const char *bad, const char *const *words, size_t n) {
  const char *near = closest(bad, words, n);
  if (near) return cli_command_error(command, "unknown %s '%s'; did you mean '%s'?", what, bad, near);
  return cli_command_error(command, "unknown %s '%s'", what, bad);
}

int cli_unknown_command(const char *bad) {
  const char *names[] = {"run", "check", "versions", "record", "new", "codes", "help"};
  const char *near = closest(bad, names, sizeof names / sizeof *names);
  if (near) return cli_usage_error("unknown command '%s'; did you mean '%s'?", bad, near);
  return cli_usage_error("unknown command '%s'", bad);
}
