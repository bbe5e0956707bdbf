// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/tsne.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <complex>
#include <limits>
#include <numeric>
#include <vector>

#include "engine/analysis/grid_convolution.h"
#include "engine/analysis/hnsw_index.h"
#include "engine/analysis/knn.h"
#include "engine/analysis/pca.h"
#include "engine/core/rng.h"

namespace embedscope::analysis {

const char* tsneMethodName(TsneMethod m) {
  switch (m) {
    case TsneMethod::Auto:
      return "auto";
    case TsneMethod::Exact:
      return "exact";
    case TsneMethod::BarnesHut:
      return "barnes_hut";
    case TsneMethod::Fft:
      return "fft";
  }
  return "?";
}

namespace {

// Symmetric joint probabilities in CSR form (row i's entries are col[rowPtr[i] .. rowPtr[i+1])).
struct Affinities {
  std::vector<std::int64_t> rowPtr;
  std::vector<std::int32_t> col;
  std::vector<double> val;
  // col and val again, interleaved, val in float: the attraction loop streams the whole matrix
  // every iteration (14 M entries at 100,000 points), so 8 bytes an entry instead of 12, in one stream.
  struct Packed {
    std::int32_t col;
    float val;
  };
  std::vector<Packed> packed;
  double entropyTerm = 0;  // sum p log p, for the KL divergence
};

// The conditional p_{j|i} over a row's neighbours for the given perplexity, by bisection on the
// precision beta as scikit-learn's _binary_search_perplexity does (tolerance 1e-5, 100 steps).
// Distances are shifted by the row minimum first: the normalised result is the same and exp()
// can no longer underflow to an all-zero row.
void calibrateRow(const float* sqDist, int k, double perplexity, double* out) {
  const double desired = std::log(perplexity);
  double dmin = std::numeric_limits<double>::infinity();
  for (int j = 0; j < k; ++j) dmin = std::min(dmin, double(sqDist[j]));
  double beta = 1.0, lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  for (int step = 0; step < 100; ++step) {
    double sum = 0;
    for (int j = 0; j < k; ++j) {
      out[j] = std::exp(-(double(sqDist[j]) - dmin) * beta);
      sum += out[j];
    }
    if (!(sum > 0)) sum = 1e-8;
    double sumDp = 0;
    for (int j = 0; j < k; ++j) {
      out[j] /= sum;
      sumDp += (double(sqDist[j]) - dmin) * out[j];
    }
    const double entropy = std::log(sum) + beta * sumDp;
    const double diff = entropy - desired;
    if (std::abs(diff) <= 1e-5) break;
    if (diff > 0) {
      lo = beta;
      beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = std::isinf(lo) ? beta / 2 : (beta + lo) / 2;
    }
  }
}

Result<Affinities> computeAffinities(const Matrix& x, double perplexity, const RunControl& control) {
  const std::int64_t n = x.rows();
  const int k = static_cast<int>(std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(3 * perplexity + 1)));
  KnnGraph g;
  // Exact blocked search up to 150,000 rows: at 100,000 x 64 it costs 16 s of CPU against 35 s for
  // HNSW (M 16, ef 100/182) at recall 0.94 on planted clusters (bench_analysis_allknn).
  if (n > 150000) {
    HnswOptions ho;
    ho.metric = Metric::Euclidean;
    ho.efConstruction = 100;
    ho.efSearch = 2 * k;
    auto idx = HnswIndex::build(x, ho, control);
    if (!idx) return idx.status();
    auto q = idx->query(x, k, control, true);
    if (!q) return q.status();
    g = std::move(*q);
  } else {
    auto q = exactAllKnn(x, k, Metric::Euclidean, control);
    if (!q) return q.status();
    g = std::move(*q);
  }
  if (control.cancelled()) return Status::cancelled();
  control.report("affinities", 0.5);
  // Conditional probabilities per row, then P = (P + P^T) / sum.
  std::vector<double> cond(static_cast<std::size_t>(n * k), 0.0);
  parallelFor(n, control.threadCount(), [&](std::int64_t b, std::int64_t e, int) {
    std::vector<float> d2(static_cast<std::size_t>(k));
    for (std::int64_t i = b; i < e; ++i) {
      int kk = 0;
      for (int j = 0; j < k; ++j) {
        if (g.neighbours(i)[j] < 0) break;
        const float dist = g.neighbourScores(i)[j];
        d2[static_cast<std::size_t>(kk++)] = dist * dist;
      }
      if (kk > 0) calibrateRow(d2.data(), kk, perplexity, cond.data() + i * k);
    }
  });
  struct Edge {
    std::int32_t i, j;
    double p;
  };
  std::vector<Edge> edges;
  edges.reserve(static_cast<std::size_t>(2 * n * k));
  for (std::int64_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      const std::int64_t nb = g.neighbours(i)[j];
      const double p = cond[static_cast<std::size_t>(i * k + j)];
      if (nb < 0 || p <= 0) continue;
      edges.push_back({static_cast<std::int32_t>(i), static_cast<std::int32_t>(nb), p});
      edges.push_back({static_cast<std::int32_t>(nb), static_cast<std::int32_t>(i), p});
    }
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.i < b.i || (a.i == b.i && a.j < b.j); });
  Affinities a;
  a.rowPtr.assign(static_cast<std::size_t>(n + 1), 0);
  double total = 0;
  for (std::size_t e = 0; e < edges.size();) {
    std::size_t f = e;
    double p = 0;
    while (f < edges.size() && edges[f].i == edges[e].i && edges[f].j == edges[e].j) p += edges[f++].p;
    a.col.push_back(edges[e].j);
    a.val.push_back(p);
    a.rowPtr[static_cast<std::size_t>(edges[e].i) + 1]++;
    total += p;
    e = f;
  }
  for (std::int64_t i = 0; i < n; ++i)
    a.rowPtr[static_cast<std::size_t>(i + 1)] += a.rowPtr[static_cast<std::size_t>(i)];
  total = std::max(total, std::numeric_limits<double>::min());
  a.packed.resize(a.val.size());
  for (std::size_t t = 0; t < a.val.size(); ++t) {
    double& v = a.val[t];
    v /= total;
    a.entropyTerm += v * std::log(v);
    a.packed[t] = {a.col[t], static_cast<float>(v)};
  }
  return a;
}

