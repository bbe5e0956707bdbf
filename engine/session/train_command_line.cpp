#include "engine/session/train_command_line.h"

#include <cstdio>

#include "engine/compute/backend_registry.h"

namespace embedscope::session {

namespace {

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Result<std::vector<std::string>> trainCommandLine(const RunSpec& spec, const LayerConfig& layer, std::int64_t epochs) {
  if (spec.task != "regression" && spec.task != "classify")
    return Status::unavailable("only regression and classify runs have a `train` command line here");
  std::vector<std::string> a{"--task", spec.task};
  auto flag = [&](const char* f, std::string v) {
    a.emplace_back(f);
    a.push_back(std::move(v));
  };
  if (!spec.preset.empty()) flag("--preset", spec.preset);
  if (!spec.dataPath.empty()) flag("--data", spec.dataPath);
  if (!spec.idsPath.empty()) flag("--ids", spec.idsPath);
  if (!spec.targetsPath.empty()) flag("--targets", spec.targetsPath);
  if (spec.maxLength > 0) flag("--max-length", std::to_string(spec.maxLength));
  if (spec.numClasses > 0 && spec.preset == "planted-clusters") flag("--num-classes", std::to_string(spec.numClasses));

  flag("--input-dim", std::to_string(layer.inputDim));
  flag("--output-dim", std::to_string(layer.outputDim));
  flag("--embeddings-initializer", layer.embeddingsInitializer.toText());
  if (layer.embeddingsRegularizer) flag("--embeddings-regularizer", layer.embeddingsRegularizer->toText());
  if (layer.activityRegularizer) flag("--activity-regularizer", layer.activityRegularizer->toText());
  if (layer.embeddingsConstraint) flag("--embeddings-constraint", layer.embeddingsConstraint->toText());
  if (layer.maskZero) a.emplace_back("--mask-zero");
  if (layer.loraRank) {
    flag("--lora-rank", std::to_string(*layer.loraRank));
    if (layer.loraAlpha) flag("--lora-alpha", exact(*layer.loraAlpha));
  }

  // The optimizer: its name and every argument that differs from Keras's defaults for it (the CLI
  // starts from those defaults and rejects arguments the optimizer does not take).
  const OptimizerConfig& o = spec.optimizer;
  const OptimizerConfig d = OptimizerConfig::defaults(o.name);
  if (o.learningRatePower != d.learningRatePower || o.l1RegularizationStrength != d.l1RegularizationStrength ||
      o.l2RegularizationStrength != d.l2RegularizationStrength ||
      o.l2ShrinkageRegularizationStrength != d.l2ShrinkageRegularizationStrength || o.beta != d.beta)
    return Status::unavailable("Ftrl's own arguments have no `train` flags");
  flag("--optimizer", o.name);
  flag("--learning-rate", exact(o.learningRate));
  auto number = [&](const char* f, double v, double def) {
    if (v != def) flag(f, exact(v));
  };
  auto optional = [&](const char* f, const std::optional<double>& v, const std::optional<double>& def) {
    if (v && v != def) flag(f, exact(*v));
  };
  auto onOff = [&](const char* f, bool v, bool def) {
    if (v != def) a.emplace_back(f);
  };
  number("--momentum", o.momentum, d.momentum);
  onOff("--nesterov", o.nesterov, d.nesterov);
  number("--rho", o.rho, d.rho);
  onOff("--centered", o.centered, d.centered);
  number("--beta-1", o.beta1, d.beta1);
  number("--beta-2", o.beta2, d.beta2);
  onOff("--amsgrad", o.amsgrad, d.amsgrad);
  number("--epsilon", o.epsilon, d.epsilon);
  optional("--weight-decay", o.weightDecay, d.weightDecay);
  number("--initial-accumulator-value", o.initialAccumulatorValue, d.initialAccumulatorValue);
  optional("--clipnorm", o.clipnorm, d.clipnorm);
  optional("--clipvalue", o.clipvalue, d.clipvalue);
  optional("--global-clipnorm", o.globalClipnorm, d.globalClipnorm);
  if (o.updates != UpdateMode::Dense) flag("--updates", std::string(updateModeName(o.updates)));

  flag("--batch-size", std::to_string(spec.batchSize));
  flag("--epochs", std::to_string(epochs));
  if (!spec.shuffle) a.emplace_back("--no-shuffle");
  if (spec.validationSplit != 0) flag("--validation-split", exact(spec.validationSplit));
  flag("--seed", std::to_string(spec.seed));
  flag("--engine", std::string(compute::engineChoiceName(spec.engine)));
  flag("--threads", std::to_string(spec.threads));
  return a;
}

}  // namespace embedscope::session
