// Checkpoint reader and writer. Layout (little-endian), see docs/file-formats.md:
//   "BPCKPT\0\0" | u32 version | u32 scalar bytes (4 or 8) | u64 body size | body | u32 crc32
// (the frame, checked by io::check_frame in file_frame.hpp; versions 2 and 3 = version 1's layout
// with an embedded model of version 2 or later, 3 or later)
// body: u64 M | M bytes: a complete model file (BPMODEL, its own CRC) |
//       2 x fingerprint (u64 samples, u64 features, u64 targets, u32 crc): train, validation |
//       state: u64 epoch, u64 batch, u64 steps, f64 loss_sum, u64 correct, u64 seen, f64 seconds,
//              u64 H, H x (u64 epoch, f64 lr, loss, accuracy, val_loss, val_accuracy, seconds,
//              u64 samples), f64 best, u64 since_best, u64 best_epoch,
//              u32 W (0 or one per Param), W x (u64 rows, u64 cols, rows*cols scalars) |
//       u64 K, K x f64 optimizer record | u64 X, X x f64 extra
#include "backprop/io/checkpoint.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "backprop/io/atomic_file.hpp"
#include "backprop/core/error.hpp"
#include "io/byte_io.hpp"
#include "io/file_frame.hpp"

namespace bp {

namespace {

using io::Reader;
using io::Writer;
constexpr char kMagic[8] = {'B', 'P', 'C', 'K', 'P', 'T', '\0', '\0'};
constexpr io::FrameKind kCheckpointFrame = {
    kMagic, "BPCKPT\\0\\0", "backprop checkpoint", kCheckpointFormatVersion, "BPMODEL",
    "found a model file (BPMODEL): resume needs the --checkpoint file"};
constexpr std::size_t kEpochStatsBytes = 8 * 8;

void put_fingerprint(Writer& w, const DataFingerprint& f) {
  w.put(f.samples);
  w.put(f.features);
  w.put(f.targets);
  w.put(f.crc);
}

DataFingerprint get_fingerprint(Reader& r) {
  DataFingerprint f;
  f.samples = r.get<std::uint64_t>("data fingerprint");
  f.features = r.get<std::uint64_t>("data fingerprint");
  f.targets = r.get<std::uint64_t>("data fingerprint");
  f.crc = r.get<std::uint32_t>("data fingerprint");
  return f;
}

template <class T>
bool weights_finite(const Network<T>& net) {
  for (const Param<T>* p : net.params())
    for (T v : p->value)
      if (!std::isfinite(v)) return false;
  return true;
}

// A count read from the file that must fit in what is left when each item takes `item_bytes`.
std::size_t get_count(Reader& r, std::size_t item_bytes, const char* what) {
  const std::size_t at = r.pos();
  const auto n = r.get<std::uint64_t>(what);
  if (n > r.left() / item_bytes)
    r.fail(std::string(what) + " " + std::to_string(n) + " needs " + std::to_string(item_bytes) +
               " bytes each, but only " + std::to_string(r.left()) + " bytes are left",
           at);
  return static_cast<std::size_t>(n);
}

}  // namespace

std::string DataFingerprint::describe() const {
  char crc_hex[16];
  std::snprintf(crc_hex, sizeof crc_hex, "0x%08x", crc);
  return std::to_string(samples) + " samples x " + std::to_string(features) + " features, " +
         std::to_string(targets) + " classes/targets, CRC-32 " + crc_hex;
}

DataFingerprint fingerprint(const Dataset& d) {
  DataFingerprint f;
  if (d.empty()) return f;
  f.samples = d.size();
  f.features = d.features();
  f.targets = d.target_width();
  auto add = [&f](const void* p, std::size_t n) {
    f.crc = io::crc32_of(static_cast<const unsigned char*>(p), n, f.crc);
  };
  const unsigned char kind = d.feature_type() == FeatureType::kU8 ? 1 : 2;
  add(&kind, 1);
  add(d.features_u8().data(), d.features_u8().size());
  add(d.features_f32().data(), d.features_f32().size_bytes());
  add(d.labels().data(), d.labels().size_bytes());
  add(d.targets().data(), d.targets().size_bytes());
  for (const auto& c : d.class_names()) add(c.c_str(), c.size() + 1);
  return f;
}

bool is_checkpoint(const std::string& bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kMagic, 8) == 0;
}

