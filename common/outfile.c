/* outfile.c — atomic output files, FIFOs and devices written in place (see outfile.h). */
#define _XOPEN_SOURCE 700  /* realpath */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *data, size_t n) {
  while (n) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    data += w;
    n -= (size_t)w;
  }
  return 0;
}

static int is_stream(mode_t m) { return S_ISFIFO(m) || S_ISCHR(m) || S_ISSOCK(m); }

int outfile_check(const char *path, iso_err *err) {
  struct stat st;
  if (!path || !*path) return iso_fail(err, ISO_ERR_INPUT, "an output file needs a name");
  if (!strcmp(path, "-") || stat(path, &st) != 0) return 0;
  if (S_ISDIR(st.st_mode)) return iso_fail(err, ISO_ERR_INPUT, "%s: is a directory, not a file to write", path);
  if (!S_ISREG(st.st_mode) && !is_stream(st.st_mode))
    return iso_fail(err, ISO_ERR_INPUT, "%s: not a regular file, FIFO or device; refusing to replace it", path);
  return 0;
}

/* Writes into an existing stream (FIFO, device, socket) or standard output. */
static int write_stream(const char *path, const char *data, size_t n, iso_err *err) {
  int fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CLOEXEC) : STDOUT_FILENO;
  if (fd < 0) return iso_fail(err, ISO_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  int rc = write_all(fd, data, n);
  int e = errno;
  if (fd != STDOUT_FILENO && close(fd) != 0 && rc == 0) {
    rc = -1;
    e = errno;
  }
  return rc ? iso_fail(err, ISO_ERR_IO, "cannot write %s: %s", path, strerror(e)) : 0;
}

/* A temporary file beside target, written, synced and renamed over it. */
static int replace_atomically(const char *target, const char *path, const char *data, size_t n, iso_err *err) {
  size_t len = strlen(target);
  char *tmp = malloc(len + 32);
  if (!tmp) return iso_fail(err, ISO_ERR_NOMEM, "out of memory writing %s", path);
  snprintf(tmp, len + 32, "%s.tmp-XXXXXX", target);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return iso_fail(err, ISO_ERR_IO, "cannot write %s: %s", path, strerror(e));
  }
  int rc = write_all(fd, data, n);
  mode_t mask = umask(0);  /* the mode a new file would get: 0666 less the umask */
  umask(mask);
  if (rc == 0) rc = fchmod(fd, 0666 & ~mask);
  int e = errno;
  if (close(fd) != 0 && rc == 0) {
    rc = -1;
    e = errno;
  }
  if (rc == 0 && rename(tmp, target) != 0) {
    rc = -1;
    e = errno;
  }
  if (rc != 0) unlink(tmp);
  free(tmp);
  return rc ? iso_fail(err, ISO_ERR_IO, "cannot write %s: %s", path, strerror(e)) : 0;
}

int outfile_write(const char *path, const char *data, size_t n, iso_err *err) {
  if (outfile_check(path, err)) return -1;
  struct stat st;
  if (!strcmp(path, "-") || (stat(path, &st) == 0 && is_stream(st.st_mode)))
    return write_stream(path, data, n, err);
  char real[PATH_MAX];
  struct stat lst;
  /* through a symbolic link to a regular file: replace the target, keep the link */
  const char *target = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && realpath(path, real) ? real : path;
  return replace_atomically(target, path, data, n, err);
}
