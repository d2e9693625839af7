// Broker mode of klog-append, klog-read and klog-topic: the same options
// and output as local mode, through a Kafka broker (see kafka_client.h).
// Each function returns the exit code with diagnostics already printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/cli.h"
#include "cli/kafka/kafka_client.h"
#include "cli/local/append_cmd.h"
#include "cli/local/group_cmd.h"
#include "cli/local/read_cmd.h"
#include "cli/local/read_group.h"
#include "cli/local/topic_cmd.h"

namespace klog::cli::kafka {

// Where and how broker mode connects: the broker list and the -X settings.
struct BrokerTarget {
  std::string brokers;
  BrokerFlags flags;
};

// Where a command runs: through the broker `broker` when set, else on the
// data directory `data_dir`.
struct CommandTarget {
  std::optional<BrokerTarget> broker;
  std::string data_dir;
};

// The target of a command line with -b/-X `f` and -d `data_dir_flag`:
// broker mode as ResolveBrokers() decides, else the ResolveDataDir() directory.
inline CommandTarget ResolveTarget(const BrokerFlags& f, const std::string& data_dir_flag) {
  CommandTarget t;
  if (auto brokers = ResolveBrokers(f, data_dir_flag)) t.broker = BrokerTarget{*brokers, f};
  t.data_dir = ResolveDataDir(data_dir_flag);
  return t;
}

// The producer settings only broker mode has.
struct ProduceOptions {
  std::string acks = "all";          // --acks 0 | 1 | all
  std::optional<int64_t> linger_ms;  // --linger-ms
  bool partitions_given = false;     // --partitions was on the command line
};

int RunAppendBroker(Tool& tool, const local::AppendOptions& opts, const ProduceOptions& produce,
                    const BrokerTarget& target);

int RunReadBroker(Tool& tool, const local::ReadOptions& opts, const BrokerTarget& target);

int TopicCreateBroker(Tool& tool, const BrokerTarget& target, const local::TopicCreateOptions& o);
int TopicListBroker(Tool& tool, const BrokerTarget& target, bool json);
int TopicDescribeBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                        bool json);
int TopicDeleteBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                      bool if_exists);
// klog-topic alter TOPIC --partitions N: CreatePartitions to N in total.
int TopicAlterBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                     int32_t partitions);
// klog-topic alter TOPIC --config K=V --delete-config K: AlterConfigs of the
// topic's whole dynamic config set (read first with DescribeConfigs).
int TopicAlterConfigsBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                            const std::vector<std::string>& configs,
                            const std::vector<std::string>& delete_configs);

// Admin helpers shared by klog-append --partitions and klog-topic.
// Creates `topic` with `partitions` partitions (replication factor: the
// broker's default) and `configs`. Exists if the broker has it already.
Status CreateTopicOnBroker(KafkaClient& client, const std::string& topic, int32_t partitions,
                           const std::vector<std::pair<std::string, std::string>>& configs);

// The same through a Kafka broker (group_broker_cmd.cpp, librdkafka's admin API).
int GroupListBroker(Tool& tool, const BrokerTarget& target, bool json);
int GroupDescribeBroker(Tool& tool, const BrokerTarget& target, const std::string& group,
                        bool json);
int GroupResetBroker(Tool& tool, const BrokerTarget& target, const local::GroupResetOptions& o);
int GroupDeleteBroker(Tool& tool, const BrokerTarget& target, const std::string& group);

// The same through a Kafka broker (read_group_broker.cpp): librdkafka's
// rd_kafka_subscribe with group.id G and the broker's group coordinator.
// -o must be beginning or end there (auto.offset.reset).
int RunReadGroupBroker(Tool& tool, const local::ReadOptions& opts,
                       const local::GroupReadOptions& group, const BrokerTarget& target);

}  // namespace klog::cli::kafka
