// Private to the dump (dump.cpp, index.cpp): the walker behind Dump().
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dump/writer.h"
#include "klog/dump.h"
#include "klog/record.h"
#include "klog/segment.h"
#include "storage/segment_list.h"

namespace klog::dump_internal {

bool EndsWith(std::string_view s, std::string_view suffix);

struct Segment {
  std::string stem;      // path without the suffix: DIR/00000000000000001000
  std::string log_path;  // stem + ".log"
  int64_t base = -1;     // from the file name; -1 if it is not a segment name
  bool sealed = false;   // a later segment lies beside it
  bool in_dir = false;   // dumped as part of its partition directory
};

struct BatchSpan {
  int64_t position;
  int64_t base_offset;
  int64_t last_offset;
};

// What scanning a .log found: totals for its "ok" line, and (when verifying)
// the batch positions the index checks need.
struct LogScan {
  LogTotals totals;
  int64_t max_timestamp = -1;
  std::vector<BatchSpan> batches;
  Status problem;  // the first problem a dump went on past
};

// offsets.cpp: the records of __consumer_offsets must decode.
// True if the .log lies in a partition directory of __consumer_offsets.
bool IsOffsetsTopicLog(const std::string& log_path);
// Corruption "<file> pos <batch position>: record at offset N: <why>" for a
// record of a data batch that does not decode; Ok otherwise.
Status VerifyOffsetsRecord(const std::string& log_path, const BatchInfo& b, const RecordView& r);

class Dumper {
 public:
  Dumper(const DumpOptions& o, std::ostream& out, const DumpWarningFn& warn);
  Status DumpPath(const std::string& path);

 private:
  Segment SegmentFor(const std::string& path, std::string_view suffix);
  Status DumpDirectory(const std::string& dir);
  Status DumpSegment(const Segment& seg);
  Status ScanLog(const Segment& seg, LogScan* scan);
  Status OnBatch(const Segment& seg, const BatchInfo& b, std::span<const uint8_t> bytes,
                 LogScan* scan);
  Status CheckFirstBatch(const Segment& seg, const BatchHeader& h);

  // partition.cpp (verify only): klog.segments against the directory,
  // orphaned files; then, per segment, its list entry or (without a list)
  // that it follows the previous segment.
  Status VerifyPartition(const std::string& dir, const std::vector<int64_t>& bases);
  Status CheckListed(const Segment& seg, const LogScan& scan);

  // index.cpp. `scan` is the segment's verified scan (verify only).
  Status OffsetIndexFile(const Segment& seg, const LogScan* scan);
  Status TimeIndexFile(const Segment& seg, const LogScan* scan);
  Status DigestFile(const Segment& seg, bool given);
  Status IndexFileAlone(const Segment& seg, bool offset_index);

  DumpOptions opts_;
  DumpWriter writer_;
  DumpWarningFn warn_;
  RecordIterator records_;
  int64_t prev_last_offset_ = -1;  // of the previous segment of the same directory
  bool offsets_topic_ = false;     // the segment being dumped is in __consumer_offsets
  // The directory's klog.segments (verify), and without one whether offsets
  // must run on from segment to segment (a topic known not to be compacted).
  bool have_list_ = false;
  SegmentList list_;
  bool contiguous_ = false;
};

}  // namespace klog::dump_internal