// ---- Barnes-Hut space-partitioning tree (quadtree for 2-D, octree for 3-D) ----

template <int Dim>
class BhTree {
 public:
  static constexpr int kChildren = 1 << Dim;
  static constexpr int kMaxDepth = 48;

  void build(const double* y, std::int64_t n) {
    m_y = y;
    m_nodes.clear();
    m_leafOf.assign(static_cast<std::size_t>(n), -1);
    m_next.assign(static_cast<std::size_t>(n), -1);
    std::array<double, Dim> lo, hi;
    lo.fill(std::numeric_limits<double>::infinity());
    hi.fill(-std::numeric_limits<double>::infinity());
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < Dim; ++d) {
        lo[static_cast<std::size_t>(d)] = std::min(lo[static_cast<std::size_t>(d)], y[i * Dim + d]);
        hi[static_cast<std::size_t>(d)] = std::max(hi[static_cast<std::size_t>(d)], y[i * Dim + d]);
      }
    Node root;
    double half = 0;
    for (int d = 0; d < Dim; ++d) {
      root.center[static_cast<std::size_t>(d)] =
          (lo[static_cast<std::size_t>(d)] + hi[static_cast<std::size_t>(d)]) / 2;
      half = std::max(half, (hi[static_cast<std::size_t>(d)] - lo[static_cast<std::size_t>(d)]) / 2);
    }
    root.half = half * (1 + 1e-6) + 1e-12;
    m_nodes.push_back(root);
    for (std::int64_t i = 0; i < n; ++i) insert(static_cast<std::int32_t>(i));
  }

  // Unnormalised repulsion of point i: returns sum_j q_ij, adds sum_j q_ij^2 (y_i - y_j) to force.
  double repulsion(std::int32_t i, double theta2, double* force) const {
    const double* yi = m_y + std::int64_t(i) * Dim;
    double z = 0;
    std::int32_t stack[kMaxDepth * kChildren + 8];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Node& nd = m_nodes[static_cast<std::size_t>(stack[--top])];
      if (nd.count == 0) continue;
      double cnt = nd.count;
      std::array<double, Dim> com;
      const bool leaf = nd.firstChild < 0;
      if (leaf && m_leafOf[static_cast<std::size_t>(i)] == &nd - m_nodes.data()) {
        // i's own leaf: the others in it (duplicates, or points past the depth limit).
        cnt -= 1;
        if (cnt <= 0) continue;
        for (int d = 0; d < Dim; ++d)
          com[static_cast<std::size_t>(d)] = (nd.sum[static_cast<std::size_t>(d)] - yi[d]) / cnt;
      } else {
        for (int d = 0; d < Dim; ++d) com[static_cast<std::size_t>(d)] = nd.sum[static_cast<std::size_t>(d)] / cnt;
      }
      double diff[Dim], d2 = 0;
      for (int d = 0; d < Dim; ++d) {
        diff[d] = yi[d] - com[static_cast<std::size_t>(d)];
        d2 += diff[d] * diff[d];
      }
      const double width = 2 * nd.half;
      if (leaf || width * width < theta2 * d2) {
        const double q = 1.0 / (1.0 + d2);
        z += cnt * q;
        const double m = cnt * q * q;
        for (int d = 0; d < Dim; ++d) force[d] += m * diff[d];
      } else {
        for (int c = 0; c < kChildren; ++c) stack[top++] = nd.firstChild + c;
      }
    }
    return z;
  }

 private:
  struct Node {
    std::array<double, Dim> center{};
    double half = 0;
    std::array<double, Dim> sum{};
    double count = 0;
    std::int32_t firstChild = -1;
    std::int32_t head = -1;  // first point of a leaf's list
    int depth = 0;
  };

  int childIndex(const Node& nd, const double* p) const {
    int c = 0;
    for (int d = 0; d < Dim; ++d)
      if (p[d] >= nd.center[static_cast<std::size_t>(d)]) c |= 1 << d;
    return c;
  }

  void split(std::int32_t ni) {
    const auto first = static_cast<std::int32_t>(m_nodes.size());
    const Node parent = m_nodes[static_cast<std::size_t>(ni)];
    for (int c = 0; c < kChildren; ++c) {
      Node ch;
      ch.half = parent.half / 2;
      ch.depth = parent.depth + 1;
      for (int d = 0; d < Dim; ++d)
        ch.center[static_cast<std::size_t>(d)] =
            parent.center[static_cast<std::size_t>(d)] + ((c >> d) & 1 ? ch.half : -ch.half);
      m_nodes.push_back(ch);
    }
    m_nodes[static_cast<std::size_t>(ni)].firstChild = first;
  }

  void insert(std::int32_t i) {
    const double* p = m_y + std::int64_t(i) * Dim;
    std::int32_t ni = 0;
    for (;;) {
      Node* nd = &m_nodes[static_cast<std::size_t>(ni)];
      if (nd->firstChild < 0) {
        if (nd->count == 0 || nd->depth >= kMaxDepth || samePosition(nd->head, p)) {
          addToLeaf(ni, i, p);
          return;
        }
        // Push the leaf's group (identical points) one level down, then keep descending.
        const std::int32_t groupHead = nd->head;
        const double groupCount = nd->count;
        const std::array<double, Dim> groupSum = nd->sum;
        split(ni);
        nd = &m_nodes[static_cast<std::size_t>(ni)];
        nd->head = -1;
        const std::int32_t target = nd->firstChild + childIndex(*nd, m_y + std::int64_t(groupHead) * Dim);
        Node& t = m_nodes[static_cast<std::size_t>(target)];
        t.head = groupHead;
        t.count = groupCount;
        t.sum = groupSum;
        for (std::int32_t q = groupHead; q >= 0; q = m_next[static_cast<std::size_t>(q)])
          m_leafOf[static_cast<std::size_t>(q)] = target;
      }
      nd->count += 1;
      for (int d = 0; d < Dim; ++d) nd->sum[static_cast<std::size_t>(d)] += p[d];
      ni = nd->firstChild + childIndex(*nd, p);
    }
  }

  bool samePosition(std::int32_t j, const double* p) const {
    if (j < 0) return false;
    for (int d = 0; d < Dim; ++d)
      if (m_y[std::int64_t(j) * Dim + d] != p[d]) return false;
    return true;
  }

  void addToLeaf(std::int32_t ni, std::int32_t i, const double* p) {
    Node& nd = m_nodes[static_cast<std::size_t>(ni)];
    m_next[static_cast<std::size_t>(i)] = nd.head;
    nd.head = i;
    nd.count += 1;
    for (int d = 0; d < Dim; ++d) nd.sum[static_cast<std::size_t>(d)] += p[d];
    m_leafOf[static_cast<std::size_t>(i)] = ni;
  }

  const double* m_y = nullptr;
  std::vector<Node> m_nodes;
  std::vector<std::int32_t> m_leafOf, m_next;
};

