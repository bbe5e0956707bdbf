#include "engine/layer/embedding_ops.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <numeric>

#include <unistd.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "engine/layer/parallel_for.h"

namespace embedscope {

Result<IdTensor> idsFromNdArray(const NdArray& array) {
  auto v = array.toInt64();
  if (!v) return v.status();
  IdTensor t;
  t.shape = array.shape;
  t.values = std::move(*v);
  return t;
}

std::string idOutOfRangeMessage(std::span<const std::int64_t> shape, std::int64_t flatIndex, std::int64_t value,
                                std::int64_t inputDim) {
  std::string where;
  if (!shape.empty()) {
    std::vector<std::int64_t> idx(shape.size());
    std::int64_t rem = flatIndex;
    for (std::size_t k = shape.size(); k-- > 0;) {
      const std::int64_t dim = std::max<std::int64_t>(1, shape[k]);
      idx[k] = rem % dim;
      rem /= dim;
    }
    where = "[";
    for (std::size_t k = 0; k < idx.size(); ++k) where += (k ? "," : "") + std::to_string(idx[k]);
    where += "]";
  }
  return "indices" + where + " = " + std::to_string(value) + " is not in [0, " + std::to_string(inputDim) + ")";
}

Status validateIds(std::span<std::int64_t> ids, std::span<const std::int64_t> shape, std::int64_t inputDim) {
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  std::int64_t* p = ids.data();
  // Branch-light first pass: negatives wrapped, out-of-range flagged; the slow path finds the first.
  bool bad = false;
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t v = p[i];
    v += (v < 0) ? inputDim : 0;
    p[i] = v;
    bad |= (static_cast<std::uint64_t>(v) >= static_cast<std::uint64_t>(inputDim));
  }
  if (!bad) return Status::ok();
  for (std::int64_t i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] >= inputDim) return Status::outOfRange(idOutOfRangeMessage(shape, i, p[i], inputDim));
  return Status::ok();
}

namespace {

// One row with non-temporal stores, as wide as the row's alignment allows; false when out is not
// even 16-byte aligned or the row is not a whole number of 16-byte chunks (the caller memcpys).
inline bool streamRow(float* out, const float* src, std::int64_t d) {
#if defined(__x86_64__) || defined(_M_X64)
  const auto addr = reinterpret_cast<std::uintptr_t>(out);
#if defined(__AVX512F__)
  if ((addr & 63) == 0 && d % 16 == 0) {
    for (std::int64_t k = 0; k < d; k += 16) _mm512_stream_ps(out + k, _mm512_loadu_ps(src + k));
    return true;
  }
#endif
#if defined(__AVX__)
  if ((addr & 31) == 0 && d % 8 == 0) {
    for (std::int64_t k = 0; k < d; k += 8) _mm256_stream_ps(out + k, _mm256_loadu_ps(src + k));
    return true;
  }
#endif
  if ((addr & 15) == 0 && d % 4 == 0) {
    for (std::int64_t k = 0; k < d; k += 4) _mm_stream_ps(out + k, _mm_loadu_ps(src + k));
    return true;
  }
#else
  (void)out, (void)src, (void)d;
#endif
  return false;
}

inline void storeFence() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_sfence();
#endif
}

std::int64_t lastLevelCacheBytes() {
  static const std::int64_t bytes = [] {
    long v = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
    v = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    return v > 0 ? static_cast<std::int64_t>(v) : std::int64_t{8} << 20;  // unknown: 8 MiB
  }();
  return bytes;
}

}  // namespace

int gatherPrefetchRows(int prefetchDistance, std::int64_t rowFloats) {
  if (prefetchDistance >= 0) return prefetchDistance;
  const std::int64_t rowBytes = std::max<std::int64_t>(1, rowFloats) * static_cast<std::int64_t>(sizeof(float));
  return static_cast<int>(std::clamp<std::int64_t>(8192 / rowBytes, 4, 64));
}

