#include "engine/io/vector_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/io/mapped_file.h"
#include "engine/io/npy.h"

namespace embedscope::io {

namespace {

struct Accumulator {
  VectorStats s;
  double normSum = 0;
  std::int64_t normCount = 0;
  bool haveValue = false;
  bool haveNorm = false;

  void value(double x) {
    if (std::isnan(x)) {
      ++s.nanCount;
      return;
    }
    if (std::isinf(x)) {
      ++s.infCount;
      return;
    }
    if (!haveValue) {
      s.valueMin = s.valueMax = x;
      haveValue = true;
    } else {
      s.valueMin = std::min(s.valueMin, x);
      s.valueMax = std::max(s.valueMax, x);
    }
  }
  void rowDone(double sumSq, bool finite) {
    if (!finite) {
      ++s.nonFiniteRows;
      return;
    }
    const double n = std::sqrt(sumSq);
    if (n == 0) ++s.zeroRows;
    if (!haveNorm) {
      s.normMin = s.normMax = n;
      haveNorm = true;
    } else {
      s.normMin = std::min(s.normMin, n);
      s.normMax = std::max(s.normMax, n);
    }
    normSum += n;
    ++normCount;
  }
  VectorStats finish() {
    s.normMean = normCount ? normSum / static_cast<double>(normCount) : 0;
    return s;
  }
};

float halfToFloat(std::uint16_t h) {
  NdArray a;
  a.dtype = DType::Float16;
  a.shape = {1};
  a.bytes.resize(2);
  std::memcpy(a.bytes.data(), &h, 2);
  return a.toFloat32()[0];
}

// One element of any numeric dtype as double, honouring the file's byte order.
double elementAt(const std::byte* p, DType t, bool bigEndian) {
  std::byte b[8];
  const std::size_t n = dtypeSize(t);
  if (bigEndian)
    for (std::size_t k = 0; k < n; ++k) b[k] = p[n - 1 - k];
  else
    std::memcpy(b, p, n);
  auto as = [&](auto v) {
    std::memcpy(&v, b, sizeof v);
    return static_cast<double>(v);
  };
  switch (t) {
    case DType::Bool: return as(std::uint8_t{}) != 0 ? 1.0 : 0.0;
    case DType::Int8: return as(std::int8_t{});
    case DType::Int16: return as(std::int16_t{});
    case DType::Int32: return as(std::int32_t{});
    case DType::Int64: return as(std::int64_t{});
    case DType::UInt8: return as(std::uint8_t{});
    case DType::UInt16: return as(std::uint16_t{});
    case DType::UInt32: return as(std::uint32_t{});
    case DType::UInt64: return as(std::uint64_t{});
    case DType::Float16: {
      std::uint16_t h;
      std::memcpy(&h, b, 2);
      return halfToFloat(h);
    }
    case DType::Float32: return as(float{});
    case DType::Float64: return as(double{});
  }
  return 0;
}

}  // namespace

VectorStats computeStats(const Matrix& m) {
  Accumulator acc;
  acc.s.rows = m.rows();
  acc.s.dim = m.cols();
  for (std::int64_t r = 0; r < m.rows(); ++r) {
    double sq = 0;
    bool finite = true;
    for (std::int64_t c = 0; c < m.cols(); ++c) {
      const double x = m(r, c);
      acc.value(x);
      if (!std::isfinite(x)) finite = false;
      sq += x * x;
    }
    acc.rowDone(sq, finite);
  }
  return acc.finish();
}

Result<NpyStats> streamNpyStats(const std::string& path, const ProgressFn& progress, const CancelToken* cancel) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  const MappedFile& f = *mapped;
  auto h = parseNpyHeader(f.data(), f.size(), path);
  if (!h) return h.status();
  if (h->isUnicode) return Status::dataError(path + ": a string array, not a numeric table");
  NpyStats out;
  out.dtype = h->dtype;
  out.shape = h->shape;
  out.fortranOrder = h->fortranOrder;
  out.bigEndian = h->bigEndian;
  if (h->shape.size() != 2) return out;
  out.hasStats = true;
  const std::int64_t rows = h->shape[0], cols = h->shape[1];
  const std::size_t item = dtypeSize(h->dtype);
  const std::byte* base = f.data() + h->dataOffset;
  Accumulator acc;
  acc.s.rows = rows;
  acc.s.dim = cols;
  const std::uint64_t slice = 32u << 20;  // bytes processed between page drops and progress reports
  std::uint64_t nextDrop = slice;
  auto tick = [&](std::uint64_t done) -> Status {
    if (done < nextDrop) return Status::ok();
    nextDrop = done + slice;
    f.dropPages(h->dataOffset, h->dataOffset + done);
    if (cancel && cancel->isCancelled()) return Status::cancelled();
    if (progress && h->dataBytes) progress(static_cast<double>(done) / static_cast<double>(h->dataBytes));
    return Status::ok();
  };
  const bool fastFloat = h->dtype == DType::Float32 && !h->bigEndian;
  if (!h->fortranOrder || rows <= 1 || cols <= 1) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::byte* row = base + static_cast<std::uint64_t>(r) * cols * item;
      if (fastFloat) {
        // The common case, kept branch-free so it vectorises: a finite sum of squares means every
        // value in the row is finite, and only rows that fail it take the counting path below.
        const float* v = reinterpret_cast<const float*>(row);
        float sq = 0, mn = v[0], mx = v[0];
        for (std::int64_t c = 0; c < cols; ++c) {
          sq += v[c] * v[c];
          mn = std::min(mn, v[c]);
          mx = std::max(mx, v[c]);
        }
        if (std::isfinite(sq) && cols > 0) {
          acc.value(mn);
          acc.value(mx);
          double sqd = 0;  // recompute in double only when float might have lost the norm
          if (sq > 1e30f || (sq < 1e-30f && (mn != 0 || mx != 0))) {
            for (std::int64_t c = 0; c < cols; ++c) sqd += static_cast<double>(v[c]) * v[c];
          } else {
            sqd = sq;
          }
          acc.rowDone(sqd, true);
          EMBEDSCOPE_TRY(tick(static_cast<std::uint64_t>(r + 1) * cols * item));
          continue;
        }
      }
      double sq = 0;
      bool finite = true;
      for (std::int64_t c = 0; c < cols; ++c) {
        double x;
        if (fastFloat) {
          float v;
          std::memcpy(&v, row + c * 4, 4);
          x = v;
        } else {
          x = elementAt(row + c * item, h->dtype, h->bigEndian);
        }
        acc.value(x);
        finite = finite && std::isfinite(x);
        sq += x * x;
      }
      acc.rowDone(sq, finite);
      EMBEDSCOPE_TRY(tick(static_cast<std::uint64_t>(r + 1) * cols * item));
    }
  } else {
    // Column-major: a row is strided across the whole file, so walk columns and keep one running
    // sum per row (8 bytes a row, still far below the table's size).
    std::vector<double> sq(static_cast<std::size_t>(rows), 0.0);
    std::vector<bool> finite(static_cast<std::size_t>(rows), true);
    for (std::int64_t c = 0; c < cols; ++c) {
      const std::byte* col = base + static_cast<std::uint64_t>(c) * rows * item;
      for (std::int64_t r = 0; r < rows; ++r) {
        const double x = elementAt(col + r * item, h->dtype, h->bigEndian);
        acc.value(x);
        if (!std::isfinite(x)) finite[static_cast<std::size_t>(r)] = false;
        sq[static_cast<std::size_t>(r)] += x * x;
      }
      EMBEDSCOPE_TRY(tick(static_cast<std::uint64_t>(c + 1) * rows * item));
    }
    for (std::int64_t r = 0; r < rows; ++r) acc.rowDone(sq[static_cast<std::size_t>(r)], finite[static_cast<std::size_t>(r)]);
  }
  f.dropPages(h->dataOffset, f.size());
  if (progress) progress(1.0);
  out.stats = acc.finish();
  return out;
}

}  // namespace embedscope::io