// ---- FFT-accelerated interpolation (2-D) ----

class FftRepulsion {
 public:
  static constexpr int kInterp = 3;  // Lagrange nodes per box and dimension

  // Fills rep (n x 2) with sum_j q_ij^2 (y_i - y_j) and returns Z = sum_{i != j} q_ij.
  double compute(const double* y, std::int64_t n, double* rep, int threads) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::int64_t i = 0; i < 2 * n; ++i) {
      lo = std::min(lo, y[i]);
      hi = std::max(hi, y[i]);
    }
    const double range = std::max(hi - lo, 1e-6);
    const double mid = (hi + lo) / 2;  // charges use coordinates relative to the grid's centre
    // Boxes at most one unit wide (the kernel's scale, FIt-SNE's default) up to 42 boxes a side;
    // the grid side L is the power of two that holds them zero-padded (L = 2 * 3 * boxes), capped
    // at 1024. The 1024 grid costs 4x the 512 one for little visible gain, so the 512 grid accepts
    // boxes up to 2 units (layouts up to 170 units; large-N layouts pass that only late). Boxes of
    // 1.5 units on the 256 grid (an earlier rule) cost 0.0015 of trustworthiness at 5,000 points:
    // the early, compact phase is where the interpolation error matters.
    int side = 256;
    while (side < 1024 && range / (side / (2 * kInterp)) > (side >= 512 ? 2.0 : 1.0)) side *= 2;
    const int boxes = side / (2 * kInterp);
    const int nodes = boxes * kInterp;
    const double h = range / boxes, delta = h / kInterp;
    if (!m_conv || m_conv->size() != side) m_conv = std::make_unique<GridConvolution>(side, nodes, 4, threads);
    const auto L = static_cast<std::size_t>(side);

    {
      // Kernel over node offsets, embedded circulantly (even in both offsets: a real spectrum).
      // It changes with the box width every iteration: rounding the width to reuse the kernel's
      // spectrum (boxes up to 3% or 9% wider) cost 0.0015 of 5k trustworthiness.
      // One quadrant is evaluated (offsets >= 0) and mirrored to the other three.
      float* k = m_conv->kernel();
      for (int a = 0; a <= nodes - 1; ++a) {
        const std::size_t ra = static_cast<std::size_t>(a), rm = static_cast<std::size_t>((side - a) % side);
        for (int b = 0; b <= nodes - 1; ++b) {
          const double r2 = delta * delta * (double(a) * a + double(b) * b);
          const float v = static_cast<float>(1.0 / ((1.0 + r2) * (1.0 + r2)));
          const std::size_t cb = static_cast<std::size_t>(b), cm = static_cast<std::size_t>((side - b) % side);
          k[ra * L + cb] = v;
          k[ra * L + cm] = v;
          k[rm * L + cb] = v;
          k[rm * L + cm] = v;
        }
      }
      m_conv->setKernel();
    }

    // Lagrange weights of every point.
    m_box.resize(static_cast<std::size_t>(n) * 2);
    m_w.resize(static_cast<std::size_t>(n) * 2 * kInterp);
    double denom[kInterp];
    for (int a = 0; a < kInterp; ++a) {
      denom[a] = 1;
      for (int b = 0; b < kInterp; ++b)
        if (b != a) denom[a] *= (a - b);
    }
    for (std::int64_t i = 0; i < n; ++i)
      for (int d = 0; d < 2; ++d) {
        const double u = (y[i * 2 + d] - lo) / h;
        int bx = std::min(boxes - 1, std::max(0, static_cast<int>(u)));
        m_box[static_cast<std::size_t>(i * 2 + d)] = bx;
        const double t = (u - bx) * kInterp - 0.5;  // position in node units inside the box
        for (int a = 0; a < kInterp; ++a) {
          double num = 1;
          for (int b = 0; b < kInterp; ++b)
            if (b != a) num *= (t - b);
          m_w[static_cast<std::size_t>((i * 2 + d) * kInterp + a)] = num / denom[a];
        }
      }

    // Charges 1, y1, y2, |y|^2, one real grid each. Only the first `nodes` rows are read, and the
    // last convolution left values in their columns past `nodes`: those rows start from zero.
    float* g[4];
    for (int c = 0; c < 4; ++c) {
      g[c] = m_conv->grid(c);
      for (std::size_t r = 0; r < std::size_t(nodes); ++r) std::fill(g[c] + r * L, g[c] + (r + 1) * L, 0.f);
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const double y1 = y[i * 2] - mid, y2 = y[i * 2 + 1] - mid;
      const double c2 = y1, c3 = y2, c4 = y1 * y1 + y2 * y2;
      const int b0 = m_box[static_cast<std::size_t>(i * 2)], b1 = m_box[static_cast<std::size_t>(i * 2 + 1)];
      const double* w0 = &m_w[static_cast<std::size_t>(i * 2 * kInterp)];
      const double* w1 = w0 + kInterp;
      for (int a = 0; a < kInterp; ++a)
        for (int b = 0; b < kInterp; ++b) {
          const double w = w0[a] * w1[b];
          const std::size_t idx =
              static_cast<std::size_t>(b0 * kInterp + a) * L + static_cast<std::size_t>(b1 * kInterp + b);
          g[0][idx] += static_cast<float>(w);
          g[1][idx] += static_cast<float>(w * c2);
          g[2][idx] += static_cast<float>(w * c3);
          g[3][idx] += static_cast<float>(w * c4);
        }
    }
    m_conv->convolve();
    const double scale = 1.0 / (double(side) * double(side));

    std::vector<double> zPart(static_cast<std::size_t>(std::max(1, threads)), 0.0);
    parallelFor(n, threads, [&](std::int64_t b, std::int64_t e, int worker) {
      double z = 0;
      for (std::int64_t i = b; i < e; ++i) {
        const int b0 = m_box[static_cast<std::size_t>(i * 2)], b1 = m_box[static_cast<std::size_t>(i * 2 + 1)];
        const double* w0 = &m_w[static_cast<std::size_t>(i * 2 * kInterp)];
        const double* w1 = w0 + kInterp;
        double phi[4] = {0, 0, 0, 0};
        for (int a = 0; a < kInterp; ++a)
          for (int c = 0; c < kInterp; ++c) {
            const double w = w0[a] * w1[c];
            const std::size_t idx =
                static_cast<std::size_t>(b0 * kInterp + a) * L + static_cast<std::size_t>(b1 * kInterp + c);
            phi[0] += w * g[0][idx];
            phi[1] += w * g[1][idx];
            phi[2] += w * g[2][idx];
            phi[3] += w * g[3][idx];
          }
        for (double& v : phi) v *= scale;
        const double y1 = y[i * 2] - mid, y2 = y[i * 2 + 1] - mid;
        rep[i * 2] = y1 * phi[0] - phi[1];
        rep[i * 2 + 1] = y2 * phi[0] - phi[2];
        z += (1 + y1 * y1 + y2 * y2) * phi[0] - 2 * (y1 * phi[1] + y2 * phi[2]) + phi[3];
      }
      zPart[static_cast<std::size_t>(worker)] += z;
    });
    double z = 0;
    for (double v : zPart) z += v;
    return std::max(z - double(n), 1e-12);  // drop the self terms q_ii = 1
  }

 private:
  std::unique_ptr<GridConvolution> m_conv;
  std::vector<int> m_box;
  std::vector<double> m_w;
};

}  // namespace

