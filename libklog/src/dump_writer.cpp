// Text and JSON lines of the dump (formats: klog/dump.h).
#include "dump_writer.h"

#include <cstdio>

#include "klog/checksum.h"

namespace klog {
namespace {

std::string CrcHex(uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", crc);
  return buf;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t min, cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

void Base64(std::string_view in, std::ostream& out) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size(), i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
    out << kAlphabet[v >> 18] << kAlphabet[(v >> 12) & 63] << kAlphabet[(v >> 6) & 63]
        << kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t(p[i]) << 16;
    out << kAlphabet[v >> 18] << kAlphabet[(v >> 12) & 63] << "==";
  } else if (n - i == 2) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8;
    out << kAlphabet[v >> 18] << kAlphabet[(v >> 12) & 63] << kAlphabet[(v >> 6) & 63] << '=';
  }
}

}  // namespace

void DumpWriter::TextBytes(std::optional<std::string_view> bytes) {
  if (!bytes) {
    out_ << "null";
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  out_ << '"';
  for (char ch : *bytes) {
    auto c = static_cast<uint8_t>(ch);
    if (c == '"' || c == '\\') {
      out_ << '\\' << ch;
    } else if (c >= 0x20 && c < 0x7f) {
      out_ << ch;
    } else {
      out_ << "\\x" << kHex[c >> 4] << kHex[c & 15];
    }
  }
  out_ << '"';
}

// `s` must be valid UTF-8; control characters become \u00XX.
void DumpWriter::JsonString(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out_ << '"';
  for (char ch : s) {
    auto c = static_cast<uint8_t>(ch);
    if (c == '"' || c == '\\') {
      out_ << '\\' << ch;
    } else if (c == '\n') {
      out_ << "\\n";
    } else if (c == '\t') {
      out_ << "\\t";
    } else if (c == '\r') {
      out_ << "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out_ << "\\u00" << kHex[c >> 4] << kHex[c & 15];
    } else {
      out_ << ch;
    }
  }
  out_ << '"';
}

void DumpWriter::JsonBytesField(std::string_view name, std::optional<std::string_view> bytes) {
  out_ << '"' << name << "\":";
  if (!bytes) {
    out_ << "null";
  } else if (IsUtf8(*bytes)) {
    JsonString(*bytes);
  } else {
    out_ << '"';
    Base64(*bytes, out_);
    out_ << "\",\"" << name << "_encoding\":\"base64\"";
  }
}

void DumpWriter::LogStart(const std::string& path, int64_t size) {
  if (json_) {
    out_ << "{\"type\":\"log\",\"file\":";
    JsonString(path);
    out_ << ",\"size\":" << size << "}\n";
  } else {
    out_ << "log: " << path << " size: " << size << '\n';
  }
}

void DumpWriter::Batch(const BatchInfo& b) {
  if (json_) {
    BatchJson(b);
  } else {
    BatchText(b);
  }
}

void DumpWriter::BatchText(const BatchInfo& b) {
  const BatchHeader& h = b.header;
  out_ << "baseOffset: " << h.base_offset << " lastOffset: " << h.last_offset()
       << " count: " << h.records_count << " position: " << b.position << " size: " << h.size()
       << " baseTimestamp: " << h.base_timestamp << " maxTimestamp: " << h.max_timestamp
       << " codec: " << CompressionName(h.compression());
  if (h.log_append_time()) out_ << " timestampType: LogAppendTime";
  if (h.is_transactional()) out_ << " transactional: true";
  if (h.is_control()) out_ << " control: true";
  if (h.producer_id >= 0) {
    out_ << " producerId: " << h.producer_id << " producerEpoch: " << h.producer_epoch
         << " baseSequence: " << h.base_sequence;
  }
  if (h.leader_epoch != 0) out_ << " leaderEpoch: " << h.leader_epoch;
  out_ << " crc: " << CrcHex(h.crc) << (b.crc_ok ? " ok" : " BAD") << '\n';
}

void DumpWriter::BatchJson(const BatchInfo& b) {
  const BatchHeader& h = b.header;
  auto flag = [](bool v) { return v ? "true" : "false"; };
  out_ << "{\"type\":\"batch\",\"baseOffset\":" << h.base_offset
       << ",\"lastOffset\":" << h.last_offset() << ",\"count\":" << h.records_count
       << ",\"position\":" << b.position << ",\"size\":" << h.size()
       << ",\"baseTimestamp\":" << h.base_timestamp << ",\"maxTimestamp\":" << h.max_timestamp
       << ",\"codec\":\"" << CompressionName(h.compression()) << "\",\"timestampType\":\""
       << (h.log_append_time() ? "LogAppendTime" : "CreateTime")
       << "\",\"transactional\":" << flag(h.is_transactional())
       << ",\"control\":" << flag(h.is_control()) << ",\"producerId\":" << h.producer_id
       << ",\"producerEpoch\":" << h.producer_epoch << ",\"baseSequence\":" << h.base_sequence
       << ",\"leaderEpoch\":" << h.leader_epoch << ",\"crc\":\"" << CrcHex(h.crc)
       << "\",\"crcOk\":" << flag(b.crc_ok) << "}\n";
}

void DumpWriter::Record(const RecordView& r) {
  if (json_) {
    out_ << "{\"type\":\"record\",\"offset\":" << r.offset << ",\"timestamp\":" << r.timestamp
         << ',';
    JsonBytesField("key", r.key);
    out_ << ',';
    JsonBytesField("value", r.value);
    out_ << ",\"headers\":[";
    for (size_t i = 0; i < r.headers.size(); ++i) {
      out_ << (i ? ",{" : "{");
      JsonBytesField("key", r.headers[i].key);
      out_ << ',';
      JsonBytesField("value", r.headers[i].value);
      out_ << '}';
    }
    out_ << "]}\n";
    return;
  }
  out_ << "| offset: " << r.offset << " timestamp: " << r.timestamp << " key: ";
  TextBytes(r.key);
  out_ << " value: ";
  TextBytes(r.value);
  out_ << " headers: [";
  for (size_t i = 0; i < r.headers.size(); ++i) {
    if (i) out_ << ", ";
    TextBytes(r.headers[i].key);
    out_ << ": ";
    TextBytes(r.headers[i].value);
  }
  out_ << "]\n";
}

void DumpWriter::Tail(int64_t position, int64_t size) {
  if (json_) {
    out_ << "{\"type\":\"tail\",\"position\":" << position << ",\"size\":" << size << "}\n";
  } else {
    out_ << "tail: position: " << position << " size: " << size << " partial batch\n";
  }
}

void DumpWriter::IndexStart(const std::string& path, size_t entries) {
  if (json_) {
    out_ << "{\"type\":\"index\",\"file\":";
    JsonString(path);
    out_ << ",\"entries\":" << entries << "}\n";
  } else {
    out_ << "index: " << path << " entries: " << entries << '\n';
  }
}

void DumpWriter::IndexEntry(int64_t offset, int64_t position) {
  if (json_) {
    out_ << "{\"type\":\"index_entry\",\"offset\":" << offset << ",\"position\":" << position
         << "}\n";
  } else {
    out_ << "| offset: " << offset << " position: " << position << '\n';
  }
}

void DumpWriter::TimeIndexStart(const std::string& path, size_t entries) {
  if (json_) {
    out_ << "{\"type\":\"timeindex\",\"file\":";
    JsonString(path);
    out_ << ",\"entries\":" << entries << "}\n";
  } else {
    out_ << "timeindex: " << path << " entries: " << entries << '\n';
  }
}

void DumpWriter::TimeIndexEntry(int64_t timestamp, int64_t offset) {
  if (json_) {
    out_ << "{\"type\":\"timeindex_entry\",\"timestamp\":" << timestamp << ",\"offset\":" << offset
         << "}\n";
  } else {
    out_ << "| timestamp: " << timestamp << " offset: " << offset << '\n';
  }
}

void DumpWriter::Digest(const std::string& path, const SegmentDigest& d) {
  if (json_) {
    out_ << "{\"type\":\"digest\",\"file\":";
    JsonString(path);
    out_ << ",\"xxh3\":\"" << Hex64(d.xxh3) << "\",\"bytes\":" << d.bytes << "}\n";
  } else {
    out_ << "digest: " << path << " xxh3: " << Hex64(d.xxh3) << " bytes: " << d.bytes << '\n';
  }
}

void DumpWriter::OkLog(const std::string& path, const LogTotals& t) {
  if (json_) {
    out_ << "{\"type\":\"ok\",\"file\":";
    JsonString(path);
    out_ << ",\"batches\":" << t.batches << ",\"records\":" << t.records
         << ",\"firstOffset\":" << t.first_offset << ",\"lastOffset\":" << t.last_offset << "}\n";
  } else {
    out_ << "ok: " << path << " batches: " << t.batches << " records: " << t.records
         << " firstOffset: " << t.first_offset << " lastOffset: " << t.last_offset << '\n';
  }
}

void DumpWriter::OkIndex(const std::string& path, size_t entries) {
  if (json_) {
    out_ << "{\"type\":\"ok\",\"file\":";
    JsonString(path);
    out_ << ",\"entries\":" << entries << "}\n";
  } else {
    out_ << "ok: " << path << " entries: " << entries << '\n';
  }
}

void DumpWriter::OkDigest(const std::string& path, const SegmentDigest& d) {
  if (json_) {
    out_ << "{\"type\":\"ok\",\"file\":";
    JsonString(path);
    out_ << ",\"xxh3\":\"" << Hex64(d.xxh3) << "\",\"bytes\":" << d.bytes << "}\n";
  } else {
    out_ << "ok: " << path << " xxh3: " << Hex64(d.xxh3) << " bytes: " << d.bytes << '\n';
  }
}

}  // namespace klog
