#pragma once
// Keras's initializers (reference section 2) drawn by our seeded Rng on the host, in row-major
// order, single-threaded: a table initialised with seed S is bit-identical on every engine and
// thread count. Fans of a (rows, cols) matrix are Keras's: fan_in = rows, fan_out = cols.
#include <cstdint>

#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/layer/layer_config.h"
#include "engine/layer/object_spec.h"

namespace embedscope {

// scipy.stats.truncnorm.std(a=-2, b=2): VarianceScaling divides its stddev by it.
inline constexpr double kTruncatedNormalStdCorrection = 0.87962566103423978;

// A (rows, cols) matrix from the spec; `seed` is used unless the spec has its own integer `seed`.
Result<Matrix> initializeMatrix(const InitializerSpec& spec, std::int64_t rows, std::int64_t cols, std::uint64_t seed);

// The layer's table: config.weights when given (after the shape check), else the initializer
// with config.seed. Validates the config first.
Result<Matrix> initializeTable(const LayerConfig& config);

// What a VarianceScaling-family spec resolves to, for tests and the UI's "limit = ..." text.
struct VarianceScalingResolved {
  double scale = 1.0;         // s = scale / max(1, n)
  double limit = 0.0;         // uniform: sqrt(3 s)
  double stddev = 0.0;        // truncated_normal: sqrt(s) / 0.8796...; untruncated_normal: sqrt(s)
  std::string distribution;   // "uniform" | "truncated_normal" | "untruncated_normal"
};
// For variance_scaling and glorot/he/lecun; InvalidArgument for any other name.
Result<VarianceScalingResolved> resolveVarianceScaling(const InitializerSpec& spec, std::int64_t rows, std::int64_t cols);

}  // namespace embedscope
