// `embedscope neighbors`: a row's nearest neighbours in the original space, exact (blocked matrix
// products) or approximate (HNSW), printed as rank<TAB>id<TAB>token<TAB>score lines.
#include <algorithm>
#include <cstdio>

#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/output.h"
#include "app/commands/analysis_common.h"
#include "engine/analysis/hnsw_index.h"
#include "engine/analysis/knn.h"

namespace embedscope::cli {
namespace {

using namespace embedscope::analysis;

constexpr const char* kUsage =
    "usage: embedscope neighbors --vectors PATH (--query WORD | --row N) [-k 10]\n"
    "                            [--metric cosine|euclidean|dot] [--exact | --approximate]\n"
    "                            [--include-reserved] [--threads N]\n\n"
    "Prints the k nearest rows to the query, best first, as rank<TAB>id<TAB>token<TAB>score lines\n"
    "(rank from 1; id is the row number; token is empty when the file has none; score is the cosine\n"
    "similarity, the euclidean distance or the dot product). The query row itself is never listed,\n"
    "nor padding/OOV rows the file declares unless --include-reserved. --exact (default) is a\n"
    "blocked brute-force search; --approximate builds an HNSW index (M 16, ef 200, seed 100).";

int run(const std::vector<std::string>& argv) {
  auto parsed = Args::parse(argv, {"--vectors", "--query", "--row", "-k", "--metric", "--threads"},
                            {"--exact", "--approximate", "--include-reserved"});
  if (!parsed) return fail(parsed.status());
  const Args& a = *parsed;
  if (!a.positionals().empty()) return fail(Status::invalidArgument("unrecognized argument: " + a.positionals().front()));
  const auto path = a.value("--vectors");
  if (!path) return fail(Status::invalidArgument("the following arguments are required: --vectors"));
  if (a.has("--query") == a.has("--row"))
    return fail(Status::invalidArgument("one of the arguments --query --row is required (and not both)"));
  if (a.has("--exact") && a.has("--approximate"))
    return fail(Status::invalidArgument("argument --approximate: not allowed with argument --exact"));
  auto k = a.integer("-k", 10);
  if (!k) return fail(k.status());
  if (*k < 1 || *k > 100000) return fail(Status::invalidArgument("argument -k: must be in [1, 100000]. Received: " + std::to_string(*k)));
  auto metric = parseMetric(a.valueOr("--metric", "cosine"));
  if (!metric) return fail(Status::invalidArgument("argument --metric: invalid choice: '" + a.valueOr("--metric", "") +
                                                   "' (choose from cosine, euclidean, dot)"));
  auto rowArg = a.integer("--row", 0);
  if (!rowArg) return fail(rowArg.status());
  auto control = runControlFrom(a);
  if (!control) return fail(control.status());

  InterruptGuard guard;
  auto input = readAnalysisInput(*path, a.has("--include-reserved"));
  if (!input) return fail(input.status());
  auto row = a.has("--query") ? rowForQuery(*input, *a.value("--query")) : rowForIndex(*input, *rowArg);
  if (!row) return fail(row.status());
  const Matrix& table = input->vectors.matrix;
  if (!rowIsFinite(table, *row)) return fail(Status::dataError("row " + std::to_string(*row) + " holds NaN or infinity"));
  if (*metric == Metric::Cosine && table.row(*row).squaredNorm() == 0.f)
    return fail(Status::dataError("row " + std::to_string(*row) + " is all zeros: cosine similarity is undefined for it"));

  // Candidates: every row except the query, reserved rows (unless included) and non-finite rows.
  std::vector<std::int64_t> excluded{*row};
  for (std::int64_t i = 0; i < input->rows.inputRows(); ++i)
    if (input->rows.kind[static_cast<std::size_t>(i)] == RowKind::Reserved) excluded.push_back(i);
  const Matrix query = table.row(*row);
  KnnGraph g;
  if (a.has("--approximate")) {
    HnswOptions ho;
    ho.metric = *metric;
    auto idx = HnswIndex::build(table, ho, *control);
    if (!idx) return fail(idx.status());
    const int want = static_cast<int>(*k) + static_cast<int>(excluded.size());
    auto q = idx->query(query, want, *control);
    if (!q) return fail(q.status());
    g.queries = 1;
    g.k = static_cast<int>(*k);
    for (int i = 0; i < q->k && static_cast<int>(g.indices.size()) < g.k; ++i) {
      const std::int64_t r = q->neighbours(0)[i];
      if (r < 0 || std::find(excluded.begin(), excluded.end(), r) != excluded.end()) continue;
      g.indices.push_back(r);
      g.scores.push_back(q->neighbourScores(0)[i]);
    }
  } else {
    auto q = exactKnn(table, query, static_cast<int>(*k), *metric, *control, {excluded});
    if (!q) return fail(q.status());
    g = std::move(*q);
  }
  int rank = 0;
  for (std::size_t i = 0; i < g.indices.size(); ++i) {
    if (g.indices[i] < 0) continue;
    std::printf("%d\t%lld\t%s\t%.6f\n", ++rank, static_cast<long long>(g.indices[i]), tokenOf(*input, g.indices[i]).c_str(),
                double(g.scores[i]));
  }
  return 0;
}

const CommandRegistrar reg{{"neighbors", "a row's nearest neighbours in the original space (exact or HNSW)", kUsage, &run}};

}  // namespace
}  // namespace embedscope::cli
