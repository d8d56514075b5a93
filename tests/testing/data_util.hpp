// Helpers for the data-loader tests: a per-test temporary directory, byte builders for IDX and
// NPY files, and EXPECT_*_ERROR checks on the exception type and message parts.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/core/error.hpp"

namespace bp::testing {

using Bytes = std::vector<std::uint8_t>;

/// A fresh directory under GoogleTest's temp dir, removed with its files at scope exit.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bp_data_" + std::string(info->test_suite_name()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, std::string_view text) const {
    std::ofstream f(path(name), std::ios::binary);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    return path(name);
  }
  std::string write(const std::string& name, const Bytes& bytes) const {
    return write(name, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  std::string write_gz(const std::string& name, const Bytes& bytes) const {
    gzFile f = gzopen(path(name).c_str(), "wb");
    if (!bytes.empty()) gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return path(name);
  }

 private:
  std::filesystem::path dir_;
};

inline Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// IDX file bytes: 00 00 type ndims, big-endian dims, then payload as given.
inline Bytes idx_bytes(std::uint8_t type, std::vector<std::uint32_t> dims, const Bytes& payload) {
  Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(d >> s));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

/// NPY file bytes with the given header dict text (padded to 64 like NumPy) and payload.
inline Bytes npy_bytes(const std::string& dict, const Bytes& payload, int major = 1) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  // Built with push_back only: g++ 12 warns falsely (-Wstringop-overflow) on insert() here.
  Bytes b;
  b.reserve(prefix + header.size() + payload.size());
  for (const char c : std::string_view("\x93NUMPY")) b.push_back(static_cast<std::uint8_t>(c));
  b.push_back(static_cast<std::uint8_t>(major));
  b.push_back(0);
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  for (std::size_t k = 0; k < len_bytes; ++k)
    b.push_back(static_cast<std::uint8_t>(header.size() >> (8 * k)));
  for (const char c : header) b.push_back(static_cast<std::uint8_t>(c));
  for (const std::uint8_t v : payload) b.push_back(v);
  return b;
}

/// Little-endian bytes of each value.
template <class T>
Bytes le_bytes(std::initializer_list<T> values) {
  Bytes b;
  b.reserve(values.size() * sizeof(T));
  for (const T v : values) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    for (const unsigned char c : raw) b.push_back(c);
  }
  return b;
}

/// Runs f; expects an exception of type E whose message contains every part.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string_view> parts, const char* file,
                  int line) {
  try {
    f();
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const auto part : parts)
      if (msg.find(part) == std::string::npos)
        ADD_FAILURE_AT(file, line) << "message lacks \"" << part << "\": " << msg;
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE_AT(file, line) << "wrong exception type; message: " << e.what();
    return;
  }
  ADD_FAILURE_AT(file, line) << "no exception thrown";
}

}  // namespace bp::testing

#define EXPECT_DATA_ERROR(stmt, ...) \
  ::bp::testing::expect_error<::bp::DataError>([&] { (void)(stmt); }, {__VA_ARGS__}, __FILE__, __LINE__)
#define EXPECT_NO_INPUT_ERROR(stmt, ...)                                                       \
  ::bp::testing::expect_error<::bp::NoInputError>([&] { (void)(stmt); }, {__VA_ARGS__}, __FILE__, \
                                                  __LINE__)
#define EXPECT_USAGE_ERROR(stmt, ...) \
  ::bp::testing::expect_error<::bp::UsageError>([&] { (void)(stmt); }, {__VA_ARGS__}, __FILE__, __LINE__)
