#include "proto/schema.h"

#include "proto/api.h"

namespace klog::proto {

size_t Decoder::Push(const char* name, int32_t index) {
  size_t mark = path_.size();
  if (name != nullptr) {
    if (!path_.empty()) path_ += '.';
    path_ += name;
  } else {
    path_ += '[';
    path_ += std::to_string(index);
    path_ += ']';
  }
  return mark;
}

// Called after every field and element: the first time the Reader is found failed, its error
// gets the deepest path, which is the current one.
void Decoder::Annotate() {
  if (r_->ok() || annotated_) return;
  r_->PrefixError(path_);
  annotated_ = true;
}

void Decoder::Read(std::string& s, bool nullable) {
  bool null = false;
  std::string_view v = flexible_ ? r_->CompactString(&null) : r_->String(&null);
  if (null) {
    r_->Fail("null string in a non-nullable field");
    return;
  }
  s.assign(v);
}

void Decoder::Read(std::optional<std::string>& s, bool nullable) {
  bool null = false;
  std::string_view v = flexible_ ? r_->CompactString(&null) : r_->String(&null);
  if (null && !nullable) r_->Fail("null string in a non-nullable field");
  if (null || !r_->ok()) {
    s.reset();
    return;
  }
  s.emplace(v);
}

void Decoder::Read(Records& rec, bool nullable) {
  bool null = false;
  rec.bytes = flexible_ ? r_->CompactBytes(&null) : r_->Bytes(&null);
  if (null && !nullable) r_->Fail("null records in a non-nullable field");
  rec.is_null = null;
}

void Decoder::Read(Bytes& b, bool) {
  bool null = false;
  std::span<const uint8_t> v = flexible_ ? r_->CompactBytes(&null) : r_->Bytes(&null);
  if (null) {
    r_->Fail("null bytes in a non-nullable field");
    return;
  }
  b.data.assign(reinterpret_cast<const char*>(v.data()), v.size());
}

void Encoder::Write(const Bytes& b, bool) {
  std::span<const uint8_t> v(reinterpret_cast<const uint8_t*>(b.data.data()), b.data.size());
  if (flexible_) {
    w_->CompactBytes(v);
  } else {
    w_->Bytes(v);
  }
}

void Encoder::WriteString(std::string_view s) {
  if (flexible_) {
    w_->CompactString(s);
  } else {
    w_->String(s);
  }
}

void Encoder::Write(const std::optional<std::string>& s, bool nullable) {
  if (s) return WriteString(*s);
  if (!nullable) return WriteString({});
  if (flexible_) {
    w_->CompactNullString();
  } else {
    w_->NullString();
  }
}

void Encoder::Write(const Records& rec, bool nullable) {
  if (rec.is_null && nullable) {
    if (flexible_) {
      w_->CompactNullBytes();
    } else {
      w_->NullBytes();
    }
    return;
  }
  if (flexible_) {
    w_->CompactBytes(rec.bytes);
  } else {
    w_->Bytes(rec.bytes);
  }
}

std::string MessageContext(int16_t api_key, int16_t version, bool request) {
  const ApiEntry* e = FindApi(api_key);
  std::string name = e ? e->name : "api key " + std::to_string(api_key);
  return name + " v" + std::to_string(version) + (request ? " request" : " response");
}

}  // namespace klog::proto
