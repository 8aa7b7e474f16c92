/* load.c — every scenario file parsed before anything runs. */
#include <stdio.h>

#include "cli.h"
#include "report_out.h"

int cli_load_all(char **files, int n, scenario **scns) {
  int status = 0;
  for (int i = 0; i < n; i++) {
    iso_err err;
    if (!scn_load(files[i], &scns[i], &err)) continue;
    fputs(err.msg, stderr);
    int st = iso_exit_status(err.kind);
    if (st > status) status = st;
  }
  return status;
}
