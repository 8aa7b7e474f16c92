/* header_c11.c — compiled by the header.c11_strict test with -std=c11 -pedantic -Werror:
 * the public headers must be plain C11 and pull in nothing of V8 or C++. */
#include "checker.h"
#include "v8probe.h"
#include "v8raw.h"

#if defined(V8_H_) || defined(INCLUDE_V8_H_) || defined(__cplusplus)
#error "a public header pulled in V8 or C++"
#endif

int header_c11_uses(void);
int header_c11_uses(void) {
  v8p_call call = {.op = CK_ENTER, .isolate = 1, .task = -1, .context_of = CK_NONE};
  ck_event ev = {.op = CK_OPEN, .thread = 0, .task = -1, .isolate = 1, .step = 1, .object = 1};
  v8p_result r;
  iso_err e;
  (void)e;
  (void)r;
  return (int)call.op + (int)ev.op + (int)sizeof(ck_violation) + (int)V8P_OK;
}
