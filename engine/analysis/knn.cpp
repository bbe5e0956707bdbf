// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/knn.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
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
    case Metric::Cosine:
      return "cosine";
    case Metric::Euclidean:
      return "euclidean";
    case Metric::Dot:
      return "dot";
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

// Whether any of 16 keys reaches t (a compare and an OR reduction, which the compiler vectorises
// where a float max reduction it does not).
inline bool anyAtLeast(const float* __restrict k, float t) {
  int hit = 0;
  for (int i = 0; i < 16; ++i) hit |= k[i] >= t ? 1 : 0;
  return hit != 0;
}

Matrix prepared(const Matrix& m, Metric metric) {
  if (metric != Metric::Cosine) return m;
  Matrix out = m;
  for (Eigen::Index r = 0; r < out.rows(); ++r) {
    const double n = out.row(r).cast<double>().norm();
    if (n > 0 && std::isfinite(n))
      out.row(r) /= static_cast<float>(n);
    else if (n == 0)
      out.row(r).setZero();
  }
  return out;
}

float exactScore(const float* q, const float* x, Eigen::Index d, Metric metric) {
  // Double accumulators, eight of them so the adds do not wait on each other.
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  Eigen::Index c = 0;
  const bool l2 = metric == Metric::Euclidean;
  for (; c + 8 <= d; c += 8)
    for (int u = 0; u < 8; ++u) {
      const double a = q[c + u], b = x[c + u];
      acc[u] += l2 ? (a - b) * (a - b) : a * b;
    }
  for (; c < d; ++c) {
    const double a = q[c], b = x[c];
    acc[0] += l2 ? (a - b) * (a - b) : a * b;
  }
  const double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  return static_cast<float>(l2 ? std::sqrt(s) : s);
}

Result<KnnGraph> knnImpl(const Matrix& data0, const Matrix& queries0, int k, Metric metric, const RunControl& control,
                         const std::vector<std::vector<std::int64_t>>& exclude, bool excludeSelf) {
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
  // key = scale * product - bias[r]: bias is |x|^2 (euclidean) or 0, and +inf for an unusable row
  // (so its key is -inf or NaN, never above a threshold).
  const float scale = metric == Metric::Euclidean ? 2.f : 1.f;
  std::vector<float> bias(static_cast<std::size_t>(n), 0.f);
  for (std::int64_t r = 0; r < n; ++r) {
    bool fin = true;
    for (Eigen::Index c = 0; c < d; ++c) fin &= std::isfinite(data(r, c));
    bias[static_cast<std::size_t>(r)] = !fin                        ? std::numeric_limits<float>::infinity()
                                        : metric == Metric::Euclidean ? data.row(r).squaredNorm()
                                                                      : 0.f;
  }
  constexpr std::int64_t kQueryBlock = 256, kDataBlock = 2048, kChunk = 16;
  const std::int64_t queryBlocks = (nq + kQueryBlock - 1) / kQueryBlock;
  std::atomic<bool> stop{false};
  parallelFor(queryBlocks, control.threadCount(), [&](std::int64_t b0, std::int64_t b1, int worker) {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> prod;
    // Per query: candidates at or above the current threshold (the k-th best key kept so far),
    // appended unsorted and cut back to the best k whenever the buffer fills. Almost every entry
    // is below the threshold, so the scan is a vectorised max over chunks.
    std::vector<std::vector<Cand>> bufs(kQueryBlock);
    std::vector<float> thr(kQueryBlock);
    std::vector<float> keys(static_cast<std::size_t>(kDataBlock));
    const std::size_t cap = static_cast<std::size_t>(std::max(8 * k, 512));
    const auto better = [](const Cand& x, const Cand& y) { return worse(y, x); };
    const auto cut = [&](std::vector<Cand>& buf, float& t) {
      if (buf.size() <= static_cast<std::size_t>(k)) return;
      std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), better);
      buf.resize(static_cast<std::size_t>(k));
      t = buf[static_cast<std::size_t>(k - 1)].key;  // the k-th best: nothing below it can enter
    };
    for (std::int64_t qb = b0; qb < b1 && !stop; ++qb) {
      if (control.cancelled()) {
        stop = true;
        break;
      }
      const std::int64_t q0 = qb * kQueryBlock, q1 = std::min(nq, q0 + kQueryBlock);
      std::vector<std::unordered_set<std::int64_t>> ex(static_cast<std::size_t>(q1 - q0));
      for (std::int64_t q = q0; q < q1; ++q) {
        auto& buf = bufs[static_cast<std::size_t>(q - q0)];
        buf.clear();
        buf.reserve(cap + kChunk);
        thr[static_cast<std::size_t>(q - q0)] = -std::numeric_limits<float>::infinity();
        if (!exclude.empty()) ex[static_cast<std::size_t>(q - q0)].insert(exclude[q].begin(), exclude[q].end());
      }
      const auto qBlock = queries.middleRows(q0, q1 - q0);
      for (std::int64_t r0 = 0; r0 < n; r0 += kDataBlock) {
        const std::int64_t r1 = std::min(n, r0 + kDataBlock), len = r1 - r0;
        prod.noalias() = qBlock * data.middleRows(r0, len).transpose();
        const float* bb = bias.data() + r0;
        for (std::int64_t q = q0; q < q1; ++q) {
          auto& buf = bufs[static_cast<std::size_t>(q - q0)];
          float& t0 = thr[static_cast<std::size_t>(q - q0)];
          const auto& exq = ex[static_cast<std::size_t>(q - q0)];
          const float* row = prod.data() + (q - q0) * prod.cols();
          float* kk = keys.data();
          // Eigen maps so both loops vectorise (plain loops do not: float max is not associative
          // for the compiler, and the buffers might alias).
          Eigen::Map<Eigen::ArrayXf>(kk, len) =
              scale * Eigen::Map<const Eigen::ArrayXf>(row, len) - Eigen::Map<const Eigen::ArrayXf>(bb, len);
          for (std::int64_t c0 = 0; c0 < len; c0 += kChunk) {
            const std::int64_t c1 = std::min(len, c0 + kChunk);
            if (c1 - c0 == kChunk && !anyAtLeast(kk + c0, t0)) continue;
            for (std::int64_t t = c0; t < c1; ++t) {
              const float key = kk[t];
              // Equal keys pass (the cut breaks ties by row); NaN and -inf never do.
              if (!(key >= t0) || !std::isfinite(key)) continue;
              const std::int64_t r = r0 + t;
              if ((excludeSelf && r == q) || (!exq.empty() && exq.count(r))) continue;
              buf.push_back(Cand{key, r});
            }
            if (buf.size() >= cap) cut(buf, t0);
          }
        }
      }
      for (std::int64_t q = q0; q < q1; ++q) {
        auto& h = bufs[static_cast<std::size_t>(q - q0)];
        float unused = 0;
        cut(h, unused);
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
