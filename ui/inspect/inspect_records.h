#pragma once
// The plain records the inspector views draw. Each is filled from the engine by
// ui/inspect/engine_bridge.h (the one file that knows the engine's training and planning APIs), so a
// view can be built and tested alone with records from any source, and the views never reach into
// a running backend (ARCHITECTURE.md: one direction, immutable data in).
#include <QString>
#include <QStringList>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/matrix.h"

namespace embedscope::ui::inspect {

// One batch of token ids, row-major (batch, length), with the vocabulary to name them.
struct TokenBatch {
  int batch = 0;
  int length = 0;
  std::vector<std::int64_t> ids;         // batch * length
  std::vector<std::string> vocabulary;   // id -> token; may be empty (then ids only)
  std::vector<int> labels;               // one per example; may be empty
  std::vector<std::string> classNames;   // class index -> name; may be empty
  QString className(int c) const {
    if (c >= 0 && c < static_cast<int>(classNames.size())) return QString::fromStdString(classNames[static_cast<size_t>(c)]);
    return QString::number(c);
  }

  std::int64_t id(int b, int t) const { return ids[static_cast<size_t>(b) * length + t]; }
  QString token(std::int64_t id) const {
    if (id >= 0 && id < static_cast<std::int64_t>(vocabulary.size()))
      return QString::fromStdString(vocabulary[static_cast<size_t>(id)]);
    return id == 0 ? QStringLiteral("<pad>") : QStringLiteral("#%1").arg(id);
  }
};

// The batch run through Embedding -> GlobalAveragePooling1D -> Dense -> softmax once, as the
// classify task's forward pass computes it.
struct PooledRun {
  bool maskZero = false;
  std::vector<std::uint8_t> mask;  // batch * length; all ones when the layer emits no mask
  std::vector<float> validCount;   // per example: sum(mask) (the divisor of the pooling)
  Matrix sums;                     // (batch, dim): sum over valid positions
  Matrix pooled;                   // (batch, dim): sums / validCount
  Matrix probabilities;            // (batch, classes)
  std::vector<int> predicted;      // argmax per example
};

// The memory plan, one record per heap and per tensor, the figures `embedscope plan --json` prints.
struct PlanHeap {
  int index = 0;
  std::uint64_t size = 0;
  std::uint64_t budget = 0;
  QStringList flags;
  std::optional<std::uint64_t> measuredUse;  // while training; empty = not reported by this device
};
struct PlanAllocation {
  QString name;  // "table", "gradient", "slot:m", "batch:ids", ...
  std::uint64_t bytes = 0;
  int shards = 1;
  QString addressing;  // "descriptor" | "device-address" | "" (CPU)
  int heap = 0;
  QStringList flags;
};
struct PlanRecord {
  QString engine;
  QString deviceName;
  QString deviceType;
  std::vector<PlanHeap> heaps;
  std::vector<PlanAllocation> allocations;
  std::uint64_t totalBytes = 0;
  bool fits = true;
  QString decision;  // "device" | "host-visible" | "cpu"
  QString reason;
  int devicesNeeded = 1;  // for a row-sharded run when one device is too small
};

// One training step opened up: every intermediate the step-through narrates, with the real numbers.
struct StepRecord {
  std::int64_t step = 0;
  TokenBatch batch;
  bool maskZero = false;
  std::vector<std::uint8_t> mask;  // batch * length (all ones without mask_zero)
  Matrix gathered;                 // (batch * length, dim): the Embedding output, row b*L+t
  Matrix pooled;                   // (batch, dim)
  Matrix probabilities;            // (batch, classes)
  double loss = 0;
  QString lossName;                // "sparse_categorical_crossentropy", "mse"
  std::vector<std::int64_t> selectedRows;    // distinct ids the batch looks up (padding included), ascending
  std::vector<std::int64_t> selectedCounts;  // positions per selected row
  Matrix selectedBefore;                     // (selectedRows, dim): their values before the step
  std::vector<std::int64_t> gradientRows;  // rows the engine's gradient names (masked positions give none)
  Matrix gradient;                         // (gradientRows, dim): duplicates summed
  std::vector<std::int64_t> gradientCounts;  // how many (valid) positions fed each row
  QString optimizer;
  bool lazy = false;
  double learningRate = 0;
  Matrix rowsBefore;  // (gradientRows, dim)
  Matrix rowsAfter;   // (gradientRows, dim)
  std::int64_t rowsMoved = 0;          // table rows whose value changed this step (all rows)
  std::int64_t untouchedRowsMoved = 0; // of those, rows not in the batch (dense optimizers)
};

}  // namespace embedscope::ui::inspect
