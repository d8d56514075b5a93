// The outer frame shared by model files and checkpoints (docs/file-formats.md):
//   8-byte magic | u32 version | u32 scalar bytes (4 or 8) | u64 body size B | body | u32 crc32
// Internal: not installed. check_frame validates the frame in an order that never gives advice
// from a damaged byte: the magic, then the length and the CRC-32, and only then the fields that
// lead to advice (a newer version: "upgrade"; the scalar size: "--precision").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace bp::io {

inline constexpr std::size_t kFrameHeaderSize = 8 + 4 + 4 + 8;
inline constexpr std::size_t kFrameCrcSize = 4;

/// What a kind of framed file is.
struct FrameKind {
  const char* magic;         ///< 8 bytes, e.g. "BPMODEL\0"
  const char* magic_text;    ///< the magic as printed in messages, e.g. "BPMODEL\\0"
  const char* what;          ///< "backprop model file", "backprop checkpoint"
  std::uint32_t newest;      ///< the newest version this build reads (1..newest are read)
  const char* other_magic;   ///< a related file's magic with its own message, or nullptr
  const char* other_hint;    ///< e.g. "found a model file (BPMODEL): resume needs the --checkpoint file"
};

/// A validated frame: version in 1..kind.newest, scalar 4 or 8, the body is bytes[begin, end)
/// and the CRC-32 over bytes[0, end) matched.
struct Frame {
  std::uint32_t version = 0;
  std::uint32_t scalar = 0;
  std::size_t body_begin = kFrameHeaderSize;
  std::size_t body_end = kFrameHeaderSize;
};

/// Validates, in this order: the magic (a gzip stream and kind.other_magic get their own
/// hints); the length (at least the header and the CRC; then exactly header + B + CRC, a
/// shorter file being reported as "expected N bytes, found M"); the CRC-32; the version (0 is
/// invalid, a newer one says to upgrade); the scalar size (4 or 8). Throws DataError
/// "<name>: byte <offset>: ..." (exit 65).
Frame check_frame(const std::string& bytes, const std::string& name, const FrameKind& kind);

}  // namespace bp::io
