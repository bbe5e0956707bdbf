// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/row_selection.h"

#include <cmath>

namespace embedscope::analysis {

bool rowIsFinite(const Matrix& x, std::int64_t r) {
  const float* p = x.data() + r * x.cols();
  bool finite = true;
  for (Eigen::Index c = 0; c < x.cols(); ++c) finite &= std::isfinite(p[c]);
  return finite;
}

RowSelection selectRows(const Matrix& x, const std::vector<bool>& reserved, bool includeReserved) {
  RowSelection s;
  const std::int64_t n = x.rows();
  s.kind.assign(static_cast<std::size_t>(n), RowKind::Fitted);
  s.fitted.reserve(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < n; ++r) {
    const auto ur = static_cast<std::size_t>(r);
    if (!rowIsFinite(x, r)) {
      s.kind[ur] = RowKind::NonFinite;
      ++s.nonFiniteCount;
    } else if (!includeReserved && ur < reserved.size() && reserved[ur]) {
      s.kind[ur] = RowKind::Reserved;
      ++s.reservedCount;
    } else {
      s.fitted.push_back(r);
    }
  }
  return s;
}

Matrix gatherRows(const Matrix& x, const std::vector<std::int64_t>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = x.row(rows[i]);
  return out;
}

}  // namespace embedscope::analysis
