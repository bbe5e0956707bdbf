#include "engine/analysis/grid_convolution.h"

#include <fftw3.h>

#include <cstring>
#include <mutex>

namespace embedscope::analysis {

namespace {

// FFTW's planner is not thread-safe (executing a plan is): plans are made and destroyed under one
// lock, as several projections may start at once.
std::mutex& plannerMutex() {
  static std::mutex m;
  return m;
}

fftwf_plan planOf(void* p) { return static_cast<fftwf_plan>(p); }

}  // namespace

GridConvolution::GridConvolution(int n, int live, int grids)
    : m_n(n), m_live(live), m_grids(grids), m_specSize(std::size_t(n) * std::size_t(n / 2 + 1)) {
  const std::size_t cells = std::size_t(n) * std::size_t(n);
  const int nc = n / 2 + 1;
  m_real = fftwf_alloc_real(cells * std::size_t(grids));
  m_spectrum = fftwf_alloc_complex(m_specSize);
  m_kernel = fftwf_alloc_real(cells);
  m_kernelSpectrum = fftwf_alloc_real(m_specSize);
  std::memset(m_real, 0, cells * std::size_t(grids) * sizeof(float));
  std::memset(m_kernel, 0, cells * sizeof(float));
  auto* spec = static_cast<fftwf_complex*>(m_spectrum);
  std::lock_guard<std::mutex> lock(plannerMutex());
  // Grid 0's plans, executed on every grid in turn with fftwf_execute_dft_*: the grids are
  // allocated by FFTW and n x n floats apart, so they share grid 0's alignment. Grid by grid, one
  // grid and one spectrum stay in cache.
  m_kernelPlan = fftwf_plan_dft_r2c_2d(n, n, m_kernel, spec, FFTW_ESTIMATE);
  m_rows = fftwf_plan_many_dft_r2c(1, &n, live, m_real, nullptr, 1, n, spec, nullptr, 1, nc, FFTW_ESTIMATE);
  m_columns = fftwf_plan_many_dft(1, &n, nc, spec, nullptr, nc, 1, spec, nullptr, nc, 1, FFTW_FORWARD, FFTW_ESTIMATE);
  m_columnsBack = fftwf_plan_many_dft(1, &n, nc, spec, nullptr, nc, 1, spec, nullptr, nc, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
  m_rowsBack = fftwf_plan_many_dft_c2r(1, &n, live, spec, nullptr, 1, nc, m_real, nullptr, 1, n, FFTW_ESTIMATE);
}

GridConvolution::~GridConvolution() {
  {
    std::lock_guard<std::mutex> lock(plannerMutex());
    for (void* p : {m_kernelPlan, m_rows, m_columns, m_columnsBack, m_rowsBack}) fftwf_destroy_plan(planOf(p));
  }
  fftwf_free(m_real);
  fftwf_free(m_spectrum);
  fftwf_free(m_kernel);
  fftwf_free(m_kernelSpectrum);
}

float* GridConvolution::grid(int g) { return m_real + std::size_t(g) * std::size_t(m_n) * std::size_t(m_n); }

void GridConvolution::setKernel() {
  auto* spec = static_cast<fftwf_complex*>(m_spectrum);
  fftwf_execute(planOf(m_kernelPlan));
  for (std::size_t k = 0; k < m_specSize; ++k) m_kernelSpectrum[k] = spec[k][0];  // even kernel: real spectrum
}

void GridConvolution::convolve() {
  auto* spec = static_cast<fftwf_complex*>(m_spectrum);
  const std::size_t nc = std::size_t(m_n / 2 + 1);
  for (int g = 0; g < m_grids; ++g) {
    // The rows past `live` are zero: their transforms are zero.
    std::memset(spec + std::size_t(m_live) * nc, 0, (std::size_t(m_n) - std::size_t(m_live)) * nc * sizeof(fftwf_complex));
    fftwf_execute_dft_r2c(planOf(m_rows), grid(g), spec);
    fftwf_execute_dft(planOf(m_columns), spec, spec);
    for (std::size_t k = 0; k < m_specSize; ++k) {
      spec[k][0] *= m_kernelSpectrum[k];
      spec[k][1] *= m_kernelSpectrum[k];
    }
    fftwf_execute_dft(planOf(m_columnsBack), spec, spec);
    fftwf_execute_dft_c2r(planOf(m_rowsBack), spec, grid(g));
  }
}

}  // namespace embedscope::analysis
