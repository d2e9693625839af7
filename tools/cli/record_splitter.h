// Splits an input stream (stdin for klog-append) into records at a
// delimiter of one or more bytes. Input is read with read(2) in big chunks;
// a record that spans chunks is carried over to the next one. Records are
// views into the chunk buffer: they stay valid until the next Fill().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"

namespace klog::cli {

class RecordSplitter {
 public:
  // `delimiter` must not be empty. Each Fill() reads at most `chunk_bytes`.
  RecordSplitter(int fd, std::string delimiter, size_t chunk_bytes = size_t(1) << 20);

  // Reads the next chunk with one read(2) (retried on EINTR). Returns false
  // at end of input when no bytes are left; an error is IOError.
  Result<bool> Fill();

  // Returns the next complete record of the chunk, or false when the rest of
  // the chunk is an incomplete record (kept for the next Fill()). At end of
  // input a final record without a trailing delimiter is returned too.
  bool Next(std::string_view* record);

  // Total bytes read so far.
  size_t bytes_read() const { return bytes_read_; }

 private:
  // Position of the delimiter in [scan_, end_), or end_ if none.
  size_t FindDelimiter() const;

  int fd_;
  std::string delim_;
  size_t chunk_;
  std::vector<char> buf_;
  size_t begin_ = 0;  // start of the first unconsumed record
  size_t scan_ = 0;   // where the delimiter search resumes
  size_t end_ = 0;    // end of valid data
  bool eof_ = false;
  size_t bytes_read_ = 0;
};

}  // namespace klog::cli
