/* cli.h — the isoreplay command: its subcommands (one file each) and what they share.
 *
 * Exit status of every command: 0 every expectation met, 1 some not met, 2 bad input or
 * usage (nothing ran), 3 internal error (isoreplay itself failed; never a pass). */
#ifndef ISOREPLAY_CLI_H
#define ISOREPLAY_CLI_H

#include <stddef.h>

#include "iso_err.h"
#include "report.h"

enum { EXIT_MET = 0, EXIT_UNMET = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* The subcommands; argv[0] is the subcommand's name. */
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_versions(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_codes(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_reduce(int argc, char **argv);

/* Prints "isoreplay: MESSAGE" and the usage to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "isoreplay COMMAND: MESSAGE" and that command's synopsis; returns EXIT_USAGE. */
int cli_command_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An option getopt_long rejected (bad, as the user wrote it): names it and the closest of
 * the command's long options; returns EXIT_USAGE. */
struct option;
int cli_unknown_option(const char *command, const char *bad, const struct option *opts);
/* An unknown word of a kind (`what`: "code") for command: names it and the closest of
 * words; returns EXIT_USAGE. */
int cli_unknown_word(const char *command, const char *what, const char *bad, const char *const *words, size_t n);
/* An unknown command: names it and the closest one; returns EXIT_USAGE. */
int cli_unknown_command(const char *bad);
/* `isoreplay COMMAND --help` (the whole usage for an unknown one) on stdout; exit status. */
int cli_help(const char *command);
/* The usage text. */
extern const char CLI_USAGE[];

/* Parses every file before anything runs: on any bad input, prints each diagnostic and
 * returns the exit status (2, or 3 for an internal failure); else 0 with scns[] filled. */
int cli_load_all(char **files, int n, scenario **scns);
/* Loads every file (cli_load_all), then calls fn on each in order unless one was bad
 * input; frees them and flushes stdout. The highest exit status of the load and the
 * calls (EXIT_INTERNAL when stdout cannot be written). */
int cli_each_scenario(char **files, int n, int (*fn)(void *ud, const scenario *s), void *ud);
/* The scenario file's name without its directory and its .scn: what files written from
 * it are named after (NAME.race-1.scn, NAME.reduced.scn). */
void cli_scenario_stem(const char *path, char *out, size_t n);

/* The HTML view of one scenario's reports (one per runtime, side by side), rendered by
 * reports/render.py (Jinja2) and written to path like every output file. Returns 0, or
 * -1 with err. */
int cli_write_html(const char *path, report *const *reps, int nreps, iso_err *err);

#endif
