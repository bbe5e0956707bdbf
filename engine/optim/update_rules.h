#pragma once
// Keras 3's update formulas, one function per optimizer, written per element in float32 in the
// order Keras evaluates them (keras/src/optimizers/*.py). This file is the single source of the
// math: the CPU optimizers call these functions and the Vulkan shaders mirror them line by line.
// g is the (clipped) gradient; a row with no gradient in dense mode is run with g = 0.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace embedscope::rules {

// --- Weight decay (BaseOptimizer._apply_weight_decay), before the update: w = w - w * wd * lr.
inline void weightDecayRow(float* w, std::int64_t n, float wd, float lr) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) w[i] = w[i] - w[i] * wd * lr;
}

// --- Clipping (BaseOptimizer._clip_gradients). clipnorm: g = (g * c) / max(norm, c), the norm of
// each variable's whole gradient. global_clipnorm: g = g * (c * min(1/globalNorm, 1/c)).
// clipvalue: g = clip(g, -c, c). Keras applies the first of clipnorm, global_clipnorm, clipvalue set.
inline float globalClipScale(float c, float globalNorm) { return c * std::min(1.0f / globalNorm, 1.0f / c); }

// --- SGD: lr, momentum, nesterov. Slot "momentum" when momentum != 0.
struct SgdScalars {
  float lr;
  float momentum;
  bool nesterov;
};
inline void sgdRow(float* w, float* m, const float* g, std::int64_t n, const SgdScalars& s) {
  if (m == nullptr) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) w[i] = w[i] - g[i] * s.lr;
  } else if (!s.nesterov) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = -g[i] * s.lr + m[i] * s.momentum;
      w[i] = w[i] + m[i];
    }
  } else {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = -g[i] * s.lr + m[i] * s.momentum;
      w[i] = w[i] + (-g[i] * s.lr + m[i] * s.momentum);
    }
  }
}

// --- RMSprop: velocity = rho v + (1 - rho) g^2; centered: average_gradient = rho a + (1 - rho) g,
// den = v - a^2 + eps, else den = v + eps; inc = lr g / sqrt(den); momentum > 0: mom = mu mom + inc,
// w -= mom, else w -= inc.
struct RmspropScalars {
  float lr;
  float rho;
  float momentum;
  float epsilon;
};
// One loop per combination of centered / momentum, so each vectorises.
template <bool Centered, bool Momentum>
inline void rmspropRowT(float* w, float* v, float* mom, float* avg, const float* g, std::int64_t n,
                        const RmspropScalars& s) {
  const float rho = s.rho, oneMinusRho = 1.0f - s.rho, lr = s.lr, eps = s.epsilon, mu = s.momentum;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float vi = rho * v[i] + oneMinusRho * (gi * gi);
    v[i] = vi;
    float den = vi + eps;
    if constexpr (Centered) {
      const float ai = rho * avg[i] + oneMinusRho * gi;
      avg[i] = ai;
      den = vi - ai * ai + eps;
    }
    const float inc = (lr * gi) / std::sqrt(den);
    if constexpr (Momentum) {
      const float mi = mu * mom[i] + inc;
      mom[i] = mi;
      w[i] = w[i] - mi;
    } else {
      w[i] = w[i] - inc;
    }
  }
}
inline void rmspropRow(float* w, float* v, float* mom, float* avg, const float* g, std::int64_t n,
                       const RmspropScalars& s) {
  if (avg != nullptr) {
    if (mom != nullptr) rmspropRowT<true, true>(w, v, mom, avg, g, n, s);
    else rmspropRowT<true, false>(w, v, mom, avg, g, n, s);
  } else {
    if (mom != nullptr) rmspropRowT<false, true>(w, v, mom, avg, g, n, s);
    else rmspropRowT<false, false>(w, v, mom, avg, g, n, s);
  }
}

