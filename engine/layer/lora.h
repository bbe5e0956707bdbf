#pragma once
// LoRA as Keras's Embedding.enable_lora: A (V, rank) he_uniform (fan_in = V), B (rank, D) zeros,
// the base table frozen, effective table E + (alpha/rank) A B; on save the delta is merged.
#include <cstdint>
#include <span>

#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/layer_config.h"

namespace embedscope {

struct LoraWeights {
  Matrix a;           // (V, rank)
  Matrix b;           // (rank, D)
  double scale = 1.0; // alpha / rank
  std::int64_t rank() const { return a.cols(); }
};

// A from he_uniform with Rng::stream(config.seed, kLoraStream), B zeros. config must validate and
// have loraRank set.
inline constexpr std::uint64_t kLoraStream = 0x10AA;
Result<LoraWeights> initializeLora(const LayerConfig& config);

// E + scale * A B, the table Keras saves.
Matrix mergeLora(const Matrix& base, const LoraWeights& lora);

// out[i, :] = base[ids[i], :] + scale * A[ids[i], :] B for validated ids.
void gatherLoraRows(const Matrix& base, const LoraWeights& lora, std::span<const std::int64_t> ids, float* out);

// From the gradient with respect to the effective rows: dA (row-sparse over the same rows,
// scale * dEff Bᵀ) and dB (dense, scale * Σ_k A[k]ᵀ dEff[k]).
struct LoraGrad {
  SparseRowGrad a;
  Matrix b;
};
LoraGrad loraBackward(const SparseRowGrad& dEffective, const LoraWeights& lora);

}  // namespace embedscope
