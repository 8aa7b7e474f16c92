// pool_addon.cc — the pool of pool.h inside an official node binary (V8 linked into the
// executable, its symbols exported): the kind of native addon isoreplay's users write
// (isolated-vm is one), for `isoreplay record` to observe through uprobes.
//
//   node -e 'require(ADDON).run("wrong")'     the pool drops its first isolate out of order
//   node -e 'require(ADDON).run("correct")'   the same pool, in reverse order
//   node -e 'console.log(require(ADDON).bench(N))'   an isolate of its own entered and
//                                       exited N times in a tight loop: nanoseconds per
//                                       pair (bench/record_overhead.py)
//
// Isolates are made the way Node's own workers make them, registered with Node's platform
// (or the platform aborts on their first task): Isolate::Allocate, RegisterIsolate,
// Isolate::Initialize; Dispose, then UnregisterIsolate, as node.h asks.
#include <node.h>
#include <uv.h>
#include <v8.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <thread>

#include "pool.h"

namespace {

node::MultiIsolatePlatform* g_platform;
uv_loop_t g_loop;  // the loop the platform flushes their tasks through: nobody runs it
std::unique_ptr<v8::ArrayBuffer::Allocator> g_allocator;

v8::Isolate* MakeIsolate() {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = g_allocator.get();
  v8::Isolate* isolate = v8::Isolate::Allocate();
  g_platform->RegisterIsolate(isolate, &g_loop);
  v8::Isolate::Initialize(isolate, params);
  return isolate;
}

void DropIsolate(v8::Isolate* isolate) {
  isolate->Dispose();
  g_platform->UnregisterIsolate(isolate);
}

// run(mode): the two pool threads, one after the other (their output stays in order).
void Run(const v8::FunctionCallbackInfo<v8::Value>& args) {
  v8::String::Utf8Value mode(v8::Isolate::GetCurrent(), args[0]);
  bool wrong = *mode && !std::strcmp(*mode, "wrong");
  for (int n = 1; n <= 2; n++) {
    std::thread worker(pool::Worker, n, wrong, MakeIsolate, DropIsolate);
    worker.join();
  }
}

// bench(n): a tight Enter+Exit loop on an isolate of its own, timed; ns per pair.
void Bench(const v8::FunctionCallbackInfo<v8::Value>& args) {
  double n = args[0]->NumberValue(v8::Isolate::GetCurrent()->GetCurrentContext()).FromMaybe(0);
  v8::Isolate* isolate = MakeIsolate();
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < static_cast<long>(n); i++) {
    isolate->Enter();
    isolate->Exit();
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  DropIsolate(isolate);
  double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
  args.GetReturnValue().Set(n > 0 ? ns / n : 0);
}

void Export(v8::Local<v8::Context> context, v8::Local<v8::Object> exports, const char* name,
            v8::FunctionCallback fn) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(),
            v8::FunctionTemplate::New(isolate, fn)->GetFunction(context).ToLocalChecked())
      .Check();
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  (void)module;
  g_platform = node::GetMultiIsolatePlatform(node::GetCurrentEnvironment(context));
  uv_loop_init(&g_loop);
  g_allocator.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  Export(context, exports, "run", Run);
  Export(context, exports, "bench", Bench);
}