// --- Adam / AdamW: alpha = lr sqrt(1 - b2^t) / (1 - b1^t) with t = iterations + 1;
// m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); amsgrad: vh = max(vh, v), use vh;
// w -= (m alpha) / (sqrt(v) + eps). AdamW is Adam plus the weight decay above.
struct AdamScalars {
  float alpha;
  float beta1;
  float beta2;
  float epsilon;
};
inline AdamScalars adamScalars(float lr, float beta1, float beta2, float epsilon, std::int64_t t) {
  const float tf = static_cast<float>(t);
  const float b1p = std::pow(beta1, tf);
  const float b2p = std::pow(beta2, tf);
  return {lr * std::sqrt(1.0f - b2p) / (1.0f - b1p), beta1, beta2, epsilon};
}
inline void adamRow(float* w, float* m, float* v, float* vhat, const float* g, std::int64_t n, const AdamScalars& s) {
  const float c1 = 1.0f - s.beta1;
  const float c2 = 1.0f - s.beta2;
  if (vhat == nullptr) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = m[i] + (g[i] - m[i]) * c1;
      v[i] = v[i] + (g[i] * g[i] - v[i]) * c2;
      w[i] = w[i] - (m[i] * s.alpha) / (std::sqrt(v[i]) + s.epsilon);
    }
  } else {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = m[i] + (g[i] - m[i]) * c1;
      v[i] = v[i] + (g[i] * g[i] - v[i]) * c2;
      vhat[i] = std::max(vhat[i], v[i]);
      w[i] = w[i] - (m[i] * s.alpha) / (std::sqrt(vhat[i]) + s.epsilon);
    }
  }
}

// --- Adagrad: accumulator (starts at initial_accumulator_value) += g^2; w -= lr g / sqrt(acc + eps).
struct AdagradScalars {
  float lr;
  float epsilon;
};
inline void adagradRow(float* w, float* acc, const float* g, std::int64_t n, const AdagradScalars& s) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    acc[i] = acc[i] + g[i] * g[i];
    w[i] = w[i] - (s.lr * g[i]) / std::sqrt(acc[i] + s.epsilon);
  }
}

// --- Ftrl: l2' = l2 + beta / (2 lr); g' = g + 2 l2_shrinkage w; n' = n + g^2;
// z += g' - (n'^(-p) - n^(-p)) / lr * w; q = n'^(-p) / lr + 2 l2'; w = (clip(z, -l1, l1) - z) / q;
// n = n'. p = learning_rate_power (-0.5 by default, so n^(-p) = sqrt(n), computed with sqrt then).
// Slots "accumulator" (n, starts at initial_accumulator_value) and "linear" (z, zeros).
struct FtrlScalars {
  float lr;
  float negPower;  // -learning_rate_power
  float l1;
  float l2Adjusted;  // l2 + beta / (2 lr)
  float l2Shrinkage;
};
template <bool SqrtPower>
inline float ftrlPow(float x, float negPower) {
  if constexpr (SqrtPower) return std::sqrt(x);
  else return std::pow(x, negPower);
}
template <bool SqrtPower>
inline void ftrlRowT(float* w, float* acc, float* lin, const float* g, std::int64_t n, const FtrlScalars& s) {
  const float lr = s.lr, negPower = s.negPower, l1 = s.l1, l2 = s.l2Adjusted, shrink = s.l2Shrinkage;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const float wi = w[i], gi = g[i], ai = acc[i];
    const float gUse = gi + 2.0f * shrink * wi;
    const float newAcc = ai + gi * gi;
    const float pNew = ftrlPow<SqrtPower>(newAcc, negPower);
    const float pOld = ftrlPow<SqrtPower>(ai, negPower);
    const float z = lin[i] + (gUse - (pNew - pOld) / lr * wi);
    lin[i] = z;
    const float quadratic = pNew / lr + 2.0f * l2;
    const float clipped = std::min(std::max(z, -l1), l1);
    w[i] = (clipped - z) / quadratic;
    acc[i] = newAcc;
  }
}
// p = -0.5 (the default) takes the sqrt path, which is exact and vectorises.
inline void ftrlRow(float* w, float* acc, float* lin, const float* g, std::int64_t n, const FtrlScalars& s) {
  if (s.negPower == 0.5f) ftrlRowT<true>(w, acc, lin, g, n, s);
  else ftrlRowT<false>(w, acc, lin, g, n, s);
}

}  // namespace embedscope::rules