struct Tsne::Impl {
  TsneOptions options;
  TsneMethod method = TsneMethod::Exact;
  std::int64_t n = 0;
  int dims = 2;
  double learningRate = 200;
  int iteration = 0;
  Affinities p;
  std::vector<double> y, update, gains, grad, rep;
  BhTree<2> tree2;
  BhTree<3> tree3;
  FftRepulsion fft;

  // Unnormalised repulsion into rep (n x dims); returns Z.
  double repulsion(int threads) {
    const auto sz = static_cast<std::size_t>(n * dims);
    rep.assign(sz, 0.0);
    if (method == TsneMethod::Fft) return fft.compute(y.data(), n, rep.data(), threads);
    if (method == TsneMethod::BarnesHut) {
      if (dims == 2)
        tree2.build(y.data(), n);
      else
        tree3.build(y.data(), n);
    }
    std::vector<double> zPart(static_cast<std::size_t>(std::max(1, threads)), 0.0);
    const double theta2 = options.theta * options.theta;
    parallelFor(n, threads, [&](std::int64_t b, std::int64_t e, int worker) {
      double z = 0;
      for (std::int64_t i = b; i < e; ++i) {
        double* f = rep.data() + i * dims;
        if (method == TsneMethod::BarnesHut) {
          z += dims == 2 ? tree2.repulsion(static_cast<std::int32_t>(i), theta2, f)
                         : tree3.repulsion(static_cast<std::int32_t>(i), theta2, f);
          continue;
        }
        const double* yi = y.data() + i * dims;
        for (std::int64_t j = 0; j < n; ++j) {
          if (j == i) continue;
          const double* yj = y.data() + j * dims;
          double d2 = 0;
          for (int d = 0; d < dims; ++d) d2 += (yi[d] - yj[d]) * (yi[d] - yj[d]);
          const double q = 1.0 / (1.0 + d2);
          z += q;
          for (int d = 0; d < dims; ++d) f[d] += q * q * (yi[d] - yj[d]);
        }
      }
      zPart[static_cast<std::size_t>(worker)] += z;
    });
    double z = 0;
    for (double v : zPart) z += v;
    return std::max(z, 1e-12);
  }

