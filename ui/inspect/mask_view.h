#pragma once
// Mask view: the current batch as a grid of tokens and ids with padding marked, the mask row that
// `mask_zero=True` emits beneath each example, and GlobalAveragePooling1D's division by the number
// of valid positions with the numbers. Toggling mask_zero re-runs the batch through the engine and
// shows how the pooled vector and the prediction change. The rules are spelled out beside it.
#include <QWidget>
#include <functional>
#include <optional>

#include "engine/core/status.h"
#include "ui/inspect/inspect_records.h"

class QCheckBox;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace embedscope::ui::inspect {

class MaskView : public QWidget {
  Q_OBJECT
 public:
  // Runs the batch forward with the given mask_zero (the engine's classify forward pass).
  using Runner = std::function<Result<PooledRun>(const TokenBatch&, bool maskZero)>;

  explicit MaskView(QWidget* parent = nullptr);

  void setRunner(Runner runner);
  // Shows a batch and runs it with the current mask_zero.
  void setBatch(TokenBatch batch);
  void setMaskZero(bool maskZero);
  bool maskZero() const;
  // The example whose pooling is worked out below the grid.
  void setSelectedExample(int example);

  const TokenBatch& batch() const { return m_batch; }
  const std::optional<PooledRun>& currentRun() const { return m_run; }
  const std::optional<PooledRun>& previousRun() const { return m_previous; }

 signals:
  // After each (re-)run, with mask_zero as it was run.
  void batchRun(bool maskZero);
  void maskZeroToggled(bool maskZero);

 private:
  void rerun();
  void refreshGrid();
  void refreshPooling();

  Runner m_runner;
  TokenBatch m_batch;
  std::optional<PooledRun> m_run;
  std::optional<PooledRun> m_previous;
  QCheckBox* m_maskZero = nullptr;
  QSpinBox* m_example = nullptr;
  QTableWidget* m_grid = nullptr;
  QTableWidget* m_pooling = nullptr;
  QLabel* m_formula = nullptr;
  QLabel* m_prediction = nullptr;
  QLabel* m_error = nullptr;
  QLabel* m_rules = nullptr;
};

}  // namespace embedscope::ui::inspect
