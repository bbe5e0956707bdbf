// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/umap.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <limits>
#include <vector>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

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
    ys[static_cast<std::size_t>(i)] = xs[static_cast<std::size_t>(i)] < minDist
                                          ? 1.0
                                          : std::exp(-(xs[static_cast<std::size_t>(i)] - minDist) / spread);
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
    if (rho > 0)
      sigma = std::max(sigma, 1e-3 * meanI);
    else
      sigma = std::max(sigma, 1e-3 * meanAll);
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
  std::sort(both.begin(), both.end(),
            [](const Edge& a, const Edge& b) { return a.i < b.i || (a.i == b.i && a.j < b.j); });
  FuzzyGraph fg;
  for (std::size_t e = 0; e < both.size();) {
    std::size_t f = e;
    double a = 0, b = 0;
    while (f < both.size() && both[f].i == both[e].i && both[f].j == both[e].j) {
      if (both[f].w >= 0)
        a = both[f].w;
      else
        b = -both[f].w - 1.0;
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

Result<Matrix> spectralLayout(std::int64_t n, const std::vector<std::int32_t>& head,
                              const std::vector<std::int32_t>& tail, const std::vector<double>& weight, int dims,
                              std::uint64_t seed) {
  if (n < dims + 2) return Status::unavailable("too few vertices for a spectral layout");
  // Connected components (union-find): the trivial eigenvalue 1 repeats once per component, and
  // the eigenvectors then only say which component a vertex is in.
  std::vector<std::int64_t> parent(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) parent[static_cast<std::size_t>(i)] = i;
  auto find = [&](std::int64_t v) {
    while (parent[static_cast<std::size_t>(v)] != v) {
      parent[static_cast<std::size_t>(v)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])];
      v = parent[static_cast<std::size_t>(v)];
    }
    return v;
  };
  std::vector<double> deg(static_cast<std::size_t>(n), 0.0);
  for (std::size_t e = 0; e < head.size(); ++e) {
    if (!(weight[e] > 0)) continue;
    deg[static_cast<std::size_t>(head[e])] += weight[e];
    const std::int64_t ra = find(head[e]), rb = find(tail[e]);
    if (ra != rb) parent[static_cast<std::size_t>(std::max(ra, rb))] = std::min(ra, rb);
  }
  std::int64_t components = 0;
  for (std::int64_t i = 0; i < n; ++i) components += find(i) == i ? 1 : 0;
  if (components > 1)
    return Status::unavailable("the graph has " + std::to_string(components) + " connected components");
  for (double dg : deg)
    if (!(dg > 0)) return Status::unavailable("the graph has an isolated vertex");

  // CSR of the normalised adjacency M = D^-1/2 W D^-1/2.
  std::vector<std::int64_t> rowPtr(static_cast<std::size_t>(n + 1), 0);
  for (std::size_t e = 0; e < head.size(); ++e)
    if (weight[e] > 0) rowPtr[static_cast<std::size_t>(head[e]) + 1]++;
  for (std::int64_t i = 0; i < n; ++i) rowPtr[static_cast<std::size_t>(i + 1)] += rowPtr[static_cast<std::size_t>(i)];
  std::vector<std::int32_t> col(static_cast<std::size_t>(rowPtr.back()));
  std::vector<double> val(col.size());
  {
    std::vector<std::int64_t> fill(rowPtr.begin(), rowPtr.end() - 1);
    for (std::size_t e = 0; e < head.size(); ++e) {
      if (!(weight[e] > 0)) continue;
      const auto t = static_cast<std::size_t>(fill[static_cast<std::size_t>(head[e])]++);
      col[t] = tail[e];
      val[t] = weight[e] / std::sqrt(deg[static_cast<std::size_t>(head[e])] * deg[static_cast<std::size_t>(tail[e])]);
    }
  }
  // The trivial eigenvector (eigenvalue 1): sqrt(degree), normalised. It is projected out of the
  // block every step.
  Eigen::VectorXd u0(n);
  for (std::int64_t i = 0; i < n; ++i) u0[i] = std::sqrt(deg[static_cast<std::size_t>(i)]);
  u0.normalize();
  // Block power iteration on S = (I + M) / 2 (eigenvalues in [0, 1], so the largest of M are the
  // largest of S and no negative eigenvalue of M competes), with Rayleigh-Ritz every few steps;
  // a few extra columns speed up convergence of the wanted ones.
  const int block = static_cast<int>(std::min<std::int64_t>(n - 1, dims + 4));  // <= 7
  Eigen::MatrixXd v(n, block), w(n, block);
  Rng rng(seed ^ 0x5bd1e995u);
  for (std::int64_t i = 0; i < n; ++i)
    for (int c = 0; c < block; ++c) v(i, c) = rng.normal();
  auto applyS = [&](const Eigen::MatrixXd& in, Eigen::MatrixXd& out) {
    for (std::int64_t i = 0; i < n; ++i) {
      // Fixed-capacity row (the block is at most 7 wide): no allocation per vertex and step.
      Eigen::Matrix<double, 1, Eigen::Dynamic, Eigen::RowMajor, 1, 8> acc = in.row(i);
      for (std::int64_t t = rowPtr[static_cast<std::size_t>(i)]; t < rowPtr[static_cast<std::size_t>(i + 1)]; ++t)
        acc += val[static_cast<std::size_t>(t)] * in.row(col[static_cast<std::size_t>(t)]);
      out.row(i) = 0.5 * acc;
    }
  };
  auto orthonormalise = [&](Eigen::MatrixXd& m) {
    m -= u0 * (u0.transpose() * m);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
    m = qr.householderQ() * Eigen::MatrixXd::Identity(n, block);
  };
  orthonormalise(v);
  // umap-learn asks eigsh for tol 1e-4; the residual here is ||S v - theta v|| per Ritz vector.
  constexpr double kTol = 1e-4;
  const int maxIter = 3000;
  bool converged = false;
  Eigen::MatrixXd ritz;
  for (int it = 1; it <= maxIter; ++it) {
    applyS(v, w);
    v.swap(w);
    orthonormalise(v);
    if (it % 10 != 0 && it != maxIter) continue;
    // Rayleigh-Ritz: rotate the block onto the eigenvectors of its projected operator.
    applyS(v, w);
    const Eigen::MatrixXd h = v.transpose() * w;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (h + h.transpose()));
    // Eigen sorts ascending: the wanted ones are the last `dims`.
    v = v * es.eigenvectors();
    w = w * es.eigenvectors();
    double worst = 0;
    for (int c = block - dims; c < block; ++c)
      worst = std::max(worst, (w.col(c) - es.eigenvalues()[c] * v.col(c)).norm());
    if (worst < kTol) {
      converged = true;
      ritz = v.rightCols(dims).rowwise().reverse();  // largest eigenvalue first
      break;
    }
  }
  if (!converged) return Status::unavailable("the spectral layout did not converge");
  Matrix out(n, dims);
  for (std::int64_t i = 0; i < n; ++i)
    for (int d = 0; d < dims; ++d) out(i, d) = static_cast<float>(ritz(i, d));
  return out;
}

