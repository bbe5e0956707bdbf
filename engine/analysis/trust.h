#pragma once
// How honest a 2-D (or 3-D) picture is about the original space.
//  - neighbourhood preservation per point: |kNN_high(i) ∩ kNN_low(i)| / k, for colouring the
//    points the picture misplaces;
//  - trustworthiness (Venna & Kaski 2001; scikit-learn's formula): penalises points that look
//    near in the picture but are not near in the original space;
//  - continuity: the converse, original neighbours the picture pulled apart.
// High-D distances are euclidean (as scikit-learn's trustworthiness), low-D euclidean. For large
// tables the global figures are computed on a seeded sample of query points (each against all
// points), which is an unbiased estimate of the same quantity.
#include <cstdint>
#include <vector>

#include "engine/analysis/knn.h"
#include "engine/analysis/run_control.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

struct TrustOptions {
  int k = 5;                       // scikit-learn's default n_neighbors for trustworthiness
  Metric highMetric = Metric::Euclidean;
  std::int64_t maxQueries = 10000;  // sample this many query points when there are more rows
  std::uint64_t seed = 0;
};

struct TrustReport {
  double trustworthiness = 1;
  double continuity = 1;
  double meanPreservation = 1;  // mean neighbourhood preservation over the query points
  std::int64_t queries = 0;     // query points behind the global figures
};

// high and low must have the same rows; k < rows / 2 (as scikit-learn requires).
Result<TrustReport> trustMetrics(const Matrix& high, const Matrix& low, const TrustOptions& options = {},
                                 const RunControl& control = {});

// Per-row preservation for every row (two exact all-k-NN graphs: O(N^2 D), so for large tables
// run it on the analysis worker and expect seconds).
Result<std::vector<float>> neighbourhoodPreservation(const Matrix& high, const Matrix& low, int k,
                                                     Metric highMetric = Metric::Euclidean,
                                                     const RunControl& control = {});

}  // namespace embedscope::analysis
