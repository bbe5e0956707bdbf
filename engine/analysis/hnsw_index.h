#pragma once
// Approximate nearest neighbours for large tables: a hierarchical navigable small-world graph
// (Debian's header-only hnswlib). Cosine searches unit-normalised rows by inner product; euclidean
// uses squared L2 inside and reports the distance; dot is maximum inner product (approximate, and
// less reliable than the other two). Built on one thread it is deterministic for a seed.
#include <cstdint>
#include <memory>

#include "engine/analysis/knn.h"

namespace embedscope::analysis {

struct HnswOptions {
  Metric metric = Metric::Cosine;
  int m = 16;                // links per node
  int efConstruction = 200;  // candidate list while building
  int efSearch = 64;         // candidate list while searching (raised to k when smaller)
  std::uint64_t seed = 100;
};

class HnswIndex {
 public:
  HnswIndex();
  ~HnswIndex();
  HnswIndex(HnswIndex&&) noexcept;
  HnswIndex& operator=(HnswIndex&&) noexcept;

  // Indexes every finite row of `data` (rows with NaN/inf are left out and never returned).
  static Result<HnswIndex> build(const Matrix& data, const HnswOptions& options, const RunControl& control = {});

  // Same layout and score conventions as exactKnn. `excludeSelf` drops the query's own row when
  // queries are the indexed rows themselves (query q is row q).
  Result<KnnGraph> query(const Matrix& queries, int k, const RunControl& control = {}, bool excludeSelf = false) const;

  void setEfSearch(int ef);
  std::int64_t size() const;
  int dims() const;
  Metric metric() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace embedscope::analysis
