#pragma once
// Owns the training worker thread and the run on it. The GUI sends commands (play, pause, step,
// reset); progress and snapshots come back as values through queued signals. Pause, step and
// cancel are direct calls on the job (atomics), because the worker's event loop is busy inside
// fit() for the whole run. Closing the window cancels, quits the thread and waits: no hang, no
// terminate().
#include <QObject>
#include <QStringList>
#include <QThread>
#include <QTimer>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/core/cancel_token.h"
#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"
#include "ui/training/training_job.h"

namespace embedscope::ui {

using JobPtr = std::shared_ptr<TrainingJob>;

// Where the worker writes the checkpoints a run hands out: the autosave file (every one) and the
// files a "Save session" asked for (once each). Shared by the controller (GUI thread) and the worker.
class CheckpointTargets {
 public:
  void setAutosavePath(const QString& path);
  QString autosavePath() const;
  void addOneShot(const QString& path);
  // The paths the next checkpoint goes to (the one-shot ones are taken).
  QStringList take();

 private:
  mutable std::mutex m_mutex;
  QString m_autosave;
  QStringList m_oneShot;
};
using CheckpointTargetsPtr = std::shared_ptr<CheckpointTargets>;

// Lives on the worker thread: prepares the job, then runs its fit() to the end.
class TrainingWorker : public QObject {
  Q_OBJECT
 public slots:
  void run(const embedscope::ui::JobPtr& job, const embedscope::CancelToken& cancel, int generation,
           const embedscope::ui::CheckpointTargetsPtr& targets);
 signals:
  // A checkpoint written (error empty) or not (error says why) to `path`.
  void checkpointWritten(long long step, const QString& path, const QString& error, int generation);
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

  // Autosave: every `intervalMs` while a run has moved since the last one, the worker writes the
  // run's checkpoint (a session file, atomically) to `path`. Empty path or 0 = off.
  void setAutosave(const QString& path, int intervalMs);
  QString autosavePath() const { return m_targets->autosavePath(); }
  int autosaveInterval() const { return m_autosaveTimer.interval(); }
  // Texts every later checkpoint carries (bookmarks, selections); the window refreshes them when
  // aboutToCheckpoint() is emitted.
  void setSessionTexts(const std::map<std::string, std::string>& texts);
  // Discards the current run and creates one that continues from `session` (held paused at its
  // step; play() runs on). Failures come back through failed().
  void resumeFrom(std::shared_ptr<const io::SessionFile> session);
  // Writes the current run's checkpoint to `path` (from the worker); false when there is no run.
  bool saveCheckpointTo(const QString& path);

 public slots:
  void play();             // run on until paused or done
  void pause();            // direct: holds before the next step
  void stepBy(int steps);  // run exactly `steps` more steps, then hold
  void reset();            // cancel and discard the run; the next command starts from step 0
  void cancel();           // stop the run now (closing the window); keeps nothing running
  void autosaveNow();      // ask the run for an autosave if it moved since the last one

 signals:
  void stateChanged(embedscope::ui::TrainingController::State state);
  void progress(const embedscope::ui::TrainingProgress& p);
  void snapshotReady(const embedscope::ui::SnapshotPtr& s);
  void corpusReady(const embedscope::ui::CorpusPtr& c, const QString& engineDescription);
  void failed(const QString& message);
  void runReset();
  void aboutToCheckpoint();
  void checkpointWritten(long long step, const QString& path, const QString& error);

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
  CheckpointTargetsPtr m_targets = std::make_shared<CheckpointTargets>();
  QTimer m_autosaveTimer;
  long long m_lastCheckpointStep = -1;  // the step of the last autosave asked for
  std::map<std::string, std::string> m_sessionTexts;
  std::shared_ptr<const io::SessionFile> m_resume;  // for the next ensureRun()
};

}  // namespace embedscope::ui

Q_DECLARE_METATYPE(embedscope::ui::JobPtr)
Q_DECLARE_METATYPE(embedscope::CancelToken)
Q_DECLARE_METATYPE(embedscope::ui::CheckpointTargetsPtr)
