// klog::Dump(): what klog-dump prints and which problems --verify reports.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/dump.h"
#include "klog/index.h"
#include "klog/segment.h"
#include "record_test_util.h"

namespace klog {
namespace {

constexpr int64_t kTs = 1700000000000;

// A temporary partition directory, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/klog-dump-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string File(int64_t base, const char* suffix) const {
    return path + "/" + std::string(20 - std::to_string(base).size(), '0') + std::to_string(base) +
           suffix;
  }
};

// `count` one-record batches with offsets base.., null keys, values "v<offset>".
std::vector<uint8_t> Batches(int64_t base, int count) {
  std::vector<uint8_t> out;
  BatchBuilder b;
  for (int i = 0; i < count; ++i) {
    b.Reset(kTs + base + i);
    b.Add(std::nullopt, "v" + std::to_string(base + i));  // 70 bytes below offset 10
    auto batch = b.Finish();
    REQUIRE(batch.ok());
    StampBatch(*batch, base + i);
    out.insert(out.end(), batch->begin(), batch->end());
  }
  return out;
}

void Write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  REQUIRE(f.good());
}

struct DumpRun {
  Status status;
  std::string out;
  std::vector<std::string> warnings;
};

DumpRun Run(const std::vector<std::string>& paths, DumpOptions o) {
  DumpRun r;
  std::ostringstream out;
  r.status = Dump(paths, o, out, [&](const std::string& w) { r.warnings.push_back(w); });
  r.out = out.str();
  return r;
}

DumpOptions Verify() {
  DumpOptions o;
  o.verify = true;
  return o;
}

