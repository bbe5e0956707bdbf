#pragma once
// A training run as the worker thread drives it: prepare once, then fit() runs on the worker to
// the end of training, starting paused. The GUI thread steers it with direct, thread-safe calls
// (pause, resume, step) and stops it with the cancel token — never with queued messages, because
// the worker's event loop is busy inside fit(). The engine's session::Trainer has exactly these
// semantics; engine_training_job adapts it.
#include <QString>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "engine/core/cancel_token.h"
#include "engine/io/session_file.h"
#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"
#include "ui/training/training_types.h"

namespace embedscope::ui {

class TrainingJob {
 public:
  virtual ~TrainingJob() = default;
  using ProgressFn = std::function<void(const TrainingProgress&)>;
  using SnapshotFn = std::function<void(SnapshotPtr)>;
  // A checkpoint as a complete session file (configuration, weights, optimizer slots, position,
  // history, manifest and the texts given to setSessionTexts), and the steps it has done.
  using CheckpointFn = std::function<void(const io::SessionFile&, long long globalStep)>;

  // Before prepare(): continue from this session file (a checkpoint or an autosave) instead of
  // step 0, as `embedscope train --resume` does. prepare() fails with the reason when it does not
  // fit the configuration.
  virtual void setResumeFrom(std::shared_ptr<const io::SessionFile> session) = 0;

  // Builds the data, the table and the head (on the worker). Returns an error message or empty.
  virtual QString prepare() = 0;
  virtual CorpusPtr corpus() const = 0;
  // The table before the first step (after prepare).
  virtual SnapshotPtr initialSnapshot() const = 0;
  // Which engine actually runs, in words, with the reason (e.g. "CPU: vulkan: no device; using the CPU").
  virtual QString engineDescription() const = 0;
  // Trains to the end on the calling thread, starting paused. Reports progress at most every
  // ~50 ms and whenever it pauses (with paused = true), snapshots every `snapshot every` steps
  // and at the end. Cancellation is a normal end. Returns an error message or empty.
  // Checkpoints asked for with requestCheckpoint() go to `checkpoint`, on the calling thread.
  virtual QString fit(const ProgressFn& progress, const SnapshotFn& snapshot, const CheckpointFn& checkpoint,
                      const CancelToken& cancel) = 0;
  // Thread-safe controls. pause() holds before the next step; step() lets one step run while
  // paused (n calls = n steps); resume() runs on.
  virtual void pause() = 0;
  virtual void resume() = 0;
  virtual void step() = 0;
  // Whether the run is held now (a "paused" report from before a resume is then stale).
  virtual bool isPaused() const = 0;
  // Thread-safe: fit() hands a checkpoint to its callback between two steps (at once while paused).
  virtual void requestCheckpoint() = 0;
  // Thread-safe: extra text entries every later checkpoint carries (bookmarks, selections).
  virtual void setSessionTexts(std::map<std::string, std::string> texts) = 0;
};

// The engine's session (buildRun + Trainer) for the presets (the planted-clusters demo included)
// and data files.
std::unique_ptr<TrainingJob> makeTrainingJob(const LayerSettings& layer, const TaskSettings& task);

}  // namespace embedscope::ui
