#pragma once
// The order examples are visited in, as Keras's fit does it: the validation split is the last
// fraction of the data before any shuffling; the training part is reshuffled every epoch (unless
// shuffle is off) and cut into batches of batch_size, the last one short.
#include <cstdint>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::data {

struct Split {
  std::int64_t trainCount = 0;       // examples [0, trainCount) train
  std::int64_t validationCount = 0;  // examples [trainCount, trainCount + validationCount) validate
};

// Keras: split_at = floor(n * (1 - validation_split)); an empty side is an error in Keras's words.
Result<Split> validationSplit(std::int64_t exampleCount, double validationSplit);

class EpochOrder {
 public:
  EpochOrder(std::int64_t count, std::int64_t batchSize, bool shuffle, std::uint64_t seed);
  // The permutation of epoch `epoch` (0-based); the same seed and epoch give the same order.
  void startEpoch(std::int64_t epoch);
  std::int64_t batchCount() const { return (m_count + m_batchSize - 1) / m_batchSize; }
  // Example indices of batch b in the current epoch.
  std::vector<std::int64_t> batch(std::int64_t b) const;
  std::int64_t batchSize() const { return m_batchSize; }

 private:
  std::int64_t m_count;
  std::int64_t m_batchSize;
  bool m_shuffle;
  std::uint64_t m_seed;
  std::vector<std::int64_t> m_order;
};

}  // namespace embedscope::data
