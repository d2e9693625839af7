// libcurl's multi socket interface on a libuv loop (contracts: curl_loop.h).
// libcurl names the sockets to watch (OnSocket) and its next deadline
// (OnTimerChange); each becomes a uv_poll_t or the one uv_timer_t, whose
// callbacks hand control back through curl_multi_socket_action (Act). Work
// that libcurl forbids inside its own callbacks (adding or removing a
// transfer) is queued and done in Drain, after libcurl has returned.
#include "cluster/curl_loop.h"

#include <utility>

namespace klog::cluster {

struct CurlLoop::Transfer {
  uint64_t id = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest req;
  HttpDoneFn done;
  HttpResponse resp;
  bool started = false;    // handed to the multi handle
  bool cancelled = false;  // its callbacks must not run
  Status refused;          // from Fail(): reported instead of starting
  char error[CURL_ERROR_SIZE] = {};
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

struct CurlLoop::Socket {
  uv_poll_t poll;
  curl_socket_t fd;
  CurlLoop* owner;
};

namespace {

void FreeTimer(uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); }

// curl_global_init is not safe to race; a function-local static runs it once.
bool CurlReady() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

}  // namespace

CurlLoop::CurlLoop(uv_loop_t* loop) : loop_(loop) {}

Result<std::unique_ptr<CurlLoop>> CurlLoop::Create(uv_loop_t* loop) {
  if (!CurlReady()) return Status::IOError("curl_global_init failed");
  std::unique_ptr<CurlLoop> me(new CurlLoop(loop));
  me->multi_ = curl_multi_init();
  if (me->multi_ == nullptr) return Status::IOError("curl_multi_init failed");
  me->timer_ = new uv_timer_t;
  uv_timer_init(loop, me->timer_);
  me->timer_->data = me.get();
  curl_multi_setopt(me->multi_, CURLMOPT_SOCKETFUNCTION, &CurlLoop::OnSocket);
  curl_multi_setopt(me->multi_, CURLMOPT_SOCKETDATA, me.get());
  curl_multi_setopt(me->multi_, CURLMOPT_TIMERFUNCTION, &CurlLoop::OnTimerChange);
  curl_multi_setopt(me->multi_, CURLMOPT_TIMERDATA, me.get());
  return me;
}

CurlLoop::~CurlLoop() {
  for (auto& [id, t] : transfers_) {
    if (t->started) curl_multi_remove_handle(multi_, t->easy);
  }
  transfers_.clear();
  // Stop polling while the sockets are still open; libcurl closes them next.
  while (!sockets_.empty()) ClosePoll(sockets_.begin()->first);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  if (timer_ != nullptr) {
    uv_timer_stop(timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(timer_), FreeTimer);
  }
}

uint64_t CurlLoop::Post(HttpRequest req, HttpDoneFn done) {
  auto t = std::make_unique<Transfer>();
  t->id = next_id_++;
  t->req = std::move(req);
  t->done = std::move(done);
  uint64_t id = t->id;
  transfers_.emplace(id, std::move(t));
  to_start_.push_back(id);
  // Inside libcurl, Drain follows anyway; outside, the timer runs it soon.
  if (!in_curl_) uv_timer_start(timer_, &CurlLoop::OnTimer, 0, 0);
  return id;
}

uint64_t CurlLoop::Fail(Status why, HttpDoneFn done) {
  uint64_t id = Post(HttpRequest(), std::move(done));
  transfers_[id]->refused = std::move(why);
  return id;
}

void CurlLoop::Cancel(uint64_t id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  it->second->cancelled = true;
  if (in_curl_) {
    to_cancel_.push_back(id);
  } else {
    Remove(id);
  }
}

void CurlLoop::Remove(uint64_t id) {
  auto node = transfers_.extract(id);
  if (node.empty()) return;
  if (node.mapped()->started) curl_multi_remove_handle(multi_, node.mapped()->easy);
}

// Sets up and adds the transfers posted since the last Drain. One that cannot
// be set up fails at once (this is already after Post returned).
void CurlLoop::StartQueued() {
  std::vector<uint64_t> ids;
  ids.swap(to_start_);
  for (uint64_t id : ids) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) continue;
    Transfer* t = it->second.get();
    if (!t->refused.ok()) {
      Finish(id, t->refused);
      continue;
    }
    t->easy = curl_easy_init();
    if (t->easy == nullptr) {
      Finish(id, Outcome(*t, CURLE_FAILED_INIT));
      continue;
    }
    t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(t->easy, CURLOPT_URL, t->req.url.c_str());
    curl_easy_setopt(t->easy, CURLOPT_PROXY, "");  // never an http_proxy from the environment
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->req.body.data());
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(t->req.body.size()));
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, &CurlLoop::OnWrite);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, t->req.timeout_ms);
    curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS, t->req.connect_timeout_ms);
    if (curl_multi_add_handle(multi_, t->easy) != CURLM_OK) {
      Finish(id, Outcome(*t, CURLE_FAILED_INIT));
      continue;
    }
    t->started = true;
  }
}

