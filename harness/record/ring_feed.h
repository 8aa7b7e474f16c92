/* ring_feed.h — the preload way's reader: the events the preloaded library appended to the
 * ring (rec_ring.h) taken in sequence order and fed to rec_core, with the program's call
 * site for each violation. Runs in a process of its own (the command's child), with
 * rec_core opened. */
#ifndef ISOREPLAY_RING_FEED_H
#define ISOREPLAY_RING_FEED_H

#include "rec_ring.h"

/* Feeds the ring until stop_fd is closed by the command (the program has ended), then
 * what is left: an event claimed but never written (its thread was killed) is skipped. */
void ring_feed(rec_ring *ring, int stop_fd);

#endif
