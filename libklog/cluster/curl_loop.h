// CurlLoop: HTTP POSTs through libcurl's multi interface, driven by a libuv
// loop, so that no request ever blocks the loop thread. libcurl tells the loop
// which sockets to poll and when its next timeout is due; the loop tells
// libcurl when a socket is ready or the timeout fired.
//
// Threads and lifecycles: loop thread only. Post() returns at once; `done` is
// called later on the loop thread, exactly once, unless the transfer is
// cancelled or the CurlLoop destroyed first (then never). Callbacks may Post()
// and Cancel() (also their own transfer, also from on_data); they must not
// destroy the CurlLoop. The destructor stops every transfer without calling
// back; the libuv handles are freed in their close callbacks, so the loop must
// run afterwards.
#pragma once

#include <curl/curl.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"

namespace klog::cluster {

struct HttpRequest {
  std::string url;
  std::string body;  // sent as application/json
  // The whole transfer's limit; 0 for none (a stream, which on_data watches).
  long timeout_ms = 5000;
  long connect_timeout_ms = 2000;
  // If set, each piece of the response body is passed here as it arrives and
  // the body is not kept. Returning false ends the transfer (no done call).
  std::function<bool(std::string_view)> on_data;
};

struct HttpResponse {
  long status = 0;  // the HTTP status, 0 if none arrived
  std::string body;
};

// ok once a whole response arrived, whatever its HTTP status; IOError (naming
// the URL and libcurl's reason) when there was none or it was cut short.
using HttpDoneFn = std::function<void(Status, HttpResponse)>;

class CurlLoop {
 public:
  static Result<std::unique_ptr<CurlLoop>> Create(uv_loop_t* loop);
  ~CurlLoop();
  CurlLoop(const CurlLoop&) = delete;
  CurlLoop& operator=(const CurlLoop&) = delete;

  // Starts the POST; the id names it for Cancel().
  uint64_t Post(HttpRequest req, HttpDoneFn done);
  // Calls `done` with `why` later, as a failed Post would: for requests
  // refused before any I/O, whose callers promise a later callback too.
  uint64_t Fail(Status why, HttpDoneFn done);
  // Stops the transfer `id` if it is still running; its callbacks are not called.
  void Cancel(uint64_t id);
  size_t running() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct Socket;

  explicit CurlLoop(uv_loop_t* loop);
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int OnTimerChange(CURLM* multi, long timeout_ms, void* self);
  static void OnPoll(uv_poll_t* poll, int status, int events);
  static void OnTimer(uv_timer_t* timer);
  static size_t OnWrite(char* data, size_t size, size_t n, void* transfer);

  void Act(curl_socket_t fd, int flags);
  void Drain();
  void StartQueued();
  void Finish(uint64_t id, Status st);
  Status Outcome(const Transfer& t, CURLcode code) const;
  void Remove(uint64_t id);
  void ClosePoll(curl_socket_t fd);

  uv_loop_t* loop_;
  CURLM* multi_ = nullptr;
  uv_timer_t* timer_ = nullptr;  // freed in its close callback
  bool in_curl_ = false;         // inside curl_multi_socket_action: curl calls wait
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Transfer>> transfers_;
  std::map<curl_socket_t, Socket*> sockets_;  // each freed in its close callback
  std::vector<uint64_t> to_start_;            // posted, not yet handed to libcurl
  std::vector<uint64_t> to_cancel_;           // cancelled from inside a libcurl callback
};

}  // namespace klog::cluster
