// GCC 12 with -march=native reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 matrix-product
// kernels (a known GCC/Eigen issue). The location it names is in the intrinsics headers, so the
// pragma must come before any include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "engine/layer/regularizers.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/ndarray.h"

namespace embedscope {
namespace {

constexpr double kOrthoEps = 1e-7;  // Keras 3's normalize epsilon

// Unit rows of y (n x d), and each row's norm, as Keras 3's normalize: x * rsqrt(max(sum x^2, eps^2)).
void normalizeRows(const Eigen::MatrixXd& y, Eigen::MatrixXd& yn, Eigen::VectorXd& norms) {
  yn.resize(y.rows(), y.cols());
  norms.resize(y.rows());
  for (Eigen::Index i = 0; i < y.rows(); ++i) {
    const double ss = y.row(i).squaredNorm();
    const double denom = std::sqrt(std::max(ss, kOrthoEps * kOrthoEps));
    norms(i) = std::sqrt(ss);
    yn.row(i) = y.row(i) / denom;
  }
}

// Loss and (optionally) gradient of the orthogonal penalty on the rows of y.
double orthogonalRows(const Eigen::MatrixXd& y, double factor, Eigen::MatrixXd* dy) {
  const Eigen::Index n = y.rows();
  Eigen::MatrixXd yn;
  Eigen::VectorXd norms;
  normalizeRows(y, yn, norms);
  const double pairs = static_cast<double>(n) * (static_cast<double>(n) - 1.0) / 2.0;
  const double c = factor * 0.5 / pairs;  // d loss / d |P_ij| for each ordered off-diagonal pair
  double sumAbs = 0.0;
  Eigen::MatrixXd dyn;
  if (dy) dyn = Eigen::MatrixXd::Zero(n, y.cols());
  // Blocks of rows keep the (block x n) product small for large vocabularies.
  const Eigen::Index bs = std::max<Eigen::Index>(1, std::min<Eigen::Index>(256, (Eigen::Index(1) << 24) / std::max<Eigen::Index>(1, n)));
  for (Eigen::Index b = 0; b < n; b += bs) {
    const Eigen::Index m = std::min(bs, n - b);
    Eigen::MatrixXd p = yn.middleRows(b, m) * yn.transpose();
    for (Eigen::Index i = 0; i < m; ++i) p(i, b + i) = 0.0;
    sumAbs += p.cwiseAbs().sum();
    if (dy) {
      const Eigen::MatrixXd s = p.unaryExpr([](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); });
      // P is symmetric, so d/dYn of sum|P_ij| is (S + S^T) Yn = 2 S Yn.
      dyn.middleRows(b, m) = 2.0 * c * (s * yn);
    }
  }
  if (dy) {
    dy->resize(n, y.cols());
    for (Eigen::Index i = 0; i < n; ++i) {
      const double nr = norms(i);
      if (nr > kOrthoEps) {
        const double dot = yn.row(i).dot(dyn.row(i));
        dy->row(i) = (dyn.row(i) - dot * yn.row(i)) / nr;
      } else {
        dy->row(i) = dyn.row(i) / kOrthoEps;
      }
    }
  }
  return c * sumAbs;
}

Eigen::MatrixXd asDouble(const float* x, std::int64_t rows, std::int64_t cols, bool transpose) {
  Eigen::Map<const Matrix> m(x, rows, cols);
  if (transpose) return m.transpose().cast<double>();
  return m.cast<double>();
}

double orthogonal(const RegularizerSpec& spec, const float* x, std::int64_t rows, std::int64_t cols, float scale,
                  float* grad) {
  const bool columns = spec.text("mode") == "columns";
  const Eigen::MatrixXd y = asDouble(x, rows, cols, columns);
  Eigen::MatrixXd dy;
  const double loss = orthogonalRows(y, spec.number("factor"), grad ? &dy : nullptr);
  if (grad) {
    Eigen::Map<Matrix> g(grad, rows, cols);
    if (columns)
      g += (scale * dy.transpose()).cast<float>();
    else
      g += (scale * dy).cast<float>();
  }
  return loss;
}

}  // namespace

double regularizerLoss(const RegularizerSpec& spec, const float* x, std::int64_t rows, std::int64_t cols) {
  if (spec.name == "orthogonal_regularizer") return orthogonal(spec, x, rows, cols, 0.0f, nullptr);
  const double l1 = spec.name == "l2" ? 0.0 : spec.number("l1");
  const double l2 = spec.name == "l1" ? 0.0 : spec.number("l2");
  const std::int64_t n = rows * cols;
  double s1 = 0.0, s2 = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = x[i];
    s1 += std::abs(v);
    s2 += v * v;
  }
  double loss = 0.0;
  if (l1 != 0.0) loss += l1 * s1;  // Keras skips a term whose coefficient is 0
  if (l2 != 0.0) loss += l2 * s2;
  return loss;
}

void addRegularizerGradient(const RegularizerSpec& spec, const float* x, std::int64_t rows, std::int64_t cols,
                            float scale, float* grad) {
  if (spec.name == "orthogonal_regularizer") {
    orthogonal(spec, x, rows, cols, scale, grad);
    return;
  }
  const auto l1 = static_cast<float>((spec.name == "l2" ? 0.0 : spec.number("l1")) * scale);
  const auto l2x2 = static_cast<float>((spec.name == "l1" ? 0.0 : 2.0 * spec.number("l2")) * scale);
  const std::int64_t n = rows * cols;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float sign = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
    grad[i] += l1 * sign + l2x2 * v;
  }
}

Result<double> activityRegularization(const RegularizerSpec& spec, const float* out,
                                      std::span<const std::int64_t> shape, float* dOut) {
  if (shape.empty()) return Status::invalidArgument("an embedding output has at least one axis");
  std::int64_t total = 1;
  for (std::int64_t s : shape) total *= s;
  const std::int64_t cols = shape.back();
  const std::int64_t rows = cols > 0 ? total / cols : 0;
  if (spec.name == "orthogonal_regularizer" && shape.size() != 2)
    return Status::invalidArgument("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=" +
                                   shapeString(std::vector<std::int64_t>(shape.begin(), shape.end())));
  const double batch = static_cast<double>(shape[0]);
  // Keras >= 3.14 divides by the batch size with divide_no_nan semantics.
  const double inv = batch > 0 ? 1.0 / batch : 0.0;
  const double loss = regularizerLoss(spec, out, rows, cols) * inv;
  if (dOut) addRegularizerGradient(spec, out, rows, cols, static_cast<float>(inv), dOut);
  return loss;
}

}  // namespace embedscope
