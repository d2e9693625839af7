// The client against a fake broker on the test's loop (client_test_util.h): pipelining
// with answers out of order, timeouts, refused connections, reconnecting after the broker
// restarts, the ApiVersions fallback, malformed and oversized responses.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "client/client.h"
#include "client_test_util.h"

namespace client = klog::client;
namespace proto = klog::proto;
using klog::Status;
using klog::test::FakeBroker;
using klog::test::TestLoop;

namespace {

struct Outcome {
  bool done = false;
  Status status;
  client::Reply<proto::MetadataResponse> reply;
};

client::ClientOptions Options(const std::string& address) {
  client::ClientOptions o;
  o.bootstrap = {address};
  o.request_timeout_ms = 2000;
  o.connect_timeout_ms = 2000;
  o.reconnect_backoff_ms = 20;
  o.reconnect_backoff_max_ms = 80;
  return o;
}

std::unique_ptr<client::Client> MakeClient(uv_loop_t* loop, const client::ClientOptions& o) {
  auto c = client::Client::Create(loop, o);
  REQUIRE(c.ok());
  return std::move(*c);
}

// Sends a Metadata request to the bootstrap broker; *out gets the outcome.
void AskMetadata(client::Client* c, Outcome* out) {
  Status s = c->Metadata(client::kAnyBroker, proto::MetadataRequest{},
                         [out](Status st, client::Reply<proto::MetadataResponse> r) {
                           out->done = true;
                           out->status = std::move(st);
                           out->reply = std::move(r);
                         });
  REQUIRE(s.ok());
}

proto::MetadataResponse Cluster(const std::string& id) {
  proto::MetadataResponse resp;
  resp.cluster_id = id;
  return resp;
}

}  // namespace

TEST_CASE("pipelined requests complete in the order the broker answers them") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.Listen();
  std::vector<FakeBroker::Received> held;
  broker.on_request = [&](FakeBroker::Received r) { held.push_back(std::move(r)); };
  auto c = MakeClient(loop.get(), Options(broker.address()));
  Outcome a, b, d;
  AskMetadata(c.get(), &a);
  AskMetadata(c.get(), &b);
  AskMetadata(c.get(), &d);
  REQUIRE(loop.RunUntil([&] { return held.size() == 3; }));
  CHECK(held[0].header.api_version == 9);
  std::vector<std::string> order;
  broker.Answer(held[2], Cluster("third"));
  REQUIRE(loop.RunUntil([&] { return d.done; }));
  CHECK(!a.done);
  CHECK(!b.done);
  broker.Answer(held[0], Cluster("first"));
  broker.Answer(held[1], Cluster("second"));
  REQUIRE(loop.RunUntil([&] { return a.done && b.done; }));
  CHECK(a.reply.body.cluster_id == "first");
  CHECK(b.reply.body.cluster_id == "second");
  CHECK(d.reply.body.cluster_id == "third");
  CHECK(broker.api_versions_seen == std::vector<int16_t>{3});
  CHECK(c->link(client::kAnyBroker)->connection()->api_versions_version() == 3);
}

TEST_CASE("a request left unanswered times out naming the API and the broker") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.Listen();
  std::vector<FakeBroker::Received> held;
  broker.on_request = [&](FakeBroker::Received r) { held.push_back(std::move(r)); };
  client::ClientOptions o = Options(broker.address());
  o.request_timeout_ms = 100;
  auto c = MakeClient(loop.get(), o);
  Outcome first;
  AskMetadata(c.get(), &first);
  REQUIRE(loop.RunUntil([&] { return first.done; }));
  CHECK(first.status.code() == Status::Code::kIOError);
  CHECK(first.status.message() ==
        "Metadata v9 request to bootstrap broker " + broker.address() + " timed out");
  // The late answer is dropped, and the connection still serves the next request.
  broker.Answer(held[0], Cluster("late"));
  Outcome second;
  AskMetadata(c.get(), &second);
  REQUIRE(loop.RunUntil([&] { return held.size() == 2; }));
  broker.Answer(held[1], Cluster("on time"));
  REQUIRE(loop.RunUntil([&] { return second.done; }));
  CHECK(second.status.ok());
  CHECK(second.reply.body.cluster_id == "on time");
  CHECK(broker.connections() == 1);
}

TEST_CASE("a refused connection fails the call, and attempts back off exponentially") {
  TestLoop loop;
  uint16_t port = 0;
  {
    FakeBroker probe(loop.get());  // a port nobody listens on once it is closed
    probe.Listen();
    port = probe.port();
  }
  loop.RunFor(10);
  auto c = MakeClient(loop.get(), Options("127.0.0.1:" + std::to_string(port)));
  std::vector<uint32_t> backoffs;
  for (int i = 0; i < 4; ++i) {
    Outcome o;
    AskMetadata(c.get(), &o);
    REQUIRE(loop.RunUntil([&] { return o.done; }));
    CHECK(o.status.code() == Status::Code::kIOError);
    CHECK(o.status.message().find("Metadata request: bootstrap broker 127.0.0.1:") == 0);
    CHECK(o.status.message().find("connection refused") != std::string::npos);
    backoffs.push_back(c->link(client::kAnyBroker)->backoff_ms());
  }
  CHECK(backoffs == std::vector<uint32_t>{20, 40, 80, 80});
}

