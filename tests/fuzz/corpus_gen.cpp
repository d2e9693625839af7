// klog-fuzz-corpus SOURCE_DIR OUT_DIR: writes the seed corpora of the fuzz
// targets into OUT_DIR/<target>/, from klog's own encoders and the golden
// segment (SOURCE_DIR/tests/golden/golden-0). Run by tests/fuzz/make_corpus.sh;
// the output is committed as tests/fuzz/corpus/. Deterministic: the same
// source gives the same files.
//   fuzz_request           one frame per API key and version the registry
//                          accepts, default and filled (tests/unit/proto's
//                          Filler), Produce carrying a golden batch
//   fuzz_record_batch      the golden .log, and a batch per codec
//   fuzz_batch_check       the batch per codec, options byte 2 (see that target)
//   fuzz_client_response   one response per API and version the client
//                          speaks, default and filled, in that target's
//                          input layout (API index, version byte, frame)
//   fuzz_segment_recovery  the golden segment with and without its indexes,
//                          with a torn tail, after a clean close (with
//                          klog.checkpoint) and split into a sealed and an
//                          active segment, in fuzz_segment_recovery's layout
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "../unit/proto/test_support.h"
#include "client/versions.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/offsets_record.h"
#include "klog/record.h"
#include "proto/api.h"
#include "proto/messages.h"
#include "proto/msg_offset_for_leader_epoch.h"
#include "proto/schema.h"

