#include "engine/tasks/sequence_task.h"

#include <algorithm>

namespace embedscope::tasks {

Result<data::Split> SequenceTask::checkedSplit(std::int64_t examples, std::int64_t batchSize, double validationSplit) {
  if (examples == 0) return Status::dataError("no examples");
  if (batchSize <= 0)
    return Status::invalidArgument("`batch_size` must be a positive integer. Received: batch_size=" +
                                   std::to_string(batchSize));
  return data::validationSplit(examples, validationSplit);
}

SequenceTask::SequenceTask(data::IdMatrix ids, data::Split split, const SequenceOptions& options)
    : m_ids(std::move(ids)),
      m_split(split),
      m_order(split.trainCount, options.batchSize, options.shuffle, options.seed) {}

void SequenceTask::loadBatch(const std::vector<std::int64_t>& examples) {
  const std::int64_t length = m_ids.length;
  m_batchRows = static_cast<std::int64_t>(examples.size());
  m_batchIds.resize(examples.size() * static_cast<std::size_t>(length));
  for (std::size_t i = 0; i < examples.size(); ++i)
    std::copy(m_ids.row(examples[i]), m_ids.row(examples[i]) + length,
              m_batchIds.begin() + static_cast<std::ptrdiff_t>(i) * length);
  loadTargets(examples);
}

compute::IdBatch SequenceTask::batch() const { return {m_batchIds.data(), m_batchRows, m_ids.length}; }

Result<EvalResult> SequenceTask::validate(compute::Backend& backend) {
  EvalResult r;
  if (m_split.validationCount == 0) return r;
  auto penalty = backend.embeddingsPenalty();
  if (!penalty) return penalty.status();
  const std::int64_t size = m_order.batchSize();
  double lossSum = 0.0, metricSum = 0.0;
  std::vector<std::int64_t> examples;
  for (std::int64_t lo = m_split.trainCount; lo < m_ids.rows; lo += size) {
    examples.clear();
    for (std::int64_t e = lo; e < std::min(m_ids.rows, lo + size); ++e) examples.push_back(e);
    loadBatch(examples);
    auto s = evaluateBatch(backend, *penalty);
    if (!s) return s.status();
    lossSum += s->loss * static_cast<double>(s->examples);
    metricSum += s->metricSum;
    r.examples += s->examples;
  }
  r.loss = lossSum / static_cast<double>(r.examples);
  r.metric = metricFromSums(metricSum, r.examples);
  return r;
}

}  // namespace embedscope::tasks
