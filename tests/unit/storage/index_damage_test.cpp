// A damaged offset index never makes data unreadable: entries that cannot
// be trusted are ignored, the reader scans the .log instead and says which
// file, and the writer rebuilds the active segment's index.
#include <doctest/doctest.h>

#include "klog/coding.h"
#include "klog/index.h"
#include "storage_test_util.h"

namespace klog {
namespace {

using test::TempDir;

// One active segment of 40 batches of 3 records, with an index entry every
// 200 bytes or so.
void WriteActive(const std::string& dir) {
  LogOptions o = test::Quiet();
  o.index_interval_bytes = 200;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  for (int i = 0; i < 40; ++i) {
    auto batch = test::MakeBatch((*w)->next_offset(), 3, 10000);
    REQUIRE((*w)->Append(batch).ok());
  }
  REQUIRE((*w)->Close().ok());
}

// Replaces the position of index entry `i` (from the end when negative).
void SetPosition(const std::string& index_path, int i, int32_t position) {
  std::string bytes = test::Slurp(index_path);
  size_t n = bytes.size() / kIndexEntrySize;
  REQUIRE(n >= 3);
  size_t at = (i < 0 ? n - size_t(-i) : size_t(i)) * kIndexEntrySize + 4;
  PutBE32(reinterpret_cast<uint8_t*>(bytes.data() + at), uint32_t(position));
  test::Spit(index_path, bytes);
}

int32_t PositionAt(const std::string& index_path, int i) {
  std::string bytes = test::Slurp(index_path);
  size_t n = bytes.size() / kIndexEntrySize;
  size_t at = (i < 0 ? n - size_t(-i) : size_t(i)) * kIndexEntrySize + 4;
  return int32_t(GetBE32(reinterpret_cast<const uint8_t*>(bytes.data() + at)));
}

void CheckReadsEverything(const std::string& dir, std::vector<std::string>* warnings) {
  ReaderOptions ro;
  ro.warn = [warnings](const std::string& m) { warnings->push_back(m); };
  auto r = LogReader::Open(dir, ro);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK((*r)->end_offset() == 120);
  int64_t next = 0;
  for (;;) {
    auto chunk = (*r)->Next(300);
    REQUIRE_MESSAGE(chunk.ok(), chunk.status().ToString());
    if (chunk->empty()) break;
    std::span<const uint8_t> rest = *chunk;
    while (!rest.empty()) {
      BatchHeader h;
      REQUIRE(ParseBatchHeader(rest, &h).ok());
      CHECK(h.base_offset == next);
      next = h.last_offset() + 1;
      rest = rest.subspan(size_t(h.size()));
    }
  }
  CHECK(next == 120);
  for (int64_t offset = 0; offset < 120; ++offset) {
    REQUIRE((*r)->Seek(offset).ok());
    auto chunk = (*r)->Next(1);
    REQUIRE(chunk.ok());
    BatchHeader h;
    REQUIRE(ParseBatchHeader(*chunk, &h).ok());
    CHECK(h.base_offset <= offset);
    CHECK(h.last_offset() >= offset);
  }
}

TEST_CASE("a negative position in the active segment's index falls back to a scan with a warning") {
  for (int entry : {-1, 1}) {
    INFO("entry " << entry);
    TempDir d;
    std::string dir = d.Sub("t-0");
    WriteActive(dir);
    std::string index = SegmentPath(dir, 0, kIndexSuffix);
    SetPosition(index, entry, -5);
    std::vector<std::string> warnings;
    CheckReadsEverything(dir, &warnings);
    REQUIRE(!warnings.empty());
    CHECK(warnings[0].find(index) == 0);
    CHECK(warnings.size() == 1);  // once per file and reader
    // The writer's recovery rebuilds it.
    std::vector<std::string> writer_warnings;
    {
      auto w = LogWriter::Open(dir, test::Quiet(&writer_warnings));
      REQUIRE(w.ok());
    }
    CHECK(!writer_warnings.empty());
    CHECK(ReadOffsetIndex(index).ok());
    warnings.clear();
    CheckReadsEverything(dir, &warnings);
    CHECK(warnings.empty());
  }
}

TEST_CASE("an index entry pointing inside a batch or past the log falls back to a scan") {
  for (int32_t delta : {3, 1 << 30}) {
    INFO("delta " << delta);
    TempDir d;
    std::string dir = d.Sub("t-0");
    WriteActive(dir);
    std::string index = SegmentPath(dir, 0, kIndexSuffix);
    SetPosition(index, -1, PositionAt(index, -1) + delta);
    SetPosition(index, 2, PositionAt(index, 2) + delta);
    std::vector<std::string> warnings;
    CheckReadsEverything(dir, &warnings);
    if (delta == 3) {
      REQUIRE(warnings.size() == 1);
      CHECK(warnings[0].find(index + ": an entry points at position ") == 0);
    }
  }
}

}  // namespace
}  // namespace klog
