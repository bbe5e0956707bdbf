#include "engine/compute/cpu/cpu_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/core/huge_pages.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/regularizers.h"

namespace embedscope::compute {

Result<std::unique_ptr<Backend>> createCpuBackend(BackendSetup setup) {
  auto b = cpu::CpuBackend::create(std::move(setup));
  if (!b) return b.status();
  return std::unique_ptr<Backend>(std::move(b).value());
}

}  // namespace embedscope::compute

namespace embedscope::compute::cpu {

Result<std::unique_ptr<CpuBackend>> CpuBackend::create(BackendSetup setup) {
  if (setup.table.rows() != setup.layer.inputDim || setup.table.cols() != setup.layer.outputDim)
    return Status::invalidArgument("the initial table is " + std::to_string(setup.table.rows()) + " x " +
                                   std::to_string(setup.table.cols()) + ", the layer wants " +
                                   std::to_string(setup.layer.inputDim) + " x " + std::to_string(setup.layer.outputDim));
  if (setup.layer.loraEnabled() != setup.lora.has_value())
    return Status::invalidArgument("LoRA weights must be given exactly when lora_rank is set");
  setup.optimizer.threads = std::max(1, setup.threads);
  auto opt = Optimizer::create(setup.optimizer);
  if (!opt) return opt.status();
  return std::unique_ptr<CpuBackend>(new CpuBackend(std::move(setup), std::move(opt).value()));
}

CpuBackend::CpuBackend(BackendSetup setup, std::unique_ptr<Optimizer> optimizer)
    : m_layer(std::move(setup.layer)),
      m_table(std::move(setup.table)),
      m_lora(std::move(setup.lora)),
      m_optimizer(std::move(optimizer)),
      m_pool(std::max(1, setup.threads)) {
  // Every step looks up random rows of the table: huge pages spare a TLB miss per row.
  adviseHugePages(m_table.data(), static_cast<std::size_t>(m_table.size()) * sizeof(float));
  if (m_lora) {
    // Keras's enable_lora: the base is frozen; only A and B are the optimizer's variables.
    m_loraAVariable = m_optimizer->addVariable("lora_a", m_lora->a.rows(), m_lora->a.cols());
    m_loraBVariable = m_optimizer->addVariable("lora_b", m_lora->b.rows(), m_lora->b.cols());
  } else {
    m_tableVariable = m_optimizer->addVariable("embeddings", m_table.rows(), m_table.cols(), m_layer.embeddingsConstraint);
  }
}

BackendInfo CpuBackend::info() const {
  BackendInfo i;
  i.engine = "cpu";
  i.threads = m_pool.threadCount();
  i.device = "CPU (" + std::to_string(i.threads) + (i.threads == 1 ? " thread)" : " threads)");
  return i;
}

Status CpuBackend::readTable(Matrix& out) const {
  out = m_lora ? mergeLora(m_table, *m_lora) : m_table;
  return Status::ok();
}

Status CpuBackend::readRows(std::span<const std::int64_t> rows, Matrix& out) const {
  for (auto r : rows)
    if (r < 0 || r >= m_table.rows())
      return Status::outOfRange("row " + std::to_string(r) + " is not in [0, " + std::to_string(m_table.rows()) + ")");
  out.resize(static_cast<Eigen::Index>(rows.size()), m_table.cols());
  if (m_lora) gatherLoraRows(m_table, *m_lora, rows, out.data());
  else gatherRows(m_table, rows, out.data());
  return Status::ok();
}

Status CpuBackend::exportState(std::vector<std::pair<std::string, Matrix>>& out) const {
  out.clear();
  out.emplace_back("embeddings", m_table);
  if (m_lora) {
    out.emplace_back("lora_a", m_lora->a);
    out.emplace_back("lora_b", m_lora->b);
  }
  for (int v = 0; v < m_optimizer->variableCount(); ++v)
    for (const auto& slotName : m_optimizer->slotNames())
      if (const Matrix* s = m_optimizer->slot(v, slotName))
        out.emplace_back(m_optimizer->variableName(v) + "/" + slotName, *s);
  Matrix it(1, 1);
  it(0, 0) = static_cast<float>(m_optimizer->iterations());
  out.emplace_back("iterations", it);
  return Status::ok();
}

Status CpuBackend::importState(const std::vector<std::pair<std::string, Matrix>>& state) {
  auto assign = [](Matrix& dst, const Matrix& src, const std::string& name) -> Status {
    if (dst.rows() != src.rows() || dst.cols() != src.cols())
      return Status::dataError("checkpoint entry '" + name + "' is " + std::to_string(src.rows()) + " x " +
                               std::to_string(src.cols()) + ", expected " + std::to_string(dst.rows()) + " x " +
                               std::to_string(dst.cols()));
    dst = src;
    return Status::ok();
  };
  for (const auto& [name, value] : state) {
    if (name == "embeddings") {
      EMBEDSCOPE_TRY(assign(m_table, value, name));
    } else if (name == "lora_a" || name == "lora_b") {
      if (!m_lora) return Status::dataError("checkpoint has LoRA weights but lora_rank is not set");
      EMBEDSCOPE_TRY(assign(name == "lora_a" ? m_lora->a : m_lora->b, value, name));
    } else if (name == "iterations") {
      if (value.size() != 1) return Status::dataError("checkpoint entry 'iterations' is not a scalar");
      m_optimizer->setIterations(static_cast<std::int64_t>(value(0, 0)));
    } else {
      const auto slash = name.rfind('/');  // variable names may hold '/', slot names do not
      if (slash == std::string::npos) return Status::dataError("unknown checkpoint entry '" + name + "'");
      const std::string var = name.substr(0, slash), slotName = name.substr(slash + 1);
      Matrix* dst = nullptr;
      for (int v = 0; v < m_optimizer->variableCount() && !dst; ++v)
        if (m_optimizer->variableName(v) == var) dst = m_optimizer->mutableSlot(v, slotName);
      if (!dst) return Status::dataError("checkpoint slot '" + name + "' does not belong to this optimizer");
      EMBEDSCOPE_TRY(assign(*dst, value, name));
    }
  }
  return Status::ok();
}

int CpuBackend::addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) {
  return m_optimizer->addVariable(name, rows, cols);
}

