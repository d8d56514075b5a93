// Atomic, durable file replacement (POSIX): temp file + fsync + rename + directory fsync.
#include "backprop/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "backprop/core/error.hpp"

namespace bp {

namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

void write_file_atomically(const std::string& path, std::span<const unsigned char> bytes) {
  std::random_device rd;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  Fd f;
  f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f.fd < 0)
    throw CantCreateError(path + ": cannot create (" + std::strerror(errno) + ")");
  auto fail = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    ::close(f.fd);
    f.fd = -1;
    ::unlink(tmp.c_str());
    throw IoError(path + ": " + what + " failed (" + reason + "); the previous file is unchanged");
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0) fail("fsync");
  if (::close(f.fd) != 0) {
    f.fd = -1;
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw IoError(path + ": close failed (" + reason + "); the previous file is unchanged");
  }
  f.fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw CantCreateError(path + ": cannot replace (" + reason + ")");
  }
  Fd d;
  d.fd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd >= 0) ::fsync(d.fd);  // best effort: some file systems refuse a directory fsync
}

void probe_output(const std::string& path, const std::string& what) {
  auto fail = [&](const std::string& why) {
    throw CantCreateError("cannot create " + what + " '" + path + "': " + why);
  };
  std::error_code ec;
  if (path.empty()) fail("the path is empty");
  if (std::filesystem::is_directory(path, ec)) fail("it is a directory");
  const std::string dir = dir_of(path);
  const auto st = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(st)) fail("the directory '" + dir + "' does not exist");
  if (!std::filesystem::is_directory(st)) fail("'" + dir + "' is not a directory");
  if (std::filesystem::exists(path, ec) && ::access(path.c_str(), W_OK) != 0)
    fail(std::string("the file exists and is not writable (") + std::strerror(errno) + ")");
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + ".probe";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(std::strerror(errno));
  ::close(fd);
  ::unlink(tmp.c_str());
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw NoInputError(path + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NoInputError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw NoInputError(path + ": read failed");
  return ss.str();
}

}  // namespace bp
