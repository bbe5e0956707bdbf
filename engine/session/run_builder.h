#pragma once
// From a run's description (what the CLI flags or the UI's forms say) to the pieces a training
// needs: the data loaded and checked, the layer's table initialised, the backend and the task
// built. Configuration mistakes are InvalidArgument (exit 2), data problems DataError/OutOfRange/
// IoError (exit 1), each with its message; nothing is written.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/compute/backend_registry.h"
#include "engine/data/vocabulary.h"
#include "engine/layer/layer_config.h"
#include "engine/optim/optimizer_config.h"
#include "engine/tasks/task.h"

namespace embedscope::session {

struct RunSpec {
  std::string task;              // "regression" | "classify" (skip-gram registers its own builder)
  std::string preset;            // "keras-example", "sentiment", "planted-clusters", or empty for files
  std::string idsPath, targetsPath;  // regression files (.npy)
  std::string dataPath;              // classify TSV
  std::int64_t maxLength = 0;        // classify: 0 = the longest example (planted-clusters: 12)
  std::int64_t numClasses = 0;       // planted-clusters: its classes (0 = 6)
  // The layer. inputDim / outputDim 0 = from the data, the preset or --init.
  LayerConfig layer;
  OptimizerConfig optimizer = OptimizerConfig::defaults("adam");
  std::int64_t batchSize = 32;
  std::int64_t epochs = 1;
  bool shuffle = true;
  double validationSplit = 0.0;
  std::uint64_t seed = 0;
  compute::EngineChoice engine = compute::EngineChoice::Cpu;
  int threads = 1;
};

struct Run {
  std::unique_ptr<compute::Backend> backend;
  std::unique_ptr<tasks::Task> task;
  std::optional<data::Vocabulary> vocabulary;  // classify: the words behind the table's rows
  LayerConfig layer;                           // as resolved (dims filled in)
  Matrix initialTable;                         // the effective table before training
  std::string engineReason;
  std::vector<std::string> warnings;
  std::int64_t examples = 0;
};

// The defaults a preset brings (dims, optimizer, epochs) where the spec left them unset.
struct PresetDefaults {
  std::int64_t inputDim = 0, outputDim = 0, epochs = 0, batchSize = 0;
  std::string optimizer;
  double learningRate = 0.0;
  double validationSplit = 0.0;
  bool maskZero = false;
};
std::optional<PresetDefaults> presetDefaults(const std::string& task, const std::string& preset);

Result<Run> buildRun(RunSpec spec);

}  // namespace embedscope::session
