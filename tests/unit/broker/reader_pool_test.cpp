// ReaderPool and ReadLease (partition/reader_pool.h): a lease reads on
// another thread, readers come back for reuse (at most kMaxIdleReaders),
// follow appends noted after they were lent, and are dropped when the
// segments changed (Invalidate) or the partition is gone (Close); a read
// that fails is an error naming the partition.
#include <doctest/doctest.h>

#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../storage/storage_test_util.h"
#include "broker/diagnostics.h"
#include "klog/log.h"
#include "partition/reader_pool.h"

using klog::LogWriter;
using klog::Status;
using klog::partition::ReaderPool;
using klog::partition::ReadLease;
using klog::test::MakeBatch;
using klog::test::TempDir;

namespace {

struct Fixture {
  TempDir tmp;
  std::string dir = tmp.Sub("t-0");
  std::vector<std::string> lines;
  klog::broker::Diagnostics diagnostics{"klog-serve", klog::broker::LogLevel::kDebug,
                                        [this](std::string_view l) { lines.emplace_back(l); }};
  std::unique_ptr<LogWriter> writer;

  Fixture() {
    auto w = LogWriter::Open(dir, klog::test::Quiet());
    REQUIRE(w.ok());
    writer = std::move(*w);
  }
  std::vector<uint8_t> Append(int64_t base, int records) {
    std::vector<uint8_t> b = MakeBatch(base, records, 1000 + base);
    REQUIRE(writer->Append(b).ok());
    return b;
  }
  std::shared_ptr<ReaderPool> Pool(std::string dir_name = "") {
    return std::make_shared<ReaderPool>(ReaderPool::Config{
        dir_name.empty() ? dir : dir_name, {.verify_crc = true}, false, "t-0", &diagnostics});
  }
  void Note(ReaderPool& pool) {
    pool.NoteAppended(writer->active_base(), writer->active_size(), writer->next_offset());
  }
};

std::vector<uint8_t> ReadOn(std::thread::id* where, ReadLease& lease, Status* s) {
  std::span<const uint8_t> got;
  std::vector<uint8_t> copy;
  std::thread t([&] {
    *where = std::this_thread::get_id();
    *s = lease.Read(1 << 20, &got);
    copy.assign(got.begin(), got.end());
  });
  t.join();
  return copy;
}

}  // namespace

TEST_CASE("a lease reads on another thread and its reader comes back for the next") {
  Fixture f;
  std::vector<uint8_t> first = f.Append(0, 3);
  auto pool = f.Pool();
  ReadLease lease = pool->Lease(0, 3);
  REQUIRE(lease.active());
  std::thread::id where;
  Status s;
  CHECK(ReadOn(&where, lease, &s) == first);
  CHECK(s.ok());
  CHECK(where != std::this_thread::get_id());
  CHECK(pool->idle() == 0);
  lease.Release();
  CHECK(!lease.active());
  CHECK(pool->idle() == 1);
  // The next lease takes that reader, which follows the noted append.
  std::vector<uint8_t> second = f.Append(3, 2);
  f.Note(*pool);
  ReadLease next = pool->Lease(3, 5);
  CHECK(pool->idle() == 0);
  CHECK(ReadOn(&where, next, &s) == second);
}

TEST_CASE("a reader lent out takes the appends noted meanwhile; the high watermark bounds it") {
  Fixture f;
  std::vector<uint8_t> first = f.Append(0, 3);
  auto pool = f.Pool();
  {
    ReadLease lease = pool->Lease(0, 3);
    std::thread::id where;
    Status s;
    ReadOn(&where, lease, &s);
    std::vector<uint8_t> second = f.Append(3, 2);
    f.Note(*pool);
  }  // given back, and brought to the note
  CHECK(pool->idle() == 1);
  std::vector<uint8_t> third = f.Append(5, 1);
  ReadLease bounded = pool->Lease(3, 5);  // the third batch is not acknowledged
  std::thread::id where;
  Status s;
  std::vector<uint8_t> got = ReadOn(&where, bounded, &s);
  REQUIRE(s.ok());
  CHECK(got.size() == MakeBatch(3, 2, 1003).size());
}

TEST_CASE("readers beyond the idle limit, from before Invalidate, or after Close are dropped") {
  Fixture f;
  f.Append(0, 3);
  auto pool = f.Pool();
  std::vector<ReadLease> leases;
  for (int i = 0; i < 4; ++i) leases.push_back(pool->Lease(0, 3));
  std::span<const uint8_t> got;
  for (ReadLease& l : leases) REQUIRE(l.Read(1 << 20, &got).ok());  // each opens its reader
  leases.clear();
  CHECK(pool->idle() == ReaderPool::kMaxIdleReaders);
  ReadLease old = pool->Lease(0, 3);
  REQUIRE(old.Read(1 << 20, &got).ok());
  pool->Invalidate();
  CHECK(pool->idle() == 0);
  old.Release();
  CHECK(pool->idle() == 0);  // opened before the segments changed
  ReadLease last = pool->Lease(0, 3);
  REQUIRE(last.Read(1 << 20, &got).ok());
  pool->Close();
  last.Release();
  CHECK(pool->idle() == 0);
}

TEST_CASE("a lease whose reader cannot be opened fails with an error naming the partition") {
  Fixture f;
  auto pool = f.Pool(f.tmp.Sub("gone"));
  ReadLease lease = pool->Lease(0, 1);
  std::span<const uint8_t> got;
  Status s = lease.Read(1 << 20, &got);
  CHECK(s.code() == Status::Code::kIOError);
  CHECK(got.empty());
  REQUIRE(!f.lines.empty());
  CHECK(f.lines.back().find("t-0: fetch from offset 0") != std::string::npos);
}
