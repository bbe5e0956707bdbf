#pragma once
// What the benchmark suites share (bench_cpu.cpp, bench_vulkan.cpp): the shapes
// (vocabularies 100,000 x 128 and 1,000,000 x 64, batches of 4096 sequences x 32 ids), the seeded
// tables and ids, and the clock, so every suite measures the same thing the same way.
#include <chrono>
#include <cstdint>
#include <vector>

#include "app/commands/bench_registry.h"
#include "engine/core/matrix.h"
#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_config.h"

namespace embedscope::cli {

struct BenchShape {
  std::int64_t vocab, dim;
};

// {{10000, 32}} with --quick, else {{100000, 128}, {1000000, 64}}.
std::vector<BenchShape> benchShapes(const BenchOptions& o);
inline constexpr std::int64_t kBenchLength = 32;
// Sequences per batch: 4096 (256 with --quick); positions = rows x kBenchLength.
std::int64_t benchBatchRows(const BenchOptions& o);

// A v x d table uniform in [-0.05, 0.05) from Rng(seed).
Matrix uniformTable(std::int64_t v, std::int64_t d, std::uint64_t seed);
// n ids in [0, vocab): uniform, or Zipf(1.1) over a seeded permutation of the vocabulary
// (realistic reuse without sorted locality).
std::vector<std::int64_t> benchIds(std::int64_t n, std::int64_t vocab, bool zipf, std::uint64_t seed);
inline std::vector<std::int64_t> uniformIds(std::int64_t n, std::int64_t vocab, std::uint64_t seed) {
  return benchIds(n, vocab, false, seed);
}

// The skip-gram parts' run (cpu and vulkan suites alike): the `topics` preset (8,000 sentences with
// --quick), min_count 5, and fastText's defaults: dim 100, window 5, 5 negatives, lr 0.05, -t 1e-4,
// 5 epochs (1 with --quick). Threads and seed are the caller's.
struct SkipGramBenchSetup {
  data::TopicsPreset preset;
  data::TextCorpusOptions corpus;
  SkipGramConfig config;
};
SkipGramBenchSetup skipGramBenchSetup(const BenchOptions& o);

// Seconds on the options' clock: wall (steady_clock), or this thread's CPU time, which leaves
// out the time a shared machine gives to other processes (single-threaded measurements only).
double benchSeconds(BenchClock clock);
inline const char* benchClockName(BenchClock clock) { return clock == BenchClock::Thread ? "thread_cpu" : "wall"; }

// Median seconds of `repeats` timed calls after one warm-up call (page faults, first touch).
template <class F>
double timeMedian(const BenchOptions& o, F&& f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < o.repeats; ++i) {
    const double a = benchSeconds(o.clock);
    f();
    t.push_back(benchSeconds(o.clock) - a);
  }
  return medianOf(t);
}

}  // namespace embedscope::cli
