// GCC 12 with -march=native reports false (maybe-)uninitialized warnings inside Eigen's AVX-512 matrix-product
// kernels (a known GCC/Eigen issue). The location it names is in the intrinsics headers, so the
// pragma must come before any include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "engine/layer/lora.h"

#include <cassert>
#include <cstring>

#include "engine/core/rng.h"
#include "engine/layer/initializers.h"

namespace embedscope {

Result<LoraWeights> initializeLora(const LayerConfig& config) {
  EMBEDSCOPE_TRY(validateLayerConfig(config));
  if (!config.loraRank) return Status::invalidArgument("LoRA is not enabled on layer " + config.name);
  const std::int64_t rank = *config.loraRank;
  LoraWeights w;
  // he_uniform on (V, rank): fan_in = V, limit sqrt(6 / V); drawn from its own stream so enabling
  // LoRA does not change the base table.
  Rng seedGen = Rng::stream(config.seed, kLoraStream);
  auto a = initializeMatrix(initializerSpec("he_uniform"), config.inputDim, rank, seedGen.next());
  if (!a) return a.status();
  w.a = std::move(*a);
  w.b = Matrix::Zero(rank, config.outputDim);
  w.scale = config.loraScale();
  return w;
}

Matrix mergeLora(const Matrix& base, const LoraWeights& lora) {
  Matrix out = base;
  out.noalias() += static_cast<float>(lora.scale) * (lora.a * lora.b);
  return out;
}

void gatherLoraRows(const Matrix& base, const LoraWeights& lora, std::span<const std::int64_t> ids, float* out) {
  const Eigen::Index d = base.cols();
  const auto s = static_cast<float>(lora.scale);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::int64_t id = ids[i];
    assert(id >= 0 && id < base.rows());
    Eigen::Map<Eigen::RowVectorXf> o(out + static_cast<Eigen::Index>(i) * d, d);
    o = base.row(id) + s * (lora.a.row(id) * lora.b);
  }
}

LoraGrad loraBackward(const SparseRowGrad& dEff, const LoraWeights& lora) {
  LoraGrad g;
  const auto s = static_cast<float>(lora.scale);
  g.a.inputDim = dEff.inputDim;
  g.a.outputDim = lora.rank();
  g.a.rows = dEff.rows;
  // dA[k] = s * dEff[k] B^T ; dB = s * sum_k A[k]^T dEff[k]
  g.a.values = s * (dEff.values * lora.b.transpose());
  Matrix aRows(static_cast<Eigen::Index>(dEff.rows.size()), lora.rank());
  for (std::size_t k = 0; k < dEff.rows.size(); ++k) aRows.row(static_cast<Eigen::Index>(k)) = lora.a.row(dEff.rows[k]);
  g.b = s * (aRows.transpose() * dEff.values);
  return g;
}

}  // namespace embedscope
