#include "ui/training/skipgram_training_job.h"

#include <QJsonDocument>
#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <mutex>
#include <thread>

#include "engine/core/version.h"
#include "engine/data/text_corpus.h"
#include "engine/session/run_manifest.h"
#include "engine/session/skipgram_checkpoint.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_control.h"
#include "engine/tasks/skipgram_eval.h"
#include "engine/tasks/skipgram_sampler.h"
#include "engine/tasks/skipgram_trainer.h"

namespace embedscope::ui {
namespace {

// Sentences of the explorer's topics corpus: ~240,000 words, about 24 chunks an epoch, so an epoch
// takes well under a second and a step (one chunk) is a visible move.
constexpr std::int64_t kExplorerSentences = 20000;

class SkipGramTrainingJob : public TrainingJob {
 public:
  SkipGramTrainingJob(LayerSettings layer, TaskSettings task) : m_layer(std::move(layer)), m_task(std::move(task)) {
    m_control.pause();  // fit() starts paused, as every TrainingJob
  }

  void setResumeFrom(std::shared_ptr<const io::SessionFile> session) override { m_resume = std::move(session); }

  QString prepare() override {
    if (!m_task.dataPath.isEmpty()) return "The skip-gram task trains on the topics preset only (no data file).";
    data::TopicsPresetOptions po;
    po.sentences = kExplorerSentences;
    po.seed = m_task.seed + 1;
    m_preset = data::generateTopicsPreset(po);
    data::TextCorpusOptions co;
    co.vocabulary.minCount = 1;
    auto corpus = data::buildTextCorpus(m_preset.text, co);
    if (!corpus) return QString::fromStdString(corpus.status().message());
    m_corpus = std::make_shared<data::TextCorpus>(std::move(corpus).value());

    bool ok = false;
    const int dim = m_layer.outputDim.toInt(&ok);
    m_config.outputDim = ok && dim > 0 ? dim : 64;
    m_config.seed = m_task.seed + 1;
    m_config.threads = 1;  // bit-reproducible, and the GUI thread keeps a core
    m_config.progressIntervalSeconds = 0.05;
    // A barrier after every chunk, where an asked-for checkpoint (autosave, Save session) is cut;
    // on one thread the barriers change nothing in the arithmetic.
    m_config.checkpointEveryChunks = 1;
    const auto starts = skipgram_detail::chunkStarts(*m_corpus, skipgram_detail::kWordsPerChunk);
    m_chunksPerEpoch = std::max<std::int64_t>(1, std::int64_t(starts.size()) - 1);
    m_config.epochs = int(std::clamp<std::int64_t>((m_task.maxSteps + m_chunksPerEpoch - 1) / m_chunksPerEpoch, 1, 100));
    m_maxSteps = m_chunksPerEpoch * m_config.epochs;
    m_config.snapshotEveryWords = std::int64_t(std::max(1, m_task.snapshotEvery)) * skipgram_detail::kWordsPerChunk;
    // Corpus words at the end of each chunk (over all epochs), to turn words processed into steps.
    for (int e = 0; e < m_config.epochs; ++e)
      for (std::size_t c = 0; c + 1 < starts.size(); ++c) {
        const std::size_t endSentence = starts[c + 1];
        const std::int64_t words = endSentence == 0 ? 0 : std::int64_t(m_corpus->sentenceEnds[endSentence - 1]);
        m_chunkEndWords.push_back(std::int64_t(e) * m_corpus->keptTokens() + words);
      }

    auto snap = std::make_shared<EmbeddingSnapshot>();
    if (m_resume) {  // an autosave or a saved session of this same run
      auto st = session::skipGramStateFromCheckpoint(*m_resume, m_config, m_corpus->vocabulary);
      if (!st) return QString::fromStdString(st.status().message());
      m_resumeState = std::move(st).value();
      snap->table = m_resumeState->embeddings;
      snap->step = stepsAt(m_resumeState->position.wordsProcessed);
    } else {
      snap->table = defaultSkipGramTable(m_corpus->vocabulary.size(), m_config.outputDim, m_config.seed);
    }
    snap->touched.assign(size_t(snap->table.rows()), 0);
    m_initial = snap;
    buildCorpusInfo();
    return {};
  }

