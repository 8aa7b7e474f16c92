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
    case CK_AWAIT: case CK_WAIT: case CK_CHECK_CURRENT: case CK_THREAD_END: case CK_BLOCK_END: return false;
    default: return !ck_op_is_sync(op);
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

}  // namespace

void v8p::interrupt_callback(v8::Isolate*, void* data) {
  static_cast<Iso*>(data)->interrupts.fetch_add(1, std::memory_order_relaxed);
  if (auto hook = g_interrupt_hook.load()) hook(g_interrupt_hook_ud.load());
}

namespace {

// The run's context: its own isolate's, or with `in NAME of Y` Y's, opened through the
// run's isolate (what code that keeps another isolate's Global<Context> does).
void run_script(Session* s, Iso* iso, Iso* ctx_iso, const v8p_call* c, v8p_result* r) {
  v8::Isolate* v = iso->V();
  v8::HandleScope hs(v);
  v8::Local<v8::Context> ctx = context_of(s, ctx_iso ? ctx_iso : iso, c->context ? c->context : "main", v);
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
  contexts.clear();  // the probe's own contexts: Global::Reset before the heap goes away
  if (s->opt.model == CK_MODEL_RUSTY_V8) {  // OwnedIsolate's drop clears the annex first
    std::lock_guard<std::mutex> g(iso->handle_mu);
    iso->handle_alive = false;
  }
  // A fatal error whose handler returned leaves the isolate allocated (V8-RULES).
  iso->disposed = platform_dispose_isolate(s, iso->V());
  bury_handles(s, iso);  // the scenario's handles: whatever was not reset stays as it was
}

// A run or gc on this thread's stack while V8 runs it: host() and weak callbacks find it.
struct FrameScope {
  ThreadRec& th;
  FrameScope(ThreadRec& t, const v8p_call* c) : th(t) { th.frames.push_back(Frame{c->op, c->step, c->block != 0, false}); }
  ~FrameScope() { th.frames.pop_back(); }
  bool fired() const { return th.frames.back().fired; }
};

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
v8p_status execute(Session* s, ThreadRec& th, Iso* iso, Handle* h, Iso* ctx_iso, const v8p_call* c, v8p_result* r) {
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
      v8::Local<v8::Context> ctx = new_context(iso->V());
      auto g = std::make_unique<v8::Global<v8::Context>>(iso->V(), ctx);
      std::unique_ptr<v8::Global<v8::Context>> old;
      Guard lk(s->lock);
      old = std::move(iso->contexts[c->context ? c->context : "main"]);
      iso->contexts[c->context ? c->context : "main"] = std::move(g);
      return V8P_OK;
    }
    case CK_RUN: {
      if (!c->js) return fail(r, V8P_ERR_ARG, "run needs a script");
      FrameScope f(th, c);
      run_script(s, iso, ctx_iso, c, r);
      r->block_reached = f.fired();
      return V8P_OK;
    }
    case CK_GC: {
      FrameScope f(th, c);
      iso->V()->LowMemoryNotification();
      r->block_reached = f.fired();
      return V8P_OK;
    }
    case CK_GLOBAL: case CK_PERSISTENT: case CK_OPEN: case CK_RESET: case CK_WEAK:
      return handle_op(s, iso, h, c, r);
    case CK_TERMINATE: case CK_CANCEL_TERMINATE: case CK_INTERRUPT: case CK_IS_TERMINATING:
      if (s->opt.model == CK_MODEL_RUSTY_V8) return isolate_call(s, iso, c, r);
      if (c->op == CK_TERMINATE) iso->V()->TerminateExecution();
      else if (c->op == CK_CANCEL_TERMINATE) iso->V()->CancelTerminateExecution();
      else if (c->op == CK_INTERRUPT) iso->V()->RequestInterrupt(interrupt_callback, iso);
      else return isolate_call(s, iso, c, r);
      return V8P_OK;
    case CK_HEAP_STATS: case CK_MEMORY_PRESSURE: return isolate_call(s, iso, c, r);
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

// What a call acts on, resolved under the lock.
struct Target {
  Iso* iso = nullptr;      // the isolate (a handle's own for handle ops), or nullptr
  Handle* h = nullptr;     // handle ops
  Iso* ctx_iso = nullptr;  // run ... in NAME of Y: Y
  int object = 0;          // the checker's handle, sync object or context isolate id
};

// A new handle of the call's isolate, registered with the checker. Caller holds the lock.
v8p_status add_handle(Session* s, const v8p_call* c, v8p_result* r, Target* t) {
  if (!c->handle || !*c->handle) return fail(r, V8P_ERR_ARG, "%s needs a handle name", ck_op_name(c->op));
  int id = ck_add_handle(s->ck, c->handle, t->iso->id, c->op == CK_PERSISTENT);
  if (id < 0) return fail(r, V8P_ERR_NOMEM, "out of memory registering handle %s", c->handle);
  auto h = std::make_unique<Handle>();
  h->id = id;
  h->name = c->handle;
  h->iso = t->iso;
  h->persistent = c->op == CK_PERSISTENT;
  t->h = h.get();
  t->object = id;
  if (s->handles.size() <= static_cast<size_t>(id)) s->handles.resize(static_cast<size_t>(id) + 1);
  s->handles[static_cast<size_t>(id)] = std::move(h);
  s->handle_by_name[c->handle] = id;
  return V8P_OK;
}

// The isolate a call names (a new one for `new`), its handle, context or sync object;
// the status on a bad call. Caller holds the lock.
v8p_status resolve(Session* s, const v8p_call* c, v8p_result* r, Target* t) {
  if (c->op == CK_NEW) {
    if (!c->name || !*c->name) return fail(r, V8P_ERR_ARG, "new needs an isolate name");
    int id = ck_add_isolate(s->ck, c->name);
    if (id < 0) return fail(r, V8P_ERR_NOMEM, "out of memory registering %s", c->name);
    auto p = std::make_unique<Iso>();
    p->id = id;
    p->name = c->name;
    p->shadow = new long(0);
    t->iso = p.get();
    s->isos.push_back(std::move(p));
    s->by_name[c->name] = id;
    return V8P_OK;
  }
  if (ck_op_is_sync(c->op)) {
    ck_sync_kind kind = ck_op_sync_kind(c->op);
    if (!c->sync || !*c->sync) return fail(r, V8P_ERR_ARG, "%s needs a name", ck_op_name(c->op));
    if ((t->object = ck_sync_id(s->ck, kind, c->sync)) < 0) return fail(r, V8P_ERR_NOMEM, "out of memory registering %s", c->sync);
    return V8P_OK;
  }
  if (c->op == CK_OPEN || c->op == CK_RESET || c->op == CK_WEAK) {
    auto it = c->handle ? s->handle_by_name.find(c->handle) : s->handle_by_name.end();
    if (it == s->handle_by_name.end()) return fail(r, V8P_ERR_ARG, "%s: no handle named %s", ck_op_name(c->op), c->handle ? c->handle : "");
    t->h = s->handles[static_cast<size_t>(it->second)].get();
    t->iso = t->h->iso;
    t->object = t->h->id;
    return V8P_OK;
  }
  if (!needs_isolate(c->op)) return V8P_OK;
  if (c->isolate <= 0 || static_cast<size_t>(c->isolate) >= s->isos.size())
    return fail(r, V8P_ERR_ARG, "%s: no isolate with id %d", ck_op_name(c->op), c->isolate);
  t->iso = s->isos[c->isolate].get();
  if (c->op == CK_GLOBAL || c->op == CK_PERSISTENT) return add_handle(s, c, r, t);
  if (c->op == CK_RUN && c->context_of > 0 && static_cast<size_t>(c->context_of) < s->isos.size() &&
      c->context_of != c->isolate) {
    t->ctx_iso = s->isos[c->context_of].get();
    t->object = c->context_of;
  }
  return V8P_OK;
}

// Feeds the call to the checker and tells the sink, under the lock. *veto: V8 must not
// be called (a use-after-free).
v8p_status feed(Session* s, ThreadRec* th, const v8p_call* c, v8p_result* r, Target* t, bool* veto) {
  Guard lk(s->lock);
  v8p_status st = resolve(s, c, r, t);
  if (st != V8P_OK) return st;
  int id = t->iso ? t->iso->id : CK_NONE;
  ck_event ev = {c->op, th->id, c->task, id, c->step, t->object, c->line, c->block};
  *veto = ck_would_use_freed(s->ck, &ev) || (t->ctx_iso && t->ctx_iso->disposed);
  r->first_violation = ck_violation_count(s->ck);
  r->violations = ck_feed(s->ck, &ev);
  r->isolate = id;
  if (ck_op_is_sync(c->op)) r->waiting = ck_waiting(s->ck, th->id);
  v8p_event e{c->step, th->id, c->task, c->op, id, 0, 0, V8P_OK, CK_UNKNOWN, CK_UNKNOWN, V8P_RUN_NONE};
  emit(s, e, r->first_violation, r->violations);
  if (ck_failed(s->ck)) return fail(r, V8P_ERR_NOMEM, "out of memory in the checker: a verdict may be missing");
  return V8P_OK;
}

// Calls V8 for the op, as TSan should see the replayed program do it.
v8p_status call_v8(Session* s, ThreadRec* th, const Target& t, const v8p_call* c, v8p_result* r) {
  bool had_fatal = s->fatal_seen.load();
  witness_loud_begin();
#ifdef ISOREPLAY_TSAN  // only TSan reads the shadow word and the publication edge
  if (t.iso && c->op != CK_NEW) witness_acquire(&t.iso->published);
  if (t.iso && ck_op_is_use(c->op)) isoreplay_use_isolate(t.iso->shadow);
#endif
  v8p_status st = execute(s, *th, t.iso, t.h, t.ctx_iso, c, r);
  witness_loud_end();
  if (!had_fatal && s->fatal_seen.load() && st == V8P_OK) {
    Guard lk(s->lock);
    st = fail(r, V8P_ERR_V8, "V8 fatal error (handler returned): %s", s->fatal.c_str());
  }
  return st;
}

// A dry run reaches a block at once: a run's host() is taken as called, a gc's weak
// callback as run when the checker's gc collected a weak handle.
void dry_block(Session* s, ThreadRec* th, const v8p_call* c, v8p_result* r) {
  if (!c->block || (c->op != CK_RUN && c->op != CK_GC) || !s->opt.block) return;
  if (c->op == CK_GC) {
    Guard lk(s->lock);
    if (ck_gc_collected(s->ck, th->id) == 0) return;
  }
  r->block_reached = 1;
  s->opt.block(s->opt.block_ud, c->step);
}

// After the call: the real current isolate beside the ideal one, the end of a run, and
// the completion told to the sink. Takes the lock only when something must be fed or
// told (a sink, a run, a divergence starting or ending): Enter+Exit stay lock-free.
void observe(Session* s, ThreadRec* th, Iso* iso, const v8p_call* c, v8p_result* r, v8p_status st) {
  // Only this thread changes its own ideal stack, so it reads it without the lock.
  bool ends_run = (c->op == CK_RUN && !c->background) || (c->op == CK_GC && c->block);
  bool slow = ends_run || s->opt.sink;
  r->ideal_current = ck_ideal_current(s->ck, th->id);
  r->real_current = s->opt.dry_run ? CK_UNKNOWN : real_id(s, iso, v8::Isolate::GetCurrent(), &slow);
  if (!s->opt.dry_run && (r->real_current != r->ideal_current) != !!ck_thread_diverging(s->ck, th->id))
    slow = true;
  if (!slow) return;
  Guard lk(s->lock);
  if (ends_run && iso) ck_run_done(s->ck, th->id, iso->id);
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
  Target t;
  bool veto = false;
  v8p_status st = feed(s, th, c, r, &t, &veto);
  if (st != V8P_OK) return st;
  if (veto && s->opt.model == CK_MODEL_RUSTY_V8 && c->op == CK_RESET)
    st = fail(r, V8P_NOT_EXECUTED, "not executed: the crate's Global sees %s dropped and does nothing",
              t.iso->name.c_str());
  else if (veto)
    st = fail(r, V8P_NOT_EXECUTED, "not executed: %s was disposed (a use-after-free)",
              t.ctx_iso && t.ctx_iso->disposed ? t.ctx_iso->name.c_str() : t.iso->name.c_str());
  else if (s->opt.dry_run)
    dry_block(s, th, c, r);
  else if (t.iso || !needs_isolate(c->op))
    st = call_v8(s, th, t, c, r);
  observe(s, th, t.iso, c, r, st);
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
  r->has_bool = 0;
  r->waiting = 0;
  r->block_reached = 0;
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
