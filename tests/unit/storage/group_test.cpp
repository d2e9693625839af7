// Consumer groups without a broker: the offsets file and partition leases.
#include <doctest/doctest.h>
#include <signal.h>

#include "klog/group.h"
#include "storage_test_util.h"

namespace klog {

using test::TempDir;

namespace {

GroupOffsets Offsets(std::initializer_list<std::tuple<const char*, int32_t, int64_t>> in) {
  GroupOffsets out;
  for (auto& [t, p, o] : in) out[{t, p}] = CommittedOffset{o, "m" + std::to_string(o), 0};
  return out;
}

// Runs `fn` in a child that reports its result through a pipe and then waits
// for a byte on `go` (or dies when the parent kills it).
struct Child {
  int ready[2], go[2];
  pid_t pid = -1;
  template <typename Fn>
  explicit Child(Fn fn) {
    REQUIRE(pipe(ready) == 0);
    REQUIRE(pipe(go) == 0);
    pid = test::Fork([&] {
      char c = fn() ? 'y' : 'n';
      if (write(ready[1], &c, 1) != 1) return false;
      if (read(go[0], &c, 1) != 1) return false;
      return true;
    });
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    REQUIRE(c == 'y');
  }
  int Finish() {
    CHECK(write(go[1], "x", 1) == 1);
    return test::Wait(pid);
  }
  int Kill() {
    ::kill(pid, SIGKILL);
    return test::Wait(pid);
  }
  ~Child() {
    for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
  }
};

}  // namespace

TEST_CASE("group names outside [a-zA-Z0-9._-] or . and .. are refused") {
  CHECK(ValidateGroupName("g-1.x_y").ok());
  CHECK_FALSE(ValidateGroupName("").ok());
  CHECK_FALSE(ValidateGroupName(".").ok());
  CHECK_FALSE(ValidateGroupName("..").ok());
  CHECK_FALSE(ValidateGroupName("../etc").ok());
  CHECK_FALSE(ValidateGroupName("a/b").ok());
  CHECK_FALSE(ValidateGroupName(std::string(250, 'g')).ok());
  CHECK(ValidateGroupName("a/b").message() == "group 'a/b': only [a-zA-Z0-9._-] are allowed");
  GroupStore store("/nonexistent");
  CHECK_FALSE(store.Commit("..", {}).ok());
}

TEST_CASE("committed offsets round trip and later commits merge per partition") {
  TempDir d;
  GroupStore store(d.path);
  auto none = store.ReadOffsets("g");
  REQUIRE(none.ok());
  CHECK(none->empty());
  REQUIRE(store.Commit("g", Offsets({{"t", 0, 10}, {"t", 1, 20}, {"u.v", 0, 5}})).ok());
  REQUIRE(store.Commit("g", Offsets({{"t", 1, 25}})).ok());
  auto got = store.ReadOffsets("g");
  REQUIRE(got.ok());
  REQUIRE(got->size() == 3);
  CHECK((*got)[{"t", 0}].offset == 10);
  CHECK((*got)[{"t", 1}].offset == 25);
  CHECK((*got)[{"t", 1}].metadata == "m25");
  CHECK((*got)[{"t", 1}].commit_ms > 1700000000000);
  CHECK((*got)[{"u.v", 0}].offset == 5);
  auto groups = store.ListGroups();
  REQUIRE(groups.ok());
  CHECK(*groups == std::vector<std::string>{"g"});
}

TEST_CASE("a torn offsets file is corruption naming the file, at every cut") {
  TempDir d;
  GroupStore store(d.path);
  REQUIRE(store.Commit("g", Offsets({{"t", 0, 10}, {"t", 1, 20}})).ok());
  std::string path = store.OffsetsPath("g");
  std::string full = test::Slurp(path);
  for (size_t cut = 0; cut + 1 < full.size(); ++cut) {
    test::Spit(path, full.substr(0, cut));
    auto got = store.ReadOffsets("g");
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().IsCorruption());
    CHECK(got.status().message().rfind(path + ": ", 0) == 0);
  }
  // A commit on top of a corrupt file fails rather than dropping what it held.
  CHECK_FALSE(store.Commit("g", Offsets({{"t", 0, 11}})).ok());
}

TEST_CASE("an edited offset with a stale checksum is detected") {
  TempDir d;
  GroupStore store(d.path);
  REQUIRE(store.Commit("g", Offsets({{"t", 0, 10}})).ok());
  std::string path = store.OffsetsPath("g");
  std::string text = test::Slurp(path);
  size_t at = text.find("\"offset\":10");
  REQUIRE(at != std::string::npos);
  text.replace(at, 11, "\"offset\":90");
  test::Spit(path, text);
  auto got = store.ReadOffsets("g");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().message() == path + ": checksum mismatch (torn or edited file)");
}

TEST_CASE("a commit replaces the file atomically: a reader's open file keeps the old text") {
  TempDir d;
  GroupStore store(d.path);
  REQUIRE(store.Commit("g", Offsets({{"t", 0, 1}})).ok());
  std::string path = store.OffsetsPath("g");
  std::string before = test::Slurp(path);
  std::ifstream old_reader(path, std::ios::binary);
  REQUIRE(store.Commit("g", Offsets({{"t", 0, 2}})).ok());
  std::string seen((std::istreambuf_iterator<char>(old_reader)), {});
  CHECK(seen == before);
  CHECK((*store.ReadOffsets("g"))[{"t", 0}].offset == 2);
  // No temporary file is left behind.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(store.GroupDir("g"))) {
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
    ++files;
  }
  CHECK(files == 2);  // offsets.json and commit.lock
}

