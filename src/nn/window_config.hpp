// Reading and checking a Window2D (kernel, stride, padding) of a convolution or pooling layer's
// config, with one-line errors naming the field, what was expected and what was found.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "backprop/core/error.hpp"
#include "backprop/nn/window2d.hpp"
#include "nn/layer_config.hpp"

namespace bp::window_config {

using Json = nlohmann::ordered_json;

/// How a layer type restricts its window.
struct Rules {
  bool stride_defaults_to_kernel = false;  ///< pooling: stride = kernel unless given
  bool allow_same = false;                 ///< convolution: padding "same" (stride 1 only)
  bool pad_up_to_half_kernel = false;      ///< pooling: pad <= k / 2; convolution: pad <= k - 1
};

inline Json pair_json(std::size_t a, std::size_t b) { return Json::array({a, b}); }
inline Json pads_json(const Window2D& w) {
  return Json::array({w.pad_top, w.pad_left, w.pad_bottom, w.pad_right});
}

inline bool is_count(const Json& v, std::size_t min) {
  return v.is_number_unsigned() && v.get<std::size_t>() >= min;
}

/// An integer >= 1, or a pair [h, w] of them.
inline void read_pair(const Json& config, const char* key, std::size_t& h, std::size_t& w) {
  const Json* v = layer_config::field(config, key);
  if (!v) throw UsageError("field '" + std::string(key) + "' is missing; expected an integer >= 1 "
                           "or a pair [h, w] of them");
  if (is_count(*v, 1)) {
    h = w = v->get<std::size_t>();
  } else if (v->is_array() && v->size() == 2 && is_count((*v)[0], 1) && is_count((*v)[1], 1)) {
    h = (*v)[0].get<std::size_t>();
    w = (*v)[1].get<std::size_t>();
  } else {
    layer_config::fail(key, *v, "an integer >= 1 or a pair [h, w] of them");
  }
}

/// "valid", "same" (where allowed, stride 1), an integer >= 0, [h, w] or [top, left, bottom, right].
inline void read_padding(const Json& config, Window2D& win, const Rules& rules) {
  const Json* v = layer_config::field(config, "padding");
  if (!v) return;
  const char* expected = rules.allow_same
                             ? "\"valid\", \"same\", an integer >= 0, [h, w] or "
                               "[top, left, bottom, right] of them"
                             : "\"valid\", an integer >= 0, [h, w] or [top, left, bottom, right] "
                               "of them";
  const auto all_counts = [&] {
    for (const Json& e : *v)
      if (!is_count(e, 0)) return false;
    return true;
  };
  if (v->is_string() && v->get<std::string>() == "valid") {
    win.pad_top = win.pad_left = win.pad_bottom = win.pad_right = 0;
  } else if (rules.allow_same && v->is_string() && v->get<std::string>() == "same") {
    if (win.sh != 1 || win.sw != 1)
      layer_config::fail("padding", *v, "\"valid\" or explicit pads with a stride other than 1 "
                                        "(\"same\" needs stride 1, as in PyTorch)");
    // PyTorch: the total kernel - 1, the smaller half on top / left.
    win.pad_top = (win.kh - 1) / 2;
    win.pad_bottom = win.kh - 1 - win.pad_top;
    win.pad_left = (win.kw - 1) / 2;
    win.pad_right = win.kw - 1 - win.pad_left;
  } else if (is_count(*v, 0)) {
    win.pad_top = win.pad_left = win.pad_bottom = win.pad_right = v->get<std::size_t>();
  } else if (v->is_array() && v->size() == 2 && all_counts()) {
    win.pad_top = win.pad_bottom = (*v)[0].get<std::size_t>();
    win.pad_left = win.pad_right = (*v)[1].get<std::size_t>();
  } else if (v->is_array() && v->size() == 4 && all_counts()) {
    win.pad_top = (*v)[0].get<std::size_t>();
    win.pad_left = (*v)[1].get<std::size_t>();
    win.pad_bottom = (*v)[2].get<std::size_t>();
    win.pad_right = (*v)[3].get<std::size_t>();
  } else {
    layer_config::fail("padding", *v, expected);
  }
}

/// The window of `config`'s "kernel", "stride" and "padding" fields.
inline Window2D read(const Json& config, const Rules& rules) {
  Window2D win;
  read_pair(config, "kernel", win.kh, win.kw);
  if (layer_config::field(config, "stride")) {
    read_pair(config, "stride", win.sh, win.sw);
  } else if (rules.stride_defaults_to_kernel) {
    win.sh = win.kh;
    win.sw = win.kw;
  }
  read_padding(config, win, rules);
  return win;
}

/// Throws UsageError naming the field when the window cannot run over inputs of shape `in`:
/// a zero kernel or stride, padding beyond the rule, a kernel larger than the padded input.
inline void check(const Window2D& w, Shape in, const Rules& rules) {
  if (in.size() == 0) throw ShapeError("input shape " + to_string(in) + " is empty");
  if (w.kh == 0 || w.kw == 0) layer_config::fail("kernel", pair_json(w.kh, w.kw), "integers >= 1");
  if (w.sh == 0 || w.sw == 0) layer_config::fail("stride", pair_json(w.sh, w.sw), "integers >= 1");
  const std::size_t max_h = rules.pad_up_to_half_kernel ? w.kh / 2 : w.kh - 1;
  const std::size_t max_w = rules.pad_up_to_half_kernel ? w.kw / 2 : w.kw - 1;
  if (w.pad_top > max_h || w.pad_bottom > max_h || w.pad_left > max_w || w.pad_right > max_w)
    layer_config::fail("padding", pads_json(w),
                       (std::string("at most ") +
                        (rules.pad_up_to_half_kernel ? "half the kernel" : "the kernel - 1") +
                        " per side: " + std::to_string(max_h) + " rows, " +
                        std::to_string(max_w) + " columns")
                           .c_str());
  const std::size_t ph = in.h + w.pad_top + w.pad_bottom, pw = in.w + w.pad_left + w.pad_right;
  if (w.kh > ph || w.kw > pw)
    layer_config::fail("kernel", pair_json(w.kh, w.kw),
                       ("at most the padded input " + std::to_string(ph) + "x" +
                        std::to_string(pw) + " (input " + to_string(in) + ", padding " +
                        pads_json(w).dump() + ")")
                           .c_str());
}

}  // namespace bp::window_config
