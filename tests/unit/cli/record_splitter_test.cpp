#include <doctest/doctest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "cli/record_splitter.h"

using klog::cli::RecordSplitter;

namespace {

// Feeds `pieces` through a pipe, one piece per Fill() (a pipe read returns
// what one write put in), and collects the records.
std::vector<std::string> Split(const std::vector<std::string>& pieces, const std::string& delim,
                               size_t chunk = 1 << 20) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  RecordSplitter s(fds[0], delim, chunk);
  std::vector<std::string> out;
  std::string_view rec;
  for (const auto& p : pieces) {
    REQUIRE(::write(fds[1], p.data(), p.size()) == ssize_t(p.size()));
    auto more = s.Fill();
    REQUIRE(more.ok());
    CHECK(*more);
    while (s.Next(&rec)) out.emplace_back(rec);
  }
  ::close(fds[1]);
  for (;;) {
    auto more = s.Fill();
    REQUIRE(more.ok());
    if (!*more) break;
    while (s.Next(&rec)) out.emplace_back(rec);
  }
  ::close(fds[0]);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("splitter: records across reads are carried over whole") {
  CHECK(Split({"ab", "c\nd", "e\n"}, "\n") == V{"abc", "de"});
}

TEST_CASE("splitter: final record without delimiter, empty records kept") {
  CHECK(Split({"x\n\n\ny"}, "\n") == V{"x", "", "", "y"});
  CHECK(Split({"x\n"}, "\n") == V{"x"});
  CHECK(Split({}, "\n").empty());
}

TEST_CASE("splitter: multi-byte delimiter split between two reads") {
  CHECK(Split({"one<", "-", ">two<-", ">three"}, "<->") == V{"one", "two", "three"});
  // A partial delimiter that turns out not to be one stays in the record.
  CHECK(Split({"a<-", "b<->c"}, "<->") == V{"a<-b", "c"});
  CHECK(Split({"aa<<->b"}, "<->") == V{"aa<", "b"});
}

TEST_CASE("splitter: NUL delimiter and a record larger than the chunk size") {
  CHECK(Split({std::string("a\0b\0", 4)}, std::string(1, '\0')) == V{"a", "b"});
  std::string big(10000, 'q');
  CHECK(Split({big.substr(0, 3000), big.substr(3000), "\nz"}, "\n", 4096) == V{big, "z"});
}
