// Partition and its manager on a real libuv loop and a temporary data
// directory: the order of append jobs (group commit), waiters woken by
// appends, the offsets after every operation, the Status of unknown
// partitions and bad batches, maintenance ordered with appends, closing a
// topic, and the reader's upper bound that keeps the high watermark.
#include <doctest/doctest.h>

#include <uv.h>

#include <climits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../storage/storage_test_util.h"
#include "broker/config.h"
#include "broker/diagnostics.h"
#include "klog/batch_format.h"
#include "klog/batch_list.h"
#include "klog/coding.h"
#include "klog/log.h"
#include "klog/topic.h"
#include "partition/maintenance_scheduler.h"
#include "partition/partition.h"
#include "partition/partitions.h"

using klog::BatchHeader;
using klog::BatchList;
using klog::LogOptions;
using klog::LogReader;
using klog::LogWriter;
using klog::Result;
using klog::Status;
using klog::partition::AppendCheck;
using klog::partition::AppendResult;
using klog::partition::AppendWatcher;
using klog::partition::Partition;
using klog::partition::PartitionOffsets;
using klog::partition::Partitions;
using klog::test::MakeBatch;

using klog::test::TempDir;

namespace {
// `bytes` (whole batches) with their headers parsed, as Append takes them.
BatchList Parsed(std::vector<uint8_t> bytes) {
  Result<BatchList> list = klog::ParseBatchList(std::move(bytes));
  REQUIRE(list.ok());
  return std::move(*list);
}

struct Loop {
  uv_loop_t loop;
  // The partitions' event lines, discarded (nothing here looks at them).
  klog::broker::Diagnostics diagnostics{"klog-serve", klog::broker::LogLevel::kDebug,
                                        [](std::string_view) {}};
  Loop() { REQUIRE(uv_loop_init(&loop) == 0); }
  ~Loop() {
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
  void Run() { uv_run(&loop, UV_RUN_DEFAULT); }
};

// One append's outcome, in the order the callbacks ran.
struct Done {
  int id;
  Status status;
  AppendResult result;
};

// Offsets in order, as the partition must keep them after every operation.
void CheckOrder(const Partition& p) {
  CHECK(p.log_start_offset() <= p.high_watermark());
  CHECK(p.high_watermark() <= p.log_end_offset());
}

Partition::AppendDone Record(std::vector<Done>* log, int id, Partition* p) {
  return [log, id, p](const Status& s, const AppendResult& r) {
    CheckOrder(*p);
    log->push_back(Done{id, s, r});
  };
}

// Counts the jobs that completed while it watched; re-registers each time.
class CountingWatcher : public AppendWatcher, public std::enable_shared_from_this<CountingWatcher> {
 public:
  explicit CountingWatcher(Partition* p) : p_(p) {}
  void OnAppend() override {
    ++wakes;
    if (rewatch) p_->Watch(weak_from_this());
  }
  int wakes = 0;
  bool rewatch = true;

