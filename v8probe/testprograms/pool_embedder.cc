// pool_embedder.cc — a small C++ embedder of V8 (libnode), for `isoreplay record` to
// observe: a pool of worker threads, each keeping two isolates entered at once, as a
// thread pool with several runtimes per thread does. It is not part of isoreplay; it is
// the kind of program isoreplay's users write.
//
//   pool_embedder wrong     each worker exits and disposes its first isolate while the
//                           second is still entered on top of it (exit-order, then a
//                           silently corrupted current isolate): the bug
//   pool_embedder correct   the same pool, exiting and disposing in reverse order
//   pool_embedder bench N   one isolate entered and exited N times in a tight loop: prints
//                           the nanoseconds per Enter+Exit pair (bench/record_overhead.py)
//   pool_embedder noisy     one thread terminates its isolate 20,000 times, each time
//                           followed by one of four other calls in an irregular order
//                           (short patterns rarely repeat): what `record` counts
//   pool_embedder unlocked  one isolate used under a Locker once, then without one: V8 10.2
//                           aborts ("Entering the V8 API without proper locking in place")
//   pool_embedder loop      one isolate: a watchdog thread terminates it 100,000 times,
//                           then 1,000 requests each take its Locker and enter it (what
//                           `record` writes as `repeat`)
//
// Threads are named pool-1, pool-2 (what `record` names them after). Exit status 0.
#include <libplatform/libplatform.h>
#include <pthread.h>
#include <v8.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "pool.h"

namespace {

bool g_wrong = false;

v8::Isolate* NewIsolate(v8::ArrayBuffer::Allocator* allocator) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator;
  return v8::Isolate::New(params);
}

v8::ArrayBuffer::Allocator* g_allocator;

v8::Isolate* MakeIsolate() { return NewIsolate(g_allocator); }
void DropIsolate(v8::Isolate* isolate) { isolate->Dispose(); }

void Worker(int n) { pool::Worker(n, g_wrong, MakeIsolate, DropIsolate); }

// One isolate, a watchdog's terminate loop, then a request loop under the Locker.
void Loop() {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate* isolate = NewIsolate(allocator.get());
  std::thread watchdog([isolate] {
    pthread_setname_np(pthread_self(), "watchdog");
    for (int i = 0; i < 100000; i++) isolate->TerminateExecution();
    isolate->CancelTerminateExecution();
  });
  watchdog.join();
  for (int i = 0; i < 1000; i++) {
    v8::Locker locker(isolate);
    v8::Isolate::Scope scope(isolate);
  }
  isolate->Dispose();
  std::printf("1000 requests served\n");
}

// Terminate calls between irregular other calls (a fixed pseudo-random sequence).
void Noisy() {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate* isolate = NewIsolate(allocator.get());
  unsigned x = 12345;
  for (int i = 0; i < 20000; i++) {
    isolate->TerminateExecution();
    x = x * 1103515245u + 12345u;
    switch ((x >> 16) % 4) {  // four different calls: back-to-back patterns stay rare
      case 0: isolate->Enter(); isolate->Exit(); break;
      case 1: isolate->RequestInterrupt([](v8::Isolate*, void*) {}, nullptr); break;
      case 2: {
        v8::Isolate::Scope in(isolate);
        isolate->LowMemoryNotification();
      } break;
      default: {
        v8::Isolate::Scope in(isolate);
        v8::HandleScope scope(isolate);
        v8::Context::New(isolate);
      }
    }
  }
  isolate->CancelTerminateExecution();
  isolate->Dispose();
}

// A Locker once, then the isolate without one: V8 10.2's fatal error kills the program.
void Unlocked() {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate* isolate = NewIsolate(allocator.get());
  { v8::Locker locker(isolate); }
  isolate->Enter();
  v8::Global<v8::Object> cache;
  pool::RunScript(isolate, "'never printed'", &cache);
}

// A tight Enter+Exit loop, timed.
void Bench(long n) {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate* isolate = NewIsolate(allocator.get());
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++) {
    isolate->Enter();
    isolate->Exit();
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
  std::printf("ns per Enter+Exit pair: %.1f\n", ns / n);
  isolate->Dispose();
}

}  // namespace

int main(int argc, char** argv) {
  bool bench = argc == 3 && !std::strcmp(argv[1], "bench");
  if (!bench && (argc != 2 || (std::strcmp(argv[1], "wrong") && std::strcmp(argv[1], "correct") &&
                               std::strcmp(argv[1], "loop") && std::strcmp(argv[1], "noisy") &&
                               std::strcmp(argv[1], "unlocked")))) {
    std::fprintf(stderr, "usage: %s wrong|correct|loop|noisy|unlocked|bench N\n", argv[0]);
    return 2;
  }
  g_wrong = !std::strcmp(argv[1], "wrong");
  v8::V8::InitializeICUDefaultLocation(argv[0]);
  std::unique_ptr<v8::Platform> platform = v8::platform::NewDefaultPlatform();
  v8::V8::InitializePlatform(platform.get());
  v8::V8::Initialize();
  if (bench) {
    Bench(std::atol(argv[2]));
  } else if (!std::strcmp(argv[1], "loop")) {
    Loop();
  } else if (!std::strcmp(argv[1], "noisy")) {
    Noisy();
  } else if (!std::strcmp(argv[1], "unlocked")) {
    Unlocked();
  } else {
    std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    g_allocator = allocator.get();
    for (int n = 1; n <= 2; n++) {
      std::thread worker(Worker, n);
      worker.join();  // one after the other: the output and the verdicts stay in order
    }
  }
  v8::V8::Dispose();
  v8::V8::DisposePlatform();
  return 0;
}
