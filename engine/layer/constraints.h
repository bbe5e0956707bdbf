#pragma once
// Keras's constraints (reference section 4): a projection of the whole table after each
// optimizer step. axis 0 (Keras's default) normalises the D columns over the vocabulary; axis 1
// (or -1) normalises each token's vector. epsilon = 1e-7 is added to the norm.
#include <vector>

#include "engine/core/matrix.h"
#include "engine/layer/object_spec.h"

namespace embedscope {

inline constexpr double kKerasEpsilon = 1e-7;

// Projects w in place. When rowDelta is given it is resized to w.rows() and holds, per row, the
// L2 norm of the change the projection made (for UpdateStats).
void applyConstraint(const ConstraintSpec& spec, Matrix& w, std::vector<float>* rowDelta = nullptr);

// The reduction axis the spec resolves to for a rank-2 matrix: 0 or 1 (-1 -> 1, -2 -> 0).
int constraintAxis(const ConstraintSpec& spec);

}  // namespace embedscope
