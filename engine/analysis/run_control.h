#pragma once
// How a caller (the CLI, a UI worker thread, a test) steers a long analysis job: how many threads
// it may use, a cancel token it may set from any thread, and a progress callback. Every analysis
// function takes one; the default runs on the calling thread alone, which is also the mode that is
// bit-reproducible for a seed.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/cancel_token.h"

namespace embedscope::analysis {

struct Progress {
  std::string stage;     // "neighbours", "affinities", "optimise", ...
  double fraction = 0;   // of the whole job, in [0, 1]
  int iteration = 0;     // for iterative methods (t-SNE, UMAP epochs); 0 otherwise
};

struct RunControl {
  // 1 = the calling thread only (deterministic for a seed); 0 = every hardware thread.
  int threads = 1;
  // Checked between blocks of work; a cancelled job returns Status::cancelled().
  const CancelToken* cancel = nullptr;
  // Called on the worker thread, at most every few percent of the job; must be cheap and must not
  // block (post the value to the GUI thread, do not redraw from here).
  std::function<void(const Progress&)> progress;

  bool cancelled() const { return cancel && cancel->isCancelled(); }
  int threadCount() const {
    if (threads > 0) return threads;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? static_cast<int>(hw) : 1;
  }
  void report(const std::string& stage, double fraction, int iteration = 0) const {
    if (progress) progress(Progress{stage, std::clamp(fraction, 0.0, 1.0), iteration});
  }
};

// Runs fn(begin, end, worker) over [0, n) split into `threads` contiguous chunks (the calling
// thread takes the first). Chunks are static, so a given thread count always splits the same way.
template <class Fn>
void parallelFor(std::int64_t n, int threads, Fn&& fn) {
  if (n <= 0) return;
  threads = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(threads, n)));
  if (threads == 1) {
    fn(std::int64_t{0}, n, 0);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  const std::int64_t chunk = (n + threads - 1) / threads;
  for (int t = 1; t < threads; ++t) {
    const std::int64_t b = std::min(n, t * chunk), e = std::min(n, (t + 1) * chunk);
    if (b >= e) break;
    pool.emplace_back([&fn, b, e, t] { fn(b, e, t); });
  }
  fn(std::int64_t{0}, std::min(n, chunk), 0);
  for (auto& th : pool) th.join();
}

}  // namespace embedscope::analysis
