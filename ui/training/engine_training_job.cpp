// The engine's session as a TrainingJob: buildRun (data, table, backend, task) and the Trainer,
// whose pause / resume / step / cancel are already thread-safe direct calls.
#include <chrono>
#include <cmath>
#include <mutex>

#include <QJsonDocument>

#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/version.h"
#include "engine/session/checkpoint.h"
#include "engine/session/run_manifest.h"
#include "engine/session/train_command_line.h"
#include "engine/data/planted_clusters_preset.h"
#include "engine/data/presets.h"
#include "ui/training/skipgram_training_job.h"
#include "engine/session/run_builder.h"
#include "engine/session/trainer.h"
#include "ui/models/engine_bridge.h"
#include "ui/training/training_job.h"

namespace embedscope::ui {

namespace {

class EngineTrainingJob final : public TrainingJob {
 public:
  EngineTrainingJob(LayerSettings layer, TaskSettings task) : m_layerSettings(std::move(layer)), m_task(std::move(task)) {}

  QString prepare() override {
    auto layer = toLayerConfig(m_layerSettings);
    if (!layer) return QString::fromStdString(layer.status().message());
    auto opt = toOptimizerConfig(m_task.optimizer);
    if (!opt) return QString::fromStdString(opt.status().message());
    session::RunSpec spec;
    spec.task = m_task.task.toStdString();
    spec.preset = m_task.dataPath.isEmpty() ? m_task.preset.toStdString() : std::string();
    spec.dataPath = m_task.dataPath.toStdString();
    spec.layer = *layer;
    spec.optimizer = *opt;
    spec.batchSize = m_task.batchSize;
    spec.epochs = 1;
    spec.validationSplit = m_task.validationSplit;
    spec.seed = m_task.seed;
    spec.engine = toEngineChoice(m_task.engine);
    spec.threads = 1;  // one thread: bit-reproducible, and the GUI thread keeps a core
    if ((spec.task == "classify" || spec.preset == "planted-clusters") && layer->inputLength)
      spec.maxLength = *layer->inputLength;
    spec.numClasses = m_task.numClasses;
    compute::registerVulkanFactory();  // idempotent: the Vulkan engine is always on offer here
    auto run = session::buildRun(spec);
    if (!run && spec.task == "classify" && run.status().message().find("input_dim") != std::string::npos) {
      // The data's vocabulary is larger than the panel's input_dim: size the table from the data.
      spec.layer.inputDim = 0;
      run = session::buildRun(spec);
      if (run) m_notes << QString("input_dim set to the vocabulary size, %1").arg(run->layer.inputDim);
    }
    if (!run) return QString::fromStdString(run.status().message());
    m_run = std::move(run).value();
    for (const auto& w : m_run.warnings) m_notes << QString::fromStdString(w);
    const std::int64_t spe = std::max<std::int64_t>(1, m_run.task->stepsPerEpoch());
    session::TrainerOptions o;
    o.epochs = std::max<std::int64_t>(1, (m_task.maxSteps + spe - 1) / spe);
    o.snapshotEvery = std::max(1, m_task.snapshotEvery);
    m_maxSteps = o.epochs * spe;
    m_trainer = std::make_unique<session::Trainer>(*m_run.backend, *m_run.task, o);
    m_trainer->pause();  // the window starts a run paused; play / step steer it
    if (Status s = m_trainer->prepare(); !s) return QString::fromStdString(s.message());
    std::vector<std::pair<std::string, Matrix>> taskTensors;
    m_run.task->exportState(taskTensors);
    for (const auto& t : taskTensors) m_taskTensorNames.push_back(t.first);
    m_manifest = manifestJson(spec);
    auto snap = std::make_shared<EmbeddingSnapshot>();
    snap->table = m_run.initialTable;
    if (m_resume) {
      // As `embedscope train --resume`: the checkpoint's tensors and position into this run.
      auto state = session::checkpointFromSession(*m_resume);
      if (!state) return "Cannot restore the session: " + QString::fromStdString(state.status().message());
      if (Status s = m_trainer->restore(*state); !s)
        return "Cannot restore the session: " + QString::fromStdString(s.message());
      if (Status s = m_run.backend->readTable(snap->table); !s) return QString::fromStdString(s.message());
      snap->step = state->globalStep;
      m_resumedHistory = state->history;
    }
    snap->touched.assign(size_t(snap->table.rows()), 0);
    buildCorpus();
    m_initial = snap;
    return {};
  }

  void setResumeFrom(std::shared_ptr<const io::SessionFile> session) override { m_resume = std::move(session); }

