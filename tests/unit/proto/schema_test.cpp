// Every message struct, rendered in the notation of kafka-protocol.md Appendix A for each
// version, must equal the Appendix A line for that version (tests/unit/proto/
// appendix_a.txt). This catches field order, version range and nullability mistakes that a
// round trip cannot, since encoder and decoder share one description.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "proto/messages.h"

namespace klog::proto {
namespace {

// Renders the fields of one version as "name:type, name?:[sub:type]" (Appendix A notation).
class SchemaRender {
 public:
  explicit SchemaRender(int16_t version) : version_(version) {}

  template <class S>
  static std::string Of(S& s, int16_t version) {
    SchemaRender r(version);
    s.Fields(r);
    return r.out_;
  }

  template <class T>
  void operator()(const char* name, T& f, Ver ver = {}) {
    // Tagged fields are listed after FLEX in Appendix A, which the loader drops.
    if (version_ < ver.from || version_ > ver.to || ver.tag >= 0) return;
    if (!out_.empty()) out_ += ", ";
    out_ += name;
    if (version_ >= ver.nullable_from) out_ += '?';
    out_ += ':';
    out_ += Type(f);
  }

 private:
  std::string Type(int8_t&) { return "int8"; }
  std::string Type(int16_t&) { return "int16"; }
  std::string Type(int32_t&) { return "int32"; }
  std::string Type(int64_t&) { return "int64"; }
  std::string Type(bool&) { return "bool"; }
  std::string Type(std::string&) { return "string"; }
  std::string Type(std::optional<std::string>&) { return "string"; }
  std::string Type(Records&) { return "records"; }
  std::string Type(Bytes&) { return "bytes"; }
  template <class E>
  std::string Type(std::vector<E>&) {
    E e{};
    if constexpr (HasFields<E, SchemaRender>) {
      return "[" + Of(e, version_) + "]";
    } else {
      return "[" + Type(e) + "]";
    }
  }
  template <class S>
  requires HasFields<S, SchemaRender> std::string Type(std::optional<S>&) {
    return "tagged";  // never rendered: tagged fields are skipped above
  }
  template <class E>
  std::string Type(std::optional<std::vector<E>>&) {
    std::vector<E> v;
    return Type(v);
  }

  int16_t version_;
  std::string out_;
};

// Key: "Metadata Request v4" -> the expected field list.
std::map<std::string, std::string> LoadAppendixA() {
  std::ifstream in(std::string(KLOG_TEST_DATA) + "/unit/proto/appendix_a.txt");
  REQUIRE(in.good());
  std::map<std::string, std::string> out;
  std::string line, api;
  while (std::getline(in, line)) {
    if (line.rfind("#### ", 0) == 0) {
      api = line.substr(5, line.find(' ', 5) - 5);
      continue;
    }
    if (line.rfind("- ", 0) != 0) continue;
    // "- Request v1-3: fields  [FLEX; ...]"
    std::istringstream head(line.substr(2));
    std::string kind, range;
    head >> kind >> range;
    range.pop_back();  // ':'
    int lo = std::stoi(range.substr(1));
    size_t dash = range.find('-');
    int hi = dash == std::string::npos ? lo : std::stoi(range.substr(dash + 1));
    std::string fields = line.substr(line.find(": ") + 2);
    size_t flex = fields.find("  [FLEX");
    if (flex != std::string::npos) fields.resize(flex);
    if (fields == "(empty body)") fields.clear();
    for (int v = lo; v <= hi; ++v) out[api + " " + kind + " v" + std::to_string(v)] = fields;
  }
  return out;
}

template <class Req, class Resp>
void CheckApi(const std::map<std::string, std::string>& spec, const std::string& api, int lo,
              int hi) {
  for (int v = lo; v <= hi; ++v) {
    int16_t ver = static_cast<int16_t>(v);
    Req req;
    Resp resp;
    std::string rq = api + " Request v" + std::to_string(v);
    std::string rs = api + " Response v" + std::to_string(v);
    REQUIRE_MESSAGE(spec.count(rq), rq);
    REQUIRE_MESSAGE(spec.count(rs), rs);
    CHECK_MESSAGE(SchemaRender::Of(req, ver) == spec.at(rq), rq);
    CHECK_MESSAGE(SchemaRender::Of(resp, ver) == spec.at(rs), rs);
  }
}

TEST_CASE("message structs match Appendix A field lists at every version") {
  auto spec = LoadAppendixA();
  CheckApi<ApiVersionsRequest, ApiVersionsResponse>(spec, "ApiVersions", 0, 3);
  CheckApi<MetadataRequest, MetadataResponse>(spec, "Metadata", 0, 9);
  CheckApi<ProduceRequest, ProduceResponse>(spec, "Produce", 3, 7);
  CheckApi<FetchRequest, FetchResponse>(spec, "Fetch", 4, 12);
  CheckApi<ListOffsetsRequest, ListOffsetsResponse>(spec, "ListOffsets", 0, 3);
  CheckApi<CreateTopicsRequest, CreateTopicsResponse>(spec, "CreateTopics", 0, 4);
  CheckApi<DeleteTopicsRequest, DeleteTopicsResponse>(spec, "DeleteTopics", 0, 3);
  CheckApi<DescribeConfigsRequest, DescribeConfigsResponse>(spec, "DescribeConfigs", 0, 2);
  CheckApi<CreatePartitionsRequest, CreatePartitionsResponse>(spec, "CreatePartitions", 0, 1);
  CheckApi<FindCoordinatorRequest, FindCoordinatorResponse>(spec, "FindCoordinator", 0, 2);
  CheckApi<JoinGroupRequest, JoinGroupResponse>(spec, "JoinGroup", 0, 5);
  CheckApi<SyncGroupRequest, SyncGroupResponse>(spec, "SyncGroup", 0, 3);
  CheckApi<HeartbeatRequest, HeartbeatResponse>(spec, "Heartbeat", 0, 3);
  CheckApi<LeaveGroupRequest, LeaveGroupResponse>(spec, "LeaveGroup", 0, 3);
  CheckApi<OffsetCommitRequest, OffsetCommitResponse>(spec, "OffsetCommit", 0, 7);
  CheckApi<OffsetFetchRequest, OffsetFetchResponse>(spec, "OffsetFetch", 0, 5);
  CheckApi<ListGroupsRequest, ListGroupsResponse>(spec, "ListGroups", 0, 2);
  CheckApi<DescribeGroupsRequest, DescribeGroupsResponse>(spec, "DescribeGroups", 0, 4);
  CheckApi<DeleteGroupsRequest, DeleteGroupsResponse>(spec, "DeleteGroups", 0, 1);
  CheckApi<AlterConfigsRequest, AlterConfigsResponse>(spec, "AlterConfigs", 0, 1);
  CheckApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(
      spec, "IncrementalAlterConfigs", 0, 0);
  CheckApi<DeleteRecordsRequest, DeleteRecordsResponse>(spec, "DeleteRecords", 0, 1);
  CheckApi<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(spec, "OffsetForLeaderEpoch",
                                                                      2, 4);
}

}  // namespace
}  // namespace klog::proto
