/* selfpath.c — files beside the running executable (selfpath.h). */
#define _POSIX_C_SOURCE 200809L
#include "selfpath.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int iso_installed_path(const char *rel, char *out, size_t n) {
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return -1;
  exe[len] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return -1;
  *slash = 0;
  slash = strrchr(exe, '/');  /* PREFIX/bin -> PREFIX */
  if (!slash) return -1;
  *slash = 0;
  if ((size_t)snprintf(out, n, "%s/%s", exe, rel) >= n) return -1;
  return access(out, F_OK) ? -1 : 0;
}
