/* fuzz_property.h — the property the fuzzer holds the scenario language to: any byte
 * sequence is either refused with a diagnostic, or accepted and then replayed in a dry
 * run (checker only) to its end without an internal error; no sanitizer report on the
 * way (the fuzz build has ASan, UBSan and LeakSanitizer), and no hang (libFuzzer's
 * -timeout). A broken property aborts. */
#ifndef ISOREPLAY_FUZZ_PROPERTY_H
#define ISOREPLAY_FUZZ_PROPERTY_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
