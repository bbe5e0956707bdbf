#include "app/commands/bench_common.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <numeric>

#include "engine/core/rng.h"

namespace embedscope::cli {

std::vector<BenchShape> benchShapes(const BenchOptions& o) {
  if (o.quick) return {{10000, 32}};
  return {{100000, 128}, {1000000, 64}};
}

SkipGramBenchSetup skipGramBenchSetup(const BenchOptions& o) {
  SkipGramBenchSetup s;
  data::TopicsPresetOptions po;
  if (o.quick) po.sentences = 8000;
  s.preset = data::generateTopicsPreset(po);
  s.corpus.vocabulary.minCount = 5;
  s.config.outputDim = 100;
  s.config.window = 5;
  s.config.negative = 5;
  s.config.epochs = o.quick ? 1 : 5;
  s.config.learningRate = 0.05;
  s.config.sample = 1e-4;
  return s;
}

std::int64_t benchBatchRows(const BenchOptions& o) { return o.quick ? 256 : 4096; }

Matrix uniformTable(std::int64_t v, std::int64_t d, std::uint64_t seed) {
  Rng rng(seed);
  Matrix t(v, d);
  for (Eigen::Index i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(-0.05f, 0.05f);
  return t;
}

std::vector<std::int64_t> benchIds(std::int64_t n, std::int64_t vocab, bool zipf, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  if (!zipf) {
    for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(vocab)));
    return ids;
  }
  std::vector<double> cdf(static_cast<std::size_t>(vocab));
  double total = 0;
  for (std::int64_t r = 0; r < vocab; ++r) cdf[static_cast<std::size_t>(r)] = total += std::pow(double(r + 1), -1.1);
  std::vector<std::int64_t> perm(static_cast<std::size_t>(vocab));
  std::iota(perm.begin(), perm.end(), 0);
  for (std::int64_t i = vocab - 1; i > 0; --i)
    std::swap(perm[static_cast<std::size_t>(i)], perm[rng.below(static_cast<std::uint64_t>(i + 1))]);
  for (auto& id : ids) {
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), rng.uniform01() * total);
    id = perm[static_cast<std::size_t>(std::min<std::ptrdiff_t>(it - cdf.begin(), vocab - 1))];
  }
  return ids;
}

double benchSeconds(BenchClock clock) {
  if (clock == BenchClock::Thread) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace embedscope::cli