struct Umap::Impl {
  UmapOptions options;
  std::int64_t n = 0;
  int dims = 2;
  double a = 0, b = 0;
  int epochs = 0, epoch = 0;
  UmapInit init = UmapInit::Spectral;
  std::vector<double> y;
  // The sampling schedule (umap-learn's make_epochs_per_sample), edges too weak to be sampled
  // even once dropped.
  std::vector<std::int32_t> head, tail;
  std::vector<double> eps, nextSample, epsNeg, nextNeg;
  Rng rng{0};
};

Umap::Umap() : m_impl(std::make_unique<Impl>()) {}
Umap::~Umap() = default;
Umap::Umap(Umap&&) noexcept = default;
Umap& Umap::operator=(Umap&&) noexcept = default;

Result<Umap> Umap::create(const Matrix& x, const UmapOptions& options, const RunControl& control) {
  if (options.dims < 1 || options.dims > 3)
    return Status::invalidArgument("UMAP dims must be 1 to 3. Received: dims=" + std::to_string(options.dims));
  if (options.nNeighbors < 2)
    return Status::invalidArgument("n_neighbors must be greater than 1. Received: n_neighbors=" +
                                   std::to_string(options.nNeighbors));
  if (!(options.minDist >= 0) || !(options.spread > 0) || options.minDist > options.spread)
    return Status::invalidArgument("min_dist must be in [0, spread]. Received: min_dist=" +
                                   std::to_string(options.minDist));
  if (options.negativeSampleRate < 0) return Status::invalidArgument("negative_sample_rate must be >= 0");
  if (!x.allFinite()) return Status::dataError("UMAP input holds NaN or infinity (select finite rows first)");
  if (options.initialLayout && (options.initialLayout->rows() != x.rows() ||
                                options.initialLayout->cols() != options.dims || !options.initialLayout->allFinite()))
    return Status::invalidArgument("the initial layout must be rows x dims and finite");
  Umap u;
  Impl& im = *u.m_impl;
  im.options = options;
  im.n = x.rows();
  im.dims = options.dims;
  std::tie(im.a, im.b) = umapCurveParameters(options.spread, options.minDist);
  im.epochs = options.epochs > 0 ? options.epochs : (im.n <= 10000 ? 500 : 200);
  im.init = options.initialLayout ? UmapInit::Pca : options.init;
  im.y.assign(static_cast<std::size_t>(im.n * im.dims), 0.0);
  im.rng = Rng(options.seed);
  if (im.n < 2) {
    im.epoch = im.epochs;  // nothing to optimise
    return u;
  }
  const std::int64_t n = im.n;
  const int dims = im.dims;

  auto graph = fuzzySimplicialSet(x, options.nNeighbors, options.metric, control);
  if (!graph) return graph.status();
  FuzzyGraph& fg = *graph;
  if (control.cancelled()) return Status::cancelled();

  // umap-learn drops edges below max / epochs before both the spectral layout and the SGD.
  const double wmax = fg.weight.empty() ? 1.0 : *std::max_element(fg.weight.begin(), fg.weight.end());
  for (std::size_t e = 0; e < fg.weight.size(); ++e) {
    if (fg.weight[e] < wmax / im.epochs) continue;
    im.head.push_back(fg.head[e]);
    im.tail.push_back(fg.tail[e]);
    const double s = wmax / fg.weight[e];
    im.eps.push_back(s);
    im.nextSample.push_back(s);
    const double sn =
        options.negativeSampleRate > 0 ? s / options.negativeSampleRate : std::numeric_limits<double>::infinity();
    im.epsNeg.push_back(sn);
    im.nextNeg.push_back(sn);
  }

  std::vector<double>& y = im.y;
  Rng& rng = im.rng;
  if (options.initialLayout) {
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < dims; ++d) y[static_cast<std::size_t>(i * dims + d)] = (*options.initialLayout)(i, d);
    control.report("initialise", 0.3);
    return u;
  }
  bool placed = false;
  if (im.init == UmapInit::Spectral) {
    std::vector<double> w;
    w.reserve(im.head.size());
    for (double e : im.eps) w.push_back(wmax / e);
    auto sp = spectralLayout(n, im.head, im.tail, w, dims, options.seed);
    if (sp) {
      // umap-learn: scaled so the largest coordinate is 10, then a little noise.
      const double mx = sp->cwiseAbs().maxCoeff();
      const double expansion = mx > 0 ? 10.0 / mx : 1.0;
      for (std::int64_t i = 0; i < n; ++i)
        for (int d = 0; d < dims; ++d)
          y[static_cast<std::size_t>(i * dims + d)] = double((*sp)(i, d)) * expansion + rng.normal() * 1e-4;
      placed = true;
    } else {
      im.init = UmapInit::Pca;  // disconnected graph: PCA keeps the components' relative places
    }
  }
  if (!placed && im.init == UmapInit::Random) {
    for (auto& v : y) v = rng.uniform01() * 20.0 - 10.0;
    placed = true;
  }
  if (!placed) {
    PcaOptions po;
    po.components.clear();
    for (int d = 0; d < dims; ++d) po.components.push_back(d);
    po.seed = options.seed;
    auto pr = pca(x, po, control);
    if (!pr) return pr.status();
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < dims; ++d)
        // Small jitter (as umap-learn adds to its spectral start) also separates duplicate rows.
        y[static_cast<std::size_t>(i * dims + d)] = pr->coordinates(i, d) + rng.normal() * 1e-4;
  }
  // umap-learn rescales every computed start to [0, 10] per axis.
  for (int d = 0; d < dims; ++d) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, y[static_cast<std::size_t>(i * dims + d)]);
      hi = std::max(hi, y[static_cast<std::size_t>(i * dims + d)]);
    }
    for (std::int64_t i = 0; i < n; ++i) {
      double& v = y[static_cast<std::size_t>(i * dims + d)];
      v = hi > lo ? 10.0 * (v - lo) / (hi - lo) : 5.0 + rng.normal() * 1e-4;
    }
  }
  control.report("initialise", 0.3);
  return u;
}