template <class T>
std::vector<unsigned char> checkpoint_to_bytes(const Network<T>& net, const ModelInfo& info,
                                               const TrainState<T>& st,
                                               std::span<const double> optimizer_state,
                                               std::span<const double> extra,
                                               const DataFingerprint& train_data,
                                               const DataFingerprint& validation_data) {
  if (!weights_finite(net))
    throw DivergenceError("checkpoint: the weights are not finite; the previous checkpoint is kept");
  const std::vector<unsigned char> model = model_to_bytes(net, info);
  Writer b;
  b.put(static_cast<std::uint64_t>(model.size()));
  b.put_bytes(model.data(), model.size());
  put_fingerprint(b, train_data);
  put_fingerprint(b, validation_data);
  b.put(static_cast<std::uint64_t>(st.epoch));
  b.put(static_cast<std::uint64_t>(st.batch));
  b.put(static_cast<std::uint64_t>(st.steps));
  b.put(st.loss_sum);
  b.put(static_cast<std::uint64_t>(st.correct));
  b.put(static_cast<std::uint64_t>(st.seen));
  b.put(st.seconds);
  b.put(static_cast<std::uint64_t>(st.history.size()));
  for (const EpochStats& e : st.history) {
    b.put(static_cast<std::uint64_t>(e.epoch));
    for (double v : {e.lr, e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.seconds}) b.put(v);
    b.put(static_cast<std::uint64_t>(e.samples));
  }
  b.put(st.best);
  b.put(static_cast<std::uint64_t>(st.since_best));
  b.put(static_cast<std::uint64_t>(st.best_epoch));
  b.put(static_cast<std::uint32_t>(st.best_weights.size()));
  for (const Matrix<T>& m : st.best_weights) {
    b.put(static_cast<std::uint64_t>(m.rows()));
    b.put(static_cast<std::uint64_t>(m.cols()));
    for (T v : m) b.put(v);
  }
  b.put(static_cast<std::uint64_t>(optimizer_state.size()));
  for (double v : optimizer_state) b.put(v);
  b.put(static_cast<std::uint64_t>(extra.size()));
  for (double v : extra) b.put(v);

  Writer file;
  file.put_bytes(reinterpret_cast<const unsigned char*>(kMagic), 8);
  file.put(kCheckpointFormatVersion);
  file.put(static_cast<std::uint32_t>(sizeof(T)));
  file.put(static_cast<std::uint64_t>(b.out.size()));
  file.put_bytes(b.out.data(), b.out.size());
  file.put(io::crc32_of(file.out.data(), file.out.size()));
  return std::move(file.out);
}

int checkpoint_scalar_size(const std::string& bytes, const std::string& name) {
  return static_cast<int>(io::check_frame(bytes, name, kCheckpointFrame).scalar);
}

