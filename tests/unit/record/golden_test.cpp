// The golden partition tests/golden/golden-0/ (quoted in klog-format(5)) and
// its dump tests/golden/golden-0.dump.txt. The bytes are rebuilt here with
// BatchBuilder and compared with the committed files; run with
// KLOG_REGEN_GOLDEN=1 to rewrite them after an intended format change.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "klog/dump.h"
#include "klog/index.h"
#include "klog/record.h"
#include "klog/segment.h"
#include "record_test_util.h"

namespace klog {
namespace {

using testing::Copy;
using testing::OwnedRecord;
using testing::ReadAll;

constexpr int64_t kTs = 1700000000000;
const std::string kGoldenDir = std::string(KLOG_TEST_DATA) + "/golden/golden-0";
const std::string kLogPath = kGoldenDir + "/00000000000000000000.log";

struct Golden {
  std::vector<uint8_t> log, index, time_index;
  std::vector<size_t> gzip_range;  // [begin, end) of the gzip batch in `log`
};

void AppendBatch(BatchBuilder& b, int64_t base_offset, Compression c, Golden* g) {
  auto batch = b.Finish(c);
  REQUIRE(batch.ok());
  StampBatch(*batch, base_offset);
  BatchHeader h;
  REQUIRE(ParseBatchHeader(*batch, &h).ok());
  const size_t position = g->log.size();
  if (c == Compression::kGzip) g->gzip_range = {position, position + batch->size()};
  g->log.insert(g->log.end(), batch->begin(), batch->end());
  // Every batch after the first is indexed, as with index.interval.bytes 64.
  if (position > 0) {
    uint8_t e[kTimeIndexEntrySize];
    EncodeIndexEntry({int32_t(h.last_offset()), int32_t(position)}, e);
    g->index.insert(g->index.end(), e, e + kIndexEntrySize);
    EncodeTimeIndexEntry({h.max_timestamp, int32_t(h.last_offset())}, e);
    g->time_index.insert(g->time_index.end(), e, e + kTimeIndexEntrySize);
  }
}

Golden BuildGolden() {
  Golden g;
  BatchBuilder b;
  b.Reset(kTs);  // offset 0: the reference's worked example
  b.Add(std::nullopt, "hi");
  AppendBatch(b, 0, Compression::kNone, &g);

  b.Reset(kTs + 1);  // offsets 1-3: keys and a header
  BatchBuilder::Header source[] = {{"source", "golden"}};
  b.Add("user-1", "alpha", source, kTs + 1);
  b.Add("user-2", "beta", source, kTs + 2);
  b.Add("user-3", "gamma\n", source, kTs + 3);
  AppendBatch(b, 1, Compression::kNone, &g);

  b.Reset(kTs + 4);  // offsets 4-5: gzip
  b.Add("user-1", "compressed one", {}, kTs + 4);
  b.Add("user-2", "compressed two", {}, kTs + 5);
  AppendBatch(b, 4, Compression::kGzip, &g);

  b.Reset(kTs + 6);  // offset 6: a tombstone
  b.Add("user-3", std::nullopt);
  AppendBatch(b, 6, Compression::kNone, &g);
  return g;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path, " is missing; run with KLOG_REGEN_GOLDEN=1");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  REQUIRE(out.good());
}

bool Regen() {
  const char* v = std::getenv("KLOG_REGEN_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// Runs Dump() from the source root so paths print as in the CLI golden test.
std::string DumpFromSourceRoot(const std::vector<std::string>& paths, const DumpOptions& o,
                               Status* st) {
  char cwd[4096];
  REQUIRE(getcwd(cwd, sizeof cwd) != nullptr);
  REQUIRE(chdir((std::string(KLOG_TEST_DATA) + "/..").c_str()) == 0);
  std::ostringstream out;
  *st = Dump(paths, o, out, [](const std::string&) {});
  REQUIRE(chdir(cwd) == 0);
  return out.str();
}

TEST_CASE("golden partition bytes equal what BatchBuilder makes") {
  Golden g = BuildGolden();
  if (Regen()) {
    WriteFile(kLogPath, g.log);
    WriteFile(kGoldenDir + "/00000000000000000000.index", g.index);
    WriteFile(kGoldenDir + "/00000000000000000000.timeindex", g.time_index);
  }
  std::vector<uint8_t> log = ReadFile(kLogPath);
  REQUIRE(log.size() == g.log.size());
  // gzip bytes depend on the zlib build; compare that batch by its records.
  const size_t gz_begin = g.gzip_range[0], gz_end = g.gzip_range[1];
  CHECK(std::equal(log.begin(), log.begin() + gz_begin, g.log.begin()));
  CHECK(std::equal(log.begin() + gz_end, log.end(), g.log.begin() + gz_end));
  std::span<const uint8_t> committed_gz(log.data() + gz_begin, gz_end - gz_begin);
  std::span<const uint8_t> built_gz(g.log.data() + gz_begin, gz_end - gz_begin);
  CHECK(BatchCrcOk(committed_gz));
  std::vector<OwnedRecord> want, got;
  REQUIRE(ReadAll(built_gz, &want).ok());
  REQUIRE(ReadAll(committed_gz, &got).ok());
  CHECK(got == want);
  CHECK(ReadFile(kGoldenDir + "/00000000000000000000.index") == g.index);
  CHECK(ReadFile(kGoldenDir + "/00000000000000000000.timeindex") == g.time_index);
}

TEST_CASE("golden log starts with the reference worked example") {
  std::vector<uint8_t> log = ReadFile(kLogPath);
  REQUIRE(log.size() > 70);
  CHECK(std::vector<uint8_t>(log.begin(), log.begin() + 70) ==
        testing::FromHex("0000000000000000 0000003a 00000000 02 bbcc4115 0000 00000000"
                         "0000018bcfe56800 0000018bcfe56800 ffffffffffffffff ffff ffffffff"
                         "00000001 10 00 00 00 01 04 6869 00"));
}

TEST_CASE("golden indexes are what index rebuilding makes with a 64-byte interval") {
  char tmpl[] = "/tmp/klog-golden-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl, log = dir + "/00000000000000000000.log";
  WriteFile(log, ReadFile(kLogPath));
  Status st = RebuildIndexes(log, 0, 64);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(ReadFile(dir + "/00000000000000000000.index") ==
        ReadFile(kGoldenDir + "/00000000000000000000.index"));
  // The rebuilt time index also has the final entry a sealed segment gets,
  // which here repeats nothing new: the last batch already holds the max.
  CHECK(ReadFile(dir + "/00000000000000000000.timeindex") ==
        ReadFile(kGoldenDir + "/00000000000000000000.timeindex"));
  std::string cmd = "rm -rf '" + dir + "'";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("golden dump text equals Dump() of the golden partition") {
  DumpOptions o;
  o.records = true;
  o.index = true;
  Status st;
  std::string text = DumpFromSourceRoot({"tests/golden/golden-0"}, o, &st);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  const std::string path = std::string(KLOG_TEST_DATA) + "/golden/golden-0.dump.txt";
  if (Regen()) {
    WriteFile(path, std::vector<uint8_t>(text.begin(), text.end()));
  }
  std::vector<uint8_t> golden = ReadFile(path);
  CHECK(std::string(golden.begin(), golden.end()) == text);
}

TEST_CASE("golden partition verifies") {
  DumpOptions o;
  o.verify = true;
  Status st;
  std::string text = DumpFromSourceRoot({"tests/golden/golden-0"}, o, &st);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(text ==
        "ok: tests/golden/golden-0/00000000000000000000.log batches: 4 records: 7 "
        "firstOffset: 0 lastOffset: 6\n"
        "ok: tests/golden/golden-0/00000000000000000000.index entries: 3\n"
        "ok: tests/golden/golden-0/00000000000000000000.timeindex entries: 3\n");
}

}  // namespace
}  // namespace klog
