#include "cli/json_record.h"

#include <nlohmann/json.hpp>

#include <charconv>

#include "klog/text.h"

namespace klog::cli {
namespace {

using nlohmann::json;
using namespace std::string_view_literals;

void AppendInt(int64_t v, std::string* out) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
  out->append(tmp, size_t(r.ptr - tmp));
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

void WriteJsonRecord(std::string_view topic, int32_t partition, const RecordView& r, Output& out) {
  // The line is encoded straight into the output buffer (no copy, and no
  // allocation once the buffer has grown to its capacity).
  std::string& line = *out.Buffer();
  line.append("{\"topic\":"sv);
  AppendJsonString(topic, &line);
  line.append(",\"partition\":"sv);
  AppendInt(partition, &line);
  line.append(",\"offset\":"sv);
  AppendInt(r.offset, &line);
  line.append(",\"timestamp\":"sv);
  AppendInt(r.timestamp, &line);
  line.append(","sv);
  AppendJsonBytesField("key", r.key, &line);
  line.append(","sv);
  AppendJsonBytesField("value", r.value, &line);
  line.append(",\"headers\":["sv);
  for (size_t i = 0; i < r.headers.size(); i++) {
    line.append(i > 0 ? ",{"sv : "{"sv);
    AppendJsonBytesField("key", r.headers[i].key, &line);
    line.append(","sv);
    AppendJsonBytesField("value", r.headers[i].value, &line);
    line.append("}"sv);
  }
  line.append("]}\n"sv);
  out.Commit();
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
