// klog.segments: a segment that goes missing is reported with its offsets by
// the reader, the writer and verify (compacted logs too); a directory
// without the list is adopted; a process killed at any step of a roll,
// a deletion or a cleaner swap never makes a hole appear that is not there.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "cleaner_test_util.h"
#include "klog/segment.h"

namespace klog {
namespace {

using test::TempDir;

constexpr int64_t kNow = 1'800'000'000'000;

LogOptions Small(std::vector<std::string>* warnings = nullptr) {
  LogOptions o = test::Quiet(warnings);
  o.segment_bytes = 1500;
  o.index_interval_bytes = 200;
  return o;
}

// Appends batches of 3 records until the log has `segments` segments.
void WriteSegments(const std::string& dir, size_t segments, LogOptions o = Small()) {
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  for (;;) {
    auto segs = ListSegments(dir);
    REQUIRE(segs.ok());
    if (segs->size() >= segments) break;
    auto batch = test::MakeBatch((*w)->next_offset(), 3, 10000);
    REQUIRE((*w)->Append(batch).ok());
  }
  REQUIRE((*w)->Close().ok());
}

std::vector<int64_t> Segs(const std::string& dir) {
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  return *segs;
}

void RemoveSegment(const std::string& dir, int64_t base, bool only_log = false) {
  REQUIRE(std::filesystem::remove(SegmentPath(dir, base, kLogSuffix)));
  if (only_log) return;
  for (std::string_view s : {kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
    std::filesystem::remove(SegmentPath(dir, base, s));
  }
}

std::string MissingMessage(const std::string& dir, int64_t base, int64_t from, int64_t next) {
  return "segment " + SegmentPath(dir, base, kLogSuffix) + " is missing: offsets " +
         std::to_string(from) + "-" + std::to_string(next - 1) + " lost";
}

// Reads the log from its start: the status and the records read before it.
Status ReadFromStart(const std::string& dir, std::vector<test::Rec>* out) {
  return test::ReadAll(dir, out);
}

bool AnyContains(const std::vector<std::string>& v, const std::string& what) {
  for (const std::string& s : v) {
    if (s.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("a missing middle segment is reported by the reader, verify and the writer") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteSegments(dir, 4);
  std::vector<int64_t> segs = Segs(dir);
  RemoveSegment(dir, segs[1]);
  std::string want = MissingMessage(dir, segs[1], segs[1], segs[2]);

  std::vector<test::Rec> got;
  Status st = ReadFromStart(dir, &got);
  CHECK(st.IsCorruption());
  CHECK(st.message() == want);
  REQUIRE(!got.empty());
  CHECK(got.back().offset == segs[1] - 1);  // everything before the hole was read

  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK((*r)->Seek(segs[1] + 1).message() == want);
  REQUIRE((*r)->Seek(segs[2]).ok());
  auto chunk = (*r)->Next();
  REQUIRE(chunk.ok());
  CHECK(!chunk->empty());

  CHECK(test::Verify(dir).message() == want);

  std::vector<std::string> warnings;
  {
    auto w = LogWriter::Open(dir, Small(&warnings));
    REQUIRE(w.ok());
  }
  CHECK(AnyContains(warnings, want));
  // The hole stays reported after a writer opened the partition...
  got.clear();
  CHECK(ReadFromStart(dir, &got).message() == want);
  CHECK(test::Verify(dir).message() == want);
  // ...until the log start passes it (the loss accepted).
  auto w = LogWriter::Open(dir, Small());
  REQUIRE(w.ok());
  RetentionResult res;
  REQUIRE((*w)->TruncateBefore(segs[2], &res).ok());
  got.clear();
  CHECK(ReadFromStart(dir, &got).ok());
  CHECK(test::Verify(dir).ok());
}

TEST_CASE("a middle segment missing only its .log is reported with its offsets") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteSegments(dir, 4);
  std::vector<int64_t> segs = Segs(dir);
  RemoveSegment(dir, segs[2], true);
  std::string want = MissingMessage(dir, segs[2], segs[2], segs[3]);
  std::vector<test::Rec> got;
  CHECK(ReadFromStart(dir, &got).message() == want);
  CHECK(test::Verify(dir).message() == want);
}

TEST_CASE("a missing first sealed segment without a log-start change is reported") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteSegments(dir, 3);
  std::vector<int64_t> segs = Segs(dir);
  RemoveSegment(dir, segs[0]);
  std::string want = MissingMessage(dir, 0, 0, segs[1]);
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK((*r)->start_offset() == 0);
  std::vector<test::Rec> got;
  CHECK(ReadFromStart(dir, &got).message() == want);
  CHECK(got.empty());
  CHECK(test::Verify(dir).message() == want);
  std::vector<std::string> warnings;
  auto w = LogWriter::Open(dir, Small(&warnings));
  REQUIRE(w.ok());
  CHECK((*w)->start_offset() == 0);
  CHECK(AnyContains(warnings, want));
}

TEST_CASE("orphaned index, time index and digest files are reported by verify") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteSegments(dir, 3);
  std::vector<int64_t> segs = Segs(dir);
  REQUIRE(test::Verify(dir).ok());
  for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
    INFO(suffix);
    std::string orphan = SegmentPath(dir, segs[1] + 1, suffix);
    std::filesystem::copy_file(SegmentPath(dir, segs[0], suffix), orphan);
    Status st = test::Verify(dir);
    CHECK(st.IsCorruption());
    CHECK(st.message() ==
          orphan + ": no " + OffsetFileStem(segs[1] + 1) + ".log beside it (orphaned)");
    std::filesystem::remove(orphan);
  }
  // Below the log start they are what an interrupted deletion leaves: warned about.
  std::string left = SegmentPath(dir, segs[0], kIndexSuffix) + ".keep";
  std::filesystem::copy_file(SegmentPath(dir, segs[0], kIndexSuffix), left);
  {
    auto w = LogWriter::Open(dir, Small());
    REQUIRE(w.ok());
    RetentionResult res;
    REQUIRE((*w)->TruncateBefore(segs[1], &res).ok());
    REQUIRE(res.deleted_segments == 1);
  }
  std::filesystem::rename(left, SegmentPath(dir, segs[0], kIndexSuffix));
  CHECK(test::Verify(dir).ok());
}

CleanerOptions Cleaner() {
  CleanerOptions c;
  c.segment_bytes = 1 << 20;
  c.index_interval_bytes = 200;
  c.sync = false;
  c.clock_ms = [] { return kNow; };
  return c;
}

TEST_CASE("a hole in a compacted log is reported, and compaction's own gaps are not") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = Small();
  o.segment_bytes = 1200;
  o.compacted = true;
  test::Model model(7, 40);
  {
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    for (int i = 0; i < 120; ++i) model.AppendBatch(w->get());
    CleanerOptions c = Cleaner();
    c.segment_bytes = 2500;  // several cleaned segments
    CleanResult res;
    REQUIRE(CompactLog(w->get(), c, &res).ok());
    REQUIRE(res.passes > 0);
    for (int i = 0; i < 60; ++i) model.AppendBatch(w->get());
  }
  REQUIRE(test::Verify(dir).ok());
  std::vector<test::Rec> got;
  REQUIRE(ReadFromStart(dir, &got).ok());
  std::vector<int64_t> segs = Segs(dir);
  REQUIRE(segs.size() >= 5);
  RemoveSegment(dir, segs[1]);
  std::string want = MissingMessage(dir, segs[1], segs[1], segs[2]);
  got.clear();
  CHECK(ReadFromStart(dir, &got).message() == want);
  CHECK(test::Verify(dir).message() == want);
  // Compacting again does not merge the segments around the hole away.
  {
    std::vector<std::string> warnings;
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    CleanResult res;
    REQUIRE(CompactLog(w->get(), Cleaner(), &res).ok());
  }
  got.clear();
  CHECK(ReadFromStart(dir, &got).message() == want);
  CHECK(test::Verify(dir).message() == want);
}

