/* rec_preload.c — the preload way of `isoreplay record` (rec_reader.h): the ring file the
 * preloaded library appends to, and the reader that feeds it to the checker. */
#define _GNU_SOURCE
#include "rec_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec_core.h"
#include "rec_ring.h"
#include "ring_feed.h"

int rec_preload_ring(iso_err *err) {
  int fd = memfd_create("isoreplay-ring", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, (off_t)sizeof(rec_ring))) {
    int saved = errno;
    if (fd >= 0) close(fd);
    return iso_fail(err, ISO_ERR_INTERNAL, "cannot make the recording's ring: %s", strerror(saved));
  }
  return fd;
}

int rec_preload_start(rec_reader *r, int ring_fd, pid_t pid, const char *log_path, int report_fd, iso_err *err) {
  r->stop_fd = -1;
  int stop[2];
  if (pipe2(stop, O_CLOEXEC)) return iso_fail(err, ISO_ERR_INTERNAL, "cannot make a pipe: %s", strerror(errno));
  r->pid = fork();
  if (r->pid == 0) {
    signal(SIGINT, SIG_IGN);  /* a ^C ends the program; the reader ends after it */
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    close(stop[1]);
    void *ring = mmap(NULL, sizeof(rec_ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, 0);
    char num[32];
    snprintf(num, sizeof num, "%d", report_fd);
    if (ring == MAP_FAILED || rec_core_open(log_path, num, pid)) _exit(3);
    __atomic_store_n(&((rec_ring *)ring)->reader, (uint64_t)getpid(), __ATOMIC_RELEASE);
    ring_feed(ring, stop[0]);
    _exit(0);
  }
  close(stop[0]);
  if (r->pid < 0) {
    close(stop[1]);
    return iso_fail(err, ISO_ERR_INTERNAL, "cannot start the recording's reader: %s", strerror(errno));
  }
  r->stop_fd = stop[1];
  return 0;
}