bool gatherStreams(GatherStores stores, std::int64_t rows, std::int64_t rowFloats) {
  switch (stores) {
    case GatherStores::Cached: return false;
    case GatherStores::Streaming: return true;
    case GatherStores::Automatic: break;
  }
  const double outBytes = double(rows) * double(rowFloats) * double(sizeof(float));
  return outBytes > 0.75 * double(lastLevelCacheBytes());
}

void gatherRowBlock(const float* table, std::int64_t d, const std::int64_t* ids, std::int64_t begin, std::int64_t end,
                    float* out, int prefetchRows, bool streaming) {
  const std::size_t bytes = static_cast<std::size_t>(d) * sizeof(float);
  // Every cache line of the row prefetchRows ahead: a row of 256-512 bytes spans 4-8 lines, and the
  // next-line hardware prefetcher does not follow a random row far enough.
  const std::int64_t lines = (static_cast<std::int64_t>(bytes) + 63) / 64;
  const std::int64_t prefetchEnd = prefetchRows > 0 ? std::max(begin, end - prefetchRows) : begin;
  auto copyRow = [&](std::int64_t i) {
    const float* src = table + ids[i] * d;
    float* dst = out + i * d;
    if (!streaming || !streamRow(dst, src, d)) std::memcpy(dst, src, bytes);
  };
  std::int64_t i = begin;
  for (; i < prefetchEnd; ++i) {
    const char* next = reinterpret_cast<const char*>(table + ids[i + prefetchRows] * d);
    for (std::int64_t l = 0; l < lines; ++l) __builtin_prefetch(next + l * 64, 0, 3);
    copyRow(i);
  }
  for (; i < end; ++i) copyRow(i);
  if (streaming) storeFence();
}

void gatherRows(const Matrix& table, std::span<const std::int64_t> ids, float* out, const GatherOptions& options) {
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  const std::int64_t d = table.cols();
#ifndef NDEBUG
  for (std::int64_t id : ids) assert(id >= 0 && id < table.rows() && "gatherRows needs validated ids");
#endif
  const float* t = table.data();
  const std::int64_t* ip = ids.data();
  const int prefetch = gatherPrefetchRows(options.prefetchDistance, d);
  const bool streaming = gatherStreams(options.stores, n, d);
  parallelFor(n, options.threads,
              [&](std::int64_t b, std::int64_t e) { gatherRowBlock(t, d, ip, b, e, out, prefetch, streaming); });
}

Status embeddingLookup(const Matrix& table, IdTensor& ids, Matrix& out, const GatherOptions& options) {
  EMBEDSCOPE_TRY(validateIds(ids, table.rows()));
  out.resize(ids.size(), table.cols());
  gatherRows(table, ids.values, out.data(), options);
  return Status::ok();
}

std::vector<std::uint8_t> computeMask(std::span<const std::int64_t> ids) {
  std::vector<std::uint8_t> m(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) m[i] = ids[i] != 0;
  return m;
}

std::vector<std::uint8_t> computeMask(const NdArray& raw) {
  const auto n = static_cast<std::size_t>(raw.elementCount());
  std::vector<std::uint8_t> m(n);
  if (dtypeIsFloat(raw.dtype)) {
    // not_equal on the raw floats: 0.3 != 0 is a valid position even though it looks up row 0.
    const std::vector<float> f = raw.toFloat32();
    for (std::size_t i = 0; i < n; ++i) m[i] = f[i] != 0.0f;
    if (raw.dtype == DType::Float64) {  // a tiny float64 could round to 0 in float32
      const auto* p = reinterpret_cast<const double*>(raw.bytes.data());
      for (std::size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + i, sizeof v);
        m[i] = v != 0.0;
      }
    }
    return m;
  }
  const std::size_t w = dtypeSize(raw.dtype);
  for (std::size_t i = 0; i < n; ++i) {
    const std::byte* e = raw.bytes.data() + i * w;
    bool nz = false;
    for (std::size_t k = 0; k < w; ++k) nz |= e[k] != std::byte{0};
    m[i] = nz;
  }
  return m;
}

