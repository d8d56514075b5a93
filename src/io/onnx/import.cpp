// model_from_onnx: a sequential ONNX graph (what model_to_onnx and torch.onnx.export write for
// MLPs and CNNs) as a Network (docs/onnx.md, "Import"). The graph is walked from its one input
// along the chain of nodes that consume the current tensor; every other node input must be an
// initializer or a Constant. Sizes are checked before anything is allocated.
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/io/onnx.hpp"
#include "backprop/nn/layer_registry.hpp"
#include "io/onnx/graph.hpp"

namespace bp {

namespace {

using Json = nlohmann::ordered_json;
constexpr std::size_t kMaxValues = std::size_t{1} << 24;  // per sample, as model files

// A dense layer read but not yet added: an activation right after it becomes its own.
struct PendingDense {
  bool active = false;
  std::size_t in = 0, out = 0;
  std::vector<float> w, b;  // w (out, in)
  Json cfg;
};

template <class T>
class Importer {
 public:
  Importer(const onnx::Model& m, const std::string& file) : m_(m), file_(file) {}

  Model<T> run() {
    collect_constants();
    check_acyclic();
    const std::string input = graph_input();
    std::string cur = input;
    std::set<const onnx::Node*> seen;
    while (const onnx::Node* n = consumer(cur)) {
      if (!seen.insert(n).second) fail(*n, "the graph has a cycle through it");
      node(*n, cur);
      cur = n->outputs.at(0);
    }
    flush();
    if (m_.graph.outputs.size() != 1 || m_.graph.outputs[0].name != cur)
      throw DataError(file_ + ": ONNX graph: the chain from '" + input + "' ends at '" + cur +
                      "', which is not the graph's one output");
    for (const onnx::Node& n : m_.graph.nodes)
      if (n.op != "Constant" && !seen.count(&n)) fail(n, "is not on the path from the input to the output (branches are not supported)");
    if (model_.net.depth() == 0) throw DataError(file_ + ": ONNX graph: no layers");
    finish_info();
    return std::move(model_);
  }

 private:
  [[noreturn]] void fail(const onnx::Node& n, const std::string& what) const {
    throw DataError(file_ + ": node '" + n.name + "' (op " + n.op + "): " + what);
  }

  // Kahn's algorithm over the tensors nodes produce: a node whose inputs never all become
  // available is on a cycle. Also refuses a tensor produced twice.
  void check_acyclic() const {
    const auto& nodes = m_.graph.nodes;
    std::map<std::string, std::size_t> producer;
    for (std::size_t k = 0; k < nodes.size(); ++k)
      for (const std::string& o : nodes[k].outputs)
        if (!o.empty() && !producer.emplace(o, k).second) fail(nodes[k], "output '" + o + "' is produced by another node too");
    std::vector<std::size_t> waiting(nodes.size(), 0);
    std::vector<std::vector<std::size_t>> readers(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k)
      for (const std::string& i : nodes[k].inputs)
        if (const auto it = producer.find(i); it != producer.end()) {
          ++waiting[k];
          readers[it->second].push_back(k);
        }
    std::vector<std::size_t> ready;
    for (std::size_t k = 0; k < nodes.size(); ++k)
      if (waiting[k] == 0) ready.push_back(k);
    std::size_t done = 0;
    while (!ready.empty()) {
      const std::size_t k = ready.back();
      ready.pop_back();
      ++done;
      for (std::size_t r : readers[k])
        if (--waiting[r] == 0) ready.push_back(r);
    }
    if (done == nodes.size()) return;
    for (std::size_t k = 0; k < nodes.size(); ++k)
      if (waiting[k] != 0) fail(nodes[k], "is on a cycle of the graph");
  }

  void collect_constants() {
    for (const onnx::Tensor& t : m_.graph.initializers) consts_[t.name] = &t;
    for (const onnx::Node& n : m_.graph.nodes) {
      if (n.op != "Constant") continue;
      const onnx::Attribute* v = n.attr("value");
      if (!v || v->kind != onnx::Attribute::Kind::kTensor || n.outputs.size() != 1)
        fail(n, "expected one tensor attribute 'value' and one output");
      consts_[n.outputs[0]] = &v->t;
    }
  }

