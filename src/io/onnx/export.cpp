// model_to_onnx: a Network and its ModelInfo as an ONNX graph (docs/onnx.md, "Export"). Each
// layer maps to ONNX operators through what every Layer has: kind(), config(), params() and
// buffers(), in_shape() and out_shape(). Tensor and node names come from the layer names, so the
// same model always gives the same bytes.
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/io/onnx.hpp"
#include "backprop/version.hpp"
#include "io/byte_io.hpp"
#include "io/onnx/graph.hpp"

namespace bp {

namespace {

using Json = nlohmann::ordered_json;
using onnx::Attribute;
using Kind = onnx::Attribute::Kind;

Attribute int_attr(std::string name, std::int64_t v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kInt;
  a.i = v;
  return a;
}
Attribute float_attr(std::string name, double v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kFloat;
  a.f = static_cast<float>(v);
  return a;
}
Attribute ints_attr(std::string name, std::vector<std::int64_t> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Kind::kInts;
  a.ints = std::move(v);
  return a;
}

template <class V>
std::string raw_bytes(const std::vector<V>& v) {
  std::string s(v.size() * sizeof(V), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

std::vector<std::int64_t> dims_of(Shape s) {
  if (s.is_flat()) return {static_cast<std::int64_t>(s.c)};
  return {static_cast<std::int64_t>(s.c), static_cast<std::int64_t>(s.h),
          static_cast<std::int64_t>(s.w)};
}

// Builds the graph layer by layer; `cur` is the tensor the next node reads.
template <class T>
class Exporter {
 public:
  explicit Exporter(onnx::Graph& g) : g_(g) {}

  void preprocessing(const Preprocessing& p, Shape in) {
    if (p.kind == "none") return;
    // (x - offset) / scale in double, rounded to float: what bp::Scaler computes, bit for bit.
    add_const("preprocess.offset", dims_of(in), onnx::kTypeDouble, raw_bytes(p.offset));
    add_const("preprocess.scale", dims_of(in), onnx::kTypeDouble, raw_bytes(p.scale));
    node("preprocess.to_double", "Cast", {cur}, {int_attr("to", onnx::kTypeDouble)});
    node("preprocess.sub", "Sub", {cur, "preprocess.offset"}, {});
    node("preprocess.div", "Div", {cur, "preprocess.scale"}, {});
    node("preprocess.to_float", "Cast", {cur}, {int_attr("to", onnx::kTypeFloat)});
  }

  void layer(const Layer<T>& l, bool last, bool logits) {
    const std::string kind(l.kind()), name = l.name();
    const Json cfg = l.config();
    auto& ml = const_cast<Layer<T>&>(l);  // params() and buffers() read only
    const auto params = ml.params();
    const auto buffers = ml.buffers();
    if (kind == "dense") {
      if (spatial_) flatten(name + ".flatten");
      add_param(*params[0], {static_cast<std::int64_t>(l.out()), static_cast<std::int64_t>(l.in())});
      add_param(*params[1], {static_cast<std::int64_t>(l.out())});
      node(name, "Gemm", {cur, params[0]->name(), params[1]->name()},
           {float_attr("alpha", 1.0), float_attr("beta", 1.0), int_attr("transB", 1)});
      activation(name, cfg, last && logits);
    } else if (kind == "activation") {
      activation(name, cfg, last && logits);
    } else if (kind == "flatten") {
      flatten(name);
    } else if (kind == "dropout") {
      // inference: the identity
    } else if (kind == "conv2d") {
      conv(l, cfg, params);
    } else if (kind == "maxpool2d" || kind == "avgpool2d") {
      pool(l, cfg, kind == "maxpool2d" ? "MaxPool" : "AveragePool");
    } else if (kind == "batchnorm1d" || kind == "batchnorm2d") {
      batchnorm(l, cfg, params, buffers);
    } else {
      throw UsageError("layer '" + name + "': kind '" + kind + "' has no ONNX export");
    }
  }

  void finish(Shape out) {
    if (g_.nodes.empty()) node("output.identity", "Identity", {cur}, {});
    g_.nodes.back().outputs[0] = "output";
    onnx::ValueInfo v;
    v.name = "output";
    v.dims.push_back({-1, "batch"});
    if (spatial_) {
      for (std::size_t x : {out.c, out.h, out.w}) v.dims.push_back({static_cast<std::int64_t>(x), ""});
    } else {
      v.dims.push_back({static_cast<std::int64_t>(out.size()), ""});
    }
    g_.outputs.push_back(v);
  }

  void input(Shape in) {
    onnx::ValueInfo v;
    v.name = "input";
    v.dims.push_back({-1, "batch"});
    for (auto x : dims_of(in)) v.dims.push_back({x, ""});
    g_.inputs.push_back(v);
    spatial_ = !in.is_flat();
  }

 private:
  void node(const std::string& name, const char* op, std::vector<std::string> inputs,
            std::vector<Attribute> attrs) {
    g_.nodes.push_back({name, op, std::move(inputs), {name + ".out"}, std::move(attrs)});
    cur = name + ".out";
  }
  void add_const(std::string name, std::vector<std::int64_t> dims, std::int32_t type, std::string raw) {
    g_.initializers.push_back({std::move(name), std::move(dims), type, std::move(raw)});
  }
  void add_param(const Param<T>& p, std::vector<std::int64_t> dims) {
    std::vector<float> v(p.value.data(), p.value.data() + p.value.size());
    add_const(p.name(), std::move(dims), onnx::kTypeFloat, raw_bytes(v));
  }
  void flatten(const std::string& name) {
    node(name, "Flatten", {cur}, {int_attr("axis", 1)});
    spatial_ = false;
  }
  void activation(const std::string& name, const Json& cfg, bool drop) {
    const Activation a = parse_activation(cfg.at("activation").get<std::string>());
    double alpha = cfg.value("alpha", -1.0);
    if (alpha < 0) alpha = activation_default_alpha(a);
    if (drop || a == Activation::kIdentity) return;
    const std::string n = name + "." + std::string(activation_name(a));
    switch (a) {
      case Activation::kSigmoid: node(n, "Sigmoid", {cur}, {}); break;
      case Activation::kTanh: node(n, "Tanh", {cur}, {}); break;
      case Activation::kRelu: node(n, "Relu", {cur}, {}); break;
      case Activation::kLeakyRelu: node(n, "LeakyRelu", {cur}, {float_attr("alpha", alpha)}); break;
      case Activation::kElu: node(n, "Elu", {cur}, {float_attr("alpha", alpha)}); break;
      case Activation::kSoftplus: node(n, "Softplus", {cur}, {}); break;
      case Activation::kSoftmax:
        if (spatial_) throw UsageError("layer '" + name + "': softmax over a CxHxW tensor has no ONNX export; flatten first");
        node(n, "Softmax", {cur}, {int_attr("axis", 1)});
        break;
      case Activation::kIdentity: break;
    }
  }
  static std::vector<std::int64_t> window_ints(const Json& j) {
    return {j[0].get<std::int64_t>(), j[1].get<std::int64_t>()};
  }
  // kernel_shape, pads [top, left, bottom, right] (ONNX's order too), strides.
  static std::vector<Attribute> window_attrs(const Json& cfg) {
    return {ints_attr("kernel_shape", window_ints(cfg.at("kernel"))),
            ints_attr("pads", cfg.at("padding").get<std::vector<std::int64_t>>()),
            ints_attr("strides", window_ints(cfg.at("stride")))};
  }
  void ensure_spatial(const Layer<T>& l) {
    if (spatial_) return;
    const Shape s = l.in_shape();
    const std::vector<std::int64_t> shape{-1, static_cast<std::int64_t>(s.c),
                                          static_cast<std::int64_t>(s.h), static_cast<std::int64_t>(s.w)};
    add_const(l.name() + ".shape", {4}, onnx::kTypeInt64, raw_bytes(shape));
    node(l.name() + ".reshape", "Reshape", {cur, l.name() + ".shape"}, {});
    spatial_ = true;
  }
  void conv(const Layer<T>& l, const Json& cfg, const std::vector<Param<T>*>& params) {
    ensure_spatial(l);
    const auto k = window_ints(cfg.at("kernel"));
    const auto F = static_cast<std::int64_t>(l.out_shape().c), C = static_cast<std::int64_t>(l.in_shape().c);
    add_param(*params[0], {F, C, k[0], k[1]});
    std::vector<std::string> in{cur, params[0]->name()};
    if (cfg.at("bias").get<bool>()) {
      add_param(*params[1], {F});
      in.push_back(params[1]->name());
    }
    auto attrs = window_attrs(cfg);
    attrs.insert(attrs.begin(), ints_attr("dilations", {1, 1}));
    attrs.insert(attrs.begin() + 1, int_attr("group", 1));
    node(l.name(), "Conv", std::move(in), std::move(attrs));
  }
  void pool(const Layer<T>& l, const Json& cfg, const char* op) {  // floor (ceil_mode 0)
    ensure_spatial(l);
    std::vector<Attribute> attrs;
    attrs.push_back(int_attr("ceil_mode", 0));
    if (cfg.contains("count_include_pad"))
      attrs.push_back(int_attr("count_include_pad", cfg["count_include_pad"].get<bool>() ? 1 : 0));
    for (auto& a : window_attrs(cfg)) attrs.push_back(std::move(a));
    node(l.name(), op, {cur}, std::move(attrs));
  }
  void batchnorm(const Layer<T>& l, const Json& cfg, const std::vector<Param<T>*>& params,
                 const std::vector<Param<T>*>& buffers) {
    if (l.kind() == "batchnorm2d") ensure_spatial(l);
    const std::vector<std::int64_t> c{static_cast<std::int64_t>(l.in_shape().c)};
    std::vector<std::string> in{cur};
    for (const auto* p : {params[0], params[1], buffers[0], buffers[1]}) {
      add_param(*p, c);
      in.push_back(p->name());
    }
    // ONNX's momentum weighs the running value (PyTorch's and ours weigh the batch's).
    node(l.name(), "BatchNormalization", std::move(in),
         {float_attr("epsilon", cfg.at("eps").get<double>()),
          float_attr("momentum", 1.0 - cfg.at("momentum").get<double>())});
  }

  onnx::Graph& g_;
  bool spatial_ = false;

 public:
  std::string cur = "input";
};

std::vector<std::pair<std::string, std::string>> metadata(const ModelInfo& info,
                                                          std::uint32_t checksum, Loss loss) {
  static const char* const kLoss[] = {"half-sse", "mse", "cross-entropy", "binary-cross-entropy"};
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", checksum);
  std::vector<std::pair<std::string, std::string>> m;
  if (!info.class_names.empty()) m.push_back({"class_names", Json(info.class_names).dump()});
  m.push_back({"backprop.loss", kLoss[static_cast<int>(loss)]});
  m.push_back({"backprop.preprocessing", info.preprocessing.kind});
  m.push_back({"backprop.weights_crc32", crc});
  m.push_back({"backprop.seed", std::to_string(info.seed)});
  m.push_back({"backprop.training_config", info.config_json});
  if (!info.columns.empty())
    m.push_back({"backprop.columns", Json{{"features", info.columns.features},
                                          {"label", info.columns.label},
                                          {"label_index", info.columns.label_index},
                                          {"targets", info.columns.targets}}.dump()});
  return m;
}

}  // namespace

template <class T>
std::uint32_t weights_checksum(const Network<T>& net) {
  std::uint32_t crc = 0;
  for (std::size_t l = 0; l < net.depth(); ++l) {
    auto& layer = const_cast<Layer<T>&>(net.layer(l));  // params() and buffers() read only
    auto all = layer.params();
    for (auto* b : layer.buffers()) all.push_back(b);
    for (const auto* p : all) {
      const std::vector<float> v(p->value.data(), p->value.data() + p->value.size());
      crc = io::crc32_of(reinterpret_cast<const unsigned char*>(v.data()), v.size() * sizeof(float), crc);
    }
  }
  return crc;
}

template <class T>
std::string model_to_onnx(const Network<T>& net, const ModelInfo& info, const OnnxExportOptions& opts) {
  if (opts.opset != 13 && opts.opset != 17)
    throw UsageError("ONNX opset " + std::to_string(opts.opset) + " is not supported; expected 13 or 17");
  if (net.depth() == 0) throw UsageError("the network has no layers; nothing to export");
  onnx::Model m;
  m.ir_version = opts.opset == 13 ? 7 : 8;
  m.opsets = {{"", opts.opset}};
  m.producer_name = "backprop";
  m.producer_version = BACKPROP_VERSION;
  m.graph.name = "backprop";
  Exporter<T> ex(m.graph);
  ex.input(net.in_shape());
  ex.preprocessing(info.preprocessing, net.in_shape());
  for (std::size_t l = 0; l < net.depth(); ++l)
    ex.layer(net.layer(l), l + 1 == net.depth(), opts.logits);
  ex.finish(net.out_shape());
  m.metadata = metadata(info, weights_checksum(net), net.loss());
  return onnx::encode(m);
}

template std::string model_to_onnx(const Network<float>&, const ModelInfo&, const OnnxExportOptions&);
template std::string model_to_onnx(const Network<double>&, const ModelInfo&, const OnnxExportOptions&);
template std::uint32_t weights_checksum(const Network<float>&);
template std::uint32_t weights_checksum(const Network<double>&);

}  // namespace bp
