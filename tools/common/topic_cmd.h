// klog-topic's subcommands after flag parsing: create, list, describe,
// delete, alter (klog-topic(1)). Each returns the exit code with diagnostics
// already printed; data goes to Stdout().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace klog::cli {

struct TopicCreateOptions {
  std::string topic;
  int32_t partitions = 1;
  std::vector<std::string> configs;  // "KEY=VALUE"
  bool if_not_exists = false;
};

int TopicCreate(const std::string& data_dir, const TopicCreateOptions& o);
int TopicList(const std::string& data_dir, bool json);
int TopicDescribe(const std::string& data_dir, const std::string& topic, bool json);
int TopicDelete(const std::string& data_dir, const std::string& topic, bool if_exists);
// Raises the topic's partition count to `partitions` (it never shrinks).
int TopicAlter(const std::string& data_dir, const std::string& topic, int32_t partitions);

}  // namespace klog::cli
