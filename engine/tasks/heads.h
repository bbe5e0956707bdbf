#pragma once
// The task heads' math, on host buffers: what sits between the Embedding output and the loss.
// Backends call these in their default fused steps; a device backend's own kernels are held
// against them. Gradients are of the batch loss as Keras reduces it.
#include <cstdint>

#include "engine/compute/backend.h"
#include "engine/core/matrix.h"

namespace embedscope::tasks {

// Keras `mse` on (B, L, D) outputs: mean over D gives one loss per position; the batch loss is their
// sum over the B·L positions divided by B·L ("sum_over_batch_size"). With maskIds (mask_zero: the
// Embedding's mask travels with its output, and Keras's loss masks it) a position whose id is 0 gets
// weight 0 and the sum is divided by the number of valid positions instead (0 when none is valid).
// dOut (same shape as out, may be null) receives dLoss/dOut = 2·(out − y)/(positions·D). sse (may be
// null) receives the summed squared error over valid positions.
double mseLoss(const float* out, const float* targets, std::int64_t positions, std::int64_t dim,
               const std::int64_t* maskIds, float* dOut, double* sse);

// Dense(C) → softmax → sparse categorical cross-entropy, mean over the B rows. pooled is (B, D).
// dPooled (B, D) and headGrad (kernel (D, C), bias (1, C)) may be null; only their matrices are written. correct (may be null) counts
// rows whose arg-max class equals the label (Keras's sparse_categorical_accuracy; ties pick the
// first). A label outside [0, C) is an assertion (labels are validated when data is loaded).
double denseSoftmaxLoss(const Matrix& pooled, const compute::DenseHead& head, const std::int64_t* labels,
                        Matrix* dPooled, compute::DenseHead* headGrad, std::int64_t* correct);

}  // namespace embedscope::tasks
