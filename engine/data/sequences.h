#pragma once
// Fixed-length id sequences as Keras's pad_sequences makes them with padding="post" and
// truncating="post": each sequence keeps its first `maxLength` ids and is padded with 0 at the end.
#include <cstdint>
#include <vector>

namespace embedscope::data {

// A (rows, length) int64 matrix of ids in C order.
struct IdMatrix {
  std::int64_t rows = 0;
  std::int64_t length = 0;
  std::vector<std::int64_t> ids;
  const std::int64_t* row(std::int64_t r) const { return ids.data() + r * length; }
};

// maxLength <= 0 means "the longest sequence".
IdMatrix padSequences(const std::vector<std::vector<std::int64_t>>& sequences, std::int64_t maxLength);

}  // namespace embedscope::data
