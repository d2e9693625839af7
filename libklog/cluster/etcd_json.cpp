// etcd's gateway JSON, decoded and encoded (contracts: etcd_json.h).
#include "cluster/etcd_json.h"

#include <charconv>

#include "klog/text.h"

namespace klog::cluster::etcd {

namespace {

// A bytes field (base64; absent is empty) into *out.
Status BytesField(const json& obj, const char* name, const std::string& what, std::string* out) {
  out->clear();
  auto it = obj.find(name);
  if (it == obj.end()) return Status::Ok();
  if (!it->is_string() || !Base64Decode(it->get_ref<const std::string&>(), out)) {
    return Status::Corruption(what + ": field " + name + " is not base64");
  }
  return Status::Ok();
}

std::string StringField(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool BoolField(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

// The gateway's error body as a Status.
Status GatewayError(const json& err, long http, const std::string& what) {
  int64_t code = 0;
  std::string message;
  if (err.is_object()) {
    auto c = err.find("code");
    if (c == err.end()) c = err.find("grpc_code");
    if (c != err.end() && c->is_number_integer()) code = c->get<int64_t>();
    message = StringField(err, "message");
    if (message.empty()) message = StringField(err, "error");
  }
  if (message.empty()) message = "no error message";
  std::string text = what + ": " + message;
  if (http != 0) text += " (HTTP " + std::to_string(http) + ", code " + std::to_string(code) + ")";
  if (code == 5) return Status::NotFound(text);
  if (code == 3) return Status::InvalidArgument(text);
  return Status::IOError(text);
}

}  // namespace

std::string Base64(std::string_view bytes) {
  std::string out;
  Base64Encode(bytes, &out);
  return out;
}

std::string Printable(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : key) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out.push_back(c);
    } else {
      out += {'\\', 'x', kHex[b >> 4], kHex[b & 15]};
    }
  }
  return out;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

Status ParseReply(const HttpResponse& resp, const std::string& what, json* out) {
  *out = json::parse(resp.body, nullptr, false);
  if (resp.status != 200) {
    if (out->is_discarded()) {
      return Status::IOError(what + ": HTTP " + std::to_string(resp.status) + " " +
                             resp.body.substr(0, 200));
    }
    return GatewayError(*out, resp.status, what);
  }
  if (out->is_discarded() || !out->is_object()) {
    return Status::Corruption(what + ": reply is not a JSON object");
  }
  return Status::Ok();
}

Status ParseStreamReply(const HttpResponse& resp, const std::string& what, json* out) {
  if (resp.status != 200) return ParseReply(resp, what, out);
  *out = json::parse(resp.body.substr(0, resp.body.find('\n')), nullptr, false);
  if (out->is_discarded() || !out->is_object()) {
    return Status::Corruption(what + ": reply is not a JSON object");
  }
  auto err = out->find("error");
  if (err != out->end()) return GatewayError(*err, 0, what);
  auto res = out->find("result");
  if (res == out->end() || !res->is_object())
    return Status::Corruption(what + ": reply has no result");
  json result = std::move(*res);
  *out = std::move(result);
  return Status::Ok();
}

Status Int64Field(const json& obj, const char* name, const std::string& what, int64_t* out) {
  *out = 0;
  auto it = obj.find(name);
  if (it == obj.end()) return Status::Ok();
  if (it->is_number_integer()) {
    *out = it->get<int64_t>();
    return Status::Ok();
  }
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return Status::Ok();
  }
  return Status::Corruption(what + ": field " + name + " is not an int64");
}

Status DecodeKeyValue(const json& kv, const std::string& what, KeyValue* out) {
  if (!kv.is_object()) return Status::Corruption(what + ": a key-value is not an object");
  KLOG_RETURN_IF_ERROR(BytesField(kv, "key", what, &out->key));
  KLOG_RETURN_IF_ERROR(BytesField(kv, "value", what, &out->value));
  KLOG_RETURN_IF_ERROR(Int64Field(kv, "create_revision", what, &out->create_revision));
  KLOG_RETURN_IF_ERROR(Int64Field(kv, "mod_revision", what, &out->mod_revision));
  KLOG_RETURN_IF_ERROR(Int64Field(kv, "version", what, &out->version));
  return Int64Field(kv, "lease", what, &out->lease);
}

