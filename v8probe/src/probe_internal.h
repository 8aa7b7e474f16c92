// probe_internal.h — state shared by the probe's C++ files. The only place (with the
// .cc files beside it) that sees V8 headers.
#ifndef ISOREPLAY_PROBE_INTERNAL_H
#define ISOREPLAY_PROBE_INTERNAL_H

#include <v8.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "v8probe.h"
#include "witness.h"

namespace v8p {

// A spinlock: the checker update is a few nanoseconds, far below a mutex's cost.
// Under TSan its critical sections are quiet (witness.h): the harness's own lock must
// not order the replayed threads.
class SpinLock {
 public:
  void lock() {
    witness_quiet_begin();
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
  }
  void unlock() {
    flag_.store(false, std::memory_order_release);
    witness_quiet_end();
  }

 private:
  std::atomic<bool> flag_{false};
};

struct Guard {
  explicit Guard(SpinLock& l) : l_(l) { l_.lock(); }
  ~Guard() { l_.unlock(); }
  SpinLock& l_;
};

// One isolate lifetime.
struct Iso {
  int id = 0;
  std::string name;
  // Kept after Dispose, to recognise a dangling current. Atomic: read without the lock
  // by any thread after the creating thread published it.
  std::atomic<v8::Isolate*> ptr{nullptr};
  v8::Isolate* V() const { return ptr.load(std::memory_order_acquire); }
  v8::ArrayBuffer::Allocator* allocator = nullptr;
  std::atomic<bool> disposed{false};
  // The shadow word every use of the isolate writes (witness.h); heap-allocated so a
  // TSan report locates it in a block of its own.
  long* shadow = nullptr;
  // Released once the isolate exists, acquired before any op on it: a thread can only
  // use an isolate whose pointer reached it, which takes synchronization in any real
  // program (TSan must not read a race into that; races between uses stay visible).
  char published = 0;
  std::map<std::string, std::unique_ptr<v8::Global<v8::Context>>> contexts;
  std::atomic<int> interrupts{0};
  // rusty_v8's IsolateHandle: the crate's annex mutex and the isolate pointer it clears
  // at drop (model rusty_v8 only): terminate and its kin take it, and do nothing once
  // the isolate is gone.
  std::mutex handle_mu;
  bool handle_alive = true;
};

// A `global` or `persistent` handle of one isolate lifetime. The V8 handle object is
// heap-allocated and never destroyed once its isolate is disposed (its destructor would
// write into freed memory): it moves to a graveyard that lives until the process ends.
struct Handle {
  int id = 0;
  std::string name;
  Iso* iso = nullptr;
  bool persistent = false;
  v8::Global<v8::Object>* global = nullptr;
  v8::Persistent<v8::Object>* pers = nullptr;
  v8::PersistentBase<v8::Object>* base() const {
    return global ? static_cast<v8::PersistentBase<v8::Object>*>(global)
                  : static_cast<v8::PersistentBase<v8::Object>*>(pers);
  }
};

// A run or gc on a thread's stack: the block it may reach (host() or a weak callback).
struct Frame {
  ck_op op;
  int step;
  bool block;
  bool fired;
};

struct Session;

// The calling thread's binding (thread-local).
struct ThreadRec {
  Session* session = nullptr;
  int id = -1;
  std::vector<std::pair<Iso*, v8::Locker*>> lockers;
  std::vector<std::pair<Iso*, v8::Unlocker*>> unlockers;
  std::vector<Frame> frames;  // runs and gcs in progress, innermost last
};

struct Session {
  v8p_options opt{};
  SpinLock lock;
  ck_checker* ck = nullptr;
  std::vector<std::unique_ptr<Iso>> isos;           // index = isolate id (0 unused)
  std::unordered_map<std::string, int> by_name;     // latest lifetime per name
  std::unordered_map<v8::Isolate*, int> by_ptr;     // latest lifetime per address
  std::vector<std::unique_ptr<Handle>> handles;     // index = handle id (0 unused)
  std::unordered_map<std::string, int> handle_by_name;
  std::string fatal;                                // first fatal error
  std::atomic<bool> fatal_seen{false};
};

// The calling thread's binding, or nullptr. A plain pointer in initial-exec TLS: one
// instruction to read, where a thread_local object with a constructor costs a call.
extern thread_local ThreadRec* tls_rec __attribute__((tls_model("initial-exec")));

// Maps a V8 isolate pointer to an isolate id (CK_NONE for null, CK_UNKNOWN if never
// seen). Needs the session lock.
int id_of_locked(Session* s, v8::Isolate* p);
// Installs the probe's fatal error handler on a new isolate.
void install_fatal_handler(v8::Isolate* iso);

// probe_handles.cc: handles, the host() function, weak callbacks, isolate methods.
// A new context of the isolate with the global function host() (the block's callback).
v8::Local<v8::Context> new_context(v8::Isolate* iso);
// The block of the thread's innermost frame of this op is reached: calls the session's
// block callback once (host() and the second-pass weak callback land here).
void reach_block(ck_op op);
// global, persistent, open, reset, weak, heap-stats, memory-pressure on a live isolate;
// terminate and its kin through rusty_v8's IsolateHandle. Sets r->executed.
v8p_status handle_op(Session* s, Iso* iso, Handle* h, const v8p_call* c, v8p_result* r);
v8p_status isolate_call(Session* s, Iso* iso, const v8p_call* c, v8p_result* r);
// The context stored under name, created (and stored) if missing. Needs a HandleScope.
v8::Local<v8::Context> context_of(Session* s, Iso* iso, const std::string& name, v8::Isolate* via);
// At Dispose: the isolate's handles that were never reset go to the graveyard.
void bury_handles(Session* s, Iso* iso);
// Before the session disposes an isolate left alive: its handles are reset and freed.
void free_handles(Session* s, Iso* iso);
// probe_ops.cc: RequestInterrupt's callback (counts deliveries, runs the test hook).
void interrupt_callback(v8::Isolate* iso, void* data);
// Delivers an event and its violations to the sink (caller holds the lock).
void emit(Session* s, const v8p_event& ev, size_t first_violation, size_t n);
bool v8_ready();

// The platform side of a probe build: exactly one of probe_platform_libnode.cc (V8 in a
// shared library: the probe starts V8 itself) and probe_platform_node.cc (the probe is an
// addon inside a `node` binary, whose platform it borrows) is linked.
// Starts V8 (or checks it is up); 0, or -1 with err.
int platform_init(const char* argv0, iso_err* err);
// A new isolate with these parameters, registered with the platform where it must be.
v8::Isolate* platform_new_isolate(const v8::Isolate::CreateParams& params);
// Disposes it (and unregisters it). Returns false when V8 reported a fatal error whose
// handler returned: the isolate is then left as V8 left it (allocated, registered).
bool platform_dispose_isolate(Session* s, v8::Isolate* iso);

}  // namespace v8p

struct v8p_session : v8p::Session {};

#endif
