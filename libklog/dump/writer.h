// Private to the dump: renders each dump item as one text or JSON line (the
// formats are specified in klog/dump.h). Holds no state besides the stream and
// a scratch buffer it reuses for JSON strings.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "klog/record.h"
#include "klog/segment.h"

namespace klog {

// Totals of a verified .log, for its "ok" line.
struct LogTotals {
  int64_t batches = 0;
  int64_t records = 0;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
};

class DumpWriter {
 public:
  DumpWriter(std::ostream& out, bool json) : out_(out), json_(json) {}

  void LogStart(const std::string& path, int64_t size);
  void Batch(const BatchInfo& b);
  void Record(const RecordView& r);
  void Tail(int64_t position, int64_t size);
  void IndexStart(const std::string& path, size_t entries);
  void IndexEntry(int64_t offset, int64_t position);
  void TimeIndexStart(const std::string& path, size_t entries);
  void TimeIndexEntry(int64_t timestamp, int64_t offset);
  void Digest(const std::string& path, const SegmentDigest& d);

  void OkLog(const std::string& path, const LogTotals& t);
  void OkIndex(const std::string& path, size_t entries);
  void OkDigest(const std::string& path, const SegmentDigest& d);
  // A partition directory with no segment yet (a fresh partition).
  void EmptyPartition(const std::string& dir, bool verify);

 private:
  void TextBytes(std::optional<std::string_view> bytes);
  void JsonString(std::string_view s);
  void JsonBytesField(std::string_view name, std::optional<std::string_view> bytes);
  void BatchText(const BatchInfo& b);
  void BatchJson(const BatchInfo& b);

  std::ostream& out_;
  bool json_;
  std::string scratch_;
};

}  // namespace klog
