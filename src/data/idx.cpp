// IDX reader: magic 00 00 <type> <ndims>, ndims big-endian uint32 sizes, then row-major
// big-endian data (LeCun's MNIST page). Plain and gzip files go through zlib's gz* API.
#include "backprop/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "backprop/core/error.hpp"
#include "data/file_util.hpp"

namespace bp {
namespace {

constexpr std::uint8_t kTypeU8 = 0x08;
constexpr std::uint8_t kTypeF32 = 0x0D;
// deflate cannot expand more than ~1032:1, so a compressed file of S bytes holds at most
// about 1032 * S bytes; used only to bound the up-front reservation.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::size_t kChunk = std::size_t(1) << 20;

std::string type_name(std::uint8_t t) {
  switch (t) {
    case 0x08: return "0x08 (u8)";
    case 0x09: return "0x09 (i8)";
    case 0x0B: return "0x0B (i16)";
    case 0x0C: return "0x0C (i32)";
    case 0x0D: return "0x0D (f32)";
    case 0x0E: return "0x0E (f64)";
    default: {
      const char* hex = "0123456789ABCDEF";
      return std::string("0x") + hex[t >> 4] + hex[t & 15] + " (unknown)";
    }
  }
}

std::string hex_bytes(const unsigned char* b, std::size_t n) {
  const char* hex = "0123456789abcdef";
  std::string s;
  for (std::size_t k = 0; k < n; ++k) {
    if (k) s += ' ';
    s += hex[b[k] >> 4];
    s += hex[b[k] & 15];
  }
  return s;
}

// A decoded IDX file.
struct IdxArray {
  std::uint8_t type = 0;
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;  // raw payload bytes, still big-endian
  std::uint64_t data_offset = 0;   // byte offset of data[0] in the (decompressed) stream
};

// Where read_idx gets its bytes: a file through zlib's gz* API, or bytes in memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; fewer only at the end of the stream. Throws on a corrupt stream.
  virtual std::size_t read(void* buf, std::size_t n) = 0;
};

class GzFile final : public ByteSource {
 public:
  explicit GzFile(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (!f_) throw NoInputError("cannot open '" + path + "'");
    gzbuffer(f_, 1 << 17);
  }
  ~GzFile() override { gzclose(f_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // zlib's message without the "path: " prefix gzerror puts in front.
  std::string zlib_message() {
    int err = 0;
    const char* msg = gzerror(f_, &err);
    std::string m = msg ? msg : "zlib error";
    const std::string prefix = path_ + ": ";
    if (m.compare(0, prefix.size(), prefix) == 0) m.erase(0, prefix.size());
    return m;
  }

  std::size_t read(void* buf, std::size_t n) override {
    std::size_t got = 0;
    auto* out = static_cast<unsigned char*>(buf);
    while (got < n) {
      const auto want = static_cast<unsigned>(std::min<std::size_t>(n - got, kChunk));
      const int r = gzread(f_, out + got, want);
      if (r < 0)
        throw DataError(path_ + ": byte " + std::to_string(offset_ + got) +
                        ": expected a valid gzip stream, found corrupt data (" + zlib_message() +
                        ")");
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    // A gzip stream cut short reads as a short stream; gzerror tells it apart.
    if (got < n) {
      int err = Z_OK;
      gzerror(f_, &err);
      if (err != Z_OK && err != Z_STREAM_END)
        throw DataError(path_ + ": byte " + std::to_string(offset_ + got) +
                        ": expected a valid gzip stream, found corrupt or truncated data (" +
                        zlib_message() + ")");
    }
    offset_ += got;
    return got;
  }

 private:
  const std::string& path_;
  gzFile f_;
  std::uint64_t offset_ = 0;
};

// Bytes in memory, inflated on the way when they are a gzip stream.
class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string_view bytes, const std::string& name) : bytes_(bytes) {
    if (data_detail::is_gzip(bytes)) gz_.emplace(bytes, name);
  }
  std::size_t read(void* buf, std::size_t n) override {
    if (gz_) return gz_->read(buf, n);
    const std::size_t k = std::min(n, bytes_.size() - pos_);
    if (k) std::memcpy(buf, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::optional<data_detail::GzipReader> gz_;
};

// Decodes an IDX file from `in`; file_size is the stored (maybe compressed) size in bytes.
IdxArray read_idx(ByteSource& in, const std::string& path, std::uint64_t file_size, bool compressed) {
  IdxArray a;
  unsigned char magic[4] = {0, 0, 0, 0};
  const std::size_t got = in.read(magic, 4);
  if (got < 4)
    throw DataError(path + ": byte " + std::to_string(got) +
                    ": expected a 4-byte IDX magic 00 00 <type> <ndims>, found the end of the " +
                    "file after " + std::to_string(got) + " bytes");
  if (magic[0] != 0 || magic[1] != 0)
    throw DataError(path + ": byte 0: expected IDX magic 00 00 <type> <ndims>, found " +
                    hex_bytes(magic, 4) + (compressed ? " (after gunzip)" : ""));
  a.type = magic[2];
  if (a.type != kTypeU8 && a.type != kTypeF32)
    throw DataError(path + ": byte 2: expected element type 0x08 (u8) or 0x0D (f32), found " +
                    type_name(a.type));
  const std::uint8_t ndims = magic[3];
  if (ndims == 0)
    throw DataError(path + ": byte 3: expected at least 1 dimension, found 0");
  std::vector<unsigned char> dim_bytes(4u * ndims);
  const std::size_t got_dims = in.read(dim_bytes.data(), dim_bytes.size());
  if (got_dims < dim_bytes.size())
    throw DataError(path + ": byte " + std::to_string(4 + got_dims) + ": expected " +
                    std::to_string(ndims) + " 4-byte dimension sizes, found the end of the file");
  const std::uint64_t elem_size = a.type == kTypeU8 ? 1 : 4;
  std::uint64_t bytes = elem_size;
  for (std::size_t d = 0; d < ndims; ++d) {
    const unsigned char* b = dim_bytes.data() + 4 * d;
    const std::uint32_t v = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                            (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]);
    if (v == 0)
      throw DataError(path + ": byte " + std::to_string(4 + 4 * d) + ": expected dimension " +
                      std::to_string(d) + " >= 1, found 0");
    a.dims.push_back(v);
    const auto next = data_detail::mul_checked(bytes, v);
    if (!next || *next > std::numeric_limits<std::size_t>::max() / 2)
      throw DataError(path + ": byte " + std::to_string(4 + 4 * d) +
                      ": expected a data size that fits in memory, found dimensions whose " +
                      "product overflows");
    bytes = *next;
  }
  a.data_offset = 4 + 4u * std::uint64_t(ndims);
  const auto expected_total = a.data_offset + bytes;
  std::string shape;
  for (std::size_t d = 0; d < a.dims.size(); ++d) {
    if (d) shape.push_back('x');
    shape.append(std::to_string(a.dims[d]));
  }
  const std::string declared = std::to_string(bytes) + " data bytes (" + shape + " x " +
                               std::to_string(elem_size) + ")";
  // Plain files: the size is known, so check it before allocating anything.
  if (!compressed && file_size < expected_total)
    throw DataError(path + ": byte " + std::to_string(file_size) + ": expected " + declared +
                    " after the " + std::to_string(a.data_offset) + "-byte header, found the " +
                    "end of the file (truncated)");
  if (!compressed && file_size > expected_total)
    throw DataError(path + ": byte " + std::to_string(expected_total) + ": expected the end " +
                    "of the file after " + declared + ", found " +
                    std::to_string(file_size - expected_total) + " trailing bytes");
  // Gzip: read in chunks; reserve no more than the compressed size could possibly expand to.
  const std::uint64_t cap = compressed ? std::min(bytes, kMaxDeflateRatio * file_size + kChunk) : bytes;
  a.data.reserve(static_cast<std::size_t>(cap));
  data_detail::advise_huge_pages(a.data.data(), a.data.capacity());  // before the first touch
  std::uint64_t have = 0;
  while (have < bytes) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, bytes - have));
    a.data.resize(static_cast<std::size_t>(have) + want);
    const std::size_t r = in.read(a.data.data() + have, want);
    have += r;
    if (r < want)
      throw DataError(path + ": byte " + std::to_string(a.data_offset + have) + ": expected " +
                      declared + " after the " + std::to_string(a.data_offset) +
                      "-byte header, found the end of the data (truncated)");
  }
  unsigned char extra[1];
  if (in.read(extra, 1) != 0)
    throw DataError(path + ": byte " + std::to_string(expected_total) +
                    ": expected the end of the data after " + declared +
                    ", found trailing bytes");
  return a;
}

