#include "cli/cli.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "cli/output.h"
#include "klog/filename.h"

namespace klog::cli {
namespace {

// CLI11 messages sometimes end in a newline; keep one line.
std::string TrimMessage(std::string m) {
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

// Reports the first argument no option or subcommand took.
static int CheckExtras(const Tool& tool, CLI::App& app) {
  std::vector<std::string> extras = app.remaining(true);
  if (extras.empty()) return kExitOk;
  const std::string& a = extras.front();
  if (a.size() > 1 && a[0] == '-') return tool.UsageError("unknown option '" + a + "'");
  return tool.UsageError("unexpected argument '" + a + "'");
}

std::unique_ptr<CLI::App> MakeApp(const Tool& tool, const std::string& description) {
  auto app = std::make_unique<CLI::App>(description, tool.name());
  app->set_version_flag("-V,--version", tool.name() + " " + KLOG_VERSION,
                        "Print the version and exit");
  app->set_help_flag("-h,--help", "Print this help and exit");
  // Unknown arguments are collected and reported by Run() before anything
  // else, so "--bogus" is named even when a required flag is missing too.
  app->allow_extras(true);
  return app;
}

void AddDataDirOption(CLI::App& app, std::string* dir) {
  app.add_option("-d,--data-dir", *dir, "Data directory (default $KLOG_DIR, else ./klog-data)")
      ->type_name("DIR");
}

std::string ResolveDataDir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  const char* env = std::getenv("KLOG_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return "./klog-data";
}

Status LockForLocalWrite(const std::string& data_dir, DataDirLock* out) {
  // No lock file, no server now (a server creates it first): nothing is
  // created here, and a server that starts meanwhile is caught by the shared
  // lock that LogWriter::Open and DataDir's changes take themselves.
  struct stat st_file;
  std::string path = data_dir + "/" + std::string(kDataDirLockName);
  if (::stat(path.c_str(), &st_file) != 0 && errno == ENOENT) return Status::Ok();
  Status st = DataDirLock::AcquireShared(data_dir, out);
  if (st.code() != Status::Code::kBusy) return st;
  return Status::Busy(st.message() +
                      "; local writers are refused while it runs: write through it with "
                      "-b HOST:PORT");
}

int Run(Tool& tool, CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  ::signal(SIGPIPE, SIG_IGN);
  try {
    app.parse(argc, argv);
    int rc = CheckExtras(tool, app);
    if (rc != kExitOk) return rc;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << std::endl;
    return std::cout ? kExitOk : kExitFailure;
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help() << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  } catch (const CLI::CallForAllHelp& e) {
    std::cout << app.help("", CLI::AppFormatMode::All) << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  } catch (const CLI::ParseError& e) {
    int rc = CheckExtras(tool, app);
    return rc != kExitOk ? rc : tool.UsageError(TrimMessage(e.what()));
  }
  int rc = body();
  Output& out = tool.out();
  out.Flush();
  if (out.broken_pipe()) return rc == kExitFailure ? rc : kExitOk;
  if (!out.ok()) {
    tool.Diag("stdout: " + out.error());
    return kExitFailure;
  }
  return rc;
}

}  // namespace klog::cli
