#include "engine/data/sequences.h"

#include <algorithm>

namespace embedscope::data {

IdMatrix padSequences(const std::vector<std::vector<std::int64_t>>& sequences, std::int64_t maxLength) {
  IdMatrix m;
  m.rows = static_cast<std::int64_t>(sequences.size());
  if (maxLength <= 0) {
    maxLength = 0;
    for (const auto& s : sequences) maxLength = std::max<std::int64_t>(maxLength, static_cast<std::int64_t>(s.size()));
  }
  m.length = maxLength;
  m.ids.assign(static_cast<std::size_t>(m.rows * m.length), 0);
  for (std::int64_t r = 0; r < m.rows; ++r) {
    const auto& s = sequences[static_cast<std::size_t>(r)];
    const auto n = std::min<std::int64_t>(maxLength, static_cast<std::int64_t>(s.size()));
    std::copy(s.begin(), s.begin() + n, m.ids.begin() + r * m.length);
  }
  return m;
}

}  // namespace embedscope::data