  void gradient(double exaggeration, int threads) {
    const double z = repulsion(threads);
    grad.assign(static_cast<std::size_t>(n * dims), 0.0);
    if (dims == 2)
      attract<2>(exaggeration, z, threads);
    else
      attract<3>(exaggeration, z, threads);
  }

  // grad = 4 (exaggeration * sum_j p_ij q_ij Z (y_i - y_j) - rep / Z). The dimension is a
  // template parameter so the per-edge work stays in registers (a runtime-sized inner loop made
  // the compiler spill it to the stack: half the run time at 100,000 points).
  template <int Dim>
  void attract(double exaggeration, double z, int threads) {
    const double invZ = 1.0 / z;
    const std::int64_t* rp = p.rowPtr.data();
    const Affinities::Packed* pk = p.packed.data();
    const double* yy = y.data();
    parallelFor(n, threads, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t i = b; i < e; ++i) {
        double yi[Dim], attr[Dim];
        for (int d = 0; d < Dim; ++d) {
          yi[d] = yy[i * Dim + d];
          attr[d] = 0;
        }
        if constexpr (Dim == 2) {
          // Scalars, not arrays, so nothing goes through the stack; two independent partial sums.
          double ax0 = 0, ay0 = 0, ax1 = 0, ay1 = 0;
          const double x0 = yi[0], y0 = yi[1];
          std::int64_t t = rp[i];
          const std::int64_t end = rp[i + 1];
          for (; t + 1 < end; t += 2) {
            const double* ya = yy + std::int64_t(pk[t].col) * 2;
            const double* yb = yy + std::int64_t(pk[t + 1].col) * 2;
            const double dxa = x0 - ya[0], dya = y0 - ya[1], dxb = x0 - yb[0], dyb = y0 - yb[1];
            const double ma = double(pk[t].val) / (1.0 + dxa * dxa + dya * dya);
            const double mb = double(pk[t + 1].val) / (1.0 + dxb * dxb + dyb * dyb);
            ax0 += ma * dxa;
            ay0 += ma * dya;
            ax1 += mb * dxb;
            ay1 += mb * dyb;
          }
          if (t < end) {
            const double* ya = yy + std::int64_t(pk[t].col) * 2;
            const double dxa = x0 - ya[0], dya = y0 - ya[1];
            const double ma = double(pk[t].val) / (1.0 + dxa * dxa + dya * dya);
            ax0 += ma * dxa;
            ay0 += ma * dya;
          }
          attr[0] = ax0 + ax1;
          attr[1] = ay0 + ay1;
        } else {
          for (std::int64_t t = rp[i]; t < rp[i + 1]; ++t) {
            const double* yj = yy + std::int64_t(pk[t].col) * Dim;
            double diff[Dim], d2 = 0;
            for (int d = 0; d < Dim; ++d) {
              diff[d] = yi[d] - yj[d];
              d2 += diff[d] * diff[d];
            }
            const double m = double(pk[t].val) / (1.0 + d2);
            for (int d = 0; d < Dim; ++d) attr[d] += m * diff[d];
          }
        }
        for (int d = 0; d < Dim; ++d)
          grad[static_cast<std::size_t>(i * Dim + d)] =
              4.0 * (exaggeration * attr[d] - rep[static_cast<std::size_t>(i * Dim + d)] * invZ);
      }
    });
  }
};

