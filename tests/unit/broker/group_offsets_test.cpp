// The group -> partition mapping (Java String.hashCode), rebuilding the
// offset map from __consumer_offsets records (tombstones included; the byte
// layouts are tested in tests/unit/record/offsets_record_test.cpp), and
// loading a damaged topic: records that do not decode, batches that fail
// their CRC, torn tails and garbage never stop the load, are counted in the
// metrics, and the good records around them still load.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "broker/broker.h"
#include "broker/config.h"
#include "broker/diagnostics.h"
#include "broker/groups/coordinator.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/topic.h"

using klog::EncodeOffsetCommitKey;
using klog::EncodeOffsetCommitValue;
using klog::broker::groups::ApplyOffsetRecord;
using klog::broker::groups::CommittedOffset;
using klog::broker::groups::Group;
using klog::broker::groups::GroupCoordinator;
using klog::broker::groups::JavaStringHash;

TEST_CASE("Java String.hashCode over UTF-16 units, including surrogate pairs") {
  CHECK(JavaStringHash("") == 0);
  CHECK(JavaStringHash("hello") == 99162322);
  CHECK(JavaStringHash("\xc3\xa9") == 233);  // U+00E9 is one unit
  // U+1F600 is the surrogate pair D83D DE00.
  CHECK(JavaStringHash("\xf0\x9f\x98\x80") == 0xD83D * 31 + 0xDE00);
  // A stray continuation byte decodes to U+FFFD, as Java's decoder does.
  CHECK(JavaStringHash("\x80") == 0xFFFD);
}

TEST_CASE("group partition is Kafka's abs(hashCode) % count, with abs(MIN_VALUE) = 0") {
  CHECK(JavaStringHash("polygenelubricants") == INT32_MIN);
  CHECK(GroupCoordinator::PartitionFor("polygenelubricants", 50) == 0);
  CHECK(GroupCoordinator::PartitionFor("hello", 50) == 99162322 % 50);
  int32_t h = JavaStringHash("my-group");
  int32_t abs = h < 0 ? -h : h;
  CHECK(GroupCoordinator::PartitionFor("my-group", 7) == abs % 7);
  for (const char* g : {"a", "consumer-1", "\xce\xb1\xce\xb2"}) {
    int32_t p = GroupCoordinator::PartitionFor(g, 50);
    CHECK(p >= 0);
    CHECK(p < 50);
  }
}

TEST_CASE("decoded records rebuild offsets; a tombstone deletes; other kinds are ignored") {
  std::map<std::string, Group> groups;
  auto apply = [&groups](const std::string& key, std::optional<std::string> value) {
    klog::OffsetsRecord r;
    REQUIRE(klog::DecodeOffsetsRecord(key, value, &r).ok());
    ApplyOffsetRecord(r, &groups);
  };
  apply(EncodeOffsetCommitKey("g", "t", 0), EncodeOffsetCommitValue({42, 3, "x", 5}));
  apply(EncodeOffsetCommitKey("g", "t", 1), EncodeOffsetCommitValue({7, -1, "", 9}));
  REQUIRE(groups.count("g"));
  const CommittedOffset& got = groups["g"].offsets.at({"t", 0});
  CHECK(got.offset == 42);
  CHECK(got.leader_epoch == 3);
  CHECK(got.metadata == "x");
  CHECK(got.commit_timestamp == 5);

  apply(EncodeOffsetCommitKey("g", "t", 0), std::nullopt);
  CHECK(groups["g"].offsets.count({"t", 0}) == 0);
  CHECK(groups["g"].offsets.count({"t", 1}) == 1);

  apply(std::string("\x00\x02\x00\x01g", 5), std::string("junk"));  // group metadata
  CHECK(groups.size() == 1);
  CHECK(groups["g"].offsets.size() == 1);
}

TEST_CASE("offsets.topic.num.partitions is a config key with Kafka's default") {
  klog::broker::BrokerConfig c;
  CHECK(c.offsets_topic_partitions == 50);
  CHECK(klog::broker::ApplyConfigSetting("offsets.topic.num.partitions", "3", &c).ok());
  CHECK(c.offsets_topic_partitions == 3);
  CHECK(!klog::broker::ApplyConfigSetting("offsets.topic.num.partitions", "0", &c).ok());
}

namespace {

// A Diagnostics whose lines are discarded (the tests look at offsets, not
// at the broker's event lines).
klog::broker::Diagnostics Quiet() {
  return klog::broker::Diagnostics("klog-serve", klog::broker::LogLevel::kDebug,
                                   [](std::string_view) {});
}

using Records = std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>;

// Appends one batch of (key, value) records to partition `p` of the offsets
// topic in `dir`, with `opts` (a small segment_bytes rolls first).
void WriteOffsetRecords(const std::string& dir, int32_t p, const Records& recs,
                        const klog::LogOptions& opts = {}) {
  klog::DataDir data(dir);
  auto w = klog::LogWriter::Open(data.PartitionPath(klog::broker::groups::kOffsetsTopic, p), opts);
  REQUIRE(w.ok());
  klog::BatchBuilder b;
  b.Reset(1700000000000);
  for (const auto& [k, v] : recs) {
    b.Add(k ? std::optional<std::string_view>(*k) : std::nullopt,
          v ? std::optional<std::string_view>(*v) : std::nullopt);
  }
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  REQUIRE((*w)->Append(*batch).ok());
  REQUIRE((*w)->Close().ok());
}

}  // namespace

