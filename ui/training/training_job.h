#pragma once
// A training run as the worker thread drives it: prepare once, then run steps in slices (play runs
// to the end, "step" runs 1, 10 or 100) until cancelled. Implementations live on one thread: the
// worker's. Nothing here throws across the interface; failures come back as a message.
#include <atomic>
#include <functional>
#include <memory>

#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"
#include "ui/training/training_types.h"

namespace embedscope::ui {

class TrainingJob {
 public:
  virtual ~TrainingJob() = default;
  using ProgressFn = std::function<void(const TrainingProgress&)>;
  using SnapshotFn = std::function<void(SnapshotPtr)>;

  // Builds the corpus, the table and the head. Returns an error message, or empty on success.
  virtual QString prepare() = 0;
  virtual CorpusPtr corpus() const = 0;
  // Runs up to `steps` steps, stopping early when `stop` becomes true (checked every step).
  // Reports progress at most every ~50 ms and on return; snapshots every `snapshotEvery` steps
  // and on return. Returns an error message or empty.
  virtual QString run(long long steps, const std::atomic<bool>& stop, const ProgressFn& progress,
                      const SnapshotFn& snapshot) = 0;
  virtual long long step() const = 0;
  virtual long long maxSteps() const = 0;
  virtual SnapshotPtr currentSnapshot() = 0;
  // Which engine actually runs, in words (e.g. "CPU (Eigen, 2 threads)"), with a fallback reason.
  virtual QString engineDescription() const = 0;
};

// The trainer compiled into the explorer (CPU, Eigen): classify and regression tasks with SGD,
// RMSprop, Adam, AdamW and Adagrad in Keras 3's dense semantics or the lazy mode.
std::unique_ptr<TrainingJob> makeBuiltinTrainingJob(const LayerSettings& layer, const TaskSettings& task);

}  // namespace embedscope::ui
