// Append-to-print latency through the real tools: this program writes lines
// carrying their send time (CLOCK_MONOTONIC ns) into `klog-append` at a fixed
// rate, while `klog-read -f` prints them; the latency of each line is the time
// it comes out of klog-read minus the time it went into klog-append.
// Usage: bench_follow BIN_DIR DATA_DIR COUNT RATE_PER_SEC
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Starts argv with one end of a pipe as its stdin (to_child) or stdout.
pid_t Spawn(const std::vector<std::string>& args, int* fd, bool to_child) {
  int p[2];
  if (pipe(p) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(to_child ? p[0] : p[1], to_child ? 0 : 1);
    close(p[0]);
    close(p[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(to_child ? p[0] : p[1]);
  *fd = to_child ? p[1] : p[0];
  return pid;
}

// Reads one line from fd with a deadline; returns false on timeout or EOF.
bool ReadLine(int fd, std::string* carry, std::string* line, int timeout_ms) {
  for (;;) {
    size_t nl = carry->find('\n');
    if (nl != std::string::npos) {
      *line = carry->substr(0, nl);
      carry->erase(0, nl + 1);
      return true;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    carry->append(buf, n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: bench_follow BIN_DIR DATA_DIR COUNT RATE_PER_SEC\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const std::string bin = argv[1], data = argv[2];
  const int count = std::atoi(argv[3]);
  const int rate = std::max(1, std::atoi(argv[4]));
  int in_fd, out_fd;
  pid_t reader =
      Spawn({bin + "/klog-read", "-t", "lat", "-d", data, "-f", "-o", "end", "--format", "%s\n"},
            &out_fd, false);
  pid_t writer = Spawn({bin + "/klog-append", "-t", "lat", "-d", data}, &in_fd, true);
  std::string carry, line;
  // Warm up: send until the reader prints something (it may still be starting).
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    std::string w = "0\n";
    if (write(in_fd, w.data(), w.size()) < 0) break;
    up = ReadLine(out_fd, &carry, &line, 100);
  }
  if (!up) {
    std::fprintf(stderr, "bench_follow: klog-read -f printed nothing\n");
    return 1;
  }
  while (ReadLine(out_fd, &carry, &line, 200)) {
  }  // drain the warm-up lines
  std::vector<double> us;
  std::thread consumer([&] {
    std::string l;
    while ((int)us.size() < count && ReadLine(out_fd, &carry, &l, 5000)) {
      int64_t sent = std::strtoll(l.c_str(), nullptr, 10);
      if (sent > 0) us.push_back((NowNs() - sent) / 1e3);
    }
  });
  const int64_t period = 1000000000 / rate;
  int64_t next = NowNs();
  for (int i = 0; i < count; ++i) {
    while (NowNs() < next) std::this_thread::sleep_for(std::chrono::microseconds(50));
    std::string w = std::to_string(NowNs()) + "\n";
    if (write(in_fd, w.data(), w.size()) < 0) break;
    next += period;
  }
  consumer.join();
  close(in_fd);
  kill(reader, SIGTERM);
  waitpid(writer, nullptr, 0);
  waitpid(reader, nullptr, 0);
  if (us.empty()) return 1;
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, size_t(us.size() * p))]; };
  std::printf(
      "  follow latency (%zu msgs at %d/s): p50 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us\n",
      us.size(), rate, pct(0.50), pct(0.99), pct(0.999), us.back());
  return us.size() == size_t(count) ? 0 : 1;
}
