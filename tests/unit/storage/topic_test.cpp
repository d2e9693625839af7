// DataDir: creating, listing, describing and deleting topics, and configs.
#include <doctest/doctest.h>

#include <filesystem>

#include "klog/log.h"
#include "klog/topic.h"
#include "storage_test_util.h"

namespace klog {

using test::TempDir;

TEST_CASE("create, describe, list and delete topics") {
  TempDir d;
  DataDir data(d.Sub("data"));  // created on first use
  REQUIRE(data.ListTopics().ok());
  CHECK(data.ListTopics()->empty());
  REQUIRE(data.CreateTopic("orders", 3, {{"segment.bytes", "1048576"}}).ok());
  REQUIRE(data.CreateTopic("audit", 1).ok());
  for (int p = 0; p < 3; ++p) CHECK(std::filesystem::is_directory(data.PartitionPath("orders", p)));
  CHECK(data.PartitionPath("orders", 2) == d.Sub("data") + "/orders-2");

  auto info = data.DescribeTopic("orders");
  REQUIRE(info.ok());
  CHECK(info->name == "orders");
  CHECK(info->partitions == 3);
  CHECK(info->configs == std::map<std::string, std::string>{{"segment.bytes", "1048576"}});

  auto list = data.ListTopics();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "audit");
  CHECK((*list)[1].name == "orders");

  CHECK(data.CreateTopic("orders", 1).code() == Status::Code::kExists);
  CHECK(data.DescribeTopic("nope").status().IsNotFound());
  CHECK(data.DescribeTopic("../etc").status().code() == Status::Code::kInvalidArgument);
  CHECK(data.CreateTopic("a/b", 1).code() == Status::Code::kInvalidArgument);
  CHECK(data.CreateTopic("ok", 0).code() == Status::Code::kInvalidArgument);
  CHECK(data.CreateTopic("ok", 1, {{"bogus", "1"}}).code() == Status::Code::kInvalidArgument);

  REQUIRE(data.DeleteTopic("orders").ok());
  CHECK(data.DescribeTopic("orders").status().IsNotFound());
  CHECK_FALSE(std::filesystem::exists(data.PartitionPath("orders", 0)));
  CHECK(data.ListTopics()->size() == 1);
  CHECK(data.DeleteTopic("orders").IsNotFound());
}

TEST_CASE("the metadata file is the documented JSON with its checksum") {
  TempDir d;
  DataDir data(d.path);
  REQUIRE(data.CreateTopic("t", 2, {{"cleanup.policy", "compact"}}).ok());
  std::string text = test::Slurp(d.Sub("t.topic.json"));
  CHECK(text.rfind(R"({"configs":{"cleanup.policy":"compact"},"partitions":2,"version":1,"xxh3":")",
                   0) == 0);
  CHECK(text.back() == '\n');
}

TEST_CASE("torn or edited topic metadata is corruption naming the file") {
  TempDir d;
  DataDir data(d.path);
  REQUIRE(data.CreateTopic("t", 2).ok());
  std::string path = d.Sub("t.topic.json");
  std::string text = test::Slurp(path);
  test::Spit(path, text.substr(0, text.size() / 2));
  auto info = data.DescribeTopic("t");
  CHECK(info.status().IsCorruption());
  CHECK(info.status().message().rfind(path + ": ", 0) == 0);
  CHECK(data.ListTopics().status().IsCorruption());
  std::string edited = text;
  edited.replace(edited.find("\"partitions\":2"), 14, "\"partitions\":9");
  test::Spit(path, edited);
  CHECK(data.DescribeTopic("t").status().IsCorruption());
  CHECK(data.DeleteTopic("t").ok());  // a damaged topic can still be deleted
  CHECK(data.ListTopics()->empty());
}

TEST_CASE("topics written without metadata (by Kafka) are found from their directories") {
  TempDir d;
  DataDir data(d.path);
  std::filesystem::create_directories(d.Sub("legacy-0"));
  std::filesystem::create_directories(d.Sub("legacy-2"));
  std::filesystem::create_directories(d.Sub("not a topic-0"));
  test::Spit(d.Sub("stray-1"), "a file, not a directory");
  auto list = data.ListTopics();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].name == "legacy");
  CHECK((*list)[0].partitions == 3);
  CHECK(data.CreateTopic("legacy", 1).code() == Status::Code::kExists);
}