  void requestCheckpoint() override {
    std::lock_guard<std::mutex> lock(m_control);
    if (m_live) m_trainer->requestCheckpoint();
    else m_pendingCheckpoint = true;
  }
  void setSessionTexts(std::map<std::string, std::string> texts) override {
    std::lock_guard<std::mutex> lock(m_textsMutex);
    m_texts = std::move(texts);
  }

  CorpusPtr corpus() const override { return m_corpus; }
  SnapshotPtr initialSnapshot() const override { return m_initial; }
  QString engineDescription() const override {
    QString d = m_run.backend ? QString::fromStdString(m_run.backend->info().device) : QString("engine");
    if (!m_run.engineReason.empty()) d += " - " + QString::fromStdString(m_run.engineReason);
    if (!m_notes.isEmpty()) d += "; " + m_notes.join("; ");
    return d;
  }

  // The GUI may steer before the worker has built the Trainer: remember, and apply in fit().
  void pause() override {
    std::lock_guard<std::mutex> lock(m_control);
    m_wantRunning = false;
    if (m_live) m_trainer->pause();
  }
  void resume() override {
    std::lock_guard<std::mutex> lock(m_control);
    m_wantRunning = true;
    if (m_live) m_trainer->resume();
  }
  bool isPaused() const override {
    std::lock_guard<std::mutex> lock(m_control);
    return !m_wantRunning;
  }
  void step() override {
    std::lock_guard<std::mutex> lock(m_control);
    if (m_live) m_trainer->step();
    else ++m_pendingSteps;
  }

  QString fit(const ProgressFn& progress, const SnapshotFn& snapshot, const CheckpointFn& checkpoint,
              const CancelToken& cancel) override {
    const QString metricName = QString::fromStdString(m_run.task->metricName());
    const std::int64_t batch = m_task.batchSize;
    std::int64_t lastStep = m_initial ? m_initial->step : 0;  // a resumed run starts at its checkpoint
    double lastSeconds = 0, rate = 0, lastLoss = 0, lastMetric = 0;
    session::TrainerCallbacks cb;
    cb.onProgress = [&](const session::TrainingProgress& p) {
      TrainingProgress out;
      out.step = p.globalStep;
      out.maxSteps = m_maxSteps;
      // Held at an epoch's first step, the epoch has no figures yet: the last ones still hold.
      const bool noFigures = p.paused && (p.step == 0 || p.globalStep == lastStep);
      out.hasFigures = !noFigures;
      out.loss = noFigures ? lastLoss : p.loss;
      out.metric = noFigures ? lastMetric : p.metric;
      lastLoss = out.loss;
      lastMetric = out.metric;
      out.metricName = metricName;
      const double dt = p.seconds - lastSeconds;
      if (dt > 0 && p.globalStep > lastStep) {
        const double r = double(p.globalStep - lastStep) / dt;
        rate = rate <= 0 ? r : 0.7 * rate + 0.3 * r;
      }
      lastSeconds = p.seconds;
      lastStep = p.globalStep;
      out.stepsPerSecond = rate;
      out.samplesPerSecond = rate * double(batch);
      out.etaSeconds = rate > 0 ? double(m_maxSteps - p.globalStep) / rate : -1;
      out.running = !p.paused;
      out.paused = p.paused;
      progress(out);
    };
    // An epoch's figures as one report at `step` (epoch ends, and the epochs a session holds).
    auto epochReport = [&](const session::EpochRecord& e, std::int64_t step) {
      TrainingProgress out;
      out.step = step;
      out.maxSteps = m_maxSteps;
      out.loss = e.loss;
      out.metric = e.metric;
      out.metricName = metricName;
      out.hasValidation = e.valLoss.has_value();
      out.valLoss = e.valLoss.value_or(0.0);
      out.valMetric = e.valMetric.value_or(0.0);
      return out;
    };
    cb.onEpochEnd = [&](const session::EpochRecord& e) {
      lastLoss = e.loss;
      lastMetric = e.metric;
      TrainingProgress out = epochReport(e, lastStep);
      out.stepsPerSecond = rate;
      out.samplesPerSecond = rate * double(batch);
      out.running = true;
      progress(out);
    };
    cb.onSnapshot = [&](std::shared_ptr<const session::Snapshot> s) {
      auto snap = std::make_shared<EmbeddingSnapshot>();
      snap->step = s->globalStep;
      snap->loss = s->loss;
      snap->table = s->table;
      snap->touched.assign(size_t(s->table.rows()), 0);
      for (auto r : s->rowsTouched)
        if (r >= 0 && size_t(r) < snap->touched.size()) snap->touched[size_t(r)] = 1;
      snapshot(snap);
    };
    cb.onCheckpoint = [&](const session::TrainingState& st) {
      if (checkpoint) checkpoint(sessionFile(st), st.globalStep);
      return Status::ok();  // a failed autosave is reported, it never stops the run
    };
    // A resumed run's curves start with the epochs its session already holds (one point per epoch,
    // at the epoch's last step), so restoring an autosave does not show an empty chart.
    const std::int64_t spe = std::max<std::int64_t>(1, m_run.task->stepsPerEpoch());
    for (const auto& e : m_resumedHistory) progress(epochReport(e, (e.epoch + 1) * spe));
    {
      std::lock_guard<std::mutex> lock(m_control);
      m_live = true;
      if (m_wantRunning) m_trainer->resume();
      for (; m_pendingSteps > 0; --m_pendingSteps) m_trainer->step();
      if (m_pendingCheckpoint) m_trainer->requestCheckpoint();
    }
    const session::FitResult r = m_trainer->fit(cb, cancel);
    if (r.cancelled()) return {};
    if (!r.status) return QString::fromStdString(r.status.message());
    // The finished run's state, so a later crash (or a session save) keeps the whole run.
    if (checkpoint)
      if (auto st = m_trainer->state()) checkpoint(sessionFile(*st), st->globalStep);
    Matrix table;
    if (m_run.backend->readTable(table)) {
      auto snap = std::make_shared<EmbeddingSnapshot>();
      snap->step = r.globalStep;
      snap->table = std::move(table);
      snap->touched.assign(size_t(snap->table.rows()), 0);
      snapshot(snap);
    }
    TrainingProgress done;
    done.step = r.globalStep;
    done.maxSteps = m_maxSteps;
    done.metricName = metricName;
    if (!r.epochs.empty()) {
      done.loss = r.epochs.back().loss;
      done.metric = r.epochs.back().metric;
    }
    done.finished = true;
    progress(done);
    return {};
  }

