// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/fft.h"

#include <cassert>
#include <cmath>

#include "engine/analysis/run_control.h"

namespace embedscope::analysis {

Fft::Fft(int n) : m_n(n) {
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
  m_twiddle.resize(static_cast<std::size_t>(std::max(1, n / 2)));
  for (int k = 0; k < n / 2; ++k) {
    const double a = -2.0 * 3.14159265358979323846 * k / n;
    m_twiddle[static_cast<std::size_t>(k)] = {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  }
}

void Fft::run(std::complex<float>* data, bool inverse) const {
  const int n = m_n;
  for (int i = 0; i < n; ++i) {
    const int r = m_reverse[static_cast<std::size_t>(i)];
    if (i < r) std::swap(data[i], data[r]);
  }
  // Plain float arithmetic on (re, im) pairs: std::complex multiplication's NaN checks would
  // stop the compiler from vectorising.
  float* d = reinterpret_cast<float*>(data);
  const float* tw = reinterpret_cast<const float*>(m_twiddle.data());
  const float sign = inverse ? -1.f : 1.f;
  for (int len = 2; len <= n; len <<= 1) {
    const int half = len >> 1, step = n / len;
    for (int i = 0; i < n; i += len) {
      for (int j = 0; j < half; ++j) {
        const float wr = tw[2 * j * step], wi = sign * tw[2 * j * step + 1];
        float* a = d + 2 * (i + j);
        float* b = d + 2 * (i + j + half);
        const float br = b[0] * wr - b[1] * wi, bi = b[0] * wi + b[1] * wr;
        b[0] = a[0] - br;
        b[1] = a[1] - bi;
        a[0] += br;
        a[1] += bi;
      }
    }
  }
}

void fft2d(const Fft& fft, std::vector<std::complex<float>>& grid, bool inverse, int liveRows, int threads) {
  const int n = fft.size();
  auto rows = [&](int count) {
    parallelFor(count, threads, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t r = b; r < e; ++r) {
        if (inverse) fft.inverse(grid.data() + r * n);
        else fft.forward(grid.data() + r * n);
      }
    });
  };
  auto cols = [&]() {
    parallelFor(n, threads, [&](std::int64_t b, std::int64_t e, int) {
      std::vector<std::complex<float>> col(static_cast<std::size_t>(n));
      for (std::int64_t c = b; c < e; ++c) {
        for (int r = 0; r < n; ++r) col[static_cast<std::size_t>(r)] = grid[static_cast<std::size_t>(r) * n + c];
        if (inverse) fft.inverse(col.data());
        else fft.forward(col.data());
        for (int r = 0; r < n; ++r) grid[static_cast<std::size_t>(r) * n + c] = col[static_cast<std::size_t>(r)];
      }
    });
  };
  if (!inverse) {
    rows(liveRows);  // rows past liveRows are zero and stay zero
    cols();
  } else {
    cols();
    rows(liveRows);  // only these rows of the result are read
  }
}

}  // namespace embedscope::analysis
