// __consumer_offsets records (Kafka's OffsetCommitKey v1 / OffsetCommitValue
// v3 byte layouts), the group -> partition mapping (Java String.hashCode),
// and rebuilding the offset map from records, tombstones included.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "broker/broker.h"
#include "broker/config.h"
#include "broker/group_coordinator.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/topic.h"

using klog::broker::ApplyOffsetRecord;
using klog::broker::CommittedOffset;
using klog::broker::EncodeOffsetKey;
using klog::broker::EncodeOffsetValue;
using klog::broker::Group;
using klog::broker::GroupCoordinator;
using klog::broker::JavaStringHash;

namespace {

std::string Hex(const std::string& s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

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

TEST_CASE("offset key and value have Kafka's byte layout") {
  // key: version 1, group "g", topic "t", partition 2
  CHECK(Hex(EncodeOffsetKey("g", "t", 2)) ==
        "0001"
        "000167"
        "000174"
        "00000002");
  CommittedOffset c{0x1234, -1, "md", 1700000000000};
  // value: version 3, offset, leader epoch -1, metadata "md", commit timestamp
  CHECK(Hex(EncodeOffsetValue(c)) ==
        "0003"
        "0000000000001234"
        "ffffffff"
        "00026d64"
        "0000018bcfe56800");
}

TEST_CASE("records rebuild offsets; a tombstone deletes; older value versions load") {
  std::map<std::string, Group> groups;
  CommittedOffset c{42, 3, "x", 5};
  REQUIRE(ApplyOffsetRecord(EncodeOffsetKey("g", "t", 0), EncodeOffsetValue(c), &groups).ok());
  REQUIRE(groups.count("g"));
  const CommittedOffset& got = groups["g"].offsets.at({"t", 0});
  CHECK(got.offset == 42);
  CHECK(got.leader_epoch == 3);
  CHECK(got.metadata == "x");
  CHECK(got.commit_timestamp == 5);

  // Version 1 value (offset, metadata, commit and expire timestamps), as older
  // Kafka brokers wrote it.
  std::string v1(
      "\x00\x01"
      "\x00\x00\x00\x00\x00\x00\x00\x07"
      "\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x09"
      "\x00\x00\x00\x00\x00\x00\x00\x0a",
      28);
  REQUIRE(ApplyOffsetRecord(EncodeOffsetKey("g", "t", 1), v1, &groups).ok());
  CHECK(groups["g"].offsets.at({"t", 1}).offset == 7);
  CHECK(groups["g"].offsets.at({"t", 1}).commit_timestamp == 9);

  REQUIRE(ApplyOffsetRecord(EncodeOffsetKey("g", "t", 0), std::nullopt, &groups).ok());
  CHECK(groups["g"].offsets.count({"t", 0}) == 0);
  CHECK(groups["g"].offsets.count({"t", 1}) == 1);

  // Group metadata records (key version 2) are skipped.
  std::string meta_key("\x00\x02\x00\x01g", 5);
  CHECK(ApplyOffsetRecord(meta_key, std::string("junk"), &groups).ok());
}

TEST_CASE("a truncated or unknown-version offset record is an error, not a crash") {
  std::map<std::string, Group> groups;
  std::string key = EncodeOffsetKey("g", "t", 0);
  std::string value = EncodeOffsetValue({1, -1, "", 2});
  for (size_t n = 0; n < key.size(); ++n) {
    CHECK(!ApplyOffsetRecord(key.substr(0, n), value, &groups).ok());
  }
  for (size_t n = 0; n < value.size(); ++n) {
    CHECK(!ApplyOffsetRecord(key, value.substr(0, n), &groups).ok());
  }
  std::string v9 = value;
  v9[1] = 9;
  CHECK(!ApplyOffsetRecord(key, v9, &groups).ok());
  CHECK(groups.empty());
}

TEST_CASE("offsets.topic.num.partitions is a config key with Kafka's default") {
  klog::broker::BrokerConfig c;
  CHECK(c.offsets_topic_partitions == 50);
  CHECK(klog::broker::ApplyConfigSetting("offsets.topic.num.partitions", "3", &c).ok());
  CHECK(c.offsets_topic_partitions == 3);
  CHECK(!klog::broker::ApplyConfigSetting("offsets.topic.num.partitions", "0", &c).ok());
}

namespace {

// Appends one batch of (key, value) records to partition `p` of the offsets topic in `dir`.
void WriteOffsetRecords(
    const std::string& dir, int32_t p,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& recs) {
  klog::DataDir data(dir);
  auto w = klog::LogWriter::Open(data.PartitionPath(klog::broker::kOffsetsTopic, p), {});
  REQUIRE(w.ok());
  klog::BatchBuilder b;
  b.Reset(1700000000000);
  for (const auto& [k, v] : recs) {
    b.Add(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
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
    klog::broker::Broker broker(config);
    CHECK(broker.groups().LoadOffsets().ok());  // no topic yet: nothing to load
    CHECK(broker.groups().groups().empty());
  }
  klog::DataDir data(dir);
  REQUIRE(data.CreateTopic(klog::broker::kOffsetsTopic, 3).ok());
  WriteOffsetRecords(dir, 1,
                     {{EncodeOffsetKey("kept", "t", 0), EncodeOffsetValue({10, -1, "", 1})},
                      {EncodeOffsetKey("gone", "t", 0), EncodeOffsetValue({20, -1, "", 1})}});
  WriteOffsetRecords(dir, 1,
                     {{EncodeOffsetKey("kept", "t", 0), EncodeOffsetValue({11, -1, "", 2})},
                      {EncodeOffsetKey("gone", "t", 0), std::nullopt}});
  WriteOffsetRecords(dir, 2,
                     {{EncodeOffsetKey("other", "u", 3), EncodeOffsetValue({7, -1, "", 1})}});
  klog::broker::Broker broker(config);
  REQUIRE(broker.groups().LoadOffsets().ok());
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
