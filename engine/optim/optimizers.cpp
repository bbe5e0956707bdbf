// The six Keras 3 optimizers: slots and per-row updates, each delegating its math to update_rules.h.
#include <cmath>

#include "engine/optim/optimizer.h"
#include "engine/optim/update_rules.h"

namespace embedscope {
namespace {

Matrix zeros(std::int64_t r, std::int64_t c) { return Matrix::Zero(r, c); }

class Sgd final : public Optimizer {
 public:
  explicit Sgd(OptimizerConfig c) : Optimizer(std::move(c)) {}
  std::vector<std::string> slotNames() const override {
    if (m_config.momentum != 0.0) return {"momentum"};
    return {};
  }

 protected:
  void createSlots(Var& v) const override {
    if (m_config.momentum != 0.0) v.slotData.push_back(zeros(v.rows, v.cols));
  }
  void beginStep(std::int64_t, float lr) override {
    m_s = {lr, static_cast<float>(m_config.momentum), m_config.nesterov};
  }
  void updateRow(float* w, float* const* s, const float* g, std::int64_t n) const override {
    rules::sgdRow(w, m_config.momentum != 0.0 ? s[0] : nullptr, g, n, m_s);
  }
  bool untouchedRowsUnchanged() const override { return m_config.momentum == 0.0; }

 private:
  rules::SgdScalars m_s{};
};

class Rmsprop final : public Optimizer {
 public:
  explicit Rmsprop(OptimizerConfig c) : Optimizer(std::move(c)) {}
  std::vector<std::string> slotNames() const override {
    std::vector<std::string> n{"velocity"};
    if (m_config.momentum > 0.0) n.emplace_back("momentum");
    if (m_config.centered) n.emplace_back("average_gradient");
    return n;
  }

 protected:
  void createSlots(Var& v) const override {
    for (std::size_t i = 0; i < slotNames().size(); ++i) v.slotData.push_back(zeros(v.rows, v.cols));
  }
  void beginStep(std::int64_t, float lr) override {
    m_s = {lr, static_cast<float>(m_config.rho), static_cast<float>(m_config.momentum),
           static_cast<float>(m_config.epsilon)};
  }
  void updateRow(float* w, float* const* s, const float* g, std::int64_t n) const override {
    const bool mom = m_config.momentum > 0.0;
    float* momRow = mom ? s[1] : nullptr;
    float* avgRow = m_config.centered ? s[mom ? 2 : 1] : nullptr;
    rules::rmspropRow(w, s[0], momRow, avgRow, g, n, m_s);
  }

 private:
  rules::RmspropScalars m_s{};
};

class Adam final : public Optimizer {
 public:
  explicit Adam(OptimizerConfig c) : Optimizer(std::move(c)) {}
  std::vector<std::string> slotNames() const override {
    if (m_config.amsgrad) return {"momentum", "velocity", "velocity_hat"};
    return {"momentum", "velocity"};
  }

 protected:
  void createSlots(Var& v) const override {
    for (std::size_t i = 0; i < slotNames().size(); ++i) v.slotData.push_back(zeros(v.rows, v.cols));
  }
  void beginStep(std::int64_t t, float lr) override {
    m_s = rules::adamScalars(lr, static_cast<float>(m_config.beta1), static_cast<float>(m_config.beta2),
                             static_cast<float>(m_config.epsilon), t);
  }
  void updateRow(float* w, float* const* s, const float* g, std::int64_t n) const override {
    rules::adamRow(w, s[0], s[1], m_config.amsgrad ? s[2] : nullptr, g, n, m_s);
  }

 private:
  rules::AdamScalars m_s{};
};

class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(OptimizerConfig c) : Optimizer(std::move(c)) {}
  std::vector<std::string> slotNames() const override { return {"accumulator"}; }

 protected:
  void createSlots(Var& v) const override {
    v.slotData.push_back(Matrix::Constant(v.rows, v.cols, static_cast<float>(m_config.initialAccumulatorValue)));
  }
  void beginStep(std::int64_t, float lr) override { m_s = {lr, static_cast<float>(m_config.epsilon)}; }
  void updateRow(float* w, float* const* s, const float* g, std::int64_t n) const override {
    rules::adagradRow(w, s[0], g, n, m_s);
  }
  // A zero gradient subtracts 0 / sqrt(acc + eps): exactly nothing unless acc + eps is 0 (then NaN, as Keras).
  bool untouchedRowsUnchanged() const override {
    return static_cast<float>(m_config.initialAccumulatorValue) + static_cast<float>(m_config.epsilon) > 0.0f;
  }

 private:
  rules::AdagradScalars m_s{};
};

class Ftrl final : public Optimizer {
 public:
  explicit Ftrl(OptimizerConfig c) : Optimizer(std::move(c)) {}
  std::vector<std::string> slotNames() const override { return {"accumulator", "linear"}; }

 protected:
  void createSlots(Var& v) const override {
    v.slotData.push_back(Matrix::Constant(v.rows, v.cols, static_cast<float>(m_config.initialAccumulatorValue)));
    v.slotData.push_back(zeros(v.rows, v.cols));
  }
  void beginStep(std::int64_t, float lr) override {
    const auto l2 = static_cast<float>(m_config.l2RegularizationStrength);
    const auto beta = static_cast<float>(m_config.beta);
    m_s = {lr, static_cast<float>(-m_config.learningRatePower), static_cast<float>(m_config.l1RegularizationStrength),
           l2 + beta / (2.0f * lr), static_cast<float>(m_config.l2ShrinkageRegularizationStrength)};
  }
  void updateRow(float* w, float* const* s, const float* g, std::int64_t n) const override {
    rules::ftrlRow(w, s[0], s[1], g, n, m_s);
  }

 private:
  rules::FtrlScalars m_s{};
};

}  // namespace

Result<std::unique_ptr<Optimizer>> Optimizer::create(const OptimizerConfig& config) {
  EMBEDSCOPE_TRY(validateOptimizerConfig(config));
  std::unique_ptr<Optimizer> o;
  if (config.name == "sgd") o.reset(new Sgd(config));
  else if (config.name == "rmsprop") o.reset(new Rmsprop(config));
  else if (config.name == "adam" || config.name == "adamw") o.reset(new Adam(config));
  else if (config.name == "adagrad") o.reset(new Adagrad(config));
  else if (config.name == "ftrl") o.reset(new Ftrl(config));
  else return Status::invalidArgument("Could not interpret optimizer identifier: " + config.name);
  return o;
}

}  // namespace embedscope
