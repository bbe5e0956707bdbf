#pragma once
// OptimizerConfig: a Keras 3 optimizer's name and hyperparameters with Keras's defaults
// (reference section 7.3), plus how sparse gradients are applied (Keras's dense semantics or a
// named lazy mode).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/status.h"

namespace embedscope {

enum class UpdateMode {
  Dense,  // Keras 3: every row's statistics decay every step and untouched rows move
  Lazy,   // TF-Addons LazyAdam / PyTorch SparseAdam: only rows with a gradient change
          // (their statistics, weight decay and update); a dense gradient part (the embeddings
          // regularizer's) gives every row a gradient, so lazy then equals dense. The constraint
          // still projects the whole table, as Keras does.
};
std::string_view updateModeName(UpdateMode m);  // "dense" | "lazy"
Result<UpdateMode> parseUpdateMode(std::string_view text);

struct OptimizerConfig {
  std::string name = "adam";  // sgd | rmsprop | adam | adamw | adagrad | ftrl (Keras's lowercase names)
  double learningRate = 0.001;
  // SGD / RMSprop
  double momentum = 0.0;
  bool nesterov = false;
  double rho = 0.9;
  bool centered = false;
  // Adam / AdamW
  double beta1 = 0.9;
  double beta2 = 0.999;
  bool amsgrad = false;
  double epsilon = 1e-7;
  // Every optimizer (Keras's BaseOptimizer); AdamW defaults to 0.004.
  std::optional<double> weightDecay;
  // Adagrad / Ftrl
  double initialAccumulatorValue = 0.1;
  // Ftrl
  double learningRatePower = -0.5;
  double l1RegularizationStrength = 0.0;
  double l2RegularizationStrength = 0.0;
  double l2ShrinkageRegularizationStrength = 0.0;
  double beta = 0.0;
  // Gradient clipping (Keras applies clipnorm, else global_clipnorm, else clipvalue).
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> globalClipnorm;

  UpdateMode updates = UpdateMode::Dense;
  int threads = 1;  // rows split in blocks; results never depend on it

  // Keras's defaults for that optimizer (sgd: lr 0.01; adamw: weight_decay 0.004; others 0.001).
  // Asserts on an unknown name; use makeOptimizerConfig for user input.
  static OptimizerConfig defaults(std::string_view name);

  // "keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, ...)"; the lazy mode is noted in a comment.
  std::string toKerasRepr() const;
};

// Builds a config from a name and Keras-named arguments as text ({"learning_rate", "0.1"},
// {"beta_1", "0.8"}, {"amsgrad", "true"}), starting from defaults(name). Unknown optimizer:
// "Could not interpret optimizer identifier: foo"; an argument the class does not take:
// "Adam.__init__() got an unexpected keyword argument 'rho'". Runs validateOptimizerConfig.
Result<OptimizerConfig> makeOptimizerConfig(std::string_view name,
                                            const std::vector<std::pair<std::string, std::string>>& kerasArgs);

// Keras's value checks, with its messages ("`momentum` must be a float between [0, 1].",
// "Only one of `clipnorm` and `global_clipnorm` can be set. Received: clipnorm=1.0, global_clipnorm=1.0",
// Ftrl's "... needs to be positive or zero. Received: ..."), plus learning_rate > 0 and finite values.
Status validateOptimizerConfig(const OptimizerConfig& config);

std::vector<std::string> optimizerNames();

}  // namespace embedscope
