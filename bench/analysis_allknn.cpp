// GCC 12 reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// All-points k-NN as t-SNE/UMAP need it (every row's k nearest other rows): HNSW build + query
// time and recall against exact blocked search on a sample of rows, for a few build/search
// settings. Data: 10 planted Gaussian clusters (centres N(0, 3^2), unit noise). Prints JSON.
//   bench_analysis_allknn [N=100000] [D=64] [k=91] [threads=2] [efConstruction=100] [ef=182] [M=16]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/analysis/hnsw_index.h"
#include "engine/analysis/knn.h"
#include "engine/core/rng.h"

using namespace embedscope;
using namespace embedscope::analysis;

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 100000;
  const int d = argc > 2 ? std::atoi(argv[2]) : 64;
  const int k = argc > 3 ? std::atoi(argv[3]) : 91;
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  HnswOptions ho;
  ho.metric = Metric::Euclidean;
  ho.efConstruction = argc > 5 ? std::atoi(argv[5]) : 100;
  ho.efSearch = argc > 6 ? std::atoi(argv[6]) : 2 * k;
  ho.m = argc > 7 ? std::atoi(argv[7]) : 16;
  Rng rng(7);
  Matrix centres(10, d);
  for (int c = 0; c < 10; ++c)
    for (int j = 0; j < d; ++j) centres(c, j) = static_cast<float>(3.0 * rng.normal());
  Matrix x(n, d);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<Eigen::Index>(rng.below(10));
    for (int j = 0; j < d; ++j) x(i, j) = centres(c, j) + static_cast<float>(rng.normal());
  }
  RunControl rc;
  rc.threads = threads;
  using clk = std::chrono::steady_clock;
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  if (argc > 6 && std::atoi(argv[6]) == 0) {  // ef 0: time exact all-points search instead
    const auto e0 = clk::now();
    auto ex = exactAllKnn(x, k, Metric::Euclidean, rc);
    if (!ex) return 1;
    std::printf("{\"n\": %lld, \"d\": %d, \"k\": %d, \"threads\": %d, \"exact_all_s\": %.3f}\n",
                static_cast<long long>(n), d, k, threads, secs(e0, clk::now()));
    return 0;
  }
  const auto t0 = clk::now();
  auto idx = HnswIndex::build(x, ho, rc);
  if (!idx) return 1;
  const auto t1 = clk::now();
  auto g = idx->query(x, k, rc, true);
  if (!g) return 1;
  const auto t2 = clk::now();
  // Recall on 500 sampled rows against exact search.
  const std::int64_t s = std::min<std::int64_t>(500, n);
  Matrix q(s, d);
  KnnGraph approx;
  approx.queries = s;
  approx.k = k;
  for (std::int64_t i = 0; i < s; ++i) {
    const std::int64_t r = i * (n / s);
    q.row(i) = x.row(r);
    for (int j = 0; j < k; ++j) {
      approx.indices.push_back(g->neighbours(r)[j]);
      approx.scores.push_back(0.f);
    }
  }
  std::vector<std::vector<std::int64_t>> ex(static_cast<std::size_t>(s));
  for (std::int64_t i = 0; i < s; ++i) ex[static_cast<std::size_t>(i)] = {i * (n / s)};
  auto exact = exactKnn(x, q, k, Metric::Euclidean, rc, ex);
  if (!exact) return 1;
  const auto t3 = clk::now();
  std::printf(
      "{\"n\": %lld, \"d\": %d, \"k\": %d, \"threads\": %d, \"m\": %d, \"ef_construction\": %d, \"ef\": %d, "
      "\"build_s\": %.3f, \"query_s\": %.3f, \"recall\": %.4f, \"exact_sample_s\": %.3f}\n",
      static_cast<long long>(n), d, k, threads, ho.m, ho.efConstruction, ho.efSearch, secs(t0, t1), secs(t1, t2),
      knnRecall(approx, *exact), secs(t2, t3));
  return 0;
}
