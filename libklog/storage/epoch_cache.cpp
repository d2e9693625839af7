// The leader epoch cache: see epoch_cache.h.
#include "storage/epoch_cache.h"

#include <algorithm>

namespace klog {

bool LeaderEpochCache::Reset(std::vector<LeaderEpochEntry> entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const LeaderEpochEntry& e = entries[i];
    if (e.epoch < 0 || e.start_offset < 0) return false;
    if (i > 0 &&
        (e.epoch <= entries[i - 1].epoch || e.start_offset <= entries[i - 1].start_offset)) {
      return false;
    }
  }
  entries_ = std::move(entries);
  return true;
}

bool LeaderEpochCache::Assign(int32_t epoch, int64_t start) {
  if (epoch < 0 || start < 0) return false;
  if (!entries_.empty() && entries_.back().epoch == epoch &&
      entries_.back().start_offset <= start) {
    return false;
  }
  std::erase_if(entries_, [&](const LeaderEpochEntry& e) {
    return e.epoch >= epoch || e.start_offset >= start;
  });
  entries_.push_back({epoch, start});
  return true;
}

bool LeaderEpochCache::TruncateFromEnd(int64_t end) {
  size_t before = entries_.size();
  std::erase_if(entries_, [&](const LeaderEpochEntry& e) { return e.start_offset >= end; });
  return entries_.size() != before;
}

bool LeaderEpochCache::TruncateAfter(int64_t end) {
  size_t before = entries_.size();
  std::erase_if(entries_, [&](const LeaderEpochEntry& e) { return e.start_offset > end; });
  return entries_.size() != before;
}

bool LeaderEpochCache::TruncateFromStart(int64_t start) {
  auto first_after = std::find_if(entries_.begin(), entries_.end(), [&](const LeaderEpochEntry& e) {
    return e.start_offset > start;
  });
  if (first_after == entries_.begin()) return false;
  LeaderEpochEntry kept = *(first_after - 1);
  if (first_after - entries_.begin() == 1 && kept.start_offset == start) return false;
  kept.start_offset = start;
  entries_.erase(entries_.begin(), first_after);
  entries_.insert(entries_.begin(), kept);
  return true;
}

EpochEndOffset EndOffsetForEpoch(std::span<const LeaderEpochEntry> entries, int32_t epoch,
                                 int64_t log_end) {
  if (epoch < 0 || entries.empty()) return {};
  if (entries.back().epoch == epoch) return {epoch, log_end};
  auto higher =
      std::upper_bound(entries.begin(), entries.end(), epoch,
                       [](int32_t want, const LeaderEpochEntry& e) { return want < e.epoch; });
  if (higher == entries.end()) return {};
  if (higher == entries.begin()) return {epoch, higher->start_offset};
  return {(higher - 1)->epoch, higher->start_offset};
}

EpochEndOffset LeaderEpochCache::EndOffsetFor(int32_t epoch, int64_t log_end) const {
  return EndOffsetForEpoch(entries_, epoch, log_end);
}

std::optional<int32_t> LeaderEpochCache::latest_epoch() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back().epoch;
}

}  // namespace klog