IdxArray read_idx(const std::string& path) {
  const std::uint64_t file_size = data_detail::check_readable(path);
  bool compressed = false;
  {
    unsigned char m[2] = {0, 0};
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      compressed = std::fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
      std::fclose(f);
    }
  }
  GzFile in(path);
  return read_idx(in, path, file_size, compressed);
}

IdxArray read_idx_bytes(std::string_view bytes, const std::string& name) {
  MemorySource in(bytes, name);
  return read_idx(in, name, bytes.size(), data_detail::is_gzip(bytes));
}

// The big-endian float32 elements of an f32 IDX array, each checked to be finite.
std::vector<float> f32_features(const IdxArray& a, const std::string& path) {
  std::vector<float> x(a.data.size() / 4);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const std::uint8_t* b = a.data.data() + 4 * k;
    const std::uint32_t bits = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                               (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]);
    float v = 0.0f;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v))
      throw DataError(path + ": byte " + std::to_string(a.data_offset + 4 * k) +
                      ": expected a finite float, found " + data_detail::format_double(v));
    x[k] = v;
  }
  return x;
}

// The labelled dataset of two decoded files.
Dataset make_idx_dataset(IdxArray images, const std::string& images_path, const IdxArray& labels,
                         const std::string& labels_path, const IdxOptions& options) {
  if (labels.type != kTypeU8)
    throw DataError(labels_path + ": byte 2: expected label type 0x08 (u8), found " +
                    type_name(labels.type));
  if (labels.dims.size() != 1)
    throw DataError(labels_path + ": byte 3: expected a 1-D label file, found " +
                    std::to_string(labels.dims.size()) + " dimensions");
  const std::size_t N = images.dims[0];
  if (labels.dims[0] != N)
    throw DataError(labels_path + ": byte 4: expected " + std::to_string(N) + " labels (the " +
                    "image count of " + images_path + "), found " +
                    std::to_string(labels.dims[0]));
  std::size_t I = 1;
  for (std::size_t d = 1; d < images.dims.size(); ++d) I *= images.dims[d];

  std::size_t classes = options.class_names.empty() ? options.classes : options.class_names.size();
  if (!options.class_names.empty() && options.classes != 0 && options.classes != classes)
    throw UsageError("IdxOptions: classes = " + std::to_string(options.classes) + " but " +
                     std::to_string(classes) + " class names");
  const std::size_t max_label = *std::max_element(labels.data.begin(), labels.data.end());
  if (classes == 0) classes = max_label + 1;
  std::vector<std::uint32_t> y(N);
  for (std::size_t n = 0; n < N; ++n) {
    if (labels.data[n] >= classes)
      throw DataError(labels_path + ": byte " + std::to_string(labels.data_offset + n) +
                      ": expected a label < " + std::to_string(classes) + " classes, found " +
                      std::to_string(labels.data[n]));
    y[n] = labels.data[n];
  }
  std::vector<std::string> names = options.class_names;
  if (names.empty())
    for (std::size_t c = 0; c < classes; ++c) names.push_back(std::to_string(c));

  if (images.type == kTypeU8)
    return Dataset::classification(I, std::move(images.data), std::move(y), std::move(names));
  return Dataset::classification(I, f32_features(images, images_path), std::move(y), std::move(names));
}

