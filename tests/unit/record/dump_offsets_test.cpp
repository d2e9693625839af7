// klog-dump --verify of __consumer_offsets: every record of a data batch
// must decode as an offset commit (klog/offsets_record.h); one that does not
// is reported with file, batch position and offset. The same bytes in an
// ordinary topic are not checked.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "klog/dump.h"
#include "klog/offsets_record.h"
#include "klog/record.h"

namespace klog {
namespace {

using Records = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;

// A data directory with one partition directory named `partition_dir`.
struct PartitionDir {
  std::string root, path;
  explicit PartitionDir(const std::string& partition_dir) {
    char tmpl[] = "/tmp/klog-dump-offsets-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
    path = root + "/" + partition_dir;
    REQUIRE(std::system(("mkdir '" + path + "'").c_str()) == 0);
  }
  ~PartitionDir() { std::system(("rm -rf '" + root + "'").c_str()); }
  std::string Log() const { return path + "/00000000000000000000.log"; }

  // Appends one batch at offset `base`; returns its byte position.
  int64_t Append(int64_t base, const Records& recs) {
    BatchBuilder b;
    b.Reset(1700000000000);
    for (const auto& [k, v] : recs) {
      b.Add(k ? std::optional<std::string_view>(*k) : std::nullopt,
            v ? std::optional<std::string_view>(*v) : std::nullopt);
    }
    auto batch = b.Finish();
    REQUIRE(batch.ok());
    StampBatch(*batch, base);
    std::ofstream f(Log(), std::ios::binary | std::ios::app);
    int64_t pos = f.tellp();
    f.write(reinterpret_cast<const char*>(batch->data()), std::streamsize(batch->size()));
    REQUIRE(f.good());
    return pos;
  }
};

Status Verify(const std::string& path) {
  std::ostringstream out;
  DumpOptions o;
  o.verify = true;
  return Dump({path}, o, out, [](const std::string&) {});
}

Records Good(int32_t partition, int64_t offset) {
  return {
      {EncodeOffsetCommitKey("g", "t", partition), EncodeOffsetCommitValue({offset, -1, "", 1})}};
}

}  // namespace

TEST_CASE("verify passes commits, tombstones and group metadata records of __consumer_offsets") {
  PartitionDir d("__consumer_offsets-0");
  d.Append(0, Good(0, 10));
  d.Append(1, {{EncodeOffsetCommitKey("g", "t", 0), std::nullopt},
               {std::string("\x00\x02\x00\x01g", 5), std::string("anything")}});
  CHECK(Verify(d.path).ok());
  CHECK(Verify(d.Log()).ok());
}

TEST_CASE("verify reports a record of __consumer_offsets that does not decode") {
  PartitionDir d("__consumer_offsets-3");
  d.Append(0, Good(0, 10));
  int64_t pos =
      d.Append(1, {{EncodeOffsetCommitKey("g", "t", 1), EncodeOffsetCommitValue({5, -1, "", 1})},
                   {EncodeOffsetCommitKey("g", "t", 2), std::string("\x00\x03\x00", 3)}});
  d.Append(3, Good(0, 11));
  for (const std::string& path : {d.path, d.Log()}) {
    Status s = Verify(path);
    CHECK(s.IsCorruption());
    CHECK(s.message() == d.Log() + " pos " + std::to_string(pos) +
                             ": record at offset 2: offset commit value of group 'g': int64 "
                             "needs 8 bytes at byte 2, 1 left");
  }
  SUBCASE("a null key") {
    PartitionDir n("__consumer_offsets-0");
    n.Append(0, {{std::nullopt, std::string("v")}});
    CHECK(Verify(n.path).message().find("record at offset 0: offset commit key") !=
          std::string::npos);
  }
}

TEST_CASE("records of an ordinary topic are not decoded as offset commits") {
  PartitionDir d("orders-0");
  d.Append(0, {{std::nullopt, std::string("\x00\x03\x00", 3)}});
  CHECK(Verify(d.path).ok());
  PartitionDir like("__consumer_offsets_copy-0");
  like.Append(0, {{std::nullopt, std::string("x")}});
  CHECK(Verify(like.path).ok());
}

TEST_CASE("a relative path into __consumer_offsets is checked too") {
  PartitionDir d("__consumer_offsets-1");
  d.Append(0, {{std::nullopt, std::string("x")}});
  char cwd[4096];
  REQUIRE(getcwd(cwd, sizeof cwd) != nullptr);
  REQUIRE(chdir(d.path.c_str()) == 0);
  Status s = Verify("00000000000000000000.log");
  REQUIRE(chdir(cwd) == 0);
  CHECK(s.IsCorruption());
}

}  // namespace klog