  CorpusPtr corpus() const override { return m_info; }
  SnapshotPtr initialSnapshot() const override { return m_initial; }
  QString engineDescription() const override {
    return QString("CPU skip-gram (SGNS, 1 thread); vocabulary %1 words, output_dim %2 (the layer's input_dim is the "
                   "vocabulary size here)")
        .arg(m_corpus ? m_corpus->vocabulary.size() : 0)
        .arg(m_config.outputDim);
  }

  void pause() override { m_control.pause(); }
  void resume() override { m_control.resume(); }
  void step() override { m_control.step(); }
  bool isPaused() const override { return m_control.isPaused(); }
  // Served at the next chunk barrier (while paused: at the next step).
  void requestCheckpoint() override { m_checkpointWanted = true; }
  void setSessionTexts(std::map<std::string, std::string> texts) override {
    std::lock_guard<std::mutex> lock(m_textsMutex);
    m_texts = std::move(texts);
  }

  QString fit(const ProgressFn& progress, const SnapshotFn& snapshot, const CheckpointFn& checkpoint,
              const CancelToken& cancel) override {
    double lastLoss = 0.0, lastSeconds = 0.0, rate = 0.0;
    long long lastStep = 0;
    SkipGramCallbacks cb;
    cb.control = &m_control;
    cb.onProgress = [&](const SkipGramProgress& p) {
      TrainingProgress out;
      out.step = stepsAt(p.wordsProcessed);
      out.maxSteps = m_maxSteps;
      out.hasFigures = p.loss > 0.0;
      out.loss = out.hasFigures ? p.loss : lastLoss;
      lastLoss = out.loss;
      out.metric = p.learningRate;
      out.metricName = "learning rate";
      const double dt = p.seconds - lastSeconds;
      if (dt > 0 && out.step > lastStep) {
        const double r = double(out.step - lastStep) / dt;
        rate = rate <= 0 ? r : 0.7 * rate + 0.3 * r;
      }
      lastSeconds = p.seconds;
      lastStep = out.step;
      out.stepsPerSecond = rate;
      out.samplesPerSecond = p.wordsPerSecond;
      out.etaSeconds = rate > 0 ? double(m_maxSteps - out.step) / rate : -1;
      out.paused = p.held;
      out.running = !p.held;
      progress(out);
    };
    cb.onSnapshot = [&](std::shared_ptr<const SkipGramSnapshot> s) {
      auto snap = std::make_shared<EmbeddingSnapshot>();
      snap->step = stepsAt(s->wordsProcessed);
      snap->loss = s->loss;
      snap->table = s->embeddings;
      snap->touched.assign(size_t(s->embeddings.rows()), 1);
      snapshot(snap);
    };
    cb.onCheckpoint = [&](const SkipGramState& s) {
      if (checkpoint && m_checkpointWanted.exchange(false))
        checkpoint(sessionFile(s), stepsAt(s.position.wordsProcessed));
      return Status::ok();  // a failed autosave is reported by the caller, it never stops the run
    };
    auto r = SkipGramTrainer().run(m_config, *m_corpus, cb, cancel, m_resumeState ? &*m_resumeState : nullptr);
    if (!r) return QString::fromStdString(r.status().message());
    if (r.value().cancelled) return {};
    // The finished run's state, so a later crash (or a session save) keeps the whole run.
    if (checkpoint) checkpoint(sessionFile(skipGramStateOf(r.value())), m_maxSteps);
    auto snap = std::make_shared<EmbeddingSnapshot>();
    snap->step = m_maxSteps;
    snap->table = r.value().embeddings;
    snap->touched.assign(size_t(snap->table.rows()), 0);
    if (!r.value().epochs.empty()) snap->loss = r.value().epochs.back().loss;
    snapshot(snap);
    TrainingProgress done;
    done.step = m_maxSteps;
    done.maxSteps = m_maxSteps;
    done.metricName = "learning rate";
    done.loss = snap->loss;
    done.finished = true;
    progress(done);
    return {};
  }

