// Test helpers for the protocol codec: a visitor that fills every field of a message with
// distinct non-default values, and renderers that show which fields a version carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto::test {

std::vector<uint8_t> Hex(const std::string& hex);  // "0000 001a" -> bytes; spaces ignored
std::string ToHex(const std::vector<uint8_t>& b);

// Sets every field (in every version) to a value different from its default: integers from a
// running counter, bool negated, strings "s<counter>", arrays with two filled elements,
// nullable values present, records pointing at a static 5-byte buffer.
class Filler {
 public:
  template <class T>
  void operator()(const char*, T& f, Ver = {}) {
    Fill(f);
  }

 private:
  template <class T>
  requires std::is_integral_v<T>
  void Fill(T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      x = !x;
    } else {
      x = static_cast<T>(7 + (n_++ % 100));
    }
  }
  void Fill(std::string& s) { s = "s" + std::to_string(n_++); }
  void Fill(std::optional<std::string>& s) { s = "o" + std::to_string(n_++); }
  void Fill(Records& r);
  void Fill(Bytes& b) { b.data = std::string("b\0") + std::to_string(n_++); }
  template <class E>
  void Fill(std::vector<E>& v) {
    v.resize(2);
    for (E& e : v) FillOne(e);
  }
  template <class E>
  void Fill(std::optional<std::vector<E>>& v) {
    v.emplace();
    Fill(*v);
  }
  template <class S>
  requires HasFields<S, Filler>
  void Fill(std::optional<S>& s) {
    s.emplace();
    s->Fields(*this);
  }
  template <class E>
  void FillOne(E& e) {
    if constexpr (HasFields<E, Filler>) {
      e.Fields(*this);
    } else {
      Fill(e);
    }
  }
  int n_ = 0;
};

template <class S>
void FillAll(S& s) {
  Filler f;
  s.Fields(f);
}

// Full text of a value, ignoring versions.
class FullRender {
 public:
  template <class T>
  void operator()(const char* name, T& f, Ver = {}) {
    out += name;
    out += '=';
    out += Of(f);
    out += ';';
  }
  template <class T>
  static std::string Of(T& f) {
    if constexpr (HasFields<T, FullRender>) {
      FullRender r;
      f.Fields(r);
      return "{" + r.out + "}";
    } else {
      return Scalar(f);
    }
  }
  template <class E>
  static std::string Of(std::vector<E>& v) {
    std::string s = "[";
    for (E& e : v) s += Of(e) + ",";
    return s + "]";
  }
  template <class E>
  static std::string Of(std::optional<std::vector<E>>& v) {
    return v ? Of(*v) : "null";
  }
  template <class S>
  requires HasFields<S, FullRender>
  static std::string Of(std::optional<S>& s) { return s ? Of(*s) : "null"; }
  std::string out;

 private:
  template <class T>
  requires std::is_integral_v<T>
  static std::string Scalar(T x) { return std::to_string(static_cast<int64_t>(x)); }
  static std::string Scalar(const std::string& s) { return "'" + s + "'"; }
  static std::string Scalar(const std::optional<std::string>& s) {
    return s ? "'" + *s + "'" : "null";
  }
  static std::string Scalar(const Records& r);
  static std::string Scalar(const Bytes& b) { return "b'" + b.data + "'"; }
};

// Renders the fields a version carries (kPresent), or, for the fields it does not carry,
// whether each still has its struct's default value (kAbsent: "name=default" or
// "name=CHANGED"). Arrays of structs are rendered element by element in both modes.
class VersionRender {
 public:
  enum Mode { kPresent, kAbsent };
  VersionRender(int16_t version, Mode mode, std::vector<std::string> defaults)
      : version_(version), mode_(mode), defaults_(std::move(defaults)) {}

  template <class S>
  static std::string Of(S& s, int16_t version, Mode mode) {
    S fresh{};
    FullValues d;
    fresh.Fields(d);
    VersionRender r(version, mode, std::move(d.values));
    s.Fields(r);
    return "{" + r.out + "}";
  }

  template <class T>
  void operator()(const char* name, T& f, Ver ver = {}) {
    const std::string& def = defaults_[idx_++];
    bool in = version_ >= ver.from && version_ <= ver.to;
    if (in) {
      out += name;
      out += '=';
      out += mode_ == kPresent ? Value(f) : Nested(f);
    } else if (mode_ == kAbsent) {
      out += name;
      out += FullRender::Of(f) == def ? "=default" : "=CHANGED";
    }
    out += ';';
  }
  std::string out;

 private:
  struct FullValues {
    template <class T>
    void operator()(const char*, T& f, Ver = {}) {
      values.push_back(FullRender::Of(f));
    }
    std::vector<std::string> values;
  };
  template <class T>
  std::string Value(T& f) {
    return FullRender::Of(f);
  }
  template <class E>
  std::string Value(std::vector<E>& v) {
    if constexpr (HasFields<E, VersionRender>) {
      std::string s = "[";
      for (E& e : v) s += Of(e, version_, mode_) + ",";
      return s + "]";
    } else {
      return FullRender::Of(v);
    }
  }
  template <class E>
  std::string Value(std::optional<std::vector<E>>& v) {
    return v ? Value(*v) : "null";
  }
  // In kAbsent mode, present scalars are skipped but arrays of structs are descended into.
  template <class T>
  std::string Nested(T& f) {
    return "";
  }
  template <class E>
  std::string Nested(std::vector<E>& v) {
    return Value(v);
  }
  template <class E>
  std::string Nested(std::optional<std::vector<E>>& v) {
    return v ? Value(*v) : "null";
  }

  int16_t version_;
  Mode mode_;
  std::vector<std::string> defaults_;
  size_t idx_ = 0;
};

}  // namespace klog::proto::test
