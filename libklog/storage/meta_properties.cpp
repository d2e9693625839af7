// meta.properties: see klog/log_dir_files.h. Only the subset of Java's
// properties syntax that Kafka writes is read: "key=value" or "key: value"
// lines, "#" and "!" comments and blank lines; no escapes or continuations.
#include <charconv>

#include "klog/log_dir_files.h"
#include "util/fileutil.h"

namespace klog {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Status ParseInt32(const std::string& path, const std::string& key, const std::string& value,
                  int32_t* out) {
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), *out);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || *out < 0) {
    return Status::Corruption(path + ": " + key + " \"" + value + "\" is not a number >= 0");
  }
  return Status::Ok();
}

// Fills the known fields from the key/value pairs, in file order.
Status Interpret(const std::string& path, std::vector<std::pair<std::string, std::string>> kv,
                 MetaProperties* out) {
  std::string version, id;
  for (auto& [k, v] : kv) {
    if (k == "version") {
      version = v;
    } else if (k == "cluster.id") {
      out->cluster_id = v;
    } else if (k == "node.id" || k == "broker.id") {
      id = v;
    } else if (k == "directory.id") {
      out->directory_id = v;
    } else {
      out->other.emplace_back(std::move(k), std::move(v));
    }
  }
  if (version.empty()) return Status::Corruption(path + ": no version");
  if (version != "0" && version != "1") {
    return Status::Corruption(path + ": unknown version \"" + version + "\"");
  }
  out->version = version == "1" ? 1 : 0;
  if (id.empty()) {
    return Status::Corruption(path + ": no " + (out->version == 1 ? "node.id" : "broker.id"));
  }
  KLOG_RETURN_IF_ERROR(
      ParseInt32(path, out->version == 1 ? "node.id" : "broker.id", id, &out->node_id));
  if (out->version == 1 && out->cluster_id.empty()) {
    return Status::Corruption(path + ": no cluster.id");
  }
  return Status::Ok();
}

}  // namespace

Result<MetaProperties> ReadMetaProperties(const std::string& path) {
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  std::vector<std::pair<std::string, std::string>> kv;
  std::string_view rest = text;
  for (size_t line_no = 1; !rest.empty(); ++line_no) {
    size_t nl = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos || Trim(line.substr(0, sep)).empty()) {
      return Status::Corruption(path + " line " + std::to_string(line_no) +
                                ": not a key=value line: \"" + std::string(line) + "\"");
    }
    kv.emplace_back(std::string(Trim(line.substr(0, sep))),
                    std::string(Trim(line.substr(sep + 1))));
  }
  MetaProperties meta;
  KLOG_RETURN_IF_ERROR(Interpret(path, std::move(kv), &meta));
  return meta;
}

Status WriteMetaProperties(const std::string& path, const MetaProperties& meta) {
  if (meta.version != 0 && meta.version != 1) {
    return Status::InvalidArgument(path + ": unknown version " + std::to_string(meta.version));
  }
  std::string text = "#\n#Written by klog\n";
  text += "version=" + std::to_string(meta.version) + "\n";
  if (!meta.cluster_id.empty()) text += "cluster.id=" + meta.cluster_id + "\n";
  text += std::string(meta.version == 1 ? "node.id=" : "broker.id=") +
          std::to_string(meta.node_id) + "\n";
  if (!meta.directory_id.empty()) text += "directory.id=" + meta.directory_id + "\n";
  for (const auto& [k, v] : meta.other) text += k + "=" + v + "\n";
  return ReplaceFileAtomically(path, text, true);
}

}  // namespace klog
