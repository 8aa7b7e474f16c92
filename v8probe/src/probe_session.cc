// probe_session.cc — V8 process init, fatal errors, sessions, threads, the event log.
#include <libplatform/libplatform.h>
#include <v8.h>

#include <sys/mman.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

#include "probe_internal.h"

namespace v8p {

thread_local ThreadRec* tls_rec = nullptr;

namespace {
std::mutex g_init_mu;
std::unique_ptr<v8::Platform> g_platform;
enum class V8State { kNone, kReady, kShutDown } g_state = V8State::kNone;
std::atomic<Session*> g_last_session{nullptr};

void set_err(v8p_error* err, v8p_status st, const char* fmt, const char* a = "") {
  if (!err) return;
  err->status = st;
  snprintf(err->message, sizeof err->message, fmt, a);
}

// V8 calls this with the current isolate's handler (so only when the failing thread has
// an isolate current). It records the error, then either behaves like V8 (print and
// trap) or returns, as the session's fatal mode says.
void on_fatal(const char* location, const char* message) {
  Session* s = tls_rec ? tls_rec->session : g_last_session.load();
  bool cont = false;
  if (s) {
    std::string text = std::string(location ? location : "") + ": " + (message ? message : "");
    Guard g(s->lock);
    if (!s->fatal_seen.exchange(true)) s->fatal = text;
    if (s->opt.sink) s->opt.sink(s->opt.sink_ud, nullptr, nullptr, 0, text.c_str());
    cont = s->opt.fatal == V8P_FATAL_CONTINUE;
  }
  if (cont) return;
  fprintf(stderr, "\n#\n# Fatal error in %s\n# %s\n#\n\n", location, message);
  fflush(stderr);
#if defined(__x86_64__) || defined(__i386__)
  __asm__ volatile("int3");  // what release V8 does (V8_IMMEDIATE_CRASH): SIGTRAP
#endif
  raise(SIGTRAP);
  abort();
}
}  // namespace

bool v8_ready() { return g_state == V8State::kReady; }

void install_fatal_handler(v8::Isolate* iso) { iso->SetFatalErrorHandler(on_fatal); }

int id_of_locked(Session* s, v8::Isolate* p) {
  if (!p) return CK_NONE;
  auto it = s->by_ptr.find(p);
  return it == s->by_ptr.end() ? CK_UNKNOWN : it->second;
}

Rec* EventLog::alloc_chunk(bool huge) {
  void* p = std::aligned_alloc(kChunkBytes, kChunkBytes);
  // Huge pages only for a log that outgrew its first chunk: a huge-page fault may stall
  // in compaction, which a short session (most replays) should never pay for.
  if (p && huge) madvise(p, kChunkBytes, MADV_HUGEPAGE);  // advice only: fine if refused
  return static_cast<Rec*>(p);
}

void EventLog::Free::operator()(Rec* p) const { std::free(p); }

v8p_event to_event(const Rec& r) {
  v8p_event e{};
  e.seq = r.seq;
  e.step = r.step;
  e.thread = r.thread;
  e.task = r.task;
  e.op = static_cast<ck_op>(r.op);
  e.isolate = r.isolate;
  e.violations = r.violations;
  e.real_current = e.ideal_current = CK_UNKNOWN;
  if (!const_cast<Rec&>(r).done.load(std::memory_order_acquire)) return e;
  e.done = 1;
  e.executed = r.executed;
  e.status = static_cast<v8p_status>(r.status);
  e.real_current = r.real_current;
  e.ideal_current = r.ideal_current;
  e.run = static_cast<v8p_run_outcome>(r.run);
  return e;
}

void emit(Session* s, const Rec* rec, size_t first, size_t n) {
  if (!s->opt.sink) return;
  v8p_event ev = to_event(*rec);
  s->opt.sink(s->opt.sink_ud, &ev, n ? ck_violation_at(s->ck, first) : nullptr, n, nullptr);
}

}  // namespace v8p

using namespace v8p;

