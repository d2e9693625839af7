// Private file helpers: see fileutil.h.
#include "util/fileutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "klog/checksum.h"

namespace klog {

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status OpenFd(const std::string& path, int flags, UniqueFd* out, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file or directory");
    return Status::FromErrno("open " + path, err);
  }
  *out = UniqueFd(fd);
  return Status::Ok();
}

Status PreadFull(int fd, void* buf, size_t n, int64_t offset, size_t* got,
                 const std::string& path) {
  size_t done = 0;
  auto* p = static_cast<char*>(buf);
  while (done < n) {
    ssize_t r = ::pread(fd, p + done, n - done, offset + int64_t(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("read " + path, errno);
    }
    if (r == 0) break;
    done += size_t(r);
  }
  *got = done;
  return Status::Ok();
}

Status PwriteFull(int fd, const void* buf, size_t n, int64_t offset, const std::string& path) {
  size_t done = 0;
  auto* p = static_cast<const char*>(buf);
  while (done < n) {
    ssize_t r = ::pwrite(fd, p + done, n - done, offset + int64_t(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write " + path, errno);
    }
    done += size_t(r);
  }
  return Status::Ok();
}

Result<int64_t> FdSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno("stat " + path, errno);
  return int64_t(st.st_size);
}

Result<int64_t> PathSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file or directory");
    return Status::FromErrno("stat " + path, errno);
  }
  return int64_t(st.st_size);
}

Status ReadWholeFile(const std::string& path, std::string* out) {
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(path, O_RDONLY, &fd));
  Result<int64_t> size = FdSize(fd.get(), path);
  if (!size.ok()) return size.status();
  out->resize(size_t(*size));
  size_t got = 0;
  KLOG_RETURN_IF_ERROR(PreadFull(fd.get(), out->data(), out->size(), 0, &got, path));
  out->resize(got);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(dir, O_RDONLY | O_DIRECTORY, &fd));
  if (::fsync(fd.get()) != 0) return Status::FromErrno("fsync " + dir, errno);
  return Status::Ok();
}

Status ReplaceFileAtomically(const std::string& path, std::string_view data, bool sync) {
  std::string tmp = path + ".tmp";
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(tmp, O_WRONLY | O_CREAT | O_TRUNC, &fd));
  Status st = PwriteFull(fd.get(), data.data(), data.size(), 0, tmp);
  if (st.ok() && sync && ::fdatasync(fd.get()) != 0) st = Status::FromErrno("fsync " + tmp, errno);
  fd.Reset();
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::FromErrno("rename " + tmp + " to " + path, errno);
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return sync ? SyncDir(DirName(path)) : Status::Ok();
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("mkdir " + dir + ": " + ec.message());
  return Status::Ok();
}

bool IsDir(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string SealLine(std::string_view body) {
  std::string line(body);
  line += " check ";
  line += Hex64(Xxh3_64(body.data(), body.size()));
  line += '\n';
  return line;
}

Result<std::string> UnsealLine(std::string_view text, const std::string& path) {
  constexpr std::string_view kCheck = " check ";
  constexpr size_t kHexLen = 16;
  auto torn = [&] { return Status::Corruption(path + ": torn or altered file (bad check)"); };
  if (text.size() < kCheck.size() + kHexLen + 1 || text.back() != '\n') return torn();
  text.remove_suffix(1);
  std::string_view hex = text.substr(text.size() - kHexLen);
  std::string_view rest = text.substr(0, text.size() - kHexLen);
  if (rest.size() < kCheck.size() || rest.substr(rest.size() - kCheck.size()) != kCheck) {
    return torn();
  }
  std::string_view body = rest.substr(0, rest.size() - kCheck.size());
  if (Hex64(Xxh3_64(body.data(), body.size())) != hex) return torn();
  return std::string(body);
}

}  // namespace klog
