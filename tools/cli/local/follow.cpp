#include "cli/local/follow.h"

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

namespace klog::cli::local {
namespace {

struct FollowState;

// One watched partition directory. Owned by FollowState; freed after its
// handle's close callback has run (uv_run after uv_close).
struct Watch {
  uv_fs_event_t handle;
  FollowState* state = nullptr;
  PartitionCursor* cursor = nullptr;
};

struct FollowState {
  ReadSession* session = nullptr;
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  std::vector<std::unique_ptr<Watch>> watches;
  Status error;

  // Stops the loop when the session is finished or has failed.
  void CheckDone() {
    if (!error.ok() || session->finished()) uv_stop(&loop);
  }
};

void OnFsEvent(uv_fs_event_t* handle, const char* filename, int events, int status) {
  auto* w = static_cast<Watch*>(handle->data);
  FollowState* st = w->state;
  if (status < 0) {
    st->error = Status::IOError("watch " + w->cursor->reader->dir() + ": " + uv_strerror(status));
  } else if (!w->cursor->done) {
    Status s = st->session->Drain(*w->cursor, true);
    st->session->out().Flush();
    if (!s.ok()) st->error = s;
  }
  st->CheckDone();
}

void OnSignal(uv_signal_t* handle, int signum) { uv_stop(handle->loop); }

Status StartWatches(FollowState& st) {
  for (auto& c : st.session->cursors()) {
    if (c->done) continue;
    auto w = std::make_unique<Watch>();
    w->state = &st;
    w->cursor = c.get();
    uv_fs_event_init(&st.loop, &w->handle);
    w->handle.data = w.get();
    int rc = uv_fs_event_start(&w->handle, OnFsEvent, c->reader->dir().c_str(), 0);
    st.watches.push_back(std::move(w));  // closed in CloseAll either way
    if (rc < 0) {
      return Status::IOError("watch " + c->reader->dir() + ": " + uv_strerror(rc));
    }
  }
  return Status::Ok();
}

void CloseAll(FollowState& st) {
  uv_walk(
      &st.loop,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&st.loop, UV_RUN_DEFAULT);  // runs the close callbacks
  uv_loop_close(&st.loop);
}

}  // namespace

Status Follow(ReadSession& session) {
  FollowState st;
  st.session = &session;
  int rc = uv_loop_init(&st.loop);
  if (rc < 0) return Status::IOError(std::string("uv_loop_init: ") + uv_strerror(rc));
  uv_signal_init(&st.loop, &st.sigint);
  uv_signal_init(&st.loop, &st.sigterm);
  st.sigint.data = st.sigterm.data = &st;
  uv_signal_start(&st.sigint, OnSignal, SIGINT);
  uv_signal_start(&st.sigterm, OnSignal, SIGTERM);
  Status s = StartWatches(st);
  // Records appended before the watches started are not announced: catch up once.
  for (auto& c : session.cursors()) {
    if (!s.ok() || session.finished()) break;
    if (!c->done) s = session.Drain(*c, true);
  }
  session.out().Flush();
  if (s.ok() && !session.finished()) {
    uv_run(&st.loop, UV_RUN_DEFAULT);
    s = st.error;
  }
  CloseAll(st);
  return s;
}

}  // namespace klog::cli::local
