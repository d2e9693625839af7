#include "cli/output.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

// Older glibc headers do not name the thread id field of SIGEV_THREAD_ID.
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

namespace klog::cli {

Output::Output(int fd, size_t capacity) : fd_(fd), cap_(capacity) { buf_.reserve(capacity); }

void Output::WriteInt(int64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
  Write(std::string_view(tmp, size_t(r.ptr - tmp)));
}

bool Output::Flush() {
  if (buffered() > 0 && err_ == 0) WriteAll(buf_.data() + head_, buffered());
  buf_.clear();
  head_ = 0;
  return ok();
}

bool Output::WriteSome() {
  while (buffered() > 0 && err_ == 0) {
    size_t want = buffered();
    ssize_t w = ::write(fd_, buf_.data() + head_, want);
    if (w < 0) {
      if (errno == EINTR) break;
      err_ = errno;
      break;
    }
    head_ += size_t(w);
    written_ += uint64_t(w);
    if (size_t(w) < want) break;  // interrupted after writing part
  }
  if (buffered() == 0 || err_ != 0) {
    buf_.clear();
    head_ = 0;
  } else if (head_ >= buf_.size() / 2) {
    buf_.erase(0, head_);  // keep appends from growing the buffer without end
    head_ = 0;
  }
  return buffered() == 0 && err_ == 0;
}

void Output::Erase(std::span<const std::pair<uint64_t, uint64_t>> ranges) {
  // One pass: bytes between the ranges move down over the erased ones.
  size_t to = 0;
  size_t from = 0;
  bool moving = false;
  for (const auto& [begin, end] : ranges) {
    size_t b = head_ + size_t(begin - written_);
    size_t e = head_ + size_t(end - written_);
    if (b >= e) continue;
    if (moving) {
      std::memmove(buf_.data() + to, buf_.data() + from, b - from);
      to += b - from;
    } else {
      to = b;
      moving = true;
    }
    from = e;
  }
  if (!moving) return;
  std::memmove(buf_.data() + to, buf_.data() + from, buf_.size() - from);
  buf_.resize(to + (buf_.size() - from));
}

void Output::Discard() {
  buf_.clear();
  head_ = 0;
}

bool Output::broken_pipe() const { return err_ == EPIPE; }

std::string Output::error() const {
  return err_ == 0 ? std::string() : std::string("write error: ") + std::strerror(err_);
}

void Output::WriteSlow(std::string_view s) {
  if (deferred_) {
    buf_.append(s);
    return;
  }
  // Fill the buffer, flush, then either buffer the rest or write it straight
  // through when it is bigger than the buffer.
  size_t room = cap_ - std::min(cap_, buf_.size());
  buf_.append(s.substr(0, room));
  s.remove_prefix(room);
  Flush();
  if (s.size() >= cap_) {
    if (err_ == 0) WriteAll(s.data(), s.size());
    return;
  }
  buf_.append(s);
}

bool Output::WriteAll(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      err_ = errno;
      return false;
    }
    p += w;
    n -= size_t(w);
    written_ += uint64_t(w);
  }
  return true;
}

struct WriteAlarm::Impl {
  timer_t timer{};
  bool have_timer = false;
  struct sigaction old_action {};
  bool have_action = false;
  itimerspec every{};
};

namespace {
// Only there to interrupt a system call; see WriteAlarm.
void OnAlarm(int) {}
}  // namespace

Result<std::unique_ptr<WriteAlarm>> WriteAlarm::Create(int interval_ms) {
  std::unique_ptr<WriteAlarm> a(new WriteAlarm());
  a->impl_ = std::make_unique<Impl>();
  Impl& m = *a->impl_;
  struct sigaction sa {};
  sa.sa_handler = OnAlarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the interrupted write returns
  if (::sigaction(SIGALRM, &sa, &m.old_action) != 0) {
    return Status::FromErrno("sigaction SIGALRM", errno);
  }
  m.have_action = true;
  sigevent ev{};
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = SIGALRM;
  ev.sigev_notify_thread_id = pid_t(::syscall(SYS_gettid));
  if (::timer_create(CLOCK_MONOTONIC, &ev, &m.timer) != 0) {
    return Status::FromErrno("timer_create", errno);
  }
  m.have_timer = true;
  m.every.it_value.tv_sec = interval_ms / 1000;
  m.every.it_value.tv_nsec = long(interval_ms % 1000) * 1000000;
  m.every.it_interval = m.every.it_value;
  return a;
}

WriteAlarm::~WriteAlarm() {
  if (impl_->have_timer) ::timer_delete(impl_->timer);
  if (impl_->have_action) ::sigaction(SIGALRM, &impl_->old_action, nullptr);
}

void WriteAlarm::Arm() { ::timer_settime(impl_->timer, 0, &impl_->every, nullptr); }

void WriteAlarm::Disarm() {
  itimerspec off{};
  ::timer_settime(impl_->timer, 0, &off, nullptr);
}

}  // namespace klog::cli
