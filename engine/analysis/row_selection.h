#pragma once
// Which rows of a table an analysis fits on. Rows the input declares reserved (Keras's padding row
// 0 under mask_zero, the vocabulary's OOV row) are left out by default because they are not words
// and would sit in the middle of every picture; a bare matrix declares none and keeps every row.
// Rows holding NaN or infinity are never fitted (they would poison every distance); they still get
// a place in the output so that output rows stay aligned with input rows.
#include <cstdint>
#include <vector>

#include "engine/core/matrix.h"

namespace embedscope::analysis {

enum class RowKind : std::uint8_t { Fitted, Reserved, NonFinite };

struct RowSelection {
  std::vector<std::int64_t> fitted;  // input row numbers used for fitting, ascending
  std::vector<RowKind> kind;         // one per input row
  std::int64_t reservedCount = 0;    // reserved rows left out (0 when included)
  std::int64_t nonFiniteCount = 0;   // rows with a NaN or an infinity

  std::int64_t inputRows() const { return static_cast<std::int64_t>(kind.size()); }
};

// `reserved` is empty (no declaration) or has one flag per row of `x`.
RowSelection selectRows(const Matrix& x, const std::vector<bool>& reserved, bool includeReserved);

// True when every value of row r is finite.
bool rowIsFinite(const Matrix& x, std::int64_t r);

// The listed rows of x, in the listed order.
Matrix gatherRows(const Matrix& x, const std::vector<std::int64_t>& rows);

}  // namespace embedscope::analysis
