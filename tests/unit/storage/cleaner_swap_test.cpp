// The cleaner's swap: a process killed at every step of Commit recovers to
// the old or the new log, and readers keep reading across a swap.
#include <doctest/doctest.h>

#include <cstdio>
#include <set>
#include <sstream>

#include "cleaner_test_util.h"

namespace klog {
namespace {

using test::Model;
using test::ModelRec;

constexpr int64_t kNow = 1'800'000'000'000;
const char* const kSteps[] = {"check",  "manifest",   "list", "rename",
                              "unlink", "checkpoint", "done"};

LogOptions SmallSegments() {
  LogOptions o = test::Quiet();
  o.segment_bytes = 1200;
  o.index_interval_bytes = 200;
  return o;
}

CleanerOptions Cleaner(int64_t segment_bytes) {
  CleanerOptions c;
  c.segment_bytes = segment_bytes;
  c.index_interval_bytes = 200;
  c.sync = false;
  c.clock_ms = [] { return kNow; };
  return c;
}

std::vector<std::string> LeftOvers(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.find(".cleaned") != std::string::npos || name.find("klog.cleaning") == 0) {
      out.push_back(name);
    }
  }
  return out;
}

// `got` has offsets strictly increasing, every record of `must` and only
// records of `may` (with the same contents).
void CheckBetween(const std::vector<ModelRec>& got, const std::vector<ModelRec>& must,
                  const std::vector<ModelRec>& may) {
  std::map<int64_t, const ModelRec*> allowed;
  for (const ModelRec& r : may) allowed[r.offset] = &r;
  std::set<int64_t> seen;
  int64_t prev = -1;
  for (const ModelRec& r : got) {
    REQUIRE_MESSAGE(r.offset > prev, "offset " << r.offset << " after " << prev);
    prev = r.offset;
    auto it = allowed.find(r.offset);
    REQUIRE_MESSAGE(it != allowed.end(), "unexpected " << test::Describe(r));
    REQUIRE(*it->second == r);
    seen.insert(r.offset);
  }
  for (const ModelRec& r : must) {
    REQUIRE_MESSAGE(seen.count(r.offset), "missing " << test::Describe(r));
  }
}

struct KillCase {
  const char* step;
  int occurrence;   // kill at the n-th time the step is reached
  int64_t key_map;  // bytes
  int64_t segment;  // cleaned segment bytes
  // Also take the first file operation of the step the process died before,
  // as a crash inside that step would have left it.
  bool partly = false;
};

// Renames the first group's .index.cleaned, or unlinks the first merged
// source's .log: the first thing the rename or unlink step does.
void TakeFirstOperation(const std::string& dir, std::string_view step) {
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  if (step == "rename") {
    for (const std::string& n : names) {
      if (n.size() > 14 && n.substr(n.size() - 14) == ".index.cleaned") {
        REQUIRE(std::rename((dir + "/" + n).c_str(),
                            (dir + "/" + n.substr(0, n.size() - 8)).c_str()) == 0);
        return;
      }
    }
    FAIL("no .index.cleaned file");
  }
  // The manifest names the sources; the second source of the first group
  // with more than one is the first file the unlink step removes.
  std::istringstream in(test::Slurp(dir + "/klog.cleaning"));
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  for (size_t i = 0; i + 3 < words.size(); ++i) {
    if (words[i] == "sources" && std::stoi(words[i + 1]) > 1) {
      REQUIRE(std::filesystem::remove(SegmentPath(dir, std::stoll(words[i + 3]), kLogSuffix)));
      return;
    }
  }
  FAIL("no group with two sources");
}

// A reader of the partition is never told of a missing segment (klog.segments
// never lists a segment that is gone, whatever step a swap died at).
void CheckNoMissingSegment(const std::string& dir) {
  auto r = LogReader::Open(dir);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  for (;;) {
    auto chunk = (*r)->Next();
    if (!chunk.ok()) {
      CHECK_MESSAGE(chunk.status().message().find("is missing") == std::string::npos,
                    chunk.status().ToString());
      return;
    }
    if (chunk->empty()) return;
  }
}

