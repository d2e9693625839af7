// File names and topic-name rules.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "klog/filename.h"

namespace klog {

TEST_CASE("topic names follow Kafka's rules and never escape the data dir") {
  CHECK(ValidateTopicName("orders").ok());
  CHECK(ValidateTopicName("a.b_c-D9").ok());
  CHECK(ValidateTopicName(std::string(249, 'x')).ok());
  CHECK(ValidateTopicName("...").ok());  // only "." and ".." themselves are refused
  for (std::string bad :
       std::vector<std::string>{"", ".", "..", "a/b", "/etc", "../x", "a b", "t\n", "caf\xc3\xa9",
                                std::string(250, 'x'), std::string("a\0b", 3)}) {
    Status st = ValidateTopicName(bad);
    CHECK_MESSAGE(st.code() == Status::Code::kInvalidArgument, "name: ", bad);
  }
  CHECK(ValidateTopicName("a/b").message().find("'a/b'") != std::string::npos);
}

TEST_CASE("segment names are 20-digit zero-padded base offsets") {
  CHECK(OffsetFileStem(0) == "00000000000000000000");
  CHECK(OffsetFileStem(368769) == "00000000000000368769");
  CHECK(SegmentPath("/d/t-0", 1000, kLogSuffix) == "/d/t-0/00000000000000001000.log");
  CHECK(SegmentPath("/d/t-0", 1000, kTimeIndexSuffix) == "/d/t-0/00000000000000001000.timeindex");
  CHECK(ParseSegmentName("00000000000000001000.log", kLogSuffix) == 1000);
  CHECK(ParseSegmentName("00000000000000001000.index", kIndexSuffix) == 1000);
  CHECK_FALSE(ParseSegmentName("00000000000000001000.index", kLogSuffix));
  CHECK_FALSE(ParseSegmentName("0000000000000001000.log", kLogSuffix));  // 19 digits
  CHECK_FALSE(ParseSegmentName("0000000000000000100a.log", kLogSuffix));
  CHECK_FALSE(ParseSegmentName("00000000000000001000.log.tmp", kLogSuffix));
  CHECK_FALSE(ParseSegmentName("-0000000000000001000.log", kLogSuffix));
}

TEST_CASE("partition directory names split at the last dash") {
  CHECK(PartitionDir("/data", "orders", 3) == "/data/orders-3");
  std::string topic;
  int32_t p = -1;
  CHECK(ParsePartitionDirName("orders-3", &topic, &p));
  CHECK(topic == "orders");
  CHECK(p == 3);
  CHECK(ParsePartitionDirName("my-topic-12", &topic, &p));
  CHECK(topic == "my-topic");
  CHECK(p == 12);
  CHECK_FALSE(ParsePartitionDirName("orders", &topic, &p));
  CHECK_FALSE(ParsePartitionDirName("orders-", &topic, &p));
  CHECK_FALSE(ParsePartitionDirName("-3", &topic, &p));
  CHECK_FALSE(ParsePartitionDirName("orders-x", &topic, &p));
  CHECK_FALSE(ParsePartitionDirName("orders-03", &topic, &p));
  CHECK_FALSE(ParsePartitionDirName("orders-99999999999", &topic, &p));
  CHECK_FALSE(ParsePartitionDirName("..-1", &topic, &p));
}

}  // namespace klog
