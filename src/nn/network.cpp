// Network: chains layers forward, and backpropagates the loss through them.
#include "backprop/nn/network.hpp"

#include <string>

#include "backprop/core/error.hpp"

namespace bp {

template <class T>
Network<T>::Network(const std::vector<DenseOptions>& layers, Loss loss) : loss_(loss) {
  for (const auto& o : layers) add(o);
}

template <class T>
Network<T>::Network(const Network& other)
    : loss_(other.loss_), training_(other.training_), dropout_rng_(other.dropout_rng_),
      y_(other.y_), g_{other.g_[0], other.g_[1]}, dx_(other.dx_) {
  layers_.reserve(other.layers_.size());
  for (const auto& l : other.layers_) layers_.push_back(l->clone());
  relink();
}

template <class T>
Network<T>& Network<T>::operator=(const Network& other) {
  if (this != &other) *this = Network(other);
  return *this;
}

template <class T>
void Network<T>::add(std::unique_ptr<Layer<T>> layer) {
  if (!layer) throw UsageError("Network::add: no layer (a null pointer)");
  const std::size_t n = layers_.size() + 1;
  if (!layers_.empty() && layer->in_shape() != layers_.back()->out_shape()) {
    const Layer<T>& prev = *layers_.back();
    throw ShapeError("layer " + std::to_string(n) + " (" + std::string(layer->kind()) +
                     ") takes " + to_string(layer->in_shape()) + " inputs per sample, expected " +
                     to_string(prev.out_shape()) + " (the outputs of layer " +
                     std::to_string(n - 1) + ", " + prev.name() + ")");
  }
  std::size_t same_kind = 1;
  for (const auto& l : layers_) same_kind += l->kind() == layer->kind();
  layer->set_name(std::string(layer->kind()) + "_" + std::to_string(same_kind));
  layers_.push_back(std::move(layer));
  y_.resize(layers_.size());
  relink();
}

template <class T>
void Network<T>::add(const DenseOptions& opts) {
  opts.validate();
  DenseOptions dense = opts;
  dense.dropout = 0;
  add(std::make_unique<Dense<T>>(dense));
  if (opts.dropout > 0) add(std::make_unique<Dropout<T>>(opts.dropout, Shape::flat(opts.out)));
}

template <class T>
void Network<T>::relink() {
  params_.clear();
  for (const auto& l : layers_)
    for (Param<T>* p : l->params()) params_.push_back(p);
  chain_.clear();
  dense_chain_ = !layers_.empty();
  for (std::size_t l = 0; l < layers_.size() && dense_chain_; ++l) {
    if (auto* d = layers_[l]->template as<Dense<T>>()) {
      chain_.push_back({d, l, nullptr});
    } else if (auto* drop = layers_[l]->template as<Dropout<T>>();
               drop && !chain_.empty() && !chain_.back().dropout && chain_.back().index + 1 == l) {
      chain_.back().dropout = drop;
    } else {
      dense_chain_ = false;
    }
  }
  if (!dense_chain_) chain_.clear();
}

template <class T>
std::size_t Network<T>::parameter_count() const noexcept {
  std::size_t n = 0;
  for (const Param<T>* p : params_) n += p->size();
  return n;
}

template <class T>
void Network<T>::check_input(const Matrix<T>& x) const {
  if (layers_.empty()) throw UsageError("Network::forward: the network has no layers");
  if (x.cols() != in())
    throw UsageError("input has " + std::to_string(x.cols()) + " features per sample, expected " +
                     std::to_string(in()) + " (the network's input width)");
  if (layers_.back()->template as<Dropout<T>>())
    throw UsageError("dropout as the last layer (layer " + std::to_string(layers_.size()) +
                     ", " + layers_.back()->name() + "); dropout belongs between layers");
}

template <class T>
const Matrix<T>& Network<T>::forward(const Matrix<T>& x) {
  check_input(x);
  const ForwardContext ctx{training_, &dropout_rng_};
  const Matrix<T>* in = &x;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layers_[l]->forward(*in, y_[l], ctx);
    in = &y_[l];
  }
  return y_.back();
}

template <class T>
T Network<T>::loss_value(const Matrix<T>& t) const {
  const Layer<T>& last = *layers_.back();
  if (const auto oa = last.output_activation())
    return loss_forward(loss_, oa->act, last.pre_activation(), y_.back(), t);
  return loss_forward(loss_, Activation::kIdentity, y_.back(), y_.back(), t);
}

template <class T>
void Network<T>::predict(const Matrix<T>& x, Matrix<T>& out, InferenceScratch<T>& scratch) const {
  check_input(x);
  const std::size_t L = layers_.size();
  const Matrix<T>* in = &x;
  for (std::size_t l = 0; l < L; ++l) {
    Matrix<T>& y = l + 1 == L ? out : scratch.h[l % 2];
    layers_[l]->infer(*in, y, scratch);
    in = &y;
  }
}

template <class T>
Matrix<T> Network<T>::predict(const Matrix<T>& x) const {
  InferenceScratch<T> scratch;
  Matrix<T> out;
  predict(x, out, scratch);
  return out;
}

template <class T>
T Network<T>::loss_value(const Matrix<T>& t, const Matrix<T>& out,
                         const InferenceScratch<T>& scratch) const {
  if (const auto oa = layers_.back()->output_activation())
    return loss_forward(loss_, oa->act, scratch.z, out, t);
  return loss_forward(loss_, Activation::kIdentity, out, out, t);
}

// Layer l's backward: from the loss for the last layer (fused with its output activation when
// it has one), else from dE/dy that layer l + 1 left in g_[(l + 1) % 2]. dx: g_[l % 2], or the
// input gradient, or nothing.
template <class T>
void Network<T>::backward_layer(std::size_t l, const Matrix<T>& in, const Matrix<T>& t,
                                Matrix<T>* dx) {
  Layer<T>& layer = *layers_[l];
  Matrix<T>& dy = g_[(l + 1) % 2];
  if (l + 1 == layers_.size()) {
    if (layer.output_activation()) return layer.backward_loss(loss_, in, y_[l], t, dx);
    loss_backward(loss_, Activation::kIdentity, T(0), y_[l], y_[l], t, dy);
  }
  layer.backward(in, y_[l], dy, dx);
}

template <class T>
void Network<T>::backward(const Matrix<T>& x, const Matrix<T>& t, bool need_dx,
                          const std::function<void(Layer<T>&)>* on_layer) {
  BP_ASSERT(!layers_.empty() && y_.size() == layers_.size());
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Matrix<T>& in = l == 0 ? x : y_[l - 1];
    Matrix<T>* dx = l > 0 ? &g_[l % 2] : (need_dx ? &dx_ : nullptr);
    if (!on_layer) {
      backward_layer(l, in, t, dx);
      continue;
    }
    // Gradients, then the hook, then the error through the (maybe new) parameters.
    Dense<T>* dense = layers_[l]->template as<Dense<T>>();
    if (!dense && !layers_[l]->params().empty())
      throw UsageError("layer-wise updates need dense layers; " + layers_[l]->name() + " is " +
                       std::string(layers_[l]->kind()));
    backward_layer(l, in, t, dense ? nullptr : dx);
    (*on_layer)(*layers_[l]);
    if (dense && dx) dense->backward_input(dense->dz(), *dx);
  }
}

template <class T>
void Network<T>::zero_grad() noexcept {
  for (Param<T>* p : params_) p->grad.fill(T(0));
}

template class Network<float>;
template class Network<double>;

}  // namespace bp
