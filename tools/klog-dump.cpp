// klog-dump: print and verify segment, index and digest files (klog-dump(1)).
// The logic is klog::Dump() (klog/dump.h); this is only the command line.
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/output.h"
#include "klog/dump.h"

namespace {

// A streambuf that hands everything to the tool's checked stdout writer, so
// write errors and broken pipes are handled by cli::Run like in every tool.
class OutputBuf : public std::streambuf {
 public:
  explicit OutputBuf(klog::cli::Output& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.Put(traits_type::to_char_type(c));
    return out_.ok() ? traits_type::not_eof(c) : traits_type::eof();
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.Write(std::string_view(s, size_t(n)));
    return out_.ok() ? n : 0;
  }

 private:
  klog::cli::Output& out_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace klog::cli;
  Tool tool("klog-dump");
  auto app = MakeApp(tool, "Print and verify klog segment, index and digest files.");
  std::vector<std::string> paths;
  klog::DumpOptions o;
  app->add_option("paths", paths, "Segment files (.log .index .timeindex .xxh3) or partition dirs")
      ->required()
      ->type_name("FILE|PARTITION_DIR");
  auto* records = app->add_flag("--records", o.records, "Also print every record");
  auto* index = app->add_flag("--index", o.index, "Also print index entries and digests");
  app->add_flag("--verify", o.verify, "Check CRCs, offsets, indexes and digests")
      ->excludes(records)
      ->excludes(index);
  app->add_flag("--json", o.json, "Print one JSON object per line");
  return Run(tool, *app, argc, argv, [&] {
    OutputBuf buf(tool.out());
    std::ostream out(&buf);
    auto warn = [&tool](const std::string& m) {
      tool.out().Flush();  // keep stdout and stderr in order on a terminal
      tool.Diag("warning: " + m);
    };
    klog::Status st = klog::Dump(paths, o, out, warn);
    if (!st.ok()) {
      tool.out().Flush();
      return tool.Fail(st);
    }
    return kExitOk;
  });
}
