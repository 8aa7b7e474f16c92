// probe_handles.cc — the second edition's V8 calls: v8::Global and v8::Persistent
// handles and their weak callbacks, the host() function of a block, the isolate methods
// of `call`, and rusty_v8's IsolateHandle.
#include <v8.h>

#include <cstdio>
#include <mutex>
#include <new>

#include "probe_internal.h"
#include "witness.h"

namespace v8p {

namespace {

// Handle objects whose isolate is gone: never destroyed (a Global's destructor would
// write into freed memory), always reachable, so LeakSanitizer does not count them.
std::mutex g_grave_mu;
std::vector<void*>* g_grave = new std::vector<void*>();

void host_fn(const v8::FunctionCallbackInfo<v8::Value>& info) {
  reach_block(CK_RUN);
  info.GetReturnValue().SetUndefined();
}

void second_pass(const v8::WeakCallbackInfo<Handle>&) { reach_block(CK_GC); }

// V8 requires a first-pass callback to reset the handle; the block runs in the second.
void first_pass(const v8::WeakCallbackInfo<Handle>& info) {
  info.GetParameter()->base()->Reset();
  info.SetSecondPassCallback(second_pass);
}

v8p_status not_executed(v8p_result* r, const char* fmt, const char* a, const char* b) {
  r->executed = 0;
  r->status = V8P_NOT_EXECUTED;
  snprintf(r->message, sizeof r->message, fmt, a, b);
  return V8P_NOT_EXECUTED;
}

}  // namespace

v8::Local<v8::Context> new_context(v8::Isolate* iso) {
  v8::Local<v8::ObjectTemplate> global = v8::ObjectTemplate::New(iso);
  global->Set(iso, "host", v8::FunctionTemplate::New(iso, host_fn));
  return v8::Context::New(iso, nullptr, global);
}

void reach_block(ck_op op) {
  ThreadRec* th = tls_rec;
  if (!th || th->frames.empty()) return;
  Frame& f = th->frames.back();
  if (f.op != op || !f.block || f.fired) return;
  f.fired = true;
  int step = f.step;  // the callback may push frames of its own
  Session* s = th->session;
  if (!s->opt.block) return;
  witness_quiet_begin();  // the scheduler's work; the steps' V8 calls turn loud again
  s->opt.block(s->opt.block_ud, step);
  witness_quiet_end();
}

v8::Local<v8::Context> context_of(Session* s, Iso* iso, const std::string& name, v8::Isolate* via) {
  v8::Global<v8::Context>* g = nullptr;
  {
    Guard lk(s->lock);
    auto it = iso->contexts.find(name);
    if (it != iso->contexts.end()) g = it->second.get();
  }
  if (g) return g->Get(via);
  v8::Local<v8::Context> ctx = new_context(iso->V());
  auto fresh = std::make_unique<v8::Global<v8::Context>>(iso->V(), ctx);
  std::unique_ptr<v8::Global<v8::Context>> old;
  {
    Guard lk(s->lock);
    old = std::move(iso->contexts[name]);
    iso->contexts[name] = std::move(fresh);
  }
  return ctx;
}

v8p_status handle_op(Session* s, Iso* iso, Handle* h, const v8p_call* c, v8p_result* r) {
  v8::Isolate* v = iso->V();
  r->executed = 1;
  if (c->op != CK_GLOBAL && c->op != CK_PERSISTENT && !h->global && !h->pers)
    return not_executed(r, "not executed: %s%s was never made (its step did not run)", h->name.c_str(), "");
  switch (c->op) {
    case CK_GLOBAL: case CK_PERSISTENT: {
      v8::HandleScope hs(v);
      v8::Local<v8::Context> ctx = context_of(s, iso, c->context ? c->context : "main", v);
      v8::Context::Scope cs(ctx);
      v8::Local<v8::Object> obj = v8::Object::New(v);
      auto* g = c->op == CK_GLOBAL ? new v8::Global<v8::Object>(v, obj) : nullptr;
      auto* p = c->op == CK_PERSISTENT ? new v8::Persistent<v8::Object>(v, obj) : nullptr;
      Guard lk(s->lock);  // the probe's bookkeeping, apart from the program's own races
      h->global = g;
      h->pers = p;
      return V8P_OK;
    }
    case CK_OPEN: {
      // Local::New with this thread's current isolate, as code that trusts GetCurrent()
      // does: another isolate's scope for a cross-isolate open, none (a crash) unentered.
      v8::Isolate* cur = v8::Isolate::GetCurrent();
      v8::HandleScope hs(cur);
      v8::Local<v8::Object> local = v8::Local<v8::Object>::New(cur, *h->base());
      snprintf(r->message, sizeof r->message, "%s", local.IsEmpty() ? "the handle is empty" : "");
      return V8P_OK;
    }
    case CK_RESET: h->base()->Reset(); return V8P_OK;
    case CK_WEAK:
      if (h->base()->IsEmpty()) return not_executed(r, "not executed: %s%s is empty (SetWeak would crash)", h->name.c_str(), "");
      h->base()->SetWeak(h, first_pass, v8::WeakCallbackType::kParameter);
      return V8P_OK;
    default: return V8P_ERR_ARG;
  }
}

v8p_status isolate_call(Session* s, Iso* iso, const v8p_call* c, v8p_result* r) {
  r->executed = 1;
  if (s->opt.model == CK_MODEL_RUSTY_V8 &&
      (c->op == CK_TERMINATE || c->op == CK_CANCEL_TERMINATE || c->op == CK_INTERRUPT || c->op == CK_IS_TERMINATING)) {
    // IsolateHandle: the annex mutex, then the isolate only while it is alive.
    std::lock_guard<std::mutex> g(iso->handle_mu);
    r->has_bool = 1;
    if (!iso->handle_alive) {
      r->bool_value = 0;
      r->executed = 0;
      snprintf(r->message, sizeof r->message, "IsolateHandle: %s was dropped, the call returns false", iso->name.c_str());
      return V8P_OK;
    }
    v8::Isolate* v = iso->V();
    r->bool_value = 1;
    if (c->op == CK_TERMINATE) v->TerminateExecution();
    else if (c->op == CK_CANCEL_TERMINATE) v->CancelTerminateExecution();
    else if (c->op == CK_IS_TERMINATING) r->bool_value = v->IsExecutionTerminating();
    else v->RequestInterrupt(interrupt_callback, iso);
    return V8P_OK;
  }
  v8::Isolate* v = iso->V();
  switch (c->op) {
    case CK_HEAP_STATS: {
      v8::HeapStatistics hs;
      v->GetHeapStatistics(&hs);
      snprintf(r->message, sizeof r->message, "used heap %zu of %zu bytes", hs.used_heap_size(), hs.total_heap_size());
      return V8P_OK;
    }
    case CK_MEMORY_PRESSURE: v->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical); return V8P_OK;
    case CK_IS_TERMINATING:
      r->has_bool = 1;
      r->bool_value = v->IsExecutionTerminating();
      return V8P_OK;
    default: return V8P_ERR_ARG;
  }
}

void bury_handles(Session* s, Iso* iso) {
  Guard lk(s->lock);  // another thread may be registering a handle
  std::lock_guard<std::mutex> g(g_grave_mu);
  for (auto& h : s->handles) {
    if (!h || h->iso != iso) continue;
    if (h->global) g_grave->push_back(h->global);
    if (h->pers) g_grave->push_back(h->pers);
    h->global = nullptr;
    h->pers = nullptr;
  }
}

void free_handles(Session* s, Iso* iso) {
  for (auto& h : s->handles) {
    if (!h || h->iso != iso || (!h->global && !h->pers)) continue;
    h->base()->Reset();
    delete h->global;
    delete h->pers;
    h->global = nullptr;
    h->pers = nullptr;
  }
}

}  // namespace v8p