TEST_CASE("concurrent committers from two processes lose no partition") {
  TempDir d;
  GroupStore store(d.path);
  pid_t a = test::Fork([&] {
    for (int i = 0; i < 50; ++i) {
      if (!GroupStore(d.path).Commit("g", Offsets({{"t", 0, i}})).ok()) return false;
    }
    return true;
  });
  for (int i = 0; i < 50; ++i) REQUIRE(store.Commit("g", Offsets({{"t", 1, i}})).ok());
  CHECK(test::Wait(a) == 0);
  auto got = store.ReadOffsets("g");
  REQUIRE(got.ok());
  CHECK((*got)[{"t", 0}].offset == 49);
  CHECK((*got)[{"t", 1}].offset == 49);
}

TEST_CASE("leases are exclusive across a fork and a killed holder frees them at once") {
  TempDir d;
  GroupStore store(d.path);
  Child holder([&] {
    auto m = GroupMember::Join(d.path, "g", "t", 4);
    if (!m.ok()) return false;
    auto got = (*m)->AcquireFree(2);
    bool ok = got.ok() && *got == std::vector<int32_t>{0, 1};
    (void)m->release();  // keep the leases for the life of the child
    return ok;
  });
  CHECK(*store.LeaseOwner("g", "t", 0) == holder.pid);
  CHECK(*store.LeaseOwner("g", "t", 2) == 0);
  CHECK(*store.LiveMembers("g") == std::vector<int>{holder.pid});
  auto me = GroupMember::Join(d.path, "g", "t", 4);
  REQUIRE(me.ok());
  CHECK(*(*me)->CountLive() == 2);
  CHECK(GroupMember::Share(4, 2) == 2);
  auto got = (*me)->AcquireFree(4);
  REQUIRE(got.ok());
  CHECK(*got == std::vector<int32_t>{2, 3});  // 0 and 1 are the child's
  CHECK(holder.Kill() == 128 + SIGKILL);
  got = (*me)->AcquireFree(4);
  REQUIRE(got.ok());
  CHECK(*got == std::vector<int32_t>{0, 1});
  // The dead member's file is stale: the next scan removes it.
  CHECK(*(*me)->CountLive() == 1);
  CHECK(*store.LiveMembers("g") == std::vector<int>{getpid()});
  CHECK(*store.LeaseOwner("g", "t", 0) == getpid());
}

TEST_CASE("a member above its share gives up its highest partitions") {
  TempDir d;
  auto m = GroupMember::Join(d.path, "g", "t", 6);
  REQUIRE(m.ok());
  REQUIRE((*m)->AcquireFree(GroupMember::Share(6, 1)).ok());
  CHECK((*m)->owned().size() == 6);
  CHECK(GroupMember::Share(6, 3) == 2);
  CHECK(GroupMember::Share(7, 3) == 3);
  std::vector<int32_t> extra = (*m)->Surplus(GroupMember::Share(6, 3));
  CHECK(extra == std::vector<int32_t>{5, 4, 3, 2});
  for (int32_t p : extra) (*m)->Release(p);
  CHECK(*GroupStore(d.path).LeaseOwner("g", "t", 5) == 0);
  CHECK(*GroupStore(d.path).LeaseOwner("g", "t", 1) == getpid());
}

TEST_CASE("a member without partitions may gain some only while one is free or over share") {
  TempDir d;
  Child holder([&] {
    auto m = GroupMember::Join(d.path, "g", "t", 4);
    if (!m.ok() || !(*m)->AcquireFree(4).ok()) return false;
    (void)m->release();  // keep the leases for the life of the child
    return true;
  });
  auto me = GroupMember::Join(d.path, "g", "t", 4);
  REQUIRE(me.ok());
  int32_t share = GroupMember::Share(4, *(*me)->CountLive());
  CHECK(share == 2);
  CHECK(*(*me)->MayGain(share));    // the child holds 4 > 2: it will give 2 up
  CHECK_FALSE(*(*me)->MayGain(4));  // within a share of 4 nothing comes
  CHECK(holder.Kill() == 128 + SIGKILL);
  CHECK(*(*me)->MayGain(4));  // its leases are free now
}

TEST_CASE("a group with a live member cannot be deleted; without one it can") {
  TempDir d;
  GroupStore store(d.path);
  REQUIRE(store.Commit("g", Offsets({{"t", 0, 1}})).ok());
  {
    auto m = GroupMember::Join(d.path, "g", "t", 1);
    REQUIRE(m.ok());
    Status st = store.DeleteGroup("g");
    CHECK(st.code() == Status::Code::kBusy);
    CHECK(store.Exists("g"));
  }
  CHECK(store.LiveMembers("g")->empty());
  REQUIRE(store.DeleteGroup("g").ok());
  CHECK_FALSE(store.Exists("g"));
  CHECK(store.DeleteGroup("g").IsNotFound());
  CHECK(store.ReadOffsets("g")->empty());
}

}  // namespace klog
