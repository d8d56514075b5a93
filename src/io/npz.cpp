// model_to_npz: a zip archive (method 0, stored) of one NPY version-1.0 file per param and
// buffer. Formats: numpy.lib.format (NPY) and PKWARE's APPNOTE (zip: local headers, central
// directory, end record).
#include "backprop/io/npz.hpp"

#include <string>
#include <vector>

#include "backprop/core/error.hpp"
#include "io/byte_io.hpp"

namespace bp {

namespace {

std::string npy(const std::vector<float>& v, std::size_t rows, std::size_t cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, '\n'.
  const std::size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  io::Writer w;
  const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  w.put_bytes(magic, sizeof magic);
  w.put(static_cast<std::uint16_t>(header.size()));
  w.put_bytes(reinterpret_cast<const unsigned char*>(header.data()), header.size());
  w.put_bytes(reinterpret_cast<const unsigned char*>(v.data()), v.size() * sizeof(float));
  return {w.out.begin(), w.out.end()};
}

struct Entry {
  std::string name;
  std::uint32_t crc, size, offset;
};

// The fields a local header and a central directory entry share, from "version needed" on.
void common_fields(io::Writer& w, const Entry& e) {
  w.put(std::uint16_t{20});      // version needed: 2.0
  w.put(std::uint16_t{0});       // flags
  w.put(std::uint16_t{0});       // method: stored
  w.put(std::uint16_t{0});       // time 00:00
  w.put(std::uint16_t{0x21});    // date 1980-01-01
  w.put(e.crc);
  w.put(e.size);                 // compressed size
  w.put(e.size);                 // uncompressed size
  w.put(static_cast<std::uint16_t>(e.name.size()));
  w.put(std::uint16_t{0});       // extra field length
}

std::uint32_t u32(std::size_t n, const std::string& what) {
  if (n > 0xffffffffu) throw UsageError(what + " is " + std::to_string(n) + " bytes; .npz without zip64 holds at most 4 GiB");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

template <class T>
std::string model_to_npz(const Network<T>& net) {
  io::Writer zip;
  std::vector<Entry> entries;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    auto& layer = const_cast<Layer<T>&>(net.layer(l));  // params() and buffers() read only
    auto all = layer.params();
    for (auto* b : layer.buffers()) all.push_back(b);
    for (const auto* p : all) {
      const std::vector<float> v(p->value.data(), p->value.data() + p->value.size());
      const std::string data = npy(v, p->value.rows(), p->value.cols());
      const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
      Entry e{p->name() + ".npy", io::crc32_of(bytes, data.size()), u32(data.size(), p->name()),
              u32(zip.out.size(), "the archive")};
      zip.put(std::uint32_t{0x04034b50});
      common_fields(zip, e);
      zip.put_bytes(reinterpret_cast<const unsigned char*>(e.name.data()), e.name.size());
      zip.put_bytes(bytes, data.size());
      entries.push_back(std::move(e));
    }
  }
  const std::uint32_t dir_start = u32(zip.out.size(), "the archive");
  for (const Entry& e : entries) {
    zip.put(std::uint32_t{0x02014b50});
    zip.put(std::uint16_t{20});  // version made by
    common_fields(zip, e);
    zip.put(std::uint16_t{0});   // comment length
    zip.put(std::uint16_t{0});   // disk number
    zip.put(std::uint16_t{0});   // internal attributes
    zip.put(std::uint32_t{0});   // external attributes
    zip.put(e.offset);
    zip.put_bytes(reinterpret_cast<const unsigned char*>(e.name.data()), e.name.size());
  }
  const std::uint32_t dir_size = u32(zip.out.size() - dir_start, "the archive");
  zip.put(std::uint32_t{0x06054b50});
  zip.put(std::uint16_t{0});  // this disk
  zip.put(std::uint16_t{0});  // the directory's disk
  zip.put(static_cast<std::uint16_t>(entries.size()));
  zip.put(static_cast<std::uint16_t>(entries.size()));
  zip.put(dir_size);
  zip.put(dir_start);
  zip.put(std::uint16_t{0});  // comment length
  return {zip.out.begin(), zip.out.end()};
}

template std::string model_to_npz(const Network<float>&);
template std::string model_to_npz(const Network<double>&);

}  // namespace bp
