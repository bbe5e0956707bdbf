#include "ui/models/engine_bridge.h"

#include <mutex>

#include "engine/compute/vulkan/device_info.h"

namespace embedscope::ui {

namespace {

void setIfPresent(ObjectSpec& spec, const char* key, double value) {
  if (spec.has(key)) spec.set(key, value);
}

}  // namespace

Result<LayerConfig> toLayerConfig(const LayerSettings& s) {
  LayerConfig c;
  c.inputDim = parseKerasInt(s.inputDim).value.value_or(0);
  c.outputDim = parseKerasInt(s.outputDim).value.value_or(0);
  const auto len = parseKerasInt(s.inputLength).value;
  if (len) c.inputLength = *len;
  auto init = parseInitializerSpec(s.embeddingsInitializer.toStdString());
  if (!init) return init.status();
  InitializerSpec spec = *init;
  setIfPresent(spec, "minval", s.minval);
  setIfPresent(spec, "maxval", s.maxval);
  setIfPresent(spec, "mean", s.mean);
  setIfPresent(spec, "stddev", s.stddev);
  setIfPresent(spec, "scale", s.scale);
  setIfPresent(spec, "gain", s.gain);
  setIfPresent(spec, "value", s.value);
  if (spec.has("mode")) spec.setText("mode", s.mode.toStdString());
  if (spec.has("distribution")) spec.setText("distribution", s.distribution.toStdString());
  c.embeddingsInitializer = spec;
  auto reg = [&](const QString& kind, double l1, double l2, double factor) -> Result<std::optional<RegularizerSpec>> {
    if (kind == "None") return std::optional<RegularizerSpec>{};
    auto r = parseRegularizerSpec(kind.toStdString());
    if (!r) return r.status();
    RegularizerSpec rs = *r;
    setIfPresent(rs, "l1", l1);
    setIfPresent(rs, "l2", l2);
    setIfPresent(rs, "factor", factor);
    return std::optional<RegularizerSpec>(rs);
  };
  auto er = reg(s.embeddingsRegularizer, s.regularizerL1, s.regularizerL2, s.regularizerFactor);
  if (!er) return er.status();
  c.embeddingsRegularizer = *er;
  auto ar = reg(s.activityRegularizer, s.activityL, s.activityL, 0.01);
  if (!ar) return ar.status();
  c.activityRegularizer = *ar;
  if (s.embeddingsConstraint != "None") {
    auto k = parseConstraintSpec(s.embeddingsConstraint.toStdString());
    if (!k) return k.status();
    ConstraintSpec cs = *k;
    setIfPresent(cs, "max_value", s.constraintMaxValue);
    setIfPresent(cs, "min_value", s.constraintMinValue);
    setIfPresent(cs, "rate", s.constraintRate);
    setIfPresent(cs, "axis", s.constraintAxis);
    c.embeddingsConstraint = cs;
  }
  c.maskZero = s.maskZero;
  const auto rank = parseKerasInt(s.loraRank).value;
  if (rank) c.loraRank = *rank;
  bool ok = false;
  const double alpha = s.loraAlpha.trimmed().toDouble(&ok);
  if (rank && ok) c.loraAlpha = alpha;
  c.seed = static_cast<std::uint64_t>(parseKerasInt(s.initializerSeed).value.value_or(0));
  c.name = s.name.toStdString();
  return c;
}

Result<OptimizerConfig> toOptimizerConfig(const OptimizerSettings& o) {
  std::vector<std::pair<std::string, std::string>> args;
  auto num = [](double v) { return QString::number(v, 'g', 17).toStdString(); };
  args.push_back({"learning_rate", num(o.learningRate)});
  const std::string n = o.name.toStdString();
  if (n == "sgd") {
    args.push_back({"momentum", num(o.momentum)});
    args.push_back({"nesterov", o.nesterov ? "true" : "false"});
  } else if (n == "rmsprop") {
    args.push_back({"rho", num(o.rho)});
    args.push_back({"momentum", num(o.momentum)});
    args.push_back({"epsilon", num(o.epsilon)});
    args.push_back({"centered", o.centered ? "true" : "false"});
  } else if (n == "adam" || n == "adamw") {
    args.push_back({"beta_1", num(o.beta1)});
    args.push_back({"beta_2", num(o.beta2)});
    args.push_back({"epsilon", num(o.epsilon)});
    args.push_back({"amsgrad", o.amsgrad ? "true" : "false"});
    if (n == "adamw") args.push_back({"weight_decay", num(o.weightDecay)});
  } else if (n == "adagrad") {
    args.push_back({"initial_accumulator_value", num(o.initialAccumulatorValue)});
    args.push_back({"epsilon", num(o.epsilon)});
  }
  auto c = makeOptimizerConfig(n, args);
  if (!c) return c.status();
  c->updates = o.lazy ? UpdateMode::Lazy : UpdateMode::Dense;
  return c;
}

compute::EngineChoice toEngineChoice(const QString& engine) {
  if (engine == "vulkan") return compute::EngineChoice::Vulkan;
  if (engine == "cpu") return compute::EngineChoice::Cpu;
  return compute::EngineChoice::Auto;
}

QString vulkanDeviceDescription() {
  static std::once_flag once;
  static QString text;
  std::call_once(once, [] {
    auto devices = vk::enumerateDevices();
    if (!devices) {
      text = QString("no Vulkan: %1").arg(QString::fromStdString(devices.status().message()));
      return;
    }
    const vk::DeviceChoice choice = vk::chooseVulkanDevice(*devices);
    if (!choice.index) {
      text = QString("no usable device: %1").arg(QString::fromStdString(choice.reason));
      return;
    }
    const vk::DeviceInfo& d = (*devices)[*choice.index];
    text = QString("%1 (%2)").arg(QString::fromStdString(d.name), vk::deviceTypeName(d.type));
  });
  return text;
}

}  // namespace embedscope::ui
