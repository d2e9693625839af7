#include "cli/format.h"

#include "cli/escape.h"

namespace klog::cli {
namespace {

bool FieldFor(char c, RecordFormat::Field* f) {
  using F = RecordFormat::Field;
  switch (c) {
    case 't':
      *f = F::kTopic;
      return true;
    case 'p':
      *f = F::kPartition;
      return true;
    case 'o':
      *f = F::kOffset;
      return true;
    case 'k':
      *f = F::kKey;
      return true;
    case 's':
      *f = F::kValue;
      return true;
    case 'T':
      *f = F::kTimestamp;
      return true;
    case 'h':
      *f = F::kHeaders;
      return true;
    case 'K':
      *f = F::kKeyLength;
      return true;
    case 'S':
      *f = F::kValueLength;
      return true;
    default:
      return false;
  }
}

void WriteHeaders(std::span<const HeaderView> headers, Output& out) {
  for (size_t i = 0; i < headers.size(); i++) {
    if (i > 0) out.Put(',');
    out.Write(headers[i].key);
    if (headers[i].value) {
      out.Put('=');
      out.Write(*headers[i].value);
    }
  }
}

}  // namespace

Result<RecordFormat> RecordFormat::Compile(std::string_view fmt) {
  RecordFormat f;
  auto add_literal_char = [&f](char c) {
    if (f.tokens_.empty() || f.tokens_.back().field != Field::kLiteral) {
      f.tokens_.push_back({Field::kLiteral, uint32_t(f.literals_.size()), 0});
    }
    f.literals_.push_back(c);
    f.tokens_.back().length++;
  };
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("format '" + std::string(fmt) + "': " + why);
  };
  for (size_t i = 0; i < fmt.size();) {
    char c = fmt[i];
    if (c == '\\') {
      std::string err = DecodeEscape(fmt, &i, &c);
      if (!err.empty()) return bad(err);
      add_literal_char(c);
    } else if (c == '%') {
      if (i + 1 >= fmt.size()) return bad("'%' at the end (use %% for a percent sign)");
      char t = fmt[i + 1];
      Field field;
      if (t == '%') {
        add_literal_char('%');
      } else if (FieldFor(t, &field)) {
        f.tokens_.push_back({field, 0, 0});
      } else {
        return bad(std::string("unknown token '%") + t + "'");
      }
      i += 2;
    } else {
      add_literal_char(c);
      i++;
    }
  }
  return f;
}

void RecordFormat::Render(std::string_view topic, int32_t partition, const RecordView& r,
                          Output& out) const {
  for (const Token& t : tokens_) {
    switch (t.field) {
      case Field::kLiteral:
        out.Write(literal(t));
        break;
      case Field::kTopic:
        out.Write(topic);
        break;
      case Field::kPartition:
        out.WriteInt(partition);
        break;
      case Field::kOffset:
        out.WriteInt(r.offset);
        break;
      case Field::kKey:
        if (r.key) out.Write(*r.key);
        break;
      case Field::kValue:
        if (r.value) out.Write(*r.value);
        break;
      case Field::kTimestamp:
        out.WriteInt(r.timestamp);
        break;
      case Field::kHeaders:
        WriteHeaders(r.headers, out);
        break;
      case Field::kKeyLength:
        out.WriteInt(r.key ? int64_t(r.key->size()) : -1);
        break;
      case Field::kValueLength:
        out.WriteInt(r.value ? int64_t(r.value->size()) : -1);
        break;
    }
  }
}

}  // namespace klog::cli