TEST_CASE("two processes creating the same topic: exactly one gets Exists") {
  for (int round = 0; round < 5; ++round) {
    TempDir d;
    int results[2];
    pid_t kids[2];
    for (int i = 0; i < 2; ++i) {
      kids[i] = test::Fork([&] {
        DataDir data(d.path);
        Status st = data.CreateTopic("race", 4);
        _exit(st.ok() ? 0 : st.code() == Status::Code::kExists ? 10 : 20);
        return false;
      });
    }
    for (int i = 0; i < 2; ++i) results[i] = test::Wait(kids[i]);
    CHECK(std::min(results[0], results[1]) == 0);
    CHECK(std::max(results[0], results[1]) == 10);
    CHECK(DataDir(d.path).DescribeTopic("race")->partitions == 4);
  }
}

TEST_CASE("delete is refused while a writer holds a partition lock") {
  TempDir d;
  DataDir data(d.path);
  REQUIRE(data.CreateTopic("t", 2).ok());
  LogOptions o = test::Quiet();
  o.owner = "klog-append";
  auto w = LogWriter::Open(data.PartitionPath("t", 1), o);
  REQUIRE(w.ok());
  Status st = data.DeleteTopic("t");
  CHECK(st.code() == Status::Code::kBusy);
  CHECK(st.message().find("locked by pid " + std::to_string(getpid()) + " (klog-append)") !=
        std::string::npos);
  CHECK(std::filesystem::exists(data.PartitionPath("t", 0)));
  REQUIRE((*w)->Close().ok());
  CHECK(data.DeleteTopic("t").ok());
}

TEST_CASE("adding partitions keeps configs, data and the checksummed metadata format") {
  TempDir d;
  DataDir data(d.path);
  REQUIRE(data.CreateTopic("grow", 3, {{"retention.ms", "1000"}}).ok());
  {
    auto w = LogWriter::Open(data.PartitionPath("grow", 1), test::Quiet());
    REQUIRE(w.ok());
    std::vector<uint8_t> batch = test::MakeBatch(0, 4, 1000);
    REQUIRE((*w)->Append(batch).ok());
    REQUIRE((*w)->Close().ok());
  }
  REQUIRE(data.AddPartitions("grow", 5).ok());
  auto info = data.DescribeTopic("grow");
  REQUIRE(info.ok());
  CHECK(info->partitions == 5);
  CHECK(info->configs == std::map<std::string, std::string>{{"retention.ms", "1000"}});
  for (int p = 0; p < 5; ++p) CHECK(std::filesystem::is_directory(data.PartitionPath("grow", p)));
  CHECK_FALSE(std::filesystem::exists(data.PartitionPath("grow", 5)));
  auto r = LogReader::Open(data.PartitionPath("grow", 1));
  REQUIRE(r.ok());
  CHECK((*r)->end_offset() == 4);  // existing data untouched
  std::string text = test::Slurp(d.Sub("grow.topic.json"));
  CHECK(text.rfind(R"({"configs":{"retention.ms":"1000"},"partitions":5,"version":1,"xxh3":")",
                   0) == 0);
  for (const auto& e : std::filesystem::directory_iterator(d.path)) {
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);  // no leftovers
  }
}

