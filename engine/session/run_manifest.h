#pragma once
// The run manifest: what was trained, how, with which seed, on which engine and with which
// program version, as JSON. Stored in checkpoints and beside --metrics, so a figure can be traced
// to the run that made it.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/layer/layer_config.h"
#include "engine/optim/optimizer_config.h"
#include "engine/session/trainer.h"

namespace embedscope::session {

struct RunManifest {
  std::string task;
  std::string data;  // "preset sentiment", the file paths, ...
  LayerConfig layer;
  OptimizerConfig optimizer;
  std::int64_t batchSize = 0, epochs = 0;
  bool shuffle = true;
  double validationSplit = 0.0;
  std::uint64_t seed = 0;
  compute::BackendInfo engine;
  std::string engineReason;
  std::string version;  // embedscope's
  // The `embedscope train` arguments that rebuild the run (train_command_line.h), which is what
  // lets `train --resume SESSION` run with no other flags; empty when the run has none.
  std::vector<std::string> commandLine;
  std::string writtenBy = "embedscope train";  // or "explorer window"
};

// The command line a manifest (JSON, as manifestToJson writes it) keeps; empty when it keeps none
// (sessions the explorer window wrote before it kept one), DataError when the JSON is malformed.
Result<std::vector<std::string>> manifestCommandLine(const std::string& manifestJson);

std::string manifestToJson(const RunManifest& m);

}  // namespace embedscope::session
