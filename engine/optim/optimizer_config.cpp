#include "engine/optim/optimizer_config.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>

#include "engine/layer/object_spec.h"

namespace embedscope {
namespace {

const char* className(std::string_view name) {
  if (name == "sgd") return "SGD";
  if (name == "rmsprop") return "RMSprop";
  if (name == "adam") return "Adam";
  if (name == "adamw") return "AdamW";
  if (name == "adagrad") return "Adagrad";
  if (name == "ftrl") return "Ftrl";
  return nullptr;
}

std::vector<std::string> ownKeys(std::string_view name) {
  if (name == "sgd") return {"momentum", "nesterov"};
  if (name == "rmsprop") return {"rho", "momentum", "epsilon", "centered"};
  if (name == "adam" || name == "adamw") return {"beta_1", "beta_2", "epsilon", "amsgrad"};
  if (name == "adagrad") return {"initial_accumulator_value", "epsilon"};
  if (name == "ftrl")
    return {"learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
            "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta"};
  return {};
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Result<double> number(const std::string& key, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    return Status::invalidArgument("Invalid value for argument `" + key + "`: expected a number. Received: " + key +
                                   "=" + text);
  return v;
}

Result<bool> boolean(const std::string& key, const std::string& text) {
  const std::string t = lower(text);
  if (t == "true" || t == "1" || t == "yes" || t.empty()) return true;
  if (t == "false" || t == "0" || t == "no") return false;
  return Status::invalidArgument("Invalid value for argument `" + key + "`: expected True or False. Received: " + key +
                                 "=" + text);
}

std::string optFloat(const std::optional<double>& v) { return v ? pythonFloat(*v) : "None"; }

}  // namespace

std::string_view updateModeName(UpdateMode m) { return m == UpdateMode::Lazy ? "lazy" : "dense"; }

Result<UpdateMode> parseUpdateMode(std::string_view text) {
  if (text == "dense") return UpdateMode::Dense;
  if (text == "lazy") return UpdateMode::Lazy;
  return Status::invalidArgument("Invalid value for `updates`: expected one of {dense, lazy}. Received: updates=" +
                                 std::string(text));
}

OptimizerConfig OptimizerConfig::defaults(std::string_view name) {
  OptimizerConfig c;
  c.name = std::string(name);
  assert(className(name) != nullptr && "unknown optimizer");
  c.learningRate = name == "sgd" ? 0.01 : 0.001;
  if (name == "adamw") c.weightDecay = 0.004;
  return c;
}

std::string OptimizerConfig::toKerasRepr() const {
  std::string out = std::string("keras.optimizers.") + (className(name) ? className(name) : name.c_str()) +
                    "(learning_rate=" + pythonFloat(learningRate);
  auto add = [&](const char* k, const std::string& v) { out += std::string(", ") + k + "=" + v; };
  auto pyBool = [](bool b) { return std::string(b ? "True" : "False"); };
  if (name == "sgd") {
    add("momentum", pythonFloat(momentum));
    add("nesterov", pyBool(nesterov));
  } else if (name == "rmsprop") {
    add("rho", pythonFloat(rho));
    add("momentum", pythonFloat(momentum));
    add("epsilon", pythonFloat(epsilon));
    add("centered", pyBool(centered));
  } else if (name == "adam" || name == "adamw") {
    if (name == "adamw") add("weight_decay", optFloat(weightDecay));
    add("beta_1", pythonFloat(beta1));
    add("beta_2", pythonFloat(beta2));
    add("epsilon", pythonFloat(epsilon));
    add("amsgrad", pyBool(amsgrad));
  } else if (name == "adagrad") {
    add("initial_accumulator_value", pythonFloat(initialAccumulatorValue));
    add("epsilon", pythonFloat(epsilon));
  } else if (name == "ftrl") {
    add("learning_rate_power", pythonFloat(learningRatePower));
    add("initial_accumulator_value", pythonFloat(initialAccumulatorValue));
    add("l1_regularization_strength", pythonFloat(l1RegularizationStrength));
    add("l2_regularization_strength", pythonFloat(l2RegularizationStrength));
    add("l2_shrinkage_regularization_strength", pythonFloat(l2ShrinkageRegularizationStrength));
    add("beta", pythonFloat(beta));
  }
  if (name != "adamw" && weightDecay) add("weight_decay", pythonFloat(*weightDecay));
  if (clipnorm) add("clipnorm", pythonFloat(*clipnorm));
  if (clipvalue) add("clipvalue", pythonFloat(*clipvalue));
  if (globalClipnorm) add("global_clipnorm", pythonFloat(*globalClipnorm));
  out += ")";
  if (updates == UpdateMode::Lazy)
    out += "  # Embedscope applied lazy (touched-rows-only) updates; Keras 3 itself updates every row";
  return out;
}

Result<OptimizerConfig> makeOptimizerConfig(std::string_view rawName,
                                            const std::vector<std::pair<std::string, std::string>>& args) {
  const std::string name = lower(rawName);
  if (className(name) == nullptr)
    return Status::invalidArgument("Could not interpret optimizer identifier: " + std::string(rawName));
  OptimizerConfig c = OptimizerConfig::defaults(name);
  const std::vector<std::string> own = ownKeys(name);
  for (const auto& [key, text] : args) {
    const bool base = key == "learning_rate" || key == "weight_decay" || key == "clipnorm" || key == "clipvalue" ||
                      key == "global_clipnorm";
    if (!base && std::find(own.begin(), own.end(), key) == own.end())
      return Status::invalidArgument(std::string(className(name)) +
                                     ".__init__() got an unexpected keyword argument '" + key + "'");
    if (key == "nesterov" || key == "centered" || key == "amsgrad") {
      auto b = boolean(key, text);
      if (!b) return b.status();
      (key == "nesterov" ? c.nesterov : key == "centered" ? c.centered : c.amsgrad) = *b;
      continue;
    }
    if (key == "weight_decay" && (text == "None" || text == "none")) {
      c.weightDecay.reset();
      continue;
    }
    auto v = number(key, text);
    if (!v) return v.status();
    const double x = *v;
    if (key == "learning_rate") c.learningRate = x;
    else if (key == "weight_decay") c.weightDecay = x;
    else if (key == "clipnorm") c.clipnorm = x;
    else if (key == "clipvalue") c.clipvalue = x;
    else if (key == "global_clipnorm") c.globalClipnorm = x;
    else if (key == "momentum") c.momentum = x;
    else if (key == "rho") c.rho = x;
    else if (key == "epsilon") c.epsilon = x;
    else if (key == "beta_1") c.beta1 = x;
    else if (key == "beta_2") c.beta2 = x;
    else if (key == "initial_accumulator_value") c.initialAccumulatorValue = x;
    else if (key == "learning_rate_power") c.learningRatePower = x;
    else if (key == "l1_regularization_strength") c.l1RegularizationStrength = x;
    else if (key == "l2_regularization_strength") c.l2RegularizationStrength = x;
    else if (key == "l2_shrinkage_regularization_strength") c.l2ShrinkageRegularizationStrength = x;
    else if (key == "beta") c.beta = x;
  }
  EMBEDSCOPE_TRY(validateOptimizerConfig(c));
  return c;
}

Status validateOptimizerConfig(const OptimizerConfig& c) {
  if (className(c.name) == nullptr) return Status::invalidArgument("Could not interpret optimizer identifier: " + c.name);
  if (!std::isfinite(c.learningRate))
    return Status::invalidArgument(
        "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable (that takes "
        "in the current iteration value and returns the corresponding learning rate value). Received instead: "
        "learning_rate=" + pythonFloat(c.learningRate));
  if (c.clipnorm && c.globalClipnorm)
    return Status::invalidArgument("Only one of `clipnorm` and `global_clipnorm` can be set. Received: clipnorm=" +
                                   pythonFloat(*c.clipnorm) + ", global_clipnorm=" + pythonFloat(*c.globalClipnorm));
  for (const auto& [k, v] : {std::pair{"clipnorm", c.clipnorm}, std::pair{"clipvalue", c.clipvalue},
                             std::pair{"global_clipnorm", c.globalClipnorm}, std::pair{"weight_decay", c.weightDecay}})
    if (v && !std::isfinite(*v))
      return Status::invalidArgument(std::string("Argument `") + k + "` must be a finite float. Received: " + k + "=" +
                                     pythonFloat(*v));
  if (c.name == "sgd" && !(c.momentum >= 0.0 && c.momentum <= 1.0))
    return Status::invalidArgument("`momentum` must be a float between [0, 1].");
  if (c.name == "adamw" && !c.weightDecay)
    return Status::invalidArgument("Argument `weight_decay` must be a float. Received: weight_decay=None");
  if (c.name == "ftrl") {
    if (c.initialAccumulatorValue < 0.0)
      return Status::invalidArgument(
          "`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=" +
          pythonFloat(c.initialAccumulatorValue) + ".");
    if (c.learningRatePower > 0.0)
      return Status::invalidArgument("`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=" +
                                     pythonFloat(c.learningRatePower) + ".");
    if (c.l1RegularizationStrength < 0.0)
      return Status::invalidArgument(
          "`l1_regularization_strength` needs to be positive or zero. Received: l1_regularization_strength=" +
          pythonFloat(c.l1RegularizationStrength) + ".");
    if (c.l2RegularizationStrength < 0.0)
      return Status::invalidArgument(
          "`l2_regularization_strength` needs to be positive or zero. Received: l2_regularization_strength=" +
          pythonFloat(c.l2RegularizationStrength) + ".");
    if (c.l2ShrinkageRegularizationStrength < 0.0)
      return Status::invalidArgument(
          "`l2_shrinkage_regularization_strength` needs to be positive or zero. Received: "
          "l2_shrinkage_regularization_strength=" + pythonFloat(c.l2ShrinkageRegularizationStrength) + ".");
    if (c.beta < 0.0)
      return Status::invalidArgument("`beta` needs to be positive or zero. Received: beta=" + pythonFloat(c.beta) + ".");
  }
  for (double v : {c.momentum, c.rho, c.beta1, c.beta2, c.epsilon, c.initialAccumulatorValue})
    if (!std::isfinite(v)) return Status::invalidArgument("optimizer hyperparameters must be finite numbers");
  if (c.threads < 1)
    return Status::invalidArgument("`threads` must be a positive integer. Received: threads=" +
                                   std::to_string(c.threads));
  return Status::ok();
}

std::vector<std::string> optimizerNames() { return {"sgd", "rmsprop", "adam", "adamw", "adagrad", "ftrl"}; }

}  // namespace embedscope
