// The reading half of a Fetch (fetch.cpp), run on a pool thread: the
// records of each partition the loop thread prepared, read through its
// lease within the request's byte limits, and the response frame encoded
// when the answer is due.
#pragma once

#include <cstdint>
#include <vector>

#include "partition/reader_pool.h"
#include "proto/headers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

// One Fetch answer being put together. The loop thread fills `response`
// (every partition in request order, with its error code, offsets and
// divergence) and `leases` (one per partition, in the same order; active
// where records are to be read); AssembleFetch reads and encodes.
struct FetchAssembly {
  proto::FetchResponse response;
  std::vector<partition::ReadLease> leases;
  bool final = false;  // answer even with less than min_bytes
  // Set by AssembleFetch when the answer is due:
  std::vector<uint8_t> frame;
  bool has_error = false;  // some partition has an error code
};

// Reads the records of `a` front to back: a partition gets at most its
// partition_max_bytes and what is left of max_bytes, except that the first
// partition with records gets at least one whole batch (KIP-74). A read
// that fails sets the partition's error code (ReadErrorCode:
// KAFKA_STORAGE_ERROR); zstd batches before v10 are
// UNSUPPORTED_COMPRESSION_TYPE. Then, if `a.final`, any partition has an
// error or a divergence, or min_bytes are there, encodes a.frame in answer
// to `header` and returns true. Any thread; the records in a.response
// point into the leases' readers until the leases are given back.
bool AssembleFetch(const proto::FetchRequest& req, const proto::RequestHeader& header,
                   FetchAssembly& a);

}  // namespace klog::broker::handlers