Tsne::Tsne() : m_impl(std::make_unique<Impl>()) {}
Tsne::~Tsne() = default;
Tsne::Tsne(Tsne&&) noexcept = default;
Tsne& Tsne::operator=(Tsne&&) noexcept = default;

Result<Tsne> Tsne::create(const Matrix& x, const TsneOptions& options, const RunControl& control) {
  if (options.dims != 2 && options.dims != 3)
    return Status::invalidArgument("t-SNE dims must be 2 or 3. Received: dims=" + std::to_string(options.dims));
  if (!(options.perplexity > 0))
    return Status::invalidArgument("perplexity must be positive. Received: perplexity=" +
                                   std::to_string(options.perplexity));
  if (x.rows() > 1 && options.perplexity >= double(x.rows()))
    return Status::invalidArgument("perplexity must be less than the number of rows (" + std::to_string(x.rows()) +
                                   "). Received: perplexity=" + std::to_string(options.perplexity));
  if (options.iterations < 0 || options.exaggerationIterations < 0)
    return Status::invalidArgument("t-SNE iterations must be non-negative");
  if (!(options.earlyExaggeration > 0)) return Status::invalidArgument("early exaggeration must be positive");
  if (!(options.theta >= 0)) return Status::invalidArgument("Barnes-Hut angle must be >= 0");
  if (!x.allFinite()) return Status::dataError("t-SNE input holds NaN or infinity (select finite rows first)");
  if (options.method == TsneMethod::Fft && options.dims != 2)
    return Status::invalidArgument("the FFT t-SNE method is 2-D only; use barnes_hut for 3-D");
  if (options.initialLayout &&
      (options.initialLayout->rows() != x.rows() || options.initialLayout->cols() != options.dims))
    return Status::invalidArgument("the initial layout must be rows x dims");
  if (options.initialLayout && !options.initialLayout->allFinite())
    return Status::invalidArgument("the initial layout holds NaN or infinity");

  Tsne t;
  Impl& im = *t.m_impl;
  im.options = options;
  im.n = x.rows();
  im.dims = options.dims;
  im.method = options.method;
  if (im.method == TsneMethod::Auto) {
    if (im.n < 1000)
      im.method = TsneMethod::Exact;
    else if (im.n < 5000 || im.dims == 3)
      im.method = TsneMethod::BarnesHut;
    else
      im.method = TsneMethod::Fft;
  }
  im.learningRate =
      options.learningRate > 0 ? options.learningRate : std::max(double(im.n) / options.earlyExaggeration / 4.0, 50.0);
  const auto sz = static_cast<std::size_t>(im.n * im.dims);
  im.y.assign(sz, 0.0);
  im.update.assign(sz, 0.0);
  im.gains.assign(sz, 1.0);
  if (im.n < 2) {
    im.iteration = options.iterations;  // nothing to optimise
    return t;
  }
  auto aff = computeAffinities(x, options.perplexity, control);
  if (!aff) return aff.status();
  im.p = std::move(*aff);

  if (options.initialLayout) {
    for (std::int64_t i = 0; i < im.n; ++i)
      for (int d = 0; d < im.dims; ++d)
        im.y[static_cast<std::size_t>(i * im.dims + d)] = (*options.initialLayout)(i, d);
  } else {
    // scikit-learn's init="pca": the leading components, scaled so the first has std 1e-4.
    PcaOptions po;
    po.components.clear();
    for (int d = 0; d < im.dims; ++d) po.components.push_back(d);
    po.seed = options.seed;
    auto pr = pca(x, po, control);
    if (!pr) return pr.status();
    const Matrix& c = pr->coordinates;
    double mean = 0, var = 0;
    for (Eigen::Index i = 0; i < c.rows(); ++i) mean += c(i, 0);
    mean /= double(c.rows());
    for (Eigen::Index i = 0; i < c.rows(); ++i) var += (c(i, 0) - mean) * (c(i, 0) - mean);
    const double sd = std::sqrt(var / double(c.rows()));
    Rng rng(options.seed);
    for (std::int64_t i = 0; i < im.n; ++i)
      for (int d = 0; d < im.dims; ++d) {
        // A degenerate table (all rows equal) has no principal direction: random start instead.
        const double v = sd > 0 ? double(c(i, d)) / sd * 1e-4 : 0.0;
        im.y[static_cast<std::size_t>(i * im.dims + d)] = sd > 0 && std::isfinite(v) ? v : rng.normal() * 1e-4;
      }
  }
  control.report("affinities", 1.0);
  return t;
}

