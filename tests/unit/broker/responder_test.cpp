// The Responder's contract (broker/net/responder.h) on a real Connection
// over a loopback socket: responses leave in request order whatever order
// the handlers answer in, SendNothing does not hold later responses back, an
// unanswered Responder closes the connection, answers after a close are
// no-ops, and what reaches the socket is exactly a size prefix, the response
// header and the body.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "broker_fixture.h"

using klog::broker::net::Responder;
using klog::test::BigEndian32;
using klog::test::BrokerFixture;
using klog::test::DecodeResponseFrame;
using klog::test::DirectConnection;
using klog::test::PeerClosed;
namespace proto = klog::proto;

namespace {

constexpr int16_t kVersion = 3;  // ApiVersions v3: flexible body, header v0

proto::ApiVersionsResponse Answer(int16_t error_code) {
  proto::ApiVersionsResponse resp;
  resp.error_code = error_code;
  resp.api_keys.push_back({proto::kProduce, 0, 7});
  return resp;
}

// The correlation id of the next frame on the client end.
std::optional<int32_t> NextCorrelationId(DirectConnection& c) {
  std::optional<std::vector<uint8_t>> frame = c.Read(2000);
  if (!frame) return std::nullopt;
  return BigEndian32(frame->data() + 4);
}

}  // namespace

TEST_CASE("responses leave in request order when handlers answer out of order") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r0 = c.NewResponder(proto::kApiVersions, kVersion, 100);
  Responder r1 = c.NewResponder(proto::kApiVersions, kVersion, 101);
  Responder r2 = c.NewResponder(proto::kApiVersions, kVersion, 102);
  r2.Send(Answer(0));
  r1.Send(Answer(0));
  CHECK(r2.answered());
  CHECK(c.Silent());  // both held until request 0 is answered
  r0.Send(Answer(0));
  CHECK(NextCorrelationId(c) == 100);
  CHECK(NextCorrelationId(c) == 101);
  CHECK(NextCorrelationId(c) == 102);
  CHECK(!c.conn->closing());
}

TEST_CASE("a frame written is the size prefix, the correlation id, then the body") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r = c.NewResponder(proto::kApiVersions, kVersion, 0x01020304);
  r.Send(Answer(35));
  std::optional<std::vector<uint8_t>> frame = c.Read();
  REQUIRE(frame.has_value());
  CHECK(BigEndian32(frame->data()) == int32_t(frame->size() - 4));
  CHECK(std::vector<uint8_t>(frame->begin() + 4, frame->begin() + 8) ==
        std::vector<uint8_t>{1, 2, 3, 4});
  // ApiVersions' header is v0 even for a flexible version: the body follows at once.
  std::vector<uint8_t> body;
  proto::Writer w(&body);
  proto::EncodeMessage(Answer(35), kVersion, &w);
  CHECK(std::vector<uint8_t>(frame->begin() + 8, frame->end()) == body);
}

TEST_CASE("a flexible response header carries an empty tagged-field section") {
  BrokerFixture f;
  DirectConnection c(f);
  // Metadata v9 is flexible, so its response header is v1.
  Responder r = c.NewResponder(proto::kMetadata, 9, 42);
  proto::MetadataResponse resp;
  resp.controller_id = 5;
  r.Send(resp);
  std::optional<std::vector<uint8_t>> frame = c.Read();
  REQUIRE(frame.has_value());
  REQUIRE(frame->size() > 9);
  CHECK(BigEndian32(frame->data() + 4) == 42);
  CHECK((*frame)[8] == 0);  // no tagged fields
  auto decoded = DecodeResponseFrame<proto::MetadataResponse>(*frame, 9, 42);
  CHECK(decoded.controller_id == 5);
}

TEST_CASE("SendNothing answers without a frame and does not hold later responses back") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r0 = c.NewResponder(proto::kProduce, 7, 1);
  Responder r1 = c.NewResponder(proto::kApiVersions, kVersion, 2);
  r1.Send(Answer(0));
  CHECK(c.Silent());
  r0.SendNothing();
  CHECK(r0.answered());
  CHECK(NextCorrelationId(c) == 2);
  CHECK(c.Silent());
}

TEST_CASE("SendFrame writes the caller's frame unchanged, in its turn") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r0 = c.NewResponder(proto::kApiVersions, kVersion, 1);
  Responder r1 = c.NewResponder(proto::kApiVersions, kVersion, 2);
  std::vector<uint8_t> raw = {0, 0, 0, 6, 0, 0, 0, 2, 0xab, 0xcd};
  r1.SendFrame(raw);
  r0.Send(Answer(0));
  CHECK(NextCorrelationId(c) == 1);
  CHECK(c.Read() == raw);
}

TEST_CASE("a Responder destroyed without an answer closes the connection") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder later = c.NewResponder(proto::kApiVersions, kVersion, 2);
  { Responder dropped = c.NewResponder(proto::kApiVersions, kVersion, 1); }
  CHECK(c.conn->closing());
  later.Send(Answer(0));  // a no-op: the connection has gone
  CHECK(PeerClosed(c.client, [&f] { f.Pump(); }));
}

TEST_CASE("closing the connection drops the responses it holds and later answers") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r0 = c.NewResponder(proto::kApiVersions, kVersion, 1);
  Responder r1 = c.NewResponder(proto::kApiVersions, kVersion, 2);
  r1.Send(Answer(0));  // held for r0
  c.conn->Close("test", klog::broker::LogLevel::kDebug);
  r0.Send(Answer(0));
  CHECK(r0.answered());
  bool eof = false;
  CHECK(!klog::test::ReadFrame(
             c.client, [&f] { f.Pump(); }, 2000, &eof)
             .has_value());
  CHECK(eof);  // the connection closed without writing either response
}

TEST_CASE("CloseConnection answers by closing; the Responder then owes nothing") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r = c.NewResponder(proto::kFetch, 4, 1);
  r.CloseConnection("malformed");
  CHECK(r.answered());
  CHECK(c.conn->closing());
  r.Send(Answer(0));  // ignored: exactly one answer counts
  CHECK(PeerClosed(c.client, [&f] { f.Pump(); }));
}

TEST_CASE("a moved-from Responder owes nothing; assigning over an unanswered one closes") {
  BrokerFixture f;
  DirectConnection c(f);
  Responder r0 = c.NewResponder(proto::kApiVersions, kVersion, 1);
  Responder moved(std::move(r0));
  CHECK(r0.answered());
  CHECK(!moved.answered());
  CHECK(moved.header().correlation_id == 1);
  { Responder gone = std::move(r0); }  // destroying a moved-from one closes nothing
  CHECK(!c.conn->closing());
  moved.Send(Answer(0));
  CHECK(NextCorrelationId(c) == 1);
  Responder pending = c.NewResponder(proto::kApiVersions, kVersion, 2);
  pending = Responder();  // the unanswered request is dropped: close
  CHECK(c.conn->closing());
}

TEST_CASE("a default Responder and one whose connection is gone are no-ops") {
  Responder none;
  CHECK(none.answered());
  none.CloseConnection("nothing to close");
  BrokerFixture f;
  std::optional<Responder> orphan;
  {
    DirectConnection c(f);
    orphan = c.NewResponder(proto::kApiVersions, kVersion, 1);
  }
  f.Pump();
  orphan->Send(Answer(0));  // the Connection was destroyed: nothing happens
  CHECK(orphan->answered());
}
