#include "klog/topic_appender.h"

#include <algorithm>

#include "klog/batch_format.h"

namespace klog {

Result<TopicInfo> OpenOrCreateTopic(DataDir& dd, const std::string& topic, bool no_create,
                                    int32_t create_partitions) {
  auto info = dd.DescribeTopic(topic);
  if (info.ok() || !info.status().IsNotFound()) return info;
  if (no_create) return Status::NotFound("topic '" + topic + "' does not exist");
  Status st = dd.CreateTopic(topic, create_partitions);
  if (!st.ok() && st.code() != Status::Code::kExists) return st;  // lost a race: fine
  return dd.DescribeTopic(topic);
}

TopicAppender::TopicAppender(DataDir dd, TopicInfo info, const AppenderOptions& opts)
    : dd_(std::move(dd)), info_(std::move(info)), opts_(opts), parts_(size_t(info_.partitions)) {}

TopicAppender::~TopicAppender() = default;

Status TopicAppender::Init() {
  log_opts_.flush = opts_.flush;
  log_opts_.owner = opts_.owner;
  log_opts_.warn = opts_.warn;
  bool explicit_max = info_.configs.count("max.message.bytes") > 0;
  KLOG_RETURN_IF_ERROR(ApplyTopicConfigs(info_, &log_opts_));
  int64_t cap = opts_.batch_bytes;
  if (explicit_max) cap = std::min(cap, log_opts_.max_batch_bytes);
  // The writer must accept any batch we build, even one holding a single
  // record as large as the cap.
  if (!explicit_max) log_opts_.max_batch_bytes = std::max(log_opts_.max_batch_bytes, cap);
  opts_.batch_bytes = cap;
  record_limit_ = cap - int64_t(batch::kHeaderSize);
  return Status::Ok();
}

int64_t TopicAppender::RecordSize(std::optional<std::string_view> key,
                                  std::optional<std::string_view> value,
                                  std::span<const BatchBuilder::Header> headers) {
  int64_t n = int64_t(batch::kMaxRecordOverhead) + 5;  // + header count varint
  if (key) n += int64_t(key->size());
  if (value) n += int64_t(value->size());
  for (const auto& h : headers) {
    n += 10 + int64_t(h.key.size()) + (h.value ? int64_t(h.value->size()) : 0);
  }
  return n;
}

Status TopicAppender::Add(int32_t p, std::optional<std::string_view> key,
                          std::optional<std::string_view> value,
                          std::span<const BatchBuilder::Header> headers,
                          std::optional<int64_t> timestamp, int64_t now_ms, int64_t line,
                          bool* rolled) {
  Partition& part = parts_[size_t(p)];
  int64_t rec = RecordSize(key, value, headers);
  *rolled = false;
  if (part.size > 0 && part.size + rec > opts_.batch_bytes) {
    KLOG_RETURN_IF_ERROR(AppendBatch(p));
    *rolled = true;
  }
  // Explicit even when equal to the base: a record without a timestamp must
  // not take that of the record that happened to start the batch.
  int64_t ts = timestamp.value_or(now_ms);
  if (part.size == 0) {
    part.builder.Reset(ts);
    part.size = int64_t(batch::kHeaderSize);
    part.first_seq = records_added_;
    part.first_line = line;
  }
  part.builder.Add(key, value, headers, ts);
  part.size += rec;
  records_added_++;
  return Status::Ok();
}

Status TopicAppender::OpenWriter(int32_t p) {
  std::string dir = dd_.PartitionPath(info_.name, p);
  auto w = LogWriter::Open(dir, log_opts_);
  if (!w.ok()) {
    return w.status().WithContext("partition " + info_.name + "-" + std::to_string(p));
  }
  parts_[size_t(p)].writer = std::move(*w);
  return Status::Ok();
}

Status TopicAppender::AppendBatch(int32_t p) {
  Partition& part = parts_[size_t(p)];
  if (part.size == 0) return Status::Ok();
  Status st = WriteBatch(p);
  if (!st.ok()) {
    failed_ = true;  // the batch stays pending: unappended() counts it
    return st;
  }
  part.size = 0;
  return Status::Ok();
}

Status TopicAppender::WriteBatch(int32_t p) {
  Partition& part = parts_[size_t(p)];
  if (!part.writer) KLOG_RETURN_IF_ERROR(OpenWriter(p));
  int count = part.builder.count();
  auto batch = part.builder.Finish(opts_.codec);
  if (!batch.ok()) return batch.status();
  auto off = part.writer->Append(*batch);
  if (!off.ok()) {
    return off.status().WithContext(std::to_string(count) + " records not appended to " +
                                    info_.name + "-" + std::to_string(p));
  }
  records_appended_ += count;
  return Status::Ok();
}

Status TopicAppender::FlushBatches() {
  for (int32_t p = 0; p < info_.partitions; p++) KLOG_RETURN_IF_ERROR(AppendBatch(p));
  return Status::Ok();
}

Status TopicAppender::Close() {
  Status first = failed_ ? Status::Ok() : FlushBatches();
  for (int32_t p = 0; p < info_.partitions; p++) {
    auto& w = parts_[size_t(p)].writer;
    if (!w) continue;
    Status st = w->Close();
    if (!st.ok() && first.ok()) first = st.WithContext(info_.name + "-" + std::to_string(p));
    w.reset();
  }
  return first;
}

std::optional<TopicAppender::Unappended> TopicAppender::unappended() const {
  if (!failed_) return std::nullopt;
  // The pending batch whose first record came first: every record added
  // before it is in the log, and so are the appended ones added after it.
  const Partition* earliest = nullptr;
  for (const Partition& part : parts_) {
    if (part.size > 0 && (earliest == nullptr || part.first_seq < earliest->first_seq)) {
      earliest = &part;
    }
  }
  if (earliest == nullptr) return std::nullopt;  // not reached: the failed batch is pending
  return Unappended{earliest->first_line, records_appended_ - earliest->first_seq};
}

}  // namespace klog
