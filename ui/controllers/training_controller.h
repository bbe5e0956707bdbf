#pragma once
// Owns the training worker thread and the run on it. The GUI sends commands (play, pause, step,
// reset); progress and snapshots come back as values through queued signals. Pause, step and
// cancel are direct calls on the job (atomics), because the worker's event loop is busy inside
// fit() for the whole run. Closing the window cancels, quits the thread and waits: no hang, no
// terminate().
#include <QObject>
#include <QThread>
#include <memory>

#include "engine/core/cancel_token.h"
#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"
#include "ui/training/training_job.h"

namespace embedscope::ui {

using JobPtr = std::shared_ptr<TrainingJob>;

// Lives on the worker thread: prepares the job, then runs its fit() to the end.
class TrainingWorker : public QObject {
  Q_OBJECT
 public slots:
  void run(const embedscope::ui::JobPtr& job, const embedscope::CancelToken& cancel, int generation);
 signals:
  void created(const embedscope::ui::CorpusPtr& c, const QString& engine, int generation);
  void progress(const embedscope::ui::TrainingProgress& p, int generation);
  void snapshot(const embedscope::ui::SnapshotPtr& s, int generation);
  void finished(int generation);
  void failed(const QString& message, int generation);
};

class TrainingController : public QObject {
  Q_OBJECT
 public:
  enum class State { Idle, Running, Paused, Finished };
  Q_ENUM(State)

  explicit TrainingController(QObject* parent = nullptr);
  ~TrainingController() override;

  // The configuration used the next time a run is created (after reset, or the first command).
  void setConfiguration(const LayerSettings& layer, const TaskSettings& task);
  State state() const { return m_state; }
  long long step() const { return m_step; }
  bool hasRun() const { return m_job != nullptr; }

 public slots:
  void play();             // run on until paused or done
  void pause();            // direct: holds before the next step
  void stepBy(int steps);  // run exactly `steps` more steps, then hold
  void reset();            // cancel and discard the run; the next command starts from step 0
  void cancel();           // stop the run now (closing the window); keeps nothing running

 signals:
  void stateChanged(embedscope::ui::TrainingController::State state);
  void progress(const embedscope::ui::TrainingProgress& p);
  void snapshotReady(const embedscope::ui::SnapshotPtr& s);
  void corpusReady(const embedscope::ui::CorpusPtr& c, const QString& engineDescription);
  void failed(const QString& message);
  void runReset();

 private:
  bool ensureRun();
  void setState(State s);

  QThread m_thread;
  TrainingWorker* m_worker = nullptr;
  JobPtr m_job;
  CancelToken m_cancel;
  LayerSettings m_layer;
  TaskSettings m_task;
  State m_state = State::Idle;
  long long m_step = 0;
  long long m_holdAt = -1;  // the step a stepBy() should pause at; -1 = playing
  int m_generation = 0;     // results of a reset run are dropped
};

}  // namespace embedscope::ui

Q_DECLARE_METATYPE(embedscope::ui::JobPtr)
Q_DECLARE_METATYPE(embedscope::CancelToken)
