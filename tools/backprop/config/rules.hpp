// Checks that involve more than one key, and the probe of every output a command will write.
// Both run once the configuration is resolved, before any data is read or any training starts.
#pragma once

#include "train_config.hpp"

namespace bp::cli {

/// `backprop train`: --nesterov needs --momentum, --warmup-epochs below --epochs, early stopping on
/// val_* needs --validation-split, --checkpoint-every needs --checkpoint, distinct output files, and
/// training data given. Each refusal names the key where it came from (ConfigFlags::fail).
void check_train_rules(const nlohmann::ordered_json& cfg, const ConfigFlags& flags);

/// Checks that every input key of the schema (Type::kInput) that is set names a readable file:
/// NoInputError (exit 66) otherwise.
void probe_inputs(const nlohmann::ordered_json& cfg, const Schema& schema);

/// Probes every output key of the schema (Type::kOutput) that is set and not "-" (standard
/// output): CantCreateError (exit 73) when it could not be written (bp::probe_output).
void probe_outputs(const nlohmann::ordered_json& cfg, const Schema& schema);

}  // namespace bp::cli
