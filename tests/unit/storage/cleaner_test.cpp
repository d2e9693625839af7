// The log cleaner (cleaner.h): compaction against a model of the log,
// tombstones and their horizon, what is cleanable, and Commit's checks.
#include <doctest/doctest.h>

#include <sstream>

#include "cleaner_test_util.h"
#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/coding.h"

namespace klog {
namespace {

using test::Model;
using test::ModelRec;
using test::OptStr;

constexpr int64_t kNow = 1'800'000'000'000;  // after every test timestamp

LogOptions SmallSegments(int64_t bytes = 1500) {
  LogOptions o = test::Quiet();
  o.segment_bytes = bytes;
  o.index_interval_bytes = 256;
  return o;
}

CleanerOptions Cleaner(int64_t segment_bytes = 1500, int64_t now = kNow) {
  CleanerOptions c;
  c.segment_bytes = segment_bytes;
  c.index_interval_bytes = 256;
  c.sync = false;
  c.clock_ms = [now] { return now; };
  return c;
}

const std::vector<Compression> kAllCodecs = {Compression::kNone, Compression::kGzip,
                                             Compression::kSnappy, Compression::kLz4,
                                             Compression::kZstd};

int64_t CountKeyless(const std::vector<ModelRec>& recs, int64_t below) {
  int64_t n = 0;
  for (const ModelRec& r : recs) n += r.offset < below && !r.key;
  return n;
}

void CompactAndCheck(LogWriter* w, Model* model, const CleanerOptions& opts, CleanResult* res) {
  int64_t end = test::ActiveBase(w->dir());
  Status st = CompactLog(w, opts, res);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  test::CheckSame(test::ReadRecords(w->dir()), model->Compacted(end));
  CHECK(res->first_dirty == end);
  Status v = test::Verify(w->dir());
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("compaction leaves the latest record of each key, offsets and fields intact") {
  for (uint64_t seed : {1, 2, 3}) {
    for (int64_t keys : {15, 3000}) {
      INFO("seed " << seed << " keys " << keys);
      test::TempDir d;
      std::string dir = d.Sub("t-0");
      auto w = LogWriter::Open(dir, SmallSegments());
      REQUIRE(w.ok());
      Model model(seed, keys, kAllCodecs);
      for (int i = 0; i < 300; ++i) model.AppendBatch(w->get());
      int64_t end = test::ActiveBase(dir);
      CleanResult res;
      CompactAndCheck(w->get(), &model, Cleaner(), &res);
      CHECK(res.passes == 1);
      CHECK(res.keyless_removed == CountKeyless(model.all, end));
      CHECK(res.records_kept ==
            int64_t(model.Compacted(end).size()) - int64_t(model.all.size() - size_t(end)));
      if (keys == 15) CHECK(res.bytes_written < res.bytes_read / 4);
      // A second compaction finds nothing to do and changes nothing.
      CleanResult again;
      REQUIRE(CompactLog(w->get(), Cleaner(), &again).ok());
      CHECK(again.passes == 0);
      test::CheckSame(test::ReadRecords(dir), model.Compacted(end));
    }
  }
}

TEST_CASE("a key map too small for the dirty part cleans in several passes") {
  for (uint64_t seed : {7, 8}) {
    test::TempDir d;
    std::string dir = d.Sub("t-0");
    auto w = LogWriter::Open(dir, SmallSegments());
    REQUIRE(w.ok());
    Model model(seed, 500, {Compression::kNone, Compression::kLz4});
    for (int i = 0; i < 250; ++i) model.AppendBatch(w->get());
    CleanerOptions opts = Cleaner();
    opts.key_map_bytes = 24 * 60;  // 54 keys
    CleanResult res;
    CompactAndCheck(w->get(), &model, opts, &res);
    CHECK(res.passes > 1);
    CHECK(res.key_map_peak <= 54);
    CHECK(res.key_map_peak > 40);
  }
}

TEST_CASE("appends and compactions interleaved keep matching the model") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments());
  REQUIRE(w.ok());
  Model model(42, 60, kAllCodecs);
  for (int round = 0; round < 6; ++round) {
    INFO("round " << round);
    for (int i = 0; i < 80; ++i) model.AppendBatch(w->get());
    CleanerOptions opts = Cleaner(3000);
    if (round % 2) opts.key_map_bytes = 24 * 30;
    CleanResult res;
    CompactAndCheck(w->get(), &model, opts, &res);
    CHECK(res.passes >= 1);
  }
  // Reopening (recovery of every cleaned segment) keeps the log as it is.
  int64_t end = test::ActiveBase(dir);
  w->reset();
  auto again = LogWriter::Open(dir, SmallSegments());
  REQUIRE(again.ok());
  test::CheckSame(test::ReadRecords(dir), model.Compacted(end));
}

// One batch of records (key, value) with timestamps ts, ts+1, ...
void AppendKeyed(LogWriter* w, std::vector<std::pair<OptStr, OptStr>> recs, int64_t ts) {
  BatchBuilder b;
  b.Reset(ts);
  for (auto& [k, v] : recs) {
    b.Add(k ? std::optional<std::string_view>(*k) : std::nullopt,
          v ? std::optional<std::string_view>(*v) : std::nullopt, {}, ts++);
  }
  auto bytes = b.Finish();
  REQUIRE(bytes.ok());
  REQUIRE(w->Append(*bytes).ok());
}

// The delete horizons of the batches of a partition (-1 where none).
std::vector<int64_t> Horizons(const std::string& dir) {
  std::vector<int64_t> out;
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  for (int64_t base : *segs) {
    int64_t end = 0;
    Status st = ScanSegment(
        SegmentPath(dir, base, kLogSuffix), 0,
        [&](const BatchInfo& b, std::span<const uint8_t>) {
          bool set = b.header.attributes & batch::kDeleteHorizonBit;
          out.push_back(set ? b.header.base_timestamp : -1);
          return true;
        },
        &end);
    REQUIRE(st.ok());
  }
  return out;
}

TEST_CASE("tombstones keep a horizon after the first clean and go once it has passed") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments(200));
  REQUIRE(w.ok());
  const int64_t ts = 1'700'000'000'000;
  AppendKeyed(w->get(), {{"a", "1"}, {"b", "1"}}, ts);
  AppendKeyed(w->get(), {{"a", std::nullopt}, {"c", "1"}}, ts + 10);  // a deleted
  AppendKeyed(w->get(), {{"c", std::nullopt}}, ts + 20);              // c deleted ...
  AppendKeyed(w->get(), {{"c", "2"}}, ts + 30);                       // ... and written again
  // z fills the segments so that fill-2 (offset 8) is alone in the active one.
  for (int i = 0; i < 3; ++i) AppendKeyed(w->get(), {{"z", "fill-" + std::to_string(i)}}, ts + 40);
  REQUIRE(test::ActiveBase(dir) == 8);
  CleanerOptions opts = Cleaner(1 << 20);
  opts.delete_retention_ms = 1000;
  opts.sync = true;  // the fsync paths too
  int64_t now = kNow;
  opts.clock_ms = [&now] { return now; };
  CleanResult res;
  REQUIRE(CompactLog(w->get(), opts, &res).ok());
  auto recs = test::ReadRecords(dir);
  // a's tombstone stays (within the horizon), c's superseded tombstone is gone.
  std::vector<std::pair<int64_t, OptStr>> got;
  for (auto& r : recs) got.emplace_back(r.offset, r.value);
  std::vector<std::pair<int64_t, OptStr>> want = {
      {1, "1"}, {2, std::nullopt}, {5, "2"}, {7, "fill-1"}, {8, "fill-2"}};
  CHECK(got == want);
  CHECK(recs[1].timestamp == ts + 10);  // the tombstone keeps its own timestamp
  CHECK(recs[0].timestamp == ts + 1);
  std::vector<int64_t> horizons = Horizons(dir);
  CHECK(std::count(horizons.begin(), horizons.end(), kNow + 1000) == 1);
  CHECK(res.tombstones_removed == 0);
  std::ostringstream dump;
  REQUIRE(Dump({dir}, DumpOptions{}, dump, [](const std::string&) {}).ok());
  CHECK(dump.str().find(" deleteHorizon: " + std::to_string(kNow + 1000) + " crc: ") !=
        std::string::npos);
  // klog.cleaner notes the horizon, so that a pass runs once it has passed.
  CHECK(test::Slurp(dir + "/klog.cleaner").find(" horizon " + std::to_string(kNow + 1000)) !=
        std::string::npos);

  // Before the horizon a new clean keeps it; after it, the tombstone goes
  // although nothing new is dirty.
  now = kNow + 999;
  REQUIRE(CompactLog(w->get(), opts, &res).ok());
  CHECK(test::ReadRecords(dir).size() == 5);
  now = kNow + 1000;
  REQUIRE(CompactLog(w->get(), opts, &res).ok());
  CHECK(res.tombstones_removed == 1);
  recs = test::ReadRecords(dir);
  got.clear();
  for (auto& r : recs) got.emplace_back(r.offset, r.value);
  want = {{1, "1"}, {5, "2"}, {7, "fill-1"}, {8, "fill-2"}};
  CHECK(got == want);
  CHECK(test::Slurp(dir + "/klog.cleaner").find(" horizon -1 ") != std::string::npos);
  // No tombstone is left: nothing is due, and nothing is cleaned again.
  now += 10'000;
  REQUIRE(CompactLog(w->get(), opts, &res).ok());
  CHECK(res.passes == 0);
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("min compaction lag keeps new segments dirty; the active segment is never touched") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments(300));
  REQUIRE(w.ok());
  const int64_t ts = 1'700'000'000'000;
  for (int i = 0; i < 40; ++i) {
    AppendKeyed(w->get(), {{"k", "v" + std::to_string(i)}, {std::nullopt, "keyless"}},
                ts + i * 1000);
  }
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  REQUIRE(segs->size() > 6);
  std::map<int64_t, std::string> before;
  for (int64_t base : *segs) before[base] = test::Slurp(SegmentPath(dir, base, kLogSuffix));
  // Segments whose records are all older than 20 s before `now` are cleanable.
  CleanerOptions opts = Cleaner(1 << 20, ts + 40'000);
  opts.min_compaction_lag_ms = 20'000;
  auto state = CleanableStateOf(w->get(), opts);
  REQUIRE(state.ok());
  CHECK(state->clean_bytes == 0);
  CleanResult res;
  REQUIRE(CompactLog(w->get(), opts, &res).ok());
  CHECK(res.passes == 1);
  int64_t first_dirty = res.first_dirty;
  CHECK(first_dirty > 0);
  std::vector<ModelRec> recs = test::ReadRecords(dir);
  int64_t kept_below = 0;
  int64_t keyless_below = 0;
  for (const ModelRec& r : recs) {
    kept_below += r.offset < first_dirty;
    keyless_below += r.offset < first_dirty && !r.key;
  }
  CHECK(kept_below == 1);  // the latest "k" of the clean part
  CHECK(keyless_below == 0);
  CHECK(res.keyless_removed == first_dirty / 2);
  for (int64_t base : *segs) {
    if (base < first_dirty) continue;  // cleaned (or merged away)
    CHECK(test::Slurp(SegmentPath(dir, base, kLogSuffix)) == before[base]);
  }
  // Every record at or above first_dirty is still there (none was cleanable).
  CHECK(int64_t(recs.size()) == 1 + (w->get()->next_offset() - first_dirty));
}

