// libFuzzer target: a partition directory made from the input (its active
// segment, that segment's index files, klog.checkpoint and optionally one
// sealed segment before it), read by klog-dump (Dump, printing and
// --verify) and by LogReader, then recovered by LogWriter::Open, appended to
// and closed, and read again.
//
// Input layout (lengths big-endian, each clamped to the bytes that are left):
//   byte 0     flags: 1 = write the active segment's .index, 2 = its
//              .timeindex, 4 = klog.checkpoint, 8 = the active segment's base
//              offset is 1000, 16 = a sealed segment 0 comes first, 32 = with
//              a right .xxh3 digest
//   bytes 1-2  .index length, 3-4 .timeindex length, 5-6 checkpoint length,
//   bytes 7-8  sealed segment length (used with flag 16)
//   then the .index, .timeindex, checkpoint and sealed .log contents; the
//   rest is the active .log. Its base offset is 1000 with flag 8, else the
//   offset after the sealed segment's last whole batch (0 without one).
// tests/fuzz/corpus_gen.cpp writes seeds in this layout.
//
// Property checked: with neither checkpoint nor sealed segment (so Open scans
// all there is), when Open succeeds the recovered log reads from start to
// end without an error, every batch above the previous one, up to the
// writer's next offset. A failure aborts.
//
// Files live in a per-process directory (see TempRoot), emptied before every
// input and removed at exit.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <vector>

#include "klog/dump.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/segment.h"

namespace {

using namespace klog;

std::string g_root;       // the per-process directory (set once at start-up)
std::string g_partition;  // g_root + "/fuzz-0"

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "fuzz_segment_recovery: %s\n", why.c_str());
  std::abort();
}

// Discards what is written, so Dump's formatting runs without output.
class NullBuf : public std::streambuf {
 protected:
  int overflow(int c) override { return c == EOF ? 0 : c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

void RemoveTree(const std::string& dir, bool keep_dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = dir + "/" + name;
      if (e->d_type == DT_DIR) {
        RemoveTree(path, false);
      } else {
        ::unlink(path.c_str());
      }
    }
    ::closedir(d);
  }
  if (!keep_dir) ::rmdir(dir.c_str());
}

void RemoveRoot() { RemoveTree(g_root, false); }

void WriteFile(const std::string& path, std::span<const uint8_t> bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Fail("cannot create " + path);
  if (!bytes.empty() && ::write(fd, bytes.data(), bytes.size()) != ssize_t(bytes.size())) {
    Fail("cannot write " + path);
  }
  ::close(fd);
}

// Takes the next `len` bytes (at most what is left) off the front of `in`.
std::span<const uint8_t> Take(std::span<const uint8_t>* in, size_t len) {
  len = std::min(len, in->size());
  std::span<const uint8_t> out = in->subspan(0, len);
  *in = in->subspan(len);
  return out;
}

size_t Length(std::span<const uint8_t> header, size_t at) {
  return size_t(header[at]) << 8 | header[at + 1];
}

// Reads the whole log from its start. With `strict`, any error, a batch not
// above the previous one or an end other than `end` aborts.
void ReadAll(bool strict, int64_t end) {
  Result<std::unique_ptr<LogReader>> r = LogReader::Open(g_partition);
  if (!r.ok()) {
    if (strict) Fail("LogReader::Open after recovery: " + r.status().message());
    return;
  }
  LogReader& reader = **r;
  int64_t last = reader.start_offset() - 1;
  for (int i = 0; i < 100000; ++i) {
    Result<std::span<const uint8_t>> chunk = reader.Next(4096);
    if (!chunk.ok()) {
      if (strict) Fail("reading after recovery: " + chunk.status().message());
      break;
    }
    if (chunk->empty()) break;
    std::span<const uint8_t> rest = *chunk;
    while (rest.size() >= 61) {
      BatchHeader h;
      if (!ParseBatchHeader(rest, &h).ok() || size_t(h.size()) > rest.size()) {
        Fail("LogReader returned a batch whose header does not parse");
      }
      if (strict && h.base_offset <= last) Fail("offsets do not increase after recovery");
      last = h.last_offset();
      rest = rest.subspan(size_t(h.size()));
    }
    if (!rest.empty()) Fail("LogReader returned a partial batch");
  }
  if (strict && reader.end_offset() != end) {
    Fail("reader ends at " + std::to_string(reader.end_offset()) + ", writer at " +
         std::to_string(end));
  }
  int64_t start = reader.start_offset();
  (void)reader.Seek(start + (reader.end_offset() - start) / 2);
  (void)reader.Next(4096);
  (void)reader.OffsetForTimestamp(1700000000000);
}

