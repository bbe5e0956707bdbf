#pragma once
// What the inspector views need from the main window, and nothing else: the current layer
// configuration and engine choice, the training controller's snapshots, and the measured memory
// use while training. The main window owns one, feeds it (setters below, typically connected to
// its panels and TrainingController), and hands it to createInspectorTabs. The views only read.
#include <QObject>
#include <memory>
#include <optional>
#include <vector>

#include "engine/compute/backend_registry.h"
#include "engine/layer/layer_config.h"
#include "engine/optim/optimizer_config.h"
#include "engine/session/trainer.h"
#include "ui/training/training_types.h"

namespace embedscope::ui::inspect {

// A table at one step as the Matrix view draws it, from either snapshot type, without a copy.
struct TableSnapshot {
  std::shared_ptr<const Matrix> table;
  std::vector<std::int64_t> rowsTouched;  // ascending
  std::vector<float> rowDelta;            // per row |delta| of the last step; empty if unknown
  std::int64_t step = 0;
  bool touchedIsLastStep = true;          // false: rows touched since the previous snapshot
};

class InspectorContext : public QObject {
  Q_OBJECT
 public:
  explicit InspectorContext(QObject* parent = nullptr) : QObject(parent) {}

  const LayerConfig& layerConfig() const { return m_layer; }
  const OptimizerConfig& optimizerConfig() const { return m_optimizer; }
  compute::EngineChoice engine() const { return m_engine; }
  int batchSize() const { return m_batchSize; }
  int sequenceLength() const { return m_sequenceLength; }
  const TableSnapshot& lastSnapshot() const { return m_snapshot; }

 public slots:
  // The layer panel's configuration (the Memory view's what-if starts from it).
  void setLayerConfig(const embedscope::LayerConfig& config) {
    m_layer = config;
    emit layerConfigChanged();
  }
  void setOptimizerConfig(const embedscope::OptimizerConfig& config) {
    m_optimizer = config;
    emit layerConfigChanged();
  }
  void setEngine(embedscope::compute::EngineChoice engine) {
    m_engine = engine;
    emit layerConfigChanged();
  }
  void setBatchShape(int batchSize, int sequenceLength) {
    m_batchSize = batchSize;
    m_sequenceLength = sequenceLength;
    emit layerConfigChanged();
  }
  // A training snapshot from the engine's Trainer (the table after a step, the rows it touched,
  // per-row |delta|). Shared and immutable: the Matrix view draws it without copying.
  void publishSnapshot(const std::shared_ptr<const embedscope::session::Snapshot>& s) {
    if (!s) return;
    publish({std::shared_ptr<const Matrix>(s, &s->table), s->rowsTouched, s->rowDelta, s->globalStep, true});
  }
  // The main window's TrainingController snapshot (rows touched since the previous snapshot).
  void publishEmbeddingSnapshot(const embedscope::ui::SnapshotPtr& s) {
    if (!s) return;
    TableSnapshot t{std::shared_ptr<const Matrix>(s, &s->table), {}, {}, s->step, false};
    for (size_t r = 0; r < s->touched.size(); ++r)
      if (s->touched[r]) t.rowsTouched.push_back(static_cast<std::int64_t>(r));
    publish(std::move(t));
  }
  void publish(embedscope::ui::inspect::TableSnapshot snapshot) {
    m_snapshot = std::move(snapshot);
    emit snapshotReady(m_snapshot);
  }
  // Measured bytes in use per heap index while training; an empty optional where the device does
  // not report it.
  void publishMeasuredUse(const std::vector<std::optional<std::uint64_t>>& perHeap) { emit measuredUse(perHeap); }

 signals:
  void layerConfigChanged();
  void snapshotReady(const embedscope::ui::inspect::TableSnapshot& snapshot);
  void measuredUse(const std::vector<std::optional<std::uint64_t>>& perHeap);

 private:
  LayerConfig m_layer = [] {
    LayerConfig c;
    c.inputDim = 1000;
    c.outputDim = 64;
    return c;
  }();
  OptimizerConfig m_optimizer;
  compute::EngineChoice m_engine = compute::EngineChoice::Auto;
  int m_batchSize = 32;
  int m_sequenceLength = 10;
  TableSnapshot m_snapshot;
};

}  // namespace embedscope::ui::inspect
