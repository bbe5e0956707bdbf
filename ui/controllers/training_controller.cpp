#include "ui/controllers/training_controller.h"

#include <QFile>
#include <exception>

namespace embedscope::ui {

namespace {
void registerTypes() {
  static const bool done = [] {
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<SnapshotPtr>();
    qRegisterMetaType<CorpusPtr>();
    qRegisterMetaType<JobPtr>();
    qRegisterMetaType<CancelToken>();
    qRegisterMetaType<CheckpointTargetsPtr>();
    return true;
  }();
  (void)done;
}
}  // namespace

// ---- checkpoint targets (any thread) --------------------------------------------------------------

void CheckpointTargets::setAutosavePath(const QString& path) {
  std::lock_guard<std::mutex> lock(m_mutex);
  m_autosave = path;
}

QString CheckpointTargets::autosavePath() const {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_autosave;
}

void CheckpointTargets::addOneShot(const QString& path) {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (!m_oneShot.contains(path)) m_oneShot << path;
}

QStringList CheckpointTargets::take() {
  std::lock_guard<std::mutex> lock(m_mutex);
  QStringList out = m_oneShot;
  m_oneShot.clear();
  if (!m_autosave.isEmpty()) out << m_autosave;
  return out;
}

// ---- worker (training thread) ---------------------------------------------------------------

void TrainingWorker::run(const JobPtr& job, const CancelToken& cancel, int generation,
                         const CheckpointTargetsPtr& targets) {
  // Every exception stops here: nothing crosses the thread boundary.
  try {
    if (cancel.isCancelled()) return;
    const QString err = job->prepare();
    if (!err.isEmpty()) {
      emit failed(err, generation);
      return;
    }
    emit created(job->corpus(), job->engineDescription(), generation);
    emit snapshot(job->initialSnapshot(), generation);
    // Checkpoints are encoded and written here, off the GUI thread, atomically.
    auto writeCheckpoint = [&](const io::SessionFile& file, long long step) {
      for (const QString& path : targets->take()) {
        const Status s = io::writeSessionFile(QFile::encodeName(path).toStdString(), file);
        emit checkpointWritten(step, path, s ? QString() : QString::fromStdString(s.message()), generation);
      }
    };
    const QString fitErr = job->fit([&](const TrainingProgress& p) { emit progress(p, generation); },
                                    [&](SnapshotPtr s) { emit snapshot(s, generation); }, writeCheckpoint, cancel);
    if (!fitErr.isEmpty()) emit failed(fitErr, generation);
    else emit finished(generation);
  } catch (const std::exception& e) {
    emit failed(QString("Training stopped: %1").arg(e.what()), generation);
  } catch (...) {
    emit failed("Training stopped: unknown error", generation);
  }
}

// ---- controller (GUI thread) ------------------------------------------------------------------

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
  registerTypes();
  m_thread.setObjectName("embedscope-training");
  m_worker = new TrainingWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &TrainingWorker::created, this, [this](const CorpusPtr& c, const QString& engine, int gen) {
    if (gen == m_generation) emit corpusReady(c, engine);
  });
  connect(m_worker, &TrainingWorker::progress, this, [this](const TrainingProgress& p, int gen) {
    if (gen != m_generation) return;
    m_step = p.step;
    emit progress(p);
    if (p.finished) setState(State::Finished);
    else if (p.paused && m_job && m_job->isPaused() && (m_holdAt < 0 || m_step >= m_holdAt) && m_state == State::Running)
      setState(State::Paused);
  });
  connect(m_worker, &TrainingWorker::snapshot, this, [this](const SnapshotPtr& s, int gen) {
    if (gen == m_generation && s) emit snapshotReady(s);
  });
  connect(m_worker, &TrainingWorker::finished, this, [this](int gen) {
    if (gen == m_generation) setState(State::Finished);
  });
  connect(m_worker, &TrainingWorker::checkpointWritten, this,
          [this](long long step, const QString& path, const QString& error, int gen) {
            if (gen == m_generation) emit checkpointWritten(step, path, error);
          });
  m_autosaveTimer.setObjectName("autosaveTimer");
  connect(&m_autosaveTimer, &QTimer::timeout, this, &TrainingController::autosaveNow);
  connect(m_worker, &TrainingWorker::failed, this, [this](const QString& msg, int gen) {
    if (gen != m_generation) return;
    m_job.reset();
    setState(State::Idle);
    emit failed(msg);
  });
  m_thread.start();
}