void DumpPartition() {
  NullBuf buf;
  std::ostream out(&buf);
  auto ignore = [](const std::string&) {};
  DumpOptions print;
  print.records = true;
  print.index = true;
  (void)Dump({g_partition}, print, out, ignore);
  DumpOptions verify;
  verify.verify = true;
  (void)Dump({g_partition}, verify, out, ignore);
}

// Opens the writer (recovery), appends one batch and closes. Returns the
// next offset after the close, or -1 when Open failed.
int64_t Recover() {
  LogOptions opts;
  opts.owner = "fuzz";
  opts.warn = [](const std::string&) {};
  Result<std::unique_ptr<LogWriter>> w = LogWriter::Open(g_partition, opts);
  if (!w.ok()) return -1;
  BatchBuilder b;
  b.Reset(1700000000000);
  b.Add(std::string_view("k"), std::string_view("after recovery"));
  Result<std::span<uint8_t>> batch = b.Finish();
  if (batch.ok()) (void)(*w)->Append(*batch);
  int64_t next = (*w)->next_offset();
  (void)(*w)->Close();
  return next;
}

// $TMPDIR, else /dev/shm when there is one (five times the executions of a
// disk-backed /tmp), else /tmp.
std::string TempRoot() {
  const char* tmp = std::getenv("TMPDIR");
  if (tmp != nullptr && *tmp != '\0') return tmp;
  struct stat st;
  if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return "/tmp";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string pattern = TempRoot() + "/klog-fuzz-segment-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) Fail("mkdtemp " + pattern);
  g_root = name.data();
  g_partition = g_root + "/fuzz-0";
  std::atexit(RemoveRoot);
  return 0;
}

// The offset after the last whole batch of `log`, or 0.
int64_t NextOffsetAfter(std::span<const uint8_t> log) {
  int64_t next = 0;
  BatchHeader h;
  for (;;) {
    Result<size_t> n = NextBatchSize(log);
    if (!n.ok() || *n == 0 || !ParseBatchHeader(log, &h).ok()) return next;
    next = int64_t(uint64_t(h.last_offset()) + 1);
    log = log.subspan(*n);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kHeader = 9;
  if (size < kHeader) return 0;
  std::span<const uint8_t> in(data, size);
  std::span<const uint8_t> header = Take(&in, kHeader);
  uint8_t flags = header[0];
  std::span<const uint8_t> index = Take(&in, Length(header, 1));
  std::span<const uint8_t> time_index = Take(&in, Length(header, 3));
  std::span<const uint8_t> checkpoint = Take(&in, Length(header, 5));
  bool sealed = flags & 16;
  std::span<const uint8_t> sealed_log = Take(&in, sealed ? Length(header, 7) : 0);
  int64_t base = flags & 8 ? 1000 : NextOffsetAfter(sealed_log);
  if (base < 0) base = 1000;  // a hostile last offset wrapped around

  RemoveTree(g_root, true);
  if (::mkdir(g_partition.c_str(), 0755) != 0) Fail("mkdir " + g_partition);
  if (sealed) {
    std::string path = SegmentPath(g_partition, 0, kLogSuffix);
    WriteFile(path, sealed_log);
    Result<SegmentDigest> digest = ComputeDigest(path);
    if ((flags & 32) && digest.ok()) (void)WriteDigest(path, *digest);
  }
  WriteFile(SegmentPath(g_partition, base, kLogSuffix), in);
  if (flags & 1) WriteFile(SegmentPath(g_partition, base, kIndexSuffix), index);
  if (flags & 2) WriteFile(SegmentPath(g_partition, base, kTimeIndexSuffix), time_index);
  if (flags & 4) WriteFile(g_partition + "/" + std::string(kCheckpointName), checkpoint);

  DumpPartition();
  ReadAll(false, 0);
  int64_t next = Recover();
  ReadAll(next >= 0 && !(flags & (4 | 16)), next);
  return 0;
}
