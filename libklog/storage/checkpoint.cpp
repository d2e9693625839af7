// klog.checkpoint, the clean-shutdown record of a partition: see
// writer_impl.h and klog-format(5).
#include <charconv>
#include <sstream>
#include <vector>

#include "klog/filename.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

std::string CheckpointPath(const std::string& dir) {
  return dir + "/" + std::string(kCheckpointName);
}

}  // namespace

// One sealed line (see SealLine):
//   "klog-checkpoint 1 base <B> size <S> next <N> last_batch <P> max_ts <T>
//    max_ts_offset <O> roll_ms <R> check <16 hex digits>\n" (all on one line).
Status WriteCheckpoint(const std::string& dir, const Checkpoint& c, bool sync) {
  std::string body =
      "klog-checkpoint 1 base " + std::to_string(c.base) + " size " + std::to_string(c.size) +
      " next " + std::to_string(c.next_offset) + " last_batch " + std::to_string(c.last_batch_pos) +
      " max_ts " + std::to_string(c.max_timestamp) + " max_ts_offset " +
      std::to_string(c.max_timestamp_offset) + " roll_ms " + std::to_string(c.roll_ms);
  return ReplaceFileAtomically(CheckpointPath(dir), SealLine(body), sync);
}

Result<Checkpoint> ReadCheckpoint(const std::string& dir) {
  std::string path = CheckpointPath(dir);
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  Result<std::string> body = UnsealLine(text, path);
  if (!body.ok()) return body.status();
  std::istringstream in(*body);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  auto bad = [&] { return Status::Corruption(path + ": malformed checkpoint"); };
  const char* keys[] = {"base", "size", "next", "last_batch", "max_ts", "max_ts_offset", "roll_ms"};
  Checkpoint c;
  int64_t* fields[] = {&c.base,           &c.size,          &c.next_offset,
                       &c.last_batch_pos, &c.max_timestamp, &c.max_timestamp_offset,
                       &c.roll_ms};
  if (words.size() != 2 + 2 * std::size(keys) || words[0] != "klog-checkpoint" || words[1] != "1") {
    return bad();
  }
  for (size_t i = 0; i < std::size(keys); ++i) {
    const std::string& key = words[2 + 2 * i];
    const std::string& val = words[3 + 2 * i];
    auto [ptr, ec] = std::from_chars(val.data(), val.data() + val.size(), *fields[i]);
    if (key != keys[i] || ec != std::errc() || ptr != val.data() + val.size()) return bad();
  }
  return c;
}

}  // namespace klog
