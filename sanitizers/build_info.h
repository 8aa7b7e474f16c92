/* build_info.h — what this binary is: its build flavor, its compile flags, and the
 * sanitizer options and suppressions compiled into it (sanitizers/defaults.c.in,
 * generated from the .options and .supp files of sanitizers/: the one source of truth that CMake,
 * the suite runner and the binaries share). */
#ifndef ISOREPLAY_BUILD_INFO_H
#define ISOREPLAY_BUILD_INFO_H

#ifdef __cplusplus
extern "C" {
#endif

/* "default", "asan", "tsan" or "fuzz". */
const char *iso_build_flavor(void);
/* The build type and the sanitizer flags, e.g. "RelWithDebInfo -fsanitize=thread ...". */
const char *iso_build_flags(void);
/* The sanitizer defaults compiled in, one "NAME_OPTIONS=..." or "N rules in X.supp" per
 * line; "" for the default build. */
const char *iso_sanitizer_defaults(void);

/* For a replay child that is not this binary (`node` with the probe addon, whose
 * sanitizer runtime initialises before the addon's hooks exist): the sanitizer runtime to
 * preload ("" for the default build), and this build's options as NAME=VALUE strings,
 * NULL-terminated, suppression files included. */
const char *iso_sanitizer_preload(void);
const char *const *iso_sanitizer_env(void);

#ifdef __cplusplus
}
#endif
#endif
