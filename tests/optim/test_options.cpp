// OptimizerOptions: validate() names the field and the bad value; the factory and PyTorch's
// per-optimizer defaults.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "backprop/core/error.hpp"
#include "backprop/optim/adam.hpp"
#include "backprop/optim/options.hpp"

namespace bp {
namespace {

// Expects validate() to throw UsageError whose message contains every piece.
void expect_rejected(const std::function<void(OptimizerOptions&)>& edit,
                     std::initializer_list<const char*> pieces) {
  OptimizerOptions o;
  o.name = "adam";
  edit(o);
  try {
    o.validate();
    ADD_FAILURE() << "validate() accepted the options; expected an error with " << *pieces.begin();
  } catch (const UsageError& e) {
    // The library is used directly too: messages name the option, never the class.
    EXPECT_EQ(std::string(e.what()).find("OptimizerOptions"), std::string::npos) << e.what();
    for (const char* piece : pieces)
      EXPECT_NE(std::string(e.what()).find(piece), std::string::npos)
          << "message \"" << e.what() << "\" lacks \"" << piece << "\"";
  }
}

TEST(OptimizerOptions, ValidateNamesFieldAndValue) {
  const double inf = std::numeric_limits<double>::infinity();
  expect_rejected([](auto& o) { o.lr = 0.0; }, {"lr", "= 0"});
  expect_rejected([](auto& o) { o.lr = -0.5; }, {"lr", "-0.5"});
  expect_rejected([&](auto& o) { o.lr = inf; }, {"lr", "inf"});
  expect_rejected([](auto& o) { o.lr = std::nan(""); }, {"lr", "nan"});
  expect_rejected([](auto& o) { o.beta1 = 1.0; }, {"beta1", "= 1", "[0, 1)"});
  expect_rejected([](auto& o) { o.beta2 = -0.1; }, {"beta2", "-0.1"});
  expect_rejected([](auto& o) { o.momentum = -0.9; }, {"momentum", "-0.9"});
  expect_rejected([](auto& o) { o.eps = 0.0; }, {"eps", "= 0"});
  expect_rejected([](auto& o) { o.weight_decay = -1.0; }, {"weight_decay", "-1"});
  expect_rejected([](auto& o) { o.nesterov = true; }, {"nesterov", "momentum = 0"});
  expect_rejected([](auto& o) { o.nesterov = true, o.momentum = 0.9, o.dampening = 0.1; },
                  {"nesterov", "dampening = 0.1"});
  expect_rejected([](auto& o) { o.dampening = 1.5; }, {"dampening", "1.5"});
  expect_rejected([](auto& o) { o.alpha = 1.0; }, {"alpha", "= 1"});
  expect_rejected([](auto& o) { o.rho = 1.1; }, {"rho", "1.1"});
  expect_rejected([](auto& o) { o.lr_decay = -1.0; }, {"lr_decay", "-1"});
  expect_rejected([](auto& o) { o.initial_accumulator_value = -1.0; }, {"initial_accumulator_value"});
  expect_rejected([](auto& o) { o.eta_minus = 1.0; }, {"eta_minus", "(0, 1)"});
  expect_rejected([](auto& o) { o.eta_plus = 1.0; }, {"eta_plus", "> 1"});
  expect_rejected([](auto& o) { o.step_size_min = 0.0; }, {"step_size_min"});
  expect_rejected([](auto& o) { o.step_size_max = 1e-7; }, {"step_size_max", "1e-07"});
  expect_rejected([](auto& o) { o.max_iter = 0; }, {"max_iter", "0"});
  expect_rejected([](auto& o) { o.history_size = 0; }, {"history_size"});
  expect_rejected([](auto& o) { o.line_search_fn = "armijo"; }, {"line_search_fn", "armijo"});
  expect_rejected([](auto& o) { o.name = "adamax"; }, {"unknown optimizer", "adamax"});
  expect_rejected([](auto& o) { o.name = "lbfgs", o.weight_decay = 0.1; }, {"weight_decay", "lbfgs"});
}

TEST(OptimizerOptions, DefaultsArePyTorchs) {
  OptimizerOptions o;
  // sgd: Keras's 0.01 (PyTorch 1.13 has no default and requires lr).
  const std::pair<const char*, double> lrs[] = {{"sgd", 1e-2},     {"adam", 1e-3},    {"adamw", 1e-3}, {"rmsprop", 1e-2},
                                                {"adagrad", 1e-2}, {"adadelta", 1.0}, {"rprop", 1e-2},
                                                {"irprop+", 1e-2}, {"lbfgs", 1.0}};
  for (const auto& [name, lr] : lrs) {
    o.name = name;
    EXPECT_EQ(o.lr_or_default(), lr) << name;
    auto opt = make_optimizer<double>(o);
    EXPECT_EQ(opt->lr(), lr) << name;
    EXPECT_EQ(opt->name(), o.name == "irprop-" ? "rprop" : o.name);
  }
  o.name = "adamw";
  EXPECT_EQ(o.weight_decay_or_default(), 1e-2);
  o.name = "adam";
  EXPECT_EQ(o.weight_decay_or_default(), 0.0);
  EXPECT_EQ(o.eps_or_default(), 1e-8);
  o.name = "adagrad";
  EXPECT_EQ(o.eps_or_default(), 1e-10);
  o.name = "adadelta";
  EXPECT_EQ(o.eps_or_default(), 1e-6);
  o.name = "sgd";
  EXPECT_EQ(o.lr_or_default(), 1e-2);
  o.lr = 0.1;
  EXPECT_EQ(make_optimizer<float>(o)->name(), "sgd");
  o.name = "irprop-";
  EXPECT_EQ(make_optimizer<float>(o)->name(), "rprop");
}

// A class constructed directly takes its own defaults, whatever opts.name says.
TEST(OptimizerOptions, DirectConstructionUsesTheClassDefaults) {
  OptimizerOptions o;  // name "sgd", no lr
  Adam<double> adam(o);
  EXPECT_EQ(adam.name(), "adam");
  EXPECT_EQ(adam.lr(), 1e-3);
}

TEST(OptimizerOptions, SetLrAcceptsZeroButNotNegative) {
  OptimizerOptions o;
  o.name = "adam";
  auto opt = make_optimizer<double>(o);
  opt->set_lr(0.0);
  EXPECT_EQ(opt->lr(), 0.0);
  EXPECT_THROW(opt->set_lr(-1e-3), UsageError);
  EXPECT_THROW(opt->set_lr(std::numeric_limits<double>::infinity()), UsageError);
}

}  // namespace
}  // namespace bp
