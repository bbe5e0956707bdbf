#include "engine/session/trainer.h"

#include <cmath>
#include <sstream>

namespace embedscope::session {

namespace {
using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

Trainer::Trainer(compute::Backend& backend, tasks::Task& task, TrainerOptions options)
    : m_backend(backend),
      m_task(task),
      m_options(std::move(options)),
      m_epoch(m_options.initialEpoch),
      m_stepInEpoch(m_options.initialStepInEpoch),
      m_globalStep(m_options.initialGlobalStep),
      m_history(m_options.history) {}

Status Trainer::prepare() {
  if (m_prepared) return Status::ok();
  EMBEDSCOPE_TRY(m_task.prepare(m_backend));
  m_prepared = true;
  return Status::ok();
}

Status Trainer::restore(const TrainingState& state) {
  EMBEDSCOPE_TRY(prepare());
  std::vector<std::pair<std::string, Matrix>> backendPart, taskPart;
  std::vector<std::pair<std::string, Matrix>> mine;
  m_task.exportState(mine);
  for (const auto& entry : state.tensors) {
    bool isTask = false;
    for (const auto& m : mine) isTask |= m.first == entry.first;
    (isTask ? taskPart : backendPart).push_back(entry);
  }
  EMBEDSCOPE_TRY(m_backend.importState(backendPart));
  EMBEDSCOPE_TRY(m_task.importState(taskPart));
  m_epoch = state.epoch;
  m_stepInEpoch = state.stepInEpoch;
  m_globalStep = state.globalStep;
  m_history = state.history;
  return Status::ok();
}

Result<TrainingState> Trainer::state() const {
  TrainingState s;
  s.epoch = m_epoch;
  s.stepInEpoch = m_stepInEpoch;
  s.globalStep = m_globalStep;
  s.history = m_history;
  EMBEDSCOPE_TRY(m_backend.exportState(s.tensors));
  std::vector<std::pair<std::string, Matrix>> task;
  m_task.exportState(task);
  for (auto& t : task) s.tensors.push_back(std::move(t));
  return s;
}

void Trainer::pause() {
  m_paused.store(true);
}

void Trainer::resume() {
  m_paused.store(false);
  m_wake.notify_all();
}

void Trainer::step() {
  m_stepsAllowed.fetch_add(1);
  m_wake.notify_all();
}

void Trainer::requestCheckpoint() {
  m_checkpointRequested.store(true);
  m_wake.notify_all();
}

Status Trainer::serveCheckpointRequest(const TrainerCallbacks& callbacks) {
  if (!m_checkpointRequested.exchange(false) || !callbacks.onCheckpoint) return Status::ok();
  auto st = state();  // between steps: (epoch, stepInEpoch) is the next step to run
  if (!st) return st.status();
  return callbacks.onCheckpoint(*st);
}

bool Trainer::waitWhilePaused(const CancelToken& cancel, const TrainerCallbacks& callbacks, TrainingProgress& progress,
                              Status& error) {
  bool told = false;
  while (m_paused.load() && !cancel.isCancelled()) {
    if (Status s = serveCheckpointRequest(callbacks); !s) {
      error = s;
      return false;
    }
    int allowed = m_stepsAllowed.load();
    if (allowed > 0 && m_stepsAllowed.compare_exchange_strong(allowed, allowed - 1)) return true;
    if (!told && callbacks.onProgress) {
      progress.paused = true;
      callbacks.onProgress(progress);
      progress.paused = false;
      told = true;
    }
    std::unique_lock<std::mutex> lock(m_mutex);
    // A timed wait: the cancel token is an atomic without a notification of its own.
    m_wake.wait_for(lock, std::chrono::milliseconds(20));
  }
  return !cancel.isCancelled();
}

FitResult Trainer::fit(const TrainerCallbacks& callbacks, const CancelToken& cancel) {
  FitResult result;
  const auto started = Clock::now();
  auto finish = [&](Status s) {
    result.status = std::move(s);
    result.epochs = m_history;
    result.globalStep = m_globalStep;
    result.seconds = secondsSince(started);
    return result;
  };
  if (Status s = prepare(); !s) return finish(s);
  const std::int64_t stepsPerEpoch = m_task.stepsPerEpoch();
  auto lastProgress = Clock::now() - m_options.progressInterval;
  std::vector<UpdateStats> stats;

  for (; m_epoch < m_options.epochs; ++m_epoch, m_stepInEpoch = 0) {
    const auto epochStarted = Clock::now();
    m_task.startEpoch(m_epoch);
    double lossSum = 0.0, metricSum = 0.0;
    std::int64_t examples = 0, epochSteps = 0;
    TrainingProgress progress;
    progress.epoch = m_epoch;
    progress.epochs = m_options.epochs;
    progress.stepsPerEpoch = stepsPerEpoch;
    for (; m_stepInEpoch < stepsPerEpoch; ++m_stepInEpoch) {
      progress.step = m_stepInEpoch;
      progress.globalStep = m_globalStep;
      if (cancel.isCancelled()) return finish(Status::cancelled("training cancelled"));
      if (Status s = serveCheckpointRequest(callbacks); !s) return finish(s);
      Status waitError;
      if (m_paused.load() && examples > 0) {
        // The "paused" report carries the epoch's running figures so far, not the last throttled ones.
        progress.loss = lossSum / static_cast<double>(examples);
        progress.metric = m_task.metricFromSums(metricSum, examples);
      }
      if (m_paused.load() && !waitWhilePaused(cancel, callbacks, progress, waitError))
        return finish(waitError ? Status::cancelled("training cancelled") : waitError);
      const bool snapshotStep = m_options.snapshotEvery > 0 && (m_globalStep + 1) % m_options.snapshotEvery == 0;
      auto r = m_task.step(m_backend, m_stepInEpoch, snapshotStep ? &stats : nullptr);
      if (!r) return finish(r.status().withContext("epoch " + std::to_string(m_epoch + 1) + ", step " +
                                                   std::to_string(m_stepInEpoch + 1)));
      if (!std::isfinite(r->loss)) {
        std::ostringstream m;
        m << kNonFiniteLoss << ": the loss is " << (std::isnan(r->loss) ? "nan" : r->loss > 0 ? "inf" : "-inf") << " at epoch " << m_epoch + 1 << ", step "
          << m_stepInEpoch + 1
          << "; training stopped and the table keeps its state from before that step"
             " (an all-padding sequence under mask_zero pools 0/0, as Keras does)";
        return finish(Status::dataError(m.str()));
      }
      ++m_globalStep;
      ++result.steps;
      ++epochSteps;
      lossSum += r->loss * static_cast<double>(r->examples);  // Keras's Mean, weighted by batch size
      metricSum += r->metricSum;
      examples += r->examples;
      result.work += r->examples;  // what each step really had (the last batch is short)
      if (snapshotStep && callbacks.onSnapshot) {
        auto snap = std::make_shared<Snapshot>();
        snap->globalStep = m_globalStep;
        snap->epoch = m_epoch;
        snap->loss = r->loss;
        if (Status s = m_backend.readTable(snap->table); !s) return finish(s);
        if (!stats.empty()) {
          const UpdateStats& t = stats.front();  // the table (or LoRA A) comes first
          snap->rowsTouched = t.gradRows;
          snap->rowDelta = t.rowDelta;
          if (!t.constraintRowDelta.empty())
            for (std::size_t i = 0; i < snap->rowDelta.size() && i < t.constraintRowDelta.size(); ++i)
              snap->rowDelta[i] = std::hypot(snap->rowDelta[i], t.constraintRowDelta[i]);
          snap->rowsMoved = t.rowsMoved;
          snap->gradNorm = t.gradNorm;
        }
        callbacks.onSnapshot(std::move(snap));
      }
      if (m_options.checkpointEvery > 0 && m_globalStep % m_options.checkpointEvery == 0 && callbacks.onCheckpoint) {
        const std::int64_t keep = m_stepInEpoch;
        m_stepInEpoch = keep + 1;  // the state after this step
        auto st = state();
        m_stepInEpoch = keep;
        if (!st) return finish(st.status());
        if (Status s = callbacks.onCheckpoint(*st); !s) return finish(s);
      }
      if (callbacks.onProgress && Clock::now() - lastProgress >= m_options.progressInterval) {
        lastProgress = Clock::now();
        progress.step = m_stepInEpoch + 1;
        progress.globalStep = m_globalStep;
        progress.loss = lossSum / static_cast<double>(examples);
        progress.metric = m_task.metricFromSums(metricSum, examples);
        progress.seconds = secondsSince(started);
        progress.workPerSecond = progress.seconds > 0 ? static_cast<double>(result.work) / progress.seconds : 0.0;
        callbacks.onProgress(progress);
      }
    }
    EpochRecord rec;
    rec.epoch = m_epoch;
    rec.loss = examples ? lossSum / static_cast<double>(examples) : 0.0;
    rec.metric = m_task.metricFromSums(metricSum, examples);
    if (m_task.hasValidation()) {
      auto v = m_task.validate(m_backend);
      if (!v) return finish(v.status());
      rec.valLoss = v->loss;
      rec.valMetric = v->metric;
    }
    rec.seconds = secondsSince(epochStarted);
    m_history.push_back(rec);
    if (callbacks.onProgress) {
      progress.step = stepsPerEpoch;
      progress.globalStep = m_globalStep;
      progress.loss = rec.loss;
      progress.metric = rec.metric;
      progress.seconds = secondsSince(started);
      progress.workPerSecond = progress.seconds > 0 ? static_cast<double>(result.work) / progress.seconds : 0.0;
      callbacks.onProgress(progress);
      lastProgress = Clock::now();
    }
    if (callbacks.onEpochEnd) callbacks.onEpochEnd(rec);
  }
  return finish(Status::ok());
}

}  // namespace embedscope::session
