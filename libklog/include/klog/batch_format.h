// Constants of Kafka's RecordBatch v2 layout. The normative description is
// man/klog-format.5; this file only names the numbers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace klog::batch {

// Byte offsets of the header fields (all big-endian).
constexpr size_t kBaseOffsetPos = 0;          // int64, not covered by the CRC
constexpr size_t kBatchLengthPos = 8;         // int32, bytes after this field
constexpr size_t kLeaderEpochPos = 12;        // int32, not covered by the CRC
constexpr size_t kMagicPos = 16;              // int8, always 2
constexpr size_t kCrcPos = 17;                // uint32, CRC-32C of [21, end)
constexpr size_t kAttributesPos = 21;         // int16
constexpr size_t kLastOffsetDeltaPos = 23;    // int32
constexpr size_t kBaseTimestampPos = 27;      // int64
constexpr size_t kMaxTimestampPos = 35;       // int64
constexpr size_t kProducerIdPos = 43;         // int64
constexpr size_t kProducerEpochPos = 51;      // int16
constexpr size_t kBaseSequencePos = 53;       // int32
constexpr size_t kRecordsCountPos = 57;       // int32
constexpr size_t kHeaderSize = 61;            // records start here
constexpr size_t kLogOverhead = 12;           // BaseOffset + BatchLength
constexpr size_t kCrcStart = kAttributesPos;  // CRC covers [kCrcStart, end)
constexpr int8_t kMagic = 2;

// Attributes bits.
constexpr int16_t kCompressionMask = 0x07;
constexpr int16_t kTimestampTypeBit = 0x08;  // 1 = LogAppendTime
constexpr int16_t kTransactionalBit = 0x10;
constexpr int16_t kControlBit = 0x20;
constexpr int16_t kDeleteHorizonBit = 0x40;

// A record's fixed overhead upper bound without key, value and headers.
constexpr size_t kMaxRecordOverhead = 21;

}  // namespace klog::batch
