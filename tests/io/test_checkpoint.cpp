// Checkpoints: the file round trip, malformed files, and the promise that matters -- a run resumed
// from any checkpoint ends with exactly the weights of the run that was never interrupted.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <utility>

#include <unistd.h>

#include "backprop/backprop.hpp"
#include "backprop/optim/options.hpp"
#include "io/byte_io.hpp"
#include "nn/dense_at.hpp"

namespace bp {
namespace {

// Three Gaussian blobs in 2-D, 60 points each.
Dataset blobs(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 0.7);
  const double cx[] = {-2, 2, 0}, cy[] = {0, 0, 2.5};
  std::vector<float> f;
  std::vector<std::uint32_t> labels;
  for (std::uint32_t c = 0; c < 3; ++c)
    for (int k = 0; k < 60; ++k) {
      f.push_back(static_cast<float>(cx[c] + g(rng)));
      f.push_back(static_cast<float>(cy[c] + g(rng)));
      labels.push_back(c);
    }
  return Dataset::classification(2, std::move(f), std::move(labels), {"a", "b", "c"});
}

template <class T>
Network<T> make_net(double dropout) {
  Network<T> net({{.in = 2, .out = 12, .activation = Activation::kRelu, .dropout = dropout},
                  {.in = 12, .out = 8, .activation = Activation::kTanh},
                  {.in = 8, .out = 3, .activation = Activation::kSoftmax}},
                 Loss::kSoftmaxCrossEntropy);
  init_network(net, InitOptions{.kind = InitKind::kHeUniform}, 21);
  return net;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_opt(const std::string& name) {
  OptimizerOptions o;
  o.name = name;
  o.lr = name == "sgd" ? 0.05 : 0.01;
  o.momentum = name == "sgd" ? 0.9 : 0.0;
  return make_optimizer<T>(o);
}

// A checkpoint kept in memory: the bytes the CLI would write, parsed back before use.
template <class T>
struct Saved {
  std::vector<unsigned char> bytes;
};

struct Case {
  const char* optimizer;
  double dropout;
  bool early_stopping;
  bool in_steps;
};

template <class T>
void resume_from_every_checkpoint_is_bit_identical(const Case& c) {
  const Dataset all = blobs(4);
  const auto split = all.split(0.25, 3);
  Scaler scaler(ScalerKind::kStandard);
  scaler.fit(split.train);
  TrainOptions to;
  to.epochs = 6;
  to.batch_size = 16;  // 135 samples: 9 batches, the last one short
  to.seed = 77;
  to.checkpoint_every = c.in_steps ? 4 : 1;
  to.checkpoint_in_steps = c.in_steps;
  if (c.early_stopping) {
    to.early_stopping = "val_loss";
    to.patience = 100;  // never stops, but keeps best weights in the state
  }
  ModelInfo info;
  info.preprocessing = to_preprocessing(scaler);
  info.class_names = all.class_names();
  const DataFingerprint fp = fingerprint(split.train), vfp = fingerprint(split.validation);

  // The uninterrupted run, saving every checkpoint it makes.
  Network<T> net = make_net<T>(c.dropout);
  auto opt = make_opt<T>(c.optimizer);
  std::vector<std::vector<unsigned char>> saved;
  TrainCallbacks<T> cb;
  cb.checkpoint = [&](const TrainState<T>& st, const Optimizer<T>& o) {
    std::vector<double> os;
    o.save_state(os);
    saved.push_back(checkpoint_to_bytes(net, info, st, os, {}, fp, vfp));
  };
  const TrainResult full = train(net, *opt, split.train, &split.validation, scaler, to, cb);
  ASSERT_GE(saved.size(), 5u);

  for (std::size_t k = 0; k < saved.size(); ++k) {
    const std::string bytes(saved[k].begin(), saved[k].end());
    Checkpoint<T> ck = checkpoint_from_bytes<T>(bytes, "ck");
    EXPECT_EQ(ck.train_data, fp);
    EXPECT_EQ(ck.validation_data, vfp);
    Network<T> net2 = make_net<T>(c.dropout);  // fresh initial weights, then the checkpoint's
    const auto saved_params = std::as_const(ck.model.net).params();
    for (std::size_t p = 0; p < net2.params().size(); ++p)
      net2.params()[p]->assign(saved_params[p]->value);
    auto opt2 = make_opt<T>(c.optimizer);
    opt2->load_state(ck.optimizer);
    const TrainResult r = train(net2, *opt2, split.train, &split.validation, scaler, to, {}, &ck.state);
    for (std::size_t p = 0; p < net.params().size(); ++p)
      ASSERT_EQ(net2.params()[p]->value, net.params()[p]->value)
          << c.optimizer << ": resumed from checkpoint " << k << " (epoch " << ck.state.epoch << ", batch "
          << ck.state.batch << "), " << net.params()[p]->name();
    ASSERT_EQ(r.epochs.size(), full.epochs.size());
    for (std::size_t e = 0; e < r.epochs.size(); ++e) {
      EXPECT_EQ(r.epochs[e].loss, full.epochs[e].loss) << "checkpoint " << k << ", epoch " << e + 1;
      EXPECT_EQ(r.epochs[e].val_loss, full.epochs[e].val_loss) << "checkpoint " << k << ", epoch " << e + 1;
    }
    EXPECT_EQ(r.best_epoch, full.best_epoch);
  }
}

TEST(Checkpoint, ResumeFromEveryEpochIsBitIdenticalSgdMomentumDropout) {
  resume_from_every_checkpoint_is_bit_identical<float>({"sgd", 0.3, false, false});
}
TEST(Checkpoint, ResumeMidEpochIsBitIdenticalAdamDropoutEarlyStopping) {
  resume_from_every_checkpoint_is_bit_identical<float>({"adam", 0.2, true, true});
}
TEST(Checkpoint, ResumeMidEpochIsBitIdenticalInDouble) {
  resume_from_every_checkpoint_is_bit_identical<double>({"rmsprop", 0.0, true, true});
}

std::vector<unsigned char> sample_bytes() {
  Network<float> net = make_net<float>(0.0);
  TrainState<float> st;
  st.epoch = 3;
  st.batch = 2;
  st.steps = 9;
  st.loss_sum = 1.25;
  st.history.resize(2);
  st.history[1].epoch = 2;
  st.history[1].loss = 0.5;
  st.best = 0.75;
  st.best_epoch = 2;
  for (const Param<float>* p : net.params()) st.best_weights.push_back(p->value);
  const std::vector<double> extra{1, 2, 3, 4, 5};
  return checkpoint_to_bytes<float>(net, ModelInfo{}, st, {}, extra, DataFingerprint{1, 2, 3, 4},
                                    DataFingerprint{});
}

TEST(Checkpoint, RoundTripKeepsEveryField) {
  const auto v = sample_bytes();
  const Checkpoint<float> ck = checkpoint_from_bytes<float>(std::string(v.begin(), v.end()), "x");
  EXPECT_EQ(ck.state.epoch, 3u);
  EXPECT_EQ(ck.state.batch, 2u);
  EXPECT_EQ(ck.state.steps, 9u);
  EXPECT_EQ(ck.state.loss_sum, 1.25);
  ASSERT_EQ(ck.state.history.size(), 2u);
  EXPECT_EQ(ck.state.history[1].loss, 0.5);
  EXPECT_EQ(ck.state.best, 0.75);
  EXPECT_EQ(ck.state.best_weights.size(), 6u);
  EXPECT_EQ(ck.extra, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_EQ(ck.train_data, (DataFingerprint{1, 2, 3, 4}));
  const Network<float> net = make_net<float>(0.0);
  EXPECT_EQ(dense_at(ck.model.net, 2).weights().value, dense_at(net, 2).weights().value);
}

void expect_data_error(const std::string& bytes, const std::string& pattern) {
  try {
    checkpoint_from_bytes<float>(bytes, "ck.bpc");
    ADD_FAILURE() << "expected a DataError matching " << pattern;
  } catch (const DataError& e) {
    EXPECT_TRUE(std::regex_search(e.what(), std::regex(pattern))) << e.what() << "\n  does not match " << pattern;
  }
}

void put_u32(std::string& s, std::size_t at, std::uint32_t v) { std::memcpy(s.data() + at, &v, 4); }

// Rewrites the trailing CRC-32 so that a deliberate edit is judged on its own merits.
std::string with_crc(std::string s) {
  put_u32(s, s.size() - 4, io::crc32_of(reinterpret_cast<const unsigned char*>(s.data()), s.size() - 4));
  return s;
}

TEST(Checkpoint, MalformedFilesNameTheProblemAndTheOffset) {
  const auto v = sample_bytes();
  const std::string good(v.begin(), v.end());
  expect_data_error("", "^ck\\.bpc: byte 0: not a backprop checkpoint");
  expect_data_error(std::string("\x1f\x8b\x08\0\0\0\0\0", 8), "found a gzip stream");
  expect_data_error(std::string("BPMODEL\0xxxxxxxx", 16), "found a model file");
  expect_data_error(std::string("BPMODEL\0xxxxxxxx", 16), "resume needs the --checkpoint file");
  std::string s = good;
  put_u32(s, 8, kCheckpointFormatVersion + 1);
  // Only a version the checksum vouches for gets "upgrade"; a damaged byte is corruption.
  expect_data_error(s, "checksum mismatch: stored [0-9]+, computed [0-9]+; the file is corrupt");
  expect_data_error(with_crc(s), "byte 8: format version 4 is newer than this backprop reads \\(3\\); upgrade");
  s = good;
  put_u32(s, 12, 8);
  expect_data_error(s, "checksum mismatch");
  expect_data_error(with_crc(s), "byte 12: scalar size 8; this run trains in float \\(4\\): resume with --precision double");
  EXPECT_THROW(checkpoint_scalar_size(s, "ck.bpc"), DataError);
  EXPECT_EQ(checkpoint_scalar_size(with_crc(s), "ck.bpc"), 8);
  EXPECT_EQ(checkpoint_scalar_size(good, "ck.bpc"), 4);
  const std::string n = std::to_string(good.size());
  expect_data_error(good.substr(0, good.size() - 1),
                    "byte 16: truncated or corrupt: expected " + n + " bytes .*found " + std::to_string(good.size() - 1));
  expect_data_error(good + "x", "byte " + n + ": expected the end of the file after " + n + " bytes, found 1 trailing bytes");
  s = good;
  s[good.size() / 2] ^= 0x40;
  expect_data_error(s, "checksum mismatch");
}

TEST(Checkpoint, NonFiniteWeightsAreNeverWritten) {
  Network<float> net = make_net<float>(0.0);
  dense_at(net, 1).weights().value[3] = NAN;
  TrainState<float> state;
  state.steps = 1;
  EXPECT_THROW(checkpoint_to_bytes<float>(net, ModelInfo{}, state, {}, {}, {}, {}), DivergenceError);
}

TEST(Checkpoint, FingerprintSeesOneChangedByte) {
  const Dataset a = blobs(4);
  std::vector<float> f(a.features_f32().begin(), a.features_f32().end());
  f[17] = std::nextafter(f[17], 1e9f);
  const Dataset b = Dataset::classification(2, f, std::vector<std::uint32_t>(a.labels().begin(), a.labels().end()),
                                            a.class_names());
  EXPECT_EQ(fingerprint(a), fingerprint(blobs(4)));
  EXPECT_NE(fingerprint(a), fingerprint(b));
  EXPECT_EQ(fingerprint(a).samples, 180u);
  EXPECT_EQ(fingerprint(Dataset{}), DataFingerprint{});
}

TEST(Checkpoint, StaleTemporariesOfDeadProcessesAreRemoved) {
  const auto dir = std::filesystem::temp_directory_path() / ("bp-stale-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "run.bpc").string();
  // pid 2^22+1 is above Linux's pid_max limit (4194304), so no process has it.
  const std::string dead = path + ".tmp.4194305.123", alive = path + ".tmp." + std::to_string(::getpid()) + ".5";
  const std::string other = (dir / "other.bpc.tmp.4194305.1").string();
  for (const auto& p : {dead, alive, other}) std::ofstream(p) << "partial";
  EXPECT_EQ(remove_stale_temporaries(path), 1u);
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(alive));  // a live process may still be writing it
  EXPECT_TRUE(std::filesystem::exists(other));  // another file's temporaries are not ours
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bp