Status Umap::step(int count, const RunControl& control) {
  Impl& im = *m_impl;
  const std::int64_t n = im.n;
  const int dims = im.dims;
  const double a = im.a, b = im.b, gamma = im.options.repulsionStrength;
  auto clip = [](double v) { return std::clamp(v, -4.0, 4.0); };
  std::vector<double>& y = im.y;
  for (int s0 = 0; s0 < count && im.epoch < im.epochs; ++s0) {
    if (control.cancelled()) return Status::cancelled();
    const int epoch = im.epoch;
    const double alpha = im.options.learningRate * (1.0 - double(epoch) / im.epochs);
    for (std::size_t e = 0; e < im.head.size(); ++e) {
      if (im.nextSample[e] > epoch) continue;
      double* cur = y.data() + std::int64_t(im.head[e]) * dims;
      double* oth = y.data() + std::int64_t(im.tail[e]) * dims;
      double d2 = 0;
      for (int d = 0; d < dims; ++d) d2 += (cur[d] - oth[d]) * (cur[d] - oth[d]);
      double coeff = 0;
      if (d2 > 0) {
        // One pow per update (d^(2(b-1)) = d^(2b) / d^2), in float: the SGD is noise-tolerant and
        // pow dominates its cost.
        const double p2b = static_cast<double>(std::pow(static_cast<float>(d2), static_cast<float>(b)));
        coeff = -2.0 * a * b * (p2b / d2) / (a * p2b + 1.0);
      }
      for (int d = 0; d < dims; ++d) {
        const double gd = clip(coeff * (cur[d] - oth[d]));
        cur[d] += gd * alpha;
        oth[d] -= gd * alpha;
      }
      im.nextSample[e] += im.eps[e];
      const int negatives = static_cast<int>((epoch - im.nextNeg[e]) / im.epsNeg[e]);
      for (int s = 0; s < negatives; ++s) {
        const auto kk = static_cast<std::int64_t>(im.rng.below(static_cast<std::uint64_t>(n)));
        if (kk == im.head[e]) continue;
        const double* o = y.data() + kk * dims;
        double q2 = 0;
        for (int d = 0; d < dims; ++d) q2 += (cur[d] - o[d]) * (cur[d] - o[d]);
        if (!(q2 > 0)) continue;
        const double p2b = static_cast<double>(std::pow(static_cast<float>(q2), static_cast<float>(b)));
        const double c = 2.0 * gamma * b / ((0.001 + q2) * (a * p2b + 1.0));
        for (int d = 0; d < dims; ++d) cur[d] += clip(c * (cur[d] - o[d])) * alpha;
      }
      if (negatives > 0) im.nextNeg[e] += negatives * im.epsNeg[e];
    }
    ++im.epoch;
    if ((im.epoch % 10) == 0 || im.epoch == im.epochs)
      control.report("optimise", 0.3 + 0.7 * double(im.epoch) / im.epochs, im.epoch);
  }
  return Status::ok();
}

Matrix Umap::layout() const {
  const Impl& im = *m_impl;
  Matrix out(im.n, im.dims);
  for (std::int64_t i = 0; i < im.n; ++i)
    for (int d = 0; d < im.dims; ++d) out(i, d) = static_cast<float>(im.y[static_cast<std::size_t>(i * im.dims + d)]);
  return out;
}

int Umap::epoch() const { return m_impl->epoch; }
int Umap::totalEpochs() const { return m_impl->epochs; }
double Umap::a() const { return m_impl->a; }
double Umap::b() const { return m_impl->b; }
UmapInit Umap::init() const { return m_impl->init; }

Result<UmapResult> umap(const Matrix& x, const UmapOptions& options, const RunControl& control) {
  auto u = Umap::create(x, options, control);
  if (!u) return u.status();
  while (!u->done()) EMBEDSCOPE_TRY(u->step(50, control));
  UmapResult r;
  r.layout = u->layout();
  r.a = u->a();
  r.b = u->b();
  r.epochs = u->totalEpochs();
  r.init = u->init();
  return r;
}

}  // namespace embedscope::analysis