void RunKillCase(const KillCase& k) {
  INFO("step " << k.step << " occurrence " << k.occurrence << " map " << k.key_map);
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  Model model(11, 80, {Compression::kNone, Compression::kZstd});
  {
    auto w = LogWriter::Open(dir, SmallSegments());
    REQUIRE(w.ok());
    for (int i = 0; i < 150; ++i) model.AppendBatch(w->get());
  }
  int64_t end = test::ActiveBase(dir);
  std::vector<ModelRec> before = test::ReadRecords(dir);
  std::vector<ModelRec> after = model.Compacted(end);
  CleanerOptions opts = Cleaner(k.segment);
  opts.key_map_bytes = k.key_map;
  pid_t pid = test::Fork([&] {
    auto w = LogWriter::Open(dir, SmallSegments());
    if (!w.ok()) return false;
    int seen = 0;
    opts.step_hook = [&](std::string_view step) {
      if (step == k.step && ++seen == k.occurrence) _exit(9);
    };
    CleanResult res;
    return CompactLog(w->get(), opts, &res).ok();
  });
  REQUIRE(test::Wait(pid) == 9);
  if (k.partly) TakeFirstOperation(dir, k.step);
  CheckNoMissingSegment(dir);  // before recovery too
  std::vector<std::string> warnings;
  auto w = LogWriter::Open(dir, test::Quiet(&warnings));
  REQUIRE_MESSAGE(w.ok(), w.status().ToString());
  for (const std::string& m : warnings) CHECK_MESSAGE(m.find("is missing") == std::string::npos, m);
  CHECK(LeftOvers(dir).empty());
  std::vector<ModelRec> got = test::ReadRecords(dir);
  bool rolled_back = std::string_view(k.step) == "check" || std::string_view(k.step) == "manifest";
  if (k.occurrence == 1 && rolled_back) {
    test::CheckSame(got, before);
  } else if (k.occurrence == 1 && k.key_map >= (int64_t(1) << 20)) {
    test::CheckSame(got, after);
  } else {
    CheckBetween(got, after, before);  // some passes done, none half done
  }
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
  CleanResult res;
  Status st = CompactLog(w->get(), Cleaner(k.segment), &res);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  test::CheckSame(test::ReadRecords(dir), after);
  v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("a cleaner killed at every step of the swap recovers to the old or the new log") {
  for (const char* step : kSteps) {
    RunKillCase({step, 1, int64_t(1) << 20, int64_t(1) << 20});  // one group
    RunKillCase({step, 1, int64_t(1) << 20, 2500});              // several groups
    RunKillCase({step, 2, 24 * 40, 2500});                       // second of several passes
  }
}

TEST_CASE("a cleaner killed inside the rename or the unlink step rolls forward") {
  for (const char* step : {"rename", "unlink"}) {
    RunKillCase({step, 1, int64_t(1) << 20, int64_t(1) << 20, true});
    RunKillCase({step, 1, int64_t(1) << 20, 2500, true});
  }
}

// Reads up to one chunk from `r` into `out`.
void ReadChunk(LogReader* r, std::vector<ModelRec>* out, size_t max_bytes) {
  auto chunk = r->Next(max_bytes);
  REQUIRE_MESSAGE(chunk.ok(), chunk.status().ToString());
  test::AppendRecords(*chunk, out);
}

TEST_CASE("a reader in the middle of the log during a swap misses no surviving record") {
  for (int64_t segment : {int64_t(1) << 20, int64_t(2500)}) {
    for (bool refresh : {false, true}) {
      for (int lead : {3, 12, 30}) {
        INFO("segment " << segment << " refresh " << refresh << " lead " << lead);
        test::TempDir d;
        std::string dir = d.Sub("t-0");
        auto w = LogWriter::Open(dir, SmallSegments());
        REQUIRE(w.ok());
        Model model(21, 50, {Compression::kNone, Compression::kSnappy});
        for (int i = 0; i < 150; ++i) model.AppendBatch(w->get());
        int64_t end = test::ActiveBase(dir);
        std::vector<ModelRec> before = test::ReadRecords(dir);
        auto r = LogReader::Open(dir);
        REQUIRE(r.ok());
        std::vector<ModelRec> got;
        for (int i = 0; i < lead; ++i) ReadChunk(r->get(), &got, 300);
        CleanerOptions opts = Cleaner(segment);
        opts.step_hook = [&](std::string_view) {
          if (refresh) REQUIRE((*r)->Refresh().ok());
          ReadChunk(r->get(), &got, 150);
        };
        CleanResult res;
        REQUIRE(CompactLog(w->get(), opts, &res).ok());
        for (;;) {
          size_t n = got.size();
          ReadChunk(r->get(), &got, 400);
          if (got.size() == n) {
            REQUIRE((*r)->Refresh().ok());
            ReadChunk(r->get(), &got, 400);
            if (got.size() == n) break;
          }
        }
        std::vector<ModelRec> after = model.Compacted(end);
        CheckBetween(got, after, before);
        test::CheckSame(test::ReadRecords(dir), after);
      }
    }
  }
}

}  // namespace
}  // namespace klog
