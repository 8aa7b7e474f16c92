// common_test.cc — the shared helpers: growable array and string, the hash map, the
// output-file writer (atomic replacement, FIFOs and devices in place, refusals).
#include <gtest/gtest.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "iso_err.h"
#include "outfile.h"
#include "strbuf.h"
#include "strmap.h"
#include "vec.h"
}
#include "test_util.h"

TEST(Vec, GrowsByDoublingAndZeroFillsNewElements) {
  int* v = nullptr;
  size_t cap = 0;
  for (size_t n = 0; n < 1000; n++) {
    ASSERT_EQ(0, vec_grow(&v, &cap, n + 1, sizeof *v));
    EXPECT_EQ(0, v[n]);
    v[n] = static_cast<int>(n);
  }
  EXPECT_GE(cap, 1000u);
  EXPECT_LT(cap, 2048u);
  EXPECT_EQ(999, v[999]);
  EXPECT_EQ(-1, vec_grow(&v, &cap, SIZE_MAX / 2, 16)) << "an overflowing size fails, it does not wrap";
  EXPECT_EQ(999, v[999]) << "and leaves the array as it was";
  free(v);
}

TEST(Strbuf, KeepsNulBytesAndFormats) {
  strbuf b = {};
  sb_add(&b, "a\0b", 3);
  sb_printf(&b, "-%d-", 42);
  sb_puts(&b, nullptr);
  EXPECT_EQ(7u, b.len);
  char* s = sb_take(&b);
  ASSERT_NE(nullptr, s);
  EXPECT_EQ(0, memcmp(s, "a\0b-42-", 7));
  free(s);
  strbuf empty = {};
  char* e = sb_take(&empty);
  ASSERT_NE(nullptr, e);
  EXPECT_STREQ("", e);
  free(e);
}

TEST(Strbuf, AFailedAppendFailsTheWholeBuffer) {
  strbuf b = {};
  sb_puts(&b, "x");
  b.failed = 1;  // as after an allocation failure
  EXPECT_EQ(-1, sb_puts(&b, "y"));
  EXPECT_EQ(nullptr, sb_take(&b));
}

TEST(Strmap, FindsEveryKeyOfAHundredThousand) {
  std::vector<std::string> keys;
  for (int i = 0; i < 100000; i++) keys.push_back("I" + std::to_string(i));
  strmap m = {};
  for (int i = 0; i < 100000; i++) ASSERT_EQ(0, strmap_put(&m, keys[i].data(), keys[i].size(), i));
  for (int i = 0; i < 100000; i += 7) {
    int v = -1;
    ASSERT_EQ(1, strmap_get(&m, keys[i].data(), keys[i].size(), &v));
    EXPECT_EQ(i, v);
  }
  int v;
  EXPECT_EQ(0, strmap_get(&m, "I100000", 7, &v));
  EXPECT_EQ(0, strmap_get(&m, "I1", 1, &v)) << "a prefix is another key";
  ASSERT_EQ(0, strmap_put(&m, keys[5].data(), keys[5].size(), -5));
  ASSERT_EQ(1, strmap_get(&m, keys[5].data(), keys[5].size(), &v));
  EXPECT_EQ(-5, v);
  EXPECT_EQ(100000u, m.n);
  strmap_free(&m);
}

namespace {
// The names in a folder, for "no temporary file is left".
std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  while (struct dirent* e = d ? readdir(d) : nullptr)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) out.push_back(e->d_name);
  if (d) closedir(d);
  return out;
}
}  // namespace

TEST(Outfile, ReplacesARegularFileAtomicallyAndLeavesNoTemporary) {
  std::string dir = testutil::Path("atomic");
  mkdir(dir.c_str(), 0755);
  std::string p = dir + "/out.json";
  testutil::WriteFile("atomic/out.json", "old");
  iso_err err;
  ASSERT_EQ(0, outfile_write(p.c_str(), "new text", 8, &err)) << err.msg;
  EXPECT_EQ("new text", testutil::ReadFile(p));
  EXPECT_EQ(std::vector<std::string>{"out.json"}, List(dir));
}

TEST(Outfile, WritesThroughASymlinkToItsTarget) {
  std::string target = testutil::WriteFile("target.txt", "old");
  std::string link = testutil::Path("link.txt");
  ASSERT_EQ(0, symlink(target.c_str(), link.c_str()));
  iso_err err;
  ASSERT_EQ(0, outfile_write(link.c_str(), "via link", 8, &err)) << err.msg;
  struct stat st;
  ASSERT_EQ(0, lstat(link.c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link stays a link";
  EXPECT_EQ("via link", testutil::ReadFile(target));
}

TEST(Outfile, WritesIntoAFifoInPlaceAndNeverReplacesIt) {
  std::string fifo = testutil::Path("out.fifo");
  ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
  std::string got;
  std::thread reader([&] { got = testutil::ReadFile(fifo); });
  iso_err err;
  EXPECT_EQ(0, outfile_write(fifo.c_str(), "through the pipe", 16, &err)) << err.msg;
  reader.join();
  EXPECT_EQ("through the pipe", got);
  struct stat st;
  ASSERT_EQ(0, stat(fifo.c_str(), &st));
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "still a FIFO";
}

TEST(Outfile, RefusesADirectoryAndNamesThePath) {
  iso_err err;
  EXPECT_EQ(-1, outfile_write(testutil::Dir().c_str(), "x", 1, &err));
  EXPECT_EQ(ISO_ERR_INPUT, err.kind);
  EXPECT_NE(nullptr, strstr(err.msg, "is a directory")) << err.msg;
  EXPECT_NE(nullptr, strstr(err.msg, testutil::Dir().c_str())) << err.msg;
}

TEST(Outfile, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  std::string dir = testutil::Path("fsize");
  mkdir(dir.c_str(), 0755);
  testutil::WriteFile("fsize/keep.json", "keep");
  std::string big(4096, 'x');
  pid_t pid = fork();  // a file size limit makes the write fail, even for root
  if (pid == 0) {
    struct rlimit lim = {100, 100};
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    iso_err err;
    int rc = outfile_write((dir + "/keep.json").c_str(), big.data(), big.size(), &err);
    _exit(rc == -1 && err.kind == ISO_ERR_IO && strstr(err.msg, "keep.json") ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the write must fail with an I/O error naming the file";
  EXPECT_EQ("keep", testutil::ReadFile(dir + "/keep.json"));
  EXPECT_EQ(std::vector<std::string>{"keep.json"}, List(dir)) << "no temporary file is left";
}

TEST(Outfile, AFullDeviceIsAnIoErrorNamingThePath) {
  iso_err err;
  EXPECT_EQ(-1, outfile_write("/dev/full", "x", 1, &err));
  EXPECT_EQ(ISO_ERR_IO, err.kind);
  EXPECT_NE(nullptr, strstr(err.msg, "/dev/full")) << err.msg;
}
