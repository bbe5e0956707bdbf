// `embedscope analogy A B C`: "A is to B as C is to ?", ranked by cosine to B - A + C.
#include <cstdio>

#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/output.h"
#include "app/commands/analysis_common.h"
#include "engine/analysis/analogy.h"

namespace embedscope::cli {
namespace {

using namespace embedscope::analysis;

constexpr const char* kUsage =
    "usage: embedscope analogy --vectors PATH A B C [-k 10] [--include-reserved] [--threads N]\n\n"
    "Ranks words by cosine similarity to B - A + C (unit-normalised vectors, as gensim's\n"
    "most_similar), excluding A, B and C themselves, and prints rank<TAB>id<TAB>token<TAB>score\n"
    "lines like `embedscope neighbors`. A, B and C are tokens of the file.";

int run(const std::vector<std::string>& argv) {
  auto parsed = Args::parse(argv, {"--vectors", "-k", "--threads"}, {"--include-reserved"});
  if (!parsed) return fail(parsed.status());
  const Args& a = *parsed;
  const auto path = a.value("--vectors");
  if (!path) return fail(Status::invalidArgument("the following arguments are required: --vectors"));
  if (a.positionals().size() != 3)
    return fail(Status::invalidArgument("expected three words A B C. Received " + std::to_string(a.positionals().size())));
  auto k = a.integer("-k", 10);
  if (!k) return fail(k.status());
  if (*k < 1 || *k > 100000) return fail(Status::invalidArgument("argument -k: must be in [1, 100000]. Received: " + std::to_string(*k)));
  auto control = runControlFrom(a);
  if (!control) return fail(control.status());

  InterruptGuard guard;
  auto input = readAnalysisInput(*path, a.has("--include-reserved"));
  if (!input) return fail(input.status());
  std::int64_t rows[3];
  for (int i = 0; i < 3; ++i) {
    auto r = rowForQuery(*input, a.positionals()[static_cast<std::size_t>(i)]);
    if (!r) return fail(r.status());
    rows[i] = *r;
  }
  std::vector<std::int64_t> excluded;
  for (std::int64_t i = 0; i < input->rows.inputRows(); ++i)
    if (input->rows.kind[static_cast<std::size_t>(i)] == RowKind::Reserved) excluded.push_back(i);
  auto res = analogy(input->vectors.matrix, AnalogyQuery{rows[0], rows[1], rows[2]}, static_cast<int>(*k), excluded, *control);
  if (!res) return fail(res.status());
  int rank = 0;
  for (const auto& [row, score] : *res)
    std::printf("%d\t%lld\t%s\t%.6f\n", ++rank, static_cast<long long>(row), tokenOf(*input, row).c_str(), double(score));
  return 0;
}

const CommandRegistrar reg{{"analogy", "rank words by B - A + C (word analogies)", kUsage, &run}};

}  // namespace
}  // namespace embedscope::cli
