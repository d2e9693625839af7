#include "broker/handlers/dispatch.h"

#include <string>

#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "broker/net/connection.h"

namespace klog::broker::handlers {

using net::Connection;

void Dispatch(Broker& broker, uv_loop_t* loop, const std::shared_ptr<Connection>& conn,
              uint64_t seq, std::span<const uint8_t> frame) {
  proto::RequestHeader header;
  std::span<const uint8_t> body;
  Status s = proto::DecodeRequestHeader(frame, &header, &body);
  if (!s.ok()) return conn->Close(s.message(), LogLevel::kWarn);

  const proto::ApiEntry* api = proto::FindApi(header.api_key);
  HandlerFn fn = FindHandler(header.api_key);
  if (api == nullptr || fn == nullptr) {
    return conn->Close("unknown or unserved API key " + std::to_string(header.api_key),
                       LogLevel::kWarn);
  }
  std::string what = std::string(api->name) + " v" + std::to_string(header.api_version);
  if (broker.diagnostics().Enabled(LogLevel::kDebug)) {
    broker.diagnostics().Debug("connection " + std::to_string(conn->id()) + ": " + what +
                               " correlation id " + std::to_string(header.correlation_id) +
                               " client '" + std::string(header.client_id) + "'");
  }
  broker.metrics().OnRequest(header.api_key);
  Responder reply(conn, seq, header, &broker.metrics());
  if (header.api_key == proto::kApiVersions && header.api_version > api->max_version) {
    broker.diagnostics().Info("connection " + std::to_string(conn->id()) + ": " + what +
                              " is not supported; answering UNSUPPORTED_VERSION");
    std::vector<uint8_t> frame_out;
    proto::Writer w(&frame_out);
    proto::EncodeApiVersionsUnsupported(header.correlation_id, *api, &w);
    reply.MarkError();
    return reply.SendFrame(std::move(frame_out));
  }
  if (header.api_version < api->min_version || header.api_version > api->max_version) {
    return reply.CloseConnection(what + " is not supported (versions " +
                                 std::to_string(api->min_version) + "-" +
                                 std::to_string(api->max_version) + ")");
  }
  RequestContext ctx{broker, loop, header, body, conn->peer()};
  fn(ctx, std::move(reply));
}

}  // namespace klog::broker::handlers
