#pragma once
// Splits [0, n) into `threads` contiguous blocks and runs fn(begin, end) on each, the first on the
// calling thread. Blocks are fixed by n and threads only, so per-block work is deterministic; a
// caller that reduces must combine per-block results in block order.
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace embedscope {

template <class Fn>
void parallelFor(std::int64_t n, int threads, Fn&& fn) {
  const std::int64_t t = std::max<std::int64_t>(1, std::min<std::int64_t>(threads, n / 64 > 0 ? n / 64 : 1));
  if (t <= 1) {
    if (n > 0) fn(std::int64_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(t - 1));
  const std::int64_t chunk = (n + t - 1) / t;
  for (std::int64_t k = 1; k < t; ++k) {
    const std::int64_t b = k * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(std::int64_t{0}, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

}  // namespace embedscope