Dataset make_idx_features(IdxArray images, const std::string& images_path) {
  std::size_t I = 1;
  for (std::size_t d = 1; d < images.dims.size(); ++d) I *= images.dims[d];
  if (images.type == kTypeU8) return Dataset::unlabelled(I, std::move(images.data));
  return Dataset::unlabelled(I, f32_features(images, images_path));
}

}  // namespace

Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 const IdxOptions& options) {
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  return make_idx_dataset(std::move(images), images_path, labels, labels_path, options);
}

Dataset load_idx_bytes(std::string_view images, const std::string& images_name, std::string_view labels,
                       const std::string& labels_name, const IdxOptions& options) {
  IdxArray img = read_idx_bytes(images, images_name);
  IdxArray lab = read_idx_bytes(labels, labels_name);
  return make_idx_dataset(std::move(img), images_name, lab, labels_name, options);
}

std::vector<std::size_t> idx_sample_dims(const std::string& images_path) {
  GzFile in(images_path);
  unsigned char head[4] = {0, 0, 0, 0};
  if (in.read(head, 4) < 4 || head[0] != 0 || head[1] != 0 || head[3] == 0) return {};
  std::vector<unsigned char> dim_bytes(4u * head[3]);
  if (in.read(dim_bytes.data(), dim_bytes.size()) < dim_bytes.size()) return {};
  std::vector<std::size_t> dims;
  for (std::size_t d = 1; d < head[3]; ++d) {  // dimension 0 counts the samples
    const unsigned char* b = dim_bytes.data() + 4 * d;
    dims.push_back((std::size_t(b[0]) << 24) | (std::size_t(b[1]) << 16) | (std::size_t(b[2]) << 8) |
                   std::size_t(b[3]));
  }
  return dims;
}

Dataset load_idx_images(const std::string& images_path) {
  return make_idx_features(read_idx(images_path), images_path);
}

Dataset load_idx_images_bytes(std::string_view bytes, const std::string& name) {
  return make_idx_features(read_idx_bytes(bytes, name), name);
}

}  // namespace bp
