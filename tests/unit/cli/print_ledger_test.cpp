// klog-read --group's output path: a deferred Output whose writes a
// WriteAlarm interrupts, and the PrintLedger that turns written bytes into
// committable offsets.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "cli/local/read_group_ledger.h"
#include "cli/output.h"

using klog::cli::Output;
using klog::cli::WriteAlarm;
using klog::cli::local::PrintLedger;

namespace {

// A pipe whose ends are closed at scope exit.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() { REQUIRE(pipe(fd) == 0); }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  std::string ReadAll() {
    std::string s;
    char buf[4096];
    int flags = fcntl(fd[0], F_GETFL);
    fcntl(fd[0], F_SETFL, flags | O_NONBLOCK);  // our own pipe, not shared
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof buf)) > 0) s.append(buf, size_t(n));
    return s;
  }
};

// Prints `pad` dots and "<partition>:<offset>;" into `out` and records it
// in `ledger`.
void Print(Output& out, PrintLedger& ledger, int32_t partition, int64_t offset, size_t pad = 0) {
  out.Write(std::string(pad, '.') + std::to_string(partition) + ":" + std::to_string(offset) + ";");
  ledger.Add(partition, offset + 1, out.end());
}

}  // namespace

TEST_CASE("a deferred output never writes by itself, even past its capacity") {
  Pipe p;
  Output out(p.fd[1], 8);
  out.set_deferred(true);
  out.Write("0123456789abcdef");
  out.Put('x');
  CHECK(out.buffered() == 17);
  CHECK(p.ReadAll().empty());
  CHECK(out.WriteSome());
  CHECK(out.written() == 17);
  CHECK(p.ReadAll() == "0123456789abcdefx");
}

TEST_CASE("a write to a pipe nobody reads returns when the alarm fires, having filled it") {
  Pipe p;
  int capacity = fcntl(p.fd[1], F_GETPIPE_SZ);
  REQUIRE(capacity > 0);
  Output out(p.fd[1]);
  out.set_deferred(true);
  out.Write(std::string(size_t(capacity) * 2, 'a'));
  auto alarm = WriteAlarm::Create(50);
  REQUIRE(alarm.ok());
  (*alarm)->Arm();
  CHECK_FALSE(out.WriteSome());  // before the fix of fault 8 this write never returned
  CHECK_FALSE(out.WriteSome());  // nothing fits: EINTR, nothing written
  (*alarm)->Disarm();
  CHECK(out.ok());
  CHECK(out.written() == uint64_t(capacity));
  CHECK(out.buffered() == size_t(capacity));
  CHECK(p.ReadAll().size() == size_t(capacity));
}

TEST_CASE("only records whose last byte was written count as written") {
  PrintLedger ledger(2, 0);
  ledger.Start(0, 10);
  ledger.Start(1, 20);
  Output out(-1);
  out.set_deferred(true);
  Print(out, ledger, 0, 10);  // "0:10;" ends at 5
  Print(out, ledger, 1, 20);  // "1:20;" ends at 10
  Print(out, ledger, 0, 11);  // "0:11;" ends at 15
  ledger.Retire(9);           // the second record is cut after "1:20"
  CHECK(ledger.written_next(0) == 11);
  CHECK(ledger.written_next(1) == 20);
  ledger.Retire(15);
  CHECK(ledger.written_next(0) == 12);
  CHECK(ledger.written_next(1) == 21);
}

TEST_CASE("a partition given up leaves the buffer; its record cut in two stays, uncounted") {
  Pipe p;
  REQUIRE(fcntl(p.fd[1], F_SETPIPE_SZ, 4096) == 4096);  // one page: a write stops at 4096
  Output out(p.fd[1]);
  out.set_deferred(true);
  PrintLedger ledger(3, out.end());
  for (int32_t q = 0; q < 3; ++q) ledger.Start(q, 0);
  Print(out, ledger, 1, 0, 4086);  // [0, 4090)
  Print(out, ledger, 0, 0);        // [4090, 4094)
  Print(out, ledger, 1, 1);        // [4094, 4098): cut in two by the pipe
  Print(out, ledger, 2, 0);        // [4098, 4102)
  ledger.Add(1, 5, out.end());     // a control batch of partition 1: no bytes
  Print(out, ledger, 1, 5);        // [4102, 4106)
  auto alarm = WriteAlarm::Create(50);
  REQUIRE(alarm.ok());
  (*alarm)->Arm();
  CHECK_FALSE(out.WriteSome());
  (*alarm)->Disarm();
  REQUIRE(out.written() == 4096);
  ledger.Retire(out.written());
  CHECK(ledger.written_next(0) == 1);
  CHECK(ledger.written_next(1) == 1);
  CHECK(ledger.written_next(2) == 0);

  ledger.Drop(1, out);
  CHECK(*out.Buffer() == "1;2:0;");  // the rest of the cut record, then partition 2
  CHECK(out.end() == 4102);
  ledger.Start(1, 9);  // taken again later, at another member's commit
  CHECK(p.ReadAll().size() == 4096);
  CHECK(out.WriteSome());
  ledger.Retire(out.written());
  CHECK(ledger.written_next(1) == 9);  // the cut record no longer counts for it
  CHECK(ledger.written_next(2) == 1);
  CHECK(p.ReadAll() == "1;2:0;");
}
