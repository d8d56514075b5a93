// The frame of model files and checkpoints: magic, length and CRC first, then version and scalar
// size (file_frame.hpp).
#include "io/file_frame.hpp"

#include <cstring>

#include "backprop/core/error.hpp"
#include "io/byte_io.hpp"

namespace bp::io {
namespace {

std::uint32_t u32_at(const std::string& b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

std::uint64_t u64_at(const std::string& b, std::size_t at) {
  std::uint64_t v;
  std::memcpy(&v, b.data() + at, 8);
  return v;
}

std::uint32_t crc_before(const std::string& b, std::size_t end) {
  return crc32_of(reinterpret_cast<const unsigned char*>(b.data()), end);
}

[[noreturn]] void fail(const std::string& name, std::size_t at, const std::string& what) {
  throw DataError(name + ": byte " + std::to_string(at) + ": " + what);
}

void check_magic(const std::string& bytes, const std::string& name, const FrameKind& kind) {
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kind.magic, 8) == 0) return;
  const bool other = kind.other_magic && bytes.size() >= 8 && std::memcmp(bytes.data(), kind.other_magic, 8) == 0;
  const bool gz = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                  static_cast<unsigned char>(bytes[1]) == 0x8b;
  fail(name, 0,
       std::string("not a ") + kind.what + ": expected magic \"" + kind.magic_text + "\"" +
           (other ? std::string(", ") + kind.other_hint : "") +
           (gz ? ", found a gzip stream (decompress it first)" : ""));
}

// The file's length against its header's body size, then the CRC-32. Neither trusts the body size
// for more than a message: the CRC-32 is where the header says, and must match.
std::size_t check_length_and_crc(const std::string& bytes, const std::string& name) {
  const std::size_t minimum = kFrameHeaderSize + kFrameCrcSize;
  if (bytes.size() < minimum)
    fail(name, bytes.size(),
         "truncated: expected at least " + std::to_string(minimum) + " bytes (the " +
             std::to_string(kFrameHeaderSize) + "-byte header and the 4-byte checksum), found " +
             std::to_string(bytes.size()));
  const std::uint64_t body = u64_at(bytes, 16);
  const std::uint64_t room = bytes.size() - minimum;
  if (body > room) {  // the header asks for more than there is: truncated, or a damaged header
    const std::string expected = body > UINT64_MAX - minimum ? "more than 2^64" : std::to_string(body + minimum);
    fail(name, 16,
         "truncated or corrupt: expected " + expected + " bytes (header, a body of " + std::to_string(body) +
             " bytes as the header says, checksum), found " + std::to_string(bytes.size()));
  }
  const std::size_t end = kFrameHeaderSize + static_cast<std::size_t>(body);
  const std::uint32_t stored = u32_at(bytes, end), computed = crc_before(bytes, end);
  if (stored != computed)
    fail(name, end,
         "checksum mismatch: stored " + std::to_string(stored) + ", computed " + std::to_string(computed) +
             "; the file is corrupt");
  if (body < room)
    fail(name, end + kFrameCrcSize,
         "expected the end of the file after " + std::to_string(end + kFrameCrcSize) + " bytes, found " +
             std::to_string(room - body) + " trailing bytes");
  return end;
}

}  // namespace

Frame check_frame(const std::string& bytes, const std::string& name, const FrameKind& kind) {
  check_magic(bytes, name, kind);
  Frame f;
  f.body_end = check_length_and_crc(bytes, name);
  // From here on the header is what the writer wrote: its advice can be trusted.
  f.version = u32_at(bytes, 8);
  if (f.version == 0) fail(name, 8, "format version 0 is not a valid version");
  if (f.version > kind.newest)
    fail(name, 8,
         "format version " + std::to_string(f.version) + " is newer than this backprop reads (" +
             std::to_string(kind.newest) + "); upgrade backprop");
  f.scalar = u32_at(bytes, 12);
  if (f.scalar != 4 && f.scalar != 8)
    fail(name, 12, "scalar size " + std::to_string(f.scalar) + "; expected 4 (float) or 8 (double)");
  return f;
}

}  // namespace bp::io
