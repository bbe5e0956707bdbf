#pragma once
// The density an initializer draws a (rows, cols) table from, by Keras's formulas (the fans of an
// embedding matrix are fan_in = rows, fan_out = cols), for the Matrix view's histogram.
#include "engine/core/status.h"
#include "engine/layer/object_spec.h"
#include "ui/inspect/matrix_view.h"

namespace embedscope::ui::inspect {

// Unavailable for initializers without a density (zeros, ones, constant, identity, orthogonal):
// their values are not drawn from a distribution on the real line that a histogram could match.
Result<InitializerDensity> initializerDensity(const InitializerSpec& spec, std::int64_t rows, std::int64_t cols);

}  // namespace embedscope::ui::inspect
