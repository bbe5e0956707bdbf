#pragma once
// Trainer: the training loop. It drives a Task on a Backend for some epochs, reports progress at
// most every ~50 ms, hands out immutable snapshots every N steps, obeys pause / step / cancel from
// another thread, and stops with a named error on a non-finite loss, leaving the last good state.
// With one thread and one seed, two runs are bit-identical (every source of randomness is the
// seeded Rng, every reduction is in a fixed order).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/core/cancel_token.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/tasks/task.h"

namespace embedscope::session {

struct TrainingProgress {
  std::int64_t epoch = 0;          // 0-based
  std::int64_t epochs = 0;
  std::int64_t step = 0;           // steps done in this epoch
  std::int64_t stepsPerEpoch = 0;
  std::int64_t globalStep = 0;     // steps done in the run (resumed runs count from the checkpoint)
  double loss = 0.0;               // running mean of this epoch's batch losses (as Keras's progress bar)
  double metric = 0.0;             // running epoch metric
  double seconds = 0.0;            // wall time of this fit() call
  double workPerSecond = 0.0;      // examples (or words) per second so far
  bool paused = false;
};

struct EpochRecord {
  std::int64_t epoch = 0;
  double loss = 0.0;
  double metric = 0.0;
  std::optional<double> valLoss;
  std::optional<double> valMetric;
  double seconds = 0.0;
};

// An immutable picture of the model after some step, safe to read on any thread.
struct Snapshot {
  std::int64_t globalStep = 0;
  std::int64_t epoch = 0;
  double loss = 0.0;                       // that step's batch loss
  Matrix table;                            // the effective table after the step
  std::vector<std::int64_t> rowsTouched;   // rows the step's gradient named (ascending)
  std::vector<float> rowDelta;             // per table row: L2 norm of that step's change (incl. constraint)
  std::int64_t rowsMoved = 0;              // rows with a non-zero change (dense modes move untouched rows)
  double gradNorm = 0.0;
};

struct TrainerOptions {
  std::int64_t epochs = 1;
  std::int64_t snapshotEvery = 0;          // steps between snapshots; 0 = none
  std::chrono::milliseconds progressInterval{50};
  // Where to start (a resumed run): the epoch and the steps already done in it.
  std::int64_t initialEpoch = 0;
  std::int64_t initialStepInEpoch = 0;
  std::int64_t initialGlobalStep = 0;
  std::vector<EpochRecord> history;        // earlier epochs of a resumed run
  std::int64_t checkpointEvery = 0;        // steps between onCheckpoint calls; 0 = only when asked
};

// Everything needed to continue a run exactly: where it stood and every trainable value.
struct TrainingState {
  std::int64_t epoch = 0;
  std::int64_t stepInEpoch = 0;
  std::int64_t globalStep = 0;
  std::vector<EpochRecord> history;
  std::vector<std::pair<std::string, Matrix>> tensors;  // backend state, then the task's
};

struct TrainerCallbacks {
  std::function<void(const TrainingProgress&)> onProgress;
  std::function<void(std::shared_ptr<const Snapshot>)> onSnapshot;
  std::function<void(const EpochRecord&)> onEpochEnd;
  // Called every checkpointEvery steps; a failing status stops the run with it.
  std::function<Status(const TrainingState&)> onCheckpoint;
};

struct FitResult {
  Status status;             // ok, Cancelled, or the error that stopped the run (NonFiniteLoss, ...)
  std::vector<EpochRecord> epochs;  // completed epochs, history included
  std::int64_t steps = 0;    // steps this call ran
  std::int64_t globalStep = 0;
  double seconds = 0.0;
  std::int64_t work = 0;     // examples (or words) processed by this call
  bool cancelled() const { return status.code() == StatusCode::Cancelled; }
};

// The prefix of the error a non-finite loss stops a run with.
inline constexpr const char* kNonFiniteLoss = "NonFiniteLoss";

class Trainer {
 public:
  Trainer(compute::Backend& backend, tasks::Task& task, TrainerOptions options);

  // Lets the task register its head; called by fit() if not called before. Call it before
  // restore() so the head's variables exist.
  Status prepare();
  // Loads a checkpoint's tensors into the backend and task (shapes must match).
  Status restore(const TrainingState& state);
  // The current state (for a checkpoint or --save after a stop).
  Result<TrainingState> state() const;

  // Runs to the end, to a cancel (status Cancelled, state kept) or to an error.
  FitResult fit(const TrainerCallbacks& callbacks, const CancelToken& cancel);

  // Thread-safe controls. pause() holds before the next step; step() runs one step while paused;
  // resume() continues.
  void pause();
  void resume();
  void step();
  bool isPaused() const { return m_paused.load(); }
  // Thread-safe: fit() hands the state to onCheckpoint at the next step boundary, or at once while
  // paused (a time-based autosave asks this way). Several requests before then are served once.
  void requestCheckpoint();

 private:
  bool waitWhilePaused(const CancelToken& cancel, const TrainerCallbacks& callbacks, TrainingProgress& progress,
                       Status& error);
  // Serves a pending requestCheckpoint() with the state between two steps.
  Status serveCheckpointRequest(const TrainerCallbacks& callbacks);

  compute::Backend& m_backend;
  tasks::Task& m_task;
  TrainerOptions m_options;
  bool m_prepared = false;
  std::int64_t m_epoch = 0, m_stepInEpoch = 0, m_globalStep = 0;
  std::vector<EpochRecord> m_history;

  std::atomic<bool> m_paused{false};
  std::atomic<int> m_stepsAllowed{0};
  std::atomic<bool> m_checkpointRequested{false};
  std::mutex m_mutex;
  std::condition_variable m_wake;
};

}  // namespace embedscope::session
