#pragma once
// Nearest neighbours in the original space. Exact search is blocked matrix products (a block of
// queries times a block of rows, then a per-query top-k), so it runs at GEMM speed and never builds
// an N x N matrix. Scores: cosine similarity, euclidean distance or dot product; best first, ties
// broken by the lower row number. An all-zero row has cosine 0 with everything (never NaN); a row
// holding NaN or infinity is never returned as a neighbour.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/analysis/run_control.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::analysis {

enum class Metric { Cosine, Euclidean, Dot };

Result<Metric> parseMetric(const std::string& name);  // "cosine", "euclidean", "dot"
std::string metricName(Metric m);
// True for euclidean (a smaller score is nearer).
inline bool smallerIsNearer(Metric m) { return m == Metric::Euclidean; }

// k neighbours per query, flat: row q's neighbours are indices[q*k .. q*k+k), best first. When a
// query has fewer than k candidates the tail holds index -1 (score 0).
struct KnnGraph {
  std::int64_t queries = 0;
  int k = 0;
  std::vector<std::int64_t> indices;
  std::vector<float> scores;

  const std::int64_t* neighbours(std::int64_t q) const { return indices.data() + q * k; }
  const float* neighbourScores(std::int64_t q) const { return scores.data() + q * k; }
};

// The k nearest rows of `data` to each row of `queries`. `exclude` (empty, or one list per query)
// names rows a query must not return (itself, the words of an analogy).
Result<KnnGraph> exactKnn(const Matrix& data, const Matrix& queries, int k, Metric metric,
                          const RunControl& control = {},
                          const std::vector<std::vector<std::int64_t>>& exclude = {});

// Every row's k nearest other rows (a row never lists itself; its duplicates it does).
Result<KnnGraph> exactAllKnn(const Matrix& data, int k, Metric metric, const RunControl& control = {});

// Mean fraction of each query's true k neighbours that `approx` found (recall@k).
double knnRecall(const KnnGraph& approx, const KnnGraph& exact);

}  // namespace embedscope::analysis
