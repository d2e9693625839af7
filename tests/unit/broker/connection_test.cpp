// Connection (broker/net/connection.h) through a running Server and real
// client sockets: cutting the byte stream into frames however it is split,
// pipelined requests answered in order (a long-poll Fetch ahead of an
// ApiVersions), the size limits that close the connection, the request
// memory budget, and a client that closes mid-frame or after its requests.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "broker_fixture.h"

using klog::test::BigEndian32;
using klog::test::DecodeResponseFrame;
using klog::test::PeerClosed;
using klog::test::ReadFrame;
using klog::test::RequestFrame;
using klog::test::RunningServer;
using klog::test::SendAll;
namespace proto = klog::proto;

namespace {

std::vector<uint8_t> ApiVersionsFrame(int32_t correlation_id) {
  return RequestFrame(proto::ApiVersionsRequest{}, 2, correlation_id);
}

// The next response on `fd`, checked to be an ApiVersions v2 answer to `correlation_id`.
void ExpectApiVersions(int fd, int32_t correlation_id) {
  std::optional<std::vector<uint8_t>> frame = ReadFrame(fd, {});
  REQUIRE(frame.has_value());
  auto resp = DecodeResponseFrame<proto::ApiVersionsResponse>(*frame, 2, correlation_id);
  CHECK(resp.error_code == 0);
  CHECK(!resp.api_keys.empty());
}

std::vector<uint8_t> SizePrefix(int32_t size) {
  std::vector<uint8_t> out(4);
  for (int i = 0; i < 4; ++i) out[size_t(i)] = uint8_t(uint32_t(size) >> (24 - 8 * i));
  return out;
}

}  // namespace

TEST_CASE("a request split across many writes is answered once it is whole") {
  RunningServer s;
  int fd = s.Connect();
  std::vector<uint8_t> frame = ApiVersionsFrame(11);
  for (uint8_t byte : frame) {
    REQUIRE(SendAll(fd, std::span<const uint8_t>(&byte, 1)));
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  ExpectApiVersions(fd, 11);
  close(fd);
}

TEST_CASE("several requests in one write are each answered, in order") {
  RunningServer s;
  int fd = s.Connect();
  std::vector<uint8_t> bytes;
  for (int32_t id = 1; id <= 5; ++id) {
    std::vector<uint8_t> frame = ApiVersionsFrame(id);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
  }
  // The last frame's tail comes in a second write.
  REQUIRE(SendAll(fd, std::span<const uint8_t>(bytes.data(), bytes.size() - 3)));
  for (int32_t id = 1; id <= 4; ++id) ExpectApiVersions(fd, id);
  REQUIRE(SendAll(fd, std::span<const uint8_t>(bytes.data() + bytes.size() - 3, 3)));
  ExpectApiVersions(fd, 5);
  close(fd);
}

TEST_CASE("more pipelined requests than one turn handles are all answered in order") {
  RunningServer s;
  int fd = s.Connect();
  std::vector<uint8_t> bytes;
  for (int32_t id = 0; id < 150; ++id) {  // over kFramesPerTurn and max_queued_responses
    std::vector<uint8_t> frame = ApiVersionsFrame(id);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
  }
  REQUIRE(SendAll(fd, bytes));
  for (int32_t id = 0; id < 150; ++id) ExpectApiVersions(fd, id);
  close(fd);
}

TEST_CASE("a long-poll Fetch holds back the answer to a later request on its connection") {
  RunningServer s;
  s.f.CreateTopic("t", 1);
  int fd = s.Connect();
  proto::FetchRequest fetch;
  fetch.max_wait_ms = 200;
  fetch.min_bytes = 1;
  fetch.topics.push_back({"t", {{0, -1, 0, -1, 1 << 20, -1}}});
  std::vector<uint8_t> bytes = RequestFrame(fetch, 11, 1);
  std::vector<uint8_t> second = ApiVersionsFrame(2);
  bytes.insert(bytes.end(), second.begin(), second.end());
  auto start = std::chrono::steady_clock::now();
  REQUIRE(SendAll(fd, bytes));
  std::optional<std::vector<uint8_t>> first = ReadFrame(fd, {});
  REQUIRE(first.has_value());
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited >= std::chrono::milliseconds(150));
  auto resp = DecodeResponseFrame<proto::FetchResponse>(*first, 11, 1);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].partitions[0].error_code == 0);
  CHECK(resp.responses[0].partitions[0].records.bytes.empty());
  ExpectApiVersions(fd, 2);
  close(fd);
}

