#pragma once
// Summary figures of a table for `inspect` and the UI's file dialog: row norms, non-finite counts,
// value range. streamNpyStats computes them straight from a memory-mapped .npy a slice at a time,
// handing pages back behind it, so a 2 GB file is inspected in a few tens of MB.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/ndarray.h"
#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

struct VectorStats {
  std::int64_t rows = 0;
  std::int64_t dim = 0;
  std::int64_t nanCount = 0;
  std::int64_t infCount = 0;
  std::int64_t zeroRows = 0;       // rows whose norm is exactly 0
  std::int64_t nonFiniteRows = 0;  // rows with a NaN/Inf (left out of the norm figures)
  double normMin = 0, normMean = 0, normMax = 0;
  double valueMin = 0, valueMax = 0;  // over finite values
};

VectorStats computeStats(const Matrix& m);

struct NpyStats {
  DType dtype = DType::Float32;
  std::vector<std::int64_t> shape;
  bool fortranOrder = false;
  bool bigEndian = false;
  bool hasStats = false;  // only 2-D numeric arrays get norms
  VectorStats stats;
};

// Header checks as readNpy, then figures computed in bounded memory (C or Fortran order).
Result<NpyStats> streamNpyStats(const std::string& path, const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace embedscope::io
