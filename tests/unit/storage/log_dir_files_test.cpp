// The log-dir files Kafka keeps (klog/log_dir_files.h): files in Kafka's
// exact format read back, written files read by the same rules, malformed
// files refused with the file and line named.
#include <doctest/doctest.h>

#include <filesystem>

#include "klog/log_dir_files.h"
#include "storage_test_util.h"

namespace klog {
namespace {

using test::TempDir;

void CheckRefused(const std::string& path, const std::string& text, const std::string& what) {
  INFO(text);
  test::Spit(path, text);
  auto r = ReadOffsetCheckpoint(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsCorruption());
  CHECK_MESSAGE(r.status().message().find(path + " line ") == 0, r.status().message());
  CHECK_MESSAGE(r.status().message().find(what) != std::string::npos, r.status().message());
}

TEST_CASE("an offset checkpoint as Kafka writes it reads back") {
  TempDir d;
  std::string path = d.Sub(std::string(kReplicationOffsetCheckpointName));
  // CheckpointFile.write: version, count, then "topic partition offset".
  test::Spit(path, "0\n3\norders 0 17063\norders 1 42\n__consumer_offsets 49 0\n");
  auto r = ReadOffsetCheckpoint(path);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(*r == std::vector<PartitionOffset>{
                  {"orders", 0, 17063}, {"orders", 1, 42}, {"__consumer_offsets", 49, 0}});
  test::Spit(path, "0\n0\n");
  r = ReadOffsetCheckpoint(path);
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("a written offset checkpoint is Kafka's format byte for byte") {
  TempDir d;
  std::string path = d.Sub(std::string(kLogStartOffsetCheckpointName));
  std::vector<PartitionOffset> entries{{"a.b-c_d", 3, 9000000000}, {"x", 0, 0}};
  REQUIRE(WriteOffsetCheckpoint(path, entries).ok());
  CHECK(test::Slurp(path) == "0\n2\na.b-c_d 3 9000000000\nx 0 0\n");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  auto r = ReadOffsetCheckpoint(path);
  REQUIRE(r.ok());
  CHECK(*r == entries);
  CHECK(WriteOffsetCheckpoint(path, {{"bad topic", 0, 1}}).code() ==
        Status::Code::kInvalidArgument);
  CHECK(test::Slurp(path) == "0\n2\na.b-c_d 3 9000000000\nx 0 0\n");
}

TEST_CASE("malformed offset checkpoints are refused naming file and line") {
  TempDir d;
  std::string path = d.Sub(std::string(kRecoveryPointCheckpointName));
  CheckRefused(path, "", "line 1: missing version");
  CheckRefused(path, "1\n0\n", "line 1: unknown version 1");
  CheckRefused(path, "x\n0\n", "line 1: \"x\" is not a number");
  CheckRefused(path, "0\n", "line 2: missing entry count");
  CheckRefused(path, "0\n2\nt 0 1\n", "line 2: count says 2 entries, the file has 1");
  CheckRefused(path, "0\n1\nt 0 1\nt 1 1\n", "line 2: count says 1 entries, the file has 2");
  CheckRefused(path, "0\n1\nt 0\n", "line 3: expected 3 fields");
  CheckRefused(path, "0\n1\nt  0 1\n", "line 3: expected 3 fields");
  CheckRefused(path, "0\n2\nt 0 1\nt -1 1\n", "line 4: \"-1\" is not a number");
  CheckRefused(path, "0\n1\nt 0 12x\n", "line 3: \"12x\" is not a number");
  CheckRefused(path, "0\n1\nt/x 0 1\n", "line 3: ");
  CHECK(ReadOffsetCheckpoint(d.Sub("absent")).status().IsNotFound());
}

TEST_CASE("meta.properties as Kafka writes it reads back, both versions") {
  TempDir d;
  std::string path = d.Sub(std::string(kMetaPropertiesName));
  test::Spit(path,
             "#\n#Tue Mar 05 10:00:00 UTC 2024\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n"
             "directory.id=J8aAPcfLQt2bqs1JT_rMgQ\nnode.id=1\nversion=1\n");
  auto m = ReadMetaProperties(path);
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  CHECK(m->version == 1);
  CHECK(m->cluster_id == "MkU3OEVBNTcwNTJENDM2Qk");
  CHECK(m->node_id == 1);
  CHECK(m->directory_id == "J8aAPcfLQt2bqs1JT_rMgQ");
  test::Spit(path, "#\n#date\nversion=0\nbroker.id=7\ncluster.id=abc\nextra.key = v\n");
  m = ReadMetaProperties(path);
  REQUIRE(m.ok());
  CHECK(m->version == 0);
  CHECK(m->node_id == 7);
  CHECK(m->other == std::vector<std::pair<std::string, std::string>>{{"extra.key", "v"}});
  REQUIRE(WriteMetaProperties(path, *m).ok());
  auto again = ReadMetaProperties(path);
  REQUIRE(again.ok());
  CHECK(again->node_id == 7);
  CHECK(again->cluster_id == "abc");
  CHECK(again->other == m->other);
}

TEST_CASE("malformed meta.properties is refused naming the file and the line or key") {
  TempDir d;
  std::string path = d.Sub(std::string(kMetaPropertiesName));
  struct Bad {
    const char* text;
    const char* what;
  };
  for (Bad b : {Bad{"version=1\nnode.id=1\ngarbage\n", "line 3: not a key=value line"},
                Bad{"node.id=1\ncluster.id=x\n", ": no version"},
                Bad{"version=2\nnode.id=1\ncluster.id=x\n", "unknown version \"2\""},
                Bad{"version=1\ncluster.id=x\n", ": no node.id"},
                Bad{"version=1\nnode.id=-3\ncluster.id=x\n", "node.id \"-3\" is not a number"},
                Bad{"version=1\nnode.id=1\n", ": no cluster.id"}}) {
    INFO(b.text);
    test::Spit(path, b.text);
    auto m = ReadMetaProperties(path);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().IsCorruption());
    CHECK(m.status().message().find(path) == 0);
    CHECK_MESSAGE(m.status().message().find(b.what) != std::string::npos, m.status().message());
  }
}

}  // namespace
}  // namespace klog
