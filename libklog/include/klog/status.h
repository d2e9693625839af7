// Status and Result: errors are values that carry context ("segment
// 00000000000000001000.log pos 4096: checksum mismatch"). Library code never
// throws across its API; main() alone turns a Status into a message and exit code.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace klog {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // topic, partition, file or offset does not exist
    kCorruption,       // bytes on disk fail a length, CRC or ordering check
    kInvalidArgument,  // bad input from the caller (topic name, flag value, record)
    kIOError,          // a system call failed (errno text in the message)
    kBusy,             // a lock is held by another process
    kExists,           // already exists
    kTooLarge,         // record or batch over a size limit
    kUnsupported,      // a feature or codec this build does not handle
    kConflict,         // a compare-and-set found another revision than expected
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status InvalidArgument(std::string m) {
    return Status(Code::kInvalidArgument, std::move(m));
  }
  static Status IOError(std::string m) { return Status(Code::kIOError, std::move(m)); }
  // IOError whose message is "<context>: <strerror(err)>".
  static Status FromErrno(const std::string& context, int err);
  static Status Busy(std::string m) { return Status(Code::kBusy, std::move(m)); }
  static Status Exists(std::string m) { return Status(Code::kExists, std::move(m)); }
  static Status TooLarge(std::string m) { return Status(Code::kTooLarge, std::move(m)); }
  static Status Unsupported(std::string m) { return Status(Code::kUnsupported, std::move(m)); }
  static Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsConflict() const { return code_ == Code::kConflict; }

  // Returns a copy with "<context>: " put in front of the message.
  Status WithContext(const std::string& context) const {
    return Status(code_, context + ": " + msg_);
  }
  std::string ToString() const { return ok() ? "ok" : msg_; }

 private:
  Status(Code c, std::string m) : code_(c), msg_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status s) : status_(std::move(s)) {}    // NOLINT: must not be ok
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

#define KLOG_RETURN_IF_ERROR(expr) \
  do {                             \
    ::klog::Status _st = (expr);   \
    if (!_st.ok()) return _st;     \
  } while (0)

}  // namespace klog
