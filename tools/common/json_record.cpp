#include "json_record.h"

#include <nlohmann/json.hpp>

#include "base64.h"
#include "utf8.h"

namespace klog::cli {
namespace {

using nlohmann::json;

// Scratch space for base64 output, reused across records.
std::string& Scratch() {
  static std::string s;
  return s;
}

void WriteHeadersArray(std::span<const HeaderView> headers, Output& out) {
  out.Write(",\"headers\":[");
  for (size_t i = 0; i < headers.size(); i++) {
    if (i > 0) out.Put(',');
    out.Put('{');
    WriteJsonBytesField("key", headers[i].key, out);
    out.Put(',');
    WriteJsonBytesField("value", headers[i].value, out);
    out.Put('}');
  }
  out.Put(']');
}

// Reads a key/value style field with its optional "<name>_encoding" marker.
Status DecodeBytesField(const json& obj, const char* name, std::optional<std::string>* out) {
  std::string marker_name = std::string(name) + "_encoding";
  bool base64 = false;
  auto m = obj.find(marker_name);
  if (m != obj.end() && !m->is_null()) {
    if (!m->is_string()) return Status::InvalidArgument(marker_name + ": must be a string");
    const auto& enc = m->get_ref<const std::string&>();
    if (enc == "base64") {
      base64 = true;
    } else if (enc != "utf8" && enc != "utf-8") {
      return Status::InvalidArgument(marker_name + ": unknown encoding '" + enc + "'");
    }
  }
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    out->reset();
    return Status::Ok();
  }
  if (!it->is_string())
    return Status::InvalidArgument(std::string(name) + ": must be a string or null");
  const auto& s = it->get_ref<const std::string&>();
  if (!out->has_value()) out->emplace();
  if (!base64) {
    **out = s;
  } else if (!Base64Decode(s, &**out)) {
    return Status::InvalidArgument(std::string(name) + ": not valid base64");
  }
  return Status::Ok();
}

Status DecodeHeaders(const json& h, std::vector<JsonRecord::Header>* out) {
  out->clear();
  if (h.is_null()) return Status::Ok();
  if (h.is_object()) {
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (!it.value().is_string() && !it.value().is_null()) {
        return Status::InvalidArgument("headers: value of '" + it.key() +
                                       "' must be a string or null");
      }
      JsonRecord::Header hd{it.key(), std::nullopt};
      if (it.value().is_string()) hd.value = it.value().get<std::string>();
      out->push_back(std::move(hd));
    }
    return Status::Ok();
  }
  if (!h.is_array()) return Status::InvalidArgument("headers: must be an array or an object");
  for (size_t i = 0; i < h.size(); i++) {
    const json& e = h[i];
    std::string ctx = "headers[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(ctx + ": must be an object");
    std::optional<std::string> key, value;
    Status st = DecodeBytesField(e, "key", &key);
    if (!st.ok()) return st.WithContext(ctx);
    if (!key) return Status::InvalidArgument(ctx + ": key is missing or null");
    st = DecodeBytesField(e, "value", &value);
    if (!st.ok()) return st.WithContext(ctx);
    out->push_back({std::move(*key), std::move(value)});
  }
  return Status::Ok();
}

}  // namespace

void WriteJsonString(std::string_view s, Output& out) {
  static const char kHex[] = "0123456789abcdef";
  out.Put('"');
  size_t run = 0;  // start of the pending run of plain bytes
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.Write(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out.Write("\\\"");
        break;
      case '\\':
        out.Write("\\\\");
        break;
      case '\n':
        out.Write("\\n");
        break;
      case '\t':
        out.Write("\\t");
        break;
      case '\r':
        out.Write("\\r");
        break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.Write(std::string_view(u, 6));
      }
    }
  }
  out.Write(s.substr(run));
  out.Put('"');
}

void WriteJsonBytesField(std::string_view name, std::optional<std::string_view> bytes,
                         Output& out) {
  out.Put('"');
  out.Write(name);
  out.Write("\":");
  if (!bytes) {
    out.Write("null");
    return;
  }
  if (IsValidUtf8(*bytes)) {
    WriteJsonString(*bytes, out);
    return;
  }
  std::string& b64 = Scratch();
  b64.clear();
  Base64Encode(*bytes, &b64);
  out.Put('"');
  out.Write(b64);
  out.Write("\",\"");
  out.Write(name);
  out.Write("_encoding\":\"base64\"");
}

void WriteJsonRecord(std::string_view topic, int32_t partition, const RecordView& r, Output& out) {
  out.Write("{\"topic\":");
  WriteJsonString(topic, out);
  out.Write(",\"partition\":");
  out.WriteInt(partition);
  out.Write(",\"offset\":");
  out.WriteInt(r.offset);
  out.Write(",\"timestamp\":");
  out.WriteInt(r.timestamp);
  out.Put(',');
  WriteJsonBytesField("key", r.key, out);
  out.Put(',');
  WriteJsonBytesField("value", r.value, out);
  WriteHeadersArray(r.headers, out);
  out.Write("}\n");
}

Status ParseJsonRecord(std::string_view line, JsonRecord* out) {
  json obj;
  try {
    obj = json::parse(line);
  } catch (const json::exception& e) {
    std::string what = e.what();
    size_t p = what.find("] ");  // drop "[json.exception.parse_error.101] "
    return Status::InvalidArgument(p == std::string::npos ? what : what.substr(p + 2));
  }
  if (!obj.is_object()) return Status::InvalidArgument("expected a JSON object");
  KLOG_RETURN_IF_ERROR(DecodeBytesField(obj, "key", &out->key));
  KLOG_RETURN_IF_ERROR(DecodeBytesField(obj, "value", &out->value));
  auto h = obj.find("headers");
  out->headers.clear();
  if (h != obj.end()) KLOG_RETURN_IF_ERROR(DecodeHeaders(*h, &out->headers));
  out->partition.reset();
  auto p = obj.find("partition");
  if (p != obj.end() && !p->is_null()) {
    if (!p->is_number_integer() || p->get<int64_t>() < 0 || p->get<int64_t>() > INT32_MAX) {
      return Status::InvalidArgument("partition: must be a non-negative integer");
    }
    out->partition = int32_t(p->get<int64_t>());
  }
  out->timestamp.reset();
  auto t = obj.find("timestamp");
  if (t != obj.end() && !t->is_null()) {
    if (!t->is_number_integer())
      return Status::InvalidArgument("timestamp: must be an integer (ms)");
    out->timestamp = t->get<int64_t>();
  }
  return Status::Ok();
}

}  // namespace klog::cli