TEST_CASE("adding partitions refuses a count that does not grow, and unknown topics") {
  TempDir d;
  DataDir data(d.path);
  REQUIRE(data.CreateTopic("t", 3).ok());
  Status same = data.AddPartitions("t", 3);
  CHECK(same.code() == Status::Code::kInvalidArgument);
  CHECK(same.message().find("has 3 partition(s)") != std::string::npos);
  CHECK(data.AddPartitions("t", 2).code() == Status::Code::kInvalidArgument);
  CHECK(data.AddPartitions("t", 100001).code() == Status::Code::kInvalidArgument);
  CHECK(data.DescribeTopic("t")->partitions == 3);
  CHECK_FALSE(std::filesystem::exists(data.PartitionPath("t", 3)));
  CHECK(data.AddPartitions("missing", 4).IsNotFound());
  CHECK(data.AddPartitions("../x", 4).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("a lost alter's leftover directory is reused; Kafka-written topics gain metadata") {
  TempDir d;
  DataDir data(d.path);
  REQUIRE(data.CreateTopic("t", 2).ok());
  std::filesystem::create_directories(data.PartitionPath("t", 2));  // crash before the rename
  CHECK(data.DescribeTopic("t")->partitions == 2);
  REQUIRE(data.AddPartitions("t", 4).ok());
  CHECK(data.DescribeTopic("t")->partitions == 4);

  std::filesystem::create_directories(d.Sub("legacy-0"));
  REQUIRE(data.AddPartitions("legacy", 2).ok());
  CHECK(std::filesystem::exists(d.Sub("legacy.topic.json")));
  CHECK(data.DescribeTopic("legacy")->partitions == 2);
}

TEST_CASE("every accepted topic config has a default that is itself valid") {
  const auto& defaults = TopicConfigDefaults();
  CHECK(defaults.size() == 11);
  for (const auto& d : defaults) {
    INFO(d.key);
    CHECK(ValidateTopicConfig(d.key, d.value).ok());
  }
  CHECK(ValidateTopicConfig("bogus", "1").code() == Status::Code::kInvalidArgument);
}

TEST_CASE("topic configs are validated with Kafka's rules") {
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"retention.ms", "-1"},
                                                        {"retention.ms", "604800000"},
                                                        {"retention.bytes", "-1"},
                                                        {"segment.bytes", "14"},
                                                        {"segment.ms", "1"},
                                                        {"cleanup.policy", "delete"},
                                                        {"cleanup.policy", "compact,delete"},
                                                        {"delete.retention.ms", "0"},
                                                        {"min.cleanable.dirty.ratio", "0.5"},
                                                        {"min.cleanable.dirty.ratio", "1"},
                                                        {"min.compaction.lag.ms", "0"},
                                                        {"max.message.bytes", "1048588"},
                                                        {"message.timestamp.type", "LogAppendTime"},
                                                        {"index.interval.bytes", "4096"}}) {
    CHECK_MESSAGE(ValidateTopicConfig(k, v).ok(), k, "=", v);
  }
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"retention.ms", "-2"},
                                                        {"retention.ms", "1h"},
                                                        {"retention.ms", ""},
                                                        {"retention.ms", "99999999999999999999"},
                                                        {"segment.bytes", "13"},
                                                        {"segment.bytes", "4294967296"},
                                                        {"segment.ms", "0"},
                                                        {"cleanup.policy", "purge"},
                                                        {"delete.retention.ms", "-1"},
                                                        {"min.cleanable.dirty.ratio", "1.5"},
                                                        {"min.cleanable.dirty.ratio", "-0.1"},
                                                        {"min.cleanable.dirty.ratio", "nan"},
                                                        {"max.message.bytes", "-1"},
                                                        {"message.timestamp.type", "createtime"},
                                                        {"unknown.key", "1"}}) {
    Status st = ValidateTopicConfig(k, v);
    CHECK_MESSAGE(st.code() == Status::Code::kInvalidArgument, k, "=", v);
    CHECK(st.message().rfind("config '" + k + "': ", 0) == 0);
  }
}

TEST_CASE("topic configs map onto writer options") {
  TopicInfo info{"t",
                 1,
                 {{"segment.bytes", "1000"},
                  {"segment.ms", "60000"},
                  {"max.message.bytes", "5000"},
                  {"index.interval.bytes", "128"},
                  {"retention.ms", "1"}}};
  LogOptions o;
  REQUIRE(ApplyTopicConfigs(info, &o).ok());
  CHECK(o.segment_bytes == 1000);
  CHECK(o.segment_ms == 60000);
  CHECK(o.max_batch_bytes == 5000);
  CHECK(o.index_interval_bytes == 128);
  info.configs["segment.ms"] = "0";
  CHECK(ApplyTopicConfigs(info, &o).code() == Status::Code::kInvalidArgument);
}

}  // namespace klog
