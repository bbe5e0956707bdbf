#pragma once
// Engines side by side: the same seed and the same batches on the CPU engine and on Vulkan, and a
// heatmap of their difference, element by element, with the largest difference per row beside it.
#include <QWidget>
#include <functional>
#include <memory>

#include "engine/core/status.h"
#include "engine/core/matrix.h"

class QLabel;
class QPushButton;
class QSpinBox;

namespace embedscope::ui::inspect {

class HeatmapWidget;

struct EngineComparison {
  QString leftName;   // "cpu (CPU, 1 thread)"
  QString rightName;  // "vulkan (llvmpipe ...)"
  std::int64_t steps = 0;
  Matrix left;
  Matrix right;
};

class EnginesView : public QWidget {
  Q_OBJECT
 public:
  // Trains `steps` steps on both engines from the same seed and returns both tables.
  using Runner = std::function<Result<EngineComparison>(int steps)>;
  explicit EnginesView(QWidget* parent = nullptr);

  void setRunner(Runner runner);
  Status run();
  void setComparison(EngineComparison comparison);

  // Per row max |left - right|, and the overall maximum.
  const std::vector<float>& rowMaxDifference() const { return m_rowMax; }
  float maxDifference() const { return m_max; }
  HeatmapWidget* heatmap() const { return m_heatmap; }

 signals:
  void compared();

 private:
  Runner m_runner;
  std::vector<float> m_rowMax;
  float m_max = 0;
  QSpinBox* m_steps = nullptr;
  QPushButton* m_run = nullptr;
  QLabel* m_summary = nullptr;
  HeatmapWidget* m_heatmap = nullptr;
};

}  // namespace embedscope::ui::inspect
