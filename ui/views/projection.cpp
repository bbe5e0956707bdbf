#include "ui/views/projection.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <numeric>

#include "engine/analysis/tsne.h"
#include "engine/analysis/umap.h"

namespace embedscope::ui {

namespace {

Eigen::RowVectorXd centroid(const Matrix& t, const std::vector<int>& rows) {
  Eigen::RowVectorXd c = Eigen::RowVectorXd::Zero(t.cols());
  for (int r : rows) c += t.row(r).cast<double>();
  return rows.empty() ? c : Eigen::RowVectorXd(c / double(rows.size()));
}

}  // namespace

ProjectionResult computeProjection(const Matrix& table, const ProjectionRequest& req) {
  ProjectionResult out;
  const Eigen::Index n = Eigen::Index(req.rows.size());
  const Eigen::Index d = table.cols();
  out.coords = Matrix::Zero(n, 3);
  if (n == 0 || d == 0) return out;
  Eigen::MatrixXd x(n, d);
  for (Eigen::Index i = 0; i < n; ++i) x.row(i) = table.row(req.rows[size_t(i)]).cast<double>();
  const Eigen::RowVectorXd mean = x.colwise().mean();
  x.rowwise() -= mean;
  const Eigen::MatrixXd cov = (x.transpose() * x) / double(std::max<Eigen::Index>(1, n - 1));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  const Eigen::VectorXd vals = eig.eigenvalues().reverse();
  const Eigen::MatrixXd vecs = eig.eigenvectors().rowwise().reverse();
  const double total = std::max(1e-30, vals.sum());
  const int want = std::min<int>(3, int(d));
  Eigen::MatrixXd axes(d, 3);
  axes.setZero();
  if (req.method == "custom" && !req.xFrom.empty() && !req.xTo.empty()) {
    Eigen::VectorXd ax = (centroid(table, req.xTo) - centroid(table, req.xFrom)).transpose();
    if (ax.norm() < 1e-12) {
      out.error = "The two ends of the x axis are the same point.";
      return out;
    }
    ax.normalize();
    Eigen::VectorXd ay;
    if (!req.yFrom.empty() && !req.yTo.empty()) ay = (centroid(table, req.yTo) - centroid(table, req.yFrom)).transpose();
    else ay = vecs.col(0);
    ay -= ax * ax.dot(ay);  // orthogonal to x, as the projector's custom projection does
    if (ay.norm() < 1e-12) ay = vecs.col(std::min<Eigen::Index>(1, d - 1)) - ax * ax.dot(vecs.col(std::min<Eigen::Index>(1, d - 1)));
    if (ay.norm() > 1e-12) ay.normalize();
    axes.col(0) = ax;
    axes.col(1) = ay;
  } else {
    for (int k = 0; k < want; ++k) axes.col(k) = vecs.col(k);
    for (int k = 0; k < want; ++k) out.explained.push_back(vals(k) / total);
  }
  Eigen::MatrixXd proj = x * axes;
  if (req.method == "tsne" || req.method == "umap") {
    Matrix rows(n, d);
    for (Eigen::Index i = 0; i < n; ++i) rows.row(i) = table.row(req.rows[size_t(i)]);
    const int dims = req.dims >= 3 ? 3 : 2;
    std::optional<Matrix> init;
    if (req.initialLayout && req.initialLayout->rows() == n) init = Matrix(req.initialLayout->leftCols(dims));
    analysis::RunControl control;
    control.cancel = &req.cancel;
    Result<Matrix> layout = Status::internal("no layout");
    if (req.method == "tsne") {
      analysis::TsneOptions o;
      o.dims = dims;
      o.perplexity = std::min(req.perplexity, std::max(2.0, double(n - 1) / 3.0));
      o.iterations = req.tsneIterations;
      o.seed = req.seed;
      if (init) {
        o.initialLayout = init;
        o.exaggerationIterations = 0;  // continuing from the previous snapshot's layout
        o.iterations = std::max(100, req.tsneIterations / 3);
      } else {
        o.exaggerationIterations = std::min(250, req.tsneIterations / 2);
      }
      auto r = analysis::tsne(rows, o, control);
      if (r) layout = r->layout;
      else layout = r.status();
    } else {
      analysis::UmapOptions o;
      o.dims = dims;
      o.nNeighbors = std::min<int>(req.umapNeighbors, int(n) - 1);
      o.minDist = req.umapMinDist;
      o.seed = req.seed;
      if (init) {
        o.initialLayout = init;
        o.epochs = 100;
      }
      auto r = analysis::umap(rows, o, control);
      if (r) layout = r->layout;
      else layout = r.status();
    }
    if (!layout) {
      out.error = layout.status().code() == StatusCode::Cancelled ? QString("cancelled")
                                                                   : QString::fromStdString(layout.status().message());
      return out;
    }
    proj = Eigen::MatrixXd::Zero(n, 3);
    proj.leftCols(layout->cols()) = layout->cast<double>();
    out.explained.clear();
  }
  out.coords = proj.cast<float>();
  if (req.dims < 3) out.coords.col(2).setZero();

  if (req.trust && n > 2) {
    // Share of each point's k nearest neighbours (cosine, original space) that are also among its
    // k nearest in the projection. Exact, on a sample of at most 3000 points so it stays cheap.
    const Eigen::Index m = std::min<Eigen::Index>(n, 3000);
    const int k = std::min<int>(req.trustK, int(m) - 1);
    Eigen::MatrixXd unit = x.topRows(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      const double nn = unit.row(i).norm();
      if (nn > 0) unit.row(i) /= nn;
    }
    const Eigen::MatrixXd sim = unit * unit.transpose();
    out.trust.assign(size_t(n), 1.0f);
    std::vector<int> idx(static_cast<size_t>(m));
    std::vector<double> dist2(static_cast<size_t>(m));
    for (Eigen::Index i = 0; i < m; ++i) {
      std::iota(idx.begin(), idx.end(), 0);
      std::partial_sort(idx.begin(), idx.begin() + k + 1, idx.end(), [&](int a, int b) { return sim(i, a) > sim(i, b); });
      std::vector<int> high(idx.begin(), idx.begin() + k + 1);
      for (Eigen::Index j = 0; j < m; ++j) dist2[size_t(j)] = (proj.row(i) - proj.row(j)).squaredNorm();
      std::iota(idx.begin(), idx.end(), 0);
      std::partial_sort(idx.begin(), idx.begin() + k + 1, idx.end(), [&](int a, int b) { return dist2[size_t(a)] < dist2[size_t(b)]; });
      int kept = 0;
      for (int a = 0; a <= k; ++a) {
        if (high[size_t(a)] == i) continue;
        for (int b = 0; b <= k; ++b)
          if (idx[size_t(b)] == high[size_t(a)]) {
            ++kept;
            break;
          }
      }
      out.trust[size_t(i)] = float(kept) / float(k);
    }
  }
  return out;
}

Matrix alignProcrustes(const Matrix& next, const Matrix& previous, int dims) {
  if (next.rows() != previous.rows() || next.rows() < 2) return next;
  const int k = std::clamp(dims, 2, 3);
  Eigen::MatrixXd a = next.leftCols(k).cast<double>();
  Eigen::MatrixXd b = previous.leftCols(k).cast<double>();
  const Eigen::RowVectorXd ca = a.colwise().mean(), cb = b.colwise().mean();
  a.rowwise() -= ca;
  b.rowwise() -= cb;
  const double sa = std::sqrt(a.squaredNorm() / double(a.rows()));
  const double sb = std::sqrt(b.squaredNorm() / double(b.rows()));
  if (sa < 1e-30 || sb < 1e-30) return next;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(a.transpose() * b, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::MatrixXd r = svd.matrixU() * svd.matrixV().transpose();
  Eigen::MatrixXd aligned = (a * r) * (sb / sa);
  aligned.rowwise() += cb;
  Matrix out = next;
  out.leftCols(k) = aligned.cast<float>();
  return out;
}

}  // namespace embedscope::ui
