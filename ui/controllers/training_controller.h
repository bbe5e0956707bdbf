#pragma once
// Owns the training worker thread and the run on it. The GUI sends commands (play, pause, step,
// reset); progress and snapshots come back as values through queued signals. Pause and cancel are
// direct calls that set an atomic, because the worker's event loop is busy inside run().
#include <QObject>
#include <QThread>
#include <atomic>
#include <memory>

#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"
#include "ui/training/training_job.h"

namespace embedscope::ui {

class TrainingWorker;
using StopFlag = std::shared_ptr<std::atomic<bool>>;

class TrainingController : public QObject {
  Q_OBJECT
 public:
  enum class State { Idle, Preparing, Paused, Running, Finished };
  Q_ENUM(State)

  explicit TrainingController(QObject* parent = nullptr);
  // Cancels a run in progress, quits the thread and waits for it: closing never hangs on a run.
  ~TrainingController() override;

  // The configuration used the next time a run is created (after reset, or the first play).
  void setConfiguration(const LayerSettings& layer, const TaskSettings& task);
  State state() const { return m_state; }
  long long step() const { return m_step; }
  bool hasRun() const { return m_hasRun; }

 public slots:
  void play();               // run until the step budget is spent or paused
  void pause();              // direct: the worker stops after its current step
  void stepBy(int steps);    // run exactly `steps` steps (1, 10, 100) then pause
  void reset();              // stop and discard the run; the next play starts from step 0
  void cancel();             // same as pause, from the user's "Stop"

 signals:
  void stateChanged(embedscope::ui::TrainingController::State state);
  void progress(const embedscope::ui::TrainingProgress& p);
  void snapshotReady(const embedscope::ui::SnapshotPtr& s);
  void corpusReady(const embedscope::ui::CorpusPtr& c, const QString& engineDescription);
  void failed(const QString& message);
  void runReset();

 private:
  void ensureRun();
  void setState(State s);
  void dispatch(long long steps);

  QThread m_thread;
  TrainingWorker* m_worker = nullptr;
  StopFlag m_stop;  // the flag of the slice now running (a new one per slice)
  LayerSettings m_layer;
  TaskSettings m_task;
  State m_state = State::Idle;
  long long m_step = 0;
  bool m_hasRun = false;
  int m_generation = 0;  // results of a reset run are dropped
  int m_pendingSlices = 0;
};

// Lives on the worker thread; created and destroyed there with its job.
class TrainingWorker : public QObject {
  Q_OBJECT
 public:
  TrainingWorker() = default;
 public slots:
  void create(const embedscope::ui::LayerSettings& layer, const embedscope::ui::TaskSettings& task, int generation);
  void run(long long steps, int generation, const embedscope::ui::StopFlag& stop);
  void discard();
 signals:
  void created(const embedscope::ui::CorpusPtr& c, const QString& engine, int generation);
  void progress(const embedscope::ui::TrainingProgress& p, int generation);
  void snapshot(const embedscope::ui::SnapshotPtr& s, int generation);
  void finished(long long step, bool budgetSpent, int generation);
  void failed(const QString& message, int generation);

 private:
  std::unique_ptr<TrainingJob> m_job;
  int m_generation = -1;
};

}  // namespace embedscope::ui

Q_DECLARE_METATYPE(embedscope::ui::LayerSettings)
Q_DECLARE_METATYPE(embedscope::ui::TaskSettings)
Q_DECLARE_METATYPE(embedscope::ui::StopFlag)
