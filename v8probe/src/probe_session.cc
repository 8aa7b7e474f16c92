// probe_session.cc — V8 process init, fatal errors, sessions, threads, names.
#include <v8.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

#include "probe_internal.h"
#include "testing.h"

namespace v8p {

thread_local ThreadRec* tls_rec = nullptr;

namespace {
std::mutex g_init_mu;
bool g_ready = false;
std::atomic<Session*> g_last_session{nullptr};

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

bool v8_ready() { return g_ready; }

void install_fatal_handler(v8::Isolate* iso) { iso->SetFatalErrorHandler(on_fatal); }

int id_of_locked(Session* s, v8::Isolate* p) {
  if (!p) return CK_NONE;
  auto it = s->by_ptr.find(p);
  return it == s->by_ptr.end() ? CK_UNKNOWN : it->second;
}

void emit(Session* s, const v8p_event& ev, size_t first, size_t n) {
  if (!s->opt.sink) return;
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

int v8p_init(const char* argv0, iso_err* err) {
  std::lock_guard<std::mutex> g(g_init_mu);
  if (g_ready) return 0;
  try {
    if (platform_init(argv0, err)) return -1;
  } catch (const std::exception& e) {
    return iso_fail(err, ISO_ERR_INTERNAL, "V8 initialisation threw: %s", e.what());
  }
  g_ready = true;
  return 0;
}

const char* v8p_v8_version(void) { return v8::V8::GetVersion(); }

int v8p_session_new(const v8p_options* opt, v8p_session** out, iso_err* err) {
  *out = nullptr;
  v8p_options o{};
  if (opt) o = *opt;
  if (!o.dry_run && !v8_ready())
    return iso_fail(err, ISO_ERR_INTERNAL, "v8p_init() must succeed before a real (not dry-run) session");
  v8p_session* s = new (std::nothrow) v8p_session();
  if (!s || !(s->ck = ck_new(o.model))) {
    delete s;
    return iso_fail(err, ISO_ERR_NOMEM, "out of memory creating a session");
  }
  s->opt = o;
  s->isos.emplace_back();  // id 0 is "none"
  g_last_session.store(s);
  *out = s;
  return 0;
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
      free_handles(s, p.get());
      p->disposed = platform_dispose_isolate(s, p->V());
    }
    if (!p->disposed) bury_handles(s, p.get());
  }
  for (auto& p : s->isos) {
    if (p && p->disposed) delete p->allocator;
    if (p) delete p->shadow;
  }
  ck_free(s->ck);
  delete s;
}

ck_checker* v8p_checker(v8p_session* s) { return s->ck; }

int v8p_thread_attach(v8p_session* s, const char* name, int* thread, iso_err* err) {
  if (tls_rec) {
    Guard g(tls_rec->session->lock);
    return iso_fail(err, ISO_ERR_INTERNAL, "this OS thread is already attached as '%s'",
                    ck_thread_name(tls_rec->session->ck, tls_rec->id));
  }
  auto* rec = new (std::nothrow) ThreadRec();
  int id = -1;
  if (rec) {
    Guard g(s->lock);
    id = ck_add_thread(s->ck, name ? name : "thread");
  }
  if (id < 0) {
    delete rec;
    return iso_fail(err, ISO_ERR_NOMEM, "cannot register thread '%s': out of memory, or %d threads alive at once",
                    name ? name : "", CK_MAX_THREADS);
  }
  rec->session = s;
  rec->id = id;
  tls_rec = rec;
  if (thread) *thread = id;
  return 0;
}

void v8p_thread_detach(v8p_session* s) {
  if (!tls_rec || tls_rec->session != s) return;
  // Lockers or Unlockers the thread never released: their destructors would act on a
  // mutex from a dead frame; free the storage only (the checker reported the leak).
  for (auto& l : tls_rec->lockers) ::operator delete(static_cast<void*>(l.second));
  for (auto& u : tls_rec->unlockers) ::operator delete(static_cast<void*>(u.second));
  {
    Guard g(s->lock);
    ck_release_thread(s->ck, tls_rec->id);
  }
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

int v8p_waiting(v8p_session* s) {
  if (!tls_rec || tls_rec->session != s) return 0;
  Guard g(s->lock);
  return ck_waiting(s->ck, tls_rec->id);
}

int v8p_thread_waiting(v8p_session* s, int thread) {
  Guard g(s->lock);
  return ck_waiting(s->ck, thread);
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

const char* v8p_isolate_name(v8p_session* s, int isolate) {
  if (isolate == CK_UNKNOWN) return "unknown";
  Guard g(s->lock);
  return ck_isolate_name(s->ck, isolate);
}

const char* v8p_thread_name(v8p_session* s, int thread) {
  Guard g(s->lock);
  return ck_thread_name(s->ck, thread);
}

int v8p_failed(v8p_session* s) {
  Guard g(s->lock);
  return ck_failed(s->ck);
}

// Test hooks (testing.h).
int v8p_real_current(v8p_session* s) {
  if (s->opt.dry_run || !v8_ready()) return CK_UNKNOWN;
  v8::Isolate* cur = v8::Isolate::GetCurrent();
  Guard g(s->lock);
  return id_of_locked(s, cur);
}

int v8p_interrupts_delivered(v8p_session* s, int isolate) {
  Guard g(s->lock);
  if (isolate <= 0 || static_cast<size_t>(isolate) >= s->isos.size()) return 0;
  return s->isos[isolate]->interrupts.load();
}

}  // extern "C"
