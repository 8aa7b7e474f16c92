/* selfpath.h — where an installed isoreplay finds its own files: beside the running
 * executable, PREFIX/bin/isoreplay -> PREFIX/REL. A build tree has none there, and uses
 * the paths compiled in (the build's and the source tree's). */
#ifndef ISOREPLAY_SELFPATH_H
#define ISOREPLAY_SELFPATH_H

#include <stddef.h>

/* out = DIR/../rel, DIR the running executable's directory, when that file or directory
 * exists: 0; else -1 (out undefined). */
int iso_installed_path(const char *rel, char *out, size_t n);

#endif