TrainingController::~TrainingController() {
  m_cancel.cancel();
  ++m_generation;
  m_thread.quit();
  m_thread.wait();
}

void TrainingController::setConfiguration(const LayerSettings& layer, const TaskSettings& task) {
  m_layer = layer;
  m_task = task;
}

void TrainingController::setState(State s) {
  if (m_state == s) return;
  m_state = s;
  emit stateChanged(s);
}

bool TrainingController::ensureRun() {
  if (m_job) return true;
  m_job = JobPtr(makeTrainingJob(m_layer, m_task));
  m_job->setSessionTexts(m_sessionTexts);
  m_step = 0;
  m_lastCheckpointStep = -1;
  if (m_resume) {
    m_job->setResumeFrom(m_resume);
    m_step = QString::fromStdString(m_resume->textOr(io::session_keys::kStep, "0")).toLongLong();
    m_lastCheckpointStep = m_step;  // that state is saved already
    m_resume.reset();
  }
  m_cancel = CancelToken();
  QMetaObject::invokeMethod(m_worker, "run", Qt::QueuedConnection, Q_ARG(embedscope::ui::JobPtr, m_job),
                            Q_ARG(embedscope::CancelToken, m_cancel), Q_ARG(int, m_generation),
                            Q_ARG(embedscope::ui::CheckpointTargetsPtr, m_targets));
  return true;
}

void TrainingController::setAutosave(const QString& path, int intervalMs) {
  m_targets->setAutosavePath(intervalMs > 0 ? path : QString());
  m_autosaveTimer.stop();
  if (!path.isEmpty() && intervalMs > 0) m_autosaveTimer.start(intervalMs);
}

void TrainingController::setSessionTexts(const std::map<std::string, std::string>& texts) {
  m_sessionTexts = texts;
  if (m_job) m_job->setSessionTexts(texts);
}

void TrainingController::autosaveNow() {
  if (!m_job || m_targets->autosavePath().isEmpty()) return;
  if (m_state == State::Idle || m_step == m_lastCheckpointStep) return;  // nothing new to keep
  m_lastCheckpointStep = m_step;
  emit aboutToCheckpoint();
  m_job->requestCheckpoint();
}

bool TrainingController::saveCheckpointTo(const QString& path) {
  if (!m_job) return false;
  m_targets->addOneShot(path);
  emit aboutToCheckpoint();
  m_job->requestCheckpoint();
  return true;
}

void TrainingController::resumeFrom(std::shared_ptr<const io::SessionFile> session) {
  reset();
  m_resume = std::move(session);
  ensureRun();
  setState(State::Paused);
}

void TrainingController::play() {
  if (m_state == State::Running && m_holdAt < 0) return;
  if (m_state == State::Finished) return;
  ensureRun();
  m_holdAt = -1;
  setState(State::Running);
  m_job->resume();
}

void TrainingController::stepBy(int steps) {
  if (m_state == State::Finished || (m_state == State::Running && m_holdAt < 0)) return;
  ensureRun();
  const long long from = m_holdAt >= 0 ? std::max(m_holdAt, m_step) : m_step;
  m_holdAt = from + std::max(1, steps);
  setState(State::Running);
  for (int i = 0; i < std::max(1, steps); ++i) m_job->step();
}

void TrainingController::pause() {
  if (!m_job) return;
  m_job->pause();
  m_holdAt = -1;
}

void TrainingController::cancel() {
  m_cancel.cancel();
  if (m_job) m_job->resume();  // wake a paused fit so it sees the cancel
}

void TrainingController::reset() {
  m_cancel.cancel();
  ++m_generation;  // everything the old run still sends is dropped
  m_job.reset();
  m_step = 0;
  m_holdAt = -1;
  setState(State::Idle);
  emit runReset();
}

}  // namespace embedscope::ui
