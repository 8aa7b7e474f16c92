// pool.h — the pool worker both test programs run (pool_embedder.cc on libnode,
// pool_addon.cc inside an official node): a thread named pool-N keeps two isolates
// entered at once, runs a script in each, then exits and disposes them: in reverse order
// (correct), or the first one first while the second is still entered on top (wrong:
// exit-order, then a silently corrupted current isolate). make and drop are how the
// embedder creates and disposes an isolate.
#ifndef ISOREPLAY_TESTPROGRAMS_POOL_H
#define ISOREPLAY_TESTPROGRAMS_POOL_H

#include <pthread.h>
#include <v8.h>

#include <cstdio>

namespace pool {

inline void RunScript(v8::Isolate* isolate, const char* source) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = v8::Context::New(isolate);
  v8::Context::Scope in_context(context);
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
  v8::Isolate* first = make();
  first->Enter();
  RunScript(first, "'first runtime up'");
  v8::Isolate* second = make();
  second->Enter();
  RunScript(second, "'second runtime up'");
  if (wrong) {  // the first runtime is done first: dropped out of order
    first->Exit();
    drop(first);
    second->Exit();
    drop(second);
  } else {
    second->Exit();
    drop(second);
    first->Exit();
    drop(first);
  }
}

}  // namespace pool

#endif
