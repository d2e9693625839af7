#include "cli/local/append_cmd.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "cli/cli.h"
#include "cli/json_record.h"
#include "cli/progress.h"
#include "cli/record_splitter.h"
#include "klog/filename.h"
#include "klog/partitioner.h"
#include "klog/topic_appender.h"

namespace klog::cli::local {
namespace {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The per-run state of the input loop.
class AppendRun {
 public:
  AppendRun(const Tool& tool, const AppendOptions& opts, TopicAppender& app)
      : tool_(tool), opts_(opts), app_(app) {
    for (const auto& [k, v] : opts.headers) cli_headers_.push_back({k, std::string_view(v)});
    noun_ = opts.delimiter == "\n" || opts.json ? "line" : "record";
  }
  // Returns false on a fatal error (already reported).
  bool Loop(RecordSplitter& in, RecordProgress& progress);
  bool had_errors() const { return had_errors_; }
  // After a failed append: says how many records are in the log and from
  // which input line on they are not, so that the input can be resumed.
  void ReportUnappended() const;

 private:
  void RecordError(const std::string& msg) {
    tool_.Diag(noun_ + " " + std::to_string(number_) + ": " + msg);
    had_errors_ = true;
  }
  // Adds one record; false on a fatal (writer) error.
  bool AddRecord(std::optional<std::string_view> key, std::optional<std::string_view> value,
                 std::span<const BatchBuilder::Header> headers, std::optional<int32_t> partition,
                 std::optional<int64_t> timestamp);
  bool AddText(std::string_view rec);
  bool AddJson(std::string_view line);

  const Tool& tool_;
  const AppendOptions& opts_;
  TopicAppender& app_;
  std::vector<BatchBuilder::Header> cli_headers_;
  std::vector<BatchBuilder::Header> scratch_headers_;
  JsonRecord json_;
  std::string noun_;
  int64_t number_ = 0;
  int64_t now_ = 0;
  int32_t rr_ = 0;  // round-robin partition of this chunk's unkeyed records
  bool had_errors_ = false;
};

bool AppendRun::AddRecord(std::optional<std::string_view> key,
                          std::optional<std::string_view> value,
                          std::span<const BatchBuilder::Header> headers,
                          std::optional<int32_t> partition, std::optional<int64_t> timestamp) {
  int64_t size = TopicAppender::RecordSize(key, value, headers);
  if (size > app_.record_limit()) {
    RecordError("record of " + std::to_string(size) + " bytes is larger than the batch limit (" +
                std::to_string(app_.record_limit()) +
                " bytes; see --batch-bytes and max.message.bytes); not appended");
    return true;
  }
  if (!key && app_.compacted()) {
    RecordError("record without a key; topic '" + opts_.topic +
                "' is compacted (cleanup.policy=compact); not appended");
    return true;
  }
  int32_t p = rr_;
  bool unkeyed = false;
  if (opts_.partition) {
    p = *opts_.partition;
  } else if (partition) {
    if (*partition >= app_.partitions()) {
      RecordError("partition " + std::to_string(*partition) + " does not exist (topic has " +
                  std::to_string(app_.partitions()) + ")");
      return true;
    }
    p = *partition;
  } else if (key) {
    p = PartitionForKey(*key, app_.partitions());
  } else {
    unkeyed = true;
  }
  bool rolled = false;
  Status st = app_.Add(p, key, value, headers, timestamp, now_, number_, &rolled);
  if (!st.ok()) {
    tool_.Fail(st);
    return false;
  }
  // A full batch moves unkeyed records on to the next partition.
  if (rolled && unkeyed) rr_ = (rr_ + 1) % app_.partitions();
  return true;
}

bool AppendRun::AddText(std::string_view rec) {
  std::optional<std::string_view> key;
  std::string_view value = rec;
  if (opts_.key_delimiter) {
    size_t at = rec.find(*opts_.key_delimiter);
    if (at != std::string_view::npos) {
      key = rec.substr(0, at);
      value = rec.substr(at + opts_.key_delimiter->size());
    }
  }
  return AddRecord(key, value, cli_headers_, std::nullopt, std::nullopt);
}

bool AppendRun::AddJson(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return true;  // blank line
  Status st = ParseJsonRecord(line, &json_);
  if (!st.ok()) {
    RecordError(st.message());
    return true;
  }
  scratch_headers_.clear();
  for (const auto& h : json_.headers) {
    scratch_headers_.push_back(
        {h.key, h.value ? std::optional<std::string_view>(*h.value) : std::nullopt});
  }
  scratch_headers_.insert(scratch_headers_.end(), cli_headers_.begin(), cli_headers_.end());
  auto view = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  return AddRecord(view(json_.key), view(json_.value), scratch_headers_, json_.partition,
                   json_.timestamp);
}

void AppendRun::ReportUnappended() const {
  auto u = app_.unappended();
  if (!u) return;
  std::string appended = std::to_string(app_.records_appended()) + " records appended";
  std::string from = "input " + noun_ + " " + std::to_string(u->first_line);
  if (u->later_appended == 0) {
    tool_.Diag(appended + "; " + from + " and after were not");
    return;
  }
  tool_.Diag(appended + ": every record before " + from + ", and " +
             std::to_string(u->later_appended) + " of later " + noun_ +
             "s (other partitions); the other records from " + from + " on were not");
}

bool AppendRun::Loop(RecordSplitter& in, RecordProgress& progress) {
  for (;;) {
    auto more = in.Fill();
    if (!more.ok()) {
      tool_.Fail(more.status());
      return false;
    }
    if (!*more) return true;
    now_ = NowMs();
    std::string_view rec;
    while (in.Next(&rec)) {
      number_++;
      if (!(opts_.json ? AddJson(rec) : AddText(rec))) return false;
    }
    Status st = app_.FlushBatches();
    if (!st.ok()) {
      tool_.Fail(st);
      return false;
    }
    rr_ = (rr_ + 1) % app_.partitions();
    progress.Update(app_.records_appended(), in.bytes_read(), false);
  }
}

}  // namespace

Result<FlushPolicy> ParseFlushPolicy(const std::string& s) {
  FlushPolicy p;
  if (s == "none") return p;
  if (s == "batch") {
    p.mode = FlushMode::kEveryBatch;
    return p;
  }
  int64_t ms = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), ms);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || ms <= 0) {
    return Status::InvalidArgument("flush policy '" + s +
                                   "': expected none, batch or a number of milliseconds");
  }
  p.mode = FlushMode::kInterval;
  p.interval_ms = ms;
  return p;
}

