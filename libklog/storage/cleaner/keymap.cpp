// The cleaner's key map: see keymap.h.
#include "storage/cleaner/keymap.h"

#include <xxhash.h>

#include <algorithm>

namespace klog {

namespace {
constexpr int64_t kSlotBytes = 24;
constexpr int64_t kInitialSlots = int64_t(1) << 14;
int64_t NinetyPercent(int64_t slots) {
  return slots < 2 ? 0 : std::max<int64_t>(1, slots / 10 * 9);
}
}  // namespace

KeyDigest DigestKey(std::string_view key) {
  XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
  return KeyDigest{h.low64, h.high64};
}

KeyMap::KeyMap(int64_t budget_bytes) {
  max_capacity_ = std::max<int64_t>(budget_bytes / kSlotBytes, 0);
  max_keys_ = NinetyPercent(max_capacity_);
  capacity_ = std::min(max_capacity_, kInitialSlots);
  if (max_keys_ == 0) return;
  slots_.reset(new Slot[size_t(capacity_)]);
  std::fill_n(slots_.get(), capacity_, Slot{0, 0, -1});
  limit_ = capacity_ == max_capacity_ ? max_keys_ : capacity_ / 2;
}

KeyMap::~KeyMap() = default;

size_t KeyMap::Home(const KeyDigest& d) const {
  return size_t((unsigned __int128)d.lo * uint64_t(capacity_) >> 64);
}

void KeyMap::Grow() {
  std::unique_ptr<Slot[]> old = std::move(slots_);
  int64_t old_capacity = capacity_;
  capacity_ = std::min(max_capacity_, capacity_ * 2);
  slots_.reset(new Slot[size_t(capacity_)]);
  std::fill_n(slots_.get(), capacity_, Slot{0, 0, -1});
  for (int64_t i = 0; i < old_capacity; ++i) {
    const Slot& s = old[size_t(i)];
    if (s.offset < 0) continue;
    size_t j = Home(KeyDigest{s.lo, s.hi});
    while (slots_[j].offset >= 0) j = j + 1 == size_t(capacity_) ? 0 : j + 1;
    slots_[j] = s;
  }
  limit_ = capacity_ == max_capacity_ ? max_keys_ : capacity_ / 2;
}

bool KeyMap::Put(const KeyDigest& d, int64_t offset) {
  if (max_keys_ == 0) return false;
  size_t j = Home(d);
  for (;;) {
    Slot& s = slots_[j];
    if (s.offset < 0) break;
    if (s.lo == d.lo && s.hi == d.hi) {
      s.offset = std::max(s.offset, offset);
      return true;
    }
    j = j + 1 == size_t(capacity_) ? 0 : j + 1;
  }
  if (size_ >= limit_) {
    if (capacity_ == max_capacity_) return false;
    Grow();
    return Put(d, offset);
  }
  slots_[j] = Slot{d.lo, d.hi, offset};
  ++size_;
  return true;
}

int64_t KeyMap::Get(const KeyDigest& d) const {
  if (max_keys_ == 0) return -1;
  size_t j = Home(d);
  for (;;) {
    const Slot& s = slots_[j];
    if (s.offset < 0) return -1;
    if (s.lo == d.lo && s.hi == d.hi) return s.offset;
    j = j + 1 == size_t(capacity_) ? 0 : j + 1;
  }
}

}  // namespace klog
