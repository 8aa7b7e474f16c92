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
    std::string thread = who, task;
    size_t slash = who.find('/');
    if (slash != std::string::npos) {
      thread = who.substr(0, slash);
      task = who.substr(slash + 1);
    }
    int id = CK_NONE;
    if (!iso.empty()) id = (op == CK_NEW) ? fresh(iso) : isos_.at(iso);
    ck_event ev = {op, thread_id(thread), task.empty() ? -1 : task_id(task), id, ++step_};
    size_t first = ck_violation_count(ck_);
    ck_feed(ck_, &ev);
    return codes(first);
  }
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
  std::map<std::string, int> threads_, tasks_, isos_;
  int step_ = 0;
};

#endif