TEST_CASE("Commit after retention deleted a source segment is Busy and leaves the log intact") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments());
  REQUIRE(w.ok());
  Model model(5, 10);
  for (int i = 0; i < 120; ++i) model.AppendBatch(w->get());
  auto pass = PlanClean(w->get(), Cleaner());
  REQUIRE(pass.ok());
  REQUIRE(!(*pass)->empty());
  REQUIRE(RunClean(pass->get()).ok());
  RetentionResult rr;
  REQUIRE((*w)->TruncateBefore(test::ActiveBase(dir) - 1, &rr).ok());
  REQUIRE(rr.deleted_segments > 0);
  std::vector<ModelRec> before = test::ReadRecords(dir);
  CleanResult res;
  Status st = CommitClean(w->get(), pass->get(), &res);
  CHECK(st.code() == Status::Code::kBusy);
  CHECK(st.message().find("changed under the cleaner") != std::string::npos);
  CHECK(res.passes == 0);
  test::CheckSame(test::ReadRecords(dir), before);
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    CHECK(e.path().string().find(".cleaned") == std::string::npos);
  }
  CHECK(!std::filesystem::exists(dir + "/klog.cleaning"));
}

TEST_CASE("dirty ratio figures of a known log") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments(400));
  REQUIRE(w.ok());
  const int64_t ts = 1'700'000'000'000;
  for (int i = 0; i < 30; ++i) AppendKeyed(w->get(), {{"k" + std::to_string(i % 3), "v"}}, ts);
  auto sealed_bytes = [&](int64_t from_base) {
    int64_t total = 0;
    auto segs = ListSegments(dir);
    for (size_t i = 0; i + 1 < segs->size(); ++i) {
      if ((*segs)[i] >= from_base)
        total += test::FileSize(SegmentPath(dir, (*segs)[i], kLogSuffix));
    }
    return total;
  };
  auto state = CleanableStateOf(w->get(), Cleaner());
  REQUIRE(state.ok());
  CHECK(state->first_dirty == 0);
  CHECK(state->clean_bytes == 0);
  CHECK(state->dirty_bytes == sealed_bytes(0));
  CHECK(state->dirty_ratio() == 1.0);
  CleanResult res;
  REQUIRE(CompactLog(w->get(), Cleaner(), &res).ok());
  int64_t end = test::ActiveBase(dir);
  state = CleanableStateOf(w->get(), Cleaner());
  REQUIRE(state.ok());
  CHECK(state->first_dirty == end);
  CHECK(state->dirty_bytes == 0);
  CHECK(state->clean_bytes == sealed_bytes(0));
  CHECK(state->dirty_ratio() == 0.0);
  for (int i = 0; i < 30; ++i) AppendKeyed(w->get(), {{"k" + std::to_string(i % 3), "v"}}, ts);
  state = CleanableStateOf(w->get(), Cleaner());
  REQUIRE(state.ok());
  CHECK(state->dirty_bytes == sealed_bytes(end));
  CHECK(state->clean_bytes == sealed_bytes(0) - sealed_bytes(end));
  double want = double(state->dirty_bytes) / double(state->dirty_bytes + state->clean_bytes);
  CHECK(state->dirty_ratio() == doctest::Approx(want));
  CHECK(state->dirty_ratio() > 0.5);
}

}  // namespace
}  // namespace klog