template <class T>
Checkpoint<T> checkpoint_from_bytes(const std::string& bytes, const std::string& name) {
  const io::Frame f = io::check_frame(bytes, name, kCheckpointFrame);
  const std::uint32_t scalar = f.scalar;
  if (scalar != sizeof(T))  // the CRC-32 matched: the scalar size is what the writer wrote
    throw DataError(name + ": byte 12: scalar size " + std::to_string(scalar) + "; this run trains in " +
                    (sizeof(T) == 4 ? "float (4)" : "double (8)") + ": resume with --precision " +
                    (scalar == 4 ? "float" : "double"));
  const std::size_t body_end = f.body_end;
  // Versions 1 to 3 have the same layout; 2 and 3 embed a model file of version 2, 3 or later.
  Reader b(bytes, f.body_begin, body_end, name);
  Checkpoint<T> ck;
  std::size_t at = b.pos();
  const std::size_t model_size = get_count(b, 1, "embedded model size");
  const std::size_t model_at = b.pos();
  try {
    ck.model = model_from_bytes<T>(b.get_bytes(model_size, "embedded model"), name + " (embedded model)");
  } catch (const DataError& e) {
    b.fail(std::string("the embedded model file starting here is invalid: ") + e.what(), model_at);
  }
  ck.train_data = get_fingerprint(b);
  ck.validation_data = get_fingerprint(b);
  auto& st = ck.state;
  at = b.pos();
  st.epoch = static_cast<std::size_t>(b.get<std::uint64_t>("epoch"));
  st.batch = static_cast<std::size_t>(b.get<std::uint64_t>("batch"));
  st.steps = static_cast<std::size_t>(b.get<std::uint64_t>("batches per epoch"));
  if (st.epoch == 0 || st.steps == 0 || st.batch > st.steps)
    b.fail("position epoch " + std::to_string(st.epoch) + ", batch " + std::to_string(st.batch) + " of " +
               std::to_string(st.steps) + "; expected epoch >= 1 and batch <= batches per epoch >= 1",
           at);
  st.loss_sum = b.get<double>("loss sum");
  st.correct = static_cast<std::size_t>(b.get<std::uint64_t>("correct count"));
  st.seen = static_cast<std::size_t>(b.get<std::uint64_t>("seen count"));
  st.seconds = b.get<double>("seconds");
  const std::size_t H = get_count(b, kEpochStatsBytes, "epoch history length");
  st.history.resize(H);
  for (EpochStats& e : st.history) {
    e.epoch = static_cast<std::size_t>(b.get<std::uint64_t>("epoch statistics"));
    for (double* v : {&e.lr, &e.loss, &e.accuracy, &e.val_loss, &e.val_accuracy, &e.seconds})
      *v = b.get<double>("epoch statistics");
    e.samples = static_cast<std::size_t>(b.get<std::uint64_t>("epoch statistics"));
  }
  st.best = b.get<double>("early-stopping best");
  st.since_best = static_cast<std::size_t>(b.get<std::uint64_t>("early-stopping count"));
  st.best_epoch = static_cast<std::size_t>(b.get<std::uint64_t>("early-stopping epoch"));
  at = b.pos();
  const auto W = b.get<std::uint32_t>("early-stopping weight count");
  const std::vector<const Param<T>*> params = std::as_const(ck.model.net).params();
  const std::size_t P = params.size();
  if (W != 0 && W != P)
    b.fail("early-stopping weights: " + std::to_string(W) + " tensors, expected 0 or " +
               std::to_string(P) + " (one per parameter tensor of the network)",
           at);
  for (std::uint32_t k = 0; k < W; ++k) {
    at = b.pos();
    const auto rows = b.get<std::uint64_t>("tensor rows");
    const auto cols = b.get<std::uint64_t>("tensor columns");
    const Matrix<T>& like = params[k]->value;
    if (rows != like.rows() || cols != like.cols())
      b.fail("early-stopping tensor " + std::to_string(k + 1) + " is " + std::to_string(rows) + "x" +
                 std::to_string(cols) + ", expected " + std::to_string(like.rows()) + "x" +
                 std::to_string(like.cols()),
             at);
    b.need(like.size() * scalar, "early-stopping weights");
    Matrix<T> m(like.rows(), like.cols());
    for (T& v : m) v = b.get<T>("early-stopping weights");
    st.best_weights.push_back(std::move(m));
  }
  at = b.pos();
  const std::size_t K = get_count(b, 8, "optimizer record length");
  ck.optimizer.resize(K);
  for (double& v : ck.optimizer) v = b.get<double>("optimizer record");
  // The optimizer's record names its parameter sizes (code, version, lr, initialized, P, sizes...):
  // they must be the network's, checked here so that loading it never allocates by a bad count.
  if (K >= 4 && ck.optimizer[3] != 0) {
    bool fits = K >= 5 + P && ck.optimizer[4] == double(P);
    for (std::size_t k = 0; fits && k < P; ++k) fits = ck.optimizer[5 + k] == double(params[k]->size());
    if (!fits) b.fail("the optimizer record's parameter sizes do not match the network", at);
  }
  const std::size_t X = get_count(b, 8, "extra state length");
  ck.extra.resize(X);
  for (double& v : ck.extra) v = b.get<double>("extra state");
  if (b.left() != 0) b.fail(std::to_string(b.left()) + " unexpected bytes after the checkpoint state", b.pos());
  return ck;
}

template <class T>
void save_checkpoint(const std::string& path, const Network<T>& net, const ModelInfo& info,
                     const TrainState<T>& state, std::span<const double> optimizer_state,
                     std::span<const double> extra, const DataFingerprint& train_data,
                     const DataFingerprint& validation_data) {
  write_file_atomically(path, checkpoint_to_bytes(net, info, state, optimizer_state, extra, train_data,
                                                  validation_data));
}

template <class T>
Checkpoint<T> load_checkpoint(const std::string& path) {
  return checkpoint_from_bytes<T>(read_file(path), path);
}

std::size_t remove_stale_temporaries(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  std::size_t removed = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.compare(0, prefix.size(), prefix) != 0) continue;
    // "<pid>.<n>": remove only when that process is gone (a live one may be writing it now).
    const std::string rest = n.substr(prefix.size());
    const auto dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos) continue;
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    if (end != rest.c_str() + dot || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (::unlink((dir + "/" + n).c_str()) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

#define BP_INSTANTIATE(T)                                                                          \
  template std::vector<unsigned char> checkpoint_to_bytes<T>(                                      \
      const Network<T>&, const ModelInfo&, const TrainState<T>&, std::span<const double>,          \
      std::span<const double>, const DataFingerprint&, const DataFingerprint&);                    \
  template Checkpoint<T> checkpoint_from_bytes<T>(const std::string&, const std::string&);         \
  template void save_checkpoint<T>(const std::string&, const Network<T>&, const ModelInfo&,        \
                                   const TrainState<T>&, std::span<const double>,                  \
                                   std::span<const double>, const DataFingerprint&,                \
                                   const DataFingerprint&);                                        \
  template Checkpoint<T> load_checkpoint<T>(const std::string&);
BP_INSTANTIATE(float)
BP_INSTANTIATE(double)
#undef BP_INSTANTIATE

}  // namespace bp