// The warnings other than "klog.segments: absent", which every hand-made
// partition directory here (no writer made it) gets.
std::vector<std::string> BesidesNoList(const std::vector<std::string>& warnings) {
  std::vector<std::string> rest;
  for (const std::string& w : warnings) {
    if (w.find("/klog.segments: absent") == std::string::npos) rest.push_back(w);
  }
  return rest;
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST_CASE("a flipped bit shows as BAD and the dump goes on; verify stops there") {
  TempDir d;
  auto bytes = Batches(0, 3);  // batches of 70 bytes
  bytes[70 + 65] ^= 0x01;      // inside the second batch's record
  Write(d.File(0, ".log"), bytes);
  DumpOptions o;
  o.records = true;
  DumpRun r = Run({d.path}, o);
  CHECK(r.status.IsCorruption());
  CHECK(r.status.message() == d.File(0, ".log") + " pos 70: checksum mismatch");
  CHECK(Contains(r.out, "position: 70 size: 70"));
  CHECK(Contains(r.out, " BAD\n"));
  CHECK(Contains(r.out, "| offset: 2 timestamp: 1700000000002 key: null value: \"v2\""));

  r = Run({d.path}, Verify());
  CHECK(r.status.message() == d.File(0, ".log") + " pos 70: checksum mismatch");
  CHECK(r.out.empty());
}

TEST_CASE("record damage under a valid CRC is found by verify and named") {
  TempDir d;
  auto bytes = Batches(0, 2);
  bytes[70 + 61] = 0x7e;  // record length of the second batch's only record
  PutBE32(bytes.data() + 70 + batch::kCrcPos,
          Crc32c(bytes.data() + 70 + batch::kCrcStart, 70 - batch::kCrcStart));
  Write(d.File(0, ".log"), bytes);
  DumpRun r = Run({d.path}, Verify());
  CHECK(r.status.message() ==
        d.File(0, ".log") + " pos 70: batch at offset 1: record 0: length runs past the batch");
}

TEST_CASE("sealed segments: missing digest warns, matching digest passes, altered log fails") {
  TempDir d;
  Write(d.File(0, ".log"), Batches(0, 2));
  Write(d.File(2, ".log"), Batches(2, 2));
  DumpRun r = Run({d.path}, Verify());
  REQUIRE_MESSAGE(r.status.ok(), r.status.ToString());
  REQUIRE(r.warnings.size() == 2);  // and the list's absence
  std::vector<std::string> warned = BesidesNoList(r.warnings);
  REQUIRE(warned.size() == 1);
  CHECK(warned[0] ==
        d.File(0, ".log") + ": sealed segment has no digest (" + "00000000000000000000.xxh3)");
  CHECK(Contains(r.out, "ok: " + d.File(2, ".log") + " batches: 2 records: 2 firstOffset: 2"));

  auto digest = ComputeDigest(d.File(0, ".log"));
  REQUIRE(digest.ok());
  REQUIRE(WriteDigest(d.File(0, ".log"), *digest).ok());
  r = Run({d.path}, Verify());
  REQUIRE(r.status.ok());
  CHECK(BesidesNoList(r.warnings).empty());
  CHECK(Contains(r.out,
                 "ok: " + d.File(0, ".xxh3") + " xxh3: " + Hex64(digest->xxh3) + " bytes: 140\n"));

  // The leader epoch is outside the CRC: only the digest can notice this.
  auto bytes = Batches(0, 2);
  bytes[70 + batch::kLeaderEpochPos + 3] = 9;
  Write(d.File(0, ".log"), bytes);
  r = Run({d.path}, Verify());
  CHECK(r.status.IsCorruption());
  CHECK(r.status.message().rfind(d.File(0, ".log") + " pos 0: contents do not match ", 0) == 0);

  DumpOptions o;
  o.index = true;
  r = Run({d.path}, o);
  CHECK(Contains(r.out, "\ndigest: " + d.File(0, ".xxh3") + " xxh3: "));
  r = Run({d.File(0, ".xxh3")}, o);
  REQUIRE(r.status.ok());
  CHECK(r.out ==
        "digest: " + d.File(0, ".xxh3") + " xxh3: " + Hex64(digest->xxh3) + " bytes: 140\n");
}

TEST_CASE("offsets that go back across segments are corruption") {
  TempDir d;
  Write(d.File(0, ".log"), Batches(0, 6));
  Write(d.File(3, ".log"), Batches(3, 1));
  DumpRun r = Run({d.path}, Verify());
  CHECK(r.status.message() == d.File(3, ".log") +
                                  " pos 0: segment base offset 3 is not after the previous "
                                  "segment's last offset 5");
}

TEST_CASE("batch below the segment's base offset is corruption") {
  TempDir d;
  Write(d.File(10, ".log"), Batches(4, 1));
  DumpRun r = Run({d.File(10, ".log")}, Verify());
  CHECK(r.status.IsCorruption());
  CHECK(Contains(r.status.message(), d.File(10, ".log") + " pos 0: "));
}

TEST_CASE("index entry that misses a batch start is reported with its byte position") {
  TempDir d;
  Write(d.File(0, ".log"), Batches(0, 3));
  std::vector<uint8_t> index(16);
  EncodeIndexEntry({1, 70}, index.data());
  EncodeIndexEntry({2, 141}, index.data() + 8);  // batches start at 140
  Write(d.File(0, ".index"), index);
  DumpRun r = Run({d.path}, Verify());
  CHECK(r.status.message() == d.File(0, ".index") +
                                  " pos 8: entry for offset 2 at position 141 does not point at "
                                  "the start of a batch in " +
                                  d.File(0, ".log"));
  // An entry whose offset lies before its position's batch.
  EncodeIndexEntry({0, 140}, index.data() + 8);
  EncodeIndexEntry({0, 70}, index.data());
  Write(d.File(0, ".index"), std::vector<uint8_t>(index.begin(), index.begin() + 8));
  r = Run({d.File(0, ".index")}, Verify());
  CHECK(r.status.message() == d.File(0, ".index") +
                                  " pos 0: entry for offset 0 at position 70: the batch before "
                                  "that position already reaches offset 0");
}

TEST_CASE("time index entries must lie within the segment") {
  TempDir d;
  Write(d.File(0, ".log"), Batches(0, 2));
  std::vector<uint8_t> t(12);
  EncodeTimeIndexEntry({kTs + 1, 7}, t.data());
  Write(d.File(0, ".timeindex"), t);
  DumpRun r = Run({d.path}, Verify());
  CHECK(r.status.message() ==
        d.File(0, ".timeindex") + " pos 0: entry offset 7 is outside the segment's offsets 0..1");
  EncodeTimeIndexEntry({kTs + 5, 1}, t.data());
  Write(d.File(0, ".timeindex"), t);
  r = Run({d.path}, Verify());
  CHECK(Contains(r.status.message(), "above the segment's largest timestamp 1700000000001"));
}

TEST_CASE("torn tail warns on the active segment and fails a sealed one") {
  TempDir d;
  auto bytes = Batches(0, 2);
  bytes.resize(100);
  Write(d.File(0, ".log"), bytes);
  DumpRun r = Run({d.path}, Verify());
  REQUIRE_MESSAGE(r.status.ok(), r.status.ToString());
  REQUIRE(r.warnings.size() == 1);
  CHECK(Contains(r.warnings[0], d.File(0, ".log") + " pos 70: partial batch of 30 bytes"));
  CHECK(Contains(r.out, "batches: 1 records: 1 firstOffset: 0 lastOffset: 0"));

  DumpRun plain = Run({d.path}, DumpOptions{});
  CHECK(plain.status.ok());
  CHECK(Contains(plain.out, "tail: position: 70 size: 30 partial batch\n"));

  Write(d.File(5, ".log"), Batches(5, 1));
  r = Run({d.path}, Verify());
  CHECK(r.status.message() ==
        d.File(0, ".log") + " pos 70: partial batch of 30 bytes at the end of a sealed segment");
  // Named alone, the .log is still known to be sealed by its neighbour.
  r = Run({d.File(0, ".log")}, Verify());
  CHECK(r.status.message() ==
        d.File(0, ".log") + " pos 70: partial batch of 30 bytes at the end of a sealed segment");
}

TEST_CASE("keys and values print escaped in text and base64 in JSON when not UTF-8") {
  TempDir d;
  BatchBuilder b;
  b.Reset(kTs);
  BatchBuilder::Header hs[] = {{"h\"q", std::string_view("\x01\x02", 2)}};
  b.Add(std::string_view("a\\b\0", 4), "caf\xc3\xa9 \xff", hs);
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  Write(d.File(0, ".log"), testing::Copy(*batch));
  DumpOptions o;
  o.records = true;
  DumpRun r = Run({d.File(0, ".log")}, o);
  REQUIRE(r.status.ok());
  CHECK(Contains(r.out,
                 "key: \"a\\\\b\\x00\" value: \"caf\\xc3\\xa9 \\xff\" headers: "
                 "[\"h\\\"q\": \"\\x01\\x02\"]\n"));
  o.json = true;
  r = Run({d.File(0, ".log")}, o);
  REQUIRE(r.status.ok());
  CHECK(Contains(r.out,
                 "\"key\":\"a\\\\b\\u0000\",\"value\":\"Y2Fmw6kg/w==\","
                 "\"value_encoding\":\"base64\",\"headers\":[{\"key\":\"h\\\"q\","
                 "\"value\":\"\\u0001\\u0002\"}]}\n"));
}

TEST_CASE("batch attributes beyond the defaults are printed") {
  TempDir d;
  BatchBuilder b;
  b.Reset(kTs);
  b.Add(std::nullopt, "x");
  auto batch = b.Finish(Compression::kLz4, true);
  REQUIRE(batch.ok());
  StampBatch(*batch, 0, 3);
  Write(d.File(0, ".log"), testing::Copy(*batch));
  DumpRun r = Run({d.path}, DumpOptions{});
  REQUIRE(r.status.ok());
  CHECK(Contains(r.out, " codec: lz4 timestampType: LogAppendTime leaderEpoch: 3 crc: 0x"));
}

TEST_CASE("paths that are missing, empty or of another kind are refused") {
  TempDir d;
  DumpRun r = Run({d.path + "/nope"}, DumpOptions{});
  CHECK(r.status.IsNotFound());
  CHECK(r.status.message() == d.path + "/nope: no such file or directory");
  r = Run({d.path}, DumpOptions{});
  CHECK(r.status.IsNotFound());
  Write(d.path + "/notes.txt", {1, 2});
  r = Run({d.path + "/notes.txt"}, DumpOptions{});
  CHECK(r.status.code() == Status::Code::kInvalidArgument);
}

TEST_CASE("an index verified without its log warns and checks only its order") {
  TempDir d;
  std::vector<uint8_t> index(8);
  EncodeIndexEntry({1, 70}, index.data());
  Write(d.File(0, ".index"), index);
  DumpRun r = Run({d.File(0, ".index")}, Verify());
  REQUIRE(r.status.ok());
  CHECK(r.out == "ok: " + d.File(0, ".index") + " entries: 1\n");
  REQUIRE(r.warnings.size() == 1);
  CHECK(Contains(r.warnings[0], "only its own order was checked"));
}

}  // namespace
}  // namespace klog
