#include "ui/inspect/inspect_model.h"

#include "engine/compute/vulkan/vulkan_backend.h"

#include <algorithm>
#include <cmath>

#include "engine/data/presets.h"
#include "engine/data/tokenizer.h"
#include "engine/data/vocabulary.h"
#include "engine/layer/initializers.h"
#include "engine/tasks/heads.h"

namespace embedscope::ui::inspect {

namespace {

// softmax(pooled · kernel + bias), row by row, in double: only for display; the loss and every
// gradient come from the engine (tasks::denseSoftmaxLoss and the backend).
Matrix softmaxProbabilities(const Matrix& pooled, const compute::DenseHead& head) {
  const Eigen::Index b = pooled.rows(), c = head.kernel.cols(), d = pooled.cols();
  Matrix out(b, c);
  for (Eigen::Index r = 0; r < b; ++r) {
    std::vector<double> logits(static_cast<size_t>(c));
    double mx = -INFINITY;
    for (Eigen::Index k = 0; k < c; ++k) {
      double z = head.bias(0, k);
      for (Eigen::Index j = 0; j < d; ++j) z += static_cast<double>(pooled(r, j)) * head.kernel(j, k);
      logits[static_cast<size_t>(k)] = z;
      mx = std::max(mx, z);
    }
    double sum = 0;
    for (double& z : logits) sum += (z = std::exp(z - mx));
    for (Eigen::Index k = 0; k < c; ++k) out(r, k) = static_cast<float>(logits[static_cast<size_t>(k)] / sum);
  }
  return out;
}

std::vector<int> argmaxRows(const Matrix& p) {
  std::vector<int> out(static_cast<size_t>(p.rows()), -1);
  for (Eigen::Index r = 0; r < p.rows(); ++r) {
    float best = -INFINITY;
    for (Eigen::Index k = 0; k < p.cols(); ++k)
      if (p(r, k) > best) best = p(r, k), out[static_cast<size_t>(r)] = static_cast<int>(k);
  }
  return out;
}

}  // namespace

Result<PresetData> loadPresetData(const QString& preset, std::uint64_t seed, std::int64_t examples,
                                  std::int64_t maxWords) {
  if (preset != "sentiment")
    return Status::invalidArgument("unknown preset for the inspector: " + preset.toStdString() +
                                   " (choose from: sentiment)");
  data::SentimentPresetOptions opt;
  opt.examples = examples;
  opt.maxWords = maxWords;
  opt.seed = 1337 + seed;
  data::LabeledCorpus corpus = data::sentimentPreset(opt);
  std::vector<std::vector<std::string>> tokens;
  data::Vocabulary::Builder builder;
  for (const auto& ex : corpus.examples) {
    Result<std::vector<std::string>> t = data::Tokenizer::tokenize(ex.text);
    if (!t.isOk()) return t.status();
    for (const auto& w : *t) builder.add(w);
    tokens.push_back(std::move(t.value()));
  }
  Result<data::Vocabulary> vocab = builder.build();
  if (!vocab.isOk()) return vocab.status();
  std::vector<std::vector<std::int64_t>> seqs;
  for (const auto& t : tokens) {
    std::vector<std::int64_t> s;
    for (std::int32_t id : vocab->encode(t)) s.push_back(id);
    seqs.push_back(std::move(s));
  }
  PresetData out;
  out.ids = data::padSequences(seqs, maxWords);
  for (const auto& ex : corpus.examples) out.labels.push_back(ex.label);
  out.vocabulary = vocab->tokens();
  out.classNames = corpus.classNames;
  return out;
}

InspectModel::InspectModel() = default;
InspectModel::~InspectModel() = default;

QStringList InspectModel::presets() const { return {"sentiment"}; }

Status InspectModel::reset(const StepSetup& setup) { return build(setup, compute::EngineChoice::Cpu); }

Status InspectModel::resetOn(const StepSetup& setup, compute::EngineChoice engine) { return build(setup, engine); }

std::string InspectModel::engineDescription() const {
  if (!m_backend) return "no engine";
  compute::BackendInfo info = m_backend->info();
  return info.engine + " (" + info.device + ")";
}

Status InspectModel::build(const StepSetup& setup, compute::EngineChoice engine) {
  m_backend.reset();
  m_last.reset();
  m_setup = setup;
  Result<PresetData> data = loadPresetData(setup.preset, setup.seed);
  if (!data.isOk()) return data.status();
  m_data = std::move(data.value());

  m_layer = LayerConfig{};
  m_layer.inputDim = static_cast<std::int64_t>(m_data.vocabulary.size());
  m_layer.outputDim = setup.outputDim;
  m_layer.maskZero = setup.maskZero;
  m_layer.seed = setup.seed;
  Result<Matrix> table = initializeTable(m_layer);
  if (!table.isOk()) return table.status();
  m_initialTable = table.value();

  Result<OptimizerConfig> opt = makeOptimizerConfig(setup.optimizer.toStdString(),
                                                    {{"learning_rate", std::to_string(setup.learningRate)}});
  if (!opt.isOk()) return opt.status();
  opt->updates = setup.lazy ? UpdateMode::Lazy : UpdateMode::Dense;

  compute::BackendSetup bs;
  bs.layer = m_layer;
  bs.table = m_initialTable;
  bs.optimizer = opt.value();
  compute::registerVulkanFactory();  // idempotent: the Vulkan engine is always on offer here
  Result<compute::CreatedBackend> created = compute::createBackend(engine, std::move(bs));
  if (!created.isOk()) return created.status();
  m_backend = std::move(created->backend);
  m_engineReason = created->reason;

  const std::int64_t classes = std::max<std::int64_t>(2, static_cast<std::int64_t>(m_data.classNames.size()));
  Result<Matrix> kernel = initializeMatrix(initializerSpec("glorot_uniform"), setup.outputDim, classes, setup.seed + 1);
  if (!kernel.isOk()) return kernel.status();
  m_head = compute::DenseHead{};
  m_head.kernel = kernel.value();
  m_head.bias = Matrix::Zero(1, classes);
  m_head.kernelVariable = m_backend->addDenseVariable("dense/kernel", setup.outputDim, classes);
  m_head.biasVariable = m_backend->addDenseVariable("dense/bias", 1, classes);

  m_order.emplace(m_data.ids.rows, setup.batchSize, true, setup.seed);
  m_epoch = 0;
  m_order->startEpoch(0);
  m_batchInEpoch = 0;
  m_step = 0;
  m_table = std::make_shared<const Matrix>(m_initialTable);
  m_previous.reset();
  m_lastRowDelta.clear();
  m_everTouched.assign(static_cast<size_t>(m_layer.inputDim), 0);
  return Status::ok();
}

TokenBatch InspectModel::presetBatch(std::int64_t first, std::int64_t count) const {
  TokenBatch b;
  b.vocabulary = m_data.vocabulary;
  b.classNames = m_data.classNames;
  b.length = static_cast<int>(m_data.ids.length);
  for (std::int64_t e = first; e < first + count && e < m_data.ids.rows; ++e) {
    b.ids.insert(b.ids.end(), m_data.ids.row(e), m_data.ids.row(e) + m_data.ids.length);
    b.labels.push_back(static_cast<int>(m_data.labels[static_cast<size_t>(e)]));
    ++b.batch;
  }
  return b;
}

Result<PooledRun> InspectModel::runPooled(const TokenBatch& batch, bool maskZero) {
  if (!m_backend) return Status::unavailable("the inspector's model is not built");
  std::vector<std::int64_t> ids = batch.ids;
  std::vector<std::int64_t> shape{batch.batch, batch.length};
  EMBEDSCOPE_TRY(validateIds(ids, shape, m_layer.inputDim));
  compute::IdBatch ib{ids.data(), batch.batch, batch.length};
  const std::int64_t dim = m_layer.outputDim;
  PooledRun run;
  run.maskZero = maskZero;
  run.mask = maskZero ? computeMask(ids) : std::vector<std::uint8_t>(ids.size(), 1);
  Matrix gathered(ib.count(), dim);
  EMBEDSCOPE_TRY(m_backend->gather(ib, gathered.data()));
  run.pooled.resize(batch.batch, dim);
  run.validCount.assign(static_cast<size_t>(batch.batch), 0.0f);
  EMBEDSCOPE_TRY(m_backend->maskedMeanPool(ib, maskZero, run.pooled.data(), run.validCount.data()));
  // The numerator the pooling divided: sum of the valid rows of the engine's own gather.
  run.sums = Matrix::Zero(batch.batch, dim);
  for (int e = 0; e < batch.batch; ++e)
    for (int t = 0; t < batch.length; ++t)
      if (run.mask[static_cast<size_t>(e) * batch.length + t])
        for (std::int64_t d = 0; d < dim; ++d) run.sums(e, d) += gathered(e * batch.length + t, d);
  run.probabilities = softmaxProbabilities(run.pooled, m_head);
  run.predicted = argmaxRows(run.probabilities);
  return run;
}

Result<StepRecord> InspectModel::next() {
  if (!m_backend || !m_order) return Status::unavailable("the inspector's model is not built");
  if (m_batchInEpoch >= m_order->batchCount()) {
    m_order->startEpoch(++m_epoch);
    m_batchInEpoch = 0;
  }
  std::vector<std::int64_t> examples = m_order->batch(m_batchInEpoch++);
  StepRecord r;
  r.step = m_step;
  r.maskZero = m_layer.maskZero;
  r.optimizer = m_setup.optimizer;
  r.lazy = m_setup.lazy;
  r.learningRate = m_setup.learningRate;
  r.lossName = "sparse_categorical_crossentropy";
  r.batch.vocabulary = m_data.vocabulary;
  r.batch.classNames = m_data.classNames;
  r.batch.length = static_cast<int>(m_data.ids.length);
  std::vector<std::int64_t> labels;
  for (std::int64_t e : examples) {
    r.batch.ids.insert(r.batch.ids.end(), m_data.ids.row(e), m_data.ids.row(e) + m_data.ids.length);
    labels.push_back(m_data.labels[static_cast<size_t>(e)]);
    r.batch.labels.push_back(static_cast<int>(labels.back()));
    ++r.batch.batch;
  }
  const std::int64_t dim = m_layer.outputDim;
  compute::IdBatch ib{r.batch.ids.data(), r.batch.batch, r.batch.length};
  r.mask = m_layer.maskZero ? computeMask(r.batch.ids) : std::vector<std::uint8_t>(r.batch.ids.size(), 1);

  // Forward, through the engine.
  r.gathered.resize(ib.count(), dim);
  EMBEDSCOPE_TRY(m_backend->gather(ib, r.gathered.data()));
  r.pooled.resize(ib.rows, dim);
  std::vector<float> counts(static_cast<size_t>(ib.rows));
  EMBEDSCOPE_TRY(m_backend->maskedMeanPool(ib, m_layer.maskZero, r.pooled.data(), counts.data()));
  Matrix dPooled(ib.rows, dim);
  compute::DenseHead headGrad;
  headGrad.kernel.resize(m_head.kernel.rows(), m_head.kernel.cols());
  headGrad.bias.resize(1, m_head.bias.cols());
  std::int64_t correct = 0;
  r.loss = tasks::denseSoftmaxLoss(r.pooled, m_head, labels.data(), &dPooled, &headGrad, &correct);
  r.probabilities = softmaxProbabilities(r.pooled, m_head);
  if (!std::isfinite(r.loss))
    return Status::dataError("the loss of step " + std::to_string(m_step) +
                             " is not finite (an all-padding sentence under mask_zero divides 0 by 0); nothing was updated");

  // Backward, through the engine.
  SparseRowGrad grad;
  EMBEDSCOPE_TRY(m_backend->scatterPooledGradient(ib, m_layer.maskZero, dPooled.data(), counts.data(), grad));
  r.gradientRows = grad.rows;
  r.gradient = grad.values;
  r.gradientCounts.assign(grad.rows.size(), 0);
  r.selectedRows = r.batch.ids;
  std::sort(r.selectedRows.begin(), r.selectedRows.end());
  r.selectedRows.erase(std::unique(r.selectedRows.begin(), r.selectedRows.end()), r.selectedRows.end());
  r.selectedCounts.assign(r.selectedRows.size(), 0);
  for (size_t p = 0; p < r.batch.ids.size(); ++p) {
    const std::int64_t id = r.batch.ids[p];
    ++r.selectedCounts[static_cast<size_t>(std::lower_bound(r.selectedRows.begin(), r.selectedRows.end(), id) -
                                           r.selectedRows.begin())];
    if (!r.mask[p]) continue;
    auto it = std::lower_bound(grad.rows.begin(), grad.rows.end(), id);
    if (it != grad.rows.end() && *it == id) ++r.gradientCounts[static_cast<size_t>(it - grad.rows.begin())];
  }
  // Rows the ids select (every distinct id, padding included: row 0 is an ordinary row).
  EMBEDSCOPE_TRY(m_backend->readRows(r.selectedRows, r.selectedBefore));
  EMBEDSCOPE_TRY(m_backend->readRows(grad.rows, r.rowsBefore));

  // Update: the table and the head in one optimizer apply.
  compute::DenseVariable dense[] = {{m_head.kernelVariable, &m_head.kernel, &headGrad.kernel},
                                    {m_head.biasVariable, &m_head.bias, &headGrad.bias}};
  std::vector<UpdateStats> stats;
  Result<double> applied = m_backend->applyGradient(grad, dense, &stats);
  if (!applied.isOk()) return applied.status();
  EMBEDSCOPE_TRY(m_backend->readRows(grad.rows, r.rowsAfter));
  m_lastRowDelta = stats.empty() ? std::vector<float>{} : stats.front().rowDelta;  // the table comes first

  auto table = std::make_shared<Matrix>();
  EMBEDSCOPE_TRY(m_backend->readTable(*table));
  m_previous = m_table;
  m_table = std::move(table);
  for (std::int64_t id : grad.rows) m_everTouched[static_cast<size_t>(id)] = 1;
  for (Eigen::Index row = 0; row < m_table->rows(); ++row) {
    bool moved = false;
    for (Eigen::Index c = 0; c < m_table->cols() && !moved; ++c) moved = (*m_table)(row, c) != (*m_previous)(row, c);
    if (!moved) continue;
    ++r.rowsMoved;
    if (!std::binary_search(grad.rows.begin(), grad.rows.end(), static_cast<std::int64_t>(row))) ++r.untouchedRowsMoved;
  }
  ++m_step;
  m_last = r;
  return r;
}

MatrixFrame InspectModel::frame() const {
  MatrixFrame f;
  f.table = m_table;
  f.previous = m_previous;
  f.everTouched = m_everTouched;
  f.rowDelta = m_lastRowDelta;
  f.step = m_step;
  f.optimizer = m_setup.optimizer;
  f.lazy = m_setup.lazy;
  if (m_last) {
    f.lastBatchIds = m_last->batch.ids;
    f.gradientRows = m_last->gradientRows;
    for (Eigen::Index i = 0; i < m_last->gradient.rows(); ++i) {
      double s = 0;
      for (Eigen::Index c = 0; c < m_last->gradient.cols(); ++c)
        s += static_cast<double>(m_last->gradient(i, c)) * m_last->gradient(i, c);
      f.gradientNorms.push_back(static_cast<float>(std::sqrt(s)));
    }
  }
  return f;
}

}  // namespace embedscope::ui::inspect
