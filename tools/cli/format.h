// klog-read --format: a format string compiled once into tokens (%t topic,
// %p partition, %o offset, %k key, %s value, %T timestamp, %h headers,
// %K key length, %S value length, %% percent; backslash escapes as in
// escape.h) and rendered per record into an Output without allocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output.h"
#include "klog/record.h"
#include "klog/status.h"

namespace klog::cli {

class RecordFormat {
 public:
  enum class Field : uint8_t {
    kLiteral,
    kTopic,
    kPartition,
    kOffset,
    kKey,
    kValue,
    kTimestamp,
    kHeaders,
    kKeyLength,
    kValueLength,
  };
  struct Token {
    Field field;
    uint32_t begin = 0;  // literal text: literals_[begin, begin + length)
    uint32_t length = 0;
  };

  // Compiles `fmt`. An unknown token ("%x"), a lone '%' at the end or a bad
  // escape is InvalidArgument naming it and the format.
  static Result<RecordFormat> Compile(std::string_view fmt);

  // Writes one record. A null key or value prints as nothing; headers print
  // as name=value,name2=value2 (a null header value as just the name).
  void Render(std::string_view topic, int32_t partition, const RecordView& r, Output& out) const;

  const std::vector<Token>& tokens() const { return tokens_; }
  std::string_view literal(const Token& t) const {
    return std::string_view(literals_).substr(t.begin, t.length);
  }

 private:
  std::string literals_;
  std::vector<Token> tokens_;
};

}  // namespace klog::cli