namespace {

using Bytes = std::vector<uint8_t>;
using namespace klog;

std::string g_out;

bool ReadFile(const std::string& path, Bytes* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

void Write(const std::string& target, const std::string& name, std::span<const uint8_t> bytes) {
  std::string dir = g_out + "/" + target;
  ::mkdir(dir.c_str(), 0755);
  std::ofstream f(dir + "/" + name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!f) {
    std::fprintf(stderr, "klog-fuzz-corpus: cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
}

// ---- fuzz_request ----

// A request frame without its size prefix: header v1 (v2 when flexible), body.
template <class Msg>
Bytes Frame(const Msg& msg, int16_t version) {
  Bytes out;
  proto::Writer w(&out);
  w.Int16(Msg::kApiKey);
  w.Int16(version);
  w.Int32(42);
  w.String("fuzz");
  if (proto::IsFlexible(Msg::kApiKey, version)) w.EmptyTaggedFields();
  proto::EncodeMessage(msg, version, &w);
  return out;
}

// The first batch of the golden segment, for Produce's records.
Bytes g_batch;

template <class Msg>
void Fill(Msg* msg) {
  proto::test::FillAll(*msg);
}

template <>
void Fill(proto::ProduceRequest* msg) {
  proto::test::FillAll(*msg);
  msg->acks = -1;
  for (auto& topic : msg->topic_data) {
    for (auto& part : topic.partition_data) part.records.bytes = g_batch;
  }
}

template <class Msg>
void Requests() {
  const proto::ApiEntry* api = proto::FindApi(Msg::kApiKey);
  for (int16_t v = api->min_version; v <= api->max_version; ++v) {
    std::string stem = std::string(api->name) + "-v" + std::to_string(v);
    Write("fuzz_request", stem + "-default", Frame(Msg{}, v));
    Msg filled;
    Fill(&filled);
    Write("fuzz_request", stem + "-filled", Frame(filled, v));
  }
}

void RequestCorpus() {
  using namespace proto;
  Requests<ProduceRequest>();
  Requests<FetchRequest>();
  Requests<ListOffsetsRequest>();
  Requests<MetadataRequest>();
  Requests<OffsetCommitRequest>();
  Requests<OffsetFetchRequest>();
  Requests<FindCoordinatorRequest>();
  Requests<JoinGroupRequest>();
  Requests<HeartbeatRequest>();
  Requests<LeaveGroupRequest>();
  Requests<SyncGroupRequest>();
  Requests<DescribeGroupsRequest>();
  Requests<ListGroupsRequest>();
  Requests<ApiVersionsRequest>();
  Requests<CreateTopicsRequest>();
  Requests<DeleteTopicsRequest>();
  Requests<DeleteRecordsRequest>();
  Requests<OffsetForLeaderEpochRequest>();
  Requests<DescribeConfigsRequest>();
  Requests<AlterConfigsRequest>();
  Requests<CreatePartitionsRequest>();
  Requests<DeleteGroupsRequest>();
  Requests<IncrementalAlterConfigsRequest>();
}

// ---- fuzz_client_response ----

// fuzz_client_response's input: the API's index in client::ClientApis(), the version as an
// offset from the client's minimum, then the response frame with its size prefix.
template <class Msg>
Bytes ClientInput(const Msg& msg, size_t index, int16_t min, int16_t version) {
  Bytes out = {uint8_t(index), uint8_t(version - min)};
  proto::Writer w(&out);
  w.Int32(0);
  w.Int32(42);
  if (client::HasTaggedResponseHeader(Msg::kApiKey, version)) w.EmptyTaggedFields();
  proto::Encoder e(&w, version, client::IsFlexibleVersion(Msg::kApiKey, version));
  e.Struct(const_cast<Msg&>(msg));
  w.PatchInt32(2, int32_t(out.size() - 6));
  return out;
}

template <class Msg>
void Responses() {
  std::span<const client::ClientApi> apis = client::ClientApis();
  for (size_t i = 0; i < apis.size(); ++i) {
    if (apis[i].key != Msg::kApiKey) continue;
    for (int16_t v = apis[i].min_version; v <= apis[i].max_version; ++v) {
      std::string stem = std::string(apis[i].name) + "-v" + std::to_string(v);
      Write("fuzz_client_response", stem + "-default",
            ClientInput(Msg{}, i, apis[i].min_version, v));
      Msg filled;
      proto::test::FillAll(filled);
      Write("fuzz_client_response", stem + "-filled",
            ClientInput(filled, i, apis[i].min_version, v));
    }
  }
}

void ClientResponseCorpus() {
  using namespace proto;
  Responses<ProduceResponse>();
  Responses<FetchResponse>();
  Responses<ListOffsetsResponse>();
  Responses<MetadataResponse>();
  Responses<ApiVersionsResponse>();
  Responses<OffsetForLeaderEpochResponse>();
  Responses<DescribeConfigsResponse>();
}

// ---- fuzz_record_batch ----

void BatchCorpus(const Bytes& golden_log) {
  Write("fuzz_record_batch", "golden-0.log", golden_log);
  const Compression codecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                Compression::kLz4, Compression::kZstd};
  BatchBuilder b;
  for (Compression c : codecs) {
    b.Reset(1700000000000);
    const BatchBuilder::Header headers[] = {{"h", std::string_view("x")}, {"n", std::nullopt}};
    b.Add(std::string_view("key-1"), std::string_view("value one"), headers);
    b.Add(std::nullopt, std::string_view("value two"), {}, int64_t(1700000000007));
    b.Add(std::string_view("key-3"), std::nullopt);
    Result<std::span<uint8_t>> batch = b.Finish(c, c == Compression::kLz4);
    if (!batch.ok()) {
      std::fprintf(stderr, "klog-fuzz-corpus: %s\n", batch.status().message().c_str());
      std::exit(1);
    }
    Write("fuzz_record_batch", "three-" + std::string(CompressionName(c)), *batch);
    // fuzz_batch_check: one batch, then a byte of options (1 = keys
    // required, 2 = put the right CRC in).
    Bytes with_options(batch->begin(), batch->end());
    with_options.push_back(2);
    Write("fuzz_batch_check", "three-" + std::string(CompressionName(c)), with_options);
  }
}

// ---- fuzz_segment_recovery ----

constexpr uint8_t kIndex = 1, kTimeIndex = 2, kCheckpoint = 4, kSealed = 16, kDigest = 32;

// `log` is the active segment; with kSealed its first `sealed` bytes are the
// sealed segment instead.
Bytes SegmentInput(uint8_t flags, const Bytes& index, const Bytes& times, const Bytes& cp,
                   std::span<const uint8_t> log, size_t sealed = 0) {
  Bytes out = {flags};
  for (size_t n : {index.size(), times.size(), cp.size(), sealed}) {
    out.push_back(uint8_t(n >> 8));
    out.push_back(uint8_t(n));
  }
  for (const Bytes* part : {&index, &times, &cp}) out.insert(out.end(), part->begin(), part->end());
  out.insert(out.end(), log.begin(), log.end());
  return out;
}

// The golden segment after a writer opened it and closed cleanly (with a
// fixed clock): its files and klog.checkpoint. Uses a scratch directory.
void CleanClose(const std::string& golden, Bytes* log, Bytes* index, Bytes* times, Bytes* cp) {
  char tmpl[] = "/tmp/klog-fuzz-corpus-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) std::exit(1);
  std::string dir = std::string(tmpl) + "/p-0";
  ::mkdir(dir.c_str(), 0755);
  const char* suffixes[] = {".log", ".index", ".timeindex"};
  for (const char* s : suffixes) {
    Bytes b;
    ReadFile(golden + "/00000000000000000000" + s, &b);
    std::ofstream(dir + "/00000000000000000000" + s, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
  }
  LogOptions opts;
  opts.owner = "klog-fuzz-corpus";
  opts.clock_ms = [] { return int64_t(1700000000100); };
  Result<std::unique_ptr<LogWriter>> w = LogWriter::Open(dir, opts);
  if (!w.ok() || !(*w)->Close().ok()) {
    std::fprintf(stderr, "klog-fuzz-corpus: cannot reopen the golden segment\n");
    std::exit(1);
  }
  ReadFile(dir + "/00000000000000000000.log", log);
  ReadFile(dir + "/00000000000000000000.index", index);
  ReadFile(dir + "/00000000000000000000.timeindex", times);
  ReadFile(dir + "/" + std::string(kCheckpointName), cp);
  for (const std::string name : {".log", ".index", ".timeindex"}) {
    ::unlink((dir + "/00000000000000000000" + name).c_str());
  }
  ::unlink((dir + "/" + std::string(kCheckpointName)).c_str());
  ::unlink((dir + "/" + std::string(kWriterLockName)).c_str());
  ::rmdir(dir.c_str());
  ::rmdir(tmpl);
}

void SegmentCorpus(const std::string& golden, const Bytes& log) {
  Bytes index, times, none;
  ReadFile(golden + "/00000000000000000000.index", &index);
  ReadFile(golden + "/00000000000000000000.timeindex", &times);
  const char* t = "fuzz_segment_recovery";
  Write(t, "golden", SegmentInput(kIndex | kTimeIndex, index, times, none, log));
  Write(t, "golden-no-index", SegmentInput(0, none, none, none, log));
  Bytes torn = log;
  torn.insert(torn.end(), log.begin(), log.begin() + 30);
  Write(t, "golden-torn-tail", SegmentInput(kIndex | kTimeIndex, index, times, none, torn));
  // Offsets 0-3 (the first two batches, 227 bytes) sealed, with and without
  // their digest.
  Write(t, "golden-sealed", SegmentInput(kSealed | kDigest, none, none, none, log, 227));
  Write(t, "golden-sealed-no-digest", SegmentInput(kSealed, none, none, none, log, 227));
  Bytes clog, cindex, ctimes, cp;
  CleanClose(golden, &clog, &cindex, &ctimes, &cp);
  Write(t, "golden-clean-close",
        SegmentInput(kIndex | kTimeIndex | kCheckpoint, cindex, ctimes, cp, clog));
}

// Seeds for fuzz_offsets_record: flags byte, key length (2 bytes), key, value.
Bytes OffsetsInput(uint8_t flags, const std::string& key, const std::string& value) {
  Bytes out{flags, uint8_t(key.size() >> 8), uint8_t(key.size())};
  out.insert(out.end(), key.begin(), key.end());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

void OffsetsCorpus() {
  const char* t = "fuzz_offsets_record";
  std::string key = EncodeOffsetCommitKey("workers", "orders", 3);
  OffsetCommitValue v;
  v.offset = 17063;
  v.leader_epoch = 0;
  v.metadata = "m";
  v.commit_timestamp = 1700000000000;
  std::string value = EncodeOffsetCommitValue(v);
  Write(t, "commit-v3", OffsetsInput(0, key, value));
  Write(t, "tombstone", OffsetsInput(2, key, ""));
  Write(t, "null-key", OffsetsInput(1, "", value));
  Write(t, "short-value", OffsetsInput(0, key, value.substr(0, 3)));
  std::string group_key = {0, 2, 0, 7, 'w', 'o', 'r', 'k', 'e', 'r', 's'};
  Write(t, "group-metadata-key", OffsetsInput(0, group_key, std::string("\x00\x03", 2)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: klog-fuzz-corpus SOURCE_DIR OUT_DIR\n");
    return 2;
  }
  g_out = argv[2];
  ::mkdir(g_out.c_str(), 0755);
  std::string golden = std::string(argv[1]) + "/tests/golden/golden-0";
  Bytes log;
  if (!ReadFile(golden + "/00000000000000000000.log", &log)) {
    std::fprintf(stderr, "klog-fuzz-corpus: cannot read %s\n", golden.c_str());
    return 1;
  }
  Result<size_t> first = NextBatchSize(log);
  if (!first.ok() || *first == 0) return 1;
  g_batch.assign(log.begin(), log.begin() + std::ptrdiff_t(*first));
  RequestCorpus();
  ClientResponseCorpus();
  BatchCorpus(log);
  SegmentCorpus(golden, log);
  OffsetsCorpus();
  return 0;
}
