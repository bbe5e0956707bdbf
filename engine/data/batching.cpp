#include "engine/data/batching.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "engine/core/rng.h"

namespace embedscope::data {

Result<Split> validationSplit(std::int64_t exampleCount, double split) {
  if (!(split >= 0.0 && split < 1.0)) {
    std::ostringstream m;
    m << "`validation_split` must be a float in [0, 1). Received: validation_split=" << split;
    return Status::invalidArgument(m.str());
  }
  Split s;
  if (split == 0.0) {
    s.trainCount = exampleCount;
    return s;
  }
  s.trainCount = static_cast<std::int64_t>(std::floor(static_cast<double>(exampleCount) * (1.0 - split)));
  s.validationCount = exampleCount - s.trainCount;
  if (s.trainCount == 0 || s.validationCount == 0) {
    std::ostringstream m;
    m << "Training data contains " << exampleCount
      << " samples, which is not sufficient to split it into a validation and training set as specified by "
         "`validation_split="
      << split << "`. Either provide more data, or a different value for the `validation_split` argument.";
    return Status::dataError(m.str());
  }
  return s;
}

EpochOrder::EpochOrder(std::int64_t count, std::int64_t batchSize, bool shuffle, std::uint64_t seed)
    : m_count(count), m_batchSize(std::max<std::int64_t>(1, batchSize)), m_shuffle(shuffle), m_seed(seed) {
  m_order.resize(static_cast<std::size_t>(count));
  std::iota(m_order.begin(), m_order.end(), 0);
}

void EpochOrder::startEpoch(std::int64_t epoch) {
  std::iota(m_order.begin(), m_order.end(), 0);
  if (!m_shuffle) return;
  // Fisher-Yates with the engine's generator, one stream per epoch, so an epoch's order does not
  // depend on how many numbers earlier epochs drew.
  Rng rng = Rng::stream(m_seed, 0x5348554646000000ull + static_cast<std::uint64_t>(epoch));
  for (std::int64_t i = m_count - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)));
    std::swap(m_order[static_cast<std::size_t>(i)], m_order[static_cast<std::size_t>(j)]);
  }
}

std::vector<std::int64_t> EpochOrder::batch(std::int64_t b) const {
  const std::int64_t lo = b * m_batchSize;
  const std::int64_t hi = std::min(m_count, lo + m_batchSize);
  if (lo >= hi) return {};
  return {m_order.begin() + lo, m_order.begin() + hi};
}

}  // namespace embedscope::data
