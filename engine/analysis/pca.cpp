// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/pca.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>

#include "engine/core/rng.h"

namespace embedscope::analysis {

namespace {

constexpr int kMaxComponents = 10;

// Sign convention (as scikit-learn's svd_flip on components): the entry of largest magnitude
// in each axis is positive, so repeated fits agree.
void fixSigns(MatrixD& axes) {
  for (Eigen::Index r = 0; r < axes.rows(); ++r) {
    Eigen::Index arg = 0;
    axes.row(r).cwiseAbs().maxCoeff(&arg);
    if (axes(r, arg) < 0) axes.row(r) *= -1.0;
  }
}

// X^T X of a float matrix in double, in row blocks so no double copy of X is needed.
MatrixD gram(const Matrix& x, const RunControl& control) {
  const Eigen::Index d = x.cols();
  const int threads = control.threadCount();
  std::vector<MatrixD> partial(static_cast<std::size_t>(threads), MatrixD::Zero(d, d));
  constexpr Eigen::Index kBlock = 4096;
  const std::int64_t blocks = (x.rows() + kBlock - 1) / kBlock;
  parallelFor(blocks, threads, [&](std::int64_t b0, std::int64_t b1, int w) {
    Matrix acc = Matrix::Zero(d, d);
    for (std::int64_t b = b0; b < b1; ++b) {
      const Eigen::Index r0 = b * kBlock, r1 = std::min<Eigen::Index>(x.rows(), r0 + kBlock);
      const auto blk = x.middleRows(r0, r1 - r0);
      // A block's product in float is exact enough (4096 terms); blocks accumulate in double.
      acc.noalias() = blk.transpose() * blk;
      partial[static_cast<std::size_t>(w)] += acc.cast<double>();
    }
  });
  MatrixD g = MatrixD::Zero(d, d);
  for (const auto& p : partial) g += p;
  return g;
}

}  // namespace

Matrix PcaResult::transform(const Matrix& rows, const std::vector<int>& components) const {
  Matrix centred = rows;
  if (centred.cols() == mean.cols()) centred.rowwise() -= mean;
  if (spherized) {
    for (Eigen::Index r = 0; r < centred.rows(); ++r) {
      const float n = centred.row(r).norm();
      if (n > 0 && std::isfinite(n)) centred.row(r) /= n;
    }
  }
  Matrix out = Matrix::Zero(rows.rows(), static_cast<Eigen::Index>(components.size()));
  for (std::size_t j = 0; j < components.size(); ++j) {
    if (components[j] < axes.rows()) out.col(static_cast<Eigen::Index>(j)) = centred * axes.row(components[j]).transpose();
  }
  return out;
}

Result<PcaResult> pca(const Matrix& x0, const PcaOptions& options, const RunControl& control) {
  if (options.components.empty() || options.components.size() > 3)
    return Status::invalidArgument("PCA returns 1 to 3 components. Received: " + std::to_string(options.components.size()));
  for (int c : options.components)
    if (c < 0 || c >= kMaxComponents)
      return Status::invalidArgument("PCA component must be in [0, 9]. Received: " + std::to_string(c));
  if (x0.cols() == 0) return Status::invalidArgument("cannot run PCA on vectors with 0 dimensions");
  if (!x0.allFinite()) return Status::dataError("PCA input holds NaN or infinity (select finite rows first)");
  const Eigen::Index n = x0.rows(), d = x0.cols();
  PcaResult res;
  res.spherized = options.spherize;
  res.mean = Eigen::RowVectorXf::Zero(d);
  const int computed = static_cast<int>(std::min<Eigen::Index>(kMaxComponents, d));

  Matrix x = x0;
  if (n > 0 && (options.center || options.spherize)) {
    Eigen::RowVectorXd m = Eigen::RowVectorXd::Zero(d);
    for (Eigen::Index r = 0; r < n; ++r) m += x.row(r).cast<double>();
    res.mean = (m / double(n)).cast<float>();
    x.rowwise() -= res.mean;
  }
  if (options.spherize) {
    for (Eigen::Index r = 0; r < n; ++r) {
      const float nr = x.row(r).norm();
      if (nr > 0) x.row(r) /= nr;
    }
  }
  if (control.cancelled()) return Status::cancelled();
  control.report("pca", 0.1);
  const double denom = n > 1 ? double(n - 1) : 1.0;
  double totalVar = 0;
  for (Eigen::Index r = 0; r < n; ++r) totalVar += x.row(r).cast<double>().squaredNorm();
  totalVar /= denom;

  const bool randomized = options.solver == PcaSolver::Randomized || (options.solver == PcaSolver::Auto && d > 512);
  res.randomized = randomized;
  MatrixD axes(computed, d);
  std::vector<double> var(static_cast<std::size_t>(computed), 0.0);
  if (!randomized) {
    MatrixD cov = gram(x, control) / denom;
    if (control.cancelled()) return Status::cancelled();
    Eigen::SelfAdjointEigenSolver<MatrixD> es(cov);
    if (es.info() != Eigen::Success) return Status::internal("PCA eigen-decomposition did not converge");
    for (int c = 0; c < computed; ++c) {
      const Eigen::Index src = d - 1 - c;  // eigenvalues ascend
      axes.row(c) = es.eigenvectors().col(src).transpose();
      var[static_cast<std::size_t>(c)] = std::max(0.0, es.eigenvalues()[src]);
    }
  } else {
    // Range finder: Y = X * Omega with l = components + oversampling columns, a few power
    // iterations with QR re-orthonormalisation, then the exact eigenproblem of the small
    // l x l matrix B^T B where B = Q^T X.
    const Eigen::Index l = std::min<Eigen::Index>(d, computed + 10);
    Rng rng(options.seed);
    Matrix omega(d, l);
    for (Eigen::Index i = 0; i < d; ++i)
      for (Eigen::Index j = 0; j < l; ++j) omega(i, j) = static_cast<float>(rng.normal());
    Matrix y = x * omega;  // n x l
    auto orthonormal = [](const Matrix& m) {
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(m.cast<double>());
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
      return Matrix(q.cast<float>());
    };
    Matrix q = orthonormal(y);
    for (int it = 0; it < options.powerIterations; ++it) {
      if (control.cancelled()) return Status::cancelled();
      Matrix z = orthonormal(x.transpose() * q);  // d x l
      q = orthonormal(x * z);
      control.report("pca", 0.1 + 0.8 * (it + 1) / std::max(1, options.powerIterations));
    }
    MatrixD b = (q.transpose() * x).cast<double>();  // l x d
    // B = U S V^T through the small l x l problem B B^T = U S^2 U^T; then V = B^T U / S.
    Eigen::SelfAdjointEigenSolver<MatrixD> es(b * b.transpose());
    if (es.info() != Eigen::Success) return Status::internal("PCA eigen-decomposition did not converge");
    for (int c = 0; c < computed; ++c) {
      const Eigen::Index src = l - 1 - c;
      const double s2 = std::max(0.0, es.eigenvalues()[src]);
      if (s2 > 0) axes.row(c) = (b.transpose() * es.eigenvectors().col(src)).transpose() / std::sqrt(s2);
      else axes.row(c).setZero();
      var[static_cast<std::size_t>(c)] = s2 / denom;
    }
  }
  fixSigns(axes);
  res.axes = axes.cast<float>();
  res.variance = var;
  res.varianceExplained.resize(var.size());
  for (std::size_t c = 0; c < var.size(); ++c)
    res.varianceExplained[c] = totalVar > 0 ? std::min(1.0, var[c] / totalVar) : 0.0;

  res.coordinates = Matrix::Zero(n, static_cast<Eigen::Index>(options.components.size()));
  for (std::size_t j = 0; j < options.components.size(); ++j) {
    const int c = options.components[j];
    if (c < computed) res.coordinates.col(static_cast<Eigen::Index>(j)) = x * res.axes.row(c).transpose();
  }
  control.report("pca", 1.0);
  return res;
}

}  // namespace embedscope::analysis