namespace klog {
namespace {

// The batch headers of a partition, in order.
std::vector<BatchHeader> Headers(const std::string& dir) {
  std::vector<BatchHeader> out;
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  for (int64_t base : *segs) {
    int64_t end = 0;
    REQUIRE(ScanSegment(
                SegmentPath(dir, base, kLogSuffix), 0,
                [&](const BatchInfo& b, std::span<const uint8_t>) {
                  out.push_back(b.header);
                  return b.crc_ok;
                },
                &end)
                .ok());
  }
  return out;
}

TEST_CASE("a rewritten batch keeps its offsets, codec, max timestamp and producer fields") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments(100));
  REQUIRE(w.ok());
  const int64_t ts = 1'700'000'000'000;
  BatchBuilder b;
  b.Reset(ts);
  b.Add("k1", "old", {}, ts);
  b.Add("k2", "two", {}, ts + 7);
  b.Add("k1", "new", {}, ts + 3);
  auto bytes = b.Finish(Compression::kZstd);
  REQUIRE(bytes.ok());
  // An idempotent producer's fields (covered by the CRC).
  uint8_t* p = bytes->data();
  PutBE64(p + batch::kProducerIdPos, 4242);
  PutBE16(p + batch::kProducerEpochPos, 3);
  PutBE32(p + batch::kBaseSequencePos, 17);
  PutBE32(p + batch::kCrcPos, Crc32c(p + batch::kCrcStart, bytes->size() - batch::kCrcStart));
  REQUIRE((*w)->Append(*bytes).ok());
  AppendKeyed(w->get(), {{"z", "active"}}, ts + 10);  // rolls: the first segment is sealed
  REQUIRE(test::ActiveBase(dir) == 3);
  CleanResult res;
  REQUIRE(CompactLog(w->get(), Cleaner(), &res).ok());
  std::vector<BatchHeader> h = Headers(dir);
  REQUIRE(h.size() == 2);
  CHECK(h[0].base_offset == 0);
  CHECK(h[0].last_offset_delta == 2);
  CHECK(h[0].records_count == 2);
  CHECK(h[0].compression() == Compression::kZstd);
  CHECK(h[0].max_timestamp == ts + 7);
  CHECK(h[0].base_timestamp == ts);
  CHECK(h[0].producer_id == 4242);
  CHECK(h[0].producer_epoch == 3);
  CHECK(h[0].base_sequence == 17);
  auto recs = test::ReadRecords(dir);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].offset == 1);
  CHECK(*recs[0].value == "two");
  CHECK(recs[0].timestamp == ts + 7);
  CHECK(recs[1].offset == 2);
  CHECK(*recs[1].value == "new");
  CHECK(recs[1].timestamp == ts + 3);
}

