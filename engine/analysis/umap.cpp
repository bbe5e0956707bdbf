// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/umap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/analysis/hnsw_index.h"
#include "engine/analysis/pca.h"
#include "engine/core/rng.h"

namespace embedscope::analysis {

std::pair<double, double> umapCurveParameters(double spread, double minDist) {
  // 300 samples on [0, 3 * spread], as umap-learn; Levenberg-Marquardt on (a, b).
  constexpr int kSamples = 300;
  std::vector<double> xs(kSamples), ys(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    xs[static_cast<std::size_t>(i)] = 3.0 * spread * i / (kSamples - 1);
    ys[static_cast<std::size_t>(i)] = xs[static_cast<std::size_t>(i)] < minDist ? 1.0 : std::exp(-(xs[static_cast<std::size_t>(i)] - minDist) / spread);
  }
  auto cost = [&](double a, double b) {
    double c = 0;
    for (int i = 0; i < kSamples; ++i) {
      const double f = 1.0 / (1.0 + a * std::pow(xs[static_cast<std::size_t>(i)], 2 * b));
      c += (f - ys[static_cast<std::size_t>(i)]) * (f - ys[static_cast<std::size_t>(i)]);
    }
    return c;
  };
  double a = 1.0, b = 1.0, lambda = 1e-3, c = cost(a, b);
  for (int it = 0; it < 500; ++it) {
    double jtj[2][2] = {{0, 0}, {0, 0}}, jtr[2] = {0, 0};
    for (int i = 0; i < kSamples; ++i) {
      const double x = xs[static_cast<std::size_t>(i)];
      const double x2b = x > 0 ? std::pow(x, 2 * b) : 0.0;
      const double den = 1.0 + a * x2b;
      const double f = 1.0 / den;
      const double r = f - ys[static_cast<std::size_t>(i)];
      const double da = -x2b / (den * den);
      const double db = x > 0 ? -a * x2b * 2.0 * std::log(x) / (den * den) : 0.0;
      jtj[0][0] += da * da;
      jtj[0][1] += da * db;
      jtj[1][1] += db * db;
      jtr[0] += da * r;
      jtr[1] += db * r;
    }
    const double m00 = jtj[0][0] * (1 + lambda), m11 = jtj[1][1] * (1 + lambda), m01 = jtj[0][1];
    const double det = m00 * m11 - m01 * m01;
    if (!(std::abs(det) > 0)) break;
    const double sa = -(m11 * jtr[0] - m01 * jtr[1]) / det, sb = -(m00 * jtr[1] - m01 * jtr[0]) / det;
    const double na = a + sa, nb = b + sb;
    const double nc = (na > 0 && nb > 0) ? cost(na, nb) : std::numeric_limits<double>::infinity();
    if (nc < c) {
      const bool converged = c - nc < 1e-14;
      a = na;
      b = nb;
      c = nc;
      lambda = std::max(lambda / 10, 1e-12);
      if (converged) break;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return {a, b};
}

namespace {

struct FuzzyGraph {
  std::vector<std::int32_t> head, tail;
  std::vector<double> weight;
};

Result<FuzzyGraph> fuzzySimplicialSet(const Matrix& x, int nNeighbors, Metric metric, const RunControl& control) {
  const std::int64_t n = x.rows();
  const int k = static_cast<int>(std::min<std::int64_t>(n - 1, nNeighbors - 1));  // others; self is the k-th
  KnnGraph g;
  if (n > 30000) {
    HnswOptions ho;
    ho.metric = metric;
    ho.efConstruction = 100;
    ho.efSearch = std::max(2 * k, 32);
    auto idx = HnswIndex::build(x, ho, control);
    if (!idx) return idx.status();
    auto q = idx->query(x, k, control, true);
    if (!q) return q.status();
    g = std::move(*q);
  } else {
    auto q = exactAllKnn(x, k, metric, control);
    if (!q) return q.status();
    g = std::move(*q);
  }
  control.report("graph", 0.3);
  // Dissimilarities: euclidean distance, 1 - cosine, or -dot shifted to be >= 0 per row.
  std::vector<double> dist(static_cast<std::size_t>(n * k), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    double shift = 0;
    if (metric == Metric::Dot) {
      for (int j = 0; j < k; ++j) shift = std::max(shift, double(g.neighbourScores(i)[j]));
    }
    for (int j = 0; j < k; ++j) {
      const double s = g.neighbourScores(i)[j];
      double d = metric == Metric::Euclidean ? s : metric == Metric::Cosine ? 1.0 - s : shift - s;
      dist[static_cast<std::size_t>(i * k + j)] = std::max(0.0, d);
    }
  }
  const double target = std::log2(double(k + 1));
  double meanAll = 0;
  for (double d : dist) meanAll += d;
  meanAll /= std::max<double>(1, double(dist.size()));
  struct Edge {
    std::int32_t i, j;
    double w;
  };
  std::vector<Edge> edges;
  edges.reserve(static_cast<std::size_t>(2 * n * k));
  for (std::int64_t i = 0; i < n; ++i) {
    const double* di = dist.data() + i * k;
    double rho = 0, meanI = 0;
    for (int j = 0; j < k; ++j) {
      meanI += di[j];
      if (rho == 0 && di[j] > 0) rho = di[j];
    }
    meanI /= std::max(1, k);
    double lo = 0, hi = std::numeric_limits<double>::infinity(), mid = 1.0;
    for (int it = 0; it < 64; ++it) {
      double psum = 0;  // over the k other neighbours (umap-learn skips the point itself)
      for (int j = 0; j < k; ++j) {
        const double d = di[j] - rho;
        psum += d > 0 ? std::exp(-d / mid) : 1.0;
      }
      if (std::abs(psum - target) < 1e-5) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = std::isinf(hi) ? mid * 2 : (lo + hi) / 2;
      }
    }
    double sigma = mid;
    if (rho > 0) sigma = std::max(sigma, 1e-3 * meanI);
    else sigma = std::max(sigma, 1e-3 * meanAll);
    if (!(sigma > 0)) sigma = 1e-3;
    for (int j = 0; j < k; ++j) {
      const std::int64_t nb = g.neighbours(i)[j];
      if (nb < 0) continue;
      const double d = di[j] - rho;
      const double w = d > 0 ? std::exp(-d / sigma) : 1.0;
      edges.push_back({static_cast<std::int32_t>(i), static_cast<std::int32_t>(nb), w});
    }
  }
  // Union: w_ij = a + b - a b where a = w(i->j), b = w(j->i).
  std::vector<Edge> both;
  both.reserve(edges.size() * 2);
  for (const auto& e : edges) {
    both.push_back({e.i, e.j, e.w});
    both.push_back({e.j, e.i, -e.w - 1.0});  // transposed entries marked by a negative weight
  }
  std::sort(both.begin(), both.end(), [](const Edge& a, const Edge& b) { return a.i < b.i || (a.i == b.i && a.j < b.j); });
  FuzzyGraph fg;
  for (std::size_t e = 0; e < both.size();) {
    std::size_t f = e;
    double a = 0, b = 0;
    while (f < both.size() && both[f].i == both[e].i && both[f].j == both[e].j) {
      if (both[f].w >= 0) a = both[f].w;
      else b = -both[f].w - 1.0;
      ++f;
    }
    const double w = a + b - a * b;
    if (w > 0) {
      fg.head.push_back(both[e].i);
      fg.tail.push_back(both[e].j);
      fg.weight.push_back(w);
    }
    e = f;
  }
  return fg;
}

}  // namespace

Result<UmapResult> umap(const Matrix& x, const UmapOptions& options, const RunControl& control) {
  if (options.dims < 1 || options.dims > 3)
    return Status::invalidArgument("UMAP dims must be 1 to 3. Received: dims=" + std::to_string(options.dims));
  if (options.nNeighbors < 2)
    return Status::invalidArgument("n_neighbors must be greater than 1. Received: n_neighbors=" + std::to_string(options.nNeighbors));
  if (!(options.minDist >= 0) || !(options.spread > 0) || options.minDist > options.spread)
    return Status::invalidArgument("min_dist must be in [0, spread]. Received: min_dist=" + std::to_string(options.minDist));
  if (options.negativeSampleRate < 0) return Status::invalidArgument("negative_sample_rate must be >= 0");
  if (!x.allFinite()) return Status::dataError("UMAP input holds NaN or infinity (select finite rows first)");
  if (options.initialLayout && (options.initialLayout->rows() != x.rows() || options.initialLayout->cols() != options.dims ||
                                !options.initialLayout->allFinite()))
    return Status::invalidArgument("the initial layout must be rows x dims and finite");
  const std::int64_t n = x.rows();
  const int dims = options.dims;
  UmapResult res;
  std::tie(res.a, res.b) = umapCurveParameters(options.spread, options.minDist);
  res.epochs = options.epochs > 0 ? options.epochs : (n <= 10000 ? 500 : 200);
  res.layout = Matrix::Zero(n, dims);
  if (n < 2) return res;

  auto graph = fuzzySimplicialSet(x, options.nNeighbors, options.metric, control);
  if (!graph) return graph.status();
  FuzzyGraph& fg = *graph;
  if (control.cancelled()) return Status::cancelled();

  // Initial layout: given, or the PCA of the input; either scaled to [0, 10] per axis.
  std::vector<double> y(static_cast<std::size_t>(n * dims), 0.0);
  Rng rng(options.seed);
  if (options.initialLayout) {
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < dims; ++d) y[static_cast<std::size_t>(i * dims + d)] = (*options.initialLayout)(i, d);
  } else {
    PcaOptions po;
    po.components.clear();
    for (int d = 0; d < dims; ++d) po.components.push_back(d);
    po.seed = options.seed;
    auto pr = pca(x, po, control);
    if (!pr) return pr.status();
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < dims; ++d) y[static_cast<std::size_t>(i * dims + d)] = pr->coordinates(i, d);
    for (int d = 0; d < dims; ++d) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (std::int64_t i = 0; i < n; ++i) {
        lo = std::min(lo, y[static_cast<std::size_t>(i * dims + d)]);
        hi = std::max(hi, y[static_cast<std::size_t>(i * dims + d)]);
      }
      for (std::int64_t i = 0; i < n; ++i) {
        double& v = y[static_cast<std::size_t>(i * dims + d)];
        // Small jitter (as umap-learn adds to its spectral start) also separates duplicate rows.
        v = (hi > lo ? 10.0 * (v - lo) / (hi - lo) : 5.0) + rng.normal() * 1e-4;
      }
    }
  }

  // Edge sampling schedule (umap-learn's make_epochs_per_sample), dropping edges too weak to be
  // sampled even once.
  const double wmax = fg.weight.empty() ? 1.0 : *std::max_element(fg.weight.begin(), fg.weight.end());
  std::vector<std::int32_t> head, tail;
  std::vector<double> eps, nextSample, epsNeg, nextNeg;
  for (std::size_t e = 0; e < fg.weight.size(); ++e) {
    if (fg.weight[e] < wmax / res.epochs) continue;
    head.push_back(fg.head[e]);
    tail.push_back(fg.tail[e]);
    const double s = wmax / fg.weight[e];
    eps.push_back(s);
    nextSample.push_back(s);
    const double sn = options.negativeSampleRate > 0 ? s / options.negativeSampleRate : std::numeric_limits<double>::infinity();
    epsNeg.push_back(sn);
    nextNeg.push_back(sn);
  }
  const double a = res.a, b = res.b, gamma = options.repulsionStrength;
  auto clip = [](double v) { return std::clamp(v, -4.0, 4.0); };
  for (int epoch = 0; epoch < res.epochs; ++epoch) {
    if (control.cancelled()) return Status::cancelled();
    const double alpha = options.learningRate * (1.0 - double(epoch) / res.epochs);
    for (std::size_t e = 0; e < head.size(); ++e) {
      if (nextSample[e] > epoch) continue;
      double* cur = y.data() + std::int64_t(head[e]) * dims;
      double* oth = y.data() + std::int64_t(tail[e]) * dims;
      double d2 = 0;
      for (int d = 0; d < dims; ++d) d2 += (cur[d] - oth[d]) * (cur[d] - oth[d]);
      double coeff = 0;
      if (d2 > 0) coeff = -2.0 * a * b * std::pow(d2, b - 1.0) / (a * std::pow(d2, b) + 1.0);
      for (int d = 0; d < dims; ++d) {
        const double gd = clip(coeff * (cur[d] - oth[d]));
        cur[d] += gd * alpha;
        oth[d] -= gd * alpha;
      }
      nextSample[e] += eps[e];
      const int negatives = static_cast<int>((epoch - nextNeg[e]) / epsNeg[e]);
      for (int s = 0; s < negatives; ++s) {
        const auto kk = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n)));
        if (kk == head[e]) continue;
        const double* o = y.data() + kk * dims;
        double q2 = 0;
        for (int d = 0; d < dims; ++d) q2 += (cur[d] - o[d]) * (cur[d] - o[d]);
        if (!(q2 > 0)) continue;
        const double c = 2.0 * gamma * b / ((0.001 + q2) * (a * std::pow(q2, b) + 1.0));
        for (int d = 0; d < dims; ++d) cur[d] += clip(c * (cur[d] - o[d])) * alpha;
      }
      if (negatives > 0) nextNeg[e] += negatives * epsNeg[e];
    }
    if ((epoch % 10) == 0) control.report("optimise", 0.3 + 0.7 * double(epoch + 1) / res.epochs, epoch + 1);
  }
  for (std::int64_t i = 0; i < n; ++i)
    for (int d = 0; d < dims; ++d) res.layout(i, d) = static_cast<float>(y[static_cast<std::size_t>(i * dims + d)]);
  control.report("optimise", 1.0, res.epochs);
  return res;
}

}  // namespace embedscope::analysis