Status Tsne::step(int count, const RunControl& control) {
  Impl& im = *m_impl;
  const int threads = control.threadCount();
  const int total = im.options.iterations, exIters = std::min(im.options.exaggerationIterations, total);
  for (int s = 0; s < count && im.iteration < total; ++s) {
    if (control.cancelled()) return Status::cancelled();
    const bool exploring = im.iteration < exIters;
    if (im.iteration == exIters && exIters > 0) {
      // scikit-learn restarts its optimiser after the exaggeration phase: fresh update and gains.
      std::fill(im.update.begin(), im.update.end(), 0.0);
      std::fill(im.gains.begin(), im.gains.end(), 1.0);
    }
    const double momentum = exploring ? 0.5 : 0.8;
    im.gradient(exploring ? im.options.earlyExaggeration : 1.0, threads);
    for (std::size_t t = 0; t < im.y.size(); ++t) {
      const double g = im.grad[t];
      double& gain = im.gains[t];
      gain = (im.update[t] * g < 0.0) ? gain + 0.2 : gain * 0.8;
      if (gain < 0.01) gain = 0.01;
      im.update[t] = momentum * im.update[t] - im.learningRate * gain * g;
      im.y[t] += im.update[t];
    }
    ++im.iteration;
    if ((im.iteration % 10) == 0 || im.iteration == total)
      control.report("optimise", double(im.iteration) / std::max(1, total), im.iteration);
  }
  return Status::ok();
}

