// Generic message codec. Every message is a plain struct whose template method
// `template <class V> void Fields(V& v)` lists each field once, in wire order, as
//   v("name", member, {.from = 4, .to = 10, .nullable_from = 1});
// Decoder and Encoder visitors read or write only the fields whose [from, to] range holds
// the message version; other fields are neither read nor written and keep their value.
// Member types map to wire types as follows (classic / flexible form):
//   int8_t int16_t int32_t int64_t bool     fixed-width big-endian
//   std::string                             string / compact string (never null)
//   std::optional<std::string>              nullable string (null only when nullable)
//   Records                                 records bytes (int32 / compact), span into frame
//   Bytes                                   bytes (int32 / compact length), an owned copy
//   std::vector<T>                          array / compact array of T (T a primitive,
//                                           std::string or a struct with Fields)
//   std::optional<std::vector<T>>           nullable array
//   std::optional<S> (S a struct)           a struct, for tagged fields only (omitted when
//                                           empty; Fetch v12's diverging_epoch)
// In flexible versions every struct (array element or the message itself) ends with a
// tagged-field section. A field declared with {.tag = N} lives there instead of in the body,
// and only in flexible versions; a struct lists its tagged fields in ascending tag order.
// The Encoder writes a tagged field unless it is an empty std::optional; the Decoder reads
// the tags it knows and skips the others.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "klog/status.h"
#include "proto/wire.h"

namespace klog::proto {

inline constexpr int16_t kNoVersion = 0x7fff;

// Version range of one field. nullable_from is the first version where null is allowed
// (kNoVersion: never). Decoding a null where it is not allowed is an error; encoding a null
// there writes an empty value instead. tag >= 0 makes the field a tagged field.
struct Ver {
  int16_t from = 0;
  int16_t to = kNoVersion;
  int16_t nullable_from = kNoVersion;
  int16_t tag = -1;
};

// A records field: a view of RecordBatch bytes, not a copy. After decoding it points into the
// request frame, which must outlive it. Encoded as null only when is_null is set (Fetch
// responses must send length 0, never null, for an empty partition: §4.6).
struct Records {
  std::span<const uint8_t> bytes;
  bool is_null = false;
};

// A bytes field the message owns (group member metadata, assignments): unlike Records it is
// copied out of the frame, so it may outlive the request. Never null on the wire.
struct Bytes {
  std::string data;
};

template <class T, class V>
concept HasFields = requires(T& t, V& v) {
  t.Fields(v);
};

class Decoder;
class Encoder;

// Reads fields of one message version from a Reader. On the first failure the Reader's error
// is prefixed with the field path ("topics[2].name"), and the rest of the decode is a no-op.
class Decoder {
 public:
  Decoder(Reader* r, int16_t version, bool flexible)
      : r_(r), version_(version), flexible_(flexible) {}

  int16_t version() const { return version_; }
  bool flexible() const { return flexible_; }

  template <class T>
  void operator()(const char* name, T& field, Ver ver = {}) {
    if (!r_->ok() || version_ < ver.from || version_ > ver.to) return;
    // The body pass (want_tag_ -1) takes untagged fields; a tag pass takes only its tag.
    if (ver.tag != want_tag_ || (ver.tag >= 0 && !flexible_)) return;
    int32_t saved = want_tag_;
    want_tag_ = -1;
    size_t mark = Push(name, -1);
    Read(field, version_ >= ver.nullable_from);
    Annotate();
    path_.resize(mark);
    want_tag_ = saved;
  }

  // Reads a struct's fields and, in flexible versions, its trailing tagged-field section.
  template <class S>
  void Struct(S& s) {
    s.Fields(*this);
    if (flexible_ && r_->ok()) ReadTaggedFields(s);
  }

 private:
  size_t Push(const char* name, int32_t index);
  void Annotate();

