// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/analogy.h"

#include <cmath>

namespace embedscope::analysis {

Result<std::vector<std::pair<std::int64_t, float>>> analogy(const Matrix& table, const AnalogyQuery& q, int k,
                                                             const std::vector<std::int64_t>& excludeRows,
                                                             const RunControl& control) {
  const std::int64_t n = table.rows();
  for (std::int64_t r : {q.a, q.b, q.c})
    if (r < 0 || r >= n)
      return Status::outOfRange("analogy row " + std::to_string(r) + " is outside [0, " + std::to_string(n) + ")");
  Eigen::RowVectorXd target = Eigen::RowVectorXd::Zero(table.cols());
  const std::pair<std::int64_t, double> terms[] = {{q.b, 1.0}, {q.a, -1.0}, {q.c, 1.0}};
  for (const auto& [row, sign] : terms) {
    const Eigen::RowVectorXd v = table.row(row).cast<double>();
    const double nv = v.norm();
    if (!std::isfinite(nv)) return Status::dataError("analogy row " + std::to_string(row) + " holds NaN or infinity");
    if (nv == 0) return Status::dataError("analogy row " + std::to_string(row) + " is all zeros: it has no direction");
    target += sign * v / nv;
  }
  if (!(target.norm() > 0)) return Status::dataError("b - a + c is the zero vector: no direction to rank by");
  Matrix query = target.cast<float>();
  std::vector<std::vector<std::int64_t>> ex(1, excludeRows);
  ex[0].push_back(q.a);
  ex[0].push_back(q.b);
  ex[0].push_back(q.c);
  auto g = exactKnn(table, query, k, Metric::Cosine, control, ex);
  if (!g) return g.status();
  std::vector<std::pair<std::int64_t, float>> out;
  for (int i = 0; i < g->k; ++i)
    if (g->neighbours(0)[i] >= 0) out.emplace_back(g->neighbours(0)[i], g->neighbourScores(0)[i]);
  return out;
}

}  // namespace embedscope::analysis