TEST_CASE("offsets reload from __consumer_offsets; a fully deleted group does not come back") {
  char tmpl[] = "/tmp/klog-group-load-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  klog::broker::BrokerConfig config;
  config.data_dir = dir;
  {
    klog::broker::Diagnostics diagnostics = Quiet();
    klog::broker::Broker broker(config, diagnostics);
    broker.groups().LoadOffsets();  // no topic yet: nothing to load
    CHECK(broker.groups().groups().empty());
  }
  klog::DataDir data(dir);
  REQUIRE(data.CreateTopic(klog::broker::groups::kOffsetsTopic, 3).ok());
  WriteOffsetRecords(
      dir, 1,
      {{EncodeOffsetCommitKey("kept", "t", 0), EncodeOffsetCommitValue({10, -1, "", 1})},
       {EncodeOffsetCommitKey("gone", "t", 0), EncodeOffsetCommitValue({20, -1, "", 1})}});
  WriteOffsetRecords(
      dir, 1,
      {{EncodeOffsetCommitKey("kept", "t", 0), EncodeOffsetCommitValue({11, -1, "", 2})},
       {EncodeOffsetCommitKey("gone", "t", 0), std::nullopt}});
  WriteOffsetRecords(
      dir, 2, {{EncodeOffsetCommitKey("other", "u", 3), EncodeOffsetCommitValue({7, -1, "", 1})}});
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(config, diagnostics);
  broker.groups().LoadOffsets();
  const auto& groups = broker.groups().groups();
  CHECK(groups.size() == 2);
  CHECK(groups.count("gone") == 0);
  REQUIRE(groups.count("kept") == 1);
  CHECK(groups.at("kept").offsets.at({"t", 0}).offset == 11);  // the last record wins
  CHECK(groups.at("other").offsets.at({"u", 3}).offset == 7);
  klog::proto::OffsetFetchRequest req;
  req.group_id = "kept";
  auto resp = broker.groups().FetchOffsets(req);  // null topics: all of the group's
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].partitions[0].committed_offset == 11);
  std::filesystem::remove_all(dir);
}

namespace {

// A data directory with a one-partition __consumer_offsets, removed at the end.
struct OffsetsDir {
  OffsetsDir() {
    char tmpl[] = "/tmp/klog-group-damage-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
    config.data_dir = path;
    REQUIRE(klog::DataDir(path).CreateTopic(klog::broker::groups::kOffsetsTopic, 1).ok());
  }
  ~OffsetsDir() { std::filesystem::remove_all(path); }
  std::string Partition() const {
    return klog::DataDir(path).PartitionPath("__consumer_offsets", 0);
  }
  std::string Segment(int64_t base) const {
    return Partition() + "/" + klog::OffsetFileStem(base) + ".log";
  }
  // Writes one batch; returns its byte position in segment `base`.
  int64_t Write(const Records& recs, int64_t base = 0, const klog::LogOptions& opts = {}) {
    std::error_code ec;
    auto before = std::filesystem::file_size(Segment(base), ec);
    WriteOffsetRecords(path, 0, recs, opts);
    return ec ? 0 : int64_t(before);
  }

  std::string path;
  klog::broker::BrokerConfig config;
};

Records Commit(const std::string& group, int32_t partition, int64_t offset) {
  return {
      {EncodeOffsetCommitKey(group, "t", partition), EncodeOffsetCommitValue({offset, -1, "", 1})}};
}

// Flips one byte at `pos` of `file`.
void FlipByte(const std::string& file, int64_t pos) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(pos);
  char c = 0;
  f.get(c);
  f.seekp(pos);
  f.put(char(c ^ 0x5a));
}

void AppendBytes(const std::string& file, const std::string& bytes) {
  std::ofstream f(file, std::ios::app | std::ios::binary);
  f << bytes;
}

// The value of an unlabelled sample in the broker's metrics.
std::string Metric(klog::broker::Broker& broker, const std::string& name) {
  std::string text;
  broker.metrics().Render({}, &text);
  size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return "missing";
  at += name.size() + 2;
  return text.substr(at, text.find('\n', at) - at);
}

int64_t OffsetOf(klog::broker::Broker& broker, const std::string& group, int32_t partition) {
  const auto& groups = broker.groups().groups();
  auto g = groups.find(group);
  if (g == groups.end()) return -100;
  auto it = g->second.offsets.find({"t", partition});
  return it == g->second.offsets.end() ? -100 : it->second.offset;
}

}  // namespace

