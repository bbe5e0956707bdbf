#pragma once
// Memory view: the placement plan drawn per heap as stacked bars (table, gradients, each optimizer
// slot, batch buffers) with shard ticks and the budget line, plus what-if controls that re-plan at
// once without allocating anything, the input_dim at which the plan stops fitting and what happens
// then, and (while training) the measured use beside the plan, or "not reported by this device".
#include <QWidget>
#include <functional>
#include <optional>

#include "engine/core/status.h"
#include "ui/inspect/inspect_records.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace embedscope::ui::inspect {

// The knobs the what-if controls turn.
struct WhatIf {
  std::int64_t inputDim = 1000;
  std::int64_t outputDim = 64;
  QString optimizer = "adam";  // Keras names: sgd, rmsprop, adam, adamw, adagrad, ftrl
  bool lazy = false;
  QString engine = "auto";  // auto | cpu | vulkan
  QString task = "regression";  // regression | classify | skipgram (what the batch buffers hold)
  int batchSize = 32;
  int sequenceLength = 10;
};

// The stacked bars, one per heap, drawn by hand so shards and the budget line are exact.
class MemoryBars : public QWidget {
  Q_OBJECT
 public:
  explicit MemoryBars(QWidget* parent = nullptr);
  void setPlan(const PlanRecord* plan);
  QSize sizeHint() const override { return {640, 260}; }
  QSize minimumSizeHint() const override { return {320, 160}; }
  static QColor colourFor(const QString& allocation);

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  const PlanRecord* m_plan = nullptr;
};

class MemoryView : public QWidget {
  Q_OBJECT
 public:
  using Planner = std::function<Result<PlanRecord>(const WhatIf&)>;
  explicit MemoryView(QWidget* parent = nullptr);

  void setPlanner(Planner planner);
  void setWhatIf(const WhatIf& w);  // sets the controls, then re-plans
  WhatIf whatIf() const;
  // Measured use per heap index while training; an empty optional is "not reported by this device".
  void setMeasuredUse(const std::vector<std::optional<std::uint64_t>>& perHeap);

  const std::optional<PlanRecord>& plan() const { return m_plan; }
  // The largest input_dim that still fits with the other knobs as they are (0 if none does,
  // -1 if even the largest one tried fits).
  std::int64_t fitLimit() const { return m_fitLimit; }

 signals:
  void replanned();

 private:
  void replan();
  void refreshTable();
  void refreshCurve(const WhatIf& base);
  std::int64_t searchFitLimit(const WhatIf& w) const;

  Planner m_planner;
  std::optional<PlanRecord> m_plan;
  std::vector<std::optional<std::uint64_t>> m_measured;
  std::int64_t m_fitLimit = 0;
  bool m_blockReplan = false;
  QString m_task = "regression";
  int m_sequenceLength = 10;
  QSpinBox* m_inputDim = nullptr;
  QSpinBox* m_outputDim = nullptr;
  QComboBox* m_optimizer = nullptr;
  QComboBox* m_updates = nullptr;
  QComboBox* m_engine = nullptr;
  QSpinBox* m_batchSize = nullptr;
  MemoryBars* m_bars = nullptr;
  QTableWidget* m_table = nullptr;
  QCustomPlot* m_curve = nullptr;
  QLabel* m_device = nullptr;
  QLabel* m_decision = nullptr;
  QLabel* m_limit = nullptr;
  QLabel* m_measuredLabel = nullptr;
};

// Whether the plan fits where it is planned (the device, or system RAM for the CPU engine).
bool fitsWherePlanned(const PlanRecord& plan);

// "512,000,000 B (488.3 MiB)": bytes exactly, with a readable size beside them.
QString formatBytes(std::uint64_t bytes);

}  // namespace embedscope::ui::inspect
