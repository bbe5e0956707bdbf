// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/trust.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "engine/core/rng.h"

namespace embedscope::analysis {

Result<std::vector<float>> neighbourhoodPreservation(const Matrix& high, const Matrix& low, int k, Metric highMetric,
                                                     const RunControl& control) {
  if (high.rows() != low.rows()) return Status::invalidArgument("the two spaces must have the same rows");
  const std::int64_t n = high.rows();
  std::vector<float> out(static_cast<std::size_t>(n), 1.f);
  if (n < 2) return out;
  k = static_cast<int>(std::min<std::int64_t>(k, n - 1));
  auto gh = exactAllKnn(high, k, highMetric, control);
  if (!gh) return gh.status();
  auto gl = exactAllKnn(low, k, Metric::Euclidean, control);
  if (!gl) return gl.status();
  for (std::int64_t i = 0; i < n; ++i) {
    std::unordered_set<std::int64_t> s(gh->neighbours(i), gh->neighbours(i) + k);
    int hit = 0;
    for (int j = 0; j < k; ++j) hit += s.count(gl->neighbours(i)[j]) ? 1 : 0;
    out[static_cast<std::size_t>(i)] = float(hit) / float(k);
  }
  return out;
}

namespace {

// Distances from query q to every row (self = +inf), in the order-preserving form of each metric.
void distancesFrom(const Matrix& m, std::int64_t q, Metric metric, std::vector<double>& dist) {
  const std::int64_t n = m.rows();
  dist.resize(static_cast<std::size_t>(n));
  const Eigen::RowVectorXd qv = m.row(q).cast<double>();
  const double qn = qv.norm();
  for (std::int64_t j = 0; j < n; ++j) {
    double& d = dist[static_cast<std::size_t>(j)];
    if (metric == Metric::Euclidean) {
      d = (m.row(j).cast<double>() - qv).squaredNorm();
    } else {
      const double dot = m.row(j).cast<double>().dot(qv);
      const double jn = m.row(j).cast<double>().norm();
      d = metric == Metric::Dot ? -dot : ((qn > 0 && jn > 0) ? 1.0 - dot / (qn * jn) : 1.0);
    }
  }
  dist[static_cast<std::size_t>(q)] = std::numeric_limits<double>::infinity();
}

// "a ranks before b": nearer, or equally near and a lower row (a stable argsort's order).
inline bool before(const std::vector<double>& d, std::int64_t a, std::int64_t b) {
  const double da = d[static_cast<std::size_t>(a)], db = d[static_cast<std::size_t>(b)];
  return da < db || (da == db && a < b);
}

// The k nearest rows in rank order.
void nearest(const std::vector<double>& d, int k, std::vector<std::int64_t>& scratch, std::vector<std::int64_t>& out) {
  scratch.resize(d.size());
  std::iota(scratch.begin(), scratch.end(), 0);
  auto cmp = [&](std::int64_t a, std::int64_t b) { return before(d, a, b); };
  std::nth_element(scratch.begin(), scratch.begin() + k, scratch.end(), cmp);
  std::sort(scratch.begin(), scratch.begin() + k, cmp);
  out.assign(scratch.begin(), scratch.begin() + k);
}

// 1-based rank of row j by d (self, at +inf, never ranks before it).
std::int64_t rankOf(const std::vector<double>& d, std::int64_t j) {
  std::int64_t r = 1;
  const auto n = static_cast<std::int64_t>(d.size());
  for (std::int64_t m = 0; m < n; ++m) r += before(d, m, j) ? 1 : 0;
  return r;
}

}  // namespace

Result<TrustReport> trustMetrics(const Matrix& high, const Matrix& low, const TrustOptions& options,
                                 const RunControl& control) {
  if (high.rows() != low.rows()) return Status::invalidArgument("the two spaces must have the same rows");
  const std::int64_t n = high.rows();
  const int k = options.k;
  if (k < 1) return Status::invalidArgument("k must be a positive integer. Received: k=" + std::to_string(k));
  if (n < 2 * k + 1 || k >= n / 2)
    return Status::invalidArgument("trustworthiness needs k < rows / 2. Received: k=" + std::to_string(k) +
                                   ", rows=" + std::to_string(n));
  if (!high.allFinite() || !low.allFinite()) return Status::dataError("trust metrics need finite values");
  TrustReport rep;

  std::vector<std::int64_t> queries;
  if (n <= options.maxQueries) {
    queries.resize(static_cast<std::size_t>(n));
    std::iota(queries.begin(), queries.end(), 0);
  } else {
    // Partial Fisher-Yates: a seeded sample without replacement.
    std::vector<std::int64_t> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    Rng rng(options.seed);
    for (std::int64_t i = 0; i < options.maxQueries; ++i) {
      const auto j = i + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n - i)));
      std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
    }
    queries.assign(all.begin(), all.begin() + options.maxQueries);
  }
  const auto nq = static_cast<std::int64_t>(queries.size());
  rep.queries = nq;
  const int threads = control.threadCount();
  std::vector<double> tSum(static_cast<std::size_t>(threads), 0.0), cSum(static_cast<std::size_t>(threads), 0.0),
      pSum(static_cast<std::size_t>(threads), 0.0);
  std::atomic<bool> stop{false};
  parallelFor(nq, threads, [&](std::int64_t b, std::int64_t e, int w) {
    std::vector<double> dh, dl;
    std::vector<std::int64_t> scratch, nh, nl;
    for (std::int64_t qi = b; qi < e; ++qi) {
      if ((qi & 63) == 0 && control.cancelled()) {
        stop = true;
        return;
      }
      const std::int64_t q = queries[static_cast<std::size_t>(qi)];
      distancesFrom(high, q, options.highMetric, dh);
      distancesFrom(low, q, Metric::Euclidean, dl);
      nearest(dh, k, scratch, nh);
      nearest(dl, k, scratch, nl);
      double t = 0, c = 0, kept = 0;
      for (int j = 0; j < k; ++j) {
        kept += std::find(nh.begin(), nh.end(), nl[static_cast<std::size_t>(j)]) != nh.end() ? 1 : 0;
        // A picture neighbour missing from the original k: penalised by its original rank.
        const std::int64_t lowNb = nl[static_cast<std::size_t>(j)];
        if (std::find(nh.begin(), nh.end(), lowNb) == nh.end()) t += double(rankOf(dh, lowNb) - k);
        // An original neighbour missing from the picture's k: penalised by its rank in the picture.
        const std::int64_t highNb = nh[static_cast<std::size_t>(j)];
        if (std::find(nl.begin(), nl.end(), highNb) == nl.end()) c += double(rankOf(dl, highNb) - k);
      }
      tSum[static_cast<std::size_t>(w)] += t;
      cSum[static_cast<std::size_t>(w)] += c;
      pSum[static_cast<std::size_t>(w)] += kept / k;
    }
  });
  if (stop) return Status::cancelled();
  double t = 0, c = 0, p = 0;
  for (int w = 0; w < threads; ++w) {
    p += pSum[static_cast<std::size_t>(w)];
    t += tSum[static_cast<std::size_t>(w)];
    c += cSum[static_cast<std::size_t>(w)];
  }
  // scikit-learn: 1 - 2 / (n k (2n - 3k - 1)) * sum; with a sample of nq queries the sum scales by n / nq.
  const double norm = 2.0 / (double(nq) * k * (2.0 * n - 3.0 * k - 1.0));
  rep.trustworthiness = 1.0 - norm * t;
  rep.continuity = 1.0 - norm * c;
  rep.meanPreservation = p / double(nq);
  return rep;
}

}  // namespace embedscope::analysis
