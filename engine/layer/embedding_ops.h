#pragma once
// The layer's forward and backward: id validation (TensorFlow's message), the row gather, the
// mask, and the row-sparse gradient. Every engine validates ids with validateIds so a bad id is
// reported in the same words everywhere.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/ndarray.h"
#include "engine/core/status.h"

namespace embedscope {

// Ids as the layer sees them: int64 values in C order with their shape (any rank; rank 0 is one id).
struct IdTensor {
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> values;
  std::int64_t size() const { return static_cast<std::int64_t>(values.size()); }
};

// Keras's cast: any integer dtype as is, floats truncated toward zero (NdArray::toInt64).
Result<IdTensor> idsFromNdArray(const NdArray& array);

// TensorFlow's gather error for the element at flatIndex: "indices[17,2] = 54 is not in [0, 50)"
// ("indices[5] = ..." for rank 1, "indices = ..." for a scalar).
std::string idOutOfRangeMessage(std::span<const std::int64_t> shape, std::int64_t flatIndex, std::int64_t value,
                                std::int64_t inputDim);

// Keras >= 3.3: a negative id gets inputDim added first (so -1 is the last row); anything still
// outside [0, inputDim) is OutOfRange with idOutOfRangeMessage for the first bad element in C
// order, whose value is the id after that adjustment (what TensorFlow sees under Keras 3).
// Rewrites ids in place; on failure ids may be partly rewritten.
Status validateIds(std::span<std::int64_t> ids, std::span<const std::int64_t> shape, std::int64_t inputDim);
inline Status validateIds(IdTensor& ids, std::int64_t inputDim) { return validateIds(ids.values, ids.shape, inputDim); }

struct GatherOptions {
  int threads = 1;           // rows split in contiguous blocks; the result never depends on it
  int prefetchDistance = 8;  // rows ahead to prefetch (0 = none)
};

// out[i, :] = table[ids[i], :] for already-validated ids (asserted in debug builds).
// out must hold ids.size() * table.cols() floats.
void gatherRows(const Matrix& table, std::span<const std::int64_t> ids, float* out, const GatherOptions& options = {});

// Validates (and normalises) ids, then gathers into out, resized to (ids.size(), D). The output
// shape of Keras is ids.shape + (D,); out is its row-major flattening.
Status embeddingLookup(const Matrix& table, IdTensor& ids, Matrix& out, const GatherOptions& options = {});

// Keras's compute_mask: ids != 0 (1 = valid) when maskZero; computed on the raw ids, so a float
// 0.3 is a valid position that looks up row 0.
std::vector<std::uint8_t> computeMask(std::span<const std::int64_t> ids);
std::vector<std::uint8_t> computeMask(const NdArray& rawIds);

// dE restricted to the rows that occur: rows sorted ascending and unique, values(k, :) the sum of
// dOut over every position whose id is rows[k], added in increasing position order
// (deterministic, duplicates summed before any optimizer statistic sees them).
struct SparseRowGrad {
  std::int64_t inputDim = 0;
  std::int64_t outputDim = 0;
  std::vector<std::int64_t> rows;
  Matrix values;  // (rows.size(), outputDim)

  std::int64_t nnzRows() const { return static_cast<std::int64_t>(rows.size()); }
  // The dense (inputDim, outputDim) gradient (for tests and small tables).
  Matrix toDense() const;
  // Adds this gradient, times scale, into a dense (inputDim, outputDim) matrix.
  void addTo(Matrix& dense, float scale = 1.0f) const;
};

// From validated ids (flattened, length N) and dOut (N, D), row-major.
SparseRowGrad accumulateRowGrad(std::span<const std::int64_t> ids, const float* dOut, std::int64_t outputDim,
                                std::int64_t inputDim);
// The same into an existing gradient, reusing its buffers (a training loop calls this every step
// and avoids re-faulting tens of MB of fresh pages).
void accumulateRowGrad(std::span<const std::int64_t> ids, const float* dOut, std::int64_t outputDim,
                       std::int64_t inputDim, SparseRowGrad& into);

}  // namespace embedscope
