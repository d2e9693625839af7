// Text and JSON lines of the dump (formats: klog/dump.h).
#include "dump/writer.h"

#include <cstdio>

#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/text.h"

namespace klog {
namespace {

std::string CrcHex(uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", crc);
  return buf;
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

// `s` must be valid UTF-8 (escaping: AppendJsonString in klog/text.h).
void DumpWriter::JsonString(std::string_view s) {
  scratch_.clear();
  AppendJsonString(s, &scratch_);
  out_ << scratch_;
}

void DumpWriter::JsonBytesField(std::string_view name, std::optional<std::string_view> bytes) {
  scratch_.clear();
  AppendJsonBytesField(name, bytes, &scratch_);
  out_ << scratch_;
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
  if (h.attributes & batch::kDeleteHorizonBit) out_ << " deleteHorizon: " << h.base_timestamp;
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
       << ",\"leaderEpoch\":" << h.leader_epoch;
  if (h.attributes & batch::kDeleteHorizonBit) out_ << ",\"deleteHorizon\":" << h.base_timestamp;
  out_ << ",\"crc\":\"" << CrcHex(h.crc) << "\",\"crcOk\":" << flag(b.crc_ok) << "}\n";
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

void DumpWriter::EmptyPartition(const std::string& dir, bool verify) {
  if (json_) {
    out_ << "{\"type\":\"" << (verify ? "ok" : "partition") << "\",\"file\":";
    JsonString(dir);
    out_ << ",\"segments\":0}\n";
  } else {
    out_ << (verify ? "ok: " : "partition: ") << dir << " segments: 0\n";
  }
}

}  // namespace klog
