// The frame every klog tool runs in: the tool's name, diagnostics on stderr
// ("klog-read: message"), exit codes, CLI11 parsing with klog's conventions
// (help and version on stdout with exit 0, usage errors on stderr with exit
// 2), data-directory resolution, SIGPIPE handling, and stdout flushed and
// checked at exit (see output.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "klog/status.h"
#include "klog/topic.h"

namespace klog::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// "klog-read" etc.; set by MakeApp().
const std::string& ToolName();
void SetToolName(std::string_view name);

// Writes "<tool>: <msg>\n" to stderr with one write(2).
void Diag(std::string_view msg);
// Diag(status message) and returns kExitFailure.
int Fail(const Status& s);
// Diag(msg), then "Try '<tool> --help'." and returns kExitUsage.
int UsageError(std::string_view msg);

// A CLI11 app named `tool` with -h/--help and -V/--version ("<tool> 0.1.0").
// Also sets the tool name used by Diag().
std::unique_ptr<CLI::App> MakeApp(std::string_view tool, const std::string& description);

// Adds -d/--data-dir; resolve the value with ResolveDataDir().
void AddDataDirOption(CLI::App& app, std::string* dir);
// The flag value if given, else $KLOG_DIR if set and non-empty, else "./klog-data".
std::string ResolveDataDir(const std::string& flag_value);

// Takes the data directory's lock shared (DataDirLock in klog/topic.h) for a
// local change to partitions or topics, held until *out is released. While
// klog-serve serves the directory this is Busy naming its pid and pointing to
// -b; tools take it before they read any input. Ok without a lock when the
// directory has no lock file (nothing serves it), so that nothing is created.
Status LockForLocalWrite(const std::string& data_dir, DataDirLock* out);

// Runs a tool: ignores SIGPIPE, parses argv with `app` (help/version/usage
// errors handled as above), runs `body` and returns its exit code after
// flushing stdout. A broken pipe on stdout ends quietly with 0; any other
// write error on stdout prints a message and returns kExitFailure.
int Run(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

}  // namespace klog::cli
