#include "ui/controllers/training_controller.h"

#include <exception>
#include <limits>

namespace embedscope::ui {

namespace {
void registerTypes() {
  static const bool done = [] {
    qRegisterMetaType<TrainingProgress>();
    qRegisterMetaType<SnapshotPtr>();
    qRegisterMetaType<CorpusPtr>();
    qRegisterMetaType<LayerSettings>();
    qRegisterMetaType<TaskSettings>();
    qRegisterMetaType<StopFlag>();
    return true;
  }();
  (void)done;
}
}  // namespace

// ---- worker (runs on the training thread) --------------------------------------------------

void TrainingWorker::create(const LayerSettings& layer, const TaskSettings& task, int generation) {
  try {
    m_job = makeBuiltinTrainingJob(layer, task);
    m_generation = generation;
    const QString err = m_job->prepare();
    if (!err.isEmpty()) {
      m_job.reset();
      emit failed(err, generation);
      return;
    }
    emit created(m_job->corpus(), m_job->engineDescription(), generation);
    emit snapshot(m_job->currentSnapshot(), generation);
  } catch (const std::exception& e) {
    m_job.reset();
    emit failed(QString("Training could not start: %1").arg(e.what()), generation);
  } catch (...) {
    m_job.reset();
    emit failed("Training could not start: unknown error", generation);
  }
}

void TrainingWorker::run(long long steps, int generation, const StopFlag& stop) {
  if (!m_job || generation != m_generation) return;
  try {
    const QString err = m_job->run(
        steps, *stop, [&](const TrainingProgress& p) { emit progress(p, generation); },
        [&](SnapshotPtr s) { emit snapshot(s, generation); });
    if (!err.isEmpty()) {
      emit failed(err, generation);
      return;
    }
    emit finished(m_job->step(), m_job->maxSteps() > 0 && m_job->step() >= m_job->maxSteps(), generation);
  } catch (const std::exception& e) {
    emit failed(QString("Training stopped: %1").arg(e.what()), generation);
  } catch (...) {
    emit failed("Training stopped: unknown error", generation);
  }
}

void TrainingWorker::discard() { m_job.reset(); }

// ---- controller (GUI thread) ---------------------------------------------------------------

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
  registerTypes();
  m_thread.setObjectName("embedscope-training");
  m_worker = new TrainingWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &TrainingWorker::created, this, [this](const CorpusPtr& c, const QString& engine, int gen) {
    if (gen != m_generation) return;
    emit corpusReady(c, engine);
  });
  connect(m_worker, &TrainingWorker::progress, this, [this](const TrainingProgress& p, int gen) {
    if (gen != m_generation) return;
    m_step = p.step;
    emit progress(p);
  });
  connect(m_worker, &TrainingWorker::snapshot, this, [this](const SnapshotPtr& s, int gen) {
    if (gen != m_generation) return;
    emit snapshotReady(s);
  });
  connect(m_worker, &TrainingWorker::finished, this, [this](long long step, bool spent, int gen) {
    if (gen != m_generation) return;
    m_step = step;
    // A newer slice may already be queued (pause then play quickly): only the latest one's end counts.
    m_pendingSlices = std::max(0, m_pendingSlices - 1);
    if (m_pendingSlices == 0) setState(spent ? State::Finished : State::Paused);
  });
  connect(m_worker, &TrainingWorker::failed, this, [this](const QString& msg, int gen) {
    if (gen != m_generation) return;
    m_pendingSlices = 0;
    m_hasRun = false;
    setState(State::Idle);
    emit failed(msg);
  });
  m_thread.start();
}

TrainingController::~TrainingController() {
  if (m_stop) m_stop->store(true);
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

void TrainingController::ensureRun() {
  if (m_hasRun) return;
  m_hasRun = true;
  m_step = 0;
  QMetaObject::invokeMethod(m_worker, "create", Qt::QueuedConnection, Q_ARG(embedscope::ui::LayerSettings, m_layer),
                            Q_ARG(embedscope::ui::TaskSettings, m_task), Q_ARG(int, m_generation));
}

void TrainingController::dispatch(long long steps) {
  ensureRun();
  if (m_stop) m_stop->store(true);  // a slice still running gives way to the new command
  m_stop = std::make_shared<std::atomic<bool>>(false);
  ++m_pendingSlices;
  setState(State::Running);
  QMetaObject::invokeMethod(m_worker, "run", Qt::QueuedConnection, Q_ARG(long long, steps),
                            Q_ARG(int, m_generation), Q_ARG(embedscope::ui::StopFlag, m_stop));
}

void TrainingController::play() {
  if (m_state == State::Running || m_state == State::Finished) return;
  dispatch(std::numeric_limits<long long>::max() / 2);
}

void TrainingController::stepBy(int steps) {
  if (m_state == State::Finished) return;
  dispatch(std::max(1, steps));
}

void TrainingController::pause() {
  if (m_stop) m_stop->store(true);
}

void TrainingController::cancel() { pause(); }

void TrainingController::reset() {
  if (m_stop) m_stop->store(true);
  ++m_generation;  // everything the old run still sends is dropped
  m_pendingSlices = 0;
  m_hasRun = false;
  m_step = 0;
  QMetaObject::invokeMethod(m_worker, "discard", Qt::QueuedConnection);
  setState(State::Idle);
  emit runReset();
}

}  // namespace embedscope::ui
