// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/procrustes.h"

#include <Eigen/SVD>
#include <cmath>

namespace embedscope::analysis {

Result<ProcrustesResult> alignProcrustes(const Matrix& reference, const Matrix& moving, const ProcrustesOptions& options) {
  if (reference.rows() != moving.rows() || reference.cols() != moving.cols())
    return Status::invalidArgument("Procrustes needs two layouts of the same shape");
  if (!options.weights.empty() && static_cast<Eigen::Index>(options.weights.size()) != moving.rows())
    return Status::invalidArgument("Procrustes weights must be one per row");
  if (!reference.allFinite() || !moving.allFinite()) return Status::dataError("Procrustes needs finite layouts");
  const Eigen::Index n = moving.rows(), d = moving.cols();
  Eigen::VectorXd w = Eigen::VectorXd::Ones(n);
  if (!options.weights.empty())
    for (Eigen::Index i = 0; i < n; ++i) w[i] = std::max(0.0f, options.weights[static_cast<std::size_t>(i)]);
  const double wsum = w.sum();
  ProcrustesResult r;
  r.rotation = Matrix::Identity(d, d);
  if (n == 0 || !(wsum > 0)) {
    r.aligned = moving;
    return r;
  }
  const Eigen::MatrixXd a = reference.cast<double>(), b = moving.cast<double>();
  const Eigen::RowVectorXd ma = (w.transpose() * a) / wsum, mb = (w.transpose() * b) / wsum;
  const Eigen::MatrixXd ac = a.rowwise() - ma, bc = b.rowwise() - mb;
  // Maximise tr(R^T B^T W A): R = U V^T from the SVD of B^T W A.
  const Eigen::MatrixXd m = bc.transpose() * w.asDiagonal() * ac;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(m, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::MatrixXd u = svd.matrixU(), v = svd.matrixV();
  Eigen::VectorXd s = svd.singularValues();
  if (!options.allowReflection && (u * v.transpose()).determinant() < 0) {
    u.col(d - 1) *= -1.0;
    s[d - 1] *= -1.0;
  }
  const Eigen::MatrixXd rot = u * v.transpose();
  double scale = 1.0;
  if (options.scale) {
    const double denom = (bc.array().square().colwise() * w.array()).sum();
    scale = denom > 0 ? s.sum() / denom : 1.0;
  }
  const Eigen::MatrixXd out = ((bc * rot) * scale).rowwise() + ma;
  r.aligned = out.cast<float>();
  r.rotation = rot.cast<float>();
  r.scale = scale;
  r.residual = std::sqrt(((out - a).array().square().rowwise().sum().matrix().transpose() * w)(0) / wsum);
  return r;
}

}  // namespace embedscope::analysis
