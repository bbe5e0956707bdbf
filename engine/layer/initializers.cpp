// GCC 12 with -march=native reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 matrix-product
// kernels (a known GCC/Eigen issue). The location it names is in the intrinsics headers, so the
// pragma must come before any include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "engine/layer/initializers.h"

#include <Eigen/QR>
#include <algorithm>
#include <cctype>
#include <cmath>

#include "engine/core/rng.h"

namespace embedscope {
namespace {

struct VsParams {
  double scale;
  std::string mode;
  std::string distribution;
};

std::optional<VsParams> varianceScalingParams(const InitializerSpec& s) {
  const std::string& n = s.name;
  if (n == "variance_scaling") {
    std::string dist = s.text("distribution");
    std::transform(dist.begin(), dist.end(), dist.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (dist == "normal") dist = "truncated_normal";  // Keras maps it silently
    return VsParams{s.number("scale", 1.0), s.text("mode"), dist};
  }
  if (n == "glorot_uniform") return VsParams{1.0, "fan_avg", "uniform"};
  if (n == "glorot_normal") return VsParams{1.0, "fan_avg", "truncated_normal"};
  if (n == "he_uniform") return VsParams{2.0, "fan_in", "uniform"};
  if (n == "he_normal") return VsParams{2.0, "fan_in", "truncated_normal"};
  if (n == "lecun_uniform") return VsParams{1.0, "fan_in", "uniform"};
  if (n == "lecun_normal") return VsParams{1.0, "fan_in", "truncated_normal"};
  return std::nullopt;
}

// Keras's truncated normal: draws beyond two standard deviations are drawn again.
double truncatedStandardNormal(Rng& rng) {
  double z = rng.normal();
  while (std::abs(z) > 2.0) z = rng.normal();
  return z;
}

void fillUniform(Matrix& m, Rng& rng, float lo, float hi) {
  float* p = m.data();
  const Eigen::Index n = m.size();
  for (Eigen::Index i = 0; i < n; ++i) p[i] = rng.uniform(lo, hi);
}

void fillNormal(Matrix& m, Rng& rng, double mean, double stddev, bool truncated) {
  float* p = m.data();
  const Eigen::Index n = m.size();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double z = truncated ? truncatedStandardNormal(rng) : rng.normal();
    p[i] = static_cast<float>(mean + stddev * z);
  }
}

}  // namespace

Result<VarianceScalingResolved> resolveVarianceScaling(const InitializerSpec& spec, std::int64_t rows,
                                                       std::int64_t cols) {
  const auto p = varianceScalingParams(spec);
  if (!p) return Status::invalidArgument(spec.name + " is not a variance-scaling initializer");
  const double fanIn = static_cast<double>(rows), fanOut = static_cast<double>(cols);
  double n = fanIn;
  if (p->mode == "fan_out") n = fanOut;
  if (p->mode == "fan_avg") n = (fanIn + fanOut) / 2.0;
  VarianceScalingResolved r;
  r.distribution = p->distribution;
  r.scale = p->scale / std::max(1.0, n);
  r.limit = std::sqrt(3.0 * r.scale);
  r.stddev = p->distribution == "truncated_normal" ? std::sqrt(r.scale) / kTruncatedNormalStdCorrection
                                                   : std::sqrt(r.scale);
  return r;
}

Result<Matrix> initializeMatrix(const InitializerSpec& spec, std::int64_t rows, std::int64_t cols,
                                std::uint64_t seed) {
  EMBEDSCOPE_TRY(validateInitializerSpec(spec));
  if (rows < 0 || cols < 0) return Status::invalidArgument("a matrix cannot have a negative dimension");
  if (spec.text("seed", "None") != "None") seed = static_cast<std::uint64_t>(std::llround(spec.number("seed")));
  Rng rng(seed);
  Matrix m(rows, cols);
  const std::string& n = spec.name;
  if (n == "random_uniform") {
    const float lo = static_cast<float>(spec.number("minval")), hi = static_cast<float>(spec.number("maxval"));
    if (!(lo < hi)) {
      m.setConstant(lo);  // U[a, a) is empty; Keras's backends return the lower bound
      return m;
    }
    fillUniform(m, rng, lo, hi);
  } else if (n == "random_normal") {
    fillNormal(m, rng, spec.number("mean"), spec.number("stddev"), false);
  } else if (n == "truncated_normal") {
    fillNormal(m, rng, spec.number("mean"), spec.number("stddev"), true);
  } else if (auto vs = varianceScalingParams(spec)) {
    auto r = resolveVarianceScaling(spec, rows, cols);
    if (!r) return r.status();
    if (r->distribution == "uniform") {
      const auto limit = static_cast<float>(r->limit);
      fillUniform(m, rng, -limit, limit);
    } else {
      fillNormal(m, rng, 0.0, r->stddev, r->distribution == "truncated_normal");
    }
  } else if (n == "orthogonal") {
    // Keras: QR of a normal (max(r,c), min(r,c)) matrix, columns signed by diag(R), transposed when r < c.
    const Eigen::Index big = std::max<Eigen::Index>(rows, cols), small = std::min<Eigen::Index>(rows, cols);
    Eigen::MatrixXd a(big, small);
    for (Eigen::Index i = 0; i < big; ++i)
      for (Eigen::Index j = 0; j < small; ++j) a(i, j) = rng.normal();
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(big, small);
    const Eigen::MatrixXd& r = qr.matrixQR();
    for (Eigen::Index j = 0; j < small; ++j) {
      const double d = r(j, j);
      const double sign = d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0);
      q.col(j) *= sign;
    }
    const double gain = spec.number("gain", 1.0);
    if (rows < cols)
      m = (gain * q.transpose()).cast<float>();
    else
      m = (gain * q).cast<float>();
  } else if (n == "identity") {
    m.setZero();
    const auto gain = static_cast<float>(spec.number("gain", 1.0));
    for (Eigen::Index i = 0; i < std::min<Eigen::Index>(rows, cols); ++i) m(i, i) = gain;
  } else if (n == "zeros") {
    m.setZero();
  } else if (n == "ones") {
    m.setOnes();
  } else if (n == "constant") {
    m.setConstant(static_cast<float>(spec.number("value")));
  } else {
    return Status::invalidArgument("Could not interpret initializer identifier: " + n);
  }
  return m;
}

Result<Matrix> initializeTable(const LayerConfig& config) {
  EMBEDSCOPE_TRY(validateLayerConfig(config));
  if (config.weights) return *config.weights;
  return initializeMatrix(config.embeddingsInitializer, config.inputDim, config.outputDim, config.seed);
}

}  // namespace embedscope
