// `backprop export`: a model file as ONNX (bp::model_to_onnx, docs/onnx.md) or as NumPy's .npz
// (every parameter and buffer under its name).
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/backprop.hpp"
#include "backprop/io/npz.hpp"
#include "backprop/io/onnx.hpp"
#include "commands.hpp"

namespace bp::cli {

namespace {

struct ExportArgs {
  std::string model, output, format = "onnx";
  int opset = 13;
  bool logits = false;
};

int run_export(const ExportArgs& a) {
  const Model<float> m = load_model<float>(a.model);
  std::string bytes;
  if (a.format == "onnx") {
    bytes = model_to_onnx(m.net, m.info, {.opset = a.opset, .logits = a.logits});
  } else {
    if (a.logits) throw UsageError("--logits applies to --format onnx only; got --format npz");
    bytes = model_to_npz(m.net);
  }
  write_file_atomically(a.output, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
  std::fprintf(stderr, "backprop export: %s written to %s (%zu bytes)\n", a.format.c_str(),
               a.output.c_str(), bytes.size());
  return 0;
}

}  // namespace

void register_export(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand(
      "export", "Write a model file as ONNX (for ONNX Runtime, PyTorch, ...) or NumPy .npz weights");
  auto a = std::make_shared<ExportArgs>();
  cmd->add_option("model", a->model, "The model file (train --output)")->required();
  cmd->add_option("-o,--output", a->output, "The file to write")->required();
  cmd->add_option("--format", a->format, "onnx (default) or npz")
      ->check(CLI::IsMember({"onnx", "npz"}));
  cmd->add_option("--opset", a->opset, "ONNX opset: 13 (default) or 17")->check(CLI::IsMember({13, 17}));
  cmd->add_flag("--logits", a->logits, "Leave out the output layer's activation (softmax, sigmoid, ...)");
  cmd->callback([&run, a] { run = [a] { return run_export(*a); }; });
}

}  // namespace bp::cli
