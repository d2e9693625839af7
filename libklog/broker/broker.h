// Broker: the state every request handler shares (settings, the data
// directory, the identity the cluster reports). It does no I/O of its own and
// knows nothing about connections. Loop thread only.
// The partition logs (Partitions) are owned here too. The event log
// (Diagnostics) is held here, so handlers and every part of the broker reach
// it through diagnostics().
#pragma once

#include <memory>
#include <string>

#include "broker/config.h"
#include "broker/diagnostics.h"
#include "broker/groups/coordinator.h"
#include "broker/metrics.h"
#include "klog/topic.h"
#include "partition/partitions.h"

namespace klog::broker {

class Broker {
 public:
  // `data_dir` is the directory of config.data_dir; klog-serve passes the
  // one from DataDir::OpenExclusive, so that the broker alone writes it.
  // `diagnostics` receives the broker's event lines and must outlive it.
  Broker(BrokerConfig config, DataDir data_dir, Diagnostics& diagnostics);
  // With DataDir(config.data_dir), which takes no lock of its own (tests).
  Broker(BrokerConfig config, Diagnostics& diagnostics);
  // As above, with a Diagnostics of its own: stderr, prefix "klog-serve",
  // level config.log_level (tests that do not look at the lines).
  explicit Broker(BrokerConfig config);

  const BrokerConfig& config() const { return config_; }
  DataDir& data_dir() { return data_dir_; }
  partition::Partitions& partitions() { return partitions_; }
  Metrics& metrics() { return metrics_; }
  Diagnostics& diagnostics() { return diagnostics_; }
  groups::GroupCoordinator& groups() { return groups_; }
  int32_t node_id() const { return config_.node_id; }
  // A 22-character id fixed for the data directory: the same directory
  // always reports the same cluster id (it is derived from its absolute
  // path).
  const std::string& cluster_id() const { return cluster_id_; }

  // The address clients are told to connect to (Metadata). Set by the server
  // once the listening socket is bound: --advertise when given, else the
  // listen host (127.0.0.1 for a wildcard address) with the bound port.
  const HostPort& advertised() const { return advertised_; }
  void SetBoundAddress(const HostPort& bound);

 private:
  void Init();  // the cluster id and advertised address, from config_

  BrokerConfig config_;
  std::unique_ptr<Diagnostics> own_diagnostics_;  // set by Broker(config) only
  Diagnostics& diagnostics_;  // declared before partitions_, which reports through it
  DataDir data_dir_;
  std::string cluster_id_;
  HostPort advertised_;
  Metrics metrics_;  // declared before partitions_: outlives the Responders its jobs hold
  partition::Partitions partitions_;
  groups::GroupCoordinator groups_{this};  // after partitions_: its commits append there
};

// The cluster id for a data directory path (exposed for tests): 16 bytes of
// FNV-1a hashes of `path`, in unpadded URL-safe base64 like Kafka's ids.
std::string ClusterIdForPath(const std::string& path);

}  // namespace klog::broker
