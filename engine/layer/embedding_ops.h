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

// How the gather writes its output. Cached stores leave the output in cache for a consumer that
// reads it next; streaming (non-temporal) stores skip the read-for-ownership of every output line
// and do not evict the table's hot rows, which is what an output larger than the last-level cache
// wants (measured: 1.3-1.9x a plain per-row memcpy on 100,000 x 128 and 1,000,000 x 64,
// docs/benchmarks/cpu.md). Automatic streams when the output exceeds 3/4 of the L3 cache (glibc's
// own threshold for non-temporal memcpy).
enum class GatherStores { Automatic, Cached, Streaming };

struct GatherOptions {
  int threads = 1;            // rows split in contiguous blocks; the result never depends on it
  int prefetchDistance = -1;  // rows ahead to prefetch, every cache line of the row (0 = none,
                              // -1 = about 8 KiB ahead: 16 rows of 512 bytes, 32 of 256)
  GatherStores stores = GatherStores::Automatic;
};

// The prefetch distance in rows that `prefetchDistance` means for rows of rowFloats floats.
int gatherPrefetchRows(int prefetchDistance, std::int64_t rowFloats);
// Whether a gather of `rows` rows of `rowFloats` floats streams its stores under `stores`.
bool gatherStreams(GatherStores stores, std::int64_t rows, std::int64_t rowFloats);

// The gather's kernel on one block of positions: out[i, :] = table[ids[i], :] for i in [begin, end)
// (out and ids indexed from 0, not from begin), prefetchRows ahead, streaming or cached stores.
// gatherRows and the CPU backend's thread pool both run it. Streaming stores are fenced before it
// returns, so a thread that joins the caller afterwards sees the rows.
void gatherRowBlock(const float* table, std::int64_t rowFloats, const std::int64_t* ids, std::int64_t begin,
                    std::int64_t end, float* out, int prefetchRows, bool streaming);

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