TEST_CASE("a size prefix over max.request.bytes closes the connection unanswered") {
  RunningServer s([](klog::broker::BrokerConfig& c) { c.max_request_bytes = 1000; });
  int fd = s.Connect();
  std::vector<uint8_t> bytes = ApiVersionsFrame(1);
  std::vector<uint8_t> big = SizePrefix(1001);
  bytes.insert(bytes.end(), big.begin(), big.end());
  REQUIRE(SendAll(fd, bytes));
  ExpectApiVersions(fd, 1);  // the request before it is still answered
  CHECK(PeerClosed(fd, {}));
  close(fd);
  // A frame of exactly the limit is served.
  fd = s.Connect();
  proto::ApiVersionsRequest req;
  std::vector<uint8_t> frame = RequestFrame(req, 3, 9);
  while (frame.size() - 4 != 1000) {  // the name's length prefix grows with it
    req.client_software_name.resize(req.client_software_name.size() + 1000 - (frame.size() - 4),
                                    'n');
    frame = RequestFrame(req, 3, 9);
  }
  REQUIRE(BigEndian32(frame.data()) == 1000);
  REQUIRE(SendAll(fd, frame));
  std::optional<std::vector<uint8_t>> answer = ReadFrame(fd, {});
  REQUIRE(answer.has_value());
  CHECK(BigEndian32(answer->data() + 4) == 9);
  close(fd);
}

TEST_CASE("a size prefix smaller than any request header closes the connection") {
  RunningServer s;
  for (int32_t size : {9, 0, -1}) {
    CAPTURE(size);
    int fd = s.Connect();
    REQUIRE(SendAll(fd, SizePrefix(size)));
    CHECK(PeerClosed(fd, {}));
    close(fd);
  }
}

TEST_CASE("an unknown API key closes the connection") {
  RunningServer s;
  int fd = s.Connect();
  std::vector<uint8_t> frame = ApiVersionsFrame(1);
  frame[4] = 0x7f;  // api_key 0x7f12
  REQUIRE(SendAll(fd, frame));
  CHECK(PeerClosed(fd, {}));
  close(fd);
}

TEST_CASE(
    "a client that closes inside a frame is closed at once, one that closes after is answered") {
  RunningServer s;
  int fd = s.Connect();
  std::vector<uint8_t> frame = ApiVersionsFrame(1);
  REQUIRE(SendAll(fd, std::span<const uint8_t>(frame.data(), frame.size() - 2)));
  shutdown(fd, SHUT_WR);
  bool eof = false;
  CHECK(!ReadFrame(fd, {}, 5000, &eof).has_value());
  CHECK(eof);
  close(fd);
  // Half-close after whole requests: each is answered, then the server closes.
  fd = s.Connect();
  std::vector<uint8_t> two = ApiVersionsFrame(1);
  std::vector<uint8_t> second = ApiVersionsFrame(2);
  two.insert(two.end(), second.begin(), second.end());
  REQUIRE(SendAll(fd, two));
  shutdown(fd, SHUT_WR);
  ExpectApiVersions(fd, 1);
  ExpectApiVersions(fd, 2);
  CHECK(PeerClosed(fd, {}));
  close(fd);
}

TEST_CASE("requests larger than the memory budget together are served one after another") {
  // Each frame alone exceeds half the budget: the second waits for the
  // first's reservation to be given back, then is served.
  RunningServer s([](klog::broker::BrokerConfig& c) { c.max_queued_request_bytes = 600; });
  int fd = s.Connect();
  proto::ApiVersionsRequest req;
  req.client_software_name = std::string(400, 'x');
  std::vector<uint8_t> bytes;
  for (int32_t id = 1; id <= 3; ++id) {
    std::vector<uint8_t> frame = RequestFrame(req, 3, id);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
  }
  REQUIRE(SendAll(fd, bytes));
  for (int32_t id = 1; id <= 3; ++id) {
    std::optional<std::vector<uint8_t>> frame = ReadFrame(fd, {});
    REQUIRE(frame.has_value());
    CHECK(BigEndian32(frame->data() + 4) == id);
  }
  close(fd);
}

