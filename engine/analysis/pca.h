#pragma once
// Principal component analysis of a table's rows. Exact (eigen-decomposition of the D x D
// covariance, accumulated in double) for ordinary widths; randomized (Halko-Martinsson-Tropp range
// finder with power iterations) for wide tables or when asked. The first ten components are
// computed so a view may show any two or three of them; each comes with its share of the variance.
#include <array>
#include <cstdint>
#include <vector>

#include "engine/analysis/run_control.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

enum class PcaSolver { Auto, Exact, Randomized };

struct PcaOptions {
  // Which components to return as coordinates (0-based, each < 10), e.g. {0, 1} or {0, 2, 3}.
  std::vector<int> components{0, 1};
  PcaSolver solver = PcaSolver::Auto;  // Auto: exact up to 512 columns, randomized beyond
  bool center = true;
  // The Embedding Projector's "spherize": subtract the centroid, then scale every row to unit norm
  // (an all-zero row stays zero) before the PCA.
  bool spherize = false;
  std::uint64_t seed = 0;  // randomized solver only
  int powerIterations = 4;
};

struct PcaResult {
  Matrix coordinates;                    // rows x components.size()
  Matrix axes;                           // computed components x D (unit rows, sign: largest |entry| > 0)
  std::vector<double> varianceExplained; // ratio per computed component (sums to <= 1; 0 when no variance)
  std::vector<double> variance;          // per computed component (denominator n - 1)
  Eigen::RowVectorXf mean;               // subtracted before projecting (zero when center = false)
  bool spherized = false;
  bool randomized = false;

  // Coordinates of other rows (e.g. rows left out of the fit) on the returned components.
  Matrix transform(const Matrix& rows, const std::vector<int>& components) const;
};

// Fits on every row of x (callers select rows first, see row_selection.h). Needs finite values.
Result<PcaResult> pca(const Matrix& x, const PcaOptions& options, const RunControl& control = {});

}  // namespace embedscope::analysis
