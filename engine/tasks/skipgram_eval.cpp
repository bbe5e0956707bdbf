#include "engine/tasks/skipgram_eval.h"

#include <algorithm>
#include <limits>

namespace embedscope {

Matrix normalizedRows(const Matrix& table) {
  Matrix n = table;
  for (Eigen::Index r = 0; r < n.rows(); ++r) {
    const float norm = n.row(r).norm();
    if (norm > 0.0f) n.row(r) /= norm;
  }
  return n;
}

NeighbourPurity neighbourPurity(const Matrix& table, const data::Vocabulary& vocabulary,
                                const std::unordered_map<std::string, int>& clusterOf, int k) {
  NeighbourPurity result;
  const Matrix unit = normalizedRows(table);
  const Eigen::Index vocab = unit.rows();
  std::vector<int> clusterById(static_cast<std::size_t>(vocab), -1);
  for (Eigen::Index id = data::Vocabulary::kReserved; id < vocab; ++id) {
    auto it = clusterOf.find(vocabulary.token(static_cast<std::int32_t>(id)));
    if (it != clusterOf.end()) clusterById[static_cast<std::size_t>(id)] = it->second;
  }
  double sum = 0.0;
  std::vector<std::pair<float, Eigen::Index>> scores;
  for (Eigen::Index id = data::Vocabulary::kReserved; id < vocab; ++id) {
    const int cluster = clusterById[static_cast<std::size_t>(id)];
    if (cluster < 0) continue;
    const Eigen::VectorXf sims = unit * unit.row(id).transpose();
    scores.clear();
    for (Eigen::Index j = data::Vocabulary::kReserved; j < vocab; ++j)
      if (j != id) scores.emplace_back(sims[j], j);
    const std::size_t kk = std::min<std::size_t>(static_cast<std::size_t>(std::max(k, 1)), scores.size());
    std::partial_sort(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(kk), scores.end(),
                      [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    int same = 0;
    for (std::size_t i = 0; i < kk; ++i) same += clusterById[static_cast<std::size_t>(scores[i].second)] == cluster;
    sum += kk > 0 ? double(same) / double(kk) : 0.0;
    ++result.evaluated;
  }
  result.purity = result.evaluated > 0 ? sum / double(result.evaluated) : 0.0;
  return result;
}

AnalogyScore analogyAccuracy(const Matrix& table, const data::Vocabulary& vocabulary,
                             const std::vector<std::array<std::string, 4>>& analogies) {
  AnalogyScore result;
  const Matrix unit = normalizedRows(table);
  for (const auto& q : analogies) {
    std::array<Eigen::Index, 4> ids{};
    bool present = true;
    for (std::size_t i = 0; i < 4; ++i) {
      if (!vocabulary.contains(q[i])) present = false;
      ids[i] = vocabulary.idOf(q[i]);
    }
    if (!present) continue;
    const Eigen::RowVectorXf target = unit.row(ids[0]) - unit.row(ids[1]) + unit.row(ids[2]);
    const Eigen::VectorXf sims = unit * target.transpose();
    Eigen::Index best = -1;
    float bestScore = -std::numeric_limits<float>::infinity();
    for (Eigen::Index j = data::Vocabulary::kReserved; j < unit.rows(); ++j) {
      if (j == ids[0] || j == ids[1] || j == ids[2]) continue;
      if (sims[j] > bestScore) {
        bestScore = sims[j];
        best = j;
      }
    }
    ++result.evaluated;
    result.correct += best == ids[3];
  }
  result.accuracy = result.evaluated > 0 ? double(result.correct) / double(result.evaluated) : 0.0;
  return result;
}

}  // namespace embedscope