TEST_CASE("an old directory without the list is adopted as it is") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteSegments(dir, 4);
  std::string list_path = dir + "/" + std::string(kSegmentListName);
  std::string list = test::Slurp(list_path);
  REQUIRE(!list.empty());
  std::filesystem::remove(list_path);
  std::vector<test::Rec> got;
  REQUIRE(ReadFromStart(dir, &got).ok());
  CHECK(test::Verify(dir).ok());
  std::vector<std::string> warnings;
  {
    auto w = LogWriter::Open(dir, Small(&warnings));
    REQUIRE(w.ok());
  }
  CHECK(warnings.empty());
  CHECK(test::Slurp(list_path) == list);
}

TEST_CASE("an old directory with a missing segment: found by offsets unless compacted") {
  for (bool compacted : {false, true}) {
    INFO("compacted " << compacted);
    TempDir d;
    std::string dir = d.Sub("t-0");
    WriteSegments(dir, 4);
    std::vector<int64_t> segs = Segs(dir);
    std::filesystem::remove(dir + "/" + std::string(kSegmentListName));
    RemoveSegment(dir, segs[1]);
    std::string want = MissingMessage(dir, segs[1], segs[1], segs[2]);
    std::vector<std::string> warnings;
    LogOptions o = Small(&warnings);
    o.compacted = compacted;
    {
      auto w = LogWriter::Open(dir, o);
      REQUIRE(w.ok());
    }
    std::vector<test::Rec> got;
    Status st = ReadFromStart(dir, &got);
    if (compacted) {
      CHECK(warnings.empty());
      CHECK(st.ok());
    } else {
      CHECK(AnyContains(warnings, want));
      CHECK(st.message() == want);
      CHECK(test::Verify(dir).message() == want);
    }
  }
}