  std::string graph_input() {
    std::string name;
    for (const onnx::ValueInfo& v : m_.graph.inputs) {
      if (consts_.count(v.name)) continue;  // an initializer listed as an input (IR < 4 style)
      if (!name.empty()) throw DataError(file_ + ": ONNX graph: more than one input ('" + name + "', '" + v.name + "')");
      name = v.name;
      if (v.elem_type != onnx::kTypeFloat) throw DataError(file_ + ": ONNX input '" + v.name + "': element type " + std::to_string(v.elem_type) + "; expected float (1)");
      if (v.dims.size() != 2 && v.dims.size() != 4)
        throw DataError(file_ + ": ONNX input '" + v.name + "' has " + std::to_string(v.dims.size()) + " dimensions; expected 2 [batch, features] or 4 [batch, C, H, W]");
      std::size_t d[3] = {1, 1, 1};
      for (std::size_t k = 1; k < v.dims.size(); ++k) {
        const std::int64_t x = v.dims[k].first;
        if (x < 1 || x > static_cast<std::int64_t>(kMaxValues))
          throw DataError(file_ + ": ONNX input '" + v.name + "': dimension " + std::to_string(k) + " is " + (x < 0 ? "symbolic" : std::to_string(x)) + "; expected 1.." + std::to_string(kMaxValues));
        d[k - 1] = static_cast<std::size_t>(x);
      }
      if (d[0] * d[1] > kMaxValues || d[0] * d[1] * d[2] > kMaxValues)
        throw DataError(file_ + ": ONNX input '" + v.name + "' has more than " + std::to_string(kMaxValues) + " values per sample");
      shape_ = {d[0], d[1], d[2]};
      spatial_ = v.dims.size() == 4;
    }
    if (name.empty()) throw DataError(file_ + ": ONNX graph: no input that is not an initializer");
    return name;
  }

  // The one non-Constant node that reads `t`, or nullptr when none does.
  const onnx::Node* consumer(const std::string& t) const {
    const onnx::Node* found = nullptr;
    for (const onnx::Node& n : m_.graph.nodes) {
      if (n.op == "Constant") continue;
      for (const std::string& i : n.inputs) {
        if (i != t) continue;
        if (found && found != &n) fail(n, "reads '" + t + "', which '" + found->name + "' reads too (branches are not supported)");
        found = &n;
      }
    }
    return found;
  }

  // A constant input's values after checking its type and size against its dims.
  template <class V>
  std::vector<V> values(const onnx::Node& n, std::size_t k, std::int32_t type, std::vector<std::int64_t>* dims = nullptr) const {
    if (k >= n.inputs.size() || n.inputs[k].empty()) fail(n, "input " + std::to_string(k) + " is missing");
    const auto it = consts_.find(n.inputs[k]);
    if (it == consts_.end()) fail(n, "input '" + n.inputs[k] + "' is neither an initializer nor a Constant (missing input)");
    const onnx::Tensor& t = *it->second;
    if (t.data_type != type) fail(n, "tensor '" + t.name + "' has data type " + std::to_string(t.data_type) + "; expected " + std::to_string(type));
    std::size_t count = 1;
    for (std::int64_t d : t.dims) {
      if (d < 0 || (d > 0 && count > (std::size_t{1} << 28) / static_cast<std::size_t>(d)))
        fail(n, "tensor '" + t.name + "' has too many values");
      count *= static_cast<std::size_t>(d);
    }
    if (t.raw.size() != count * sizeof(V))
      fail(n, "tensor '" + t.name + "' has " + std::to_string(t.raw.size()) + " bytes of data; its shape needs " + std::to_string(count * sizeof(V)));
    std::vector<V> v(count);
    if (count) std::memcpy(v.data(), t.raw.data(), t.raw.size());
    if constexpr (std::is_floating_point_v<V>)
      for (V x : v)
        if (!std::isfinite(x)) fail(n, "tensor '" + t.name + "' holds a value that is not finite");
    if (dims) *dims = t.dims;
    return v;
  }

