#include "cli/local/read_group_ledger.h"

#include <utility>

namespace klog::cli::local {

PrintLedger::PrintLedger(int32_t partitions, uint64_t start)
    : base_(start), written_next_(size_t(partitions), 0) {
  // Room for one record past capacity: Add() follows the print that fills it.
  entries_.reserve(kCapacity * 2 + 1);
}

void PrintLedger::Retire(uint64_t written) {
  while (head_ < entries_.size() && entries_[head_].end <= written) {
    const Entry& e = entries_[head_++];
    if (e.partition != kNone) written_next_[size_t(e.partition)] = e.next;
    base_ = e.end;
  }
  if (head_ == entries_.size()) {
    entries_.clear();
    head_ = 0;
  } else if (head_ >= kCapacity) {
    entries_.erase(entries_.begin(), entries_.begin() + ptrdiff_t(head_));
    head_ = 0;
  }
}

void PrintLedger::Drop(int32_t partition, Output& out) {
  uint64_t written = out.written();
  Retire(written);
  std::vector<std::pair<uint64_t, uint64_t>> cut;
  uint64_t start = base_;
  uint64_t removed = 0;
  size_t keep = head_;
  for (size_t i = head_; i < entries_.size(); ++i) {
    Entry e = entries_[i];
    uint64_t end = e.end;
    if (e.partition == partition && start >= written) {
      if (!cut.empty() && cut.back().second == start) {
        cut.back().second = end;
      } else if (end > start) {
        cut.emplace_back(start, end);
      }
      removed += end - start;
    } else {
      if (e.partition == partition) e.partition = kNone;  // partly written
      e.end = end - removed;
      entries_[keep++] = e;
    }
    start = end;
  }
  entries_.resize(keep);
  out.Erase(cut);
}

}  // namespace klog::cli::local
