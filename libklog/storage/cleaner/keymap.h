// The cleaner's key map: for each key (as its XXH3-128 digest) the largest
// offset seen. Open addressing with linear probing over 24-byte slots; the
// table starts small and doubles up to the byte budget, filled to 90% at most.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace klog {

struct KeyDigest {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const KeyDigest&) const = default;
};

KeyDigest DigestKey(std::string_view key);

class KeyMap {
 public:
  // Holds at most max_keys(): 90% of budget_bytes / 24 slots.
  explicit KeyMap(int64_t budget_bytes);
  ~KeyMap();
  KeyMap(const KeyMap&) = delete;
  KeyMap& operator=(const KeyMap&) = delete;

  int64_t max_keys() const { return max_keys_; }
  int64_t size() const { return size_; }

  // Records `offset` as the key's latest (offsets only grow within a pass).
  // Returns false, changing nothing, when the key is new and the map is full.
  bool Put(const KeyDigest& d, int64_t offset);
  // The key's offset, or -1 if the map does not hold it.
  int64_t Get(const KeyDigest& d) const;
  // Starts loading the key's slot into the cache, for a Put or Get soon after
  // (callers run a few keys ahead, hiding the memory latency of a big map).
  void Prefetch(const KeyDigest& d) const {
    if (max_keys_ > 0) __builtin_prefetch(&slots_[Home(d)]);
  }

 private:
  struct Slot {
    uint64_t lo, hi;
    int64_t offset;  // -1 = empty
  };
  size_t Home(const KeyDigest& d) const;
  void Grow();

  std::unique_ptr<Slot[]> slots_;
  int64_t capacity_ = 0;      // slots in the table now
  int64_t max_capacity_ = 0;  // slots the budget allows
  int64_t max_keys_ = 0;
  int64_t limit_ = 0;  // keys before the table must grow (or is full)
  int64_t size_ = 0;
};

}  // namespace klog