TEST_CASE("a segment left with no record stays empty and the log still opens and reads") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments(150));
  REQUIRE(w.ok());
  const int64_t ts = 1'700'000'000'000;
  AppendKeyed(w->get(), {{std::nullopt, "a"}, {std::nullopt, "b"}}, ts);
  AppendKeyed(w->get(), {{std::nullopt, "c"}}, ts);
  AppendKeyed(w->get(), {{"k", "v"}}, ts);
  REQUIRE(test::ActiveBase(dir) > 0);
  CleanResult res;
  REQUIRE(CompactLog(w->get(), Cleaner(), &res).ok());
  CHECK(res.keyless_removed == 3);
  CHECK(test::FileSize(SegmentPath(dir, 0, kLogSuffix)) == 0);
  auto recs = test::ReadRecords(dir);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].offset == 3);
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
  w->reset();
  auto again = LogWriter::Open(dir, SmallSegments(150));
  REQUIRE(again.ok());
  CHECK((*again)->next_offset() == 4);
  AppendKeyed(again->get(), {{"k", "v2"}}, ts);
  CHECK(test::ReadRecords(dir).size() == 2);
}

TEST_CASE("a torn swap manifest is corruption naming it, and the log is left alone") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  {
    auto w = LogWriter::Open(dir, SmallSegments());
    REQUIRE(w.ok());
    Model model(3, 10);
    for (int i = 0; i < 40; ++i) model.AppendBatch(w->get());
  }
  test::Spit(dir + "/klog.cleaning", "klog-cleaning 1 first_dirty 5 horizon -1 groups 1 gro");
  auto w = LogWriter::Open(dir, SmallSegments());
  REQUIRE(!w.ok());
  CHECK(w.status().IsCorruption());
  CHECK(w.status().message().find("klog.cleaning") != std::string::npos);
}

}  // namespace
}  // namespace klog

