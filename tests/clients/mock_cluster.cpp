// mock_cluster: a Kafka cluster in memory (librdkafka's mock cluster), for
// the CLI tests that check klog's Kafka clients against a second Kafka
// implementation (tests/cli/replicate_mock.sh).
//
//   mock_cluster [-n BROKERS] [-t TOPIC:PARTITIONS]...
//
// It starts BROKERS brokers (default 3, ids 1 to BROKERS), each listening on
// an ephemeral port of 127.0.0.1, creates each TOPIC with PARTITIONS
// partitions (replicated to every broker, so that any of them may lead),
// prints the bootstrap servers on stdout as one line, and then obeys the
// commands it reads on stdin, one a line, answering each with one line,
// "ok" or "error: WHY":
//
//   leader TOPIC PARTITION BROKER  BROKER leads the partition from now on
//                                  (the others answer NOT_LEADER_OR_FOLLOWER)
//   down BROKER                    BROKER drops its connections and refuses
//                                  new ones (leadership does not move)
//   up BROKER                      BROKER accepts connections again
//   rtt BROKER MS                  BROKER delays every answer by MS ms
//                                  (BROKER -1: every broker)
//
// It exits 0 at the end of stdin, so a test that dies takes it along (its
// stdin is the test's pipe); exit 1 when the cluster cannot be made, 2 on a
// usage error. librdkafka's own diagnostics go to stderr.
//
// The mock serves what librdkafka's clients need (Produce, Fetch, ListOffsets,
// Metadata, OffsetForLeaderEpoch, groups, transactions); its ApiVersions
// answer says which versions. It lacks the admin APIs (CreateTopics,
// DescribeConfigs), hence -t.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct TopicSpec {
  std::string name;
  int partitions = 1;
};

// Says what is wrong with the command line, and false.
bool Usage(const std::string& why) {
  std::fprintf(stderr,
               "mock_cluster: %s\nusage: mock_cluster [-n BROKERS] [-t TOPIC:PARTITIONS]...\n",
               why.c_str());
  return false;
}

// "ok", or "error: " and librdkafka's name for `err`.
std::string Answer(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return "ok";
  return std::string("error: ") + rd_kafka_err2name(err);
}

// Runs one command line against the cluster; the answer is one line.
std::string Obey(rd_kafka_mock_cluster_t* mc, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  if (verb == "leader") {
    std::string topic;
    int32_t partition = 0, broker = 0;
    if (!(in >> topic >> partition >> broker)) return "error: usage: leader TOPIC PARTITION BROKER";
    return Answer(rd_kafka_mock_partition_set_leader(mc, topic.c_str(), partition, broker));
  }
  if (verb == "down" || verb == "up") {
    int32_t broker = 0;
    if (!(in >> broker)) return "error: usage: " + verb + " BROKER";
    return Answer(verb == "down" ? rd_kafka_mock_broker_set_down(mc, broker)
                                 : rd_kafka_mock_broker_set_up(mc, broker));
  }
  if (verb == "rtt") {
    int32_t broker = 0;
    int ms = 0;
    if (!(in >> broker >> ms)) return "error: usage: rtt BROKER MS";
    return Answer(rd_kafka_mock_broker_set_rtt(mc, broker, ms));
  }
  return "error: unknown command '" + verb + "'";
}

// Reads the command line into *brokers and *topics; false after a usage
// message.
bool ParseArgs(int argc, char** argv, int* brokers, std::vector<TopicSpec>* topics) {
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Usage("missing value of " + arg);
    std::string value = argv[++i];
    if (arg == "-n") {
      *brokers = std::atoi(value.c_str());
      if (*brokers < 1) return Usage("-n wants a broker count of 1 or more");
    } else if (arg == "-t") {
      size_t colon = value.rfind(':');
      TopicSpec t{value.substr(0, colon), 1};
      if (colon != std::string::npos) t.partitions = std::atoi(value.c_str() + colon + 1);
      if (t.name.empty() || t.partitions < 1) return Usage("-t wants TOPIC:PARTITIONS");
      topics->push_back(t);
    } else {
      return Usage("unknown option " + arg);
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  std::vector<TopicSpec> topics;
  if (!ParseArgs(argc, argv, &brokers, &topics)) return 2;

  // The mock cluster needs a client handle for its bookkeeping (its thread
  // and logging); this one is never used to produce. Its log is cut to
  // errors: without bootstrap servers it would warn that it cannot connect.
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "mock_cluster: %s\n", err);
    return 1;
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::fprintf(stderr, "mock_cluster: rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (mc == nullptr) {
    std::fprintf(stderr, "mock_cluster: could not create a mock cluster of %d brokers\n", brokers);
    rd_kafka_destroy(rk);
    return 1;
  }
  for (const TopicSpec& t : topics) {
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, t.name.c_str(), t.partitions, brokers);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "mock_cluster: topic %s: %s\n", t.name.c_str(), rd_kafka_err2str(e));
      return 1;
    }
  }

  // The test waits for this line: it is flushed at once.
  std::cout << rd_kafka_mock_cluster_bootstraps(mc) << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::cout << Obey(mc, line) << std::endl;
  }

  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