  // Each tagged field's payload is decoded by a pass over s's fields that takes only the
  // field with that tag, reading from a Reader limited to the payload.
  template <class S>
  void ReadTaggedFields(S& s) {
    uint32_t count = r_->UVarint();
    for (uint32_t i = 0; i < count && r_->ok(); ++i) {
      uint32_t tag = r_->UVarint();
      uint32_t size = r_->UVarint();
      std::span<const uint8_t> payload = r_->Take(size, "tagged field");
      if (!r_->ok() || tag > 0x7fff) continue;
      Reader sub(payload);
      Reader* outer = r_;
      r_ = &sub;
      want_tag_ = static_cast<int32_t>(tag);
      s.Fields(*this);
      want_tag_ = -1;
      r_ = outer;
      if (!sub.ok()) r_->Fail(sub.error());
    }
  }

  void Read(int8_t& x, bool) { x = r_->Int8(); }
  void Read(int16_t& x, bool) { x = r_->Int16(); }
  void Read(int32_t& x, bool) { x = r_->Int32(); }
  void Read(int64_t& x, bool) { x = r_->Int64(); }
  void Read(bool& x, bool) { x = r_->Bool(); }
  void Read(std::string& s, bool nullable);
  void Read(std::optional<std::string>& s, bool nullable);
  void Read(Records& rec, bool nullable);
  void Read(Bytes& b, bool nullable);

  template <class S>
  requires HasFields<S, Decoder>
  void Read(std::optional<S>& s, bool) {
    s.emplace();
    Struct(*s);
  }

  template <class E>
  void Read(std::vector<E>& v, bool nullable) {
    int32_t n = r_->ArrayCount(flexible_);
    if (n < 0) {
      if (r_->ok()) r_->Fail("null array in a non-nullable field");
      return;
    }
    ReadElements(v, n);
  }
  template <class E>
  void Read(std::optional<std::vector<E>>& v, bool nullable) {
    int32_t n = r_->ArrayCount(flexible_);
    if (n < 0) {
      if (r_->ok() && !nullable) r_->Fail("null array in a non-nullable field");
      v.reset();
      return;
    }
    v.emplace();
    ReadElements(*v, n);
  }
  template <class E>
  void ReadElements(std::vector<E>& v, int32_t n) {
    if (!r_->ok()) return;
    // Elements are appended as they are read, so memory grows with the bytes actually
    // present, never with the count the peer claims.
    v.clear();
    v.reserve(static_cast<size_t>(n < 64 ? n : 64));
    for (int32_t i = 0; i < n && r_->ok(); ++i) {
      size_t mark = Push(nullptr, i);
      E& e = v.emplace_back();
      if constexpr (HasFields<E, Decoder>) {
        Struct(e);
      } else {
        Read(e, false);
      }
      Annotate();
      path_.resize(mark);
    }
  }

  Reader* r_;
  int16_t version_;
  bool flexible_;
  std::string path_;
  bool annotated_ = false;
  int32_t want_tag_ = -1;
};

// Writes fields of one message version. Never fails: values that do not fit their wire
// type (a string over 32767 bytes in a classic version) are a programmer error.
class Encoder {
 public:
  Encoder(Writer* w, int16_t version, bool flexible)
      : w_(w), version_(version), flexible_(flexible) {}

  int16_t version() const { return version_; }
  bool flexible() const { return flexible_; }

  template <class T>
  void operator()(const char* name, T& field, Ver ver = {}) {
    if (version_ < ver.from || version_ > ver.to) return;
    bool nullable = version_ >= ver.nullable_from;
    if (ver.tag < 0) {
      if (tagged_ == nullptr) Write(field, nullable);
      return;
    }
    if (tagged_ == nullptr || !flexible_ || Omit(field)) return;
    // A tagged field: encode its value into its own buffer (sizes are uvarints, so they
    // cannot be patched in place). Tagged fields are rare, so this may allocate.
    std::vector<std::pair<int16_t, std::vector<uint8_t>>>* list = tagged_;
    list->emplace_back(ver.tag, std::vector<uint8_t>());
    Writer scratch(&list->back().second);
    Writer* outer = w_;
    w_ = &scratch;
    tagged_ = nullptr;
    Write(field, nullable);
    tagged_ = list;
    w_ = outer;
  }

