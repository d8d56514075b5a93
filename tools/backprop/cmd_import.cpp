// `backprop import`: an ONNX file (torch.onnx.export's MLPs and CNNs, or backprop's own export)
// as a model file (bp::model_from_onnx, docs/onnx.md).
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/backprop.hpp"
#include "backprop/io/onnx.hpp"
#include "commands.hpp"

namespace bp::cli {

void register_import(CLI::App& app, Run& run) {
  CLI::App* cmd = app.add_subcommand("import", "Read an ONNX model (MLP or CNN) and write it as a model file");
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  cmd->add_option("onnx", *input, "The ONNX file")->required();
  cmd->add_option("-o,--output", *output, "The model file to write (.bpm)")->required();
  cmd->callback([&run, input, output] {
    run = [input, output] {
      const Model<float> m = model_from_onnx<float>(read_file(*input), *input);
      save_model(*output, m.net, m.info);
      std::fprintf(stderr, "backprop import: %zu layers, %zu parameters written to %s\n", m.net.depth(),
                   m.net.parameter_count(), output->c_str());
      return 0;
    };
  });
}

}  // namespace bp::cli
