// GCC 12 reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// Approximate k-NN benchmark: builds an HNSW index over N x D seeded vectors with low intrinsic
// dimension (like trained embeddings: x = W z + noise, z in R^16), then reports the build time,
// the median and p95 single-query latency at several ef values, and recall@10 against exact
// blocked search on a sample of queries. Prints JSON.
//   bench_analysis_knn [N=1000000] [D=100] [threads=2] [metric=cosine]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/analysis/hnsw_index.h"
#include "engine/analysis/knn.h"
#include "engine/core/rng.h"

using namespace embedscope;
using namespace embedscope::analysis;

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int d = argc > 2 ? std::atoi(argv[2]) : 100;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  auto metric = parseMetric(argc > 4 ? argv[4] : "cosine");
  if (!metric) return 2;
  constexpr int kLatent = 16, kQueries = 1000, kRecallQueries = 200, k = 10;
  Rng rng(42);
  Matrix w(kLatent, d);
  for (int i = 0; i < kLatent; ++i)
    for (int j = 0; j < d; ++j) w(i, j) = static_cast<float>(rng.normal());
  Matrix x(n, d);
  {
    Eigen::RowVectorXf z(kLatent);
    for (std::int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < kLatent; ++j) z[j] = static_cast<float>(rng.normal());
      x.row(i) = z * w;
      for (int j = 0; j < d; ++j) x(i, j) += static_cast<float>(rng.normal() * 0.3);
    }
  }
  // Queries: fresh points from the same distribution (not rows of the table).
  Matrix q(kQueries, d);
  {
    Eigen::RowVectorXf z(kLatent);
    for (int i = 0; i < kQueries; ++i) {
      for (int j = 0; j < kLatent; ++j) z[j] = static_cast<float>(rng.normal());
      q.row(i) = z * w;
      for (int j = 0; j < d; ++j) q(i, j) += static_cast<float>(rng.normal() * 0.3);
    }
  }
  using clock = std::chrono::steady_clock;
  RunControl build;
  build.threads = threads;
  HnswOptions ho;
  ho.metric = *metric;
  ho.m = 16;
  ho.efConstruction = 100;
  const auto t0 = clock::now();
  auto idx = HnswIndex::build(x, ho, build);
  const double buildS = std::chrono::duration<double>(clock::now() - t0).count();
  if (!idx) {
    std::fprintf(stderr, "%s\n", idx.status().message().c_str());
    return 1;
  }
  RunControl exactRc;
  exactRc.threads = threads;
  const auto te = clock::now();
  auto exact = exactKnn(x, q.topRows(kRecallQueries), k, *metric, exactRc);
  const double exactS = std::chrono::duration<double>(clock::now() - te).count();
  if (!exact) return 1;
  std::printf(
      "{\"bench\": \"knn_hnsw\", \"rows\": %lld, \"dims\": %d, \"metric\": \"%s\", \"m\": %d, \"ef_construction\": %d,"
      " \"build_threads\": %d, \"build_s\": %.3f, \"exact_ms_per_query\": %.2f, \"runs\": [",
      static_cast<long long>(n), d, metricName(*metric).c_str(), ho.m, ho.efConstruction, threads, buildS,
      1000.0 * exactS / kRecallQueries);
  bool first = true;
  for (int ef : {16, 32, 64, 128, 256}) {
    idx->setEfSearch(ef);
    std::vector<double> ms;
    KnnGraph all;
    all.k = k;
    for (int i = 0; i < kQueries; ++i) {
      const auto s = clock::now();
      auto r = idx->query(q.row(i), k);  // one query, one thread: the latency a click sees
      ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - s).count());
      if (i < kRecallQueries) {
        all.indices.insert(all.indices.end(), r->indices.begin(), r->indices.end());
        all.scores.insert(all.scores.end(), r->scores.begin(), r->scores.end());
        ++all.queries;
      }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%s{\"ef\": %d, \"median_ms\": %.4f, \"p95_ms\": %.4f, \"recall_at_10\": %.4f}", first ? "" : ", ", ef,
                ms[ms.size() / 2], ms[ms.size() * 95 / 100], knnRecall(all, *exact));
    first = false;
  }
  std::printf("]}\n");
  return 0;
}