 private:
  // The skip-gram checkpoint plus what the window rebuilds the run from (its layer and task
  // settings under config/layer and config/task; the skip-gram configuration keeps its own key).
  io::SessionFile sessionFile(const SkipGramState& s) const {
    session::RunManifest m;
    m.task = "skipgram";
    m.data = "preset topics";
    m.optimizer.name = "sgd";
    m.optimizer.learningRate = m_config.learningRate;
    m.epochs = m_config.epochs;
    m.seed = m_config.seed;
    m.engine = compute::BackendInfo{"cpu", "CPU skip-gram (1 thread)", 1};
    m.version = versionString();
    m.writtenBy = "explorer window";  // no command line: its skip-gram settings are not mapped to `train` flags
    io::SessionFile f = session::skipGramCheckpoint(s, m_config, m_corpus->vocabulary, session::manifestToJson(m));
    f.setText(io::session_keys::kLayerConfig, QJsonDocument(m_layer.toJson()).toJson(QJsonDocument::Compact).toStdString());
    f.setText(io::session_keys::kTaskConfig, QJsonDocument(m_task.toJson()).toJson(QJsonDocument::Compact).toStdString());
    f.setText(io::session_keys::kEngine, "cpu");
    std::lock_guard<std::mutex> lock(m_textsMutex);
    for (const auto& [k, t] : m_texts) {
      if (t.empty()) f.remove(k);
      else f.setText(k, t);
    }
    return f;
  }

  // Chunks whose words are all counted (exact at a barrier, where the chunks done are a prefix).
  long long stepsAt(std::int64_t wordsProcessed) const {
    return std::upper_bound(m_chunkEndWords.begin(), m_chunkEndWords.end(), wordsProcessed) - m_chunkEndWords.begin();
  }

  void buildCorpusInfo() {
    auto c = std::make_shared<CorpusInfo>();
    const data::Vocabulary& v = m_corpus->vocabulary;
    for (const auto& name : m_preset.topicNames) c->clusterNames << QString::fromStdString(name);
    QStringList topic;
    for (std::int32_t id = 0; id < v.size(); ++id) {
      c->tokens << QString::fromStdString(v.token(id));
      c->frequency.push_back(v.frequency(id));
      const auto it = m_preset.clusterOf.find(v.token(id));
      const int k = it == m_preset.clusterOf.end() ? -1 : it->second;
      c->cluster.push_back(k);
      topic << (k >= 0 && k < c->clusterNames.size() ? c->clusterNames[k] : QString());
    }
    c->metadataColumns << "topic";
    c->metadata.push_back(topic);
    c->description = QString("skip-gram on the topics preset: %1 sentences, %2 words, vocabulary %3, %4 topics; "
                             "%5 steps (chunks of ~10,000 words) = %6 epochs")
                         .arg(m_corpus->sentenceCount())
                         .arg(m_corpus->keptTokens())
                         .arg(v.size())
                         .arg(m_preset.topicNames.size())
                         .arg(m_maxSteps)
                         .arg(m_config.epochs);
    m_info = c;
  }

  LayerSettings m_layer;
  TaskSettings m_task;
  std::shared_ptr<const io::SessionFile> m_resume;
  data::TopicsPreset m_preset;
  std::shared_ptr<data::TextCorpus> m_corpus;
  SkipGramConfig m_config;
  std::int64_t m_chunksPerEpoch = 1;
  long long m_maxSteps = 0;
  std::vector<std::int64_t> m_chunkEndWords;
  SkipGramControl m_control;
  std::optional<SkipGramState> m_resumeState;
  std::atomic<bool> m_checkpointWanted{false};
  mutable std::mutex m_textsMutex;
  std::map<std::string, std::string> m_texts;
  SnapshotPtr m_initial;
  CorpusPtr m_info;
};

}  // namespace

std::unique_ptr<TrainingJob> makeSkipGramTrainingJob(const LayerSettings& layer, const TaskSettings& task) {
  return std::make_unique<SkipGramTrainingJob>(layer, task);
}

}  // namespace embedscope::ui
