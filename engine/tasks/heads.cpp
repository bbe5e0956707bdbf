#include "engine/tasks/heads.h"

#include <cassert>
#include <cmath>
#include <vector>

namespace embedscope::tasks {

double mseLoss(const float* out, const float* targets, std::int64_t positions, std::int64_t dim,
               const std::int64_t* maskIds, float* dOut, double* sse) {
  std::int64_t valid = positions;
  if (maskIds) {
    valid = 0;
    for (std::int64_t p = 0; p < positions; ++p) valid += maskIds[p] != 0;
  }
  double total = 0.0;
  const float scale = valid > 0 ? 2.0f / (static_cast<float>(valid) * static_cast<float>(dim)) : 0.0f;
  for (std::int64_t p = 0; p < positions; ++p) {
    const float* o = out + p * dim;
    const float* y = targets + p * dim;
    float* g = dOut ? dOut + p * dim : nullptr;
    if (maskIds && maskIds[p] == 0) {
      if (g) std::fill(g, g + dim, 0.0f);
      continue;
    }
    double s = 0.0;
    for (std::int64_t d = 0; d < dim; ++d) {
      const float diff = o[d] - y[d];
      s += static_cast<double>(diff) * diff;
      if (g) g[d] = scale * diff;
    }
    total += s;
  }
  if (sse) *sse = total;
  if (valid == 0) return 0.0;
  return total / (static_cast<double>(valid) * static_cast<double>(dim));
}

double denseSoftmaxLoss(const Matrix& pooled, const compute::DenseHead& head, const std::int64_t* labels,
                        Matrix* dPooled, compute::DenseHead* headGrad, std::int64_t* correct) {
  const Eigen::Index batch = pooled.rows();
  const Eigen::Index classes = head.kernel.cols();
  const Eigen::Index dim = pooled.cols();
  // Plain loops rather than Eigen products: the head is tiny (D x C), and GCC 12 raises false
  // uninitialized warnings inside Eigen's AVX-512 product kernels, which -Werror turns into errors.
  Matrix logits(batch, classes);
  for (Eigen::Index b = 0; b < batch; ++b)
    for (Eigen::Index c = 0; c < classes; ++c) {
      float z = head.bias(0, c);
      for (Eigen::Index k = 0; k < dim; ++k) z += pooled(b, k) * head.kernel(k, c);
      logits(b, c) = z;
    }
  double loss = 0.0;
  std::int64_t right = 0;
  Matrix dLogits(batch, classes);
  const float invBatch = 1.0f / static_cast<float>(batch);
  for (Eigen::Index b = 0; b < batch; ++b) {
    const auto label = static_cast<Eigen::Index>(labels[b]);
    assert(label >= 0 && label < classes);
    Eigen::Index argmax = 0;
    float maxLogit = logits(b, 0);
    for (Eigen::Index c = 1; c < classes; ++c)
      if (logits(b, c) > maxLogit) {
        maxLogit = logits(b, c);
        argmax = c;
      }
    right += argmax == label && std::isfinite(maxLogit);
    // Log-sum-exp with the max subtracted, in double: the loss of a confident row stays finite.
    double sum = 0.0;
    for (Eigen::Index c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(logits(b, c) - maxLogit));
    const double logSum = std::log(sum) + maxLogit;
    loss += logSum - logits(b, label);
    for (Eigen::Index c = 0; c < classes; ++c) {
      const double p = std::exp(static_cast<double>(logits(b, c)) - logSum);
      dLogits(b, c) = static_cast<float>((p - (c == label ? 1.0 : 0.0))) * invBatch;
    }
  }
  if (correct) *correct = right;
  if (headGrad) {
    headGrad->kernel.setZero(dim, classes);
    headGrad->bias.setZero(1, classes);
    for (Eigen::Index b = 0; b < batch; ++b)
      for (Eigen::Index c = 0; c < classes; ++c) {
        const float g = dLogits(b, c);
        headGrad->bias(0, c) += g;
        for (Eigen::Index k = 0; k < dim; ++k) headGrad->kernel(k, c) += pooled(b, k) * g;
      }
  }
  if (dPooled) {
    dPooled->resize(batch, dim);
    for (Eigen::Index b = 0; b < batch; ++b)
      for (Eigen::Index k = 0; k < dim; ++k) {
        float g = 0.0f;
        for (Eigen::Index c = 0; c < classes; ++c) g += dLogits(b, c) * head.kernel(k, c);
        (*dPooled)(b, k) = g;
      }
  }
  return loss / static_cast<double>(batch);
}

}  // namespace embedscope::tasks
