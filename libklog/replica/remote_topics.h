// The topics to copy from a broker: Metadata for the named topics (every
// non-internal topic when none is named) and DescribeConfigs for each, to
// the TopicInfo the copy's topic is synced to (topic_sync.h) and the leader
// of each partition (remote_copy.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "klog/status.h"
#include "klog/topic.h"
#include "replica/broker_session.h"

namespace klog::replica {

struct SourceTopic {
  // Its name, partition count and the configs set on the topic itself
  // (DescribeConfigs source DYNAMIC_TOPIC_CONFIG; broker defaults are not
  // copied); none when the broker does not offer DescribeConfigs.
  TopicInfo info;
  std::vector<int32_t> leaders;  // the leader's node id, by partition
};

// NotFound for a named topic the brokers do not have; an error naming the
// topic (and partition) for any other error code or a partition still
// without a leader after 5 seconds (Metadata is asked again every 0.2 s
// while an election is under way). Topics come sorted by name.
Result<std::vector<SourceTopic>> DescribeSourceTopics(BrokerSession& session,
                                                      const std::vector<std::string>& names);

}  // namespace klog::replica