// Reads the whole log before any recovery: no segment may be missing.
void CheckNoHoleBeforeRecovery(const std::string& dir) {
  std::vector<test::Rec> got;
  Status st = ReadFromStart(dir, &got);
  CHECK_MESSAGE(st.ok(), st.ToString());
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

// Every sealed segment above the log start is listed, in order, and nothing else; every line
// is whole (klog-format(5): "segment <base> next <next> ...").
void CheckListed(const std::string& dir) {
  std::istringstream in(test::Slurp(dir + "/" + std::string(kSegmentListName)));
  std::vector<int64_t> listed;
  int64_t last_next = -1;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind, next_word;
    int64_t base = 0;
    words >> kind >> base >> next_word >> last_next;
    if (kind == "segment") listed.push_back(base);
    CHECK_MESSAGE(line.find(" check ") != std::string::npos, line);
  }
  std::vector<int64_t> segs = Segs(dir);
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  std::vector<int64_t> sealed;  // those not wholly below the log start (left for retention)
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    if (segs[i + 1] > (*r)->start_offset()) sealed.push_back(segs[i]);
  }
  CHECK(listed == sealed);
  if (!listed.empty()) CHECK(last_next == segs.back());
}

// Recovery after the kill: no warning of a missing segment, all records there.
void RecoverAndCheck(const std::string& dir, int64_t min_records) {
  std::vector<std::string> warnings;
  {
    auto w = LogWriter::Open(dir, Small(&warnings));
    REQUIRE_MESSAGE(w.ok(), w.status().ToString());
  }
  for (const std::string& w : warnings) CHECK_MESSAGE(w.find("is missing") == std::string::npos, w);
  CheckListed(dir);
  std::vector<test::Rec> got;
  Status st = ReadFromStart(dir, &got);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(int64_t(got.size()) >= min_records);
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("a writer killed at every step of a roll never reports a false hole") {
  for (const char* step : {"digest", "create", "list"}) {
    for (int occurrence : {1, 3}) {
      INFO("step " << step << " occurrence " << occurrence);
      TempDir d;
      std::string dir = d.Sub("t-0");
      pid_t pid = test::Fork([&] {
        LogOptions o = Small();
        int seen = 0;
        o.step_hook = [&](std::string_view s) {
          if (s == step && ++seen == occurrence) _exit(9);
        };
        auto w = LogWriter::Open(dir, o);
        if (!w.ok()) return false;
        for (int i = 0; i < 1000; ++i) {
          auto batch = test::MakeBatch((*w)->next_offset(), 3, 10000);
          if (!(*w)->Append(batch).ok()) return false;
        }
        return true;
      });
      REQUIRE(test::Wait(pid) == 9);
      CheckNoHoleBeforeRecovery(dir);
      RecoverAndCheck(dir, 3);
    }
  }
}

TEST_CASE("a roll's entry torn by a crash is ignored and repaired") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteSegments(dir, 4);
  std::string list_path = dir + "/" + std::string(kSegmentListName);
  std::string list = test::Slurp(list_path);
  size_t last_line = list.rfind('\n', list.size() - 2) + 1;
  test::Spit(list_path, list.substr(0, last_line + 20));  // the last entry cut short
  CheckNoHoleBeforeRecovery(dir);
  RecoverAndCheck(dir, 3);
  CHECK(test::Slurp(list_path) == list);
}

TEST_CASE("retention and truncate-before killed at every step never report a false hole") {
  struct Kill {
    const char* step;
    int occurrence;
  };
  for (bool truncate : {false, true}) {
    for (Kill k : {Kill{"log-start", 1}, Kill{"unlink", 1}, Kill{"unlink", 2}, Kill{"list", 1}}) {
      INFO((truncate ? "truncate-before" : "retention")
           << " step " << k.step << " occurrence " << k.occurrence);
      TempDir d;
      std::string dir = d.Sub("t-0");
      WriteSegments(dir, 6);
      std::vector<int64_t> segs = Segs(dir);
      pid_t pid = test::Fork([&] {
        LogOptions o = Small();
        int seen = 0;
        o.step_hook = [&](std::string_view s) {
          if (s == k.step && ++seen == k.occurrence) _exit(9);
        };
        auto w = LogWriter::Open(dir, o);
        if (!w.ok()) return false;
        RetentionResult res;
        Status st = truncate ? (*w)->TruncateBefore(segs[3] + 1, &res)
                             : (*w)->EnforceRetention(-1, 1, &res);
        return st.ok();
      });
      REQUIRE(test::Wait(pid) == 9);
      CheckNoHoleBeforeRecovery(dir);
      RecoverAndCheck(dir, 1);
    }
  }
}

}  // namespace
}  // namespace klog
