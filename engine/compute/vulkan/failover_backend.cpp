#include "engine/compute/vulkan/failover_backend.h"

#include <cstdio>

namespace embedscope::compute {

FailoverBackend::FailoverBackend(std::unique_ptr<Backend> device, BackendSetup setup, int checkpointEvery)
    : m_device(std::move(device)), m_setup(std::move(setup)), m_every(std::max(1, checkpointEvery)) {
  // The starting state is the first checkpoint (the initial table, fresh slots).
  Status s = m_device->exportState(m_saved);
  if (!s) m_saved.clear();
  // The CPU backend is built from the checkpoint, not from this copy.
  m_setup.table.resize(0, 0);
}

BackendInfo FailoverBackend::info() const {
  BackendInfo i = active().info();
  if (m_cpu) i.device += " (fell back from the Vulkan engine)";
  return i;
}

Status FailoverBackend::checkpoint() {
  std::vector<std::pair<std::string, Matrix>> state;
  EMBEDSCOPE_TRY(m_device->exportState(state));
  m_saved = std::move(state);
  for (auto& d : m_dense)
    if (d.value) d.saved = *d.value;
  m_log.clear();
  return Status::ok();
}

Status FailoverBackend::fallBack(const Status& cause) {
  if (m_saved.empty()) return cause.withContext("the Vulkan engine failed before its first checkpoint");
  BackendSetup s = m_setup;
  for (const auto& [name, value] : m_saved)
    if (name == "embeddings") s.table = value;
  auto cpu = createCpuBackend(std::move(s));
  if (!cpu) return cause.withContext("falling back to the CPU engine failed (" + cpu.status().message() + ")");
  for (const auto& d : m_dense) (*cpu)->addDenseVariable(d.name, d.rows, d.cols);
  EMBEDSCOPE_TRY((*cpu)->importState(m_saved));
  for (auto& d : m_dense)
    if (d.value && d.saved.size() == d.value->size()) *d.value = d.saved;
  const std::int64_t from = (*cpu)->iterations();
  for (const auto& step : m_log) {
    const IdBatch batch{step.ids.data(), step.rows, step.length};
    Status st;
    if (step.kind == StepKind::Regression) {
      auto r = (*cpu)->regressionStep(batch, step.targets.data(), nullptr);
      st = r ? Status::ok() : r.status();
    } else if (step.kind == StepKind::Classify) {
      auto r = (*cpu)->classifyStep(batch, step.labels.data(), *step.head, nullptr);
      st = r ? Status::ok() : r.status();
    } else {
      std::vector<DenseVariable> dv;
      for (std::size_t i = 0; i < step.denseIds.size(); ++i)
        dv.push_back({step.denseIds[i], step.denseValues[i], &step.denseGrads[i]});
      auto r = (*cpu)->applyGradient(step.grad, dv, nullptr);
      st = r ? Status::ok() : r.status();
    }
    if (!st) return st.withContext("replaying a step on the CPU engine");
  }
  m_cpu = std::move(*cpu);
  m_device.reset();  // a lost device is unusable; free what it holds
  m_notice = "the Vulkan engine failed (" + cause.message() + "); continuing on the CPU engine from the host copy of step " +
             std::to_string(from) + " (" + std::to_string(m_log.size()) + " step(s) replayed), nothing lost";
  m_log.clear();
  std::fprintf(stderr, "embedscope: warning: %s\n", m_notice.c_str());
  return Status::ok();
}

Status FailoverBackend::guarded(const std::function<Status(Backend&)>& op) {
  if (m_cpu) return op(*m_cpu);
  Status s = op(*m_device);
  if (s || s.code() != StatusCode::Unavailable) return s;
  EMBEDSCOPE_TRY(fallBack(s));
  return op(*m_cpu);
}

Status FailoverBackend::readTable(Matrix& out) const {
  return const_cast<FailoverBackend*>(this)->guarded([&](Backend& b) { return b.readTable(out); });
}
Status FailoverBackend::readRows(std::span<const std::int64_t> rows, Matrix& out) const {
  return const_cast<FailoverBackend*>(this)->guarded([&](Backend& b) { return b.readRows(rows, out); });
}
Status FailoverBackend::exportState(std::vector<std::pair<std::string, Matrix>>& out) const {
  return const_cast<FailoverBackend*>(this)->guarded([&](Backend& b) { return b.exportState(out); });
}
Status FailoverBackend::importState(const std::vector<std::pair<std::string, Matrix>>& state) {
  EMBEDSCOPE_TRY(guarded([&](Backend& b) { return b.importState(state); }));
  if (!m_cpu) return checkpoint();
  return Status::ok();
}
int FailoverBackend::addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) {
  m_dense.push_back({name, rows, cols, nullptr, Matrix()});
  return active().addDenseVariable(name, rows, cols);
}
Status FailoverBackend::gather(const IdBatch& ids, float* out) {
  return guarded([&](Backend& b) { return b.gather(ids, out); });
}
Status FailoverBackend::maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) {
  return guarded([&](Backend& b) { return b.maskedMeanPool(ids, maskZero, pooled, validCounts); });
}
Status FailoverBackend::scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) {
  return guarded([&](Backend& b) { return b.scatterGradient(ids, dOut, grad); });
}
Status FailoverBackend::scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled,
                                              const float* validCounts, RowGradient& grad) {
  return guarded([&](Backend& b) { return b.scatterPooledGradient(ids, maskZero, dPooled, validCounts, grad); });
}

