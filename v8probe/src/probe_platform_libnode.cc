// probe_platform_libnode.cc — the platform side of the probe when V8 comes as a shared
// library (Debian's libnode, a user's libv8): the probe starts V8 with V8's own default
// platform and makes isolates with Isolate::New.
#include <libplatform/libplatform.h>
#include <v8.h>

#include "probe_internal.h"

namespace v8p {

namespace {
std::unique_ptr<v8::Platform> g_platform;
}  // namespace

int platform_init(const char* argv0, iso_err* err) {
  v8::V8::InitializeICUDefaultLocation(argv0 ? argv0 : "");
  g_platform = v8::platform::NewDefaultPlatform();
  v8::V8::InitializePlatform(g_platform.get());
  if (!v8::V8::Initialize()) return iso_fail(err, ISO_ERR_INTERNAL, "v8::V8::Initialize() failed");
  return 0;
}

v8::Isolate* platform_new_isolate(const v8::Isolate::CreateParams& params) { return v8::Isolate::New(params); }

bool platform_dispose_isolate(Session* s, v8::Isolate* iso) {
  bool had_fatal = s->fatal_seen.load();
  iso->Dispose();
  return had_fatal || !s->fatal_seen.load();
}

}  // namespace v8p
