/* cmd_codes.c — `isoreplay codes [CODE...]`: the violation codes (docs/violations.md),
 * each with its severity, what it means and its fix; all of them, or the ones named. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "cli.h"

static void describe(ck_code c) {
  printf("%s (%s)\n  %s\n  fix: %s\n", ck_code_name(c), ck_severity_name(ck_code_severity(c)), ck_code_summary(c),
         ck_code_fix(c));
}

int cmd_codes(int argc, char **argv) {
  if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return cli_help("codes");
  if (argc == 2 && !strcmp(argv[1], "--names")) {  /* for the shell's completion */
    for (int c = 0; c < CK_CODE_COUNT; c++) puts(ck_code_name((ck_code)c));
    return fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
  }
  for (int i = 1; i < argc; i++) {  /* every name is checked before anything is printed */
    ck_code c;
    if (ck_code_parse(argv[i], &c)) {
      const char *names[CK_CODE_COUNT];
      for (int k = 0; k < CK_CODE_COUNT; k++) names[k] = ck_code_name((ck_code)k);
      return cli_unknown_word("codes", "code", argv[i], names, CK_CODE_COUNT);
    }
  }
  for (int i = 1; i < argc; i++) {
    ck_code c;
    ck_code_parse(argv[i], &c);
    describe(c);
  }
  for (int c = 0; argc == 1 && c < CK_CODE_COUNT; c++) describe((ck_code)c);
  return fflush(stdout) ? EXIT_INTERNAL : EXIT_MET;
}
