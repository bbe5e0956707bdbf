#pragma once
// Orthogonal Procrustes alignment of a new layout onto the previous one (same rows): the rotation
// (or reflection) and translation that best match it in least squares, so consecutive snapshots
// animate smoothly instead of spinning. Scale is kept unless asked for: t-SNE/UMAP distances
// carry meaning and should not shrink to fit.
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

struct ProcrustesOptions {
  bool allowReflection = true;  // layouts have no handedness; a mirror is as good as a rotation
  bool scale = false;
  // Optional per-row weights (e.g. 0 for rows new in this snapshot); empty = all rows weigh 1.
  std::vector<float> weights;
};

struct ProcrustesResult {
  Matrix aligned;      // `moving` mapped onto `reference`
  Matrix rotation;     // dims x dims, aligned = (moving - movingMean) * rotation * scale + referenceMean
  double scale = 1.0;
  double residual = 0;  // root-mean-square distance after alignment
};

Result<ProcrustesResult> alignProcrustes(const Matrix& reference, const Matrix& moving, const ProcrustesOptions& options = {});

}  // namespace embedscope::analysis