Matrix Tsne::layout() const {
  const Impl& im = *m_impl;
  Matrix out(im.n, im.dims);
  for (std::int64_t i = 0; i < im.n; ++i)
    for (int d = 0; d < im.dims; ++d) out(i, d) = static_cast<float>(im.y[static_cast<std::size_t>(i * im.dims + d)]);
  return out;
}

int Tsne::iteration() const { return m_impl->iteration; }
int Tsne::totalIterations() const { return m_impl->options.iterations; }
TsneMethod Tsne::method() const { return m_impl->method; }
double Tsne::learningRate() const { return m_impl->learningRate; }

double Tsne::klDivergence(const RunControl& control) const {
  Impl& im = *m_impl;
  if (im.n < 2 || im.p.val.empty()) return 0.0;
  const std::vector<double> keepRep = im.rep;
  const double z = im.repulsion(control.threadCount());
  im.rep = keepRep;
  double cross = 0;  // sum p log q_unnormalised
  for (std::int64_t i = 0; i < im.n; ++i) {
    const double* yi = im.y.data() + i * im.dims;
    for (std::int64_t t = im.p.rowPtr[static_cast<std::size_t>(i)]; t < im.p.rowPtr[static_cast<std::size_t>(i + 1)];
         ++t) {
      const double* yj = im.y.data() + std::int64_t(im.p.col[static_cast<std::size_t>(t)]) * im.dims;
      double d2 = 0;
      for (int d = 0; d < im.dims; ++d) d2 += (yi[d] - yj[d]) * (yi[d] - yj[d]);
      cross += im.p.val[static_cast<std::size_t>(t)] * -std::log1p(d2);
    }
  }
  return std::max(0.0, im.p.entropyTerm - cross + std::log(z));
}

Result<TsneResult> tsne(const Matrix& x, const TsneOptions& options, const RunControl& control) {
  auto t = Tsne::create(x, options, control);
  if (!t) return t.status();
  while (!t->done()) EMBEDSCOPE_TRY(t->step(50, control));
  TsneResult r;
  r.layout = t->layout();
  r.klDivergence = t->klDivergence(control);
  r.method = t->method();
  r.learningRate = t->learningRate();
  return r;
}

}  // namespace embedscope::analysis
