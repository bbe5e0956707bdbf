#pragma once
// t-SNE (van der Maaten & Hinton 2008) with scikit-learn's current defaults: perplexity 30,
// 1000 iterations, early exaggeration 12 for the first 250, learning rate "auto"
// (max(N / exaggeration / 4, 50)), PCA initialisation scaled to std 1e-4, momentum 0.5 then 0.8,
// gains +0.2 / x0.8 with a floor of 0.01. Input affinities use the 3 * perplexity + 1 nearest
// neighbours (squared euclidean; exact blocked search up to 150,000 rows, HNSW beyond), symmetrised
// and normalised.
//
// Repulsion is computed exactly (small N), by Barnes-Hut (2-D quadtree / 3-D octree, angle 0.5),
// or by FFT-accelerated interpolation on a grid (Linderman et al. 2019, "FIt-SNE"; 2-D only) for
// large N. The optimiser is a Tsne object that runs `step(n)` iterations at a time so a UI can
// animate it; `tsne()` runs all of it. One thread: bit-reproducible for a seed.
#include <cstdint>
#include <memory>
#include <optional>

#include "engine/analysis/run_control.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

enum class TsneMethod { Auto, Exact, BarnesHut, Fft };

struct TsneOptions {
  int dims = 2;  // 2 or 3
  double perplexity = 30.0;
  double earlyExaggeration = 12.0;
  double learningRate = 0.0;  // <= 0: "auto" = max(N / earlyExaggeration / 4, 50)
  int iterations = 1000;      // total, exaggeration phase included
  int exaggerationIterations = 250;
  double theta = 0.5;  // Barnes-Hut angle
  // Auto: exact below 1,000 points, Barnes-Hut below 5,000 (and always in 3-D), FFT above.
  TsneMethod method = TsneMethod::Auto;
  std::uint64_t seed = 0;
  // A starting layout (rows x dims), e.g. the previous snapshot's, so points do not jump. When
  // set, callers animating across snapshots usually also set exaggerationIterations = 0.
  std::optional<Matrix> initialLayout;
};

class Tsne {
 public:
  Tsne();
  ~Tsne();
  Tsne(Tsne&&) noexcept;
  Tsne& operator=(Tsne&&) noexcept;

  // Neighbours, perplexity calibration, symmetric affinities and the initial layout. x must be
  // finite (select rows first); duplicates and all-zero rows are fine.
  static Result<Tsne> create(const Matrix& x, const TsneOptions& options, const RunControl& control = {});

  // Runs up to n more iterations (stops at options.iterations). Cancellation returns
  // Status::cancelled() and leaves the layout of the last whole iteration in place.
  Status step(int n, const RunControl& control = {});

  Matrix layout() const;  // rows x dims, float
  int iteration() const;
  int totalIterations() const;
  bool done() const { return iteration() >= totalIterations(); }
  TsneMethod method() const;  // the method Auto resolved to
  double learningRate() const;
  // KL(P || Q) of the current layout, with Q from the same approximation as the gradient.
  double klDivergence(const RunControl& control = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

struct TsneResult {
  Matrix layout;
  double klDivergence = 0;
  TsneMethod method = TsneMethod::Auto;
  double learningRate = 0;
};

Result<TsneResult> tsne(const Matrix& x, const TsneOptions& options, const RunControl& control = {});

const char* tsneMethodName(TsneMethod m);

}  // namespace embedscope::analysis
