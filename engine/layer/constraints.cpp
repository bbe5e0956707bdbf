#include "engine/layer/constraints.h"

#include <algorithm>
#include <cmath>

namespace embedscope {

int constraintAxis(const ConstraintSpec& spec) {
  const long long a = spec.has("axis") ? std::llround(spec.number("axis")) : 0;
  return (a == 1 || a == -1) ? 1 : 0;
}

namespace {

// The factor Keras multiplies w by, given a norm: desired / (eps + norm).
struct NormRule {
  enum Kind { Max, Unit, MinMax } kind;
  float minValue = 0, maxValue = 0, rate = 1;

  float factor(float norm) const {
    const float eps = static_cast<float>(kKerasEpsilon);
    switch (kind) {
      case Max: return std::clamp(norm, 0.0f, maxValue) / (eps + norm);
      case Unit: return 1.0f / (eps + norm);
      case MinMax: return (rate * std::clamp(norm, minValue, maxValue) + (1.0f - rate) * norm) / (eps + norm);
    }
    return 1.0f;
  }
};

}  // namespace

void applyConstraint(const ConstraintSpec& spec, Matrix& w, std::vector<float>* rowDelta) {
  const Eigen::Index rows = w.rows(), cols = w.cols();
  if (rowDelta) rowDelta->assign(static_cast<std::size_t>(rows), 0.0f);
  if (spec.name == "non_neg") {
    for (Eigen::Index r = 0; r < rows; ++r) {
      float* p = w.data() + r * cols;
      double d2 = 0.0;
      for (Eigen::Index c = 0; c < cols; ++c) {
        const float v = std::max(p[c], 0.0f);
        d2 += double(v - p[c]) * double(v - p[c]);
        p[c] = v;
      }
      if (rowDelta) (*rowDelta)[static_cast<std::size_t>(r)] = static_cast<float>(std::sqrt(d2));
    }
    return;
  }
  NormRule rule{NormRule::Max};
  if (spec.name == "max_norm") {
    rule = {NormRule::Max, 0.0f, static_cast<float>(spec.number("max_value", 2.0)), 1.0f};
  } else if (spec.name == "unit_norm") {
    rule = {NormRule::Unit};
  } else if (spec.name == "min_max_norm") {
    rule = {NormRule::MinMax, static_cast<float>(spec.number("min_value", 0.0)),
            static_cast<float>(spec.number("max_value", 1.0)), static_cast<float>(spec.number("rate", 1.0))};
  } else {
    return;  // validated specs never get here
  }
  if (constraintAxis(spec) == 1) {
    // Per token: the norm of each row.
    for (Eigen::Index r = 0; r < rows; ++r) {
      float* p = w.data() + r * cols;
      double ss = 0.0;
      for (Eigen::Index c = 0; c < cols; ++c) ss += double(p[c]) * double(p[c]);
      const float f = rule.factor(static_cast<float>(std::sqrt(ss)));
      double d2 = 0.0;
      for (Eigen::Index c = 0; c < cols; ++c) {
        const float v = p[c] * f;
        d2 += double(v - p[c]) * double(v - p[c]);
        p[c] = v;
      }
      if (rowDelta) (*rowDelta)[static_cast<std::size_t>(r)] = static_cast<float>(std::sqrt(d2));
    }
    return;
  }
  // Keras's default axis 0: one norm per column, over the whole vocabulary.
  std::vector<double> ss(static_cast<std::size_t>(cols), 0.0);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const float* p = w.data() + r * cols;
    for (Eigen::Index c = 0; c < cols; ++c) ss[static_cast<std::size_t>(c)] += double(p[c]) * double(p[c]);
  }
  std::vector<float> f(static_cast<std::size_t>(cols));
  for (Eigen::Index c = 0; c < cols; ++c)
    f[static_cast<std::size_t>(c)] = rule.factor(static_cast<float>(std::sqrt(ss[static_cast<std::size_t>(c)])));
  for (Eigen::Index r = 0; r < rows; ++r) {
    float* p = w.data() + r * cols;
    double d2 = 0.0;
    for (Eigen::Index c = 0; c < cols; ++c) {
      const float v = p[c] * f[static_cast<std::size_t>(c)];
      if (rowDelta) d2 += double(v - p[c]) * double(v - p[c]);
      p[c] = v;
    }
    if (rowDelta) (*rowDelta)[static_cast<std::size_t>(r)] = static_cast<float>(std::sqrt(d2));
  }
}

}  // namespace embedscope