 private:
  Partition* p_;
};

LogOptions Options() {
  LogOptions o = klog::test::Quiet();
  o.owner = "klog-serve-test";
  return o;
}

}  // namespace

TEST_CASE("appends queued while a job runs land in order, in one group-commit job") {
  TempDir tmp;
  Loop loop;
  Partition p(&loop.loop, loop.diagnostics, "t", 0, tmp.Sub("t-0"), Options());
  auto watcher = std::make_shared<CountingWatcher>(&p);
  p.Watch(watcher);
  std::vector<Done> log;
  std::vector<size_t> checked;  // positions given to the check, in order
  // The first append opens the writer on the pool: a job is running when
  // the others arrive, so they queue and the next job writes them all.
  p.Append(Parsed(MakeBatch(0, 2, 1000)), true, {}, Record(&log, 0, &p));
  for (int i = 1; i <= 5; ++i) {
    AppendCheck check = [&checked, i](std::span<const uint8_t>, const BatchHeader&, size_t) {
      checked.push_back(size_t(i));
      return Status::Ok();
    };
    p.Append(Parsed(MakeBatch(i * 10, 3, 2000 + i)), i % 2 == 0, check, Record(&log, i, &p));
  }
  CHECK(log.empty());  // nothing completes before the loop runs
  CHECK(p.high_watermark() == 0);
  loop.Run();
  REQUIRE(log.size() == 6);
  for (int i = 0; i < 6; ++i) {
    CHECK(log[size_t(i)].id == i);
    CHECK(log[size_t(i)].status.ok());
    CHECK(log[size_t(i)].result.base_offset == (i == 0 ? 0 : 2 + 3 * (i - 1)));
    CHECK(log[size_t(i)].result.log_start_offset == 0);
  }
  CHECK(checked == std::vector<size_t>{1, 2, 3, 4, 5});
  CHECK(watcher->wakes == 2);  // two jobs: the first, then the five together
  CHECK(p.log_end_offset() == 17);
  CHECK(p.high_watermark() == 17);
  CHECK(p.log_start_offset() == 0);
  CHECK(p.CloseWriter().ok());
}

TEST_CASE("a small append to an idle open partition completes at once, waking its waiters") {
  TempDir tmp;
  Loop loop;
  Partition p(&loop.loop, loop.diagnostics, "t", 0, tmp.Sub("t-0"), Options());
  std::vector<Done> log;
  p.Append(Parsed(MakeBatch(0, 1, 1000)), false, {}, Record(&log, 0, &p));
  loop.Run();  // opens the writer
  REQUIRE(log.size() == 1);
  auto watcher = std::make_shared<CountingWatcher>(&p);
  watcher->rewatch = false;
  p.Watch(watcher);
  p.Append(Parsed(MakeBatch(1, 4, 1001)), false, {}, Record(&log, 1, &p));
  REQUIRE(log.size() == 2);  // inline: before Append returned
  CHECK(log[1].status.ok());
  CHECK(log[1].result.base_offset == 1);
  CHECK(watcher->wakes == 1);
  CHECK(p.high_watermark() == 5);
  // A watcher is told once; it must register again to hear of the next.
  p.Append(Parsed(MakeBatch(5, 1, 1002)), false, {}, Record(&log, 2, &p));
  CHECK(watcher->wakes == 1);
  CHECK(p.CloseWriter().ok());
}

TEST_CASE("a bad batch keeps its whole request out and its Status comes back unchanged") {
  TempDir tmp;
  Loop loop;
  Partition p(&loop.loop, loop.diagnostics, "t", 0, tmp.Sub("t-0"), Options());
  std::vector<Done> log;
  std::vector<uint8_t> two = MakeBatch(0, 2, 1000);
  std::vector<uint8_t> second = MakeBatch(2, 2, 1000);
  size_t second_at = two.size();
  two.insert(two.end(), second.begin(), second.end());
  AppendCheck refuse_second = [second_at](std::span<const uint8_t>, const BatchHeader&,
                                          size_t position) {
    return position == second_at ? Status::TooLarge("records over the limit") : Status::Ok();
  };
  p.Append(Parsed(two), false, refuse_second, Record(&log, 0, &p));
  p.Append(Parsed(MakeBatch(0, 1, 1000)), false, {}, Record(&log, 1, &p));
  loop.Run();
  REQUIRE(log.size() == 2);
  CHECK(log[0].status.code() == Status::Code::kTooLarge);
  CHECK(log[0].status.message() == "records over the limit");
  CHECK(log[0].result.base_offset == -1);
  CHECK(log[0].result.log_start_offset == -1);
  CHECK(log[1].status.ok());
  CHECK(log[1].result.base_offset == 0);  // nothing of the refused ones was written
  CHECK(p.log_end_offset() == 1);
  CHECK(p.CloseWriter().ok());
}

TEST_CASE("maintenance waits for the running job and goes before appends queued after it") {
  TempDir tmp;
  Loop loop;
  Partition p(&loop.loop, loop.diagnostics, "t", 0, tmp.Sub("t-0"), Options());
  std::vector<std::string> order;
  int64_t seen_end = -1;
  auto note = [&order](const std::string& what) {
    return [&order, what](const Status& s, const AppendResult&) {
      CHECK(s.ok());
      order.push_back(what);
    };
  };
  p.Append(Parsed(MakeBatch(0, 3, 1000)), true, {}, note("append 1"));
  p.Maintain(
      [&seen_end](LogWriter* w) {
        seen_end = w->next_offset();
        klog::RetentionResult result;
        return w->TruncateBefore(2, &result);
      },
      [&order, &p](const Status& s) {
        CHECK(s.ok());
        CheckOrder(p);
        CHECK(p.log_start_offset() == 2);
        order.push_back("maintenance");
      });
  p.Append(Parsed(MakeBatch(3, 1, 1000)), false, {}, note("append 2"));
  loop.Run();
  CHECK(seen_end == 3);
  CHECK(order == std::vector<std::string>{"append 1", "maintenance", "append 2"});
  CHECK(p.log_start_offset() == 2);
  CHECK(p.high_watermark() == 4);
  CHECK(p.CloseWriter().ok());
}

TEST_CASE("reads stop at the high watermark and say what is out of range") {
  TempDir tmp;
  Loop loop;
  Partition p(&loop.loop, loop.diagnostics, "t", 0, tmp.Sub("t-0"), Options());
  auto ignore = [](const Status& s, const AppendResult&) { CHECK(s.ok()); };
  for (int i = 0; i < 3; ++i) p.Append(Parsed(MakeBatch(i * 2, 2, 1000 + i)), false, {}, ignore);
  loop.Run();
  std::span<const uint8_t> got;
  PartitionOffsets off;
  REQUIRE(p.Read(0, 1 << 20, &got, &off).ok());
  CHECK(off.high_watermark == 6);
  CHECK(off.log_start_offset == 0);
  CHECK(!got.empty());
  CHECK(p.Read(6, 1 << 20, &got, &off).ok());
  CHECK(got.empty());
  Status past = p.Read(7, 1 << 20, &got, &off);
  CHECK(past.code() == Status::Code::kInvalidArgument);
  CHECK(off.high_watermark == 6);  // filled in for the error response
  int64_t offset = 0, ts = 0;
  REQUIRE(p.OffsetForTimestamp(1001, &offset, &ts).ok());
  CHECK(offset == 1);  // the second record of the first batch
  CHECK(ts == 1001);
  REQUIRE(p.OffsetForTimestamp(5000, &offset, &ts).ok());
  CHECK(offset == -1);
  CHECK(p.CloseWriter().ok());
}

TEST_CASE("the reader returns no batch whose base offset is at or above its upper bound") {
  TempDir tmp;
  std::string dir = tmp.Sub("p");
  {
    auto w = LogWriter::Open(dir, klog::test::Quiet());
    REQUIRE(w.ok());
    for (int i = 0; i < 3; ++i) {
      std::vector<uint8_t> b = MakeBatch(i * 2, 2, 1000);
      REQUIRE((*w)->Append(b).ok());  // bases 0, 2, 4
    }
    REQUIRE((*w)->Close().ok());
  }
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK((*r)->upper_bound() == INT64_MAX);
  (*r)->SetUpperBound(3);  // inside the second batch: it is returned whole
  auto got = (*r)->Next(1 << 20);
  REQUIRE(got.ok());
  klog::Result<size_t> first = klog::NextBatchSize(*got);
  REQUIRE(first.ok());
  CHECK(got->size() == 2 * *first);  // two batches of the same size
  auto none = (*r)->Next(1 << 20);
  REQUIRE(none.ok());
  CHECK(none->empty());
  (*r)->SetUpperBound(INT64_MAX);  // raised: the cursor waited before it
  auto rest = (*r)->Next(1 << 20);
  REQUIRE(rest.ok());
  CHECK(rest->size() == *first);
  // A bound at the first batch's base returns nothing, even from a Seek.
  (*r)->SetUpperBound(0);
  REQUIRE((*r)->Seek(0).ok());
  auto zero = (*r)->Next(1);
  REQUIRE(zero.ok());
  CHECK(zero->empty());
}

TEST_CASE("the manager: unknown partitions are NotFound; a closed topic fails its queue") {
  TempDir tmp;
  Loop loop;
  klog::broker::BrokerConfig config;
  config.data_dir = tmp.path;
  config.cleaner_enable = false;
  klog::DataDir data(tmp.path);
  REQUIRE(data.CreateTopic("t", 2, {}).ok());
  {
    Partitions parts(config, data, loop.diagnostics);
    parts.Attach(&loop.loop);
    Result<Partition*> none = parts.Get("nope", 0);
    CHECK(none.status().IsNotFound());
    CHECK(none.status().message() == "unknown topic or partition nope-0");
    CHECK(parts.Get("t", 2).status().IsNotFound());
    CHECK(parts.Get("t", -1).status().IsNotFound());
    Result<Partition*> p = parts.Get("t", 1);
    REQUIRE(p.ok());
    CHECK((*p)->name() == "t-1");
    CHECK(parts.Get("t", 1).value() == *p);  // one Partition per replica
    std::vector<Done> log;
    (*p)->Append(Parsed(MakeBatch(0, 1, 1000)), true, {}, Record(&log, 0, *p));
    (*p)->Append(Parsed(MakeBatch(1, 1, 1000)), true, {}, Record(&log, 1, *p));
    Status maintained;
    (*p)->Maintain([](LogWriter*) { return Status::Ok(); },
                   [&maintained](const Status& s) { maintained = s; });
    bool closed = false;
    parts.CloseTopic("t", [&closed] { closed = true; });
    CHECK(!closed);  // waits for the running job
    CHECK(parts.Get("t", 1).status().IsNotFound());
    loop.Run();
    CHECK(closed);
    REQUIRE(log.size() == 2);
    CHECK(log[0].status.ok());
    CHECK(log[1].status.IsNotFound());
    CHECK(log[1].status.message() == "topic 't' was deleted");
    CHECK(maintained.IsNotFound());  // queued behind the job, then closed
    CHECK(maintained.message() == "partition is gone");
    CHECK(parts.IsClosed("t"));
    CHECK(parts.Get("t", 0).status().IsNotFound());
    parts.ForgetTopic("t");
    CHECK(parts.Get("t", 0).ok());
    parts.WakeAll();
    CHECK(parts.CloseAll().ok());
  }
}

TEST_CASE("a retention round moves the log start offset as a job, offsets kept in order") {
  TempDir tmp;
  Loop loop;
  klog::broker::BrokerConfig config;
  config.data_dir = tmp.path;
  config.cleaner_enable = false;
  klog::DataDir data(tmp.path);
  // Every batch rolls a segment; retention keeps about the newest one.
  REQUIRE(data.CreateTopic("r", 1, {{"segment.bytes", "100"}, {"retention.bytes", "100"}}).ok());
  Partitions parts(config, data, loop.diagnostics);
  parts.Attach(&loop.loop);
  Result<Partition*> p = parts.Get("r", 0);
  REQUIRE(p.ok());
  std::vector<Done> log;
  for (int i = 0; i < 4; ++i) {
    (*p)->Append(Parsed(MakeBatch(i * 2, 2, 1000 + i)), false, {}, Record(&log, i, *p));
    loop.Run();
  }
  REQUIRE(log.size() == 4);
  CHECK((*p)->log_start_offset() == 0);
  CHECK((*p)->high_watermark() == 8);
  parts.maintenance().EnforceRetentionNow();
  loop.Run();
  CheckOrder(**p);
  CHECK((*p)->log_start_offset() == 6);  // the three sealed segments are gone
  CHECK((*p)->high_watermark() == 8);
  CHECK((*p)->log_end_offset() == 8);
  std::span<const uint8_t> got;
  PartitionOffsets off;
  CHECK((*p)->Read(0, 1 << 20, &got, &off).code() == Status::Code::kInvalidArgument);
  CHECK(off.log_start_offset == (*p)->log_start_offset());
  parts.WakeAll();
  CHECK(parts.CloseAll().ok());
}

TEST_CASE("readers are opened off the loop: at preload, after rolls and after maintenance") {
  TempDir tmp;
  Loop loop;
  klog::broker::BrokerConfig config;
  config.data_dir = tmp.path;
  config.cleaner_enable = false;
  Result<klog::DataDir> data = klog::DataDir::OpenExclusive(tmp.path, "klog-serve-test");
  REQUIRE(data.ok());
  // Every second batch rolls a segment; retention keeps about the newest two.
  REQUIRE(data->CreateTopic("r", 1, {{"segment.bytes", "200"}, {"retention.bytes", "200"}}).ok());
  {
    klog::LogOptions o = Options();
    o.data_dir_locked = true;
    Result<std::unique_ptr<LogWriter>> w = LogWriter::Open(data->PartitionPath("r", 0), o);
    REQUIRE(w.ok());
    std::vector<uint8_t> b = MakeBatch(0, 3, 1000);
    REQUIRE((*w)->Append(b).ok());
    REQUIRE((*w)->Close().ok());
  }
  Partitions parts(config, *data, loop.diagnostics);
  parts.Attach(&loop.loop);
  REQUIRE(parts.PreloadAll().ok());
  CHECK(parts.Topic("missing").status().IsNotFound());  // the cache is the directory
  Result<Partition*> p = parts.Get("r", 0);
  REQUIRE(p.ok());
  CHECK((*p)->high_watermark() == 3);  // the files' offsets, read at preload
  std::vector<Done> log;
  std::span<const uint8_t> got;
  PartitionOffsets off;
  for (int i = 0; i < 6; ++i) {
    (*p)->Append(Parsed(MakeBatch(3 + i * 2, 2, 2000 + i)), false, {}, Record(&log, i, *p));
    loop.Run();
    // The newest batch is readable at once, whether or not the append rolled.
    REQUIRE((*p)->Read(3 + i * 2, 1 << 20, &got, &off).ok());
    REQUIRE(got.size() >= klog::batch::kHeaderSize);
    CHECK(int64_t(klog::GetBE64(got.data())) == 3 + i * 2);
  }
  parts.maintenance().EnforceRetentionNow();
  loop.Run();
  CHECK((*p)->log_start_offset() > 0);
  REQUIRE((*p)->Read((*p)->log_start_offset(), 1 << 20, &got, &off).ok());
  CHECK(!got.empty());
  CHECK((*p)->Read(0, 1 << 20, &got, &off).code() == Status::Code::kInvalidArgument);
  CHECK((*p)->loop_reader_io() == 0);
  parts.WakeAll();
  CHECK(parts.CloseAll().ok());
}