Status HeaderRevision(const json& reply, const std::string& what, int64_t* out) {
  auto h = reply.find("header");
  if (h == reply.end() || !h->is_object()) {
    return Status::Corruption(what + ": reply has no header");
  }
  return Int64Field(*h, "revision", what, out);
}

Status DecodeRange(const json& reply, const std::string& what, GetResult* out) {
  KLOG_RETURN_IF_ERROR(HeaderRevision(reply, what, &out->revision));
  out->kvs.clear();
  auto kvs = reply.find("kvs");
  if (kvs == reply.end()) return Status::Ok();
  if (!kvs->is_array()) return Status::Corruption(what + ": kvs is not an array");
  for (const json& kv : *kvs) {
    KeyValue decoded;
    KLOG_RETURN_IF_ERROR(DecodeKeyValue(kv, what, &decoded));
    out->kvs.push_back(std::move(decoded));
  }
  return Status::Ok();
}

json EncodeCompare(const Compare& c) {
  bool mod = c.target == Compare::Target::kModRevision;
  return json{{"key", Base64(c.key)},
              {"result", "EQUAL"},
              {"target", mod ? "MOD" : "CREATE"},
              {mod ? "mod_revision" : "create_revision", std::to_string(c.revision)}};
}

json EncodeOp(const WriteOp& op) {
  if (op.kind == WriteOp::Kind::kDelete) {
    return json{{"request_delete_range", {{"key", Base64(op.key)}}}};
  }
  json put{{"key", Base64(op.key)}, {"value", Base64(op.value)}};
  if (op.lease != 0) put["lease"] = std::to_string(op.lease);
  return json{{"request_put", std::move(put)}};
}

Status DecodeWatchMessage(const json& msg, const std::string& what, WatchMessage* out) {
  if (!msg.is_object()) return Status::Corruption(what + ": stream message is not an object");
  auto err = msg.find("error");
  // In the stream, {"error": {...}}; as a whole failed answer, {"error": "...", "code": ...}.
  if (err != msg.end()) return GatewayError(err->is_object() ? *err : msg, 0, what);
  auto res = msg.find("result");
  if (res == msg.end() || !res->is_object()) {
    return Status::Corruption(what + ": stream message has no result");
  }
  *out = WatchMessage();
  out->created = BoolField(*res, "created");
  out->canceled = BoolField(*res, "canceled");
  out->cancel_reason = StringField(*res, "cancel_reason");
  KLOG_RETURN_IF_ERROR(Int64Field(*res, "compact_revision", what, &out->compact_revision));
  KLOG_RETURN_IF_ERROR(HeaderRevision(*res, what, &out->batch.revision));
  auto events = res->find("events");
  if (events == res->end()) return Status::Ok();
  if (!events->is_array()) return Status::Corruption(what + ": events is not an array");
  for (const json& e : *events) {
    if (!e.is_object()) return Status::Corruption(what + ": an event is not an object");
    WatchEvent ev;
    std::string type = StringField(e, "type");
    if (type == "DELETE") {
      ev.type = WatchEvent::Type::kDelete;
    } else if (!type.empty() && type != "PUT") {
      return Status::Corruption(what + ": unknown event type " + type);
    }
    auto kv = e.find("kv");
    if (kv == e.end()) return Status::Corruption(what + ": an event has no kv");
    KLOG_RETURN_IF_ERROR(DecodeKeyValue(*kv, what, &ev.kv));
    out->batch.events.push_back(std::move(ev));
  }
  return Status::Ok();
}

}  // namespace klog::cluster::etcd
