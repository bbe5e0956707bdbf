#pragma once
// Task: what the Embedding is trained on. A task owns its data, its batches, its head and its
// metric; the Trainer (engine/session) drives any task through this interface, so skip-gram plugs
// in beside regression and classify. A task does its arithmetic through the Backend it is given.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/optim/update_stats.h"

namespace embedscope::tasks {

struct EvalResult {
  double loss = 0.0;
  double metric = 0.0;
  std::int64_t examples = 0;
};

class Task {
 public:
  virtual ~Task() = default;

  virtual std::string name() const = 0;        // "regression" | "classify" | "skipgram"
  virtual std::string metricName() const = 0;  // Keras's metric name: "accuracy", "mse", ...

  // Registers the task's own variables (a head) with the backend's optimizer. Called once, before
  // the first step (and before restoring a checkpoint).
  virtual Status prepare(compute::Backend& backend) = 0;

  // Epochs are 0-based. startEpoch reshuffles (seeded by the epoch, so a resumed run visits the
  // same order as an uninterrupted one).
  virtual void startEpoch(std::int64_t epoch) = 0;
  virtual std::int64_t stepsPerEpoch() const = 0;
  // One optimizer step: batch `step` (0-based within the epoch). A non-finite loss is returned as
  // the step's loss *without* updating anything, so the caller keeps the last good state.
  virtual Result<compute::StepResult> step(compute::Backend& backend, std::int64_t step,
                                           std::vector<UpdateStats>* stats) = 0;
  // The epoch metric from the summed step results (accuracy = correct / examples, ...).
  virtual double metricFromSums(double metricSum, std::int64_t examples) const = 0;

  // Validation (Keras's validation_split). hasValidation() false = no val_ columns.
  virtual bool hasValidation() const { return false; }
  virtual Result<EvalResult> validate(compute::Backend& /*backend*/) { return EvalResult{}; }

  virtual std::int64_t trainExamples() const = 0;
  // Work units for throughput: examples (or corpus tokens for skip-gram) per epoch.
  virtual std::int64_t workPerEpoch() const { return trainExamples(); }
  virtual std::string workUnit() const { return "examples"; }

  // The task's own trainable state for checkpoints ("head/kernel", ...).
  virtual void exportState(std::vector<std::pair<std::string, Matrix>>& /*out*/) const {}
  virtual Status importState(const std::vector<std::pair<std::string, Matrix>>& /*state*/) { return Status::ok(); }
};

}  // namespace embedscope::tasks
