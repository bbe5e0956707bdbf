#include "engine/analysis/grid_convolution.h"

#include <fftw3.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "engine/analysis/run_control.h"

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

GridConvolution::GridConvolution(int n, int live, int grids, int threads)
    : m_n(n),
      m_live(live),
      m_grids(grids),
      m_threads(std::max(1, std::min(threads, grids))),
      m_specSize(std::size_t(n) * std::size_t(n / 2 + 1)),
      m_gridStride((std::size_t(n) * std::size_t(n) + 15) / 16 * 16),
      m_specStride((m_specSize + 7) / 8 * 8) {
  const std::size_t cells = std::size_t(n) * std::size_t(n);
  const int nc = n / 2 + 1;
  m_real = fftwf_alloc_real(m_gridStride * std::size_t(grids));
  m_spectrum = fftwf_alloc_complex(m_specStride * std::size_t(m_threads));
  m_kernel = fftwf_alloc_real(cells);
  m_kernelSpectrum = fftwf_alloc_real(m_specSize);
  std::memset(m_real, 0, m_gridStride * std::size_t(grids) * sizeof(float));
  std::memset(m_kernel, 0, cells * sizeof(float));
  auto* spec = static_cast<fftwf_complex*>(m_spectrum);
  std::lock_guard<std::mutex> lock(plannerMutex());
  // Grid 0's plans, executed on every grid with fftwf_execute_dft_* (thread-safe, unlike planning):
  // the grids and the spectra are allocated by FFTW and 64-byte multiples apart (m_gridStride,
  // m_specStride), so they share grid 0's and spectrum 0's alignment. Grid by grid, one grid and one spectrum stay in cache.
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

float* GridConvolution::grid(int g) { return m_real + std::size_t(g) * m_gridStride; }

void GridConvolution::setKernel() {
  auto* spec = static_cast<fftwf_complex*>(m_spectrum);
  fftwf_execute(planOf(m_kernelPlan));
  for (std::size_t k = 0; k < m_specSize; ++k) m_kernelSpectrum[k] = spec[k][0];  // even kernel: real spectrum
}

void GridConvolution::convolve() {
  const std::size_t nc = std::size_t(m_n / 2 + 1);
  parallelFor(m_grids, m_threads, [&](std::int64_t g0, std::int64_t g1, int worker) {
    auto* spec = static_cast<fftwf_complex*>(m_spectrum) + std::size_t(worker) * m_specStride;
    for (std::int64_t g = g0; g < g1; ++g) {
      // The rows past `live` are zero: their transforms are zero.
      std::memset(spec + std::size_t(m_live) * nc, 0,
                  (std::size_t(m_n) - std::size_t(m_live)) * nc * sizeof(fftwf_complex));
      fftwf_execute_dft_r2c(planOf(m_rows), grid(int(g)), spec);
      fftwf_execute_dft(planOf(m_columns), spec, spec);
      for (std::size_t k = 0; k < m_specSize; ++k) {
        spec[k][0] *= m_kernelSpectrum[k];
        spec[k][1] *= m_kernelSpectrum[k];
      }
      fftwf_execute_dft(planOf(m_columnsBack), spec, spec);
      fftwf_execute_dft_c2r(planOf(m_rowsBack), spec, grid(int(g)));
    }
  });
}

}  // namespace embedscope::analysis
