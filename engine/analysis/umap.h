#pragma once
// UMAP (McInnes, Healy & Melville 2018) as umap-learn computes it: a k-NN graph (n_neighbors
// counting the point itself), per-point smooth distances (rho, sigma with sum = log2(k)), the
// fuzzy simplicial set union w = a + b - ab, and an SGD layout with negative sampling (5 per
// positive, learning rate 1 decaying linearly, gradients clipped at 4). Curve parameters a, b are
// fitted to min_dist and spread as umap-learn's find_ab_params does. Initialisation is umap-learn's
// default, the spectral embedding of the fuzzy graph (leading non-trivial eigenvectors of its
// normalised adjacency D^-1/2 W D^-1/2, i.e. the smallest of the normalised Laplacian); a graph
// with several connected components (or one whose eigenvectors do not converge) falls back to
// the PCA of the input. Either is scaled to [0, 10] per axis. The layout is optimised by a Umap
// object that runs `step(n)` epochs at a time so a UI can animate it; `umap()` runs all of it.
// One thread: bit-reproducible for a seed, and stepping equals one run.
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "engine/analysis/knn.h"
#include "engine/analysis/run_control.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

enum class UmapInit { Spectral, Pca, Random };

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
  // Spectral (umap-learn's default; PCA when the graph is disconnected), PCA, or uniform random
  // in [0, 10] (umap-learn's init="random"). Ignored when initialLayout is set.
  UmapInit init = UmapInit::Spectral;
  std::optional<Matrix> initialLayout;  // rows x dims, e.g. the previous snapshot's layout
};

struct UmapResult {
  Matrix layout;
  double a = 0, b = 0;
  int epochs = 0;
  UmapInit init = UmapInit::Spectral;  // the initialisation actually used (after any fallback)
};

class Umap {
 public:
  Umap();
  ~Umap();
  Umap(Umap&&) noexcept;
  Umap& operator=(Umap&&) noexcept;

  // The k-NN graph, the fuzzy simplicial set, the sampling schedule and the initial layout.
  static Result<Umap> create(const Matrix& x, const UmapOptions& options, const RunControl& control = {});

  // Runs up to n more epochs (stops at totalEpochs()). Cancellation returns Status::cancelled()
  // and leaves the layout of the last whole epoch in place.
  Status step(int n, const RunControl& control = {});

  Matrix layout() const;  // rows x dims, float
  int epoch() const;
  int totalEpochs() const;
  bool done() const { return epoch() >= totalEpochs(); }
  double a() const;
  double b() const;
  UmapInit init() const;  // the initialisation used (Pca when Spectral fell back)

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The spectral layout of a symmetric weighted graph given as directed edge lists holding both
// directions (head[e] -> tail[e] with weight[e]): the `dims` leading non-trivial eigenvectors of
// D^-1/2 W D^-1/2, each scaled to unit length, rows x dims. Unavailable when the graph is not
// connected (or has an isolated vertex) or the eigenvectors do not converge.
Result<Matrix> spectralLayout(std::int64_t n, const std::vector<std::int32_t>& head,
                              const std::vector<std::int32_t>& tail, const std::vector<double>& weight, int dims,
                              std::uint64_t seed);

// umap-learn's find_ab_params: least squares fit of 1 / (1 + a x^(2b)) to the min_dist/spread curve.
std::pair<double, double> umapCurveParameters(double spread, double minDist);

Result<UmapResult> umap(const Matrix& x, const UmapOptions& options, const RunControl& control = {});

}  // namespace embedscope::analysis
