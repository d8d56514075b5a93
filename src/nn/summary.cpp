// The table of `backprop summary` (summary.hpp).
#include "backprop/nn/summary.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace bp {

namespace {

struct Row {
  std::string layer, shape, count;
};

std::string pad(const std::string& s, std::size_t width) {
  return s + std::string(width > s.size() ? width - s.size() : 0, ' ');
}

}  // namespace

template <class T>
std::string summarize(const Network<T>& net, const std::string& title) {
  std::vector<Row> rows{{"Layer (type)", "Output Shape", "Param #"}};
  std::size_t total = 0, trainable = 0;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    // buffers() is a non-const virtual: read here, never changed.
    auto& layer = const_cast<Layer<T>&>(net.layer(l));
    std::size_t n = 0;
    for (const Param<T>* p : layer.params()) {
      n += p->size();
      if (p->trainable) trainable += p->size();
    }
    for (const Param<T>* b : layer.buffers()) n += b->size();
    total += n;
    rows.push_back({layer.name() + " (" + std::string(layer.kind()) + ")", to_string(layer.out_shape()),
                    std::to_string(n)});
  }
  std::size_t w0 = 0, w1 = 0, w2 = 0;
  for (const Row& r : rows) {
    w0 = std::max(w0, r.layer.size());
    w1 = std::max(w1, r.shape.size());
    w2 = std::max(w2, r.count.size());
  }
  const std::size_t width = w0 + 3 + w1 + 3 + w2;
  std::string out = "Model: " + title + "\nInput shape: " + to_string(net.in_shape()) + "\n";
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::string line = pad(rows[k].layer, w0 + 3) + pad(rows[k].shape, w1 + 3) + rows[k].count;
    out += line + "\n";
    if (k == 0) out += std::string(width, '=') + "\n";
  }
  out += std::string(width, '=') + "\n";
  out += "Total params: " + std::to_string(total) + "\n";
  out += "Trainable params: " + std::to_string(trainable) + "\n";
  out += "Non-trainable params: " + std::to_string(total - trainable) + "\n";
  return out;
}

template std::string summarize<float>(const Network<float>&, const std::string&);
template std::string summarize<double>(const Network<double>&, const std::string&);

}  // namespace bp
