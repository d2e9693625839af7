// The cluster tests' etcd, loop and store (contracts: etcd_fixture.h).
#include "etcd_fixture.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace klog::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TestLoop::TestLoop() { REQUIRE(uv_loop_init(&loop) == 0); }

TestLoop::~TestLoop() {
  for (int i = 0; i < 1000 && uv_run(&loop, UV_RUN_NOWAIT) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(uv_loop_close(&loop) == 0);
}

bool TestLoop::RunUntil(const std::function<bool()>& done, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    uv_run(&loop, UV_RUN_NOWAIT);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return true;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

namespace {

// The etcd binary: $KLOG_ETCD_BIN if set (even if it is not there, so that a
// test can prove the missing-etcd failure), else the first on PATH or Debian's
// place; "" if there is none.
std::string FindEtcd() {
  if (const char* bin = std::getenv("KLOG_ETCD_BIN")) {
    return access(bin, X_OK) == 0 ? std::string(bin) : std::string();
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  dirs += ":/usr/bin:/usr/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / "etcd";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// One blocking POST to the gateway (test set-up only): the HTTP status, 0 if
// there was no answer within a second.
long PostBlocking(const std::string& url, const std::string& body) {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return 0;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Discard);
  long status = 0;
  if (curl_easy_perform(easy) == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_easy_cleanup(easy);
  return status;
}

}  // namespace

EtcdServer::EtcdServer() {
  std::string etcd = FindEtcd();
  if (etcd.empty()) {
    FAIL(
        "etcd is not installed (not $KLOG_ETCD_BIN, not on PATH, not /usr/bin/etcd): "
        "`make deps` installs Debian's etcd-server");
  }
  char templ[] = "/tmp/klog-etcd-XXXXXX";
  REQUIRE(mkdtemp(templ) != nullptr);
  dir_ = templ;
  // A port taken between FreePort and etcd's bind makes etcd exit: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (StartOnce(etcd)) return;
  }
  Stop();
  std::string log;
  std::ifstream in(dir_ + "/etcd.log");
  for (std::string line; std::getline(in, line);) log += line + "\n";
  fs::remove_all(dir_);
  if (log.size() > 3000) log = log.substr(log.size() - 3000);
  FAIL("etcd did not start (3 attempts); the end of its log:\n" << log);
}

EtcdServer::~EtcdServer() {
  Stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bool EtcdServer::StartOnce(const std::string& etcd) {
  client_port_ = FreePort();
  peer_port_ = FreePort();
  std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
  std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  std::string data = dir_ + "/data";
  fs::remove_all(data);
  std::vector<std::string> args = {etcd,
                                   "--name=klog-test",
                                   "--data-dir=" + data,
                                   "--listen-client-urls=" + client,
                                   "--advertise-client-urls=" + client,
                                   "--listen-peer-urls=" + peer,
                                   "--initial-advertise-peer-urls=" + peer,
                                   "--initial-cluster=klog-test=" + peer,
                                   "--heartbeat-interval=50",
                                   "--election-timeout=500"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string log = dir_ + "/etcd.log";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int rc = posix_spawn(&pid_, etcd.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE_MESSAGE(rc == 0, "posix_spawn " << etcd << " failed: " << rc);
  if (WaitReady()) return true;
  Stop();
  return false;
}

// Waits up to 15 s for etcd to answer; false if it exited or never answered.
bool EtcdServer::WaitReady() {
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (PostBlocking(endpoint() + "/v3/kv/range", R"({"key":"AA=="})") == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool EtcdServer::Compact(int64_t revision) {
  std::string body = R"({"revision":")" + std::to_string(revision) + R"(","physical":true})";
  return PostBlocking(endpoint() + "/v3/kv/compaction", body) == 200;
}

void EtcdServer::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }
}

}  // namespace klog::test
