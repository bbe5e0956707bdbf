#include "engine/tasks/regression_task.h"

#include <cmath>

namespace embedscope::tasks {

Result<std::unique_ptr<RegressionTask>> RegressionTask::create(data::IdMatrix ids, Matrix targets,
                                                               const RegressionOptions& options) {
  if (targets.rows() != ids.rows * ids.length)
    return Status::dataError("targets hold " + std::to_string(targets.rows()) + " positions but the ids hold " +
                             std::to_string(ids.rows) + " x " + std::to_string(ids.length) + " = " +
                             std::to_string(ids.rows * ids.length));
  if (ids.rows == 0) return Status::dataError("no examples");
  if (options.batchSize <= 0)
    return Status::invalidArgument("`batch_size` must be a positive integer. Received: batch_size=" +
                                   std::to_string(options.batchSize));
  auto split = data::validationSplit(ids.rows, options.validationSplit);
  if (!split) return split.status();
  return std::unique_ptr<RegressionTask>(new RegressionTask(std::move(ids), std::move(targets), options, *split));
}

RegressionTask::RegressionTask(data::IdMatrix ids, Matrix targets, const RegressionOptions& options, data::Split split)
    : m_ids(std::move(ids)),
      m_targets(std::move(targets)),
      m_dim(m_targets.cols()),
      m_split(split),
      m_order(split.trainCount, options.batchSize, options.shuffle, options.seed) {}

Status RegressionTask::prepare(compute::Backend& backend) {
  if (backend.outputDim() != m_dim)
    return Status::invalidArgument("targets have " + std::to_string(m_dim) + " values per position but output_dim=" +
                                   std::to_string(backend.outputDim()));
  return Status::ok();
}

void RegressionTask::loadBatch(const std::vector<std::int64_t>& examples) {
  const std::int64_t length = m_ids.length;
  m_batchIds.resize(examples.size() * static_cast<std::size_t>(length));
  m_batchTargets.resize(static_cast<Eigen::Index>(examples.size()) * length, m_dim);
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const std::int64_t e = examples[i];
    std::copy(m_ids.row(e), m_ids.row(e) + length, m_batchIds.begin() + static_cast<std::ptrdiff_t>(i) * length);
    m_batchTargets.middleRows(static_cast<Eigen::Index>(i) * length, length) = m_targets.middleRows(e * length, length);
  }
}

Result<compute::StepResult> RegressionTask::step(compute::Backend& backend, std::int64_t step,
                                                 std::vector<UpdateStats>* stats) {
  loadBatch(m_order.batch(step));
  compute::IdBatch batch{m_batchIds.data(), static_cast<std::int64_t>(m_batchIds.size()) / m_ids.length, m_ids.length};
  return backend.regressionStep(batch, m_batchTargets.data(), stats);
}

double RegressionTask::metricFromSums(double metricSum, std::int64_t examples) const {
  if (examples == 0) return 0.0;
  return metricSum / (static_cast<double>(examples) * static_cast<double>(m_ids.length) * static_cast<double>(m_dim));
}

Result<EvalResult> RegressionTask::validate(compute::Backend& backend) {
  EvalResult r;
  if (m_split.validationCount == 0) return r;
  // Keras evaluates in batches and averages the batch losses weighted by batch size.
  const std::int64_t batch = m_order.batchSize();
  double lossSum = 0.0, sse = 0.0;
  for (std::int64_t lo = m_split.trainCount; lo < m_ids.rows; lo += batch) {
    std::vector<std::int64_t> ex;
    for (std::int64_t e = lo; e < std::min(m_ids.rows, lo + batch); ++e) ex.push_back(e);
    loadBatch(ex);
    compute::IdBatch b{m_batchIds.data(), static_cast<std::int64_t>(ex.size()), m_ids.length};
    auto s = backend.regressionEvaluate(b, m_batchTargets.data());
    if (!s) return s.status();
    lossSum += s->loss * static_cast<double>(s->examples);
    sse += s->metricSum;
    r.examples += s->examples;
  }
  r.loss = lossSum / static_cast<double>(r.examples);
  r.metric = metricFromSums(sse, r.examples);
  return r;
}

}  // namespace embedscope::tasks
