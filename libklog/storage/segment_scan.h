// Private batch scanner behind ScanSegment, also used by the log reader
// (which scans without checking CRCs to find the end of the log).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "klog/checksum.h"
#include "klog/segment.h"

namespace klog {

using BatchFn = std::function<bool(const BatchInfo&, std::span<const uint8_t>)>;

// Scans the open .log `fd` (named `path`, base offset `base_offset` or -1 if
// unknown) from byte `from` up to byte `size`, as ScanSegment describes. With
// `check_crc` false every BatchInfo has crc_ok = true and no CRC is computed.
// `prev_last_offset` is the last offset before `from` (-1 if none), used to
// check that offsets increase.
Status ScanBatches(int fd, const std::string& path, int64_t base_offset, int64_t from, int64_t size,
                   int64_t prev_last_offset, bool check_crc, const BatchFn& fn, int64_t* valid_end);

// Feeds the first `limit` bytes of the open file `fd` (named `path`) to
// `hash` (all of it, to its end, when `limit` is -1), reading 1 MiB at a
// time; *bytes is how many were hashed. Corruption if the file is shorter
// than `limit`. Reads the whole range: call it where blocking I/O is allowed.
Status HashFd(int fd, const std::string& path, int64_t limit, Xxh3Stream* hash, int64_t* bytes);

// WriteDigest with the fsyncs optional (the writer syncs per its flush policy).
Status WriteDigestFile(const std::string& log_path, const SegmentDigest& d, bool sync);
// ReadDigest of the digest file at `path` itself (such as a *.xxh3.cleaned).
Result<SegmentDigest> ReadDigestFile(const std::string& path);

// "<path> pos <N>: <what>".
Status CorruptionAt(const std::string& path, int64_t pos, const std::string& what);

}  // namespace klog