  std::int64_t int_attr(const onnx::Node& n, const char* a, std::int64_t dflt) const {
    const onnx::Attribute* p = n.attr(a);
    if (!p) return dflt;
    if (p->kind != onnx::Attribute::Kind::kInt) fail(n, std::string("attribute ") + a + " is not an int");
    return p->i;
  }
  double float_attr(const onnx::Node& n, const char* a, double dflt) const {
    const onnx::Attribute* p = n.attr(a);
    if (!p) return dflt;
    if (p->kind != onnx::Attribute::Kind::kFloat) fail(n, std::string("attribute ") + a + " is not a float");
    return p->f;
  }
  std::vector<std::int64_t> ints_attr(const onnx::Node& n, const char* a, std::vector<std::int64_t> dflt) const {
    const onnx::Attribute* p = n.attr(a);
    if (!p) return dflt;
    if (p->kind != onnx::Attribute::Kind::kInts) fail(n, std::string("attribute ") + a + " is not a list of ints");
    return p->ints;
  }
  void require(const onnx::Node& n, const char* a, std::int64_t want, std::int64_t dflt) const {
    const std::int64_t v = int_attr(n, a, dflt);
    if (v != want) fail(n, std::string(a) + "=" + std::to_string(v) + " is not supported");
  }
  void only_attrs(const onnx::Node& n, std::set<std::string> known) const {
    for (const onnx::Attribute& a : n.attrs)
      if (!known.count(a.name)) fail(n, "attribute '" + a.name + "' is not supported");
  }

  void add(const onnx::Node& n, const char* kind, const Json& cfg) {
    std::unique_ptr<Layer<T>> layer;
    try {
      layer = make_layer<T>(kind, cfg, shape_, model_.net.depth());
    } catch (const Error& e) {
      fail(n, e.what());
    }
    // As for the input: a layer whose output would not fit a model file's limits is refused
    // before anything runs it.
    if (layer->out() > kMaxValues)
      fail(n, "its output would have " + std::to_string(layer->out()) + " values per sample; at most " +
                  std::to_string(kMaxValues));
    model_.net.add(std::move(layer));
    shape_ = model_.net.out_shape();
  }
  void set(const onnx::Node& n, Param<T>& p, const std::vector<float>& v) {
    if (v.size() != p.value.size()) fail(n, p.name() + " needs " + std::to_string(p.value.size()) + " values, got " + std::to_string(v.size()));
    Matrix<T> m(p.value.rows(), p.value.cols());
    for (std::size_t k = 0; k < v.size(); ++k) m[k] = static_cast<T>(v[k]);
    p.assign(m);
  }
  Layer<T>& last() { return model_.net.layer(model_.net.depth() - 1); }

  void flush() {
    if (!pending_.active) return;
    pending_.active = false;
    model_.net.add(make_layer<T>("dense", pending_.cfg, shape_, model_.net.depth()));
    shape_ = model_.net.out_shape();
    auto ps = last().params();
    const onnx::Node none;
    set(none, *ps[0], pending_.w);
    set(none, *ps[1], pending_.b);
  }

  void node(const onnx::Node& n, const std::string& cur);
  void dense(const onnx::Node& n, bool gemm);
  void activation(const onnx::Node& n, Activation a, double alpha);
  void conv(const onnx::Node& n);
  void pool(const onnx::Node& n, bool max);
  void batchnorm(const onnx::Node& n);
  void preprocessing(const onnx::Node& n);
  void pad(const onnx::Node& n);
  void finish_info();

