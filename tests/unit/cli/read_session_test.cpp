#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "cli/local/read_cmd.h"
#include "cli_test_util.h"
#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/log.h"
#include "klog/topic.h"

using klog::BatchBuilder;
using klog::DataDir;
using klog::LogWriter;
using klog::cli::OffsetSpec;
using klog::cli::RecordFormat;
using klog::cli::local::ReadOptions;
using klog::cli::local::ReadSession;
using klog::cli::testing::CapturedOutput;

namespace {

// A data dir with topic "t" holding v0 v1 v2 | control record | v4 v5.
class ControlBatchLog {
 public:
  ControlBatchLog() {
    char tmpl[] = "/tmp/klog-cli-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    DataDir dd(dir_);
    REQUIRE(dd.CreateTopic("t", 1).ok());
    auto w = LogWriter::Open(dd.PartitionPath("t", 0), klog::LogOptions{});
    REQUIRE(w.ok());
    Append(**w, {"v0", "v1", "v2"}, false);
    Append(**w, {"commit"}, true);
    Append(**w, {"v4", "v5"}, false);
    REQUIRE((*w)->Close().ok());
  }
  ~ControlBatchLog() { std::filesystem::remove_all(dir_); }
  const std::string& dir() const { return dir_; }

 private:
  static void Append(LogWriter& w, std::initializer_list<const char*> values, bool control) {
    BatchBuilder b;
    b.Reset(1000);
    for (const char* v : values) b.Add(std::nullopt, std::string_view(v));
    auto batch = b.Finish();
    REQUIRE(batch.ok());
    std::span<uint8_t> bytes = *batch;
    if (control) {  // set the control bit and fix the CRC it covers
      bytes[klog::batch::kAttributesPos + 1] |= klog::batch::kControlBit;
      uint32_t crc = klog::Crc32c(bytes.data() + klog::batch::kCrcStart,
                                  bytes.size() - klog::batch::kCrcStart);
      for (int i = 0; i < 4; i++) bytes[klog::batch::kCrcPos + i] = uint8_t(crc >> (24 - 8 * i));
    }
    REQUIRE(w.Append(bytes).ok());
  }
  std::string dir_;
};

std::string ReadAll(const std::string& dir, ReadOptions o) {
  o.data_dir = dir;
  o.topic = "t";
  o.mode = ReadOptions::Mode::kFormat;
  o.format = RecordFormat::Compile("%o:%s,").value();
  CapturedOutput cap;
  klog::cli::Tool tool("klog-read");
  ReadSession s(tool, o, cap.out());
  klog::Status st = s.Open();
  REQUIRE_MESSAGE(st.ok(), st.message());
  for (auto& c : s.cursors()) REQUIRE(s.Drain(*c, false).ok());
  return cap.Take();
}

}  // namespace

TEST_CASE("control batches are not printed and their offsets are skipped") {
  ControlBatchLog log;
  CHECK(ReadAll(log.dir(), {}) == "0:v0,1:v1,2:v2,4:v4,5:v5,");
}

TEST_CASE("a start offset inside a batch skips the batch's earlier records") {
  ControlBatchLog log;
  ReadOptions o;
  o.start = {OffsetSpec::Kind::kAbsolute, 1};
  CHECK(ReadAll(log.dir(), o) == "1:v1,2:v2,4:v4,5:v5,");
  o.start = {OffsetSpec::Kind::kAbsolute, 3};  // the control record itself
  CHECK(ReadAll(log.dir(), o) == "4:v4,5:v5,");
  o.start = {OffsetSpec::Kind::kFromEnd, 1};
  CHECK(ReadAll(log.dir(), o) == "5:v5,");
}

TEST_CASE("until and count stop in the middle of a batch") {
  ControlBatchLog log;
  ReadOptions o;
  o.until = OffsetSpec{OffsetSpec::Kind::kAbsolute, 5};
  CHECK(ReadAll(log.dir(), o) == "0:v0,1:v1,2:v2,4:v4,");
  o.until.reset();
  o.count = 2;
  CHECK(ReadAll(log.dir(), o) == "0:v0,1:v1,");
}