 private:
  // The checkpoint plus what the window needs to rebuild the run: its own settings (the Keras-named
  // JSON the presets use) and the texts the window gave (bookmarks, selections).
  io::SessionFile sessionFile(const session::TrainingState& st) const {
    io::SessionFile f = session::checkpointToSession(st, m_manifest, m_taskTensorNames);
    f.setText(io::session_keys::kLayerConfig, QJsonDocument(m_layerSettings.toJson()).toJson(QJsonDocument::Compact).toStdString());
    f.setText(io::session_keys::kTaskConfig, QJsonDocument(m_task.toJson()).toJson(QJsonDocument::Compact).toStdString());
    f.setText(io::session_keys::kOptimizerConfig,
              QJsonDocument(m_task.optimizer.toJson()).toJson(QJsonDocument::Compact).toStdString());
    f.setText(io::session_keys::kSeed, std::to_string(m_task.seed));
    f.setText(io::session_keys::kEngine, m_run.backend ? m_run.backend->info().engine : std::string("cpu"));
    if (m_run.vocabulary) {
      std::string v;
      for (const auto& t : m_run.vocabulary->tokens()) v += t + "\n";
      f.setText(io::session_keys::kVocabulary, v);
    }
    std::lock_guard<std::mutex> lock(m_textsMutex);
    for (const auto& [k, t] : m_texts) {
      if (t.empty()) f.remove(k);  // none: the key goes (readers take an absent key as no marks)
      else f.setText(k, t);
    }
    return f;
  }

  std::string manifestJson(const session::RunSpec& spec) const {
    session::RunManifest m;
    m.task = spec.task;
    m.data = spec.preset.empty() ? spec.dataPath : "preset " + spec.preset;
    m.layer = m_run.layer;
    m.layer.weights.reset();
    m.optimizer = spec.optimizer;
    m.batchSize = spec.batchSize;
    m.epochs = std::max<std::int64_t>(1, m_maxSteps / std::max<std::int64_t>(1, m_run.task->stepsPerEpoch()));
    m.shuffle = spec.shuffle;
    m.validationSplit = spec.validationSplit;
    m.seed = spec.seed;
    m.engine = m_run.backend->info();
    m.engineReason = m_run.engineReason;
    m.version = versionString();
    // The arguments that let `embedscope train --resume SESSION` continue this run from the shell.
    if (auto line = session::trainCommandLine(spec, m_run.layer, m.epochs)) m.commandLine = std::move(line).value();
    m.writtenBy = "explorer window";
    return session::manifestToJson(m);
  }

