#pragma once
// What the analysis commands (project, neighbors, analogy) share: reading --vectors through
// engine/io, deciding which rows take part (reserved padding/OOV rows out unless
// --include-reserved), and the --threads flag.
#include <cstdint>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "engine/analysis/row_selection.h"
#include "engine/analysis/run_control.h"
#include "engine/io/vectors.h"

namespace embedscope::cli {

struct AnalysisInput {
  io::Vectors vectors;
  std::vector<bool> reserved;  // one per row (all false for a bare matrix)
  analysis::RowSelection rows;
};

// Reads the file (NaN/Inf allowed: those rows are left out, never fatal) and selects rows.
Result<AnalysisInput> readAnalysisInput(const std::string& path, bool includeReserved);

// --threads N (default 1: deterministic; 0 = all cores) and the interrupt token.
Result<analysis::RunControl> runControlFrom(const Args& args);

// The row a --query WORD or --row N names; usage errors are exit 2, unknown words exit 1.
Result<std::int64_t> rowForQuery(const AnalysisInput& in, const std::string& word);
Result<std::int64_t> rowForIndex(const AnalysisInput& in, std::int64_t row);

std::string tokenOf(const AnalysisInput& in, std::int64_t row);

}  // namespace embedscope::cli