namespace klog {
namespace {

TEST_CASE("a pass whose cleaned files a later plan removed is Busy on Commit, not a loss") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments());
  REQUIRE(w.ok());
  Model model(9, 10);
  for (int i = 0; i < 80; ++i) model.AppendBatch(w->get());
  std::vector<ModelRec> before = test::ReadRecords(dir);
  auto first = PlanClean(w->get(), Cleaner());
  REQUIRE(first.ok());
  REQUIRE(RunClean(first->get()).ok());
  auto second = PlanClean(w->get(), Cleaner());  // its recovery rolls the first pass back
  REQUIRE(second.ok());
  CleanResult res;
  Status st = CommitClean(w->get(), first->get(), &res);
  CHECK(st.code() == Status::Code::kBusy);
  test::CheckSame(test::ReadRecords(dir), before);
  // The second pass still does the job.
  int64_t end = test::ActiveBase(dir);
  REQUIRE(RunClean(second->get()).ok());
  REQUIRE(CommitClean(w->get(), second->get(), &res).ok());
  CHECK(res.passes == 1);
  test::CheckSame(test::ReadRecords(dir), model.Compacted(end));
}

}  // namespace
}  // namespace klog

namespace klog {
namespace {

TEST_CASE("a log with only its active segment has nothing to clean") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments(1 << 20));
  REQUIRE(w.ok());
  AppendKeyed(w->get(), {{"k", "1"}, {"k", "2"}, {std::nullopt, "x"}}, 1'700'000'000'000);
  auto pass = PlanClean(w->get(), Cleaner());
  REQUIRE(pass.ok());
  CHECK((*pass)->empty());
  CHECK(RunClean(pass->get()).ok());
  CleanResult res;
  CHECK(CommitClean(w->get(), pass->get(), &res).ok());
  CHECK(res.passes == 0);
  REQUIRE(CompactLog(w->get(), Cleaner(), &res).ok());
  CHECK(res.passes == 0);
  CHECK(test::ReadRecords(dir).size() == 3);
  CHECK(!std::filesystem::exists(dir + "/klog.cleaner"));
}

}  // namespace
}  // namespace klog

namespace klog {
namespace {

TEST_CASE("a flipped bit in a sealed segment stops the cleaner with corruption, log untouched") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, SmallSegments());
  REQUIRE(w.ok());
  Model model(13, 10);
  for (int i = 0; i < 60; ++i) model.AppendBatch(w->get());
  auto segs = ListSegments(dir);
  REQUIRE(segs->size() > 3);
  std::string victim = SegmentPath(dir, (*segs)[1], kLogSuffix);
  std::string bytes = test::Slurp(victim);
  bytes[100] ^= 0x10;
  test::Spit(victim, bytes);
  CleanResult res;
  Status st = CompactLog(w->get(), Cleaner(), &res);
  CHECK(st.IsCorruption());
  CHECK(st.message().find(victim + " pos ") == 0);
  CHECK(test::Slurp(victim) == bytes);
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    CHECK(e.path().string().find(".cleaned") == std::string::npos);
  }
  CHECK(!std::filesystem::exists(dir + "/klog.cleaner"));
}

}  // namespace
}  // namespace klog
