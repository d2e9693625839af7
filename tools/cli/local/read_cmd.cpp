#include "cli/local/read_cmd.h"

#include <algorithm>

#include "cli/cli.h"
#include "cli/json_record.h"
#include "cli/local/follow.h"
#include "klog/topic.h"

namespace klog::cli::local {

void RecordPrinter::PrintJson(int32_t partition, const RecordView& r) {
  WriteJsonRecord(opts_.topic, partition, r, out_);
}

Status ReadSession::Open() {
  DataDir dd(opts_.data_dir);
  auto info = dd.DescribeTopic(opts_.topic);
  if (!info.ok()) {
    if (info.status().IsNotFound()) {
      return Status::NotFound("topic '" + opts_.topic + "' does not exist");
    }
    return info.status();
  }
  std::vector<int32_t> parts = opts_.partitions;
  if (parts.empty()) {
    for (int32_t p = 0; p < info->partitions; p++) parts.push_back(p);
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  for (int32_t p : parts) {
    if (p >= info->partitions) {
      return Status::NotFound("partition " + std::to_string(p) + " does not exist (topic '" +
                              opts_.topic + "' has " + std::to_string(info->partitions) + ")");
    }
    auto c = std::make_unique<PartitionCursor>();
    c->partition = p;
    ReaderOptions ro;
    ro.warn = [&tool = tool_](const std::string& m) { tool.Diag("warning: " + m); };
    auto reader = LogReader::Open(dd.PartitionPath(opts_.topic, p), ro);
    if (!reader.ok()) return reader.status();
    c->reader = std::move(*reader);
    auto start = ResolveStartOffset(tool_, opts_.start, *c->reader);
    if (!start.ok()) return start.status();
    c->next = *start;
    KLOG_RETURN_IF_ERROR(c->reader->Seek(c->next));
    cursors_.push_back(std::move(c));
  }
  return Status::Ok();
}

bool ReadSession::finished() const {
  if (remaining_ == 0 || !out_.ok()) return true;
  return std::all_of(cursors_.begin(), cursors_.end(), [](const auto& c) { return c->done; });
}

Status ReadSession::DrainBatch(PartitionCursor& c, std::span<const uint8_t> batch) {
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(batch, &h));
  if (h.last_offset() < c.next) return Status::Ok();
  if (h.is_control()) {
    c.next = h.last_offset() + 1;
    return Status::Ok();
  }
  KLOG_RETURN_IF_ERROR(c.records.Reset(batch));
  RecordView r;
  while (c.records.Next(&r)) {
    if (r.offset < c.next) continue;
    if (opts_.ReachedUntil(r.offset, r.timestamp)) {
      c.done = true;
      return Status::Ok();
    }
    printer_.Print(c.partition, r);
    c.next = r.offset + 1;
    if (remaining_ > 0 && --remaining_ == 0) return Status::Ok();
  }
  KLOG_RETURN_IF_ERROR(c.records.status());
  c.next = std::max(c.next, h.last_offset() + 1);
  return Status::Ok();
}

Status ReadSession::Drain(PartitionCursor& c, bool refresh) {
  if (refresh) KLOG_RETURN_IF_ERROR(c.reader->Refresh());
  while (!c.done && !finished()) {
    auto chunk = c.reader->Next();
    if (!chunk.ok()) return chunk.status();
    std::span<const uint8_t> bytes = *chunk;
    if (bytes.empty()) break;
    int64_t pos = c.reader->span_position();
    while (!bytes.empty() && !c.done && !finished()) {
      auto size = NextBatchSize(bytes);
      if (!size.ok()) return size.status();
      if (*size == 0) break;  // the reader returns whole batches; be safe anyway
      Status st = DrainBatch(c, bytes.subspan(0, *size));
      // Name the batch as klog-dump does: segment file and byte position.
      if (!st.ok()) return st.WithContext(c.reader->span_path() + " pos " + std::to_string(pos));
      bytes = bytes.subspan(*size);
      pos += int64_t(*size);
    }
  }
  return Status::Ok();
}

int RunRead(Tool& tool, const ReadOptions& opts) {
  ReadSession session(tool, opts, tool.out());
  Status st = session.Open();
  if (!st.ok()) return tool.Fail(st);
  for (auto& c : session.cursors()) {
    st = session.Drain(*c, false);
    if (!st.ok()) return tool.Fail(st);
    if (session.finished()) break;
  }
  if (!opts.follow || session.finished()) return kExitOk;
  session.out().Flush();
  st = Follow(session);
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

}  // namespace klog::cli::local
