#pragma once
// Seeded test data for the analysis tests: well-separated planted clusters, and the neighbour
// purity of a layout (share of each point's nearest layout neighbours from its own cluster).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/analysis/knn.h"
#include "engine/core/matrix.h"
#include "engine/core/rng.h"

namespace embedscope::testing {

struct Planted {
  Matrix x;
  std::vector<int> label;
};

inline Planted plantedClusters(int n, int d, int clusters, float spread, std::uint64_t seed) {
  Rng rng(seed);
  Matrix centres(clusters, d);
  for (int c = 0; c < clusters; ++c)
    for (int j = 0; j < d; ++j) centres(c, j) = static_cast<float>(rng.normal() * 10.0);
  Planted p;
  p.x.resize(n, d);
  p.label.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int c = i % clusters;
    p.label[static_cast<std::size_t>(i)] = c;
    for (int j = 0; j < d; ++j) p.x(i, j) = centres(c, j) + static_cast<float>(rng.normal()) * spread;
  }
  return p;
}

inline double purity(const Matrix& layout, const std::vector<int>& label, int k = 10) {
  auto g = analysis::exactAllKnn(layout, k, analysis::Metric::Euclidean);
  if (!g) return -1;
  double same = 0;
  for (std::int64_t i = 0; i < layout.rows(); ++i)
    for (int j = 0; j < k; ++j)
      same += label[static_cast<std::size_t>(g->neighbours(i)[j])] == label[static_cast<std::size_t>(i)] ? 1 : 0;
  return same / double(layout.rows() * k);
}

inline bool bitEqual(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data(),
                    [](float u, float v) { return std::memcmp(&u, &v, sizeof u) == 0; });
}

}  // namespace embedscope::testing
