// raw.cc — straight V8 calls for the benchmark baseline (see v8raw.h).
#include <v8.h>

#include <vector>

#include "v8raw.h"

struct v8raw_isolate {
  v8::ArrayBuffer::Allocator* allocator;
  v8::Isolate* v8;
};

extern "C" {

v8raw_isolate* v8raw_new(void) {
  auto* r = new v8raw_isolate;
  v8::Isolate::CreateParams params;
  r->allocator = v8::ArrayBuffer::Allocator::NewDefaultAllocator();
  params.array_buffer_allocator = r->allocator;
  r->v8 = v8::Isolate::New(params);
  return r;
}

void v8raw_dispose(v8raw_isolate* r) {
  r->v8->Dispose();
  delete r->allocator;
  delete r;
}

void v8raw_enter_exit(v8raw_isolate* r, long n) {
  for (long i = 0; i < n; i++) {
    r->v8->Enter();
    r->v8->Exit();
  }
}

void v8raw_new_context_dispose(long n) {
  for (long i = 0; i < n; i++) {
    v8raw_isolate* r = v8raw_new();
    r->v8->Enter();
    v8::Global<v8::Context> g;
    {
      v8::HandleScope hs(r->v8);
      g.Reset(r->v8, v8::Context::New(r->v8));
    }
    r->v8->Exit();
    g.Reset();
    v8raw_dispose(r);
  }
}

void v8raw_many_isolates(int n, const char* js) {
  std::vector<v8raw_isolate*> isos;
  for (int i = 0; i < n; i++) {
    v8raw_isolate* r = v8raw_new();
    isos.push_back(r);
    r->v8->Enter();
    {
      v8::HandleScope hs(r->v8);
      v8::Local<v8::Context> ctx = v8::Context::New(r->v8);
      v8::Global<v8::Context> keep(r->v8, ctx);
      v8::Context::Scope cs(ctx);
      v8::TryCatch tc(r->v8);
      v8::Local<v8::String> src = v8::String::NewFromUtf8(r->v8, js).ToLocalChecked();
      v8::Local<v8::Value> val;
      v8::Local<v8::Script> script;
      if (v8::Script::Compile(ctx, src).ToLocal(&script) && script->Run(ctx).ToLocal(&val)) {
        v8::String::Utf8Value u(r->v8, val);
        (void)*u;
      }
    }
    r->v8->Exit();
  }
  for (v8raw_isolate* r : isos) v8raw_dispose(r);
}

}  // extern "C"
