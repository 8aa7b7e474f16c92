// test_util.h — what the GoogleTest programs share: a private temporary folder per test
// process (never a fixed name under /tmp, so two ctest runs at once do not collide), and
// running the isoreplay CLI.
#ifndef ISOREPLAY_TEST_UTIL_H
#define ISOREPLAY_TEST_UTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace testutil {

inline int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) { return remove(path); }

// This process's own folder (created on first use, removed at exit).
inline const std::string& Dir() {
  static std::string dir = [] {
    const char* base = getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/isoreplay-test-XXXXXX";
    char* d = mkdtemp(&templ[0]);
    if (!d) abort();
    atexit([] { nftw(Dir().c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS); });
    return std::string(d);
  }();
  return dir;
}

// A path in this process's folder.
inline std::string Path(const std::string& name) { return Dir() + "/" + name; }

// Writes text to a file of this process's folder; returns its path.
inline std::string WriteFile(const std::string& name, const std::string& text) {
  std::string p = Path(name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Cli {
  int status;  // the exit status, or 128 + the signal that killed it
  std::string out;
};

// Runs `isoreplay ARGS` through the shell (ARGS already quoted), stdout and stderr merged.
inline Cli RunCli(const std::string& args, const std::string& env = "") {
  std::string cmd = env + " " + ISOREPLAY_CLI + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  Cli r{-1, ""};
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// Starts `isoreplay ARGS...` in the background, its output to out_file; returns its pid.
inline pid_t Spawn(const std::vector<std::string>& args, const std::string& out_file) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv{const_cast<char*>(ISOREPLAY_CLI)};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(ISOREPLAY_CLI, argv.data());
    _exit(127);
  }
  return pid;
}

// The children of pid (from /proc), waiting up to ms for one to appear.
inline std::vector<pid_t> Children(pid_t pid, int ms = 5000) {
  std::vector<pid_t> out;
  for (int waited = 0; waited <= ms && out.empty(); waited += 10) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    for (pid_t c; in >> c;) out.push_back(c);
    if (out.empty()) usleep(10000);
  }
  return out;
}

// 1 when pid is gone (or a zombie nobody reaps) within ms.
inline bool Gone(pid_t pid, int ms = 5000) {
  for (int waited = 0; waited <= ms; waited += 10) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') return true;
    usleep(10000);
  }
  return false;
}

// Waits for pid; its exit status, or 128 + the signal that killed it.
inline int Reap(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace testutil

#endif
