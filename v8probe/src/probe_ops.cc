// probe_ops.cc — v8p_do(): record + verdict, the V8 call, the real state after it.
#include <v8.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "probe_internal.h"
#include "testing.h"

using namespace v8p;

namespace {

v8p_status fail(v8p_result* r, v8p_status st, const char* fmt, ...) {
  r->status = st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof r->message, fmt, ap);
  va_end(ap);
  return st;
}

}  // namespace

// A use of an isolate writes its shadow word, so two threads using it with no
// happens-before between them race here in TSan's eyes. Not inlined: the frame names
// the race in every report.
extern "C" __attribute__((noinline)) void isoreplay_use_isolate(long* shadow) {
  volatile long* word = shadow;
  *word = *word + 1;
}

namespace {

bool needs_isolate(ck_op op) {
  switch (op) {
    case CK_AWAIT: case CK_WAIT: case CK_CHECK_CURRENT: case CK_THREAD_END: return false;
    default: return true;
  }
}

// The value as UTF-8, NUL characters included (*len bytes, NUL-terminated after them).
char* dup_utf8(v8::Isolate* iso, v8::Local<v8::Value> v, size_t* len) {
  v8::String::Utf8Value u(iso, v);
  const char* p = *u ? *u : "";
  size_t n = *u ? static_cast<size_t>(u.length()) : 0;
  char* d = static_cast<char*>(malloc(n + 1));
  if (!d) throw std::bad_alloc();
  memcpy(d, p, n);
  d[n] = '\0';
  *len = n;
  return d;
}

std::atomic<void (*)(void*)> g_interrupt_hook{nullptr};
std::atomic<void*> g_interrupt_hook_ud{nullptr};

void on_interrupt(v8::Isolate*, void* data) {
  static_cast<Iso*>(data)->interrupts.fetch_add(1, std::memory_order_relaxed);
  if (auto hook = g_interrupt_hook.load()) hook(g_interrupt_hook_ud.load());
}

// The context stored under name, created (and stored) if missing. Needs a HandleScope.
v8::Local<v8::Context> context_of(Session* s, Iso* iso, const std::string& name) {
  v8::Global<v8::Context>* g = nullptr;
  {
    Guard lk(s->lock);
    auto it = iso->contexts.find(name);
    if (it != iso->contexts.end()) g = it->second.get();
  }
  if (g) return g->Get(iso->V());
  v8::Local<v8::Context> ctx = v8::Context::New(iso->V());
  auto fresh = std::make_unique<v8::Global<v8::Context>>(iso->V(), ctx);
  std::unique_ptr<v8::Global<v8::Context>> old;
  {
    Guard lk(s->lock);
    old = std::move(iso->contexts[name]);
    iso->contexts[name] = std::move(fresh);
  }
  return ctx;
}

void run_script(Session* s, Iso* iso, const v8p_call* c, v8p_result* r) {
  v8::Isolate* v = iso->V();
  v8::HandleScope hs(v);
  v8::Local<v8::Context> ctx = context_of(s, iso, c->context ? c->context : "main");
  v8::Context::Scope cs(ctx);
  v8::TryCatch tc(v);
  v8::Local<v8::String> src;
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> val;
  if (v8::String::NewFromUtf8(v, c->js).ToLocal(&src) &&
      v8::Script::Compile(ctx, src).ToLocal(&script) && script->Run(ctx).ToLocal(&val)) {
    r->run = V8P_RUN_VALUE;
    r->text = dup_utf8(v, val, &r->text_len);
    return;
  }
  if (tc.HasTerminated() || v->IsExecutionTerminating()) {
    r->run = V8P_RUN_TERMINATED;
    return;
  }
  r->run = V8P_RUN_THREW;
  if (tc.HasCaught() && !tc.Exception().IsEmpty()) {
    r->text = dup_utf8(v, tc.Exception(), &r->text_len);
  } else if (!(r->text = static_cast<char*>(calloc(1, 1)))) {
    throw std::bad_alloc();
  }
}

void dispose(Session* s, Iso* iso) {
  decltype(iso->contexts) contexts;
  {
    Guard lk(s->lock);
    contexts.swap(iso->contexts);
  }
  contexts.clear();  // Global::Reset before the heap goes away
  // A fatal error whose handler returned leaves the isolate allocated (V8-RULES).
  iso->disposed = platform_dispose_isolate(s, iso->V());
}

template <typename T>
T* take_last(std::vector<std::pair<Iso*, T*>>& v, Iso* iso) {
  for (size_t i = v.size(); i-- > 0;) {
    if (v[i].first != iso) continue;
    T* p = v[i].second;
    v.erase(v.begin() + static_cast<long>(i));
    return p;
  }
  return nullptr;
}

void note_acquired(Session* s, ThreadRec& th, Iso* iso) {
  Guard lk(s->lock);
  ck_acquired(s->ck, th.id, iso->id);
}

// Calls V8 for one op. Returns the status; *executed tells whether V8 was called.
v8p_status execute(Session* s, ThreadRec& th, Iso* iso, const v8p_call* c, v8p_result* r) {
  r->executed = 1;
  switch (c->op) {
    case CK_NEW: {
      v8::Isolate::CreateParams params;
      iso->allocator = v8::ArrayBuffer::Allocator::NewDefaultAllocator();
      params.array_buffer_allocator = iso->allocator;
      v8::Isolate* v = platform_new_isolate(params);
      install_fatal_handler(v);
      {
        Guard lk(s->lock);
        iso->ptr.store(v, std::memory_order_release);
        s->by_ptr[v] = iso->id;
      }
      if (s->opt.model == CK_MODEL_RUSTY_V8) v->Enter();
      witness_release(iso->shadow);
      witness_release(&iso->published);
      return V8P_OK;
    }
    case CK_DISPOSE: dispose(s, iso); return V8P_OK;
    case CK_DROP:
      if (v8::Isolate::GetCurrent() != iso->V())
        snprintf(r->message, sizeof r->message,
                 "GetCurrent() is not %s at its drop: rusty_v8 >= 0.83 panics here; "
                 "older versions exit and dispose anyway (done here)", iso->name.c_str());
      iso->V()->Exit();
      dispose(s, iso);
      return V8P_OK;
    case CK_ENTER: iso->V()->Enter(); return V8P_OK;
    case CK_EXIT: iso->V()->Exit(); return V8P_OK;
    case CK_LOCK: {
      v8::Locker* l = new v8::Locker(iso->V());
      witness_acquire(iso->shadow);  // the Locker's edge, also under called_from_lib
      th.lockers.emplace_back(iso, l);
      note_acquired(s, th, iso);
      return V8P_OK;
    }
    case CK_UNLOCK: {
      v8::Locker* l = take_last(th.lockers, iso);
      if (!l) {
        r->executed = 0;
        return fail(r, V8P_NOT_EXECUTED, "not executed: %s holds no v8::Locker of %s to destroy",
                    ck_thread_name(s->ck, th.id), iso->name.c_str());
      }
      witness_release(iso->shadow);
      delete l;
      return V8P_OK;
    }
    case CK_UNLOCKER:
      witness_release(iso->shadow);
      th.unlockers.emplace_back(iso, new v8::Unlocker(iso->V()));
      return V8P_OK;
    case CK_RELOCK: {
      v8::Unlocker* u = take_last(th.unlockers, iso);
      if (!u) {
        r->executed = 0;
        return fail(r, V8P_NOT_EXECUTED, "not executed: %s has no v8::Unlocker of %s to destroy",
                    ck_thread_name(s->ck, th.id), iso->name.c_str());
      }
      delete u;
      witness_acquire(iso->shadow);
      note_acquired(s, th, iso);
      return V8P_OK;
    }
    case CK_CONTEXT: {
      v8::HandleScope hs(iso->V());
      v8::Local<v8::Context> ctx = v8::Context::New(iso->V());
      auto g = std::make_unique<v8::Global<v8::Context>>(iso->V(), ctx);
      std::unique_ptr<v8::Global<v8::Context>> old;
      Guard lk(s->lock);
      old = std::move(iso->contexts[c->context ? c->context : "main"]);
      iso->contexts[c->context ? c->context : "main"] = std::move(g);
      return V8P_OK;
    }
    case CK_RUN:
      if (!c->js) return fail(r, V8P_ERR_ARG, "run needs a script");
      run_script(s, iso, c, r);
      return V8P_OK;
    case CK_GC: iso->V()->LowMemoryNotification(); return V8P_OK;
    case CK_TERMINATE: iso->V()->TerminateExecution(); return V8P_OK;
    case CK_CANCEL_TERMINATE: iso->V()->CancelTerminateExecution(); return V8P_OK;
    case CK_INTERRUPT: iso->V()->RequestInterrupt(on_interrupt, iso); return V8P_OK;
    case CK_IS_TERMINATING: r->bool_value = iso->V()->IsExecutionTerminating(); return V8P_OK;
    default:
      r->executed = 0;  // await, wait, check current, end: no V8 call
      return V8P_OK;
  }
}

// The real current isolate as an id. Fast without the lock when it is the op's own
// isolate or none; otherwise looked up under the lock.
int real_id(Session* s, Iso* iso, v8::Isolate* cur, bool* looked_up) {
  if (!cur) return CK_NONE;
  if (iso && cur == iso->V() && !iso->disposed) return iso->id;
  *looked_up = true;
  Guard lk(s->lock);
  return id_of_locked(s, cur);
}

// The isolate a call names (a new one for `new`), or nullptr for ops without one; the
// status on a bad call. Caller holds the lock.
v8p_status resolve_isolate(Session* s, const v8p_call* c, v8p_result* r, Iso** out) {
  *out = nullptr;
  if (c->op == CK_NEW) {
    if (!c->name || !*c->name) return fail(r, V8P_ERR_ARG, "new needs an isolate name");
    int id = ck_add_isolate(s->ck, c->name);
    if (id < 0) return fail(r, V8P_ERR_NOMEM, "out of memory registering %s", c->name);
    auto p = std::make_unique<Iso>();
    p->id = id;
    p->name = c->name;
    p->shadow = new long(0);
    *out = p.get();
    s->isos.push_back(std::move(p));
    s->by_name[c->name] = id;
    return V8P_OK;
  }
  if (!needs_isolate(c->op)) return V8P_OK;
  if (c->isolate <= 0 || static_cast<size_t>(c->isolate) >= s->isos.size())
    return fail(r, V8P_ERR_ARG, "%s: no isolate with id %d", ck_op_name(c->op), c->isolate);
  *out = s->isos[c->isolate].get();
  return V8P_OK;
}

// Feeds the call to the checker and tells the sink, under the lock. *veto: V8 must not
// be called (a use-after-free).
v8p_status feed(Session* s, ThreadRec* th, const v8p_call* c, v8p_result* r, Iso** iso, bool* veto) {
  Guard lk(s->lock);
  v8p_status st = resolve_isolate(s, c, r, iso);
  if (st != V8P_OK) return st;
  int id = *iso ? (*iso)->id : CK_NONE;
  ck_event ev = {c->op, th->id, c->task, id, c->step};
  *veto = ck_would_use_freed(s->ck, &ev);
  r->first_violation = ck_violation_count(s->ck);
  r->violations = ck_feed(s->ck, &ev);
  r->isolate = id;
  v8p_event e{c->step, th->id, c->task, c->op, id, 0, 0, V8P_OK, CK_UNKNOWN, CK_UNKNOWN, V8P_RUN_NONE};
  emit(s, e, r->first_violation, r->violations);
  if (ck_failed(s->ck)) return fail(r, V8P_ERR_NOMEM, "out of memory in the checker: a verdict may be missing");
  return V8P_OK;
}

// Calls V8 for the op, as TSan should see the replayed program do it.
v8p_status call_v8(Session* s, ThreadRec* th, Iso* iso, const v8p_call* c, v8p_result* r) {
  bool had_fatal = s->fatal_seen.load();
  witness_loud_begin();
#ifdef ISOREPLAY_TSAN  // only TSan reads the shadow word and the publication edge
  if (iso && c->op != CK_NEW) witness_acquire(&iso->published);
  if (iso && ck_op_is_use(c->op)) isoreplay_use_isolate(iso->shadow);
#endif
  v8p_status st = execute(s, *th, iso, c, r);
  witness_loud_end();
  if (!had_fatal && s->fatal_seen.load() && st == V8P_OK) {
    Guard lk(s->lock);
    st = fail(r, V8P_ERR_V8, "V8 fatal error (handler returned): %s", s->fatal.c_str());
  }
  return st;
}

// After the call: the real current isolate beside the ideal one, the end of a run, and
// the completion told to the sink. Takes the lock only when something must be fed or
// told (a sink, a run, a divergence starting or ending): Enter+Exit stay lock-free.
void observe(Session* s, ThreadRec* th, Iso* iso, const v8p_call* c, v8p_result* r, v8p_status st) {
  // Only this thread changes its own ideal stack, so it reads it without the lock.
  bool slow = c->op == CK_RUN || s->opt.sink;
  r->ideal_current = ck_ideal_current(s->ck, th->id);
  r->real_current = s->opt.dry_run ? CK_UNKNOWN : real_id(s, iso, v8::Isolate::GetCurrent(), &slow);
  if (!s->opt.dry_run && (r->real_current != r->ideal_current) != !!ck_thread_diverging(s->ck, th->id))
    slow = true;
  if (!slow) return;
  Guard lk(s->lock);
  if (c->op == CK_RUN && iso && !c->background) ck_run_done(s->ck, th->id, iso->id);
  size_t first = ck_violation_count(s->ck), n = 0;
  if (!s->opt.dry_run) n = ck_observe(s->ck, th->id, r->real_current, c->step);
  r->divergence = n ? static_cast<long>(first) : -1;
  v8p_event e{c->step, th->id, c->task, c->op, iso ? iso->id : CK_NONE, 1, r->executed, st,
              r->real_current, r->ideal_current, r->run};
  emit(s, e, first, n);
}

v8p_status do_op(Session* s, const v8p_call* c, v8p_result* r) {
  ThreadRec* th = tls_rec;
  if (!th || th->session != s)
    return fail(r, V8P_ERR_STATE, "the calling thread is not attached to this session");
  if (static_cast<unsigned>(c->op) >= CK_OP_COUNT) return fail(r, V8P_ERR_ARG, "unknown op %d", c->op);
  Iso* iso = nullptr;
  bool veto = false;
  v8p_status st = feed(s, th, c, r, &iso, &veto);
  if (st != V8P_OK) return st;
  if (veto)
    st = fail(r, V8P_NOT_EXECUTED, "not executed: %s was disposed (a use-after-free)", iso->name.c_str());
  else if (!s->opt.dry_run)
    st = call_v8(s, th, iso, c, r);
  observe(s, th, iso, c, r, st);
  r->status = st;
  return st;
}

}  // namespace

