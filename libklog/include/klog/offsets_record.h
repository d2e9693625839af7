// The records of __consumer_offsets: Kafka's OffsetCommitKey and
// OffsetCommitValue byte layouts (normative text: klog-format(5),
// "__consumer_offsets"). klog-serve writes and loads them; klog-dump --verify
// checks them. Encoding and decoding only: what a record means for a group
// is the broker's business. Pure functions, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "klog/status.h"

namespace klog {

// The value of an offset commit (version 3 when written; 0, 1, 2 and 4 are
// read too).
struct OffsetCommitValue {
  int64_t offset = -1;
  int32_t leader_epoch = -1;  // -1 when unknown (versions before 3)
  std::string metadata;
  int64_t commit_timestamp = -1;
};

// One decoded record of __consumer_offsets.
struct OffsetsRecord {
  enum class Kind {
    kOffsetCommit,  // key versions 0 and 1: group, topic, partition
    // Key versions 2 to 15: Kafka's group metadata (2) and its newer
    // coordinators' consumer and share group records. klog neither writes
    // nor reads them; only the key's version is decoded.
    kOther,
  };
  Kind kind = Kind::kOffsetCommit;
  int16_t key_version = 0;
  std::string group;  // kOffsetCommit only, as are topic and partition
  std::string topic;
  int32_t partition = -1;
  // The commit; nullopt for a tombstone (the offset is deleted) and for
  // every kOther record.
  std::optional<OffsetCommitValue> value;
};

// OffsetCommitKey version 1.
std::string EncodeOffsetCommitKey(std::string_view group, std::string_view topic,
                                  int32_t partition);
// OffsetCommitValue version 3.
std::string EncodeOffsetCommitValue(const OffsetCommitValue& v);

// Decodes one record (key and value as stored; nullopt = null). Corruption
// saying what does not decode, e.g. "offset commit value of group 'g': int64
// needs 8 bytes at byte 2, 1 left", for: a null key, a key that is short
// or of a version outside 0-15, an offset commit value that is short or of
// a version outside 0-4. Bytes after the last field are ignored, as Kafka
// does.
Status DecodeOffsetsRecord(std::optional<std::string_view> key,
                           std::optional<std::string_view> value, OffsetsRecord* out);

}  // namespace klog
