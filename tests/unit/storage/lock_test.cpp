// The writer lock: one writer per partition, and the data directory's lock:
// one server per directory and no local writer beside it, across processes.
#include <doctest/doctest.h>

#include <filesystem>

#include "klog/topic.h"
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

// The data directory's lock: klog-serve exclusive, local writers shared.

TEST_CASE("a served data directory refuses local writers and a second server, naming the pid") {
  TempDir d;
  std::string data = d.Sub("data");
  auto served = DataDir::OpenExclusive(data, "klog-serve");
  REQUIRE(served.ok());
  std::string pid = std::to_string(getpid());
  CHECK(test::Slurp(data + "/klog.lock") == "pid " + pid + " klog-serve\n");
  std::string msg = "data directory " + data + " is served by pid " + pid + " (klog-serve)";

  auto second = DataDir::OpenExclusive(data, "klog-serve");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Status::Code::kBusy);
  CHECK(second.status().message() == msg);

  // Local writers: every partition (touched or not), and topic changes.
  DataDir local(data);
  Status st = local.CreateTopic("t", 2);
  CHECK(st.code() == Status::Code::kBusy);
  CHECK(st.message() == msg);
  CHECK_FALSE(std::filesystem::exists(data + "/t.topic.json"));
  auto w = LogWriter::Open(local.PartitionPath("t", 1), test::Quiet());
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().message() == msg);
  CHECK_FALSE(std::filesystem::exists(local.PartitionPath("t", 1)));
  DataDirLock shared;
  CHECK(DataDirLock::AcquireShared(data, &shared).message() == msg);
  CHECK_FALSE(shared.held());

  // The server itself: its DataDir and writers opened with data_dir_locked.
  REQUIRE(served->CreateTopic("t", 2).ok());
  LogOptions o = test::Quiet();
  o.data_dir_locked = served->exclusive();
  auto sw = LogWriter::Open(served->PartitionPath("t", 1), o);
  REQUIRE(sw.ok());
  REQUIRE((*sw)->Close().ok());
  CHECK(local.DeleteTopic("t").code() == Status::Code::kBusy);
  REQUIRE(served->DeleteTopic("t").ok());

  // Released with the last copy of the server's DataDir; the file is emptied.
  DataDir copy = *served;
  served = Status::NotFound("gone");
  CHECK(local.CreateTopic("u", 1).code() == Status::Code::kBusy);
  copy = DataDir(data);
  CHECK(test::Slurp(data + "/klog.lock").empty());
  CHECK(local.CreateTopic("u", 1).ok());
}

TEST_CASE("local writers share the directory; a server is refused while one writes, naming it") {
  TempDir d;
  std::string data = d.Sub("data");
  int ready[2], go[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(go) == 0);
  pid_t child = test::Fork([&] {
    LogOptions o = test::Quiet();
    o.owner = "klog-append";
    auto w = LogWriter::Open(data + "/t-0", o);
    char c = w.ok() ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) return false;
    if (read(go[0], &c, 1) != 1) return false;
    _exit(0);  // dies holding its shared lock: the kernel releases it
  });
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  // Another local writer (another partition) runs beside it.
  auto w = LogWriter::Open(data + "/t-1", test::Quiet());
  REQUIRE(w.ok());
  REQUIRE((*w)->Close().ok());
  auto served = DataDir::OpenExclusive(data, "klog-serve");
  REQUIRE_FALSE(served.ok());
  CHECK(served.status().code() == Status::Code::kBusy);
  // The name comes from /proc/<pid>/comm: a forked test keeps the test's name.
  CHECK(served.status().message().rfind(
            "data directory " + data + " is being written by pid " + std::to_string(child), 0) ==
        0);
  REQUIRE(write(go[1], "x", 1) == 1);
  CHECK(test::Wait(child) == 0);
  served = DataDir::OpenExclusive(data, "klog-serve");
  CHECK(served.ok());
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
}

TEST_CASE("the data directory of a partition directory") {
  CHECK(DataDirOf("a/b/orders-3") == "a/b");
  CHECK(DataDirOf("a/b/orders-3/") == "a/b");
  CHECK(DataDirOf("orders-3") == ".");
  CHECK(DataDirOf("/orders-3") == "/");
}

}  // namespace klog