int RunAppend(Tool& tool, const AppendOptions& opts) {
  // Refused before any input is read while klog-serve serves the directory.
  DataDirLock lock;
  Status locked = LockForLocalWrite(opts.data_dir, &lock);
  if (!locked.ok()) return tool.Fail(locked);
  DataDir dd(opts.data_dir);
  auto info = OpenOrCreateTopic(dd, opts.topic, opts.no_create, opts.create_partitions);
  if (!info.ok()) return tool.Fail(info.status());
  if (opts.partition && *opts.partition >= info->partitions) {
    return tool.Fail(Status::InvalidArgument("partition " + std::to_string(*opts.partition) +
                                             " does not exist (topic '" + opts.topic + "' has " +
                                             std::to_string(info->partitions) + ")"));
  }
  AppenderOptions aopts{opts.codec, opts.flush, opts.batch_bytes, tool.name(),
                        [&tool](const std::string& m) { tool.Diag("warning: " + m); }};
  TopicAppender app(dd, *info, aopts);
  Status st = app.Init();
  if (!st.ok()) return tool.Fail(st);
  RecordSplitter in(opts.input_fd, opts.json ? "\n" : opts.delimiter);
  RecordProgress progress(opts.progress);
  AppendRun run(tool, opts, app);
  bool ok = run.Loop(in, progress);
  st = app.Close();
  progress.Update(app.records_appended(), in.bytes_read(), true);
  if (!st.ok() && ok) return tool.Fail(st);  // after a fatal error, that error was reported
  run.ReportUnappended();
  return ok && !run.had_errors() ? kExitOk : kExitFailure;
}

}  // namespace klog::cli::local