extern "C" {

v8p_status v8p_do(v8p_session* s, const v8p_call* c, v8p_result* r) {
  witness_quiet_begin();  // the probe's own bookkeeping; loud again only around V8
  v8p_result local;
  if (!r) r = &local;
  // Field by field: zeroing the whole message buffer would cost more than Enter itself.
  r->status = V8P_OK;
  r->executed = 0;
  r->isolate = CK_NONE;
  r->real_current = r->ideal_current = CK_UNKNOWN;
  r->first_violation = r->violations = 0;
  r->divergence = -1;
  r->run = V8P_RUN_NONE;
  r->text = nullptr;
  r->text_len = 0;
  r->bool_value = 0;
  r->message[0] = '\0';
  v8p_status st;
  try {
    st = do_op(s, c, r);
  } catch (const std::bad_alloc&) {
    st = fail(r, V8P_ERR_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    st = fail(r, V8P_ERR_INTERNAL, "internal error: %s", e.what());
  } catch (...) {
    st = fail(r, V8P_ERR_INTERNAL, "internal error");
  }
  if (r == &local) v8p_result_clear(r);
  witness_quiet_end();
  return st;
}

void v8p_set_interrupt_hook(void (*hook)(void*), void* ud) {
  g_interrupt_hook_ud.store(ud);
  g_interrupt_hook.store(hook);
}

void v8p_result_clear(v8p_result* r) {
  if (!r) return;
  free(r->text);
  r->text = nullptr;
}

}  // extern "C"
