#include "engine/session/run_builder.h"

#include "engine/compute/backend_registry.h"
#include "engine/data/classify_dataset.h"
#include "engine/data/labeled_tsv.h"
#include "engine/data/planted_clusters_preset.h"
#include "engine/data/presets.h"
#include "engine/io/npy.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/initializers.h"
#include "engine/layer/lora.h"
#include "engine/tasks/classify_task.h"
#include "engine/tasks/regression_task.h"

namespace embedscope::session {

std::optional<PresetDefaults> presetDefaults(const std::string& task, const std::string& preset) {
  PresetDefaults d;
  if (task == "regression" && preset == "keras-example") {
    // The docs' Embedding(1000, 64). Plain SGD with a rate sized to Keras's mse reduction
    // (dLoss/dOut carries 1/(B·L·D)): frequent rows converge in a few epochs, rows never looked up
    // stay exactly where the initializer put them.
    d.inputDim = 1000;
    d.outputDim = 64;
    d.epochs = 10;
    d.batchSize = 32;
    d.optimizer = "sgd";
    d.learningRate = 100.0;
    return d;
  }
  if ((task == "classify" || task == "regression") && preset == "planted-clusters") {
    // The explorer's demo: 2,000 tokens in 6 classes, Adam at 0.01 separates them in a few hundred steps.
    d.inputDim = 2000;
    d.outputDim = 16;
    d.epochs = 15;
    d.batchSize = 32;
    d.optimizer = "adam";
    d.learningRate = 0.01;
    d.validationSplit = 0.2;
    d.maskZero = task == "classify";
    return d;
  }
  if (task == "classify" && preset == "sentiment") {
    d.outputDim = 16;
    d.epochs = 12;
    d.batchSize = 32;
    d.optimizer = "adam";
    d.learningRate = 0.01;
    d.validationSplit = 0.2;
    d.maskZero = true;
    return d;
  }
  return std::nullopt;
}

namespace {

Status checkDims(LayerConfig& layer, std::int64_t dataInputDim, const std::string& what) {
  if (layer.inputDim == 0) layer.inputDim = dataInputDim;
  if (layer.outputDim == 0)
    return Status::invalidArgument("`output_dim` is required: pass --output-dim (or --init W.npy) for " + what);
  return Status::ok();
}

Result<data::IdMatrix> loadIds(const std::string& path) {
  auto arr = io::readNpy(path);
  if (!arr) return arr.status().withContext(path);
  if (arr->shape.size() != 2)
    return Status::dataError(path + ": ids must have shape (N, L), found " + arr->shapeString());
  auto ids = idsFromNdArray(*arr);
  if (!ids) return ids.status().withContext(path);
  data::IdMatrix m;
  m.rows = arr->shape[0];
  m.length = arr->shape[1];
  m.ids = std::move(ids->values);
  return m;
}

// The planted-clusters generator sized by the spec: the table's rows (default 2,000), the classes
// and the sequence length.
data::PlantedClustersOptions plantedOptions(const RunSpec& spec) {
  data::PlantedClustersOptions o;
  if (spec.layer.inputDim > 0) o.inputDim = spec.layer.inputDim;
  if (spec.numClasses > 0) o.classes = spec.numClasses;
  if (spec.maxLength > 0) o.length = spec.maxLength;
  o.seed = spec.seed;
  return o;
}

}  // namespace

Result<Run> buildRun(RunSpec spec) {
  Run run;
  if (!spec.preset.empty()) {
    auto d = presetDefaults(spec.task, spec.preset);
    if (!d) {
      std::string names;
      for (const auto& n : data::presetNames(spec.task)) names += (names.empty() ? "'" : ", '") + n + "'";
      return Status::invalidArgument("unknown preset '" + spec.preset + "' for --task " + spec.task +
                                     " (choose from " + names + ")");
    }
  }
  if (spec.epochs <= 0)
    return Status::invalidArgument("`epochs` must be a positive integer. Received: epochs=" + std::to_string(spec.epochs));
  if (spec.batchSize <= 0)
    return Status::invalidArgument("`batch_size` must be a positive integer. Received: batch_size=" +
                                   std::to_string(spec.batchSize));
  if (spec.threads <= 0)
    return Status::invalidArgument("--threads must be a positive integer. Received: " + std::to_string(spec.threads));
  if (spec.layer.weights) {
    // --init W.npy fixes the shape; explicit dims must agree (Keras's set_weights message).
    if (spec.layer.inputDim == 0) spec.layer.inputDim = spec.layer.weights->rows();
    if (spec.layer.outputDim == 0) spec.layer.outputDim = spec.layer.weights->cols();
  }

  std::vector<std::int64_t> idShape;
  if (spec.task == "regression") {
    data::IdMatrix ids;
    Matrix targets;
    if (spec.preset == "planted-clusters") {
      auto d = data::plantedRegressionPreset(plantedOptions(spec), spec.layer.outputDim ? spec.layer.outputDim : 16);
      ids = std::move(d.ids);
      targets = std::move(d.targets);
      if (spec.layer.inputDim == 0) spec.layer.inputDim = d.inputDim;
      if (spec.layer.outputDim == 0) spec.layer.outputDim = d.outputDim;
    } else if (!spec.preset.empty()) {
      data::KerasExamplePresetOptions o;
      o.seed = spec.seed;
      if (spec.layer.inputDim) o.inputDim = spec.layer.inputDim;
      if (spec.layer.outputDim) o.outputDim = spec.layer.outputDim;
      auto d = data::kerasExamplePreset(o);
      ids = std::move(d.ids);
      targets = std::move(d.targets);
      if (spec.layer.inputDim == 0) spec.layer.inputDim = d.inputDim;
      if (spec.layer.outputDim == 0) spec.layer.outputDim = d.outputDim;
    } else {
      if (spec.idsPath.empty() || spec.targetsPath.empty())
        return Status::invalidArgument("--task regression needs --ids IDS.npy and --targets Y.npy, or --preset keras-example");
      auto i = loadIds(spec.idsPath);
      if (!i) return i.status();
      ids = std::move(i).value();
      auto y = io::readNpy(spec.targetsPath);
      if (!y) return y.status().withContext(spec.targetsPath);
      if (y->shape.size() != 3 || y->shape[0] != ids.rows || y->shape[1] != ids.length)
        return Status::dataError(spec.targetsPath + ": targets must have shape (N, L, output_dim) = (" +
                                 std::to_string(ids.rows) + ", " + std::to_string(ids.length) + ", D), found " +
                                 y->shapeString());
      if (spec.layer.outputDim == 0) spec.layer.outputDim = y->shape[2];
      if (y->shape[2] != spec.layer.outputDim)
        return Status::dataError(spec.targetsPath + ": targets have " + std::to_string(y->shape[2]) +
                                 " values per position but output_dim=" + std::to_string(spec.layer.outputDim));
      const auto values = y->toFloat32();
      targets = Eigen::Map<const Matrix>(values.data(), ids.rows * ids.length, y->shape[2]);
      std::int64_t maxId = 0;
      for (auto v : ids.ids) maxId = std::max(maxId, v);
      if (spec.layer.inputDim == 0) spec.layer.inputDim = maxId + 1;
    }
    EMBEDSCOPE_TRY(checkDims(spec.layer, spec.layer.inputDim, "--task regression"));
    EMBEDSCOPE_TRY(validateLayerConfig(spec.layer, &run.warnings));
    idShape = {ids.rows, ids.length};
    EMBEDSCOPE_TRY(validateIds(ids.ids, idShape, spec.layer.inputDim));
    tasks::RegressionOptions ro{spec.batchSize, spec.shuffle, spec.validationSplit, spec.seed};
    auto t = tasks::RegressionTask::create(std::move(ids), std::move(targets), ro);
    if (!t) return t.status();
    run.examples = (*t)->ids().rows;
    run.task = std::move(t).value();
  } else if (spec.task == "classify" && spec.preset == "planted-clusters") {
    // Generated ids in the vocabulary's own order (token t is of class (t - 2) % classes), so the
    // table's rows keep the planted layout that the explorer colours.
    auto d = data::plantedClustersPreset(plantedOptions(spec));
    EMBEDSCOPE_TRY(checkDims(spec.layer, d.vocabulary.size(), "--preset planted-clusters"));
    EMBEDSCOPE_TRY(validateLayerConfig(spec.layer, &run.warnings));
    idShape = {d.ids.rows, d.ids.length};
    EMBEDSCOPE_TRY(validateIds(d.ids.ids, idShape, spec.layer.inputDim));
    tasks::ClassifyOptions co{spec.batchSize, spec.shuffle, spec.validationSplit, spec.seed};
    const auto classes = static_cast<std::int64_t>(d.classNames.size());
    run.examples = d.ids.rows;
    auto t = tasks::ClassifyTask::create(std::move(d.ids), std::move(d.labels), classes, co);
    if (!t) return t.status();
    run.task = std::move(t).value();
    run.vocabulary = std::move(d.vocabulary);
  } else if (spec.task == "classify") {
    data::LabeledCorpus corpus;
    std::string source = spec.dataPath;
    if (!spec.preset.empty()) {
      data::SentimentPresetOptions o;
      o.seed = spec.seed;
      corpus = data::sentimentPreset(o);
      source = "preset " + spec.preset;
    } else {
      if (spec.dataPath.empty())
        return Status::invalidArgument("--task classify needs --data FILE.tsv or --preset sentiment");
      auto c = data::readLabeledTsv(spec.dataPath);
      if (!c) return c.status();
      corpus = std::move(c).value();
    }
    if (spec.maxLength < 0)
      return Status::invalidArgument("--max-length must be a positive integer. Received: " + std::to_string(spec.maxLength));
    auto d = data::buildClassifyData(corpus, spec.maxLength, source);
    if (!d) return d.status();
    for (auto& w : d->warnings) run.warnings.push_back(std::move(w));
    EMBEDSCOPE_TRY(checkDims(spec.layer, d->vocabulary.size(), "--task classify"));
    EMBEDSCOPE_TRY(validateLayerConfig(spec.layer, &run.warnings));
    idShape = {d->ids.rows, d->ids.length};
    EMBEDSCOPE_TRY(validateIds(d->ids.ids, idShape, spec.layer.inputDim)
                       .withContext("the vocabulary has " + std::to_string(d->vocabulary.size()) +
                                    " ids but input_dim=" + std::to_string(spec.layer.inputDim)));
    tasks::ClassifyOptions co{spec.batchSize, spec.shuffle, spec.validationSplit, spec.seed};
    const auto classes = static_cast<std::int64_t>(d->classNames.size());
    run.examples = d->ids.rows;
    auto t = tasks::ClassifyTask::create(std::move(d->ids), std::move(d->labels), classes, co);
    if (!t) return t.status();
    run.task = std::move(t).value();
    run.vocabulary = std::move(d->vocabulary);
  } else {
    return Status::invalidArgument("argument --task: invalid choice: '" + spec.task +
                                   "' (choose from 'regression', 'classify', 'skipgram')");
  }

  EMBEDSCOPE_TRY(validateOptimizerConfig(spec.optimizer));
  auto table = initializeTable(spec.layer);
  if (!table) return table.status();
  compute::BackendSetup setup;
  setup.layer = spec.layer;
  setup.table = std::move(table).value();
  if (spec.layer.loraEnabled()) {
    auto lora = initializeLora(spec.layer);
    if (!lora) return lora.status();
    setup.lora = std::move(lora).value();
  }
  setup.optimizer = spec.optimizer;
  setup.threads = spec.threads;
  run.layer = spec.layer;
  auto created = compute::createBackend(spec.engine, std::move(setup));
  if (!created) return created.status();
  run.backend = std::move(created->backend);
  run.engineReason = created->reason;
  EMBEDSCOPE_TRY(run.backend->readTable(run.initialTable));
  return run;
}

}  // namespace embedscope::session
