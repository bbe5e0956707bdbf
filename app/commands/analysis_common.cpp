#include "app/commands/analysis_common.h"

#include "app/cli/interrupt.h"

namespace embedscope::cli {

Result<AnalysisInput> readAnalysisInput(const std::string& path, bool includeReserved) {
  io::ReadOptions ro;
  ro.allowNonFinite = true;
  ro.cancel = &interruptToken();
  auto v = io::readVectors(path, ro);
  if (!v) return v.status();
  AnalysisInput in;
  in.vectors = std::move(*v);
  const auto n = static_cast<std::size_t>(in.vectors.rows());
  in.reserved.assign(n, false);
  for (const auto& r : {in.vectors.paddingRow, in.vectors.oovRow})
    if (r && *r >= 0 && static_cast<std::size_t>(*r) < n) in.reserved[static_cast<std::size_t>(*r)] = true;
  in.rows = analysis::selectRows(in.vectors.matrix, in.reserved, includeReserved);
  return in;
}

Result<analysis::RunControl> runControlFrom(const Args& args) {
  auto threads = args.integer("--threads", 1);
  if (!threads) return threads.status();
  if (*threads < 0 || *threads > 1024)
    return Status::invalidArgument("argument --threads: must be 0 (all cores) or a positive count. Received: " +
                                   std::to_string(*threads));
  analysis::RunControl c;
  c.threads = static_cast<int>(*threads);
  c.cancel = &interruptToken();
  return c;
}

Result<std::int64_t> rowForQuery(const AnalysisInput& in, const std::string& word) {
  if (in.vectors.tokens.empty())
    return Status::invalidArgument("the vectors file has no tokens: name the row with --row N instead of a word");
  for (std::size_t i = 0; i < in.vectors.tokens.size(); ++i)
    if (in.vectors.tokens[i] == word) return static_cast<std::int64_t>(i);
  return Status::dataError("word '" + word + "' is not in the vocabulary");
}

Result<std::int64_t> rowForIndex(const AnalysisInput& in, std::int64_t row) {
  if (row < 0 || row >= in.vectors.rows())
    return Status::outOfRange("row " + std::to_string(row) + " is outside [0, " + std::to_string(in.vectors.rows()) + ")");
  return row;
}

std::string tokenOf(const AnalysisInput& in, std::int64_t row) {
  if (row >= 0 && static_cast<std::size_t>(row) < in.vectors.tokens.size()) return in.vectors.tokens[static_cast<std::size_t>(row)];
  return "";
}

}  // namespace embedscope::cli
