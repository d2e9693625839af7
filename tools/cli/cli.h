// The frame every klog tool runs in: its per-run context (tool.h: name,
// stdout, diagnostics on stderr, exit codes), CLI11 parsing with klog's conventions
// (help and version on stdout with exit 0, usage errors on stderr with exit
// 2), data-directory resolution, SIGPIPE handling, and stdout flushed and
// checked at exit (see output.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "cli/tool.h"
#include "klog/status.h"
#include "klog/topic.h"

namespace klog::cli {

// A CLI11 app named after `tool` with -h/--help and -V/--version
// ("<tool> 0.1.0").
std::unique_ptr<CLI::App> MakeApp(const Tool& tool, const std::string& description);

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
// flushing tool.out(). A broken pipe on stdout ends quietly with 0; any other
// write error on stdout prints a message and returns kExitFailure.
int Run(Tool& tool, CLI::App& app, int argc, char** argv, const std::function<int()>& body);

}  // namespace klog::cli
