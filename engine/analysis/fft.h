#pragma once
// A small in-place complex FFT for the t-SNE interpolation grid (powers of two only), so the
// engine needs no FFT library. Forward uses exp(-2 pi i jk / n); inverse is unscaled.
#include <complex>
#include <cstdint>
#include <vector>

namespace embedscope::analysis {

class Fft {
 public:
  explicit Fft(int n);  // n must be a power of two
  int size() const { return m_n; }
  void forward(std::complex<float>* data) const { run(data, false); }
  void inverse(std::complex<float>* data) const { run(data, true); }

 private:
  void run(std::complex<float>* data, bool inverse) const;
  int m_n;
  std::vector<int> m_reverse;
  std::vector<std::complex<float>> m_twiddle;  // exp(-2 pi i k / n), k < n/2
};

// 2-D transform of an n x n row-major grid. Only the first `liveRows` rows of the input may be
// non-zero on forward (the rest are skipped), and only the first `liveRows` rows of the output are
// needed on inverse, which saves a quarter of the work for zero-padded convolutions.
void fft2d(const Fft& fft, std::vector<std::complex<float>>& grid, bool inverse, int liveRows, int threads);

}  // namespace embedscope::analysis
