// The context of one tool run: the tool's name ("klog-read"), its buffered
// stdout (output.h) and its diagnostics on stderr ("klog-read: message").
// Each tool's main() creates one and passes it by reference to the code that
// prints; cli::Run() flushes and checks its stdout at exit. Diagnostics may
// be written from any thread (librdkafka's log callback does): they only read
// the name, which never changes. out() belongs to the thread that runs the
// tool's body.
#pragma once

#include <string>
#include <string_view>

#include "cli/output.h"
#include "klog/status.h"

namespace klog::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

class Tool {
 public:
  // `name` prefixes every diagnostic and names the tool in usage hints.
  explicit Tool(std::string_view name) : name_(name), out_(1) {}
  Tool(const Tool&) = delete;
  Tool& operator=(const Tool&) = delete;

  const std::string& name() const { return name_; }
  // The tool's stdout writer (fd 1).
  Output& out() { return out_; }

  // Writes "<tool>: <msg>\n" to stderr with one write(2).
  void Diag(std::string_view msg) const;
  // Diag(status message) and returns kExitFailure.
  int Fail(const Status& s) const;
  // Diag(msg), then "Try '<tool> --help'." and returns kExitUsage.
  int UsageError(std::string_view msg) const;

 private:
  const std::string name_;
  Output out_;
};

}  // namespace klog::cli
