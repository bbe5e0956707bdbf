#pragma once
// UMAP (McInnes, Healy & Melville 2018) as umap-learn computes it: a k-NN graph (n_neighbors
// counting the point itself), per-point smooth distances (rho, sigma with sum = log2(k)), the
// fuzzy simplicial set union w = a + b - ab, and an SGD layout with negative sampling (5 per
// positive, learning rate 1 decaying linearly, gradients clipped at 4). Curve parameters a, b are
// fitted to min_dist and spread as umap-learn's find_ab_params does. Initialisation is the PCA of
// the input scaled to [0, 10] (umap-learn's default is spectral; see docs/benchmarks/analysis.md).
// One thread: bit-reproducible for a seed.
#include <cstdint>
#include <optional>
#include <utility>

#include "engine/analysis/knn.h"
#include "engine/analysis/run_control.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

struct UmapOptions {
  int dims = 2;
  int nNeighbors = 15;
  double minDist = 0.1;
  double spread = 1.0;
  int epochs = 0;  // <= 0: 500 up to 10,000 rows, else 200 (umap-learn's default)
  double learningRate = 1.0;
  int negativeSampleRate = 5;
  double repulsionStrength = 1.0;
  Metric metric = Metric::Euclidean;
  std::uint64_t seed = 0;
  std::optional<Matrix> initialLayout;  // rows x dims, e.g. the previous snapshot's layout
};

struct UmapResult {
  Matrix layout;
  double a = 0, b = 0;
  int epochs = 0;
};

// umap-learn's find_ab_params: least squares fit of 1 / (1 + a x^(2b)) to the min_dist/spread curve.
std::pair<double, double> umapCurveParameters(double spread, double minDist);

Result<UmapResult> umap(const Matrix& x, const UmapOptions& options, const RunControl& control = {});

}  // namespace embedscope::analysis
