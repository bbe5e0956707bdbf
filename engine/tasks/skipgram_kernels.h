#pragma once
// The inner loop of skip-gram with negative sampling, for one (context word, targets) step:
//   for each target t (the centre word first, label 1, then the negatives, label 0):
//     f = in · out[t];  g = (label − σ(f)) · α;  acc += g · out[t];  out[t] += g · in
//   in += acc
// Rows are padded to a multiple of 16 floats (zeros in the padding stay zero), so with AVX-512 a
// row is NB whole registers: `in`, the accumulator and the target row live in registers across
// the targets, and each target costs one pass of loads, FMAs and stores over D. Without AVX-512
// the portable loop is vectorised by the compiler (-fopenmp-simd, -march at configure time).
// Private to the skip-gram trainer and its benchmark.
#include <cmath>
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace embedscope::skipgram_detail {

inline constexpr int kSigmoidTableSize = 1000;  // word2vec's EXP_TABLE_SIZE
inline constexpr float kMaxExp = 6.0f;          // word2vec's MAX_EXP

// σ over [-6, 6) in kSigmoidTableSize buckets (word2vec's table), plus a saturated entry at each
// end: index 0 is σ = 0 (f below −6), the last index σ = 1 (f at or above 6), so saturation needs
// no branch. The loss tables hold −log σ(f) and −log(1 − σ(f)) at the same indices.
struct SigmoidTables {
  float sigmoid[kSigmoidTableSize + 2];
  float lossPositive[kSigmoidTableSize + 2];
  float lossNegative[kSigmoidTableSize + 2];

  SigmoidTables() {
    for (int i = 0; i < kSigmoidTableSize; ++i) {
      const double e = std::exp((double(i) / kSigmoidTableSize * 2.0 - 1.0) * kMaxExp);
      const double s = e / (e + 1.0);
      sigmoid[i + 1] = static_cast<float>(s);
      lossPositive[i + 1] = static_cast<float>(-std::log(s));
      lossNegative[i + 1] = static_cast<float>(-std::log1p(-s));
    }
    const double edge = std::log1p(std::exp(-double(kMaxExp)));  // −log σ(−6) = 6 + edge: the loss at saturation
    sigmoid[0] = 0.0f;
    lossPositive[0] = static_cast<float>(kMaxExp + edge);
    lossNegative[0] = 0.0f;
    sigmoid[kSigmoidTableSize + 1] = 1.0f;
    lossPositive[kSigmoidTableSize + 1] = 0.0f;
    lossNegative[kSigmoidTableSize + 1] = static_cast<float>(kMaxExp + edge);
  }

  // NaN maps to index 0 (fmax returns the number); the trainer detects NaN separately.
  static int index(float f) {
    float x = (f + kMaxExp) * (kSigmoidTableSize / (2.0f * kMaxExp)) + 1.0f;
    x = std::fmax(x, 0.0f);
    x = std::fmin(x, float(kSigmoidTableSize + 1));
    return static_cast<int>(x);
  }
};

// The outcome of one step: the loss summed over its targets and the sum of the raw scores (a NaN
// or inf there means the tables have diverged).
struct StepStats {
  float loss = 0.0f;
  float scoreSum = 0.0f;
};

// Portable version for any padded width dp.
inline StepStats trainStepGeneric(float* __restrict in, float* __restrict syn1, std::int64_t dp,
                                  const std::int32_t* targets, int targetCount, float alpha,
                                  const SigmoidTables& tables, float* __restrict acc) {
  StepStats stats;
#pragma omp simd
  for (std::int64_t k = 0; k < dp; ++k) acc[k] = 0.0f;
  for (int j = 0; j < targetCount; ++j) {
    float* __restrict out = syn1 + static_cast<std::int64_t>(targets[j]) * dp;
    float f = 0.0f;
#pragma omp simd reduction(+ : f)
    for (std::int64_t k = 0; k < dp; ++k) f += in[k] * out[k];
    const int idx = SigmoidTables::index(f);
    const float label = j == 0 ? 1.0f : 0.0f;
    const float g = (label - tables.sigmoid[idx]) * alpha;
    stats.loss += j == 0 ? tables.lossPositive[idx] : tables.lossNegative[idx];
    stats.scoreSum += f;
#pragma omp simd
    for (std::int64_t k = 0; k < dp; ++k) {
      acc[k] += g * out[k];
      out[k] += g * in[k];
    }
  }
#pragma omp simd
  for (std::int64_t k = 0; k < dp; ++k) in[k] += acc[k];
  return stats;
}

#if defined(__AVX512F__)
// Horizontal sum in a fixed order, written with GCC vector shuffles: GCC 12's reduce and
// extract intrinsics trip -Wmaybe-uninitialized (their undefined pass-through operand).
inline float horizontalSum(__m512 v) {
  typedef float V16 __attribute__((vector_size(64)));
  typedef int I16 __attribute__((vector_size(64)));
  V16 x = reinterpret_cast<V16>(v);
  x += __builtin_shuffle(x, I16{8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7});
  x += __builtin_shuffle(x, I16{4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11});
  x += __builtin_shuffle(x, I16{2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13});
  x += __builtin_shuffle(x, I16{1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14});
  return x[0];
}

// Register-resident version: NB = dp / 16 blocks of 16 floats (rows 64-byte aligned).
template <int NB>
inline StepStats trainStepAvx512(float* __restrict in, float* __restrict syn1, const std::int32_t* targets,
                                 int targetCount, float alpha, const SigmoidTables& tables) {
  StepStats stats;
  __m512 vin[NB];
  __m512 vacc[NB];
  for (int k = 0; k < NB; ++k) {
    vin[k] = _mm512_load_ps(in + 16 * k);
    vacc[k] = _mm512_setzero_ps();
  }
  for (int j = 0; j < targetCount; ++j) {
    float* out = syn1 + static_cast<std::int64_t>(targets[j]) * (16 * NB);
    __m512 vout[NB];
    // Two partial sums halve the FMA dependency chain.
    __m512 s0 = _mm512_setzero_ps();
    __m512 s1 = _mm512_setzero_ps();
    for (int k = 0; k < NB; ++k) {
      vout[k] = _mm512_load_ps(out + 16 * k);
      if (k & 1) {
        s1 = _mm512_fmadd_ps(vin[k], vout[k], s1);
      } else {
        s0 = _mm512_fmadd_ps(vin[k], vout[k], s0);
      }
    }
    const float f = horizontalSum(_mm512_add_ps(s0, s1));
    const int idx = SigmoidTables::index(f);
    const float label = j == 0 ? 1.0f : 0.0f;
    const float g = (label - tables.sigmoid[idx]) * alpha;
    stats.loss += j == 0 ? tables.lossPositive[idx] : tables.lossNegative[idx];
    stats.scoreSum += f;
    const __m512 vg = _mm512_set1_ps(g);
    for (int k = 0; k < NB; ++k) {
      vacc[k] = _mm512_fmadd_ps(vg, vout[k], vacc[k]);
      _mm512_store_ps(out + 16 * k, _mm512_fmadd_ps(vg, vin[k], vout[k]));
    }
  }
  for (int k = 0; k < NB; ++k) _mm512_store_ps(in + 16 * k, _mm512_add_ps(vin[k], vacc[k]));
  return stats;
}
#endif

}  // namespace embedscope::skipgram_detail
