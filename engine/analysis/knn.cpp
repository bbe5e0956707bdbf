// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/knn.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <unordered_set>

namespace embedscope::analysis {

Result<Metric> parseMetric(const std::string& name) {
  if (name == "cosine") return Metric::Cosine;
  if (name == "euclidean") return Metric::Euclidean;
  if (name == "dot") return Metric::Dot;
  return Status::invalidArgument("metric must be one of cosine, euclidean, dot. Received: metric=" + name);
}

std::string metricName(Metric m) {
  switch (m) {
    case Metric::Cosine: return "cosine";
    case Metric::Euclidean: return "euclidean";
    case Metric::Dot: return "dot";
  }
  return "?";
}

namespace {

// A candidate's ranking key: larger is nearer (euclidean uses 2 q.x - |x|^2, which orders rows as
// -|q-x|^2 does without the constant |q|^2).
struct Cand {
  float key;
  std::int64_t row;
};
// "a is a worse neighbour than b": smaller key, or equal key and larger row.
inline bool worse(const Cand& a, const Cand& b) { return a.key < b.key || (a.key == b.key && a.row > b.row); }
// Heap ordered so the worst kept candidate is on top.
struct HeapCmp {
  bool operator()(const Cand& a, const Cand& b) const { return worse(b, a); }
};

Matrix prepared(const Matrix& m, Metric metric) {
  if (metric != Metric::Cosine) return m;
  Matrix out = m;
  for (Eigen::Index r = 0; r < out.rows(); ++r) {
    const double n = out.row(r).cast<double>().norm();
    if (n > 0 && std::isfinite(n)) out.row(r) /= static_cast<float>(n);
    else if (n == 0) out.row(r).setZero();
  }
  return out;
}

float exactScore(const float* q, const float* x, Eigen::Index d, Metric metric) {
  double s = 0;
  if (metric == Metric::Euclidean) {
    for (Eigen::Index c = 0; c < d; ++c) {
      const double t = double(q[c]) - double(x[c]);
      s += t * t;
    }
    return static_cast<float>(std::sqrt(s));
  }
  for (Eigen::Index c = 0; c < d; ++c) s += double(q[c]) * double(x[c]);
  return static_cast<float>(s);
}

Result<KnnGraph> knnImpl(const Matrix& data0, const Matrix& queries0, int k, Metric metric,
                         const RunControl& control, const std::vector<std::vector<std::int64_t>>& exclude,
                         bool excludeSelf) {
  if (k <= 0) return Status::invalidArgument("k must be a positive integer. Received: k=" + std::to_string(k));
  if (data0.cols() != queries0.cols())
    return Status::invalidArgument("queries have " + std::to_string(queries0.cols()) + " columns, the table " +
                                   std::to_string(data0.cols()));
  if (!exclude.empty() && static_cast<Eigen::Index>(exclude.size()) != queries0.rows())
    return Status::invalidArgument("exclude lists must be one per query");
  const Matrix data = prepared(data0, metric);
  const Matrix queries = prepared(queries0, metric);
  const std::int64_t n = data.rows(), nq = queries.rows();
  const Eigen::Index d = data.cols();
  KnnGraph g;
  g.queries = nq;
  g.k = k;
  g.indices.assign(static_cast<std::size_t>(nq * k), -1);
  g.scores.assign(static_cast<std::size_t>(nq * k), 0.f);
  if (nq == 0) return g;

  // Squared norms for the euclidean key; a non-finite row gets +inf so its key is never finite.
  Eigen::VectorXf sq(n);
  std::vector<char> usable(static_cast<std::size_t>(n), 1);
  for (std::int64_t r = 0; r < n; ++r) {
    bool fin = true;
    for (Eigen::Index c = 0; c < d; ++c) fin &= std::isfinite(data(r, c));
    usable[static_cast<std::size_t>(r)] = fin;
    sq[r] = fin ? data.row(r).squaredNorm() : 0.f;
  }
  constexpr std::int64_t kQueryBlock = 256, kDataBlock = 2048;
  const std::int64_t queryBlocks = (nq + kQueryBlock - 1) / kQueryBlock;
  std::atomic<bool> stop{false};
  parallelFor(queryBlocks, control.threadCount(), [&](std::int64_t b0, std::int64_t b1, int worker) {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> prod;
    std::vector<std::vector<Cand>> heaps(kQueryBlock);
    for (std::int64_t qb = b0; qb < b1 && !stop; ++qb) {
      if (control.cancelled()) {
        stop = true;
        break;
      }
      const std::int64_t q0 = qb * kQueryBlock, q1 = std::min(nq, q0 + kQueryBlock);
      std::vector<std::unordered_set<std::int64_t>> ex(static_cast<std::size_t>(q1 - q0));
      std::vector<int> want(static_cast<std::size_t>(q1 - q0), k);
      for (std::int64_t q = q0; q < q1; ++q) {
        auto& h = heaps[static_cast<std::size_t>(q - q0)];
        h.clear();
        if (!exclude.empty()) ex[static_cast<std::size_t>(q - q0)].insert(exclude[q].begin(), exclude[q].end());
      }
      const auto qBlock = queries.middleRows(q0, q1 - q0);
      for (std::int64_t r0 = 0; r0 < n; r0 += kDataBlock) {
        const std::int64_t r1 = std::min(n, r0 + kDataBlock);
        prod.noalias() = qBlock * data.middleRows(r0, r1 - r0).transpose();
        for (std::int64_t q = q0; q < q1; ++q) {
          auto& h = heaps[static_cast<std::size_t>(q - q0)];
          const auto& exq = ex[static_cast<std::size_t>(q - q0)];
          const float* row = prod.data() + (q - q0) * prod.cols();
          for (std::int64_t r = r0; r < r1; ++r) {
            if (!usable[static_cast<std::size_t>(r)]) continue;
            float key = row[r - r0];
            if (metric == Metric::Euclidean) key = 2.f * key - sq[r];
            if (!std::isfinite(key)) continue;
            const Cand c{key, r};
            if (static_cast<int>(h.size()) == k && !worse(h.front(), c)) continue;
            if ((excludeSelf && r == q) || (!exq.empty() && exq.count(r))) continue;
            if (static_cast<int>(h.size()) < k) {
              h.push_back(c);
              std::push_heap(h.begin(), h.end(), HeapCmp{});
            } else {
              std::pop_heap(h.begin(), h.end(), HeapCmp{});
              h.back() = c;
              std::push_heap(h.begin(), h.end(), HeapCmp{});
            }
          }
        }
      }
      for (std::int64_t q = q0; q < q1; ++q) {
        auto& h = heaps[static_cast<std::size_t>(q - q0)];
        // Rescore the winners directly (the expanded euclidean form loses digits), then order.
        std::vector<Cand> best(h.begin(), h.end());
        for (auto& c : best) {
          const float s = exactScore(queries.row(q).data(), data.row(c.row).data(), d, metric);
          c.key = metric == Metric::Euclidean ? -s : s;
        }
        std::sort(best.begin(), best.end(), [](const Cand& a, const Cand& b) { return worse(b, a); });
        for (std::size_t i = 0; i < best.size(); ++i) {
          g.indices[static_cast<std::size_t>(q * k) + i] = best[i].row;
          g.scores[static_cast<std::size_t>(q * k) + i] = metric == Metric::Euclidean ? -best[i].key : best[i].key;
        }
      }
      if (worker == 0) control.report("neighbours", double(qb + 1 - b0) / double(std::max<std::int64_t>(1, b1 - b0)));
    }
  });
  if (stop || control.cancelled()) return Status::cancelled();
  return g;
}

}  // namespace

Result<KnnGraph> exactKnn(const Matrix& data, const Matrix& queries, int k, Metric metric, const RunControl& control,
                          const std::vector<std::vector<std::int64_t>>& exclude) {
  return knnImpl(data, queries, k, metric, control, exclude, false);
}

Result<KnnGraph> exactAllKnn(const Matrix& data, int k, Metric metric, const RunControl& control) {
  return knnImpl(data, data, k, metric, control, {}, true);
}

double knnRecall(const KnnGraph& approx, const KnnGraph& exact) {
  if (exact.queries == 0 || exact.k == 0) return 1.0;
  double total = 0;
  for (std::int64_t q = 0; q < exact.queries; ++q) {
    std::unordered_set<std::int64_t> truth;
    for (int i = 0; i < exact.k; ++i)
      if (exact.neighbours(q)[i] >= 0) truth.insert(exact.neighbours(q)[i]);
    if (truth.empty()) {
      total += 1;
      continue;
    }
    int hit = 0;
    for (int i = 0; i < approx.k; ++i) hit += truth.count(approx.neighbours(q)[i]) ? 1 : 0;
    total += double(hit) / double(truth.size());
  }
  return total / double(exact.queries);
}

}  // namespace embedscope::analysis
