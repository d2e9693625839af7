// FakeBroker (client_test_util.h): a listener and its connections on the test's loop.
#include <algorithm>

#include "client_test_util.h"

namespace klog::test {

struct FakeBroker::Conn {
  uv_tcp_t tcp;
  FakeBroker* owner;
  client::FrameAssembler frames{64 << 20};
  std::vector<char> buf = std::vector<char>(64 * 1024);
};

namespace {

struct WriteReq {
  uv_write_t req;
  std::vector<uint8_t> bytes;
};

}  // namespace

FakeBroker::FakeBroker(uv_loop_t* loop) : loop_(loop) {
  for (const proto::ApiEntry& e : proto::ApiTable()) {
    advertised.push_back({e.key, e.min_version, e.max_version});
  }
  advertised.push_back({23, 0, 4});
}

FakeBroker::~FakeBroker() {
  *alive_ = false;
  Stop();
}

void FakeBroker::Listen(uint16_t port) {
  listener_ = new uv_tcp_t;
  REQUIRE(uv_tcp_init(loop_, listener_) == 0);
  listener_->data = this;
  sockaddr_in addr{};
  REQUIRE(uv_ip4_addr("127.0.0.1", port, &addr) == 0);
  REQUIRE(uv_tcp_bind(listener_, reinterpret_cast<sockaddr*>(&addr), 0) == 0);
  REQUIRE(uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 16, OnConnection) == 0);
  int len = sizeof(addr);
  REQUIRE(uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port_ = ntohs(addr.sin_port);
}

void FakeBroker::Stop() {
  if (listener_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    listener_ = nullptr;
  }
  std::vector<Conn*> conns = conns_;
  for (Conn* c : conns) Drop(c);
}

void FakeBroker::Drop(Conn* conn) {
  auto it = std::find(conns_.begin(), conns_.end(), conn);
  if (it == conns_.end()) return;
  conns_.erase(it);
  uv_close(reinterpret_cast<uv_handle_t*>(&conn->tcp),
           [](uv_handle_t* h) { delete static_cast<Conn*>(h->data); });
}

void FakeBroker::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<FakeBroker*>(server->data);
  if (status != 0) return;
  auto* conn = new Conn{};
  conn->owner = self;
  uv_tcp_init(self->loop_, &conn->tcp);
  conn->tcp.data = conn;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&conn->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&conn->tcp),
             [](uv_handle_t* h) { delete static_cast<Conn*>(h->data); });
    return;
  }
  self->conns_.push_back(conn);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&conn->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* c = static_cast<Conn*>(h->data);
        *buf = uv_buf_init(c->buf.data(), static_cast<unsigned>(c->buf.size()));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* c = static_cast<Conn*>(s->data);
        if (n < 0) return c->owner->Drop(c);
        std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(buf->base), size_t(n));
        std::shared_ptr<bool> alive = c->owner->alive_;
        while (!data.empty() && *alive) {
          std::optional<std::vector<uint8_t>> frame;
          REQUIRE(c->frames.Feed(&data, &frame).ok());
          if (frame) c->owner->OnFrame(c, std::move(*frame));
        }
      });
}

void FakeBroker::OnFrame(Conn* conn, std::vector<uint8_t> frame) {
  Received r{conn, {}, std::move(frame)};
  // The client's header: v2 for flexible versions, as the client knows them.
  proto::Reader reader(r.frame);
  r.header.api_key = reader.Int16();
  r.header.api_version = reader.Int16();
  r.header.correlation_id = reader.Int32();
  REQUIRE(reader.ok());
  if (r.header.api_key != proto::kApiVersions) {
    if (on_request) on_request(std::move(r));
    return;
  }
  api_versions_seen.push_back(r.header.api_version);
  if (r.header.api_version > max_api_versions) {
    std::vector<uint8_t> out;
    proto::Writer w(&out);
    proto::ApiEntry entry{proto::kApiVersions, "ApiVersions", 0, max_api_versions, 3};
    proto::EncodeApiVersionsUnsupported(r.header.correlation_id, entry, &w);
    return Send(conn, std::move(out));
  }
  proto::ApiVersionsResponse resp;
  resp.api_keys = advertised;
  Answer(r, resp);
}

void FakeBroker::Send(Conn* conn, std::vector<uint8_t> bytes) {
  if (std::find(conns_.begin(), conns_.end(), conn) == conns_.end()) return;
  auto* w = new WriteReq{{}, std::move(bytes)};
  uv_buf_t buf =
      uv_buf_init(reinterpret_cast<char*>(w->bytes.data()), static_cast<unsigned>(w->bytes.size()));
  int err = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&conn->tcp), &buf, 1,
                     [](uv_write_t* req, int) { delete reinterpret_cast<WriteReq*>(req); });
  if (err != 0) delete w;
}

}  // namespace klog::test
