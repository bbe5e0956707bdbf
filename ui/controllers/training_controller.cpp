#include "ui/controllers/training_controller.h"

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
    return true;
  }();
  (void)done;
}
}  // namespace

// ---- worker (training thread) ---------------------------------------------------------------

void TrainingWorker::run(const JobPtr& job, const CancelToken& cancel, int generation) {
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
    const QString fitErr = job->fit([&](const TrainingProgress& p) { emit progress(p, generation); },
                                    [&](SnapshotPtr s) { emit snapshot(s, generation); }, cancel);
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
  m_cancel = CancelToken();
  m_step = 0;
  QMetaObject::invokeMethod(m_worker, "run", Qt::QueuedConnection, Q_ARG(embedscope::ui::JobPtr, m_job),
                            Q_ARG(embedscope::CancelToken, m_cancel), Q_ARG(int, m_generation));
  return true;
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