extern "C" {

const char* v8p_status_name(v8p_status s) {
  switch (s) {
    case V8P_OK: return "ok";
    case V8P_ERR_ARG: return "bad-argument";
    case V8P_ERR_STATE: return "bad-state";
    case V8P_NOT_EXECUTED: return "not-executed";
    case V8P_ERR_V8: return "v8-error";
    case V8P_ERR_NOMEM: return "out-of-memory";
    case V8P_ERR_INTERNAL: return "internal-error";
  }
  return "?";
}

v8p_status v8p_init(const char* argv0, v8p_error* err) {
  std::lock_guard<std::mutex> g(g_init_mu);
  if (g_state == V8State::kReady) return V8P_OK;
  if (g_state == V8State::kShutDown) {
    set_err(err, V8P_ERR_STATE, "V8 was shut down in this process and cannot start again");
    return V8P_ERR_STATE;
  }
  try {
    v8::V8::InitializeICUDefaultLocation(argv0 ? argv0 : "");
    g_platform = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(g_platform.get());
    if (!v8::V8::Initialize()) {
      set_err(err, V8P_ERR_V8, "v8::V8::Initialize() failed");
      return V8P_ERR_V8;
    }
  } catch (const std::exception& e) {
    set_err(err, V8P_ERR_INTERNAL, "V8 initialisation threw: %s", e.what());
    return V8P_ERR_INTERNAL;
  }
  g_state = V8State::kReady;
  return V8P_OK;
}

void v8p_shutdown(void) {
  std::lock_guard<std::mutex> g(g_init_mu);
  if (g_state != V8State::kReady) return;
  v8::V8::Dispose();
  v8::V8::DisposePlatform();
  g_platform.reset();
  g_state = V8State::kShutDown;
}

const char* v8p_v8_version(void) { return v8::V8::GetVersion(); }

v8p_status v8p_session_new(const v8p_options* opt, v8p_session** out, v8p_error* err) {
  *out = nullptr;
  v8p_options o{};
  if (opt) o = *opt;
  if (!o.dry_run && !v8_ready()) {
    set_err(err, V8P_ERR_STATE, "v8p_init() must succeed before a real (not dry-run) session");
    return V8P_ERR_STATE;
  }
  v8p_session* s = new (std::nothrow) v8p_session();
  if (!s || !(s->ck = ck_new(o.model))) {
    delete s;
    set_err(err, V8P_ERR_NOMEM, "out of memory creating a session");
    return V8P_ERR_NOMEM;
  }
  s->opt = o;
  s->isos.emplace_back();  // id 0 is "none"
  g_last_session.store(s);
  *out = s;
  return V8P_OK;
}

void v8p_session_free(v8p_session* s) {
  if (!s) return;
  Session* expected = s;
  g_last_session.compare_exchange_strong(expected, nullptr);
  for (auto& p : s->isos) {
    if (!p || p->disposed || !p->V()) continue;
    // An isolate still entered or locked cannot be disposed without a V8 fatal error.
    bool busy = ck_lock_owner(s->ck, p->id) >= 0 || p->V()->IsInUse();
    if (!busy) {
      p->contexts.clear();
      p->V()->Dispose();
      p->disposed = true;
    }
  }
  for (auto& p : s->isos) {
    if (p && p->disposed) delete p->allocator;
    if (p) delete p->shadow;
  }
  ck_free(s->ck);
  delete s;
}

ck_checker* v8p_checker(v8p_session* s) { return s->ck; }

v8p_status v8p_thread_attach(v8p_session* s, const char* name, int* thread, v8p_error* err) {
  if (tls_rec) {
    set_err(err, V8P_ERR_STATE, "this OS thread is already attached as '%s'",
            ck_thread_name(tls_rec->session->ck, tls_rec->id));
    return V8P_ERR_STATE;
  }
  auto* rec = new (std::nothrow) ThreadRec();
  int id = -1;
  if (rec) {
    Guard g(s->lock);
    id = ck_add_thread(s->ck, name ? name : "thread");
  }
  if (id < 0) {
    delete rec;
    set_err(err, V8P_ERR_NOMEM, "cannot register thread '%s' (out of memory or too many threads)",
            name ? name : "");
    return V8P_ERR_NOMEM;
  }
  rec->session = s;
  rec->id = id;
  tls_rec = rec;
  if (thread) *thread = id;
  return V8P_OK;
}

void v8p_thread_detach(v8p_session* s) {
  if (!tls_rec || tls_rec->session != s) return;
  // Lockers or Unlockers the thread never released: their destructors would act on a
  // mutex from a dead frame; free the storage only (the checker reported the leak).
  for (auto& l : tls_rec->lockers) ::operator delete(static_cast<void*>(l.second));
  for (auto& u : tls_rec->unlockers) ::operator delete(static_cast<void*>(u.second));
  delete tls_rec;
  tls_rec = nullptr;
}

int v8p_task(v8p_session* s, const char* name) {
  Guard g(s->lock);
  return ck_add_task(s->ck, name ? name : "task");
}

size_t v8p_end(v8p_session* s, int step) {
  Guard g(s->lock);
  size_t first = ck_violation_count(s->ck);
  size_t n = ck_end(s->ck, step);
  if (n && s->opt.sink) s->opt.sink(s->opt.sink_ud, nullptr, ck_violation_at(s->ck, first), n, nullptr);
  return n;
}

void v8p_run_done(v8p_session* s, int isolate) {
  if (!tls_rec || tls_rec->session != s) return;
  Guard g(s->lock);
  ck_run_done(s->ck, tls_rec->id, isolate);
}

void v8p_acquired(v8p_session* s, int isolate) {
  if (!tls_rec || tls_rec->session != s || !s->opt.dry_run) return;
  Guard g(s->lock);
  ck_acquired(s->ck, tls_rec->id, isolate);
}

int v8p_lock_owner(v8p_session* s, int isolate) {
  Guard g(s->lock);
  return ck_lock_owner(s->ck, isolate);
}

int v8p_isolate_id(v8p_session* s, const char* name) {
  Guard g(s->lock);
  auto it = s->by_name.find(name ? name : "");
  return it == s->by_name.end() ? CK_NONE : it->second;
}

int v8p_real_current(v8p_session* s) {
  if (s->opt.dry_run || !v8_ready()) return CK_UNKNOWN;
  v8::Isolate* cur = v8::Isolate::GetCurrent();
  Guard g(s->lock);
  return id_of_locked(s, cur);
}

size_t v8p_event_count(v8p_session* s) { return s->log.size(); }

int v8p_event_at(v8p_session* s, size_t i, v8p_event* out) {
  if (i >= s->log.size()) return -1;
  Guard g(s->lock);
  *out = to_event(*s->log.at(i));
  return 0;
}

const char* v8p_fatal_message(v8p_session* s) {
  return s->fatal_seen.load() ? s->fatal.c_str() : nullptr;
}

int v8p_interrupts_delivered(v8p_session* s, int isolate) {
  Guard g(s->lock);
  if (isolate <= 0 || static_cast<size_t>(isolate) >= s->isos.size()) return 0;
  return s->isos[isolate]->interrupts.load();
}

}  // extern "C"
