// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/fft.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "engine/analysis/run_control.h"

namespace embedscope::analysis {

Fft2d::Fft2d(int n) : m_n(n) {
  assert(n > 0 && (n & (n - 1)) == 0);
  int bits = 0;
  while ((1 << bits) < n) ++bits;
  m_reverse.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b)
      if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    m_reverse[static_cast<std::size_t>(i)] = r;
  }
  m_twRe.assign(static_cast<std::size_t>(std::max(2, n)), 0.f);
  m_twIm.assign(static_cast<std::size_t>(std::max(2, n)), 0.f);
  for (int h = 1; h < n; h <<= 1)
    for (int j = 0; j < h; ++j) {
      const double a = -3.14159265358979323846 * j / h;
      m_twRe[static_cast<std::size_t>(h + j)] = static_cast<float>(std::cos(a));
      m_twIm[static_cast<std::size_t>(h + j)] = static_cast<float>(std::sin(a));
    }
}

void Fft2d::axis0(float* re, float* im, int cols, bool inverse, int threads) const {
  const int n = m_n;
  const std::size_t L = static_cast<std::size_t>(n);
  // Columns are independent: split them between threads in 64-float strips.
  const int strips = (cols + 63) / 64;
  parallelFor(strips, threads, [&](std::int64_t s0, std::int64_t s1, int) {
    const std::size_t c0 = static_cast<std::size_t>(s0) * 64, c1 = std::min<std::size_t>(static_cast<std::size_t>(cols), static_cast<std::size_t>(s1) * 64);
    const std::size_t w = c1 - c0;
    for (int i = 0; i < n; ++i) {
      const int r = m_reverse[static_cast<std::size_t>(i)];
      if (i < r) {
        std::swap_ranges(re + i * L + c0, re + i * L + c1, re + r * L + c0);
        std::swap_ranges(im + i * L + c0, im + i * L + c1, im + r * L + c0);
      }
    }
    const float sign = inverse ? -1.f : 1.f;
    for (int h = 1; h < n; h <<= 1) {
      for (int i = 0; i < n; i += 2 * h) {
        for (int j = 0; j < h; ++j) {
          const float wr = m_twRe[static_cast<std::size_t>(h + j)], wi = sign * m_twIm[static_cast<std::size_t>(h + j)];
          float* __restrict ar = re + static_cast<std::size_t>(i + j) * L + c0;
          float* __restrict ai = im + static_cast<std::size_t>(i + j) * L + c0;
          float* __restrict br = re + static_cast<std::size_t>(i + j + h) * L + c0;
          float* __restrict bi = im + static_cast<std::size_t>(i + j + h) * L + c0;
          for (std::size_t c = 0; c < w; ++c) {
            const float tr = br[c] * wr - bi[c] * wi, ti = br[c] * wi + bi[c] * wr;
            br[c] = ar[c] - tr;
            bi[c] = ai[c] - ti;
            ar[c] += tr;
            ai[c] += ti;
          }
        }
      }
    }
  });
}

void Fft2d::transpose(float* p, int threads) const {
  const int n = m_n;
  constexpr int kB = 32;
  const int blocks = (n + kB - 1) / kB;
  parallelFor(blocks, threads, [&](std::int64_t b0, std::int64_t b1, int) {
    for (std::int64_t bi = b0; bi < b1; ++bi)
      for (int bj = static_cast<int>(bi); bj < blocks; ++bj)
        for (int i = static_cast<int>(bi) * kB; i < std::min(n, static_cast<int>(bi + 1) * kB); ++i)
          for (int j = (bj == bi ? i + 1 : bj * kB); j < std::min(n, (bj + 1) * kB); ++j)
            std::swap(p[static_cast<std::size_t>(i) * n + j], p[static_cast<std::size_t>(j) * n + i]);
  });
}

void Fft2d::forward(float* re, float* im, int live, int threads) const {
  axis0(re, im, live, false, threads);  // columns past `live` are zero and stay zero
  transpose(re, threads);
  transpose(im, threads);
  axis0(re, im, m_n, false, threads);
}

void Fft2d::inverse(float* re, float* im, int live, int threads) const {
  axis0(re, im, m_n, true, threads);
  transpose(re, threads);
  transpose(im, threads);
  axis0(re, im, live, true, threads);  // only the first `live` columns are read
}

}  // namespace embedscope::analysis
