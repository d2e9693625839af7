// klog-serve: a single-node broker speaking the Kafka protocol over a klog
// data directory (klog-serve(1)). Settings come from defaults, then --config
// FILE, then the flags given.
#include <filesystem>
#include <optional>
#include <string>

#include "broker/broker.h"
#include "broker/config.h"
#include "broker/diagnostics.h"
#include "broker/net/server.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "klog/topic.h"

namespace {

using klog::broker::BrokerConfig;

struct Flags {
  std::string data_dir, listen, advertise, metrics, config_file, log_level;
  std::optional<int32_t> node_id, default_partitions, max_connections;
  std::optional<int64_t> max_request_bytes, max_queued_request_bytes, idle_timeout_ms;
  bool no_auto_create = false;
};

void AddFlags(CLI::App& app, Flags* f) {
  klog::cli::AddDataDirOption(app, &f->data_dir);
  app.add_option("--listen", f->listen,
                 "Address to listen on (default 127.0.0.1:9092; port 0 = any)")
      ->type_name("HOST:PORT");
  app.add_option("--advertise", f->advertise, "Address given to clients (default: the bound one)")
      ->type_name("HOST:PORT");
  app.add_option("--metrics", f->metrics,
                 "Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics")
      ->type_name("HOST:PORT");
  app.add_option("--node-id", f->node_id, "Broker node id (default 0)")
      ->type_name("N")
      ->check(CLI::Range(0, INT32_MAX));
  app.add_option("--config", f->config_file, "Read key=value settings from FILE")
      ->type_name("FILE");
  app.add_option("--log-level", f->log_level, "error, warn, info (default) or debug")
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
  app.add_flag("--no-auto-create", f->no_auto_create, "Do not create unknown topics on request");
  app.add_option("--default-partitions", f->default_partitions,
                 "Partitions of auto-created topics (default 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-request-bytes", f->max_request_bytes,
                 "Largest request accepted (default 104857600)")
      ->type_name("N")
      ->check(CLI::Range(int64_t(64), int64_t(INT32_MAX)));
  app.add_option("--max-queued-request-bytes", f->max_queued_request_bytes,
                 "Stop reading requests while this many bytes of them are held "
                 "(default 104857600)")
      ->type_name("N")
      ->check(CLI::Range(int64_t(64), int64_t(1) << 40));
  app.add_option("--max-connections", f->max_connections, "Open connections allowed (default 1024)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--idle-timeout-ms", f->idle_timeout_ms,
                 "Close connections idle this long (default 600000)")
      ->type_name("MS")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
}

// Builds the settings: defaults, the config file, then the flags given.
// Returns an exit code, kExitOk when *cfg is ready.
int BuildConfig(const klog::cli::Tool& tool, const Flags& f, BrokerConfig* cfg) {
  using namespace klog::cli;
  bool dir_from_file = false;
  if (!f.config_file.empty()) {
    std::string before = cfg->data_dir;
    klog::Status s = klog::broker::LoadConfigFile(f.config_file, cfg);
    if (!s.ok()) return tool.Fail(s);
    dir_from_file = cfg->data_dir != before;
  }
  if (!f.data_dir.empty() || !dir_from_file) cfg->data_dir = ResolveDataDir(f.data_dir);
  for (auto [text, dest] :
       {std::pair{&f.listen, &cfg->listen}, std::pair{&f.advertise, &cfg->advertise},
        std::pair{&f.metrics, &cfg->metrics}}) {
    if (text->empty()) continue;
    auto hp = klog::broker::ParseHostPort(*text);
    if (!hp.ok()) return tool.UsageError(hp.status().message());
    *dest = *hp;
  }
  if (f.node_id) cfg->node_id = *f.node_id;
  if (!f.log_level.empty()) cfg->log_level = *klog::broker::ParseLogLevel(f.log_level);
  if (f.no_auto_create) cfg->auto_create_topics = false;
  if (f.default_partitions) cfg->default_partitions = *f.default_partitions;
  if (f.max_request_bytes) cfg->max_request_bytes = *f.max_request_bytes;
  if (f.max_queued_request_bytes) cfg->max_queued_request_bytes = *f.max_queued_request_bytes;
  if (f.max_connections) cfg->max_connections = *f.max_connections;
  if (f.idle_timeout_ms) cfg->idle_timeout_ms = *f.idle_timeout_ms;
  klog::Status s = klog::broker::ValidateConfig(*cfg);
  return s.ok() ? kExitOk : tool.Fail(s);
}

// Serves until shut down; `diagnostics` gets the broker's event lines.
int Serve(klog::cli::Tool& tool, const BrokerConfig& cfg, klog::broker::Diagnostics& diagnostics) {
  using namespace klog::cli;
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec)
    return tool.Fail(klog::Status::IOError("data directory " + cfg.data_dir + ": " + ec.message()));
  // One server per directory, and no local writer while it serves: the
  // directory's lock is held exclusively until exit (klog-format(5)).
  auto dir = klog::DataDir::OpenExclusive(cfg.data_dir, tool.name());
  if (!dir.ok()) return tool.Fail(dir.status());
  klog::broker::Broker broker(cfg, std::move(*dir), diagnostics);
  klog::broker::net::Server server(&broker);
  klog::Status s = server.Listen();
  if (!s.ok()) return tool.Fail(s);
  if (cfg.listen.port == 0) {
    // Tests and scripts read the ephemeral address from here.
    tool.out().Write(server.bound().ToString() + "\n");
    if (!tool.out().Flush() && !tool.out().broken_pipe()) {
      return tool.Fail(klog::Status::IOError("stdout: " + tool.out().error()));
    }
  }
  s = server.Run();
  return s.ok() ? kExitOk : tool.Fail(s);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace klog::cli;
  Tool tool("klog-serve");
  auto app = MakeApp(tool, "Serve a klog data directory over the Kafka protocol.");
  Flags flags;
  AddFlags(*app, &flags);
  return Run(tool, *app, argc, argv, [&] {
    BrokerConfig cfg;
    int rc = BuildConfig(tool, flags, &cfg);
    if (rc != kExitOk) return rc;
    // The broker's event log: "klog-serve: <level>: <message>" on stderr.
    klog::broker::Diagnostics diagnostics(tool.name(), cfg.log_level);
    return Serve(tool, cfg, diagnostics);
  });
}
