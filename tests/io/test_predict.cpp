// Network::predict: the const inference API. Same values as forward, the loss of a prediction,
// and the thread-safety guarantee of network.hpp: many threads predicting at once on one shared
// const network give bit-identical results to a single-threaded run.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "backprop/backprop.hpp"

namespace bp {
namespace {

template <class T>
Network<T> make_net(std::size_t in, Activation hidden, Activation out_act, Loss loss) {
  Network<T> net({{.in = in, .out = 65, .activation = hidden},
                  {.in = 65, .out = 33, .activation = hidden},
                  {.in = 33, .out = 10, .activation = out_act}},
                 loss);
  InitOptions init;
  init.kind = InitKind::kHeUniform;
  init_network(net, init, 3);
  return net;
}

template <class T>
Matrix<T> random_rows(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Matrix<T> m(rows, cols);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& v : m) v = static_cast<T>(u(rng));
  return m;
}

template <class T>
Matrix<T> row_of(const Matrix<T>& m, std::size_t r) {
  Matrix<T> one(1, m.cols());
  std::copy(m.row(r).begin(), m.row(r).end(), one.begin());
  return one;
}

bool same_bits(const Matrix<float>& a, const Matrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Predict, EqualsForwardInDoubleExactly) {
  Network<double> net = make_net<double>(37, Activation::kTanh, Activation::kSoftmax,
                                         Loss::kSoftmaxCrossEntropy);
  const Matrix<double> x = random_rows<double>(5, 37, 1);
  const Matrix<double> want = net.forward(x);
  InferenceScratch<double> s;
  Matrix<double> out;
  net.predict(x, out, s);
  EXPECT_EQ(out, want);
  EXPECT_EQ(net.predict(x), want);  // the allocating form
  for (std::size_t n = 0; n < x.rows(); ++n) {
    const Matrix<double> x1 = row_of(x, n);
    net.predict(x1, out, s);  // batch 1 after batch 5: the scratch resizes
    EXPECT_EQ(out, net.forward(x1)) << "row " << n;
  }
}

TEST(Predict, EqualsForwardInFloatUpToRounding) {
  // Batch 1 in float runs the FMA matrix-vector kernels (predict) where forward may run the
  // in-order loop: sums of up to 257 products of values below ~2 in magnitude, through tanh
  // (slope <= 1) and softmax; 1e-5 absolute on probabilities is ~80 float ulps of 1.
  Network<float> net = make_net<float>(257, Activation::kTanh, Activation::kSoftmax,
                                       Loss::kSoftmaxCrossEntropy);
  const Matrix<float> x = random_rows<float>(4, 257, 2);
  const Matrix<float> batch = net.forward(x);
  InferenceScratch<float> s;
  Matrix<float> out;
  net.predict(x, out, s);
  EXPECT_TRUE(same_bits(out, batch));  // batch > 1: the same kernels as forward
  for (std::size_t n = 0; n < x.rows(); ++n) {
    net.predict(row_of(x, n), out, s);
    for (std::size_t o = 0; o < 10; ++o) EXPECT_NEAR(out(0, o), batch(n, o), 1e-5f) << n << "," << o;
  }
}

TEST(Predict, LossOfAPredictionEqualsLossValueAfterForward) {
  for (Loss loss : kAllLosses) {
    const Activation out_act = loss == Loss::kBinaryCrossEntropy ? Activation::kSigmoid
                               : loss == Loss::kSoftmaxCrossEntropy ? Activation::kSoftmax
                                                                    : Activation::kIdentity;
    Network<double> net = make_net<double>(7, Activation::kRelu, out_act, loss);
    const Matrix<double> x = random_rows<double>(6, 7, 3), t = random_rows<double>(6, 10, 4);
    net.forward(x);
    const double want = net.loss_value(t);
    InferenceScratch<double> s;
    Matrix<double> out;
    net.predict(x, out, s);
    EXPECT_EQ(net.loss_value(t, out, s), want) << loss_name(loss);
  }
}

TEST(Predict, ThrowsLikeForward) {
  const Network<float> empty;
  InferenceScratch<float> s;
  Matrix<float> out;
  EXPECT_THROW(empty.predict(Matrix<float>(1, 3), out, s), UsageError);
  const Network<float> net = make_net<float>(5, Activation::kRelu, Activation::kIdentity, Loss::kMse);
  EXPECT_THROW(net.predict(Matrix<float>(1, 4), out, s), UsageError);
}

// The guarantee of network.hpp: 8 threads predict at once on one shared const network, each
// with its own scratch and output, many times over a mix of batch sizes (1: the matrix-vector
// kernels; 3 and 40: the dense kernels and sgemm); every result must be bit-identical to the
// single-threaded one. CI also runs it under ASan and UBSan.
TEST(Predict, EightThreadsOnOneSharedNetworkGiveBitIdenticalResults) {
  const Network<float> net = make_net<float>(784, Activation::kRelu, Activation::kSoftmax,
                                             Loss::kSoftmaxCrossEntropy);
  std::vector<Matrix<float>> inputs;
  for (std::size_t k = 0; k < 6; ++k) inputs.push_back(random_rows<float>(1, 784, 10 + k));
  inputs.push_back(random_rows<float>(3, 784, 20));
  inputs.push_back(random_rows<float>(40, 784, 21));
  std::vector<Matrix<float>> want;
  {
    InferenceScratch<float> s;
    for (const auto& x : inputs) {
      Matrix<float> out;
      net.predict(x, out, s);
      want.push_back(out);
    }
  }
  constexpr std::size_t kThreads = 8, kIterations = 60;
  std::atomic<std::size_t> mismatches{0}, done{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (std::size_t th = 0; th < kThreads; ++th)
    pool.emplace_back([&, th] {
      InferenceScratch<float> s;
      Matrix<float> out;
      while (!go.load()) std::this_thread::yield();  // start together, to overlap as much as possible
      for (std::size_t it = 0; it < kIterations; ++it)
        for (std::size_t k = 0; k < inputs.size(); ++k) {
          const std::size_t j = (k + th + it) % inputs.size();  // each thread in its own order
          if (it % 2) {
            net.predict(inputs[j], out, s);
            if (!same_bits(out, want[j])) ++mismatches;
          } else if (!same_bits(net.predict(inputs[j]), want[j])) {  // scratch per call
            ++mismatches;
          }
          ++done;
        }
    });
  go = true;
  for (auto& t : pool) t.join();
  EXPECT_EQ(done.load(), kThreads * kIterations * inputs.size());
  EXPECT_EQ(mismatches.load(), 0u);
}

// The batch-1 kernels split each weight row at a 64-byte boundary; Matrix storage is 64-byte
// aligned, so the split, and with it the bits, depend on the shape only: copies of a network
// made at different heap positions (after allocations of odd sizes) predict the same bits.
TEST(Predict, CopiesAtAnyHeapPositionGiveTheSameBitsAtBatchOne) {
  const Network<float> net = make_net<float>(784, Activation::kRelu, Activation::kSoftmax,
                                             Loss::kSoftmaxCrossEntropy);
  const Matrix<float> x = random_rows<float>(1, 784, 5);
  const Matrix<float> want = net.predict(x);
  std::vector<std::vector<char>> spacers;
  std::vector<Network<float>> copies;
  copies.reserve(16);
  for (std::size_t k = 1; k <= 16; ++k) {
    spacers.emplace_back(4 * k + 1);
    copies.push_back(net);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(copies.back().params()[0]->value.data()) % 64, 0u);
    EXPECT_TRUE(same_bits(copies.back().predict(x), want)) << "copy " << k;
  }
}

}  // namespace
}  // namespace bp