  const onnx::Model& m_;
  const std::string& file_;
  std::map<std::string, const onnx::Tensor*> consts_;
  Shape shape_;
  bool spatial_ = false;
  PendingDense pending_;
  Model<T> model_;
  int prep_step_ = 0;  // Cast, Sub, Div, Cast of model_to_onnx's preprocessing
  std::int64_t pad_[4] = {0, 0, 0, 0};  // a Pad's [top, left, bottom, right], for the AveragePool after it
};

template <class T>
void Importer<T>::node(const onnx::Node& n, const std::string& cur) {
  if (n.inputs.empty() || n.inputs[0] != cur) fail(n, "reads '" + cur + "' as an input other than its first");
  if (n.outputs.empty()) fail(n, "has no output");
  const std::string& op = n.op;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "Softplus") {
    only_attrs(n, {});
    const Activation a = op == "Relu" ? Activation::kRelu : op == "Sigmoid" ? Activation::kSigmoid
                         : op == "Tanh" ? Activation::kTanh : Activation::kSoftplus;
    return activation(n, a, -1);
  }
  if (op == "LeakyRelu" || op == "Elu") {
    only_attrs(n, {"alpha"});
    return activation(n, op == "Elu" ? Activation::kElu : Activation::kLeakyRelu, float_attr(n, "alpha", op == "Elu" ? 1.0 : 0.01));
  }
  if (op == "Softmax") {
    only_attrs(n, {"axis"});
    const std::int64_t axis = int_attr(n, "axis", -1);
    if (spatial_ || (axis != 1 && axis != -1)) fail(n, "axis=" + std::to_string(axis) + " is not supported; expected the features of a 2-D tensor (1 or -1)");
    return activation(n, Activation::kSoftmax, -1);
  }
  if (op == "Add" && pending_.active && pending_.b.empty()) {
    pending_.b = values<float>(n, 1, onnx::kTypeFloat);
    if (pending_.b.size() != pending_.out) fail(n, "the bias has " + std::to_string(pending_.b.size()) + " values; expected " + std::to_string(pending_.out));
    return;
  }
  if (pending_.active && pending_.b.empty()) fail(n, "expected an Add of the bias after MatMul");
  if (op == "Gemm" || op == "MatMul") return dense(n, op == "Gemm");
  flush();
  if (op == "Identity") return only_attrs(n, {});
  if (op == "Dropout") {
    only_attrs(n, {"seed"});
    if (n.inputs.size() > 2 && !n.inputs[2].empty() && values<std::uint8_t>(n, 2, 9).at(0)) fail(n, "training_mode=true is not supported");
    return;
  }
  if (op == "Flatten" || op == "Reshape") {
    if (op == "Flatten") { only_attrs(n, {"axis"}); require(n, "axis", 1, 1); }
    else {
      only_attrs(n, {"allowzero"});
      const auto s = values<std::int64_t>(n, 1, onnx::kTypeInt64);
      const auto k = static_cast<std::int64_t>(shape_.size());
      if (s.size() != 2 || !(s[1] == k || s[1] == -1) || !(s[0] == -1 || s[0] == 0 || s[1] == k))
        fail(n, "shape must flatten to [batch, " + std::to_string(k) + "] (Reshape to 2-D only)");
    }
    if (spatial_) add(n, "flatten", Json::object());
    spatial_ = false;
    return;
  }
  if (op == "Pad") return pad(n);
  if (pad_[0] + pad_[1] + pad_[2] + pad_[3] != 0 && op != "AveragePool")
    fail(n, "follows a Pad; only an AveragePool may (torch's count_include_pad=True)");
  if (op == "Conv") return conv(n);
  if (op == "MaxPool" || op == "AveragePool") return pool(n, op == "MaxPool");
  if (op == "BatchNormalization") return batchnorm(n);
  if (op == "Cast" || op == "Sub" || op == "Div") return preprocessing(n);
  fail(n, "operator " + op + " is not supported; expected Gemm, MatMul+Add, Conv, MaxPool, AveragePool, "
          "BatchNormalization, Flatten, Reshape, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, Softmax, Identity or Dropout");
}

template <class T>
void Importer<T>::dense(const onnx::Node& n, bool gemm) {
  flush();
  if (spatial_) fail(n, "a matrix product on a 4-D tensor is not supported; flatten first");
  std::vector<std::int64_t> d;
  std::vector<float> w = values<float>(n, 1, onnx::kTypeFloat, &d);
  bool trans = false;
  if (gemm) {
    only_attrs(n, {"alpha", "beta", "transA", "transB"});
    require(n, "transA", 0, 0);
    if (float_attr(n, "alpha", 1) != 1.0) fail(n, "alpha other than 1 is not supported");
    if (float_attr(n, "beta", 1) != 1.0) fail(n, "beta other than 1 is not supported");
    const std::int64_t tb = int_attr(n, "transB", 0);
    if (tb != 0 && tb != 1) fail(n, "transB=" + std::to_string(tb) + " is not supported");
    trans = tb == 1;
  } else {
    only_attrs(n, {});
  }
  if (d.size() != 2) fail(n, "the weights have " + std::to_string(d.size()) + " dimensions; expected 2");
  const auto in = static_cast<std::size_t>(trans ? d[1] : d[0]), out = static_cast<std::size_t>(trans ? d[0] : d[1]);
  if (in != shape_.size()) fail(n, "the weights take " + std::to_string(in) + " inputs; the tensor has " + std::to_string(shape_.size()));
  if (out == 0 || out > kMaxValues) fail(n, "the weights have " + std::to_string(out) + " outputs; expected 1.." + std::to_string(kMaxValues));
  pending_ = {true, in, out, std::vector<float>(in * out), {}, Json{{"units", out}, {"activation", "identity"}}};
  for (std::size_t o = 0; o < out; ++o)
    for (std::size_t i = 0; i < in; ++i) pending_.w[o * in + i] = trans ? w[o * in + i] : w[i * out + o];
  if (gemm) {
    pending_.b = n.inputs.size() > 2 && !n.inputs[2].empty() ? values<float>(n, 2, onnx::kTypeFloat) : std::vector<float>(out, 0.0f);
    if (pending_.b.size() != out) fail(n, "the bias has " + std::to_string(pending_.b.size()) + " values; expected " + std::to_string(out));
  }
}

template <class T>
void Importer<T>::activation(const onnx::Node& n, Activation a, double alpha) {
  if (pending_.active && !pending_.b.empty() && pending_.cfg["activation"] == "identity") {
    pending_.cfg["activation"] = std::string(activation_name(a));
    if (alpha >= 0) pending_.cfg["alpha"] = alpha;
    return flush();
  }
  if (pending_.active && pending_.b.empty()) fail(n, "expected an Add of the bias after MatMul");
  flush();
  Json cfg{{"activation", std::string(activation_name(a))}};
  if (alpha >= 0) cfg["alpha"] = alpha;
  add(n, "activation", cfg);
}

template <class T>
void Importer<T>::conv(const onnx::Node& n) {
  only_attrs(n, {"kernel_shape", "pads", "strides", "dilations", "group", "auto_pad"});
  if (!spatial_) fail(n, "expects a 4-D [batch, C, H, W] tensor");
  require(n, "group", 1, 1);
  if (const auto* p = n.attr("auto_pad"); p && p->s != "NOTSET") fail(n, "auto_pad=" + p->s + " is not supported");
  if (ints_attr(n, "dilations", {1, 1}) != std::vector<std::int64_t>{1, 1}) fail(n, "dilations other than 1 are not supported");
  std::vector<std::int64_t> d;
  const std::vector<float> w = values<float>(n, 1, onnx::kTypeFloat, &d);
  if (d.size() != 4 || d[0] < 1 || d[1] != static_cast<std::int64_t>(shape_.c) || d[2] < 1 || d[3] < 1)
    fail(n, "the weights must be [filters, " + std::to_string(shape_.c) + ", kh, kw]");
  if (ints_attr(n, "kernel_shape", {d[2], d[3]}) != std::vector<std::int64_t>{d[2], d[3]}) fail(n, "kernel_shape disagrees with the weights");
  const auto pads = ints_attr(n, "pads", {0, 0, 0, 0}), strides = ints_attr(n, "strides", {1, 1});
  if (pads.size() != 4 || strides.size() != 2) fail(n, "pads must have 4 values and strides 2");
  for (auto v : pads) if (v < 0) fail(n, "pads=" + std::to_string(v) + " is not supported");
  for (auto v : strides) if (v < 1) fail(n, "strides=" + std::to_string(v) + " is not supported");
  const bool bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  add(n, "conv2d", {{"filters", static_cast<std::size_t>(d[0])}, {"kernel", Json::array({static_cast<std::size_t>(d[2]), static_cast<std::size_t>(d[3])})},
                    {"stride", Json::array({static_cast<std::size_t>(strides[0]), static_cast<std::size_t>(strides[1])})},
                    {"padding", Json::array({static_cast<std::size_t>(pads[0]), static_cast<std::size_t>(pads[1]), static_cast<std::size_t>(pads[2]), static_cast<std::size_t>(pads[3])})},
                    {"bias", bias}});
  auto ps = last().params();
  set(n, *ps[0], w);
  if (bias) set(n, *ps[1], values<float>(n, 2, onnx::kTypeFloat));
}

template <class T>
void Importer<T>::pool(const onnx::Node& n, bool max) {
  only_attrs(n, {"kernel_shape", "pads", "strides", "ceil_mode", "count_include_pad", "dilations", "storage_order", "auto_pad"});
  if (!spatial_) fail(n, "expects a 4-D [batch, C, H, W] tensor");
  require(n, "ceil_mode", 0, 0);
  require(n, "storage_order", 0, 0);
  if (const auto* p = n.attr("auto_pad"); p && p->s != "NOTSET") fail(n, "auto_pad=" + p->s + " is not supported");
  if (ints_attr(n, "dilations", {1, 1}) != std::vector<std::int64_t>{1, 1}) fail(n, "dilations other than 1 are not supported");
  if (n.outputs.size() > 1 && !n.outputs[1].empty()) fail(n, "the Indices output is not supported");
  const auto k = ints_attr(n, "kernel_shape", {});
  const auto pads = ints_attr(n, "pads", {0, 0, 0, 0}), strides = ints_attr(n, "strides", {1, 1});
  if (k.size() != 2 || pads.size() != 4 || strides.size() != 2) fail(n, "kernel_shape must have 2 values, pads 4 and strides 2");
  for (auto v : k) if (v < 1 || v > (1 << 24)) fail(n, "kernel_shape=" + std::to_string(v) + " is not supported");
  for (auto v : pads) if (v < 0 || v > (1 << 24)) fail(n, "pads=" + std::to_string(v) + " is not supported");
  for (auto v : strides) if (v < 1 || v > (1 << 24)) fail(n, "strides=" + std::to_string(v) + " is not supported");
  auto u = [](std::int64_t v) { return static_cast<std::size_t>(v); };
  Json cfg{{"kernel", Json::array({u(k[0]), u(k[1])})}, {"stride", Json::array({u(strides[0]), u(strides[1])})},
           {"padding", Json::array({u(pads[0]), u(pads[1]), u(pads[2]), u(pads[3])})}};
  if (!max) cfg["count_include_pad"] = int_attr(n, "count_include_pad", 0) != 0;
  else if (n.attr("count_include_pad")) fail(n, "attribute 'count_include_pad' is not supported on MaxPool");
  if (!max && pad_[0] + pad_[1] + pad_[2] + pad_[3] != 0) {  // Pad with zeros, then average: counted
    if (pads != std::vector<std::int64_t>{0, 0, 0, 0}) fail(n, "pads after a Pad are not supported");
    cfg["padding"] = Json::array({u(pad_[0]), u(pad_[1]), u(pad_[2]), u(pad_[3])});
    cfg["count_include_pad"] = true;
    pad_[0] = pad_[1] = pad_[2] = pad_[3] = 0;
  }
  add(n, max ? "maxpool2d" : "avgpool2d", cfg);
}

template <class T>
void Importer<T>::batchnorm(const onnx::Node& n) {
  only_attrs(n, {"epsilon", "momentum", "training_mode", "spatial"});
  require(n, "training_mode", 0, 0);
  if (n.outputs.size() > 1) fail(n, "the running-statistics outputs (training mode) are not supported");
  const double eps = float_attr(n, "epsilon", 1e-5), momentum = float_attr(n, "momentum", 0.9);
  if (!(momentum >= 0 && momentum <= 1)) fail(n, "momentum=" + std::to_string(momentum) + " is not in [0, 1]");
  add(n, spatial_ ? "batchnorm2d" : "batchnorm1d", {{"momentum", 1.0 - momentum}, {"eps", eps}});
  auto ps = last().params();
  auto bs = last().buffers();
  set(n, *ps[0], values<float>(n, 1, onnx::kTypeFloat));
  set(n, *ps[1], values<float>(n, 2, onnx::kTypeFloat));
  set(n, *bs[0], values<float>(n, 3, onnx::kTypeFloat));
  set(n, *bs[1], values<float>(n, 4, onnx::kTypeFloat));
}

// torch.onnx.export's AvgPool2d(count_include_pad=True): a constant Pad of zeros on H and W,
// then AveragePool; kept for the AveragePool (an all-zero Pad is the identity).
template <class T>
void Importer<T>::pad(const onnx::Node& n) {
  only_attrs(n, {"mode"});
  if (const auto* m = n.attr("mode"); m && m->s != "constant") fail(n, "mode=" + m->s + " is not supported");
  if (!spatial_) fail(n, "expects a 4-D [batch, C, H, W] tensor");
  const auto p = values<std::int64_t>(n, 1, onnx::kTypeInt64);
  if (n.inputs.size() > 2 && !n.inputs[2].empty())
    for (float v : values<float>(n, 2, onnx::kTypeFloat))
      if (v != 0) fail(n, "a constant_value other than 0 is not supported");
  // [N, C, H, W] begins, then ends: only H and W may be padded.
  if (p.size() != 8 || p[0] || p[1] || p[4] || p[5]) fail(n, "pads must be 8 values padding H and W only");
  for (std::size_t k : {2u, 3u, 6u, 7u})
    if (p[k] < 0 || p[k] > (1 << 24)) fail(n, "pads=" + std::to_string(p[k]) + " is not supported");
  pad_[0] = p[2];
  pad_[1] = p[3];
  pad_[2] = p[6];
  pad_[3] = p[7];
}

// model_to_onnx's preprocessing: Cast to double, Sub offset, Div scale, Cast to float, first.
template <class T>
void Importer<T>::preprocessing(const onnx::Node& n) {
  static const char* const kOps[] = {"Cast", "Sub", "Div", "Cast"};
  if (model_.net.depth() != 0 || prep_step_ > 3 || n.op != kOps[prep_step_])
    fail(n, "is supported only in the preprocessing backprop writes (Cast to double, Sub, Div, Cast to float, before any layer)");
  Preprocessing& p = model_.info.preprocessing;
  if (prep_step_ == 0 || prep_step_ == 3) {
    only_attrs(n, {"to"});
    require(n, "to", prep_step_ == 0 ? onnx::kTypeDouble : onnx::kTypeFloat, 0);
  } else {
    only_attrs(n, {});
    std::vector<std::int64_t> d;
    auto v = values<double>(n, 1, onnx::kTypeDouble, &d);
    if (v.size() != shape_.size()) fail(n, "needs one value per input, " + std::to_string(shape_.size()) + "; got " + std::to_string(v.size()));
    for (double x : v)
      if (prep_step_ == 2 && !(x > 0)) fail(n, "a scale of " + std::to_string(x) + "; expected values > 0");
    (prep_step_ == 1 ? p.offset : p.scale) = std::move(v);
  }
  if (++prep_step_ == 4) p.kind = "standard";
}

template <class T>
void Importer<T>::finish_info() {
  if (prep_step_ != 0 && prep_step_ != 4) throw DataError(file_ + ": ONNX graph: the preprocessing (Cast, Sub, Div, Cast) is incomplete");
  ModelInfo& info = model_.info;
  const Layer<T>& out = model_.net.layer(model_.net.depth() - 1);
  const auto act = out.output_activation();
  Loss loss = act && act->act == Activation::kSoftmax ? Loss::kSoftmaxCrossEntropy
              : act && act->act == Activation::kSigmoid ? Loss::kBinaryCrossEntropy : Loss::kMse;
  for (const auto& [key, value] : m_.metadata) {
    try {
      if (key == "class_names") info.class_names = Json::parse(value).template get<std::vector<std::string>>();
      else if (key == "backprop.loss") loss = parse_loss(value);
      else if (key == "backprop.preprocessing" && info.preprocessing.kind != "none") info.preprocessing.kind = value;
      else if (key == "backprop.seed") info.seed = std::stoull(value);
      else if (key == "backprop.training_config") info.config_json = value;
      else if (key == "backprop.columns") {
        const Json j = Json::parse(value);
        info.columns.features = j.at("features").template get<std::vector<std::string>>();
        info.columns.label = j.at("label").template get<std::string>();
        info.columns.label_index = j.at("label_index").template get<long>();
        info.columns.targets = j.at("targets").template get<std::vector<std::string>>();
      }
    } catch (const std::exception& e) {
      throw DataError(file_ + ": ONNX metadata '" + key + "': " + e.what());
    }
  }
  model_.net.set_loss(loss);
  try {  // what a model file requires of the metadata: class and name counts against the network
    (void)model_to_bytes(model_.net, info);
    (void)to_scaler(info.preprocessing);
  } catch (const UsageError& e) {
    throw DataError(file_ + ": ONNX metadata does not fit the network: " + e.what());
  }
}

}  // namespace

template <class T>
Model<T> model_from_onnx(const std::string& bytes, const std::string& name) {
  const onnx::Model m = onnx::decode(bytes, name);
  for (const auto& [domain, version] : m.opsets)
    if ((domain.empty() || domain == "ai.onnx") && (version < 13 || version > 17))
      throw DataError(name + ": ONNX opset " + std::to_string(version) + " is not supported; expected 13 to 17");
  return Importer<T>(m, name).run();
}

template Model<float> model_from_onnx(const std::string&, const std::string&);
template Model<double> model_from_onnx(const std::string&, const std::string&);

}  // namespace bp
