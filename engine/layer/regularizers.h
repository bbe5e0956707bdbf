#pragma once
// Keras's regularizers (reference section 3) as penalty + gradient, computed in double and
// returned as float gradients. Embeddings regularizer: on the whole (V, D) table (dense
// gradient, every row, every step). Activity regularizer: on the layer output, divided by the
// batch size as Keras >= 3.14 does.
#include <cstdint>
#include <span>

#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/layer/object_spec.h"

namespace embedscope {

// The penalty of a rows x cols row-major matrix (rank 2).
double regularizerLoss(const RegularizerSpec& spec, const float* x, std::int64_t rows, std::int64_t cols);
inline double regularizerLoss(const RegularizerSpec& spec, const Matrix& x) {
  return regularizerLoss(spec, x.data(), x.rows(), x.cols());
}

// grad += scale * d(penalty)/dx. L1 uses sign(x) with sign(0) = 0, as TensorFlow's abs gradient.
void addRegularizerGradient(const RegularizerSpec& spec, const float* x, std::int64_t rows, std::int64_t cols,
                            float scale, float* grad);
inline void addRegularizerGradient(const RegularizerSpec& spec, const Matrix& x, Matrix& grad, float scale = 1.0f) {
  addRegularizerGradient(spec, x.data(), x.rows(), x.cols(), scale, grad.data());
}

// Activity regularization of an output with Keras shape `shape` (ids.shape + (D,)) held
// row-major in `out`: returns reg(out) / shape[0] (the batch size, as Keras divides) and, when
// dOut is given, adds its gradient there. orthogonal_regularizer needs a rank-2 output, else
// InvalidArgument "Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(4, 10, 8)".
Result<double> activityRegularization(const RegularizerSpec& spec, const float* out,
                                      std::span<const std::int64_t> shape, float* dOut);

}  // namespace embedscope
