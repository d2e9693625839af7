// AssembleFetch (see fetch_assemble.h).
#include "broker/handlers/fetch_assemble.h"

#include <algorithm>
#include <span>

#include "broker/handlers/partition_errors.h"
#include "broker/metrics.h"
#include "broker/net/responder.h"
#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/coding.h"
#include "proto/errors.h"

namespace klog::broker::handlers {
namespace {

// True if any batch in `bytes` (whole batches, as a lease reads them) is
// zstd-compressed (not allowed before Fetch v10).
bool HasZstd(std::span<const uint8_t> bytes) {
  BatchFrameIterator frames(bytes);
  std::span<const uint8_t> b;
  while (frames.Next(&b)) {  // each frame holds at least a whole header
    if ((GetBE16(b.data() + batch::kAttributesPos) & batch::kCompressionMask) ==
        int16_t(Compression::kZstd)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool AssembleFetch(const proto::FetchRequest& req, const proto::RequestHeader& header,
                   FetchAssembly& a) {
  size_t total = 0;
  size_t remaining = size_t(std::max(req.max_bytes, 0));
  bool due = a.final;
  size_t slot = 0;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const proto::FetchTopic& t = req.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi, ++slot) {
      proto::FetchPartitionData& out = a.response.responses[ti].partitions[pi];
      partition::ReadLease& lease = a.leases[slot];
      size_t limit = std::min(size_t(std::max(t.partitions[pi].partition_max_bytes, 0)), remaining);
      if (total == 0) limit = std::max<size_t>(limit, 1);  // at least one batch
      std::span<const uint8_t> bytes;
      if (out.error_code == proto::kNone && lease.active() && limit > 0) {
        out.error_code = ReadErrorCode(lease.Read(limit, &bytes));
      }
      if (out.error_code == proto::kNone && header.api_version < 10 && HasZstd(bytes)) {
        out.error_code = proto::kUnsupportedCompressionType;
        bytes = {};
      }
      out.records.bytes = bytes;
      total += bytes.size();
      remaining -= std::min(remaining, bytes.size());
      // An error or a divergence is answered at once.
      if (out.error_code != proto::kNone) a.has_error = true;
      due = due || out.error_code != proto::kNone || out.diverging_epoch.has_value();
    }
  }
  if (!due && req.min_bytes > 0 && total < size_t(req.min_bytes)) return false;
  a.frame = net::Responder::EncodeFrame(header, a.response);
  a.has_error = a.has_error || ResponseHasError(a.response);
  return true;
}

}  // namespace klog::broker::handlers
