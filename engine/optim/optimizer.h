#pragma once
// The optimizer interface: applies row-sparse (SparseRowGrad) and/or dense gradients to
// registered variables in Keras 3's order: clip -> weight decay -> update -> constraint ->
// iterations += 1. Formulas live in update_rules.h, one struct per optimizer.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/object_spec.h"
#include "engine/optim/optimizer_config.h"
#include "engine/optim/update_stats.h"

namespace embedscope {

// One variable's gradient for one step: a row-sparse part, a dense part, or both (their sum is
// the gradient, e.g. the lookup gradient plus the embeddings regularizer's). Neither = no
// gradient: Keras skips the variable (no decay, no update).
struct VariableGrad {
  int variable = 0;
  Matrix* value = nullptr;                 // the variable itself, updated in place
  const SparseRowGrad* sparse = nullptr;
  const Matrix* dense = nullptr;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // Validates the config and builds the optimizer.
  static Result<std::unique_ptr<Optimizer>> create(const OptimizerConfig& config);

  const OptimizerConfig& config() const { return m_config; }
  double learningRate() const { return m_config.learningRate; }
  void setLearningRate(double lr) { m_config.learningRate = lr; }  // schedules (skip-gram's linear decay)
  std::int64_t iterations() const { return m_iterations; }

  // Registers a variable and creates its slots (Keras's build). Returns its index.
  int addVariable(std::string name, std::int64_t rows, std::int64_t cols,
                  std::optional<ConstraintSpec> constraint = std::nullopt);
  int variableCount() const { return static_cast<int>(m_vars.size()); }
  const std::string& variableName(int variable) const;

  // Slot names of this optimizer, Keras's (adam: "momentum", "velocity" [+ "velocity_hat"];
  // sgd: "momentum" when momentum > 0; rmsprop: "velocity" [+ "momentum"] [+ "average_gradient"];
  // adagrad: "accumulator"; ftrl: "accumulator", "linear").
  virtual std::vector<std::string> slotNames() const = 0;
  // A slot by name; "m" and "v" are accepted for Adam's momentum and velocity. nullptr if none.
  const Matrix* slot(int variable, std::string_view name) const;
  Matrix* mutableSlot(int variable, std::string_view name);  // sessions restore slots through it

  // One step over the given variables (each at most once). stats, when given, receives one entry per
  // element of grads. Fails (InvalidArgument) on a shape mismatch or an unknown variable; nothing is
  // changed then.
  Status apply(std::span<const VariableGrad> grads, std::vector<UpdateStats>* stats = nullptr);

  // Convenience for one variable (registered on first use as "embeddings" with the constraint given then).
  Status applyTable(Matrix& table, const SparseRowGrad* sparse, const Matrix* dense = nullptr,
                    UpdateStats* stats = nullptr, const std::optional<ConstraintSpec>& constraint = std::nullopt);

  void setIterations(std::int64_t it) { m_iterations = it; }  // sessions restore the step counter

 protected:
  explicit Optimizer(OptimizerConfig config) : m_config(std::move(config)) {}

  struct Var {
    std::string name;
    std::int64_t rows = 0, cols = 0;
    std::optional<ConstraintSpec> constraint;
    std::vector<Matrix> slotData;  // in slotNames() order ("slots" is a Qt macro)
  };
  // Creates the slots (zeros or the optimizer's initial value).
  virtual void createSlots(Var& var) const = 0;
  // Scalars for step t (1-based) fixed before the row loop.
  virtual void beginStep(std::int64_t t, float lr) = 0;
  // Updates one row of width n: w, its slots at that row, g (nullptr = zero gradient, a row
  // untouched this step in dense mode).
  virtual void updateRow(float* w, float* const* slotRows, const float* g, std::int64_t n) const = 0;
  // True when a zero gradient leaves a row and its slots exactly as they were (SGD without
  // momentum, Adagrad): dense mode may then skip untouched rows with the same result.
  virtual bool untouchedRowsUnchanged() const { return false; }

  OptimizerConfig m_config;
  std::vector<Var> m_vars;
  std::int64_t m_iterations = 0;

 private:
  Status applyOne(const VariableGrad& grad, double clipScale, UpdateStats* stats);
};

}  // namespace embedscope
