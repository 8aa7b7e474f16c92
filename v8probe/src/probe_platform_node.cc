// probe_platform_node.cc — the platform side of the probe as an addon loaded by a `node`
// binary (the Node runtimes of the version matrix): V8 is already up, and isolates are
// made the way Node's own workers make them, registered with Node's platform, or the
// platform aborts on the first task for them: Isolate::Allocate,
// MultiIsolatePlatform::RegisterIsolate, Isolate::Initialize. A scenario's `dispose` is
// the embedder's Isolate::Dispose() on every version (its checks and messages are what
// the user's program meets), followed at once by UnregisterIsolate, as node.h asks.
#include <node.h>
#include <uv.h>
#include <v8.h>

#include <atomic>

#include "node_attach.h"
#include "probe_internal.h"

namespace v8p {

namespace {
std::atomic<node::MultiIsolatePlatform*> g_node_platform{nullptr};
// The loop Node's platform flushes an isolate's foreground tasks through. Nobody runs it:
// a replay's isolates run no tasks of their own, which is what a blocked embedder does.
uv_loop_t g_loop;
}  // namespace

int platform_init(const char*, iso_err* err) {
  if (!g_node_platform.load())
    return iso_fail(err, ISO_ERR_INTERNAL, "the probe runs inside node but node's platform was not attached");
  return 0;
}

v8::Isolate* platform_new_isolate(const v8::Isolate::CreateParams& params) {
  v8::Isolate* iso = v8::Isolate::Allocate();
  g_node_platform.load()->RegisterIsolate(iso, &g_loop);
  v8::Isolate::Initialize(iso, params);
  return iso;
}

bool platform_dispose_isolate(Session* s, v8::Isolate* iso) {
  bool had_fatal = s->fatal_seen.load();
  iso->Dispose();
  if (!had_fatal && s->fatal_seen.load()) return false;
  g_node_platform.load()->UnregisterIsolate(iso);
  return true;
}

}  // namespace v8p

extern "C" int v8p_node_attach(void* platform) {
  if (uv_loop_init(&v8p::g_loop) != 0) return -1;
  v8p::g_node_platform.store(static_cast<node::MultiIsolatePlatform*>(platform));
  return 0;
}