Matrix SparseRowGrad::toDense() const {
  Matrix d = Matrix::Zero(inputDim, outputDim);
  addTo(d);
  return d;
}

void SparseRowGrad::addTo(Matrix& dense, float scale) const {
  assert(dense.rows() == inputDim && dense.cols() == outputDim);
  for (std::size_t k = 0; k < rows.size(); ++k)
    dense.row(rows[k]) += scale * values.row(static_cast<Eigen::Index>(k));
}

SparseRowGrad accumulateRowGrad(std::span<const std::int64_t> ids, const float* dOut, std::int64_t outputDim,
                                std::int64_t inputDim) {
  SparseRowGrad g;
  accumulateRowGrad(ids, dOut, outputDim, inputDim, g);
  return g;
}

void accumulateRowGrad(std::span<const std::int64_t> ids, const float* dOut, std::int64_t outputDim,
                       std::int64_t inputDim, SparseRowGrad& g) {
  g.rows.clear();
  g.inputDim = inputDim;
  g.outputDim = outputDim;
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  if (n == 0) {
    g.values.resize(0, outputDim);
    return;
  }
  // Every row's sum is formed in increasing position order, so the result is bit-identical
  // whichever path runs. Small vocabulary next to the batch: count ids, rank the rows, then add
  // positions in order (sequential reads of dOut). Otherwise: sort (id, position) pairs.
  // Scratch is kept per thread between calls: a training loop calls this every step.
  thread_local std::vector<std::int64_t> order, rank;
  thread_local std::vector<std::uint8_t> started;
  const std::size_t rowBytes = static_cast<std::size_t>(outputDim) * sizeof(float);
  if (inputDim <= 32 * n) {  // O(V) passes are cheaper than a sort up to here (measured, bench/layer_bench)
    rank.assign(static_cast<std::size_t>(inputDim), -1);
    for (std::int64_t id : ids) rank[static_cast<std::size_t>(id)] = 0;
    for (std::int64_t v = 0; v < inputDim; ++v)
      if (rank[static_cast<std::size_t>(v)] == 0) {
        rank[static_cast<std::size_t>(v)] = static_cast<std::int64_t>(g.rows.size());
        g.rows.push_back(v);
      }
    g.values.resize(static_cast<Eigen::Index>(g.rows.size()), outputDim);
    started.assign(g.rows.size(), 0);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t k = rank[static_cast<std::size_t>(ids[i])];
      const float* src = dOut + i * outputDim;
      float* dst = g.values.data() + k * outputDim;
      if (!started[static_cast<std::size_t>(k)]) {
        started[static_cast<std::size_t>(k)] = 1;
        std::memcpy(dst, src, rowBytes);
      } else {
#pragma omp simd
        for (std::int64_t c = 0; c < outputDim; ++c) dst[c] += src[c];
      }
    }
    return;
  }
  order.resize(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return ids[a] != ids[b] ? ids[a] < ids[b] : a < b;
  });
  for (std::int64_t k = 0; k < n; ++k)
    if (k == 0 || ids[order[k]] != ids[order[k - 1]]) g.rows.push_back(ids[order[k]]);
  g.values.resize(static_cast<Eigen::Index>(g.rows.size()), outputDim);
  std::int64_t k = -1;
  std::int64_t prev = -1;
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t pos = order[static_cast<std::size_t>(j)];
    const std::int64_t id = ids[pos];
    const float* src = dOut + pos * outputDim;
    if (id != prev) {
      ++k;
      prev = id;
      std::memcpy(g.values.data() + k * outputDim, src, rowBytes);
    } else {
      float* dst = g.values.data() + k * outputDim;
#pragma omp simd
      for (std::int64_t c = 0; c < outputDim; ++c) dst[c] += src[c];
    }
  }
}

}  // namespace embedscope