Status CpuBackend::gather(const IdBatch& ids, float* out) {
  const std::span<const std::int64_t> all(ids.ids, static_cast<std::size_t>(ids.count()));
  if (m_lora) {
    gatherLoraRows(m_table, *m_lora, all, out);
    return Status::ok();
  }
  // The layer's gather kernel (engine/layer/embedding_ops) on the backend's pool.
  const std::int64_t d = m_table.cols();
  const float* table = m_table.data();
  const int prefetch = gatherPrefetchRows(-1, d);
  const bool streaming = gatherStreams(GatherStores::Automatic, ids.count(), d);
  m_pool.parallelFor(
      ids.count(),
      [&](int, std::int64_t begin, std::int64_t end) {
        gatherRowBlock(table, d, ids.ids, begin, end, out, prefetch, streaming);
      },
      256);
  return Status::ok();
}

Status CpuBackend::maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) {
  const std::int64_t d = m_table.cols();
  const float* table = m_table.data();
  if (m_lora) {
    m_lookupScratch.resize(ids.count(), d);
    EMBEDSCOPE_TRY(gather(ids, m_lookupScratch.data()));
    table = nullptr;
  }
  const float* gathered = m_lookupScratch.data();
  // Whole rows prefetched as far ahead as the gather does: the pooling reads the same random rows.
  const int prefetch = table ? gatherPrefetchRows(-1, d) : 0;
  const std::int64_t lines = (d * static_cast<std::int64_t>(sizeof(float)) + 63) / 64;
  m_pool.parallelFor(
      ids.rows,
      [&](int, std::int64_t begin, std::int64_t end) {
        const std::int64_t chunkEnd = end * ids.length;  // positions of this chunk's sequences
        for (std::int64_t b = begin; b < end; ++b) {
          float* acc = pooled + b * d;
          std::fill(acc, acc + d, 0.0f);
          std::int64_t valid = 0;
          for (std::int64_t l = 0; l < ids.length; ++l) {
            const std::int64_t p = b * ids.length + l;
            if (prefetch > 0 && p + prefetch < chunkEnd) {
              const char* next = reinterpret_cast<const char*>(table + ids.ids[p + prefetch] * d);
              for (std::int64_t c = 0; c < lines; ++c) __builtin_prefetch(next + c * 64, 0, 3);
            }
            const std::int64_t id = ids.ids[p];
            if (maskZero && id == 0) continue;
            ++valid;
            const float* row = table ? table + id * d : gathered + p * d;
#pragma omp simd
            for (std::int64_t k = 0; k < d; ++k) acc[k] += row[k];
          }
          const float count = static_cast<float>(valid);
          validCounts[b] = count;
          // Keras divides by the mask's sum as is: 0/0 = NaN for an all-padding row.
#pragma omp simd
          for (std::int64_t k = 0; k < d; ++k) acc[k] /= count;
        }
      },
      16);
  return Status::ok();
}