  void buildCorpus() {
    auto c = std::make_shared<CorpusInfo>();
    const auto rows = m_run.layer.inputDim;
    c->frequency.assign(size_t(rows), 0);
    c->cluster.assign(size_t(rows), -1);
    if (m_run.vocabulary) {
      const auto& v = *m_run.vocabulary;
      for (std::int64_t i = 0; i < rows; ++i) {
        c->tokens << (i < v.size() ? QString::fromStdString(v.token(std::int32_t(i))) : QString("#%1").arg(i));
        if (i < v.size()) c->frequency[size_t(i)] = v.frequency(std::int32_t(i));
      }
      if (planted()) {
        for (std::int64_t i = 0; i < rows; ++i)
          c->cluster[size_t(i)] = int(data::plantedClassOf(i, std::max(2, m_task.numClasses)));
      } else if (m_task.preset == "sentiment" && m_task.dataPath.isEmpty()) {
        c->clusterNames << "negative" << "positive";
        for (int polarity = 0; polarity < 2; ++polarity)
          for (const auto& w : data::sentimentWords(polarity)) {
            const auto id = v.idOf(w);
            if (id >= 0 && id < rows) c->cluster[size_t(id)] = polarity;
          }
      }
    } else if (planted()) {
      // The regression variant has no vocabulary of its own: the classify variant's words, same seed.
      data::PlantedClustersOptions o;
      o.inputDim = rows;
      o.classes = std::max(2, m_task.numClasses);
      o.examples = 1;
      o.seed = m_task.seed;
      const auto words = data::plantedClustersPreset(o).vocabulary;
      for (std::int64_t i = 0; i < rows; ++i) {
        c->tokens << QString::fromStdString(words.token(std::int32_t(i)));
        c->cluster[size_t(i)] = int(data::plantedClassOf(i, o.classes));
      }
    } else {
      for (std::int64_t i = 0; i < rows; ++i) c->tokens << QString::number(i);
    }
    if (planted()) {
      QStringList cls, parity;
      for (std::int64_t i = 0; i < rows; ++i) {
        const int k = c->cluster[size_t(i)];
        cls << (k < 0 ? QString("special") : QString("class %1").arg(k));
        parity << ((i % 2) ? "odd id" : "even id");
      }
      c->metadataColumns << "class" << "parity";
      c->metadata = {cls, parity};
      c->description = m_task.task == "classify"
                           ? QString("Planted classes: %1 tokens in %2 classes, sequences of %3, %4 examples")
                                 .arg(rows).arg(std::max(2, m_task.numClasses)).arg(sequenceLength()).arg(m_run.examples)
                           : QString("Regression to a hidden table, %1 x %2").arg(rows).arg(m_run.layer.outputDim);
      m_corpus = c;
      return;
    }
    QStringList kind;
    for (std::int64_t i = 0; i < rows; ++i)
      kind << (i == 0 ? "padding" : i == 1 && m_run.vocabulary ? "OOV" : c->cluster[size_t(i)] >= 0 ? c->clusterNames.value(c->cluster[size_t(i)]) : "neutral");
    c->metadataColumns << "kind";
    c->metadata = {kind};
    c->description = QString("%1 on %2: %3 rows x %4, %5 examples")
                         .arg(m_task.task, m_task.dataPath.isEmpty() ? "preset " + m_task.preset : m_task.dataPath)
                         .arg(rows)
                         .arg(m_run.layer.outputDim)
                         .arg(m_run.examples);
    m_corpus = c;
  }

  bool planted() const { return m_task.preset == "planted-clusters" && m_task.dataPath.isEmpty(); }
  long long sequenceLength() const { return m_run.layer.inputLength.value_or(12); }

  LayerSettings m_layerSettings;
  TaskSettings m_task;
  session::Run m_run;
  std::unique_ptr<session::Trainer> m_trainer;
  std::int64_t m_maxSteps = 0;
  CorpusPtr m_corpus;
  SnapshotPtr m_initial;
  QStringList m_notes;
  mutable std::mutex m_control;
  bool m_live = false, m_wantRunning = false, m_pendingCheckpoint = false;
  int m_pendingSteps = 0;
  std::shared_ptr<const io::SessionFile> m_resume;
  std::vector<std::string> m_taskTensorNames;
  std::vector<session::EpochRecord> m_resumedHistory;  // the epochs a resumed session already holds
  std::string m_manifest;
  mutable std::mutex m_textsMutex;
  std::map<std::string, std::string> m_texts;
};

}  // namespace

std::unique_ptr<TrainingJob> makeTrainingJob(const LayerSettings& layer, const TaskSettings& task) {
  if (task.task == "skipgram") return makeSkipGramTrainingJob(layer, task);
  return std::make_unique<EngineTrainingJob>(layer, task);
}

}  // namespace embedscope::ui
