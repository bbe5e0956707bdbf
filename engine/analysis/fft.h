#pragma once
// A small 2-D FFT for the t-SNE interpolation grid (power-of-two side), so the engine needs no FFT
// library. The grid is stored as separate real and imaginary planes and every butterfly runs along
// whole rows, so the inner loops are contiguous and vectorise; the second axis is done after a
// blocked transpose, and the spectrum is left transposed (a convolution with a symmetric kernel,
// whose spectrum is transposed the same way, does not care).
#include <cstdint>
#include <vector>

namespace embedscope::analysis {

class Fft2d {
 public:
  explicit Fft2d(int n);  // n must be a power of two
  int size() const { return m_n; }

  // Forward DFT (exp(-2 pi i jk / n)) of an n x n grid whose non-zero values all lie in the
  // top-left live x live block; the spectrum is left transposed.
  void forward(float* re, float* im, int live, int threads) const;
  // Unscaled inverse of forward(): takes the transposed spectrum, returns the grid in normal
  // layout, exact only in the top-left live x live block (the rest is not computed).
  void inverse(float* re, float* im, int live, int threads) const;

 private:
  void axis0(float* re, float* im, int cols, bool inverse, int threads) const;
  void transpose(float* plane, int threads) const;
  int m_n;
  std::vector<int> m_reverse;
  std::vector<float> m_twRe, m_twIm;  // stage with half-length h uses entries [h, 2h)
};

}  // namespace embedscope::analysis