size_t CurlLoop::OnWrite(char* data, size_t size, size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  size_t len = size * n;
  if (t->cancelled) return 0;
  if (!t->req.on_data) {
    t->resp.body.append(data, len);
    return len;
  }
  if (t->req.on_data(std::string_view(data, len))) return len;
  t->cancelled = true;  // ended by its reader: the error that follows is not reported
  return 0;
}

Status CurlLoop::Outcome(const Transfer& t, CURLcode code) const {
  if (code == CURLE_OK) return Status::Ok();
  std::string why = t.error[0] != '\0' ? t.error : curl_easy_strerror(code);
  return Status::IOError("POST " + t.req.url + ": " + why);
}

void CurlLoop::Finish(uint64_t id, Status st) {
  auto node = transfers_.extract(id);
  if (node.empty()) return;
  std::unique_ptr<Transfer> t = std::move(node.mapped());
  if (t->started) curl_multi_remove_handle(multi_, t->easy);
  if (t->cancelled) return;
  if (t->easy != nullptr) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->resp.status);
  HttpDoneFn done = std::move(t->done);
  done(std::move(st), std::move(t->resp));
}

void CurlLoop::Act(curl_socket_t fd, int flags) {
  int running = 0;
  in_curl_ = true;
  curl_multi_socket_action(multi_, fd, flags, &running);
  in_curl_ = false;
  Drain();
}

// Runs what had to wait for libcurl to return: finished transfers' callbacks,
// cancels from inside callbacks, and transfers posted meanwhile.
void CurlLoop::Drain() {
  std::vector<std::pair<uint64_t, Status>> finished;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    char* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    const auto* t = reinterpret_cast<Transfer*>(priv);
    finished.emplace_back(t->id, Outcome(*t, msg->data.result));
  }
  for (auto& [id, st] : finished) Finish(id, std::move(st));
  std::vector<uint64_t> cancelled;
  cancelled.swap(to_cancel_);
  for (uint64_t id : cancelled) Remove(id);
  if (!to_start_.empty()) StartQueued();
}

int CurlLoop::OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp) {
  auto* me = static_cast<CurlLoop*>(self);
  if (what == CURL_POLL_REMOVE) {
    me->ClosePoll(fd);
    return 0;
  }
  Socket*& s = me->sockets_[fd];
  if (s == nullptr) {
    s = new Socket{{}, fd, me};
    if (uv_poll_init_socket(me->loop_, &s->poll, fd) != 0) {
      delete s;
      me->sockets_.erase(fd);
      return -1;
    }
    s->poll.data = s;
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  uv_poll_start(&s->poll, events, &CurlLoop::OnPoll);
  return 0;
}

void CurlLoop::ClosePoll(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return;
  Socket* s = it->second;
  sockets_.erase(it);
  uv_poll_stop(&s->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll),
           [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
}

void CurlLoop::OnPoll(uv_poll_t* poll, int status, int events) {
  auto* s = static_cast<Socket*>(poll->data);
  int flags = 0;
  if (status < 0) flags |= CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  s->owner->Act(s->fd, flags);
}

int CurlLoop::OnTimerChange(CURLM* multi, long timeout_ms, void* self) {
  auto* me = static_cast<CurlLoop*>(self);
  if (timeout_ms < 0) {
    if (me->to_start_.empty()) uv_timer_stop(me->timer_);
  } else {
    uv_timer_start(me->timer_, &CurlLoop::OnTimer, static_cast<uint64_t>(timeout_ms), 0);
  }
  return 0;
}

void CurlLoop::OnTimer(uv_timer_t* timer) {
  static_cast<CurlLoop*>(timer->data)->Act(CURL_SOCKET_TIMEOUT, 0);
}

}  // namespace klog::cluster