  // Writes a struct's fields and, in flexible versions, its tagged-field section.
  template <class S>
  void Struct(S& s) {
    s.Fields(*this);
    if (!flexible_) return;
    std::vector<std::pair<int16_t, std::vector<uint8_t>>> tagged;  // no allocation if empty
    tagged_ = &tagged;
    s.Fields(*this);
    tagged_ = nullptr;
    w_->UVarint(static_cast<uint32_t>(tagged.size()));
    for (const auto& [tag, bytes] : tagged) {
      w_->UVarint(static_cast<uint32_t>(tag));
      w_->UVarint(static_cast<uint32_t>(bytes.size()));
      w_->Raw(bytes.data(), bytes.size());
    }
  }

 private:
  template <class T>
  static bool Omit(const T&) {
    return false;
  }
  template <class T>
  static bool Omit(const std::optional<T>& v) {
    return !v.has_value();
  }

  void Write(int8_t x, bool) { w_->Int8(x); }
  void Write(int16_t x, bool) { w_->Int16(x); }
  void Write(int32_t x, bool) { w_->Int32(x); }
  void Write(int64_t x, bool) { w_->Int64(x); }
  void Write(bool x, bool) { w_->Bool(x); }
  void Write(const std::string& s, bool) { WriteString(s); }
  void Write(const std::optional<std::string>& s, bool nullable);
  void Write(const Records& rec, bool nullable);
  void Write(const Bytes& b, bool nullable);
  void WriteString(std::string_view s);

  template <class S>
  requires HasFields<S, Encoder>
  void Write(std::optional<S>& s, bool) {
    if (s) Struct(*s);
  }

  template <class E>
  void Write(std::vector<E>& v, bool) {
    w_->ArrayCount(static_cast<int32_t>(v.size()), flexible_);
    for (E& e : v) {
      if constexpr (HasFields<E, Encoder>) {
        Struct(e);
      } else {
        Write(e, false);
      }
    }
  }
  template <class E>
  void Write(std::optional<std::vector<E>>& v, bool nullable) {
    if (!v && nullable) return w_->NullArray(flexible_);
    if (!v) return w_->ArrayCount(0, flexible_);
    Write(*v, false);
  }

  Writer* w_;
  int16_t version_;
  bool flexible_;
  // Set while Struct collects tagged fields: then only tagged fields are written, each to
  // its own entry of this list.
  std::vector<std::pair<int16_t, std::vector<uint8_t>>>* tagged_ = nullptr;
};

// True when `version` of `api_key` uses the flexible encoding (defined in api.cpp from the
// registry table; unknown keys are never flexible).
bool IsFlexible(int16_t api_key, int16_t version);
// "Metadata v4 request" / "Fetch v11 response": the context put in front of decode errors.
std::string MessageContext(int16_t api_key, int16_t version, bool request);

// Decodes a whole message body (the bytes after the request header) of `version` into *out.
// Msg must declare `static constexpr int16_t kApiKey` and `static constexpr bool kIsRequest`.
// Fields absent from `version` keep the values *out already has. Trailing bytes after the
// last field are ignored, as Kafka does. Errors read like
// "Metadata v4 request: topics[2].name: string length 70000 past end of frame".
template <class Msg>
Status DecodeMessage(std::span<const uint8_t> body, int16_t version, Msg* out) {
  Reader r(body);
  Decoder d(&r, version, IsFlexible(Msg::kApiKey, version));
  d.Struct(*out);
  if (r.ok()) return Status::Ok();
  return Status::Corruption(MessageContext(Msg::kApiKey, version, Msg::kIsRequest) + ": " +
                            r.error());
}

// Appends the body of `msg` encoded as `version` (no size prefix, no header).
template <class Msg>
void EncodeMessage(const Msg& msg, int16_t version, Writer* w) {
  Encoder e(w, version, IsFlexible(Msg::kApiKey, version));
  // The Encoder only reads members; Fields() is non-const so that one method serves both.
  e.Struct(const_cast<Msg&>(msg));
}

}  // namespace klog::proto
