// checker_sim.h — drives the checker by names, the way a scenario reads, for tests.
#ifndef ISOREPLAY_CHECKER_SIM_H
#define ISOREPLAY_CHECKER_SIM_H

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "checker.h"

class Sim {
 public:
  explicit Sim(ck_model m = CK_MODEL_V8) : ck_(ck_new(m)) {}
  ~Sim() { ck_free(ck_); }
  Sim(const Sim&) = delete;
  Sim& operator=(const Sim&) = delete;

  // Feeds "THREAD[/TASK]: op ISOLATE" and returns the codes raised, sorted, joined by ",".
  std::string op(const std::string& who, ck_op op, const std::string& iso = "") {
    int id = CK_NONE;
    if (!iso.empty()) id = (op == CK_NEW) ? fresh(iso) : isos_.at(iso);
    return feed(who, op, id, 0, 0);
  }
  std::string feed(const std::string& who, ck_op op, int id, int object, int block) {
    std::string thread = who, task;
    size_t slash = who.find('/');
    if (slash != std::string::npos) {
      thread = who.substr(0, slash);
      task = who.substr(slash + 1);
    }
    ck_event ev = {op, thread_id(thread), task.empty() ? -1 : task_id(task), id, ++step_, object, line_, block};
    line_ = 0;
    size_t first = ck_violation_count(ck_);
    ck_feed(ck_, &ev);
    return codes(first);
  }
  // A handle op: global/persistent H of ISO (registers it), open/reset/weak H.
  std::string handle(const std::string& who, ck_op op, const std::string& h, const std::string& iso = "") {
    if (op == CK_GLOBAL || op == CK_PERSISTENT) {
      handles_[h] = ck_add_handle(ck_, h.c_str(), isos_.at(iso), op == CK_PERSISTENT);
      handle_iso_[h] = iso;
    }
    return feed(who, op, isos_.at(handle_iso_.at(h)), handles_.at(h), 0);
  }
  // spawn/join (a thread), send/recv (a channel), acquire/release (a mutex) by name.
  std::string sync(const std::string& who, ck_op op, const std::string& name) {
    return feed(who, op, CK_NONE, ck_sync_id(ck_, ck_op_sync_kind(op), name.c_str()), 0);
  }
  // run ISO in a context of OTHER; gc ISO with a block.
  std::string run_in(const std::string& who, const std::string& iso, const std::string& other) {
    return feed(who, CK_RUN, isos_.at(iso), isos_.at(other), 0);
  }
  std::string gc_block(const std::string& who, const std::string& iso) { return feed(who, CK_GC, isos_.at(iso), 0, 1); }
  // The next step's source line (messages name it); 0: none.
  void at_line(int line) { line_ = line; }
  bool waiting(const std::string& thread) { return ck_waiting(ck_, thread_id(thread)); }
  int gc_collected(const std::string& thread) { return ck_gc_collected(ck_, thread_id(thread)); }
  void acquired(const std::string& thread, const std::string& iso) {
    ck_acquired(ck_, thread_id(thread), isos_.at(iso));
  }
  void run_done(const std::string& thread, const std::string& iso) {
    ck_run_done(ck_, thread_id(thread), isos_.at(iso));
  }
  // The real current isolate of the thread: an isolate name or "none".
  std::string observe(const std::string& thread, const std::string& real) {
    size_t first = ck_violation_count(ck_);
    ck_observe(ck_, thread_id(thread), real == "none" ? CK_NONE : isos_.at(real), step_);
    return codes(first);
  }
  std::string end() {
    size_t first = ck_violation_count(ck_);
    ck_end(ck_, ++step_);
    return codes(first);
  }
  int step() const { return step_; }
  const ck_violation* last() const {
    size_t n = ck_violation_count(ck_);
    return n ? ck_violation_at(ck_, n - 1) : nullptr;
  }
  std::string ideal(const std::string& thread) {
    return ck_isolate_name(ck_, ck_ideal_current(ck_, thread_id(thread)));
  }
  int iso(const std::string& name) const { return isos_.at(name); }
  // The thread ended and sends no more events: its slot may be reused (ck_release_thread).
  int release(const std::string& thread) {
    int freed = ck_release_thread(ck_, thread_id(thread));
    threads_.erase(thread);
    return freed;
  }
  int slot(const std::string& thread) { return thread_id(thread); }
  ck_checker* ck() { return ck_; }

 private:
  int thread_id(const std::string& n) {
    auto it = threads_.find(n);
    if (it == threads_.end()) it = threads_.emplace(n, ck_add_thread(ck_, n.c_str())).first;
    return it->second;
  }
  int task_id(const std::string& n) {
    auto it = tasks_.find(n);
    if (it == tasks_.end()) it = tasks_.emplace(n, ck_add_task(ck_, n.c_str())).first;
    return it->second;
  }
  int fresh(const std::string& n) { return isos_[n] = ck_add_isolate(ck_, n.c_str()); }
  std::string codes(size_t first) const {
    std::vector<std::string> v;
    for (size_t i = first; i < ck_violation_count(ck_); i++)
      v.push_back(ck_code_name(ck_violation_at(ck_, i)->code));
    std::sort(v.begin(), v.end());
    std::string out;
    for (auto& c : v) out += (out.empty() ? "" : ",") + c;
    return out;
  }

  ck_checker* ck_;
  std::map<std::string, int> threads_, tasks_, isos_, handles_;
  std::map<std::string, std::string> handle_iso_;
  int step_ = 0, line_ = 0;
};

#endif