void CpuBackend::buildRowGradient(const IdBatch& ids, bool maskZero, const float* source, std::int64_t sourceStride,
                                  const float* weights, RowGradient& grad) {
  const std::int64_t d = m_table.cols();
  const std::int64_t n = ids.count();
  // Group positions by id with a table-sized slot map (kept between steps, reset after use):
  // O(positions) instead of a sort of every position, and each row's sum still runs in position
  // order, so the result does not depend on anything but the batch.
  if (static_cast<std::int64_t>(m_slotOf.size()) != m_table.rows()) m_slotOf.assign(static_cast<std::size_t>(m_table.rows()), -1);
  m_unique.clear();
  m_positionSlot.resize(static_cast<std::size_t>(n));
  for (std::int64_t p = 0; p < n; ++p) {
    const std::int64_t id = ids.ids[p];
    if (maskZero && id == 0) {
      m_positionSlot[static_cast<std::size_t>(p)] = -1;
      continue;
    }
    std::int32_t& slot = m_slotOf[static_cast<std::size_t>(id)];
    if (slot < 0) {
      slot = static_cast<std::int32_t>(m_unique.size());
      m_unique.push_back(id);
    }
    m_positionSlot[static_cast<std::size_t>(p)] = slot;
  }
  // Rows ascending, as SparseRowGrad promises: sort the distinct ids and renumber the slots by
  // rank, so the sums land in their final place.
  const auto u = static_cast<Eigen::Index>(m_unique.size());
  std::sort(m_unique.begin(), m_unique.end());
  m_order.resize(static_cast<std::size_t>(u));  // old slot -> rank
  for (Eigen::Index i = 0; i < u; ++i) {
    std::int32_t& slot = m_slotOf[static_cast<std::size_t>(m_unique[static_cast<std::size_t>(i)])];
    m_order[static_cast<std::size_t>(slot)] = static_cast<std::int32_t>(i);
  }
  for (auto& slot : m_positionSlot)
    if (slot >= 0) slot = m_order[static_cast<std::size_t>(slot)];
  grad.inputDim = m_table.rows();
  grad.outputDim = d;
  grad.rows.assign(m_unique.begin(), m_unique.end());
  grad.values.setZero(u, d);
  const std::int64_t length = ids.length;
  // Threads split the D columns: every thread walks all positions in order over its own columns.
  m_pool.parallelFor(
      d,
      [&](int, std::int64_t c0, std::int64_t c1) {
        for (std::int64_t p = 0; p < n; ++p) {
          const std::int32_t slot = m_positionSlot[static_cast<std::size_t>(p)];
          if (slot < 0) continue;
          const std::int64_t srcRow = sourceStride == 0 ? p / length : p;
          const float* src = source + srcRow * d;
          const float w = weights ? weights[p / length] : 1.0f;
          float* acc = grad.values.data() + static_cast<std::int64_t>(slot) * d;
#pragma omp simd
          for (std::int64_t k = c0; k < c1; ++k) acc[k] += w * src[k];
        }
      },
      16);
  for (auto id : m_unique) m_slotOf[static_cast<std::size_t>(id)] = -1;
}

Status CpuBackend::scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) {
  buildRowGradient(ids, false, dOut, 1, nullptr, grad);
  return Status::ok();
}

Status CpuBackend::scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled,
                                         const float* validCounts, RowGradient& grad) {
  // Position (b, l) contributes dPooled[b] / validCounts[b]; the reciprocal per row is what Keras's
  // division's gradient is, computed once per row.
  m_rowWeights.resize(static_cast<std::size_t>(ids.rows));
  for (std::int64_t b = 0; b < ids.rows; ++b) m_rowWeights[static_cast<std::size_t>(b)] = 1.0f / validCounts[b];
  buildRowGradient(ids, maskZero, dPooled, 0, m_rowWeights.data(), grad);
  return Status::ok();
}

Result<double> CpuBackend::applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                                         std::vector<UpdateStats>* stats) {
  std::vector<VariableGrad> grads;
  double penalty = 0.0;
  const auto& reg = m_layer.embeddingsRegularizer;
  LoraGrad loraGrad;
  if (m_lora) {
    loraGrad = loraBackward(grad, *m_lora);
    if (reg) {
      // Keras gives A and B the embeddings regularizer; the frozen base has none.
      penalty = *embeddingsPenalty();
      m_regGrad.setZero(m_lora->a.rows(), m_lora->a.cols());
      addRegularizerGradient(*reg, m_lora->a, m_regGrad);
      addRegularizerGradient(*reg, m_lora->b, loraGrad.b);
    }
    grads.push_back({m_loraAVariable, &m_lora->a, &loraGrad.a, reg ? &m_regGrad : nullptr});
    grads.push_back({m_loraBVariable, &m_lora->b, nullptr, &loraGrad.b});
  } else {
    if (reg) {
      penalty = *embeddingsPenalty();
      m_regGrad.setZero(m_table.rows(), m_table.cols());
      addRegularizerGradient(*reg, m_table, m_regGrad);
    }
    grads.push_back({m_tableVariable, &m_table, &grad, reg ? &m_regGrad : nullptr});
  }
  for (const auto& v : dense) grads.push_back({v.id, v.value, nullptr, v.grad});
  EMBEDSCOPE_TRY(m_optimizer->apply(grads, stats));
  return penalty;
}

Result<double> CpuBackend::embeddingsPenalty() const {
  const auto& reg = m_layer.embeddingsRegularizer;
  if (!reg) return 0.0;
  // Keras gives A and B the embeddings regularizer under LoRA; the frozen base has none.
  if (m_lora) return regularizerLoss(*reg, m_lora->a) + regularizerLoss(*reg, m_lora->b);
  return regularizerLoss(*reg, m_table);
}

}  // namespace embedscope::compute::cpu