TEST_CASE("after the broker restarts, the next request reconnects") {
  TestLoop loop;
  auto broker = std::make_unique<FakeBroker>(loop.get());
  broker->Listen();
  uint16_t port = broker->port();
  std::vector<FakeBroker::Received> held;
  broker->on_request = [&](FakeBroker::Received r) { held.push_back(std::move(r)); };
  auto c = MakeClient(loop.get(), Options(broker->address()));
  Outcome in_flight;
  AskMetadata(c.get(), &in_flight);
  REQUIRE(loop.RunUntil([&] { return held.size() == 1; }));
  broker.reset();  // the broker goes away with the request unanswered
  held.clear();
  REQUIRE(loop.RunUntil([&] { return in_flight.done; }));
  CHECK(in_flight.status.message() ==
        "Metadata v9 request: bootstrap broker 127.0.0.1:" + std::to_string(port) +
            ": connection closed by the broker");
  broker = std::make_unique<FakeBroker>(loop.get());
  broker->Listen(port);
  broker->on_request = [&](FakeBroker::Received r) { broker->Answer(r, Cluster("back")); };
  Outcome after;
  AskMetadata(c.get(), &after);
  REQUIRE(loop.RunUntil([&] { return after.done; }));
  CHECK(after.status.ok());
  CHECK(after.reply.body.cluster_id == "back");
}

TEST_CASE("a broker that refuses ApiVersions v3 is asked again with v0") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.max_api_versions = 2;
  broker.Listen();
  broker.on_request = [&](FakeBroker::Received r) { broker.Answer(r, Cluster("old")); };
  auto c = MakeClient(loop.get(), Options(broker.address()));
  Outcome o;
  AskMetadata(c.get(), &o);
  REQUIRE(loop.RunUntil([&] { return o.done; }));
  CHECK(o.status.ok());
  CHECK(broker.api_versions_seen == std::vector<int16_t>{3, 0});
  CHECK(c->link(client::kAnyBroker)->connection()->api_versions_version() == 0);
}

TEST_CASE("an API with no common version fails with Unsupported") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.advertised = {{proto::kApiVersions, 0, 3}, {proto::kFetch, 0, 3}};
  broker.Listen();
  auto c = MakeClient(loop.get(), Options(broker.address()));
  bool done = false;
  Status status;
  REQUIRE(c->Fetch(client::kAnyBroker, proto::FetchRequest{},
                   [&](Status s, client::Reply<proto::FetchResponse>) {
                     done = true;
                     status = s;
                   })
              .ok());
  REQUIRE(loop.RunUntil([&] { return done; }));
  CHECK(status.code() == Status::Code::kUnsupported);
  CHECK(status.message() == "bootstrap broker " + broker.address() +
                                ": no common version of Fetch v4-12 (broker: v0-3)");
}

TEST_CASE("a malformed response is Corruption naming the API and the broker") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.Listen();
  broker.on_request = [&](FakeBroker::Received r) {
    std::vector<uint8_t> frame =
        klog::test::ResponseFrame(Cluster("x"), 6, r.header.correlation_id);
    frame.resize(frame.size() - 3);  // cut the body short, keep the frame consistent
    uint32_t n = uint32_t(frame.size() - 4);
    frame[0] = uint8_t(n >> 24), frame[1] = uint8_t(n >> 16), frame[2] = uint8_t(n >> 8);
    frame[3] = uint8_t(n);
    broker.Send(r.conn, std::move(frame));
  };
  auto c = MakeClient(loop.get(), Options(broker.address()));
  Outcome o;
  AskMetadata(c.get(), &o);
  REQUIRE(loop.RunUntil([&] { return o.done; }));
  CHECK(o.status.IsCorruption());
  CHECK(o.status.message().find("Metadata v9 response from bootstrap broker " + broker.address() +
                                ": ") == 0);
}

TEST_CASE("a response over max_response_bytes fails the connection with TooLarge") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.Listen();
  broker.on_request = [&](FakeBroker::Received r) {
    broker.Answer(r, Cluster(std::string(2000, 'c')));
  };
  client::ClientOptions o = Options(broker.address());
  o.max_response_bytes = 1000;
  auto c = MakeClient(loop.get(), o);
  Outcome out;
  AskMetadata(c.get(), &out);
  REQUIRE(loop.RunUntil([&] { return out.done; }));
  CHECK(out.status.code() == Status::Code::kTooLarge);
  CHECK(out.status.message().find("bootstrap broker " + broker.address() + ": response") !=
        std::string::npos);
}

TEST_CASE("a Produce with acks 0 completes once written, without a response") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.Listen();
  int produces = 0;
  broker.on_request = [&](FakeBroker::Received r) { produces += r.header.api_key == 0; };
  auto c = MakeClient(loop.get(), Options(broker.address()));
  proto::ProduceRequest req;
  req.acks = 0;
  std::vector<uint8_t> batch(70, 1);
  req.topic_data.push_back({"t", {{0, {batch, false}}}});
  bool done = false;
  Status status;
  REQUIRE(c->Produce(client::kAnyBroker, req, [&](Status s, client::Reply<proto::ProduceResponse>) {
             done = true;
             status = s;
           }).ok());
  batch.assign(70, 2);  // the client copied the batch at the call
  REQUIRE(loop.RunUntil([&] { return done && produces == 1; }));
  CHECK(status.ok());
}

TEST_CASE("Close fails every outstanding call, and calls to unknown nodes are refused") {
  TestLoop loop;
  FakeBroker broker(loop.get());
  broker.Listen();
  auto c = MakeClient(loop.get(), Options(broker.address()));
  Outcome o;
  AskMetadata(c.get(), &o);
  c->Close();
  REQUIRE(loop.RunUntil([&] { return o.done; }));
  CHECK(o.status.message() == "Metadata request: client closed");
  Status s = c->Metadata(7, {}, [](Status, client::Reply<proto::MetadataResponse>) {});
  CHECK(s.IsNotFound());
  CHECK(!client::Client::Create(loop.get(), client::ClientOptions{}).ok());
  client::ClientOptions bad;
  bad.bootstrap = {"nohost"};
  CHECK(!client::Client::Create(loop.get(), bad).ok());
}