TEST_CASE("a single request larger than the whole memory budget still proceeds alone") {
  RunningServer s([](klog::broker::BrokerConfig& c) { c.max_queued_request_bytes = 100; });
  int fd = s.Connect();
  proto::ApiVersionsRequest req;
  req.client_software_name = std::string(500, 'x');
  REQUIRE(SendAll(fd, RequestFrame(req, 3, 4)));
  std::optional<std::vector<uint8_t>> frame = ReadFrame(fd, {});
  REQUIRE(frame.has_value());
  CHECK(BigEndian32(frame->data() + 4) == 4);
  close(fd);
}

TEST_CASE("shutdown answers a waiting long-poll Fetch before closing its connection") {
  RunningServer s;
  s.f.CreateTopic("t", 1);
  int fd = s.Connect();
  proto::FetchRequest fetch;
  fetch.max_wait_ms = 30000;
  fetch.min_bytes = 1;
  fetch.topics.push_back({"t", {{0, -1, 0, -1, 1 << 20, -1}}});
  // Sent in one write behind an ApiVersions: once that is answered, the
  // Fetch has been read (shutdown answers only requests already read).
  std::vector<uint8_t> bytes = ApiVersionsFrame(2);
  std::vector<uint8_t> fetch_frame = RequestFrame(fetch, 11, 3);
  bytes.insert(bytes.end(), fetch_frame.begin(), fetch_frame.end());
  REQUIRE(SendAll(fd, bytes));
  ExpectApiVersions(fd, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto start = std::chrono::steady_clock::now();
  s.Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  std::optional<std::vector<uint8_t>> frame = ReadFrame(fd, {});
  REQUIRE(frame.has_value());
  CHECK(BigEndian32(frame->data() + 4) == 3);
  CHECK(PeerClosed(fd, {}));
  close(fd);
}

TEST_CASE("a request waits for memory held by a waiting request on another connection") {
  proto::FetchRequest fetch;
  fetch.max_wait_ms = 300;
  fetch.min_bytes = 1;
  fetch.topics.push_back({"t", {{0, -1, 0, -1, 1 << 20, -1}}});
  std::vector<uint8_t> bytes = ApiVersionsFrame(0);
  size_t small = bytes.size();
  std::vector<uint8_t> fetch_frame = RequestFrame(fetch, 11, 1);
  bytes.insert(bytes.end(), fetch_frame.begin(), fetch_frame.end());
  proto::ApiVersionsRequest big_req;
  big_req.client_software_name = std::string(small, 'x');
  std::vector<uint8_t> big = RequestFrame(big_req, 3, 2);
  // Room for the first connection's two requests, not for the Fetch (held
  // until it is answered) and the larger request of the second connection.
  int64_t budget = int64_t(bytes.size());
  RunningServer s([budget](klog::broker::BrokerConfig& c) { c.max_queued_request_bytes = budget; });
  s.f.CreateTopic("t", 1);
  int waiting = s.Connect();
  int other = s.Connect();
  auto start = std::chrono::steady_clock::now();
  REQUIRE(SendAll(waiting, bytes));
  ExpectApiVersions(waiting, 0);  // the Fetch, read with it, now waits
  REQUIRE(SendAll(other, big));
  std::optional<std::vector<uint8_t>> answer = ReadFrame(other, {});
  REQUIRE(answer.has_value());
  CHECK(BigEndian32(answer->data() + 4) == 2);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(250));
  std::optional<std::vector<uint8_t>> fetched = ReadFrame(waiting, {});
  REQUIRE(fetched.has_value());
  CHECK(BigEndian32(fetched->data() + 4) == 1);
  close(waiting);
  close(other);
}
