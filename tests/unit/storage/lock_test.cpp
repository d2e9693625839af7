// The writer lock: one writer per partition, across processes.
#include <doctest/doctest.h>

#include "storage_test_util.h"

namespace klog {

using test::TempDir;

TEST_CASE("a second writer in the same process gets Busy naming the pid and owner") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.owner = "klog-append";
  auto w1 = LogWriter::Open(dir, o);
  REQUIRE(w1.ok());
  CHECK(test::Slurp(dir + "/klog.lock") == "pid " + std::to_string(getpid()) + " klog-append\n");
  auto w2 = LogWriter::Open(dir, o);
  REQUIRE_FALSE(w2.ok());
  CHECK(w2.status().code() == Status::Code::kBusy);
  CHECK(w2.status().message() ==
        "partition " + dir + " is locked by pid " + std::to_string(getpid()) + " (klog-append)");
  REQUIRE((*w1)->Close().ok());
  auto w3 = LogWriter::Open(dir, o);
  CHECK(w3.ok());
}

TEST_CASE("a writer lock held by another process is refused until that process dies") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  int ready[2], go[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(go) == 0);
  pid_t child = test::Fork([&] {
    LogOptions o = test::Quiet();
    o.owner = "klog-append";
    auto w = LogWriter::Open(dir, o);
    char c = w.ok() ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) return false;
    if (read(go[0], &c, 1) != 1) return false;
    _exit(0);  // dies holding the lock: the kernel releases it
  });
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == Status::Code::kBusy);
  CHECK(w.status().message() ==
        "partition " + dir + " is locked by pid " + std::to_string(child) + " (klog-append)");
  REQUIRE(write(go[1], "x", 1) == 1);
  CHECK(test::Wait(child) == 0);
  auto w2 = LogWriter::Open(dir, test::Quiet());
  CHECK(w2.ok());
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
}

}  // namespace klog
