#pragma once
// Circular convolution of several real n x n grids with one real, even kernel, by FFT: the
// t-SNE interpolation grid's repulsion (FIt-SNE's scheme). The transforms are Debian's FFTW
// (single precision), which FIt-SNE itself uses.
//
// Only the top-left live x live block of a grid holds charges, and only that block of the result
// is read: rows past `live` are not transformed along the rows, forward or back (the columns are
// transformed whole), which saves about a quarter of the work.
//
// Plans are made with FFTW_ESTIMATE, which picks the same algorithm every time, so results are
// bit-reproducible. FFTW_MEASURE times candidates and may pick another algorithm run to run (which
// rounds differently); measured plans fixed at build time as wisdom were tried, and were slower in
// the t-SNE loop (8.4-8.7 s against 6.9-7.6 s at 5,000 points) than in a loop of transforms alone.
#include <cstddef>

namespace embedscope::analysis {

class GridConvolution {
 public:
  // `grids` real grids of side n whose charges and results lie in the top-left live x live block;
  // convolve() works on up to `threads` grids at once.
  GridConvolution(int n, int live, int grids, int threads = 1);
  ~GridConvolution();
  GridConvolution(const GridConvolution&) = delete;
  GridConvolution& operator=(const GridConvolution&) = delete;

  int size() const { return m_n; }
  int live() const { return m_live; }
  // Grid g, n x n row-major: write the input (zero outside the live block), read the result's live
  // block after convolve() (the rest of the grid is left undefined).
  float* grid(int g);
  // The kernel, n x n row-major, circulantly embedded (offset (a, b) at ((a mod n), (b mod n))).
  // setKernel() transforms what was written here and keeps its spectrum (real for an even kernel).
  float* kernel() { return m_kernel; }
  void setKernel();
  // Every grid <- grid (*) kernel on the live block, unscaled (multiply by 1 / n^2). The grids are
  // independent: with threads > 1 they are shared out (the same arithmetic, the same result).
  void convolve();

 private:
  int m_n, m_live, m_grids, m_threads;
  std::size_t m_specSize;             // complex entries of one spectrum: n * (n / 2 + 1)
  // Strides between grids and between spectra, rounded up to 64 bytes: fftwf_execute_dft_* wants
  // every array aligned as the planned one.
  std::size_t m_gridStride, m_specStride;
  float* m_real = nullptr;            // grids x n x n
  void* m_spectrum = nullptr;         // one spectrum (fftwf_complex) a thread, reused grid by grid
  float* m_kernel = nullptr;          // n x n
  float* m_kernelSpectrum = nullptr;  // real part of the kernel's spectrum
  void* m_kernelPlan = nullptr;       // fftwf_plan: the kernel's 2-D r2c into m_spectrum
  void* m_rows = nullptr;             // r2c of the live rows of grid 0 into the spectrum's rows
  void* m_columns = nullptr;          // c2c of every spectrum column, forward
  void* m_columnsBack = nullptr;      // and back
  void* m_rowsBack = nullptr;         // c2r of the spectrum's live rows into grid 0's rows
};

}  // namespace embedscope::analysis