Result<double> FailoverBackend::applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                                              std::vector<UpdateStats>* stats) {
  // Dense variables' host values before this step: a failure inside the device step may have
  // left them half-written, and the replay must start from them.
  for (const auto& dv : dense) {
    const std::size_t k = static_cast<std::size_t>(dv.id - 1);
    if (dv.id >= 1 && k < m_dense.size() && !m_dense[k].value) {
      m_dense[k].value = dv.value;
      m_dense[k].saved = *dv.value;  // first sight: its value at the checkpoint
    }
  }
  double penalty = 0;
  const bool onDevice = !m_cpu;
  EMBEDSCOPE_TRY(guarded([&](Backend& b) {
    auto r = b.applyGradient(grad, dense, stats);
    if (!r) return r.status();
    penalty = *r;
    return Status::ok();
  }));
  if (onDevice && !m_cpu) {
    LoggedStep step;
    step.grad = grad;
    for (const auto& dv : dense) {
      step.denseIds.push_back(dv.id);
      step.denseValues.push_back(dv.value);
      step.denseGrads.push_back(*dv.grad);
    }
    EMBEDSCOPE_TRY(logged(std::move(step)));
  }
  return penalty;
}

Status FailoverBackend::logged(LoggedStep step) {
  m_log.push_back(std::move(step));
  if (static_cast<int>(m_log.size()) < m_every) return Status::ok();
  Status s = checkpoint();
  if (!s && s.code() == StatusCode::Unavailable) return fallBack(s);
  return s;
}

void FailoverBackend::learnHead(DenseHead& head) {
  for (auto [id, value] : {std::pair{head.kernelVariable, &head.kernel}, std::pair{head.biasVariable, &head.bias}}) {
    const std::size_t k = static_cast<std::size_t>(id - 1);
    if (id >= 1 && k < m_dense.size() && !m_dense[k].value) {
      m_dense[k].value = value;
      m_dense[k].saved = *value;  // first sight: its value at the checkpoint
    }
  }
}

Result<StepResult> FailoverBackend::regressionStep(const IdBatch& ids, const float* targets,
                                                   std::vector<UpdateStats>* stats) {
  StepResult out;
  const bool onDevice = !m_cpu;
  EMBEDSCOPE_TRY(guarded([&](Backend& b) {
    auto r = b.regressionStep(ids, targets, stats);
    if (!r) return r.status();
    out = *r;
    return Status::ok();
  }));
  if (onDevice && !m_cpu) {
    LoggedStep step;
    step.kind = StepKind::Regression;
    step.ids.assign(ids.ids, ids.ids + ids.count());
    step.rows = ids.rows;
    step.length = ids.length;
    step.targets.assign(targets, targets + ids.count() * outputDim());
    EMBEDSCOPE_TRY(logged(std::move(step)));
  }
  return out;
}

Result<StepResult> FailoverBackend::classifyStep(const IdBatch& ids, const std::int64_t* labels, DenseHead& head,
                                                 std::vector<UpdateStats>* stats) {
  learnHead(head);
  StepResult out;
  const bool onDevice = !m_cpu;
  EMBEDSCOPE_TRY(guarded([&](Backend& b) {
    auto r = b.classifyStep(ids, labels, head, stats);
    if (!r) return r.status();
    out = *r;
    return Status::ok();
  }));
  if (onDevice && !m_cpu) {
    LoggedStep step;
    step.kind = StepKind::Classify;
    step.ids.assign(ids.ids, ids.ids + ids.count());
    step.rows = ids.rows;
    step.length = ids.length;
    step.labels.assign(labels, labels + ids.rows);
    step.head = &head;
    EMBEDSCOPE_TRY(logged(std::move(step)));
  }
  return out;
}

Result<StepResult> FailoverBackend::regressionEvaluate(const IdBatch& ids, const float* targets,
                                                       const double* embeddingsPenalty) {
  StepResult out;
  EMBEDSCOPE_TRY(guarded([&](Backend& b) {
    auto r = b.regressionEvaluate(ids, targets, embeddingsPenalty);
    if (!r) return r.status();
    out = *r;
    return Status::ok();
  }));
  return out;
}

Result<StepResult> FailoverBackend::classifyEvaluate(const IdBatch& ids, const std::int64_t* labels,
                                                     const DenseHead& head, const double* embeddingsPenalty) {
  StepResult out;
  EMBEDSCOPE_TRY(guarded([&](Backend& b) {
    auto r = b.classifyEvaluate(ids, labels, head, embeddingsPenalty);
    if (!r) return r.status();
    out = *r;
    return Status::ok();
  }));
  return out;
}

}  // namespace embedscope::compute
