#include "engine/compute/backend.h"

#include <cmath>

#include "engine/layer/regularizers.h"
#include "engine/tasks/heads.h"

namespace embedscope::compute {

Result<double> Backend::activityTerm(const IdBatch& ids, const float* out, float* dOut) const {
  const auto& reg = layerConfig().activityRegularizer;
  if (!reg) return 0.0;
  const std::int64_t shape[3] = {ids.rows, ids.length, outputDim()};
  return activityRegularization(*reg, out, shape, dOut);
}

Result<StepResult> Backend::regressionStep(const IdBatch& ids, const float* targets, std::vector<UpdateStats>* stats) {
  const std::int64_t d = outputDim();
  m_scratchOut.resize(ids.count(), d);
  m_scratchGrad.resize(ids.count(), d);
  EMBEDSCOPE_TRY(gather(ids, m_scratchOut.data()));
  StepResult r;
  r.examples = ids.rows;
  r.loss = tasks::mseLoss(m_scratchOut.data(), targets, ids.count(), d, layerConfig().maskZero ? ids.ids : nullptr,
                          m_scratchGrad.data(), &r.metricSum);
  if (!std::isfinite(r.loss)) return r;  // the caller stops; nothing was updated
  auto act = activityTerm(ids, m_scratchOut.data(), m_scratchGrad.data());
  if (!act) return act.status();
  EMBEDSCOPE_TRY(scatterGradient(ids, m_scratchGrad.data(), m_scratchRowGrad));
  auto reg = applyGradient(m_scratchRowGrad, {}, stats);
  if (!reg) return reg.status();
  r.regularization = *reg + *act;
  r.loss += r.regularization;
  return r;
}

Result<double> Backend::embeddingsPenalty() const {
  const auto& reg = layerConfig().embeddingsRegularizer;
  if (!reg) return 0.0;
  std::vector<std::pair<std::string, Matrix>> state;
  EMBEDSCOPE_TRY(exportState(state));
  const bool lora = layerConfig().loraEnabled();
  double penalty = 0.0;
  for (const auto& [name, value] : state)
    if (lora ? (name == "lora_a" || name == "lora_b") : name == "embeddings") penalty += regularizerLoss(*reg, value);
  return penalty;
}

Result<double> Backend::evaluationPenalty(const IdBatch& ids, const float* out, const double* embeddingsPenalty) {
  double penalty = 0.0;
  if (embeddingsPenalty) {
    penalty = *embeddingsPenalty;
  } else {
    auto e = this->embeddingsPenalty();
    if (!e) return e.status();
    penalty = *e;
  }
  if (layerConfig().activityRegularizer) {
    if (!out) {  // the caller pooled without gathering: the penalty wants the whole (B, L, D) output
      m_scratchFull.resize(ids.count(), outputDim());
      EMBEDSCOPE_TRY(gather(ids, m_scratchFull.data()));
      out = m_scratchFull.data();
    }
    auto a = activityTerm(ids, out, nullptr);
    if (!a) return a.status();
    penalty += *a;
  }
  return penalty;
}

Result<StepResult> Backend::regressionEvaluate(const IdBatch& ids, const float* targets, const double* embeddingsPenalty) {
  const std::int64_t d = outputDim();
  m_scratchOut.resize(ids.count(), d);
  EMBEDSCOPE_TRY(gather(ids, m_scratchOut.data()));
  StepResult r;
  r.examples = ids.rows;
  r.loss = tasks::mseLoss(m_scratchOut.data(), targets, ids.count(), d, layerConfig().maskZero ? ids.ids : nullptr,
                          nullptr, &r.metricSum);
  auto penalty = evaluationPenalty(ids, m_scratchOut.data(), embeddingsPenalty);
  if (!penalty) return penalty.status();
  r.regularization = *penalty;
  r.loss += r.regularization;
  return r;
}

Result<StepResult> Backend::classifyStep(const IdBatch& ids, const std::int64_t* labels, DenseHead& head,
                                         std::vector<UpdateStats>* stats) {
  const std::int64_t d = outputDim();
  const bool maskZero = layerConfig().maskZero;
  m_scratchOut.resize(ids.rows, d);
  m_scratchGrad.resize(ids.rows, d);
  m_scratchCounts.resize(ids.rows);
  EMBEDSCOPE_TRY(maskedMeanPool(ids, maskZero, m_scratchOut.data(), m_scratchCounts.data()));
  StepResult r;
  r.examples = ids.rows;
  std::int64_t correct = 0;
  DenseHead grads;
  grads.kernel.resize(head.kernel.rows(), head.kernel.cols());
  grads.bias.resize(1, head.kernel.cols());
  r.loss = tasks::denseSoftmaxLoss(m_scratchOut, head, labels, &m_scratchGrad, &grads, &correct);
  r.metricSum = static_cast<double>(correct);
  if (!std::isfinite(r.loss)) return r;  // the caller stops; nothing was updated
  double act = 0.0;
  if (layerConfig().activityRegularizer) {
    // The penalty sees the whole (B, L, D) output, so its gradient reaches every position: build
    // the full dOut (pooling's share plus the penalty's) and scatter it as a plain gather's.
    m_scratchFull.resize(ids.count(), d);
    m_scratchFullGrad.setZero(ids.count(), d);
    EMBEDSCOPE_TRY(gather(ids, m_scratchFull.data()));
    for (std::int64_t b = 0; b < ids.rows; ++b)
      for (std::int64_t l = 0; l < ids.length; ++l) {
        const std::int64_t p = b * ids.length + l;
        if (maskZero && ids.ids[p] == 0) continue;
        m_scratchFullGrad.row(p) = m_scratchGrad.row(b) / m_scratchCounts[b];
      }
    auto a = activityTerm(ids, m_scratchFull.data(), m_scratchFullGrad.data());
    if (!a) return a.status();
    act = *a;
    EMBEDSCOPE_TRY(scatterGradient(ids, m_scratchFullGrad.data(), m_scratchRowGrad));
  } else {
    EMBEDSCOPE_TRY(
        scatterPooledGradient(ids, maskZero, m_scratchGrad.data(), m_scratchCounts.data(), m_scratchRowGrad));
  }
  const DenseVariable dense[2] = {{head.kernelVariable, &head.kernel, &grads.kernel},
                                  {head.biasVariable, &head.bias, &grads.bias}};
  auto reg = applyGradient(m_scratchRowGrad, dense, stats);
  if (!reg) return reg.status();
  r.regularization = *reg + act;
  r.loss += r.regularization;
  return r;
}

Result<StepResult> Backend::classifyEvaluate(const IdBatch& ids, const std::int64_t* labels, const DenseHead& head,
                                             const double* embeddingsPenalty) {
  const std::int64_t d = outputDim();
  m_scratchOut.resize(ids.rows, d);
  m_scratchCounts.resize(ids.rows);
  EMBEDSCOPE_TRY(maskedMeanPool(ids, layerConfig().maskZero, m_scratchOut.data(), m_scratchCounts.data()));
  StepResult r;
  r.examples = ids.rows;
  std::int64_t correct = 0;
  r.loss = tasks::denseSoftmaxLoss(m_scratchOut, head, labels, nullptr, nullptr, &correct);
  r.metricSum = static_cast<double>(correct);
  auto penalty = evaluationPenalty(ids, nullptr, embeddingsPenalty);
  if (!penalty) return penalty.status();
  r.regularization = *penalty;
  r.loss += r.regularization;
  return r;
}

}  // namespace embedscope::compute
