#pragma once
// What one optimizer step did to one variable, for the UI's "which rows moved" view and for
// comparing dense and lazy modes.
#include <cstdint>
#include <string>
#include <vector>

namespace embedscope {

struct UpdateStats {
  std::string variable;                 // "embeddings", "lora_a", ...
  std::int64_t step = 0;                // the optimizer's iteration this step was (0-based)
  std::vector<std::int64_t> gradRows;   // rows that had a gradient this step (sorted); every row for a dense gradient
  // Per row (size = the variable's rows): L2 norm of the change made by weight decay + the update.
  std::vector<float> rowDelta;
  // Per row, the L2 norm of the change the constraint then made (empty without a constraint).
  std::vector<float> constraintRowDelta;
  std::int64_t rowsMoved = 0;           // rows with rowDelta > 0 or constraintRowDelta > 0
  // Rows that moved without a gradient this step: Keras 3's dense semantics (decaying moments,
  // momentum, weight decay, Ftrl) or the constraint; always 0 in lazy mode without a constraint.
  std::int64_t rowsMovedWithoutGrad = 0;
  double gradNorm = 0.0;                // norm of the gradient before clipping (global norm for global_clipnorm)
  double clipScale = 1.0;               // the factor clipnorm / global_clipnorm applied (1 = none)
};

}  // namespace embedscope
