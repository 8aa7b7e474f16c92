// pool.h — the pool worker both test programs run (pool_embedder.cc on libnode,
// pool_addon.cc inside an official node): a thread named pool-N keeps two isolates
// entered at once, runs a script in each, then exits and disposes them: in reverse order
// (correct), or the first one first while the second is still entered on top (wrong:
// exit-order, then a silently corrupted current isolate). Each runtime keeps a v8::Global
// (its cache object) from its script to just before its exit, reset on every path. make
// and drop are how the embedder creates and disposes an isolate.
#ifndef ISOREPLAY_TESTPROGRAMS_POOL_H
#define ISOREPLAY_TESTPROGRAMS_POOL_H

#include <pthread.h>
#include <v8.h>

#include <cstdio>

namespace pool {

inline void RunScript(v8::Isolate* isolate, const char* source, v8::Global<v8::Object>* cache) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = v8::Context::New(isolate);
  v8::Context::Scope in_context(context);
  cache->Reset(isolate, v8::Object::New(isolate));
  v8::Local<v8::String> text = v8::String::NewFromUtf8(isolate, source).ToLocalChecked();
  v8::Local<v8::Script> script = v8::Script::Compile(context, text).ToLocalChecked();
  v8::String::Utf8Value result(isolate, script->Run(context).ToLocalChecked());
  std::printf("%s\n", *result);
  std::fflush(stdout);
}

inline void Worker(int n, bool wrong, v8::Isolate* (*make)(), void (*drop)(v8::Isolate*)) {
  char name[16];
  std::snprintf(name, sizeof name, "pool-%d", n);
  pthread_setname_np(pthread_self(), name);
  v8::Global<v8::Object> first_cache, second_cache;
  v8::Isolate* first = make();
  first->Enter();
  RunScript(first, "'first runtime up'", &first_cache);
  v8::Isolate* second = make();
  second->Enter();
  RunScript(second, "'second runtime up'", &second_cache);
  if (wrong) {  // the first runtime is done first: dropped out of order
    first_cache.Reset();
    first->Exit();
    drop(first);
    second_cache.Reset();
    second->Exit();
    drop(second);
  } else {
    second_cache.Reset();
    second->Exit();
    drop(second);
    first_cache.Reset();
    first->Exit();
    drop(first);
  }
}

}  // namespace pool

#endif