TEST_CASE("records that do not decode are skipped and counted; the rest of their batch loads") {
  OffsetsDir d;
  d.Write(Commit("g", 0, 10));
  d.Write({{EncodeOffsetCommitKey("g", "t", 1), EncodeOffsetCommitValue({5, -1, "", 1})},
           {EncodeOffsetCommitKey("g", "t", 2), std::string("\x00\x03\x00", 3)},  // short value
           {std::nullopt, std::string("keyless")},                                // no key
           {std::string("\x7f\x7f", 2), std::string("v")},                        // bad version
           {EncodeOffsetCommitKey("g", "t", 3), EncodeOffsetCommitValue({8, -1, "", 1})}});
  d.Write(Commit("g", 0, 11));
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(OffsetOf(broker, "g", 0) == 11);
  CHECK(OffsetOf(broker, "g", 1) == 5);
  CHECK(OffsetOf(broker, "g", 2) == -100);
  CHECK(OffsetOf(broker, "g", 3) == 8);
  CHECK(Metric(broker, "klog_offset_records_skipped_total") == "3");
  CHECK(Metric(broker, "klog_offset_bytes_dropped_total") == "0");
}

TEST_CASE("a torn tail of the active segment is dropped and counted in bytes") {
  OffsetsDir d;
  d.Write(Commit("g", 0, 10));
  d.Write(Commit("g", 1, 20));
  AppendBytes(d.Segment(0), std::string(30, '\x01'));
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(OffsetOf(broker, "g", 0) == 10);
  CHECK(OffsetOf(broker, "g", 1) == 20);
  CHECK(Metric(broker, "klog_offset_records_skipped_total") == "0");
  CHECK(Metric(broker, "klog_offset_bytes_dropped_total") == "30");
}

TEST_CASE("a batch failing its CRC in a sealed segment is dropped; the batches after it load") {
  OffsetsDir d;
  d.Write(Commit("g", 0, 10));
  int64_t bad = d.Write(Commit("g", 1, 20));
  int64_t after = d.Write(Commit("g", 2, 30));
  klog::LogOptions roll;
  roll.segment_bytes = 1;  // the next append rolls to a new segment
  d.Write(Commit("g", 3, 40), 0, roll);
  REQUIRE(std::filesystem::exists(d.Segment(3)));
  FlipByte(d.Segment(0), after - 3);  // inside the second batch's records
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(OffsetOf(broker, "g", 0) == 10);
  CHECK(OffsetOf(broker, "g", 1) == -100);
  CHECK(OffsetOf(broker, "g", 2) == 30);
  CHECK(OffsetOf(broker, "g", 3) == 40);
  CHECK(Metric(broker, "klog_offset_bytes_dropped_total") == std::to_string(after - bad));
}

TEST_CASE("damage in the active segment drops the rest of it, as recovery will") {
  OffsetsDir d;
  d.Write(Commit("g", 0, 10));
  int64_t bad = d.Write(Commit("g", 1, 20));
  d.Write(Commit("g", 2, 30));
  int64_t size = int64_t(std::filesystem::file_size(d.Segment(0)));
  SUBCASE("a CRC mismatch") { FlipByte(d.Segment(0), bad + 70); }
  SUBCASE("a batch that cannot be framed (bad magic)") { FlipByte(d.Segment(0), bad + 16); }
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(OffsetOf(broker, "g", 0) == 10);
  CHECK(OffsetOf(broker, "g", 1) == -100);
  CHECK(OffsetOf(broker, "g", 2) == -100);
  CHECK(Metric(broker, "klog_offset_bytes_dropped_total") == std::to_string(size - bad));
}

TEST_CASE("records below the log start offset are not loaded") {
  OffsetsDir d;
  d.Write(Commit("old", 0, 1));
  d.Write(Commit("new", 0, 2));
  {
    auto w = klog::LogWriter::Open(d.Partition(), {});
    REQUIRE(w.ok());
    klog::RetentionResult r;
    REQUIRE((*w)->TruncateBefore(1, &r).ok());
    REQUIRE((*w)->Close().ok());
  }
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(OffsetOf(broker, "old", 0) == -100);
  CHECK(OffsetOf(broker, "new", 0) == 2);
}

TEST_CASE("unreadable topic metadata loads nothing and does not stop the broker") {
  OffsetsDir d;
  d.Write(Commit("g", 0, 10));
  AppendBytes(d.path + "/__consumer_offsets.topic.json", "garbage");
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(broker.groups().groups().empty());
}

TEST_CASE("many records that do not decode are all counted (warnings are capped)") {
  OffsetsDir d;
  Records recs;
  for (int i = 0; i < 25; ++i) recs.push_back({EncodeOffsetCommitKey("g", "t", i), "\x00"});
  recs.push_back({EncodeOffsetCommitKey("g", "t", 99), EncodeOffsetCommitValue({7, -1, "", 1})});
  d.Write(recs);
  klog::broker::Diagnostics diagnostics = Quiet();
  klog::broker::Broker broker(d.config, diagnostics);
  broker.groups().LoadOffsets();
  CHECK(OffsetOf(broker, "g", 99) == 7);
  CHECK(broker.groups().groups().at("g").offsets.size() == 1);
  CHECK(Metric(broker, "klog_offset_records_skipped_total") == "25");
}
