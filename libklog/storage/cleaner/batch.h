// The cleaner's decision for one batch: which records survive, and the batch
// to write in its place (klog-format(5), "Compaction"). Buffers are reused
// from batch to batch, so filtering allocates nothing once they have grown.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "klog/cleaner.h"
#include "klog/compression.h"
#include "klog/status.h"
#include "storage/cleaner/keymap.h"

namespace klog {

class BatchFilter {
 public:
  enum class Outcome {
    kDrop,       // no record survives: the batch is left out
    kCopy,       // written byte for byte
    kRewritten,  // written as rewritten()
  };
  struct Rules {
    const KeyMap* map = nullptr;
    int64_t now = 0;
    int64_t delete_retention_ms = 0;
  };

  // Filters `batch` (one whole batch, CRC already checked) and adds what it
  // read, kept and removed to `stats`. A malformed record is Corruption.
  Status Filter(std::span<const uint8_t> batch, const Rules& rules, Outcome* outcome,
                CleanResult* stats);
  // The rewritten batch after kRewritten; valid until the next Filter().
  std::span<const uint8_t> rewritten() const { return out_; }
  // The delete horizon of the tombstones the written batch keeps (after
  // kCopy or kRewritten), or -1 if it keeps none.
  int64_t horizon() const { return horizon_; }

 private:
  struct RawRecord {
    const uint8_t* begin;         // its length varint
    const uint8_t* offset_delta;  // its offset-delta varint
    const uint8_t* end;
    int64_t timestamp_delta;
    int32_t offset_delta_value;
    uint8_t attributes;
    bool has_key, tombstone, keep;
    KeyDigest digest;
  };
  // Decides which of the parsed records survive.
  void Decide(const Rules& rules, int64_t base_offset, int64_t old_horizon, CleanResult* stats,
              bool* any_tombstone);
  Status Parse(std::span<const uint8_t> records, int32_t count);
  Status Rewrite(std::span<const uint8_t> batch, int64_t new_horizon, int32_t kept);

  std::vector<RawRecord> recs_;
  Decompressor decompressor_;     // decompressed records, valid until the next batch
  std::vector<uint8_t> records_;  // the kept records, encoded
  std::vector<uint8_t> out_;
  int64_t horizon_ = -1;
};

}  // namespace klog
