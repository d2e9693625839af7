// Helpers shared by the storage unit tests: temporary directories, batches
// with recognisable values, and reading a whole log back.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "klog/filename.h"
#include "klog/log.h"
#include "klog/record.h"

namespace klog::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
struct TempDir {
  std::string path;
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/klog-storage-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string Sub(const std::string& name) const { return path + "/" + name; }
};

// The value of the i-th record of the test stream: "value-<i>" padded to `pad` bytes.
inline std::string ValueFor(int64_t i, size_t pad = 0) {
  std::string v = "value-" + std::to_string(i);
  if (v.size() < pad) v.append(pad - v.size(), 'x');
  return v;
}

// A batch of `count` records whose values are ValueFor(first .. first+count-1),
// timestamps ts, ts+1, ...
inline std::vector<uint8_t> MakeBatch(int64_t first, int count, int64_t ts, size_t pad = 0) {
  BatchBuilder b;
  b.Reset(ts);
  for (int i = 0; i < count; ++i) {
    std::string key = "k" + std::to_string(first + i);
    std::string value = ValueFor(first + i, pad);
    b.Add(std::string_view(key), std::string_view(value), {}, ts + i);
  }
  auto out = b.Finish();
  REQUIRE(out.ok());
  return std::vector<uint8_t>(out->begin(), out->end());
}

inline LogOptions Quiet(std::vector<std::string>* warnings = nullptr) {
  LogOptions o;
  o.owner = "klog-test";
  if (warnings) o.warn = [warnings](const std::string& w) { warnings->push_back(w); };
  return o;
}

// Every record in the log from the start, as (offset, value).
struct Rec {
  int64_t offset;
  int64_t timestamp;
  std::string value;
};
inline Status ReadAll(const std::string& dir, std::vector<Rec>* out, size_t max_bytes = 1 << 20) {
  auto r = LogReader::Open(dir);
  if (!r.ok()) return r.status();
  for (;;) {
    auto chunk = (*r)->Next(max_bytes);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return Status::Ok();
    std::span<const uint8_t> rest = *chunk;
    while (!rest.empty()) {
      auto n = NextBatchSize(rest);
      if (!n.ok()) return n.status();
      REQUIRE(*n > 0);
      RecordIterator it;
      KLOG_RETURN_IF_ERROR(it.Reset(rest.first(*n)));
      RecordView rec;
      while (it.Next(&rec)) {
        out->push_back({rec.offset, rec.timestamp, std::string(rec.value.value_or(""))});
      }
      KLOG_RETURN_IF_ERROR(it.status());
      rest = rest.subspan(*n);
    }
  }
}

// The offset of every record of the log in `dir`, in order; the read must succeed.
inline std::vector<int64_t> RecordOffsets(const std::string& dir) {
  std::vector<Rec> recs;
  Status st = ReadAll(dir, &recs);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  std::vector<int64_t> out;
  for (const Rec& r : recs) out.push_back(r.offset);
  return out;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
inline void Spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}
inline int64_t FileSize(const std::string& path) {
  return int64_t(std::filesystem::file_size(path));
}

// Runs `fn` in a forked child; returns its exit status (0 = fn returned true).
template <typename Fn>
pid_t Fork(Fn fn) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(fn() ? 0 : 1);
  return pid;
}
inline int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace klog::test
