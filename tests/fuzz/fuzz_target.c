/* fuzz_target.c — the libFuzzer target: LLVMFuzzerTestOneInput (fuzz_property.c) is the
 * entry point, libFuzzer's own main drives it (scripts/fuzz.sh). Nothing else here. */
#include "fuzz_property.h"
